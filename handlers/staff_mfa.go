package handlers

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/pquerna/otp"
)

// pendingLifetime is how long a password-only session may take to give its
// second factor before the password is asked for again.
const pendingLifetime = 10 * time.Minute

// staffPending returns the staff member who has given their password in
// the last few minutes but not yet their second factor. If there is none,
// it answers with a redirect (to the staff home if already fully signed
// in, else to sign in) and returns nil.
func (h *Handler) staffPending(w http.ResponseWriter, r *http.Request) (*portal.User, error) {
	if currentUser(r).IsStaff() {
		return nil, h.staffRedirect(w, r, "staff.home")
	}
	u := pendingStaff(r)
	if u != nil {
		sess, err := h.session(r)
		if err != nil {
			return nil, err
		}
		at, _ := sess.Values[sessAuthAt].(int64)
		if time.Since(time.Unix(at, 0)) < pendingLifetime {
			return u, nil
		}
	}
	return nil, h.staffRedirect(w, r, "staff.signin")
}

// mfaSetupPage shows a new authenticator secret as a QR code and as text.
type mfaSetupPage struct {
	Page
	QRCode template.URL // a data: URI of a PNG made here, never user input
	Secret string       // grouped in fours for typing
	// CanSkip offers demo accounts a way past MFA in development only.
	CanSkip bool
}

func (h *Handler) showMFASetup(w http.ResponseWriter, r *http.Request) error {
	u, err := h.staffPending(w, r)
	if u == nil || err != nil {
		return err
	}
	if u.MFAEnabled {
		return h.staffRedirect(w, r, "staff.mfa")
	}
	secret, err := h.store.TOTPSecret(r.Context(), u.ID)
	if err != nil {
		return err
	}
	if secret == "" {
		// Made once and kept until confirmed, so reloading the page does not
		// change a code someone has already scanned.
		if secret, err = portal.NewTOTPSecret(); err != nil {
			return err
		}
		if err := h.store.SetTOTPSecret(r.Context(), u.ID, secret); err != nil {
			return err
		}
	}
	return h.renderMFASetup(w, r, http.StatusOK, u, secret, nil)
}

func (h *Handler) renderMFASetup(w http.ResponseWriter, r *http.Request, status int, u *portal.User, secret string, fe portal.FieldErrors) error {
	qr, err := totpQRCode(secret, u.Email)
	if err != nil {
		return err
	}
	page := &mfaSetupPage{Page: Page{Title: "Set up your authenticator app", Staff: true},
		QRCode: qr, Secret: portal.GroupSecret(secret), CanSkip: h.canSkipMFA(u)}
	page.setErrors(fe, "code")
	return h.render(w, r, status, "staff_mfa_setup", page)
}

// totpQRCode draws the otpauth:// URL as a PNG data: URI (the CSP allows
// data: images, and no request for the image can leak the secret).
func totpQRCode(secret, email string) (template.URL, error) {
	raw, err := portal.TOTPKeyURL(secret, email)
	if err != nil {
		return "", err
	}
	key, err := otp.NewKeyFromURL(raw)
	if err != nil {
		return "", err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// canSkipMFA: in development only, the demo accounts may skip MFA set-up.
func (h *Handler) canSkipMFA(u *portal.User) bool {
	return h.cfg.Dev && portal.IsDemoStaff(u.Email) && !u.MFAEnabled
}

// recoveryCodesPage shows the new recovery codes, once.
type recoveryCodesPage struct {
	Page
	Codes []string
}

// confirmMFASetup turns MFA on once the first code from the app is right,
// then shows the recovery codes: they are never stored in plain text, so
// this response is the only place they appear.
func (h *Handler) confirmMFASetup(w http.ResponseWriter, r *http.Request) error {
	u, err := h.staffPending(w, r)
	if u == nil || err != nil {
		return err
	}
	if u.MFAEnabled {
		return h.staffRedirect(w, r, "staff.mfa")
	}
	secret, step, fe, err := h.checkSetupCode(r, u)
	if err != nil {
		return err
	}
	if fe.Any() {
		return h.renderMFASetup(w, r, http.StatusUnprocessableEntity, u, secret, fe)
	}
	codes, err := portal.NewRecoveryCodes()
	if err != nil {
		return err
	}
	hashes := make([][]byte, len(codes))
	for i, c := range codes {
		hashes[i] = portal.RecoveryCodeHash(c)
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		if err := tx.EnableMFA(r.Context(), u.ID, secret, step, hashes); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "staff.mfa_enabled", "user", strconv.FormatInt(u.ID, 10), nil))
	})
	if err != nil {
		return err
	}
	if err := h.mfaSucceeded(w, r, u, "totp"); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_recovery_codes",
		&recoveryCodesPage{Page: Page{Title: "Save your recovery codes", Staff: true}, Codes: codes})
}

// checkSetupCode checks the set-up form's code against the pending secret.
func (h *Handler) checkSetupCode(r *http.Request, u *portal.User) (string, int64, portal.FieldErrors, error) {
	secret, err := h.store.TOTPSecret(r.Context(), u.ID)
	if err != nil || secret == "" {
		return "", 0, nil, firstErr(err, errBadRequest)
	}
	if err := parseForm(r); err != nil {
		return "", 0, nil, err
	}
	in := portal.MFACode{Code: formValue(r, "code")}
	if fe := in.Validate(); fe.Any() {
		return secret, 0, fe, nil
	}
	if err := h.allow(r, h.cfg.Limits.MFA, strconv.FormatInt(u.ID, 10)); err != nil {
		return "", 0, nil, err
	}
	step, ok := portal.MatchTOTP(secret, in.Code, time.Now())
	if !ok {
		return secret, 0, portal.FieldErrors{"code": portal.WrongMFACode}, nil
	}
	return secret, step, nil, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// skipMFA lets a demo account past MFA set-up, in development only.
func (h *Handler) skipMFA(w http.ResponseWriter, r *http.Request) error {
	u, err := h.staffPending(w, r)
	if u == nil || err != nil {
		return err
	}
	if !h.canSkipMFA(u) {
		return errForbidden
	}
	if err := h.completeSignIn(w, r, u, "skipped_in_development"); err != nil {
		return err
	}
	if err := h.flash(w, r, "You skipped setting up an authenticator app. This is only possible in development mode"); err != nil {
		return err
	}
	return h.staffRedirect(w, r, "staff.home")
}

// mfaPage asks for the second factor.
type mfaPage struct {
	Page
}

func (h *Handler) showMFA(w http.ResponseWriter, r *http.Request) error {
	u, err := h.staffPending(w, r)
	if u == nil || err != nil {
		return err
	}
	if !u.MFAEnabled {
		return h.staffRedirect(w, r, "staff.mfa.setup")
	}
	return h.render(w, r, http.StatusOK, "staff_mfa", &mfaPage{Page: Page{Title: "Enter your security code", Staff: true}})
}

// checkMFA accepts a code from the authenticator app (each code once) or
// an unused recovery code.
func (h *Handler) checkMFA(w http.ResponseWriter, r *http.Request) error {
	u, err := h.staffPending(w, r)
	if u == nil || err != nil {
		return err
	}
	if !u.MFAEnabled {
		return h.staffRedirect(w, r, "staff.mfa.setup")
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.MFACode{Code: formValue(r, "code"), AllowRecovery: true}
	fe := in.Validate()
	method := "totp"
	if !fe.Any() {
		if err := h.allow(r, h.cfg.Limits.MFA, strconv.FormatInt(u.ID, 10)); err != nil {
			return err
		}
		var ok bool
		if ok, method, err = h.checkSecondFactor(r, u, in.Code); err != nil {
			return err
		}
		if !ok {
			fe = portal.FieldErrors{"code": portal.WrongMFACode}
		}
	}
	if fe.Any() {
		page := &mfaPage{Page: Page{Title: "Enter your security code", Staff: true}}
		page.setErrors(fe, "code")
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_mfa", page)
	}
	return h.finishMFA(w, r, u, method)
}

// checkSecondFactor checks an app code or a recovery code, using it up.
func (h *Handler) checkSecondFactor(r *http.Request, u *portal.User, code string) (bool, string, error) {
	code = portal.NormaliseCode(code)
	if !portal.IsTOTPCode(code) {
		ok, err := h.store.UseRecoveryCode(r.Context(), u.ID, portal.RecoveryCodeHash(code))
		return ok, "recovery_code", err
	}
	secret, err := h.store.TOTPSecret(r.Context(), u.ID)
	if err != nil {
		return false, "totp", err
	}
	step, ok := portal.MatchTOTP(secret, code, time.Now())
	if !ok {
		return false, "totp", nil
	}
	ok, err = h.store.UseTOTPStep(r.Context(), u.ID, step)
	return ok, "totp", err
}

// finishMFA completes sign-in and tells someone who used a recovery code
// how many they have left.
func (h *Handler) finishMFA(w http.ResponseWriter, r *http.Request, u *portal.User, method string) error {
	if err := h.mfaSucceeded(w, r, u, method); err != nil {
		return err
	}
	if method == "recovery_code" {
		left, err := h.store.RecoveryCodesLeft(r.Context(), u.ID)
		if err != nil {
			return err
		}
		msg := "You used a recovery code. You have " + strconv.Itoa(left) + " left"
		if left <= 3 {
			msg += ". Ask a force administrator to reset your authenticator app to get new codes"
		}
		if err := h.flash(w, r, msg); err != nil {
			return err
		}
	}
	return h.staffRedirect(w, r, "staff.home")
}

// mfaSucceeded clears the MFA throttle and completes the sign-in.
func (h *Handler) mfaSucceeded(w http.ResponseWriter, r *http.Request, u *portal.User, method string) error {
	if err := h.store.ResetLimit(r.Context(), h.cfg.Limits.MFA, strconv.FormatInt(u.ID, 10)); err != nil {
		return err
	}
	return h.completeSignIn(w, r, u, method)
}
