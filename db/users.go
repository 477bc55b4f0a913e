package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// userRow is a users row as scanned.
type userRow struct {
	ID                int64          `db:"id"`
	Email             string         `db:"email"`
	Role              string         `db:"role"`
	DisplayName       string         `db:"display_name"`
	HasPassword       bool           `db:"has_password"`
	MFAEnabled        bool           `db:"mfa_enabled"`
	VolunteerRole     sql.NullString `db:"volunteer_role"`
	VolunteerVerified bool           `db:"volunteer_verified"`
	Disabled          bool           `db:"disabled"`
}

const userColumns = `u.id, u.email, u.role, u.display_name,
	u.password_hash IS NOT NULL AS has_password, u.mfa_enabled_at IS NOT NULL AS mfa_enabled,
	u.volunteer_role, u.volunteer_verified_at IS NOT NULL AS volunteer_verified,
	u.disabled_at IS NOT NULL AS disabled`

func (r userRow) user() portal.User {
	return portal.User{
		ID: r.ID, Email: r.Email, Role: portal.Role(r.Role), DisplayName: r.DisplayName,
		HasPassword: r.HasPassword, MFAEnabled: r.MFAEnabled,
		VolunteerRole: portal.VolunteerRole(r.VolunteerRole.String), VolunteerVerified: r.VolunteerVerified,
		Disabled: r.Disabled,
	}
}

// User returns a user with their scope: force admins cover everything,
// other staff the neighbourhoods of their areas (an LPA brings all of its
// neighbourhoods), residents nothing.
func (s *Store) User(ctx context.Context, id int64) (portal.User, error) {
	var row userRow
	if err := s.db.GetContext(ctx, &row, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id); err != nil {
		return portal.User{}, wrap("user", err)
	}
	u := row.user()
	if err := s.loadScope(ctx, &u); err != nil {
		return portal.User{}, err
	}
	return u, nil
}

func (s *Store) loadScope(ctx context.Context, u *portal.User) error {
	switch {
	case u.Role == portal.RoleForceAdmin:
		u.Scope = portal.Scope{All: true}
	case u.Role.Staff():
		var ids pq.Int64Array
		err := s.db.GetContext(ctx, &ids, `
			SELECT coalesce(array_agg(n.id ORDER BY n.id), '{}')
			  FROM neighbourhoods n
			 WHERE EXISTS (SELECT 1 FROM staff_areas a
			                WHERE a.user_id = $1 AND (a.neighbourhood_id = n.id OR a.lpa_id = n.lpa_id))`, u.ID)
		if err != nil {
			return wrap("user scope", err)
		}
		u.Scope = portal.Scope{Neighbourhoods: ids}
	}
	return nil
}

// DeleteUserSessions signs a user out everywhere, at once.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return wrap("delete user sessions", err)
}

// NewUser is an account to create.
type NewUser struct {
	Email        string
	Role         portal.Role
	DisplayName  string
	PasswordHash string // empty: none yet (staff set it from an emailed link)
}

// CreateUser creates an account and returns its ID. An existing email
// answers portal.ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u NewUser) (int64, error) {
	return createUser(ctx, s.db, u)
}

// CreateUser creates an account inside the transaction.
func (t *Tx) CreateUser(ctx context.Context, u NewUser) (int64, error) {
	return createUser(ctx, t.tx, u)
}

func createUser(ctx context.Context, x execer, u NewUser) (int64, error) {
	kind := "resident"
	if u.Role.Staff() {
		kind = "staff"
	}
	var id int64
	err := x.GetContext(ctx, &id, `
		INSERT INTO users (email, kind, role, display_name, password_hash)
		VALUES (lower($1), $2, $3, $4, NULLIF($5, ''))
		ON CONFLICT (email) DO NOTHING
		RETURNING id`, u.Email, kind, string(u.Role), u.DisplayName, u.PasswordHash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("db: create user: %w", portal.ErrConflict)
	}
	return id, wrap("create user", err)
}

// SetStaffAreas replaces a staff member's areas with the LPAs and
// neighbourhoods named by their codes. An unknown code answers
// portal.ErrNotFound and changes nothing.
func (t *Tx) SetStaffAreas(ctx context.Context, userID int64, lpaCodes, neighbourhoodCodes []string) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM staff_areas WHERE user_id = $1`, userID); err != nil {
		return wrap("clear staff areas", err)
	}
	res, err := t.tx.ExecContext(ctx, `
		INSERT INTO staff_areas (user_id, lpa_id)
		SELECT $1, id FROM lpas WHERE code = ANY($2)`, userID, pq.Array(lpaCodes))
	if err != nil {
		return wrap("set staff lpas", err)
	}
	if n, _ := res.RowsAffected(); int(n) != len(lpaCodes) {
		return fmt.Errorf("db: set staff areas: unknown LPA code: %w", portal.ErrNotFound)
	}
	res, err = t.tx.ExecContext(ctx, `
		INSERT INTO staff_areas (user_id, neighbourhood_id)
		SELECT $1, id FROM neighbourhoods WHERE code = ANY($2)`, userID, pq.Array(neighbourhoodCodes))
	if err != nil {
		return wrap("set staff neighbourhoods", err)
	}
	if n, _ := res.RowsAffected(); int(n) != len(neighbourhoodCodes) {
		return fmt.Errorf("db: set staff areas: unknown neighbourhood code: %w", portal.ErrNotFound)
	}
	return nil
}
