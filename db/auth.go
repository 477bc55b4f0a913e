package db

import (
	"context"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// StaffCredentials is what signing in needs to know about a staff account.
type StaffCredentials struct {
	UserID       int64  `db:"id"`
	PasswordHash string `db:"password_hash"` // empty: no password set yet
	Disabled     bool   `db:"disabled"`
}

// StaffCredentials looks up the staff account for email. An address with no
// staff account answers portal.ErrNotFound.
func (s *Store) StaffCredentials(ctx context.Context, email string) (StaffCredentials, error) {
	var c StaffCredentials
	err := s.db.GetContext(ctx, &c, `
		SELECT id, coalesce(password_hash, '') AS password_hash, disabled_at IS NOT NULL AS disabled
		  FROM users WHERE email = lower($1) AND kind = 'staff'`, email)
	return c, wrap("staff credentials", err)
}

// UserIDByEmail returns the ID of the account with email.
func (s *Store) UserIDByEmail(ctx context.Context, email string) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT id FROM users WHERE email = lower($1)`, email)
	return id, wrap("user by email", err)
}

// RecordSignIn notes when a user last signed in fully.
func (s *Store) RecordSignIn(ctx context.Context, userID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE users SET last_sign_in_at = now() WHERE id = $1`, userID)
	return wrap("record sign-in", err)
}

// SetPassword stores a new password hash and makes every outstanding
// password link of the user unusable.
func (t *Tx) SetPassword(ctx context.Context, userID int64, hash string) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash)
	if err != nil {
		return wrap("set password", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("db: set password: %w", portal.ErrNotFound)
	}
	_, err = t.tx.ExecContext(ctx, `
		UPDATE auth_tokens SET used_at = now()
		 WHERE user_id = $1 AND purpose IN ('password_set', 'password_reset') AND used_at IS NULL`, userID)
	return wrap("expire password tokens", err)
}

// DeleteUserSessions signs a user out everywhere as part of the transaction.
func (t *Tx) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return wrap("delete user sessions", err)
}

// CreateAuthToken makes a single-use token for purpose, valid for ttl, and
// returns it; only its SHA-256 is stored. Earlier unused tokens of the same
// purpose stop working, so only the latest emailed link does.
func (s *Store) CreateAuthToken(ctx context.Context, userID int64, purpose portal.TokenPurpose, ttl time.Duration) (string, error) {
	var token string
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		token, err = tx.CreateAuthToken(ctx, userID, purpose, ttl)
		return err
	})
	return token, err
}

// CreateAuthToken makes a single-use token inside the transaction (so that
// the account, its token and the email carrying it are written together).
func (t *Tx) CreateAuthToken(ctx context.Context, userID int64, purpose portal.TokenPurpose, ttl time.Duration) (string, error) {
	token := portal.NewToken()
	if _, err := t.tx.ExecContext(ctx, `
		UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
		userID, string(purpose)); err != nil {
		return "", wrap("supersede auth tokens", err)
	}
	_, err := t.tx.ExecContext(ctx, `
		INSERT INTO auth_tokens (token_hash, user_id, purpose, expires_at)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
		portal.HashToken(token), userID, string(purpose), ttl.Seconds())
	return token, wrap("create auth token", err)
}

// AuthTokenUser returns the user a token belongs to, if the token is for
// purpose, unused, unexpired and its staff account enabled; otherwise
// portal.ErrNotFound. It does not use the token up.
func (s *Store) AuthTokenUser(ctx context.Context, token string, purpose portal.TokenPurpose) (portal.User, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `
		SELECT t.user_id FROM auth_tokens t JOIN users u ON u.id = t.user_id
		 WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > now()
		   AND u.disabled_at IS NULL AND u.kind = 'staff'`, portal.HashToken(token), string(purpose))
	if err != nil {
		return portal.User{}, wrap("auth token", err)
	}
	return s.User(ctx, id)
}

// UseAuthToken marks a token used and returns its user's ID. A token that
// is unknown, used, expired, for another purpose or for a disabled account
// answers portal.ErrNotFound: of two requests racing, exactly one wins.
func (t *Tx) UseAuthToken(ctx context.Context, token string, purpose portal.TokenPurpose) (int64, error) {
	var id int64
	err := t.tx.GetContext(ctx, &id, `
		UPDATE auth_tokens t SET used_at = now() FROM users u
		 WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > now()
		   AND u.id = t.user_id AND u.disabled_at IS NULL AND u.kind = 'staff'
		RETURNING t.user_id`, portal.HashToken(token), string(purpose))
	return id, wrap("use auth token", err)
}

// TOTPSecret returns the user's authenticator secret, or "" if none has
// been made yet.
func (s *Store) TOTPSecret(ctx context.Context, userID int64) (string, error) {
	var secret string
	err := s.db.GetContext(ctx, &secret, `SELECT coalesce(totp_secret, '') FROM users WHERE id = $1`, userID)
	return secret, wrap("totp secret", err)
}

// SetTOTPSecret stores a new authenticator secret for a user still setting
// up MFA. Once MFA is on, the secret cannot be replaced this way
// (portal.ErrConflict).
func (s *Store) SetTOTPSecret(ctx context.Context, userID int64, secret string) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE users SET totp_secret = $2 WHERE id = $1 AND mfa_enabled_at IS NULL`, userID, secret)
	if err != nil {
		return wrap("set totp secret", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("db: set totp secret: %w", portal.ErrConflict)
	}
	return nil
}

// EnableMFA turns MFA on for a user whose first code (of time step step)
// matched secret, and stores the hashes of their new recovery codes. If MFA
// is already on or the secret changed meanwhile, it answers portal.ErrConflict.
func (t *Tx) EnableMFA(ctx context.Context, userID int64, secret string, step int64, codeHashes [][]byte) error {
	res, err := t.tx.ExecContext(ctx, `
		UPDATE users SET mfa_enabled_at = now(), totp_last_step = $3
		 WHERE id = $1 AND totp_secret = $2 AND mfa_enabled_at IS NULL`, userID, secret, step)
	if err != nil {
		return wrap("enable mfa", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("db: enable mfa: %w", portal.ErrConflict)
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return wrap("clear recovery codes", err)
	}
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])`,
		userID, pq.ByteaArray(codeHashes))
	return wrap("store recovery codes", err)
}

// UseTOTPStep records that a code of time step step was accepted, and
// reports false if that step (or a later one) was already used: a code
// works once.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE users SET totp_last_step = $2
		 WHERE id = $1 AND mfa_enabled_at IS NOT NULL AND coalesce(totp_last_step, -1) < $2`, userID, step)
	if err != nil {
		return false, wrap("use totp step", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode marks the user's recovery code with this hash used, and
// reports false if there is no such unused code.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, codeHash []byte) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE recovery_codes SET used_at = now()
		 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, codeHash)
	if err != nil {
		return false, wrap("use recovery code", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID)
	return n, wrap("recovery codes left", err)
}

// ResolveAreaCodes sorts area codes into LPA codes and neighbourhood codes
// (a code naming both is taken as the LPA) and lists the codes that name
// neither.
func (s *Store) ResolveAreaCodes(ctx context.Context, codes []string) (lpas, neighbourhoods, unknown []string, err error) {
	var rows []struct {
		Code string `db:"code"`
		Kind string `db:"kind"`
	}
	err = s.db.SelectContext(ctx, &rows, `
		SELECT c.code,
		       CASE WHEN EXISTS (SELECT 1 FROM lpas l WHERE l.code = c.code) THEN 'lpa'
		            WHEN EXISTS (SELECT 1 FROM neighbourhoods n WHERE n.code = c.code) THEN 'neighbourhood'
		            ELSE '' END AS kind
		  FROM unnest($1::text[]) WITH ORDINALITY AS c(code, i) ORDER BY c.i`, pq.Array(codes))
	if err != nil {
		return nil, nil, nil, wrap("resolve area codes", err)
	}
	lpas, neighbourhoods = []string{}, []string{}
	for _, r := range rows {
		switch r.Kind {
		case "lpa":
			lpas = append(lpas, r.Code)
		case "neighbourhood":
			neighbourhoods = append(neighbourhoods, r.Code)
		default:
			unknown = append(unknown, r.Code)
		}
	}
	return lpas, neighbourhoods, unknown, nil
}
