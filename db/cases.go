package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// londonToday is today's date in England and Wales, for review dates.
const londonToday = `CAST(now() AT TIME ZONE 'Europe/London' AS date)`

// caseRow is a case as scanned.
type caseRow struct {
	ID            int64        `db:"id"`
	Reference     string       `db:"reference"`
	NID           int64        `db:"neighbourhood_id"`
	NCode         string       `db:"neighbourhood_code"`
	NName         string       `db:"neighbourhood_name"`
	Title         string       `db:"title"`
	Risk          string       `db:"risk"`
	Status        string       `db:"status"`
	Objective     string       `db:"objective"`
	Analysis      string       `db:"analysis"`
	Response      string       `db:"response"`
	Assessment    string       `db:"assessment"`
	Lessons       string       `db:"lessons"`
	OwnerID       int64        `db:"owner_id"`
	OwnerName     string       `db:"owner_name"`
	NextReview    sql.NullTime `db:"next_review_at"`
	ReviewOverdue bool         `db:"review_overdue"`
	Reports       int          `db:"reports"`
	CreatedAt     time.Time    `db:"created_at"`
	UpdatedAt     time.Time    `db:"updated_at"`
	ClosedAt      sql.NullTime `db:"closed_at"`
}

// caseSelect reads cases with their neighbourhood, owner and the number of
// linked reports the viewer's scope (:all, :areas) covers.
const caseSelect = `
	SELECT c.id, c.reference, c.neighbourhood_id, n.code AS neighbourhood_code, n.name AS neighbourhood_name,
	       c.title, c.risk, c.status, c.objective, c.analysis, c.response, c.assessment, c.lessons,
	       coalesce(c.owner_id, 0) AS owner_id, coalesce(nullif(u.display_name, ''), u.email, '') AS owner_name,
	       c.next_review_at, (c.status = 'open' AND c.next_review_at < ` + londonToday + `) AS review_overdue,
	       (SELECT count(*) FROM reports r
	         WHERE r.case_id = c.id AND (:all OR r.neighbourhood_id = ANY(:areas))) AS reports,
	       c.created_at, c.updated_at, c.closed_at
	  FROM cases c
	  JOIN neighbourhoods n ON n.id = c.neighbourhood_id
	  LEFT JOIN users u ON u.id = c.owner_id`

func (r caseRow) kase() portal.Case {
	return portal.Case{
		ID: r.ID, Reference: r.Reference, NeighbourhoodID: r.NID, NeighbourhoodCode: r.NCode,
		NeighbourhoodName: r.NName, Title: r.Title, Risk: portal.Risk(r.Risk), Status: portal.CaseStatus(r.Status),
		Objective: r.Objective, Analysis: r.Analysis, Response: r.Response, Assessment: r.Assessment,
		Lessons: r.Lessons, OwnerID: r.OwnerID, OwnerName: r.OwnerName, NextReview: r.NextReview.Time,
		ReviewOverdue: r.ReviewOverdue, Reports: r.Reports, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		ClosedAt: r.ClosedAt.Time,
	}
}

// CaseFilter selects cases for the cases list.
type CaseFilter struct {
	Status  portal.CaseStatus // "" for any
	Overdue bool              // only open cases whose review is overdue
	Limit   int
}

// Cases lists the cases in scope: overdue reviews first, then by the next
// review date, then newest first.
func (s *Store) Cases(ctx context.Context, scope portal.Scope, f CaseFilter) ([]portal.Case, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	var rows []caseRow
	q, args, err := s.db.BindNamed(caseSelect+`
		 WHERE (:all OR c.neighbourhood_id = ANY(:areas))
		   AND (:status = '' OR c.status = :status)
		   AND (NOT :overdue OR (c.status = 'open' AND c.next_review_at < `+londonToday+`))
		 ORDER BY review_overdue DESC, c.status, c.next_review_at NULLS LAST, c.created_at DESC, c.id DESC
		 LIMIT :limit`, scopeArgs(scope, map[string]any{"status": string(f.Status), "overdue": f.Overdue, "limit": f.Limit}))
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, wrap("list cases", err)
	}
	out := make([]portal.Case, len(rows))
	for i, r := range rows {
		out[i] = r.kase()
	}
	return out, nil
}

// Case returns a case in scope; one outside it answers portal.ErrNotFound,
// exactly like a missing one.
func (s *Store) Case(ctx context.Context, reference string, scope portal.Scope) (portal.Case, error) {
	var row caseRow
	q, args, err := s.db.BindNamed(caseSelect+`
		 WHERE c.reference = :ref AND (:all OR c.neighbourhood_id = ANY(:areas))`,
		scopeArgs(scope, map[string]any{"ref": reference}))
	if err == nil {
		err = s.db.GetContext(ctx, &row, q, args...)
	}
	if err != nil {
		return portal.Case{}, wrap("case", err)
	}
	return row.kase(), nil
}

// OverdueCaseReviews counts the open cases in scope whose supervisory review
// date has passed, for the staff home.
func (s *Store) OverdueCaseReviews(ctx context.Context, scope portal.Scope) (int, error) {
	var n int
	q, args, err := s.db.BindNamed(`
		SELECT count(*) FROM cases c
		 WHERE c.status = 'open' AND c.next_review_at < `+londonToday+`
		   AND (:all OR c.neighbourhood_id = ANY(:areas))`, scopeArgs(scope, map[string]any{}))
	if err == nil {
		err = s.db.GetContext(ctx, &n, q, args...)
	}
	return n, wrap("count overdue case reviews", err)
}

// NewCase is a case to open.
type NewCase struct {
	Key               string
	Title             string
	NeighbourhoodCode string
	Risk              portal.Risk
	Objective         string
	OwnerID           int64 // the creator, who owns the case to begin with
	NextReview        time.Time
	Scope             portal.Scope // the neighbourhood must be in it
}

// CreateCase opens a case and returns its ID and reference. A neighbourhood
// outside scope answers portal.ErrNotFound. The form's key makes it
// idempotent: the same form sent again returns the first case with created
// false, and nothing else should then be done.
func (t *Tx) CreateCase(ctx context.Context, nc NewCase) (id int64, ref string, created bool, err error) {
	for attempt := 0; ; attempt++ {
		id, ref, created, err = t.insertCase(ctx, nc)
		if isUniqueViolation(err, "cases_reference_key") && attempt < 3 {
			continue // a new random reference clashed with an old one: draw again
		}
		return id, ref, created, err
	}
}

func (t *Tx) insertCase(ctx context.Context, nc NewCase) (int64, string, bool, error) {
	// A savepoint lets a clashing reference be retried in the same transaction.
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT new_case`); err != nil {
		return 0, "", false, wrap("create case: savepoint", err)
	}
	var row struct {
		ID       int64  `db:"id"`
		Ref      string `db:"reference"`
		Inserted bool   `db:"inserted"`
	}
	q, args, err := t.tx.BindNamed(`
		INSERT INTO cases (reference, idempotency_key, neighbourhood_id, title, risk, objective,
		       owner_id, created_by, next_review_at)
		SELECT :ref, :key, n.id, :title, :risk, :objective, NULLIF(:owner, 0), NULLIF(:owner, 0), :next
		  FROM neighbourhoods n
		 WHERE n.code = :code AND (:all OR n.id = ANY(:areas))
		ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
		RETURNING id, reference, (xmax = 0) AS inserted`, scopeArgs(nc.Scope, map[string]any{
		"ref": portal.NewCaseReference(), "key": nc.Key, "title": nc.Title, "risk": string(nc.Risk),
		"objective": nc.Objective, "owner": nc.OwnerID, "next": nullTime(nc.NextReview), "code": nc.NeighbourhoodCode,
	}))
	if err == nil {
		err = t.tx.GetContext(ctx, &row, q, args...)
	}
	if err != nil {
		if _, rbErr := t.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT new_case`); rbErr != nil {
			return 0, "", false, wrap("create case: rollback to savepoint", rbErr)
		}
		if isUniqueViolation(err, "cases_reference_key") {
			return 0, "", false, err
		}
		return 0, "", false, wrap("create case", err)
	}
	return row.ID, row.Ref, row.Inserted, nil
}

// CaseByKey returns the reference of the case a "start a case" form with
// this idempotency key created, within scope, or portal.ErrNotFound: a
// replayed form is answered with the case it made.
func (s *Store) CaseByKey(ctx context.Context, key string, scope portal.Scope) (string, error) {
	var ref string
	q, args, err := s.db.BindNamed(`SELECT reference FROM cases
		 WHERE idempotency_key = :key AND (:all OR neighbourhood_id = ANY(:areas))`,
		scopeArgs(scope, map[string]any{"key": key}))
	if err == nil {
		err = s.db.GetContext(ctx, &ref, q, args...)
	}
	return ref, wrap("case by key", err)
}

// LockCase locks a case in scope for a change and returns it, so changes to
// one case are serialised. One outside scope answers portal.ErrNotFound.
func (t *Tx) LockCase(ctx context.Context, reference string, scope portal.Scope) (portal.Case, error) {
	var row caseRow
	q, args, err := t.tx.BindNamed(caseSelect+`
		 WHERE c.reference = :ref AND (:all OR c.neighbourhood_id = ANY(:areas))
		   FOR UPDATE OF c`, scopeArgs(scope, map[string]any{"ref": reference}))
	if err == nil {
		err = t.tx.GetContext(ctx, &row, q, args...)
	}
	if err != nil {
		return portal.Case{}, wrap("lock case", err)
	}
	return row.kase(), nil
}

// sectionUpdates are the statements that set each free-text section of a
// case, one constant per section so no SQL is ever built from input.
var sectionUpdates = map[portal.CaseSection]string{
	portal.SectionObjective: `UPDATE cases SET objective = $2, updated_at = now() WHERE id = $1 AND objective <> $2`,
	portal.SectionAnalysis:  `UPDATE cases SET analysis = $2, updated_at = now() WHERE id = $1 AND analysis <> $2`,
	portal.SectionResponse:  `UPDATE cases SET response = $2, updated_at = now() WHERE id = $1 AND response <> $2`,
}

// SetCaseSection changes the text of one section of a case and reports
// whether it changed (sending the same text again changes nothing).
func (t *Tx) SetCaseSection(ctx context.Context, caseID int64, sec portal.CaseSection, text string) (bool, error) {
	stmt, ok := sectionUpdates[sec]
	if !ok {
		return false, fmt.Errorf("db: set case section %q: %w", sec, portal.ErrNotFound)
	}
	res, err := t.tx.ExecContext(ctx, stmt, caseID, text)
	if err != nil {
		return false, wrap("set case section", err)
	}
	n, err := res.RowsAffected()
	return n > 0, wrap("set case section", err)
}

// CloseCase closes an open case with its assessment; it reports false if
// the case was already closed.
func (t *Tx) CloseCase(ctx context.Context, caseID int64, in portal.CaseCloseInput) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `
		UPDATE cases SET status = 'closed', assessment = $2, lessons = $3, closed_at = now(), updated_at = now()
		 WHERE id = $1 AND status = 'open'`, caseID, in.Assessment, in.Lessons)
	if err != nil {
		return false, wrap("close case", err)
	}
	n, err := res.RowsAffected()
	return n > 0, wrap("close case", err)
}

// ReopenCase reopens a closed case, with its next review due from today;
// it reports false if the case was already open.
func (t *Tx) ReopenCase(ctx context.Context, caseID int64, nextReview time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `
		UPDATE cases SET status = 'open', closed_at = NULL, next_review_at = $2, updated_at = now()
		 WHERE id = $1 AND status = 'closed'`, caseID, nextReview)
	if err != nil {
		return false, wrap("reopen case", err)
	}
	n, err := res.RowsAffected()
	return n > 0, wrap("reopen case", err)
}

// ErrLinkedElsewhere means a report is already part of another case.
var ErrLinkedElsewhere = fmt.Errorf("db: report is linked to another case: %w", portal.ErrConflict)

// LinkReport adds a report in scope to a case, noting it on the report's
// staff timeline. It reports false if the report was already in the case;
// a report outside scope answers portal.ErrNotFound and one in another
// case ErrLinkedElsewhere.
func (t *Tx) LinkReport(ctx context.Context, c portal.Case, reportRef string, actorID int64, scope portal.Scope) (bool, error) {
	var row struct {
		ID     int64         `db:"id"`
		CaseID sql.NullInt64 `db:"case_id"`
	}
	q, args, err := t.tx.BindNamed(`SELECT id, case_id FROM reports
		 WHERE reference = :ref AND (:all OR neighbourhood_id = ANY(:areas)) FOR UPDATE`,
		scopeArgs(scope, map[string]any{"ref": reportRef}))
	if err == nil {
		err = t.tx.GetContext(ctx, &row, q, args...)
	}
	switch {
	case err != nil:
		return false, wrap("link report: find report", err)
	case row.CaseID.Valid && row.CaseID.Int64 == c.ID:
		return false, nil
	case row.CaseID.Valid:
		return false, ErrLinkedElsewhere
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE reports SET case_id = $2, updated_at = now() WHERE id = $1`, row.ID, c.ID); err != nil {
		return false, wrap("link report", err)
	}
	return true, t.caseEvent(ctx, row.ID, "case", c.Reference, actorID)
}

// UnlinkReport takes a report in scope out of a case, noting it on the
// report's staff timeline; it reports false if the report was not in it.
func (t *Tx) UnlinkReport(ctx context.Context, c portal.Case, reportRef string, actorID int64, scope portal.Scope) (bool, error) {
	var id int64
	q, args, err := t.tx.BindNamed(`
		UPDATE reports SET case_id = NULL, updated_at = now()
		 WHERE reference = :ref AND case_id = :case AND (:all OR neighbourhood_id = ANY(:areas))
		RETURNING id`, scopeArgs(scope, map[string]any{"ref": reportRef, "case": c.ID}))
	if err == nil {
		err = t.tx.GetContext(ctx, &id, q, args...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrap("unlink report", err)
	}
	return true, t.caseEvent(ctx, id, "note", "Removed from case "+c.Reference, actorID)
}

// caseEvent notes a change of case on a report's timeline, for staff only.
func (t *Tx) caseEvent(ctx context.Context, reportID int64, kind, body string, actorID int64) error {
	_, err := t.tx.ExecContext(ctx, `
		INSERT INTO report_events (report_id, kind, public, body, actor_id) VALUES ($1, $2, false, $3, NULLIF($4, 0))`,
		reportID, kind, body, actorID)
	return wrap("case event on report", err)
}

// CaseReports lists a case's linked reports that scope covers, oldest
// first: never who reported them, only what, when and roughly where.
func (s *Store) CaseReports(ctx context.Context, caseID int64, scope portal.Scope) ([]portal.CaseReport, error) {
	var rows []struct {
		Ref        string          `db:"reference"`
		Category   string          `db:"category_name"`
		Status     string          `db:"status"`
		Risk       string          `db:"risk"`
		OccurredOn time.Time       `db:"occurred_on"`
		Time       string          `db:"occurred_time"`
		CreatedAt  time.Time       `db:"created_at"`
		District   string          `db:"district"`
		Place      string          `db:"place"`
		Lat        sql.NullFloat64 `db:"lat"`
		Lon        sql.NullFloat64 `db:"lon"`
	}
	q, args, err := s.db.BindNamed(`
		SELECT r.reference, c.name AS category_name, r.status, r.risk, r.occurred_on,
		       coalesce(left(CAST(r.occurred_time AS text), 5), '') AS occurred_time, r.created_at,
		       regexp_replace(r.postcode, '\s*[0-9][A-Z]{2}$', '') AS district, r.place,
		       ST_Y(r.location) AS lat, ST_X(r.location) AS lon
		  FROM reports r JOIN categories c ON c.id = r.category_id
		 WHERE r.case_id = :case AND (:all OR r.neighbourhood_id = ANY(:areas))
		 ORDER BY r.occurred_on, r.created_at, r.id
		 LIMIT 1000`, scopeArgs(scope, map[string]any{"case": caseID}))
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, wrap("case reports", err)
	}
	out := make([]portal.CaseReport, len(rows))
	for i, r := range rows {
		out[i] = portal.CaseReport{Reference: r.Ref, CategoryName: r.Category, Status: portal.ReportStatus(r.Status),
			Risk: r.Risk, OccurredOn: r.OccurredOn, OccurredTime: r.Time, CreatedAt: r.CreatedAt,
			District: r.District, Place: r.Place, HasLocation: r.Lat.Valid && r.Lon.Valid,
			Latitude: r.Lat.Float64, Longitude: r.Lon.Float64}
	}
	return out, nil
}

// AddCaseNote records partner information on a case. The form's key makes
// it idempotent: a replay answers ErrReplayed and writes nothing.
func (t *Tx) AddCaseNote(ctx context.Context, caseID, authorID int64, in portal.CaseNoteInput) error {
	var id int64
	err := t.tx.GetContext(ctx, &id, `
		INSERT INTO case_notes (case_id, source, body, author_id, idempotency_key)
		VALUES ($1, $2, $3, NULLIF($4, 0), $5)
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING id`, caseID, in.Source, in.Body, authorID, in.IdempotencyKey)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrReplayed
	}
	if err != nil {
		return wrap("add case note", err)
	}
	return touchCase(ctx, t, caseID)
}

func touchCase(ctx context.Context, t *Tx, caseID int64) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE cases SET updated_at = now() WHERE id = $1`, caseID)
	return wrap("touch case", err)
}

// CaseNotes lists a case's partner information, oldest first.
func (s *Store) CaseNotes(ctx context.Context, caseID int64) ([]portal.CaseNote, error) {
	var rows []struct {
		ID     int64     `db:"id"`
		Source string    `db:"source"`
		Body   string    `db:"body"`
		Author string    `db:"author"`
		At     time.Time `db:"created_at"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT k.id, k.source, k.body, coalesce(nullif(u.display_name, ''), u.email, '') AS author, k.created_at
		  FROM case_notes k LEFT JOIN users u ON u.id = k.author_id
		 WHERE k.case_id = $1
		 ORDER BY k.created_at, k.id`, caseID)
	if err != nil {
		return nil, wrap("case notes", err)
	}
	out := make([]portal.CaseNote, len(rows))
	for i, r := range rows {
		out[i] = portal.CaseNote{ID: r.ID, Source: r.Source, Body: r.Body, AuthorName: r.Author, CreatedAt: r.At}
	}
	return out, nil
}

// AddCaseReview records a supervisory review and sets the case's next
// review date. A replayed form answers ErrReplayed and writes nothing.
func (t *Tx) AddCaseReview(ctx context.Context, caseID, reviewerID int64, key, notes string, next time.Time) error {
	var id int64
	err := t.tx.GetContext(ctx, &id, `
		INSERT INTO case_reviews (case_id, reviewer_id, notes, next_review, idempotency_key)
		VALUES ($1, NULLIF($2, 0), $3, $4, $5)
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING id`, caseID, reviewerID, notes, next, key)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrReplayed
	}
	if err != nil {
		return wrap("add case review", err)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE cases SET next_review_at = $2, updated_at = now() WHERE id = $1`, caseID, next)
	return wrap("set next case review", err)
}

// CaseReviews lists a case's supervisory reviews, newest first.
func (s *Store) CaseReviews(ctx context.Context, caseID int64) ([]portal.CaseReview, error) {
	var rows []struct {
		ID       int64        `db:"id"`
		Reviewer string       `db:"reviewer"`
		Notes    string       `db:"notes"`
		At       time.Time    `db:"reviewed_at"`
		Next     sql.NullTime `db:"next_review"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT v.id, coalesce(nullif(u.display_name, ''), u.email, '') AS reviewer, v.notes, v.reviewed_at, v.next_review
		  FROM case_reviews v LEFT JOIN users u ON u.id = v.reviewer_id
		 WHERE v.case_id = $1
		 ORDER BY v.reviewed_at DESC, v.id DESC`, caseID)
	if err != nil {
		return nil, wrap("case reviews", err)
	}
	out := make([]portal.CaseReview, len(rows))
	for i, r := range rows {
		out[i] = portal.CaseReview{ID: r.ID, ReviewerName: r.Reviewer, Notes: r.Notes, ReviewedAt: r.At, NextReview: r.Next.Time}
	}
	return out, nil
}

// UnlinkedReports lists the references of reports in a neighbourhood, of
// the given categories, that are in no case yet, newest first: for demo
// cases to start from.
func (s *Store) UnlinkedReports(ctx context.Context, neighbourhoodCode string, categories []string, limit int) ([]string, error) {
	var refs []string
	err := s.db.SelectContext(ctx, &refs, `
		SELECT r.reference FROM reports r
		  JOIN neighbourhoods n ON n.id = r.neighbourhood_id
		  JOIN categories c ON c.id = r.category_id
		 WHERE n.code = $1 AND c.code = ANY($2) AND r.case_id IS NULL
		 ORDER BY r.created_at DESC, r.id DESC
		 LIMIT $3`, neighbourhoodCode, pq.Array(categories), limit)
	return refs, wrap("unlinked reports", err)
}
