package handlers

import (
	"net/http"
	"net/http/httptest"
)

// SignedInCookie returns a session cookie for userID, as if they had signed
// in (mfaDone: and passed the second factor). Tests use it to act as a user
// without going through the sign-in journey each time; it writes a real
// session row, so everything else behaves exactly as after a real sign-in.
func (h *Handler) SignedInCookie(userID int64, mfaDone bool) (*http.Cookie, error) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()
	sess, err := h.session(r)
	if err != nil {
		return nil, err
	}
	sess.Values[sessUserID] = userID
	sess.Values[sessMFA] = mfaDone
	if err := sess.Save(r, w); err != nil {
		return nil, err
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == h.sessions.name {
			return c, nil
		}
	}
	return nil, http.ErrNoCookie
}
