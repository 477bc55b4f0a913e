package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// categoryRow is a row of categories as the administrators' pages read it.
type categoryRow struct {
	ID        int64  `db:"id"`
	Code      string `db:"code"`
	Type      string `db:"asb_type"`
	Name      string `db:"name"`
	Hint      string `db:"hint"`
	Notice    string `db:"notice"`
	SortOrder int    `db:"sort_order"`
	Active    bool   `db:"active"`
}

func (r categoryRow) record() portal.CategoryRecord {
	return portal.CategoryRecord{
		Category:  portal.Category{ID: r.ID, Code: r.Code, Type: portal.ASBType(r.Type), Name: r.Name, Hint: r.Hint, Notice: r.Notice},
		SortOrder: r.SortOrder, Active: r.Active,
	}
}

const categoryColumns = `id, code, asb_type, name, hint, notice, sort_order, active`

// AllCategories lists every category, retired ones included, in display
// order, for the administrators' list.
func (s *Store) AllCategories(ctx context.Context) ([]portal.CategoryRecord, error) {
	var rows []categoryRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+categoryColumns+` FROM categories ORDER BY sort_order, name, code`)
	if err != nil {
		return nil, wrap("all categories", err)
	}
	out := make([]portal.CategoryRecord, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out, nil
}

// CategoryByCode finds a category, active or retired.
func (s *Store) CategoryByCode(ctx context.Context, code string) (portal.CategoryRecord, error) {
	var r categoryRow
	err := s.db.GetContext(ctx, &r, `SELECT `+categoryColumns+` FROM categories WHERE code = $1`, code)
	if err != nil {
		return portal.CategoryRecord{}, wrap("category by code", err)
	}
	return r.record(), nil
}

func categoryParams(c portal.CategoryRecord) map[string]any {
	return map[string]any{"code": c.Code, "type": string(c.Type), "name": c.Name, "hint": c.Hint,
		"notice": c.Notice, "order": c.SortOrder, "active": c.Active}
}

// CreateCategory adds a category and returns its ID. A code already in use
// answers portal.ErrConflict and leaves the transaction usable.
func (t *Tx) CreateCategory(ctx context.Context, c portal.CategoryRecord) (int64, error) {
	q, args, err := t.tx.BindNamed(`
		INSERT INTO categories (code, asb_type, name, hint, notice, sort_order, active)
		VALUES (:code, :type, :name, :hint, :notice, :order, :active)
		ON CONFLICT (code) DO NOTHING RETURNING id`, categoryParams(c))
	if err != nil {
		return 0, wrap("create category", err)
	}
	var id int64
	err = t.tx.GetContext(ctx, &id, q, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("db: create category %s: %w", c.Code, portal.ErrConflict)
	}
	return id, wrap("create category", err)
}

// UpdateCategory rewrites a category's type, words and position (never its
// code, which reports and partner systems refer to, nor whether it is
// offered) and returns the category as it was before.
func (t *Tx) UpdateCategory(ctx context.Context, c portal.CategoryRecord) (portal.CategoryRecord, error) {
	q, args, err := t.tx.BindNamed(`
		UPDATE categories c SET asb_type = :type, name = :name, hint = :hint, notice = :notice, sort_order = :order
		  FROM categories prev
		 WHERE c.code = :code AND prev.id = c.id
		RETURNING prev.id, prev.code, prev.asb_type, prev.name, prev.hint, prev.notice, prev.sort_order, prev.active`,
		categoryParams(c))
	if err != nil {
		return portal.CategoryRecord{}, wrap("update category", err)
	}
	var prev categoryRow
	if err := t.tx.GetContext(ctx, &prev, q, args...); err != nil {
		return portal.CategoryRecord{}, wrap("update category", err)
	}
	return prev.record(), nil
}

// SetCategoryActive retires a category (residents and partner systems are
// no longer offered it; reports keep it) or restores it, and reports
// whether anything changed: retiring a retired category does nothing.
func (t *Tx) SetCategoryActive(ctx context.Context, code string, active bool) (bool, error) {
	var was bool
	err := t.tx.GetContext(ctx, &was, `
		UPDATE categories c SET active = $2 FROM categories prev
		 WHERE c.code = $1 AND prev.id = c.id
		RETURNING prev.active`, code, active)
	if err != nil {
		return false, wrap("set category active", err)
	}
	return was != active, nil
}

// BannedEmails lists the banned addresses and domains, newest first.
func (s *Store) BannedEmails(ctx context.Context) ([]portal.BannedEmail, error) {
	var rows []struct {
		Pattern   string    `db:"pattern"`
		Reason    string    `db:"reason"`
		CreatedAt time.Time `db:"created_at"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT pattern, reason, created_at FROM banned_emails ORDER BY created_at DESC, pattern`)
	if err != nil {
		return nil, wrap("banned emails", err)
	}
	out := make([]portal.BannedEmail, len(rows))
	for i, r := range rows {
		out[i] = portal.BannedEmail{Pattern: r.Pattern, Reason: r.Reason, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// BanEmail adds a ban and reports whether it is new: a pattern already
// banned keeps its first reason and date.
func (t *Tx) BanEmail(ctx context.Context, b portal.BannedEmail) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `
		INSERT INTO banned_emails (pattern, reason) VALUES ($1, $2) ON CONFLICT (pattern) DO NOTHING`,
		b.Pattern, b.Reason)
	if err != nil {
		return false, wrap("ban email", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("ban email", err)
}

// UnbanEmail removes the ban with this ID (portal.BannedEmailID: the hex
// SHA-256 of its pattern, so no address travels in URLs) and returns it.
func (t *Tx) UnbanEmail(ctx context.Context, id string) (portal.BannedEmail, error) {
	var b struct {
		Pattern   string    `db:"pattern"`
		Reason    string    `db:"reason"`
		CreatedAt time.Time `db:"created_at"`
	}
	err := t.tx.GetContext(ctx, &b, `
		DELETE FROM banned_emails WHERE encode(sha256(convert_to(pattern, 'UTF8')), 'hex') = $1
		RETURNING pattern, reason, created_at`, id)
	if err != nil {
		return portal.BannedEmail{}, wrap("unban email", err)
	}
	return portal.BannedEmail{Pattern: b.Pattern, Reason: b.Reason, CreatedAt: b.CreatedAt}, nil
}
