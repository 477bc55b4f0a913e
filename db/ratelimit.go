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
	bucket := limitBucket(l, key)
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

// Limited reports how long key must wait under limit l, without recording
// a hit: 0 if it may go ahead. Sign-in uses it to refuse before checking a
// password, and records a hit (Allow) only when the password was wrong.
func (s *Store) Limited(ctx context.Context, l portal.Limit, key string) (time.Duration, error) {
	if l.Unlimited() {
		return 0, nil
	}
	var wait float64
	err := s.db.GetContext(ctx, &wait, `
		SELECT coalesce((
		  SELECT extract(epoch FROM w.hits[cardinality(w.hits) - $2 + 1] + make_interval(secs => $3) - clock_timestamp())
		    FROM (SELECT ARRAY(SELECT h FROM unnest(r.hits) AS h
		                        WHERE h > clock_timestamp() - make_interval(secs => $3) ORDER BY h) AS hits
		            FROM rate_limits r WHERE r.bucket = $1) w
		   WHERE cardinality(w.hits) >= $2), 0)`, limitBucket(l, key), l.Max, l.Window.Seconds())
	if err != nil {
		return 0, wrap("rate limit check", err)
	}
	if wait <= 0 {
		return 0, nil
	}
	return time.Duration(math.Ceil(wait)) * time.Second, nil
}

// ResetLimit forgets key's hits under limit l (after a successful sign-in,
// earlier mistakes no longer count).
func (s *Store) ResetLimit(ctx context.Context, l portal.Limit, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM rate_limits WHERE bucket = $1`, limitBucket(l, key))
	return wrap("reset rate limit", err)
}

// limitBucket names key's counter under l exactly as Allow does.
func limitBucket(l portal.Limit, key string) string {
	sum := sha256.Sum256([]byte(l.Name + "\x00" + key))
	return l.Name + ":" + hex.EncodeToString(sum[:16])
}
