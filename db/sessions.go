package db

import (
	"context"
	"time"
)

// SessionData returns the stored values of a live session.
func (s *Store) SessionData(ctx context.Context, idHash []byte) ([]byte, error) {
	var data []byte
	err := s.db.GetContext(ctx, &data,
		`SELECT data FROM sessions WHERE id_hash = $1 AND expires_at > now()`, idHash)
	if err != nil {
		return nil, wrap("session data", err)
	}
	return data, nil
}

// SaveSession creates or replaces a session's values and pushes its expiry.
// userID (0 for none) ties the session to an account, so that signing out
// everywhere can find it.
func (s *Store) SaveSession(ctx context.Context, idHash, data []byte, userID int64, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO sessions (id_hash, data, user_id, expires_at) VALUES ($1, $2, NULLIF($3, 0), $4)
		ON CONFLICT (id_hash) DO UPDATE
		   SET data = EXCLUDED.data, user_id = EXCLUDED.user_id, expires_at = EXCLUDED.expires_at`,
		idHash, data, userID, expires)
	return wrap("save session", err)
}

// DeleteSession ends a session at once, on every replica.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash)
	return wrap("delete session", err)
}
