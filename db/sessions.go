package db

import (
	"context"
	"time"
)

// The session statements run on nearly every request, so they are
// prepared (prepared.go).
const (
	sessionDataSQL = `SELECT data FROM sessions WHERE id_hash = $1 AND expires_at > now()`
	saveSessionSQL = `
		INSERT INTO sessions (id_hash, data, user_id, expires_at) VALUES ($1, $2, NULLIF($3, 0), $4)
		ON CONFLICT (id_hash) DO UPDATE
		   SET data = EXCLUDED.data, user_id = EXCLUDED.user_id, expires_at = EXCLUDED.expires_at`
)

// SessionRecord is a session as stored: its hashed ID, its encoded values,
// the account it belongs to (0 for none) and when it expires.
type SessionRecord struct {
	IDHash, Data []byte
	UserID       int64
	Expires      time.Time
}

// SessionData returns the stored values of a live session.
func (s *Store) SessionData(ctx context.Context, idHash []byte) ([]byte, error) {
	st, err := s.stmt(ctx, sessionDataSQL)
	if err != nil {
		return nil, wrap("session data", err)
	}
	var data []byte
	if err := st.GetContext(ctx, &data, idHash); err != nil {
		return nil, wrap("session data", err)
	}
	return data, nil
}

// SaveSession creates or replaces a session's values and pushes its expiry.
// userID (0 for none) ties the session to an account, so that signing out
// everywhere can find it.
func (s *Store) SaveSession(ctx context.Context, idHash, data []byte, userID int64, expires time.Time) error {
	st, err := s.stmt(ctx, saveSessionSQL)
	if err == nil {
		_, err = st.ExecContext(ctx, idHash, data, userID, expires)
	}
	return wrap("save session", err)
}

// DeleteSession ends a session at once, on every replica.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash)
	return wrap("delete session", err)
}
