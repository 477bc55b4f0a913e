package db

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// Allow records one event for key under limit l. It returns ok when the
// event is within the limit, otherwise how long until one would be. The
// count lives in PostgreSQL, so every replica enforces the same limit.
// Keys are hashed before storage: an email address never sits in the table.
func (s *Store) Allow(ctx context.Context, l portal.Limit, key string) (ok bool, retryAfter time.Duration, err error) {
	if l.Unlimited() {
		return true, 0, nil
	}
	sum := sha256.Sum256([]byte(l.Name + "\x00" + key))
	bucket := l.Name + ":" + hex.EncodeToString(sum[:16])
	var wait float64
	err = s.db.GetContext(ctx, &wait, `SELECT rate_limit_hit($1, $2, make_interval(secs => $3))`,
		bucket, l.Max, l.Window.Seconds())
	if err != nil {
		return false, 0, wrap("rate limit", err)
	}
	if wait <= 0 {
		return true, 0, nil
	}
	return false, time.Duration(math.Ceil(wait)) * time.Second, nil
}

// PruneExpired deletes sessions and rate-limit counters past their expiry.
// Running it on several replicas at once is harmless.
func (s *Store) PruneExpired(ctx context.Context) error {
	for _, q := range []string{
		`DELETE FROM rate_limits WHERE expires_at < now()`,
		`DELETE FROM sessions WHERE expires_at < now()`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return wrap(fmt.Sprintf("prune %q", q[12:23]), err)
		}
	}
	return nil
}
