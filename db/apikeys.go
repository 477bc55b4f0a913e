package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// apiKeyRow is a stored Open311 API key (never the secret).
type apiKeyRow struct {
	ID        int64        `db:"id"`
	Name      string       `db:"name"`
	Prefix    string       `db:"prefix"`
	PerMinute int          `db:"per_minute"`
	CreatedAt time.Time    `db:"created_at"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

func (r apiKeyRow) key() portal.APIKey {
	return portal.APIKey{ID: r.ID, Name: r.Name, Prefix: r.Prefix, PerMinute: r.PerMinute,
		CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt.Time}
}

const apiKeyColumns = `id, name, prefix, per_minute, created_at, revoked_at`

// CreateAPIKey stores a new key for a partner system and audits it. It
// returns the secret, which is shown once and never stored.
func (s *Store) CreateAPIKey(ctx context.Context, name string, perMinute int, actor portal.AuditEntry) (portal.APIKey, string, error) {
	if err := portal.ValidateAPIKey(name, perMinute); err != nil {
		return portal.APIKey{}, "", err
	}
	for attempt := 0; ; attempt++ {
		secret, prefix, hash := portal.NewAPIKeySecret()
		var row apiKeyRow
		err := s.InTx(ctx, func(tx *Tx) error {
			// Prefixes name keys for revocation, so they are kept unique.
			err := tx.tx.GetContext(ctx, &row, `
				INSERT INTO api_keys (name, key_hash, prefix, per_minute)
				SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE prefix = $3)
				RETURNING `+apiKeyColumns, name, hash, prefix, perMinute)
			if err != nil {
				return wrap("create api key", err)
			}
			actor.Action, actor.TargetType, actor.TargetID = "apikey.create", "api_key", strconv.FormatInt(row.ID, 10)
			actor.Details = withDetails(actor.Details, "prefix", prefix, "per_minute", strconv.Itoa(perMinute))
			return tx.Audit(ctx, actor)
		})
		if errors.Is(err, portal.ErrNotFound) && attempt < 3 {
			continue // the random prefix is taken: draw again
		}
		if err != nil {
			return portal.APIKey{}, "", err
		}
		return row.key(), secret, nil
	}
}

// APIKeyBySecret returns the working key a partner presented, or
// portal.ErrNotFound when it is malformed, unknown or revoked (the three are
// answered alike).
func (s *Store) APIKeyBySecret(ctx context.Context, secret string) (portal.APIKey, error) {
	_, hash, ok := portal.ParseAPIKey(secret)
	if !ok {
		return portal.APIKey{}, fmt.Errorf("db: api key: %w", portal.ErrNotFound)
	}
	var row apiKeyRow
	err := s.db.GetContext(ctx, &row, `SELECT `+apiKeyColumns+` FROM api_keys
		 WHERE key_hash = $1 AND revoked_at IS NULL`, hash)
	if err != nil {
		return portal.APIKey{}, wrap("api key", err)
	}
	return row.key(), nil
}

// RevokeAPIKey stops the working key with this prefix at once and audits
// it; portal.ErrNotFound if there is none.
func (s *Store) RevokeAPIKey(ctx context.Context, prefix string, actor portal.AuditEntry) (portal.APIKey, error) {
	var row apiKeyRow
	err := s.InTx(ctx, func(tx *Tx) error {
		err := tx.tx.GetContext(ctx, &row, `
			UPDATE api_keys SET revoked_at = now() WHERE prefix = $1 AND revoked_at IS NULL
			RETURNING `+apiKeyColumns, prefix)
		if err != nil {
			return wrap("revoke api key", err)
		}
		actor.Action, actor.TargetType, actor.TargetID = "apikey.revoke", "api_key", strconv.FormatInt(row.ID, 10)
		actor.Details = withDetails(actor.Details, "prefix", prefix)
		return tx.Audit(ctx, actor)
	})
	return row.key(), err
}

// APIKeys lists every key, working ones first, newest first.
func (s *Store) APIKeys(ctx context.Context) ([]portal.APIKey, error) {
	var rows []apiKeyRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+apiKeyColumns+` FROM api_keys
		 ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC`)
	if err != nil {
		return nil, wrap("api keys", err)
	}
	out := make([]portal.APIKey, len(rows))
	for i, r := range rows {
		out[i] = r.key()
	}
	return out, nil
}

// withDetails copies the caller's audit details and adds pairs to them.
func withDetails(details map[string]string, pairs ...string) map[string]string {
	out := make(map[string]string, len(details)+len(pairs)/2)
	for k, v := range details {
		out[k] = v
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		out[pairs[i]] = pairs[i+1]
	}
	return out
}
