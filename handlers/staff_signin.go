package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/portal"
)

// tooManySignIns is the one message for every sign-in throttle.
const tooManySignIns = "Too many attempts. Wait 15 minutes and try again."

// staffSignInPage is the staff sign-in form. It is reachable by anyone, so
// it keeps the resident-facing layout.
type staffSignInPage struct {
	Page
	Email string
}

func (h *Handler) showStaffSignIn(w http.ResponseWriter, r *http.Request) error {
	if currentUser(r).IsStaff() {
		return h.staffRedirect(w, r, "staff.home")
	}
	return h.render(w, r, http.StatusOK, "staff_signin", &staffSignInPage{Page: Page{Title: "Sign in"}})
}

func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, email string, fe portal.FieldErrors) error {
	page := &staffSignInPage{Page: Page{Title: "Sign in"}, Email: email}
	page.setErrors(fe, "email", "password")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(int(h.cfg.Limits.SignInEmail.Window.Seconds())))
	}
	return h.render(w, r, status, "staff_signin", page)
}

// staffSignIn checks an email address and password. Unknown addresses,
// wrong passwords and disabled accounts get the same answer after the same
// work (an unknown address is checked against a dummy hash).
func (h *Handler) staffSignIn(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.StaffSignIn{Email: portal.CanonicalEmail(r.PostForm.Get("email")), Password: r.PostForm.Get("password")}
	if fe := in.Validate(); fe.Any() {
		return h.renderSignIn(w, r, http.StatusUnprocessableEntity, in.Email, fe)
	}
	if ok, err := h.signInAllowed(r, in.Email); err != nil || !ok {
		if err != nil {
			return err
		}
		return h.renderSignIn(w, r, http.StatusTooManyRequests, in.Email, portal.FieldErrors{"email": tooManySignIns})
	}
	uid, ok, err := h.checkStaffPassword(r.Context(), in)
	if err != nil {
		return err
	}
	if !ok {
		return h.signInFailed(w, r, in.Email, uid)
	}
	if err := h.store.ResetLimit(r.Context(), h.cfg.Limits.SignInEmail, in.Email); err != nil {
		return err
	}
	return h.passwordAccepted(w, r, uid)
}

// signInAllowed applies both throttles before any password is checked, so a
// throttled attacker learns nothing even by guessing right.
func (h *Handler) signInAllowed(r *http.Request, email string) (bool, error) {
	wait, err := h.store.Limited(r.Context(), h.cfg.Limits.SignInIP, clientAddr(r))
	if err != nil || wait > 0 {
		return false, err
	}
	ok, _, err := h.store.Allow(r.Context(), h.cfg.Limits.SignInEmail, email)
	return ok, err
}

// checkStaffPassword reports whether the password is right for an enabled
// staff account, and that account's ID (0 if there is none).
func (h *Handler) checkStaffPassword(ctx context.Context, in portal.StaffSignIn) (int64, bool, error) {
	c, err := h.store.StaffCredentials(ctx, in.Email)
	if err != nil && !errors.Is(err, portal.ErrNotFound) {
		return 0, false, err
	}
	hash := c.PasswordHash
	if hash == "" {
		hash = portal.DummyPasswordHash
	}
	ok, err := portal.VerifyPassword(hash, in.Password)
	if err != nil {
		h.log.Error("unreadable password hash", "user_id", c.UserID)
	}
	return c.UserID, ok && c.PasswordHash != "" && !c.Disabled, nil
}

// signInFailed counts the failure against the client address, audits it
// and answers exactly as for an unknown address.
func (h *Handler) signInFailed(w http.ResponseWriter, r *http.Request, email string, uid int64) error {
	if _, _, err := h.store.Allow(r.Context(), h.cfg.Limits.SignInIP, clientAddr(r)); err != nil {
		return err
	}
	e := h.auditEntry(r, "staff.sign_in_failed", "user", "", nil)
	if uid != 0 {
		e.TargetID = strconv.FormatInt(uid, 10)
	}
	if err := h.store.Audit(r.Context(), e); err != nil {
		return err
	}
	return h.renderSignIn(w, r, http.StatusUnprocessableEntity, email, portal.FieldErrors{"email": portal.BadCredentials})
}

// passwordAccepted starts a session that has passed the first factor only
// (with a new ID) and sends the user on to their second factor.
func (h *Handler) passwordAccepted(w http.ResponseWriter, r *http.Request, uid int64) error {
	u, err := h.store.User(r.Context(), uid)
	if err != nil {
		return err
	}
	if err := h.signIn(w, r, &u, false); err != nil {
		return err
	}
	if u.MFAEnabled {
		return h.staffRedirect(w, r, "staff.mfa")
	}
	return h.staffRedirect(w, r, "staff.mfa.setup")
}

// completeSignIn marks the session fully signed in (with a new ID, as the
// privilege changes), records it and audits how the second factor was met.
func (h *Handler) completeSignIn(w http.ResponseWriter, r *http.Request, u *portal.User, method string) error {
	if err := h.signIn(w, r, u, true); err != nil {
		return err
	}
	if err := h.store.RecordSignIn(r.Context(), u.ID); err != nil {
		return err
	}
	return h.audit(r, "staff.sign_in", "user", strconv.FormatInt(u.ID, 10), map[string]string{"mfa": method})
}

// staffSignOut ends this browser's session (staff part-way through signing
// in may sign out too).
func (h *Handler) staffSignOut(w http.ResponseWriter, r *http.Request) error {
	if u := auth(r).user; u != nil {
		if err := h.audit(r, "staff.sign_out", "user", strconv.FormatInt(u.ID, 10), nil); err != nil {
			return err
		}
	}
	if err := h.resetStaffSession(w, r, "You have signed out"); err != nil {
		return err
	}
	return h.staffRedirect(w, r, "staff.signin")
}

// staffSignOutEverywhere ends every session of the user, on every device.
func (h *Handler) staffSignOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	if err := h.store.DeleteUserSessions(r.Context(), u.ID); err != nil {
		return err
	}
	if err := h.audit(r, "staff.sign_out_everywhere", "user", strconv.FormatInt(u.ID, 10), nil); err != nil {
		return err
	}
	if err := h.resetStaffSession(w, r, "You have signed out on every device"); err != nil {
		return err
	}
	return h.staffRedirect(w, r, "staff.signin")
}

// resetStaffSession empties the browser's session and gives it a new ID, keeping
// only a flash message for the next page. Saving the old session instead
// would write back a row that signing out everywhere had just deleted.
func (h *Handler) resetStaffSession(w http.ResponseWriter, r *http.Request, flash string) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	clear(sess.Values)
	if flash != "" {
		sess.AddFlash(flash)
	}
	return h.sessions.Renew(r, w, sess)
}

// staffRedirect answers 303 See Other to the named route.
func (h *Handler) staffRedirect(w http.ResponseWriter, r *http.Request, route string, pairs ...string) error {
	u, err := h.router.Get(route).URL(pairs...)
	if err != nil {
		return err
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
	return nil
}
