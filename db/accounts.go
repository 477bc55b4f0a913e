package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// CreateSignInLink stores a resident's sign-in link for email, usable for
// lifetime and only by the browser whose nonce hashes to browserHash. Links
// that expired over a day ago are deleted on the way, so the table stays
// small without a separate job.
func (s *Store) CreateSignInLink(ctx context.Context, email string, tokenHash, browserHash []byte, lifetime time.Duration) error {
	_, err := s.db.ExecContext(ctx, `
		WITH pruned AS (DELETE FROM resident_sign_in_links WHERE expires_at < now() - interval '1 day')
		INSERT INTO resident_sign_in_links (token_hash, email, browser_hash, expires_at)
		VALUES ($1, lower($2), $3, now() + make_interval(secs => $4))`,
		tokenHash, email, browserHash, lifetime.Seconds())
	return wrap("create sign-in link", err)
}

// SignInLink is what a sign-in link's page needs to know before it is used.
type SignInLink struct {
	BrowserHash []byte
	Live        bool // unused and unexpired
}

// SignInLink looks up a sign-in link by its token's hash.
func (s *Store) SignInLink(ctx context.Context, tokenHash []byte) (SignInLink, error) {
	var row struct {
		BrowserHash []byte `db:"browser_hash"`
		Live        bool   `db:"live"`
	}
	err := s.db.GetContext(ctx, &row, `
		SELECT browser_hash, used_at IS NULL AND expires_at > now() AS live
		  FROM resident_sign_in_links WHERE token_hash = $1`, tokenHash)
	return SignInLink{BrowserHash: row.BrowserHash, Live: row.Live}, wrap("sign-in link", err)
}

// UseSignInLink spends a live sign-in link from the browser that asked for
// it and returns the resident's account, creating it on first use. A link
// that is spent, expired or from another browser answers ErrNotFound; an
// address that belongs to staff or a disabled account answers ErrForbidden
// and leaves the link unspent.
func (s *Store) UseSignInLink(ctx context.Context, tokenHash, browserHash []byte) (int64, error) {
	var id int64
	err := s.InTx(ctx, func(tx *Tx) error {
		var email string
		err := tx.tx.GetContext(ctx, &email, `
			UPDATE resident_sign_in_links SET used_at = now()
			 WHERE token_hash = $1 AND browser_hash = $2 AND used_at IS NULL AND expires_at > now()
			 RETURNING email`, tokenHash, browserHash)
		if err != nil {
			return wrap("use sign-in link", err)
		}
		err = tx.tx.GetContext(ctx, &id, `
			INSERT INTO users (email, kind, role, last_sign_in_at) VALUES ($1, 'resident', 'resident', now())
			ON CONFLICT (email) DO UPDATE SET last_sign_in_at = now()
			 WHERE users.kind = 'resident' AND users.disabled_at IS NULL
			RETURNING id`, email)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("db: use sign-in link: not a resident account: %w", portal.ErrForbidden)
		}
		return wrap("sign in resident", err)
	})
	return id, err
}

// EmailAccountKind says whether email belongs to a "staff" or "resident"
// account, or "" for none. Only for choosing which email to send: the
// answer is never shown to whoever asked.
func (s *Store) EmailAccountKind(ctx context.Context, email string) (string, error) {
	var kind string
	err := s.db.GetContext(ctx, &kind, `SELECT kind FROM users WHERE email = lower($1)`, email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return kind, wrap("email account kind", err)
}

// ResidentAccount returns a resident's own account with their latest
// volunteer registration. Staff accounts answer ErrNotFound.
func (s *Store) ResidentAccount(ctx context.Context, id int64) (portal.ResidentAccount, error) {
	var row struct {
		userRow
		CreatedAt  time.Time    `db:"created_at"`
		LastSignIn sql.NullTime `db:"last_sign_in_at"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT `+userColumns+`, u.created_at, u.last_sign_in_at
		FROM users u WHERE u.id = $1 AND u.kind = 'resident'`, id)
	if err != nil {
		return portal.ResidentAccount{}, wrap("resident account", err)
	}
	acc := portal.ResidentAccount{User: row.user(), CreatedAt: row.CreatedAt, LastSignInAt: row.LastSignIn.Time}
	reqs, err := s.volunteerRequests(ctx, `WHERE v.user_id = $1 ORDER BY v.created_at DESC, v.id DESC LIMIT 1`, id)
	if err != nil {
		return portal.ResidentAccount{}, err
	}
	if len(reqs) > 0 {
		acc.Volunteer = &reqs[0]
	}
	return acc, nil
}

// DeleteResident deletes a resident's account. Their sessions and volunteer
// registrations go with it (foreign keys cascade), and so do any sign-in
// links for their address. Staff accounts are never deleted here.
func (s *Store) DeleteResident(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		var email string
		err := tx.tx.GetContext(ctx, &email,
			`DELETE FROM users WHERE id = $1 AND kind = 'resident' RETURNING email`, id)
		if err != nil {
			return wrap("delete resident", err)
		}
		_, err = tx.tx.ExecContext(ctx, `DELETE FROM resident_sign_in_links WHERE email = $1`, email)
		return wrap("delete resident sign-in links", err)
	})
}

// RequestVolunteer records a resident's request to be registered as a
// volunteer and returns its ID. While one is pending, asking again (a double
// click) returns the pending one unchanged.
func (s *Store) RequestVolunteer(ctx context.Context, userID int64, in portal.VolunteerInput) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `
		INSERT INTO volunteer_requests (user_id, role, organisation, area)
		SELECT id, $2, $3, $4 FROM users WHERE id = $1 AND kind = 'resident'
		ON CONFLICT (user_id) WHERE status = 'pending' DO NOTHING
		RETURNING id`, userID, string(in.Role), in.Organisation, in.Area)
	if errors.Is(err, sql.ErrNoRows) {
		// Already pending (perhaps committed by a concurrent request after
		// this statement's snapshot): a new statement sees it.
		err = s.db.GetContext(ctx, &id, `
			SELECT v.id FROM volunteer_requests v JOIN users u ON u.id = v.user_id
			 WHERE v.user_id = $1 AND v.status = 'pending' AND u.kind = 'resident'`, userID)
	}
	return id, wrap("request volunteer", err)
}

const volunteerColumns = `v.id, v.user_id, u.email, v.role, v.organisation, v.area, v.status,
	v.created_at, v.decided_at`

// volunteerRequests scans volunteer requests; where is a constant SQL tail.
func (s *Store) volunteerRequests(ctx context.Context, where string, args ...any) ([]portal.VolunteerRequest, error) {
	return scanVolunteers(ctx, s.db, where, args...)
}

func scanVolunteers(ctx context.Context, x execer, where string, args ...any) ([]portal.VolunteerRequest, error) {
	var rows []struct {
		ID           int64        `db:"id"`
		UserID       int64        `db:"user_id"`
		Email        string       `db:"email"`
		Role         string       `db:"role"`
		Organisation string       `db:"organisation"`
		Area         string       `db:"area"`
		Status       string       `db:"status"`
		CreatedAt    time.Time    `db:"created_at"`
		DecidedAt    sql.NullTime `db:"decided_at"`
	}
	err := x.SelectContext(ctx, &rows, `SELECT `+volunteerColumns+`
		FROM volunteer_requests v JOIN users u ON u.id = v.user_id `+where, args...)
	if err != nil {
		return nil, wrap("volunteer requests", err)
	}
	out := make([]portal.VolunteerRequest, len(rows))
	for i, r := range rows {
		out[i] = portal.VolunteerRequest{ID: r.ID, UserID: r.UserID, Email: r.Email,
			Role: portal.VolunteerRole(r.Role), Organisation: r.Organisation, Area: r.Area,
			Status: portal.VolunteerStatus(r.Status), CreatedAt: r.CreatedAt, DecidedAt: r.DecidedAt.Time}
	}
	return out, nil
}

// PendingVolunteers lists the volunteer registrations waiting for a
// decision, oldest first.
func (s *Store) PendingVolunteers(ctx context.Context) ([]portal.VolunteerRequest, error) {
	return s.volunteerRequests(ctx, `WHERE v.status = 'pending' ORDER BY v.created_at, v.id LIMIT 200`)
}

// DecidedVolunteers lists the most recent decisions, newest first.
func (s *Store) DecidedVolunteers(ctx context.Context, limit int) ([]portal.VolunteerRequest, error) {
	return s.volunteerRequests(ctx, `WHERE v.status <> 'pending' ORDER BY v.decided_at DESC, v.id DESC LIMIT $1`, limit)
}

// DecideVolunteer verifies or declines a pending volunteer registration; a
// verified one makes the resident a volunteer. A request already decided
// answers portal.ErrConflict.
func (t *Tx) DecideVolunteer(ctx context.Context, id int64, to portal.VolunteerStatus, adminID int64) (portal.VolunteerRequest, error) {
	reqs, err := scanVolunteers(ctx, t.tx, `WHERE v.id = $1 FOR UPDATE OF v`, id)
	if err != nil {
		return portal.VolunteerRequest{}, err
	}
	if len(reqs) == 0 {
		return portal.VolunteerRequest{}, fmt.Errorf("db: decide volunteer: %w", portal.ErrNotFound)
	}
	v := reqs[0]
	if err := v.Decide(to, time.Now()); err != nil {
		return v, fmt.Errorf("db: decide volunteer: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, `
		UPDATE volunteer_requests SET status = $2, decided_at = now(), decided_by = $3 WHERE id = $1`,
		id, string(to), adminID); err != nil {
		return v, wrap("decide volunteer", err)
	}
	if to == portal.VolunteerVerified {
		if _, err := t.tx.ExecContext(ctx, `
			UPDATE users SET volunteer_role = $2, volunteer_verified_at = now(), volunteer_verified_by = $3
			 WHERE id = $1 AND kind = 'resident'`, v.UserID, string(v.Role), adminID); err != nil {
			return v, wrap("verify volunteer", err)
		}
	}
	return v, nil
}

// StaffFilter selects staff accounts for the admin list; zero fields match
// everything.
type StaffFilter struct {
	Query  string // part of an email address or name
	Role   portal.Role
	Status string // "active" or "disabled"
}

type staffRow struct {
	userRow
	CreatedAt  time.Time      `db:"created_at"`
	LastSignIn sql.NullTime   `db:"last_sign_in_at"`
	AreaLPA    pq.BoolArray   `db:"area_lpa"`
	AreaCodes  pq.StringArray `db:"area_codes"`
	AreaNames  pq.StringArray `db:"area_names"`
}

// staffQuery lists staff with their areas (LPAs first, then neighbourhoods,
// each by name).
const staffQuery = `SELECT ` + userColumns + `, u.created_at, u.last_sign_in_at,
	coalesce(array_agg(a.is_lpa ORDER BY a.is_lpa DESC, a.name) FILTER (WHERE a.code IS NOT NULL), '{}') AS area_lpa,
	coalesce(array_agg(a.code ORDER BY a.is_lpa DESC, a.name) FILTER (WHERE a.code IS NOT NULL), '{}') AS area_codes,
	coalesce(array_agg(a.name ORDER BY a.is_lpa DESC, a.name) FILTER (WHERE a.code IS NOT NULL), '{}') AS area_names
  FROM users u
  LEFT JOIN (SELECT sa.user_id, sa.lpa_id IS NOT NULL AS is_lpa, coalesce(l.code, n.code) AS code, coalesce(l.name, n.name) AS name
               FROM staff_areas sa
               LEFT JOIN lpas l ON l.id = sa.lpa_id
               LEFT JOIN neighbourhoods n ON n.id = sa.neighbourhood_id) a ON a.user_id = u.id
 WHERE u.kind = 'staff'`

func (r staffRow) member() portal.StaffMember {
	m := portal.StaffMember{User: r.user(), CreatedAt: r.CreatedAt, LastSignInAt: r.LastSignIn.Time}
	for i := range r.AreaCodes {
		m.Areas = append(m.Areas, portal.StaffArea{LPA: r.AreaLPA[i], Code: r.AreaCodes[i], Name: r.AreaNames[i]})
	}
	return m
}

// ListStaff lists staff accounts, by email, with their areas.
func (s *Store) ListStaff(ctx context.Context, f StaffFilter) ([]portal.StaffMember, error) {
	q, args, err := s.db.BindNamed(staffQuery+`
		   AND (:q = '' OR u.email LIKE '%' || :q || '%' ESCAPE '\' OR lower(u.display_name) LIKE '%' || :q || '%' ESCAPE '\')
		   AND (:role = '' OR u.role = :role)
		   AND (:status = '' OR (:status = 'disabled') = (u.disabled_at IS NOT NULL))
		 GROUP BY u.id
		 ORDER BY u.email
		 LIMIT 500`, map[string]any{"q": accountsLikeEscape(strings.ToLower(f.Query)), "role": string(f.Role), "status": f.Status})
	var rows []staffRow
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, wrap("list staff", err)
	}
	out := make([]portal.StaffMember, len(rows))
	for i, r := range rows {
		out[i] = r.member()
	}
	return out, nil
}

func accountsLikeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// StaffMember returns one staff account with its areas; a resident's ID
// answers ErrNotFound.
func (s *Store) StaffMember(ctx context.Context, id int64) (portal.StaffMember, error) {
	var row staffRow
	err := s.db.GetContext(ctx, &row, staffQuery+` AND u.id = $1 GROUP BY u.id`, id)
	if err != nil {
		return portal.StaffMember{}, wrap("staff member", err)
	}
	return row.member(), nil
}

// StaffInvitedWithKey finds the staff account created by the invitation
// form carrying idempotency key, so that the same form sent twice answers
// the same way instead of "already exists". Replays come within seconds, so
// only the last day's rows are searched (by the audit_log_at index).
func (s *Store) StaffInvitedWithKey(ctx context.Context, key string) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `
		SELECT target_id::bigint FROM audit_log
		 WHERE at > now() - interval '1 day' AND action = 'staff.invite' AND target_type = 'user'
		   AND details->>'key' = $1
		 ORDER BY id DESC LIMIT 1`, key)
	return id, wrap("staff invited with key", err)
}

// SetStaffRole changes a staff member's role and returns the previous one.
func (t *Tx) SetStaffRole(ctx context.Context, id int64, role portal.Role) (portal.Role, error) {
	var old string
	err := t.tx.GetContext(ctx, &old, `
		UPDATE users u SET role = $2 FROM users prev
		 WHERE u.id = $1 AND prev.id = u.id AND u.kind = 'staff'
		 RETURNING prev.role`, id, string(role))
	return portal.Role(old), wrap("set staff role", err)
}

// SetStaffDisabled disables or re-enables a staff account. Disabling signs
// them out everywhere at once and spends any unused emailed links.
func (t *Tx) SetStaffDisabled(ctx context.Context, id int64, disabled bool) error {
	var got int64
	err := t.tx.GetContext(ctx, &got, `
		UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END
		 WHERE id = $1 AND kind = 'staff' RETURNING id`, id, disabled)
	if err != nil || !disabled {
		return wrap("set staff disabled", err)
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
		return wrap("disable staff: sessions", err)
	}
	_, err = t.tx.ExecContext(ctx, `DELETE FROM auth_tokens WHERE user_id = $1 AND used_at IS NULL`, id)
	return wrap("disable staff: tokens", err)
}
