package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"maps"
	"net/http"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// sessionName is the cookie's name; under https it carries the __Host-
// prefix, which the browser only accepts with Secure, Path=/ and no Domain.
func sessionName(https bool) string {
	if https {
		return "__Host-beacon"
	}
	return "beacon"
}

// sessionMaxAge bounds a session's life; each save pushes it on.
const sessionMaxAge = 12 * 60 * 60

// sessionStore is a gorilla/sessions Store whose values live in PostgreSQL.
// The cookie holds only a 256-bit random ID, signed with the session keys
// (the first key signs, all verify, so keys rotate without signing anyone
// out). Deleting the row ends the session everywhere at once, which a
// cookie-only store cannot do.
type sessionStore struct {
	store   *db.Store
	codecs  []securecookie.Codec
	options sessions.Options
	name    string
}

func newSessionStore(store *db.Store, keys [][]byte, https bool) *sessionStore {
	var pairs [][]byte
	for _, k := range keys {
		sum := sha256.Sum256(append([]byte("beacon session\x00"), k...))
		pairs = append(pairs, sum[:], nil) // signed, not encrypted: the ID is meaningless
	}
	codecs := securecookie.CodecsFromPairs(pairs...)
	for _, c := range codecs {
		c.(*securecookie.SecureCookie).MaxAge(sessionMaxAge)
	}
	return &sessionStore{
		store:  store,
		codecs: codecs,
		name:   sessionName(https),
		options: sessions.Options{
			Path: "/", MaxAge: sessionMaxAge, Secure: https, HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		},
	}
}

// Get returns the request's session, loaded once per request.
func (s *sessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie, or starts an empty
// one. A missing, forged or expired cookie gives an empty session, not an
// error: the visitor simply is not signed in.
func (s *sessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := s.options
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.codecs...); err != nil {
		return sess, nil
	}
	data, err := s.store.SessionData(r.Context(), portal.HashToken(id))
	if errors.Is(err, portal.ErrNotFound) {
		return sess, nil
	}
	if err != nil {
		return sess, err
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&sess.Values); err != nil {
		return sess, nil
	}
	sess.ID, sess.IsNew = id, false
	return sess, nil
}

// Save stores the session's values (creating its ID on first save) and
// sets the cookie; MaxAge < 0 deletes the session and the cookie.
func (s *sessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := context.WithoutCancel(r.Context())
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.store.DeleteSession(ctx, portal.HashToken(sess.ID)); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	if sess.ID == "" {
		sess.ID = portal.NewToken()
	}
	rec, err := s.record(sess)
	if err != nil {
		return err
	}
	if err := s.store.SaveSession(ctx, rec.IDHash, rec.Data, rec.UserID, rec.Expires); err != nil {
		return err
	}
	return s.setCookie(w, sess)
}

// record is the session as stored: Save stores it, and a statement that
// must save the session in its own transaction (db.NewReport.SessionFor)
// takes it. The session must have its ID.
func (s *sessionStore) record(sess *sessions.Session) (db.SessionRecord, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(sess.Values); err != nil {
		return db.SessionRecord{}, err
	}
	uid, _ := sess.Values[sessUserID].(int64)
	return db.SessionRecord{IDHash: portal.HashToken(sess.ID), Data: buf.Bytes(), UserID: uid,
		Expires: time.Now().Add(time.Duration(sess.Options.MaxAge) * time.Second)}, nil
}

// recordAfter is the session as it must be once change is applied to its
// values, for a statement that saves it with the change it follows (one
// commit instead of two). The session itself is left as it is, to be
// changed only once that statement has succeeded.
func (s *sessionStore) recordAfter(sess *sessions.Session, change func(values map[any]any)) (db.SessionRecord, error) {
	after := *sess
	after.Values = maps.Clone(sess.Values)
	change(after.Values)
	return s.record(&after)
}

// setCookie sends the session's cookie, once its record is stored.
func (s *sessionStore) setCookie(w http.ResponseWriter, sess *sessions.Session) error {
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// Renew gives the session a new ID, keeping its values, and deletes the old
// row. Call it at sign-in and on any change of privilege, so an ID planted
// before sign-in is worthless after it.
func (s *sessionStore) Renew(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.ID != "" {
		if err := s.store.DeleteSession(context.WithoutCancel(r.Context()), portal.HashToken(sess.ID)); err != nil {
			return err
		}
	}
	sess.ID = ""
	return s.Save(r, w, sess)
}

// session returns the request's session (empty if it cannot be loaded).
func (h *Handler) session(r *http.Request) (*sessions.Session, error) {
	return h.sessions.Get(r, h.sessions.name)
}

// flash stores a one-time message shown on the next page rendered.
func (h *Handler) flash(w http.ResponseWriter, r *http.Request, msg string) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	sess.AddFlash(msg)
	return sess.Save(r, w)
}
