package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// interventionRow is an intervention as scanned.
type interventionRow struct {
	ID        int64        `db:"id"`
	Kind      string       `db:"kind"`
	Subject   string       `db:"subject"`
	OfficerID int64        `db:"officer_id"`
	Officer   string       `db:"officer_name"`
	IssuedOn  time.Time    `db:"issued_on"`
	Status    string       `db:"status"`
	ReviewOn  sql.NullTime `db:"review_on"`
	Notes     string       `db:"notes"`
	Letter    string       `db:"letter_body"`
	CreatedAt time.Time    `db:"created_at"`
}

const interventionSelect = `
	SELECT i.id, i.kind, i.subject, coalesce(i.officer_id, 0) AS officer_id,
	       coalesce(nullif(u.display_name, ''), u.email, '') AS officer_name, i.issued_on, i.status,
	       i.review_on, i.notes, i.letter_body, i.created_at
	  FROM interventions i LEFT JOIN users u ON u.id = i.officer_id`

func (r interventionRow) intervention() portal.Intervention {
	return portal.Intervention{ID: r.ID, Kind: portal.InterventionKind(r.Kind), Subject: r.Subject,
		OfficerID: r.OfficerID, OfficerName: r.Officer, IssuedOn: r.IssuedOn, Status: portal.InterventionStatus(r.Status),
		ReviewOn: r.ReviewOn.Time, Notes: r.Notes, LetterBody: r.Letter, CreatedAt: r.CreatedAt}
}

// Interventions lists a case's interventions in the order they were issued.
func (s *Store) Interventions(ctx context.Context, caseID int64) ([]portal.Intervention, error) {
	var rows []interventionRow
	if err := s.db.SelectContext(ctx, &rows, interventionSelect+`
		 WHERE i.case_id = $1 ORDER BY i.issued_on, i.id`, caseID); err != nil {
		return nil, wrap("interventions", err)
	}
	out := make([]portal.Intervention, len(rows))
	for i, r := range rows {
		out[i] = r.intervention()
	}
	return out, nil
}

// Intervention returns one of a case's interventions; one of another case
// answers portal.ErrNotFound.
func (s *Store) Intervention(ctx context.Context, caseID, id int64) (portal.Intervention, error) {
	var row interventionRow
	if err := s.db.GetContext(ctx, &row, interventionSelect+` WHERE i.case_id = $1 AND i.id = $2`, caseID, id); err != nil {
		return portal.Intervention{}, wrap("intervention", err)
	}
	return row.intervention(), nil
}

// NewIntervention is an intervention to record on a case.
type NewIntervention struct {
	Key        string
	Kind       portal.InterventionKind
	Subject    string
	OfficerID  int64
	IssuedOn   time.Time
	Status     portal.InterventionStatus
	ReviewOn   time.Time // zero: none
	Notes      string
	LetterBody string // the letter filled from its template, for kinds served as letters
}

// AddIntervention records an intervention on a case and returns its ID. A
// replayed form answers ErrReplayed and writes nothing.
func (t *Tx) AddIntervention(ctx context.Context, caseID int64, ni NewIntervention) (int64, error) {
	var id int64
	q, args, err := t.tx.BindNamed(`
		INSERT INTO interventions (case_id, kind, subject, officer_id, issued_on, status, review_on, notes,
		       letter_body, idempotency_key)
		VALUES (:case, :kind, :subject, NULLIF(:officer, 0), :issued, :status, :review, :notes, :letter, :key)
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING id`, map[string]any{
		"case": caseID, "kind": string(ni.Kind), "subject": ni.Subject, "officer": ni.OfficerID,
		"issued": ni.IssuedOn, "status": string(ni.Status), "review": nullTime(ni.ReviewOn), "notes": ni.Notes,
		"letter": ni.LetterBody, "key": ni.Key,
	})
	if err == nil {
		err = t.tx.GetContext(ctx, &id, q, args...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrReplayed
	}
	if err != nil {
		return 0, wrap("add intervention", err)
	}
	return id, touchCase(ctx, t, caseID)
}

// UpdateIntervention changes an intervention's status, review date and
// notes, and reports which of them changed.
func (t *Tx) UpdateIntervention(ctx context.Context, caseID, id int64, status portal.InterventionStatus, review time.Time, notes string) ([]string, error) {
	var old struct {
		Status string       `db:"status"`
		Review sql.NullTime `db:"review_on"`
		Notes  string       `db:"notes"`
	}
	err := t.tx.GetContext(ctx, &old, `SELECT status, review_on, notes FROM interventions
		 WHERE case_id = $1 AND id = $2 FOR UPDATE`, caseID, id)
	if err != nil {
		return nil, wrap("update intervention", err)
	}
	var changed []string
	if old.Status != string(status) {
		changed = append(changed, "status")
	}
	if !old.Review.Time.Equal(review) {
		changed = append(changed, "review_on")
	}
	if old.Notes != notes {
		changed = append(changed, "notes")
	}
	if len(changed) == 0 {
		return nil, nil
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE interventions SET status = $3, review_on = $4, notes = $5
		 WHERE case_id = $1 AND id = $2`, caseID, id, string(status), nullTime(review), notes); err != nil {
		return nil, wrap("update intervention", err)
	}
	return changed, touchCase(ctx, t, caseID)
}

// SaveLetter stores the text of an intervention's letter as edited before
// printing; it reports whether the text changed.
func (t *Tx) SaveLetter(ctx context.Context, caseID, id int64, body string) (bool, error) {
	var changed bool
	err := t.tx.GetContext(ctx, &changed, `
		WITH old AS (SELECT letter_body FROM interventions WHERE case_id = $1 AND id = $2 FOR UPDATE)
		UPDATE interventions i SET letter_body = $3
		  FROM old WHERE i.case_id = $1 AND i.id = $2
		RETURNING old.letter_body <> $3`, caseID, id, body)
	return changed, wrap("save letter", err)
}

// LetterTemplates lists the letter template of every kind served as a
// letter, in ladder order: the stored one, or the default text until one
// is saved.
func (s *Store) LetterTemplates(ctx context.Context) ([]portal.LetterTemplate, error) {
	var out []portal.LetterTemplate
	for _, k := range portal.LetterKinds {
		t, err := s.LetterTemplate(ctx, k)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// LetterTemplate returns the template for a kind of letter: the stored one,
// or the default text until one is saved. A kind not served as a letter
// answers portal.ErrNotFound.
func (s *Store) LetterTemplate(ctx context.Context, kind portal.InterventionKind) (portal.LetterTemplate, error) {
	def, ok := portal.DefaultLetterTemplate(kind)
	if !ok {
		return portal.LetterTemplate{}, wrap("letter template", sql.ErrNoRows)
	}
	var row struct {
		Title string `db:"title"`
		Body  string `db:"body"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT title, body FROM letter_templates WHERE kind = $1`, string(kind))
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	if err != nil {
		return portal.LetterTemplate{}, wrap("letter template", err)
	}
	return portal.LetterTemplate{Kind: kind, Title: row.Title, Body: row.Body}, nil
}

// SaveLetterTemplate stores a letter template and reports whether it
// changed.
func (t *Tx) SaveLetterTemplate(ctx context.Context, lt portal.LetterTemplate) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `
		INSERT INTO letter_templates (kind, title, body) VALUES ($1, $2, $3)
		ON CONFLICT (kind) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body
		 WHERE letter_templates.title <> EXCLUDED.title OR letter_templates.body <> EXCLUDED.body`,
		string(lt.Kind), lt.Title, lt.Body)
	if err != nil {
		return false, wrap("save letter template", err)
	}
	n, err := res.RowsAffected()
	return n > 0, wrap("save letter template", err)
}

// EnsureLetterTemplates stores the default text of every letter template
// not stored yet (demo data); existing templates are left as edited.
func (s *Store) EnsureLetterTemplates(ctx context.Context) (int, error) {
	added := 0
	for _, k := range portal.LetterKinds {
		def, _ := portal.DefaultLetterTemplate(k)
		res, err := s.db.ExecContext(ctx, `INSERT INTO letter_templates (kind, title, body) VALUES ($1, $2, $3)
			ON CONFLICT (kind) DO NOTHING`, string(k), def.Title, def.Body)
		if err != nil {
			return added, wrap("ensure letter templates", err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	return added, nil
}
