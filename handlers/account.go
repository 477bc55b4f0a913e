package handlers

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// Residents sign in without a password: they ask for a link by email, and
// the link works once, for 15 minutes, in the browser that asked for it.
// The browser is bound by a random nonce kept in its session; the link's
// row holds the nonce's SHA-256. Whether an address has an account is never
// shown: the "check your email" page is the same either way, and the
// account is created when the link is first used.

// Session keys for the sign-in journey.
const (
	sessSignInNonce = "signin_nonce" // string: binds emailed links to this browser
	sessSignInEmail = "signin_email" // string: shown on the "check your email" page
)

// residentSignInPage is the "sign in to your account" form.
type residentSignInPage struct {
	Page
	Email string
}

func (h *Handler) showResidentSignIn(w http.ResponseWriter, r *http.Request) error {
	if u := currentUser(r); u != nil && !u.IsStaff() {
		return h.acctRedirect(w, r, "account.home")
	}
	return h.render(w, r, http.StatusOK, "account_sign_in", &residentSignInPage{Page: Page{Title: "Sign in to your account"}})
}

func (h *Handler) sendSignInLink(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	typed := formValue(r, "email")
	in := portal.SignInRequest{Email: portal.CanonicalEmail(typed)}
	if fe := in.Validate(); fe.Any() {
		page := &residentSignInPage{Page: Page{Title: "Sign in to your account"}, Email: typed}
		page.setErrors(fe, "email")
		return h.render(w, r, http.StatusUnprocessableEntity, "account_sign_in", page)
	}
	if err := h.allow(r, h.cfg.Limits.SignInLinkIP, clientAddr(r)); err != nil {
		return err
	}
	if err := h.allow(r, h.cfg.Limits.SignInLinkEmail, in.Email); err != nil {
		return err
	}
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	nonce, _ := sess.Values[sessSignInNonce].(string)
	if nonce == "" {
		nonce = portal.NewToken()
		sess.Values[sessSignInNonce] = nonce
	}
	if err := h.emailSignInLink(r, in.Email, portal.HashToken(nonce)); err != nil {
		return err
	}
	sess.Values[sessSignInEmail] = in.Email
	if err := sess.Save(r, w); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "account.signin.sent")
}

// emailSignInLink sends a sign-in link, or, to a staff address, a note
// pointing to the staff sign-in: staff never sign in without a password.
func (h *Handler) emailSignInLink(r *http.Request, email string, browserHash []byte) error {
	kind, err := h.store.EmailAccountKind(r.Context(), email)
	if err != nil {
		return err
	}
	if kind == "staff" {
		signIn := h.absURL("staff.signin")
		m, err := h.mail.Render("account_staff_address", email, struct{ URL string }{signIn})
		if err != nil {
			return err
		}
		return h.store.Enqueue(r.Context(), m)
	}
	token := portal.NewToken()
	link := h.absURL("account.signin.link", "token", token)
	m, err := h.mail.Render("account_sign_in", email, struct {
		URL     string
		Minutes int
	}{link, int(portal.SignInLinkLifetime / time.Minute)})
	if err != nil {
		return err
	}
	if err := h.store.CreateSignInLink(r.Context(), email, portal.HashToken(token), browserHash, portal.SignInLinkLifetime); err != nil {
		return err
	}
	return h.store.Enqueue(r.Context(), m)
}

// residentCheckEmailPage tells the resident a link is on its way.
type residentCheckEmailPage struct {
	Page
	Email   string
	Minutes int
}

func (h *Handler) showCheckEmail(w http.ResponseWriter, r *http.Request) error {
	page := &residentCheckEmailPage{Page: Page{Title: "Check your email"}, Minutes: int(portal.SignInLinkLifetime / time.Minute)}
	if _, err := r.Cookie(h.sessions.name); err == nil {
		sess, err := h.session(r)
		if err != nil {
			return err
		}
		page.Email, _ = sess.Values[sessSignInEmail].(string)
	}
	return h.render(w, r, http.StatusOK, "account_check_email", page)
}

// residentLinkPage is the page an emailed link opens: a button that signs in
// (a GET never spends the link, so mail scanners that follow links cannot).
type residentLinkPage struct {
	Page
	Token string
}

func (h *Handler) showSignInLink(w http.ResponseWriter, r *http.Request) error {
	token := routeVar(r, "token")
	ok, err := h.checkSignInLink(w, r, token)
	if err != nil || !ok {
		return err
	}
	return h.render(w, r, http.StatusOK, "account_link", &residentLinkPage{Page: Page{Title: "Sign in to your account"}, Token: token})
}

// checkSignInLink renders the right page and returns false when the link
// cannot be used from this browser.
func (h *Handler) checkSignInLink(w http.ResponseWriter, r *http.Request, token string) (bool, error) {
	link, err := h.store.SignInLink(r.Context(), portal.HashToken(token))
	switch {
	case errors.Is(err, portal.ErrNotFound) || err == nil && !link.Live:
		return false, h.render(w, r, http.StatusGone, "account_link_invalid", &basicPage{Page{Title: "This link has expired or has already been used"}})
	case err != nil:
		return false, err
	}
	nonce, err := h.signInNonce(r)
	if err != nil {
		return false, err
	}
	if nonce == "" || subtle.ConstantTimeCompare(portal.HashToken(nonce), link.BrowserHash) != 1 {
		return false, h.render(w, r, http.StatusForbidden, "account_wrong_browser", &basicPage{Page{Title: "Open the link on the device where you asked for it"}})
	}
	return true, nil
}

func (h *Handler) signInNonce(r *http.Request) (string, error) {
	if _, err := r.Cookie(h.sessions.name); err != nil {
		return "", nil
	}
	sess, err := h.session(r)
	if err != nil {
		return "", err
	}
	nonce, _ := sess.Values[sessSignInNonce].(string)
	return nonce, nil
}

func (h *Handler) useSignInLink(w http.ResponseWriter, r *http.Request) error {
	token := routeVar(r, "token")
	if ok, err := h.checkSignInLink(w, r, token); err != nil || !ok {
		return err
	}
	nonce, err := h.signInNonce(r)
	if err != nil {
		return err
	}
	id, err := h.store.UseSignInLink(r.Context(), portal.HashToken(token), portal.HashToken(nonce))
	if errors.Is(err, portal.ErrNotFound) || errors.Is(err, portal.ErrForbidden) {
		// Spent by a concurrent request, or an address that is not a
		// resident's: the same page as any dead link.
		return h.render(w, r, http.StatusGone, "account_link_invalid", &basicPage{Page{Title: "This link has expired or has already been used"}})
	}
	if err != nil {
		return err
	}
	u, err := h.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	delete(sess.Values, sessSignInNonce)
	delete(sess.Values, sessSignInEmail)
	if err := h.signIn(w, r, &u, false); err != nil {
		return err
	}
	if err := h.flash(w, r, "You are signed in"); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "account.home")
}

func (h *Handler) signOutResident(w http.ResponseWriter, r *http.Request) error {
	if _, err := r.Cookie(h.sessions.name); err == nil {
		if err := h.signOut(w, r); err != nil {
			return err
		}
	}
	return h.acctRedirect(w, r, "account.signedout")
}

// accountDonePage is shown after signing out or deleting an account, when
// there is no session left to carry a flash message.
type accountDonePage struct {
	Page
	Deleted bool
}

func (h *Handler) showSignedOut(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "account_signed_out", &accountDonePage{Page: Page{Title: "You have signed out"}})
}

func (h *Handler) showAccountDeleted(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "account_signed_out", &accountDonePage{Page: Page{Title: "Your account has been deleted"}, Deleted: true})
}

// requireResident lets through signed-in residents (others are sent to
// sign in); staff have no resident account pages, so they get 403.
func (h *Handler) requireResident(fn handlerFunc) http.Handler {
	return h.requireSignedIn(h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		if currentUser(r).Role != portal.RoleResident {
			return errForbidden
		}
		return fn(w, r)
	}))
}

// acctRedirect answers 303 See Other to a named route.
func (h *Handler) acctRedirect(w http.ResponseWriter, r *http.Request, name string, pairs ...string) error {
	u := h.routeURL(name, pairs...)
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}
