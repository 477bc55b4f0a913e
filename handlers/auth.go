package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// Session value keys.
const (
	sessUserID = "uid"     // int64: the signed-in user
	sessMFA    = "mfa"     // bool: a staff member has passed the second factor
	sessAuthAt = "auth_at" // int64: unix time of sign-in
)

// authState is who the request comes from, worked out once per request.
type authState struct {
	user    *portal.User
	mfaDone bool
}

const ctxAuth ctxKey = 100

// loadUser reads the signed-in user from the session, if there is one. It
// runs as router middleware; requests without a session cookie cost nothing.
func (h *Handler) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &authState{}
		if _, err := r.Cookie(h.sessions.name); err == nil {
			if err := h.readAuth(r, st); err != nil {
				h.serveError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxAuth, st)))
	})
}

func (h *Handler) readAuth(r *http.Request, st *authState) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	uid, _ := sess.Values[sessUserID].(int64)
	if uid == 0 {
		return nil
	}
	u, err := h.store.User(r.Context(), uid)
	if errors.Is(err, portal.ErrNotFound) {
		return nil // account deleted: signed out
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return nil
	}
	st.user = &u
	st.mfaDone, _ = sess.Values[sessMFA].(bool)
	return nil
}

func auth(r *http.Request) *authState {
	if st, ok := r.Context().Value(ctxAuth).(*authState); ok {
		return st
	}
	return &authState{}
}

// currentUser is the fully signed-in user (staff past MFA), or nil.
func currentUser(r *http.Request) *portal.User {
	st := auth(r)
	if st.user == nil || (st.user.IsStaff() && !st.mfaDone) {
		return nil
	}
	return st.user
}

// pendingStaff is a staff member who has given their password but not yet
// their second factor, or nil.
func pendingStaff(r *http.Request) *portal.User {
	st := auth(r)
	if st.user != nil && st.user.IsStaff() && !st.mfaDone {
		return st.user
	}
	return nil
}

// signIn starts a new session for u (a new ID: one planted before sign-in
// is worthless after it). mfaDone marks a staff member fully signed in.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, u *portal.User, mfaDone bool) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	sess.Values[sessUserID] = u.ID
	sess.Values[sessMFA] = mfaDone
	sess.Values[sessAuthAt] = time.Now().Unix()
	return h.sessions.Renew(r, w, sess)
}

// signOut ends this browser's session.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	sess.Options.MaxAge = -1
	return sess.Save(r, w)
}

// requireStaff lets through fully signed-in staff; anyone else is sent to
// the staff sign-in page (GET) or refused (other methods).
func (h *Handler) requireStaff(next http.Handler) http.Handler {
	return h.require(func(u *portal.User) bool { return u.IsStaff() }, "staff.signin", next)
}

// requireRole lets through staff holding one of roles.
func (h *Handler) requireRole(roles ...portal.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return h.require(func(u *portal.User) bool { return u.IsStaff() && u.Has(roles...) }, "staff.signin", next)
	}
}

// requireSignedIn lets through any signed-in user (residents' pages).
func (h *Handler) requireSignedIn(next http.Handler) http.Handler {
	return h.require(func(*portal.User) bool { return true }, "account.signin", next)
}

func (h *Handler) require(ok func(*portal.User) bool, signIn string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := currentUser(r)
		switch {
		case u != nil && ok(u):
			next.ServeHTTP(w, r)
		case u != nil:
			h.serveError(w, r, errForbidden)
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			target := "/"
			if route := h.router.Get(signIn); route != nil {
				if u, err := route.URL(); err == nil {
					target = u.String()
				}
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
		default:
			h.serveError(w, r, errForbidden)
		}
	})
}

// audit records a staff or admin action by the current user.
func (h *Handler) audit(r *http.Request, action, targetType, targetID string, details map[string]string) error {
	return h.store.Audit(r.Context(), h.auditEntry(r, action, targetType, targetID, details))
}

// auditEntry describes an action by the current user, for writing inside a
// transaction with the change itself.
func (h *Handler) auditEntry(r *http.Request, action, targetType, targetID string, details map[string]string) portal.AuditEntry {
	e := portal.AuditEntry{Action: action, TargetType: targetType, TargetID: targetID,
		ClientIP: clientAddr(r), Details: details}
	if u := auth(r).user; u != nil {
		e.ActorID, e.ActorRole = u.ID, u.Role
	}
	return e
}
