package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// passwordSetPath is where a new member of staff sets their first password;
// the route "staff.password.set" is this plus {token}.
const passwordSetPath = "/staff/password/set/"

// PasswordSetURL is the absolute link, for base, where a new member of
// staff sets their password with token (from db.Tx.CreateAuthToken with
// portal.TokenPasswordSet). `beacon user create` prints it; handlers use
// h.passwordSetURL, which builds the same link from the route.
func PasswordSetURL(base *url.URL, token string) string {
	return strings.TrimRight(base.String(), "/") + passwordSetPath + url.PathEscape(token)
}

// passwordSetURL is the absolute link where a new member of staff sets
// their password with token. Admin invitations call it inside their
// transaction, after tx.CreateAuthToken(ctx, id, portal.TokenPasswordSet, ttl).
func (h *Handler) passwordSetURL(token string) string {
	return h.staffAbsURL("staff.password.set", "token", token)
}

// staffAbsURL is the absolute URL of a named route, for emails.
func (h *Handler) staffAbsURL(route string, pairs ...string) string {
	u, err := h.router.Get(route).URL(pairs...)
	if err != nil {
		panic("handlers: " + route + ": " + err.Error()) // a programming error: routes are fixed
	}
	return strings.TrimRight(h.cfg.BaseURL.String(), "/") + u.String()
}

// forgotPasswordPage asks for the email address to send a reset link to.
type forgotPasswordPage struct {
	Page
	Email string
}

func (h *Handler) showForgotPassword(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "staff_password_forgot", &forgotPasswordPage{Page: Page{Title: "Reset your password"}})
}

// sendPasswordReset emails a reset link if the address has an enabled staff
// account, and answers the same way whether or not it does.
func (h *Handler) sendPasswordReset(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.ForgotPassword{Email: portal.CanonicalEmail(r.PostForm.Get("email"))}
	if fe := in.Validate(); fe.Any() {
		page := &forgotPasswordPage{Page: Page{Title: "Reset your password"}, Email: in.Email}
		page.setErrors(fe, "email")
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_password_forgot", page)
	}
	if err := h.allow(r, h.cfg.Limits.ResetIP, clientAddr(r)); err != nil {
		return err
	}
	if err := h.allow(r, h.cfg.Limits.ResetEmail, in.Email); err != nil {
		return err
	}
	c, err := h.store.StaffCredentials(r.Context(), in.Email)
	switch {
	case errors.Is(err, portal.ErrNotFound) || c.Disabled:
	case err != nil:
		return err
	default:
		if err := h.emailPasswordReset(r, c.UserID, in.Email); err != nil {
			return err
		}
	}
	return h.staffRedirect(w, r, "staff.password.sent")
}

// emailPasswordReset writes the token, the email carrying it and the audit
// row together.
func (h *Handler) emailPasswordReset(r *http.Request, uid int64, email string) error {
	return h.store.InTx(r.Context(), func(tx *db.Tx) error {
		token, err := tx.CreateAuthToken(r.Context(), uid, portal.TokenPasswordReset, portal.PasswordResetLifetime)
		if err != nil {
			return err
		}
		m, err := h.mail.Render("staff_password_reset", email, staffLinkEmail{
			URL: h.staffAbsURL("staff.password.reset", "token", token), Lifetime: "1 hour"})
		if err != nil {
			return err
		}
		if err := tx.Enqueue(r.Context(), m); err != nil {
			return err
		}
		e := h.auditEntry(r, "staff.password_reset_requested", "user", strconv.FormatInt(uid, 10), nil)
		return tx.Audit(r.Context(), e)
	})
}

// staffLinkEmail is the data of the emails carrying a password link.
type staffLinkEmail struct {
	URL      string
	Lifetime string // "1 hour", "7 days"
}

func (h *Handler) showPasswordSent(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "staff_password_sent", &basicPage{Page{Title: "Check your email"}})
}

// newPasswordPage is where a password is chosen from an emailed link.
type newPasswordPage struct {
	Page
	Purpose portal.TokenPurpose
	Email   string
	Action  string // the form's own URL, carrying the token
}

// passwordToken reads the token from the URL and finds its account. A
// token that does not work answers with the "link has expired" page.
func (h *Handler) passwordToken(w http.ResponseWriter, r *http.Request, purpose portal.TokenPurpose) (string, *portal.User, error) {
	token := routeVar(r, "token")
	if len(token) != 43 { // 32 bytes in unpadded base64url
		return "", nil, h.linkExpired(w, r)
	}
	u, err := h.store.AuthTokenUser(r.Context(), token, purpose)
	if errors.Is(err, portal.ErrNotFound) {
		return "", nil, h.linkExpired(w, r)
	}
	if err != nil {
		return "", nil, err
	}
	return token, &u, nil
}

func (h *Handler) linkExpired(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusNotFound, "staff_password_link_expired", &basicPage{Page{Title: "This link has expired"}})
}

// The password pages, one pair per kind of link.
func (h *Handler) showPasswordReset(w http.ResponseWriter, r *http.Request) error {
	return h.showNewPassword(w, r, portal.TokenPasswordReset)
}

func (h *Handler) savePasswordReset(w http.ResponseWriter, r *http.Request) error {
	return h.setNewPassword(w, r, portal.TokenPasswordReset)
}

func (h *Handler) showPasswordSet(w http.ResponseWriter, r *http.Request) error {
	return h.showNewPassword(w, r, portal.TokenPasswordSet)
}

func (h *Handler) savePasswordSet(w http.ResponseWriter, r *http.Request) error {
	return h.setNewPassword(w, r, portal.TokenPasswordSet)
}

// showNewPassword shows the form for a link of purpose.
func (h *Handler) showNewPassword(w http.ResponseWriter, r *http.Request, purpose portal.TokenPurpose) error {
	token, u, err := h.passwordToken(w, r, purpose)
	if u == nil || err != nil {
		return err
	}
	return h.renderNewPassword(w, r, http.StatusOK, token, purpose, u, nil)
}

func (h *Handler) renderNewPassword(w http.ResponseWriter, r *http.Request, status int, token string, purpose portal.TokenPurpose, u *portal.User, fe portal.FieldErrors) error {
	title, route := "Reset your password", "staff.password.reset.save"
	if purpose == portal.TokenPasswordSet {
		title, route = "Create your password", "staff.password.set.save"
	}
	action, err := h.router.Get(route).URL("token", token)
	if err != nil {
		return err
	}
	page := &newPasswordPage{Page: Page{Title: title}, Purpose: purpose, Email: u.Email, Action: action.String()}
	page.setErrors(fe, "password")
	return h.render(w, r, status, "staff_password_new", page)
}

// setNewPassword uses up a link of purpose, stores the password, signs the
// account out everywhere and sends the user to sign in with it.
func (h *Handler) setNewPassword(w http.ResponseWriter, r *http.Request, purpose portal.TokenPurpose) error {
	token, u, err := h.passwordToken(w, r, purpose)
	if u == nil || err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.NewPassword{Password: r.PostForm.Get("password"), Email: u.Email}
	if fe := in.Validate(); fe.Any() {
		return h.renderNewPassword(w, r, http.StatusUnprocessableEntity, token, purpose, u, fe)
	}
	return h.saveNewPassword(w, r, token, purpose, u, in.Password)
}

func (h *Handler) saveNewPassword(w http.ResponseWriter, r *http.Request, token string, purpose portal.TokenPurpose, u *portal.User, pw string) error {
	hash, err := portal.HashPassword(pw)
	if err != nil {
		return err
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		uid, err := tx.UseAuthToken(r.Context(), token, purpose)
		if err != nil {
			return err
		}
		if err := tx.SetPassword(r.Context(), uid, hash); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(r.Context(), uid); err != nil {
			return err
		}
		e := h.auditEntry(r, "staff."+string(purpose), "user", strconv.FormatInt(uid, 10), nil)
		e.ActorID, e.ActorRole = uid, u.Role
		return tx.Audit(r.Context(), e)
	})
	if errors.Is(err, portal.ErrNotFound) { // used up by a request racing this one
		return h.linkExpired(w, r)
	}
	if err != nil {
		return err
	}
	if err := h.resetStaffSession(w, r, "Your password has been saved. Sign in with your new password"); err != nil {
		return err
	}
	return h.staffRedirect(w, r, "staff.signin")
}
