package handlers

import (
	"crypto/sha256"
	"net/http"
	"regexp"
	"strings"

	"github.com/gorilla/csrf"
)

// csrf protects every unsafe request twice. First Go's
// http.CrossOriginProtection refuses requests that browsers mark as
// cross-site (Sec-Fetch-Site) or whose Origin is foreign. Then gorilla/csrf
// requires the masked token from the form field csrf_token or the
// X-CSRF-Token header.
//
// gorilla/csrf assumes https and checks Origin/Referer strictly; on plain
// http (development, tests) a request must be marked with
// csrf.PlaintextHTTPRequest or every POST fails "origin invalid".
func (h *Handler) csrf(next http.Handler) http.Handler {
	failed := h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		h.log.Info("csrf refused", "request_id", requestID(r.Context()), "reason", csrfReason(r))
		return errCSRF
	})
	name := "beacon_csrf"
	if h.https() {
		name = "__Host-beacon_csrf"
	}
	key := sha256.Sum256(append([]byte("beacon csrf\x00"), h.cfg.SessionKeys[0]...))
	opts := []csrf.Option{
		csrf.FieldName("csrf_token"),
		csrf.RequestHeader("X-CSRF-Token"),
		csrf.CookieName(name),
		csrf.Path("/"),
		csrf.Secure(h.https()),
		csrf.HttpOnly(true),
		csrf.SameSite(csrf.SameSiteLaxMode),
		csrf.MaxAge(12 * 60 * 60),
		csrf.ErrorHandler(failed),
		csrf.TrustedOrigins([]string{h.cfg.BaseURL.Host}),
	}
	protect := csrf.Protect(key[:], opts...)(next)

	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(h.cfg.BaseURL.Scheme + "://" + h.cfg.BaseURL.Host); err != nil {
		panic("handlers: BASE_URL is not a valid origin: " + err.Error())
	}
	cop.SetDenyHandler(failed)
	// One-click unsubscribe from email alerts (RFC 8058): the mail client
	// POSTs "List-Unsubscribe=One-Click" to the URL of an alert's
	// List-Unsubscribe header, with no cookies (the RFC forbids them) and,
	// from webmail, from another origin. So neither a CSRF token nor a
	// same-origin request can be asked of it, and this one route skips both
	// checks. That is safe because the route reads no session at all: the
	// 256-bit token in its URL is its only authority, and ending that one
	// subscription is all it can do (alerts.go). Only POST to this exact
	// pattern is exempt; the page's GET changes nothing.
	cop.AddInsecureBypassPattern(unsubscribePattern)

	plaintext := !h.https()
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if plaintext {
			r = csrf.PlaintextHTTPRequest(r)
		}
		// Open311 partners authenticate with an API key, and the public JSON
		// APIs under /api/ use no cookies at all, so there is no token to ask
		// of them; the cross-origin check above still refuses a browser's
		// cross-site request. The APIs read and check their own input,
		// answering errors in their own format.
		if strings.HasPrefix(r.URL.Path, "/open311/") || strings.HasPrefix(r.URL.Path, "/api/") {
			protect.ServeHTTP(w, csrf.UnsafeSkipCheck(r))
			return
		}
		if r.Method == http.MethodPost && unsubscribeRE.MatchString(r.URL.Path) { // RFC 8058, see above
			protect.ServeHTTP(w, csrf.UnsafeSkipCheck(r))
			return
		}
		// Read a posted form before gorilla/csrf looks for the token in it,
		// so that hostile or oversize forms get 400/413 rather than a
		// misleading token failure.
		if !isSafeMethod(r.Method) && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			if err := parseForm(r); err != nil {
				h.serveError(w, r, err)
				return
			}
		}
		protect.ServeHTTP(w, r)
	}))
}

// unsubscribePattern and unsubscribeRE match the one-click unsubscribe
// route (alerts.unsubscribe.save), and nothing else.
const unsubscribePattern = "POST /alerts/unsubscribe/{token}"

var unsubscribeRE = regexp.MustCompile(`^/alerts/unsubscribe/[A-Za-z0-9_-]{43}$`)

func csrfReason(r *http.Request) string {
	if err := csrf.FailureReason(r); err != nil {
		return err.Error()
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" || r.Header.Get("Origin") != "" {
		return "cross-origin request"
	}
	return "unknown"
}

// isSafeMethod reports whether m cannot change state.
func isSafeMethod(m string) bool {
	switch strings.ToUpper(m) {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}
