package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// ErrReplayed means a form's idempotency key was already used: the action
// it asks for has been done, and must not be done again.
var ErrReplayed = errors.New("db: form already sent")

// staffReportRow is a report as the staff report page reads it.
type staffReportRow struct {
	ID             int64           `db:"id"`
	Reference      string          `db:"reference"`
	ProblemID      int64           `db:"problem_id"`
	CategoryCode   string          `db:"category_code"`
	CategoryName   string          `db:"category_name"`
	NID            int64           `db:"neighbourhood_id"`
	NCode          string          `db:"neighbourhood_code"`
	NName          string          `db:"neighbourhood_name"`
	Lat            sql.NullFloat64 `db:"lat"`
	Lon            sql.NullFloat64 `db:"lon"`
	Postcode       string          `db:"postcode"`
	Place          string          `db:"place"`
	OccurredOn     time.Time       `db:"occurred_on"`
	OccurredTime   string          `db:"occurred_time"`
	HappenedBefore bool            `db:"happened_before"`
	HowOften       string          `db:"how_often"`
	SinceWhen      string          `db:"since_when"`
	Description    string          `db:"description"`
	People         string          `db:"people"`
	Vehicles       string          `db:"vehicles"`
	Unsafe         bool            `db:"unsafe_at_home"`
	Health         bool            `db:"health_affected"`
	Children       bool            `db:"children_affected"`
	Stopped        bool            `db:"stopped_doing_things"`
	Hate           string          `db:"hate"`
	HateReasons    pq.StringArray  `db:"hate_reasons"`
	Vulnerability  string          `db:"vulnerability"`
	Anonymous      bool            `db:"anonymous"`
	Name           string          `db:"reporter_name"`
	Email          string          `db:"reporter_email"`
	Phone          string          `db:"reporter_phone"`
	Contact        string          `db:"contact_preference"`
	SafeToLeave    bool            `db:"safe_to_leave_message"`
	HasAccount     bool            `db:"has_account"`
	Status         string          `db:"status"`
	Flagged        bool            `db:"flagged"`
	CreatedAt      time.Time       `db:"created_at"`
	Risk           string          `db:"risk"`
	RiskAt         sql.NullTime    `db:"risk_assessed_at"`
	RiskBy         string          `db:"risk_assessed_by"`
	RiskAnswers    []byte          `db:"risk_answers"`
	DueAt          sql.NullTime    `db:"due_at"`
	AssignedTo     sql.NullInt64   `db:"assigned_to"`
	AssignedName   string          `db:"assigned_name"`
	ClaimedName    string          `db:"claimed_name"`
	ClaimedAt      sql.NullTime    `db:"claimed_at"`
	DuplicateOf    string          `db:"duplicate_of"`
	CaseRef        string          `db:"case_reference"`
	CaseTitle      string          `db:"case_title"`
	Outcome        string          `db:"outcome"`
	ClosedAt       sql.NullTime    `db:"closed_at"`
	Photos         pq.Int64Array   `db:"photos"`
}

// staffReportSQL reads a report in scope. Staff names are display names,
// or work email addresses for staff who have not set one. ('HH24::MI' is
// 'HH24:MI' written with sqlx's escaped colon.)
const staffReportSQL = `
	SELECT r.id, r.reference, r.problem_id, c.code AS category_code, c.name AS category_name,
	       n.id AS neighbourhood_id, n.code AS neighbourhood_code, n.name AS neighbourhood_name,
	       ST_Y(r.location) AS lat, ST_X(r.location) AS lon, r.postcode, r.place,
	       r.occurred_on, coalesce(to_char(r.occurred_time, 'HH24::MI'), '') AS occurred_time,
	       r.happened_before, r.how_often, r.since_when, r.description, r.people, r.vehicles,
	       r.unsafe_at_home, r.health_affected, r.children_affected, r.stopped_doing_things,
	       r.hate, r.hate_reasons, r.vulnerability, r.anonymous, r.reporter_name, r.reporter_email,
	       r.reporter_phone, r.contact_preference, r.safe_to_leave_message, r.user_id IS NOT NULL AS has_account,
	       r.status, r.flagged, r.created_at, r.risk, r.risk_assessed_at,
	       coalesce(nullif(ra.display_name, ''), ra.email, '') AS risk_assessed_by, r.risk_answers, r.due_at,
	       r.assigned_to, coalesce(nullif(au.display_name, ''), au.email, '') AS assigned_name,
	       CASE WHEN r.claimed_at > now() - interval '30 minutes' THEN coalesce(nullif(cu.display_name, ''), cu.email, '') ELSE '' END AS claimed_name,
	       CASE WHEN r.claimed_at > now() - interval '30 minutes' THEN r.claimed_at END AS claimed_at,
	       coalesce(d.reference, '') AS duplicate_of, coalesce(k.reference, '') AS case_reference,
	       coalesce(k.title, '') AS case_title, r.outcome, r.closed_at,
	       coalesce((SELECT array_agg(p.id ORDER BY p.id) FROM report_photos p WHERE p.report_id = r.id), '{}') AS photos
	  FROM reports r
	  JOIN categories c ON c.id = r.category_id
	  JOIN neighbourhoods n ON n.id = r.neighbourhood_id
	  LEFT JOIN users ra ON ra.id = r.risk_assessed_by
	  LEFT JOIN users au ON au.id = r.assigned_to
	  LEFT JOIN users cu ON cu.id = r.claimed_by
	  LEFT JOIN reports d ON d.id = r.duplicate_of
	  LEFT JOIN cases k ON k.id = r.case_id
	 WHERE r.reference = :ref AND (:all OR r.neighbourhood_id = ANY(:areas))`

func (r staffReportRow) report() (portal.StaffReport, error) {
	out := portal.StaffReport{ID: r.ID, Reference: r.Reference, ProblemID: r.ProblemID,
		CategoryCode: r.CategoryCode, CategoryName: r.CategoryName, NeighbourhoodID: r.NID,
		NeighbourhoodCode: r.NCode, NeighbourhoodName: r.NName, HasLocation: r.Lat.Valid && r.Lon.Valid,
		Latitude: r.Lat.Float64, Longitude: r.Lon.Float64, Postcode: r.Postcode, Place: r.Place,
		OccurredOn: r.OccurredOn, OccurredTime: r.OccurredTime, HappenedBefore: r.HappenedBefore,
		HowOften: r.HowOften, SinceWhen: r.SinceWhen, Description: r.Description, People: r.People,
		Vehicles: r.Vehicles, UnsafeAtHome: r.Unsafe, HealthAffected: r.Health, ChildrenAffected: r.Children,
		StoppedThings: r.Stopped, Hate: r.Hate, HateReasons: r.HateReasons, Vulnerability: r.Vulnerability,
		Anonymous: r.Anonymous, Name: r.Name, Email: r.Email, Phone: r.Phone, ContactPreference: r.Contact,
		SafeToLeave: r.SafeToLeave, HasAccount: r.HasAccount, Status: portal.ReportStatus(r.Status),
		Flagged: r.Flagged, CreatedAt: r.CreatedAt, Risk: portal.Risk(r.Risk), RiskAssessedAt: r.RiskAt.Time,
		RiskAssessedBy: r.RiskBy, DueAt: r.DueAt.Time, AssignedTo: r.AssignedTo.Int64,
		AssignedName: r.AssignedName, ClaimedName: r.ClaimedName, ClaimedAt: r.ClaimedAt.Time,
		DuplicateOf: r.DuplicateOf, CaseReference: r.CaseRef, CaseTitle: r.CaseTitle,
		Outcome: portal.Outcome(r.Outcome), ClosedAt: r.ClosedAt.Time, PhotoIDs: r.Photos}
	if r.RiskAt.Valid {
		if err := json.Unmarshal(r.RiskAnswers, &out.RiskReview); err != nil {
			return out, fmt.Errorf("db: staff report: risk answers: %w", err)
		}
	}
	return out, nil
}

// StaffReport returns a report as staff work it, with its photos, whole
// timeline (internal notes included), duplicates and other reports about
// the same problem. A report outside scope answers portal.ErrNotFound,
// exactly like a missing one.
func (s *Store) StaffReport(ctx context.Context, reference string, scope portal.Scope) (portal.StaffReport, error) {
	var row staffReportRow
	q, args, err := s.db.BindNamed(staffReportSQL, scopeArgs(scope, map[string]any{"ref": reference}))
	if err == nil {
		err = s.db.GetContext(ctx, &row, q, args...)
	}
	if err != nil {
		return portal.StaffReport{}, wrap("staff report", err)
	}
	r, err := row.report()
	if err != nil {
		return r, err
	}
	if r.Events, err = s.staffEvents(ctx, r.ID); err != nil {
		return r, err
	}
	r.Duplicates, r.Related, err = s.linkedReports(ctx, r, scope)
	return r, err
}

func (s *Store) staffEvents(ctx context.Context, reportID int64) ([]portal.StaffEvent, error) {
	var rows []struct {
		At     time.Time `db:"at"`
		Kind   string    `db:"kind"`
		Public bool      `db:"public"`
		Body   string    `db:"body"`
		Actor  string    `db:"actor"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT e.at, e.kind, e.public, e.body, coalesce(nullif(u.display_name, ''), u.email, '') AS actor
		  FROM report_events e LEFT JOIN users u ON u.id = e.actor_id AND u.kind = 'staff'
		 WHERE e.report_id = $1
		 ORDER BY e.at, e.id`, reportID)
	if err != nil {
		return nil, wrap("staff report events", err)
	}
	out := make([]portal.StaffEvent, len(rows))
	for i, e := range rows {
		out[i] = portal.StaffEvent{At: e.At, Kind: e.Kind, Public: e.Public, Body: e.Body, Actor: e.Actor}
	}
	return out, nil
}

// linkedReports lists, within scope, the reports marked as duplicates of r
// and the other reports about the same problem.
func (s *Store) linkedReports(ctx context.Context, r portal.StaffReport, scope portal.Scope) (dups, related []portal.ReportLink, err error) {
	var rows []struct {
		Ref       string    `db:"reference"`
		Status    string    `db:"status"`
		CreatedAt time.Time `db:"created_at"`
		Duplicate bool      `db:"duplicate"`
	}
	q, args, err := s.db.BindNamed(`
		(SELECT reference, status, created_at, true AS duplicate FROM reports
		  WHERE duplicate_of = :id AND (:all OR neighbourhood_id = ANY(:areas))
		  ORDER BY created_at LIMIT 50)
		UNION ALL
		(SELECT reference, status, created_at, false FROM reports
		  WHERE problem_id = :problem AND id <> :id AND (:all OR neighbourhood_id = ANY(:areas))
		  ORDER BY created_at LIMIT 50)`, scopeArgs(scope, map[string]any{"id": r.ID, "problem": r.ProblemID}))
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, nil, wrap("linked reports", err)
	}
	for _, row := range rows {
		l := portal.ReportLink{Reference: row.Ref, Status: portal.ReportStatus(row.Status), CreatedAt: row.CreatedAt}
		if row.Duplicate {
			dups = append(dups, l)
		} else {
			related = append(related, l)
		}
	}
	return dups, related, nil
}

// StaffReportPhoto returns one photo of a report in scope.
func (s *Store) StaffReportPhoto(ctx context.Context, reference string, photoID int64, scope portal.Scope) (contentType string, data []byte, err error) {
	q, args, err := s.db.BindNamed(`
		SELECT p.content_type, p.data FROM report_photos p JOIN reports r ON r.id = p.report_id
		 WHERE p.id = :photo AND r.reference = :ref AND (:all OR r.neighbourhood_id = ANY(:areas))`,
		scopeArgs(scope, map[string]any{"photo": photoID, "ref": reference}))
	if err == nil {
		err = s.db.QueryRowxContext(ctx, q, args...).Scan(&contentType, &data)
	}
	return contentType, data, wrap("staff report photo", err)
}

// ReportActionDone reports whether a staff action with this idempotency key
// has already been recorded.
func (s *Store) ReportActionDone(ctx context.Context, key string) (bool, error) {
	var done bool
	err := s.db.GetContext(ctx, &done, `SELECT EXISTS (SELECT 1 FROM report_events WHERE idempotency_key = $1)`, key)
	return done, wrap("report action done", err)
}

// AssignableStaff lists the PCSOs, officers and sergeants whose areas cover
// a neighbourhood (directly or through its LPA), by name.
func (s *Store) AssignableStaff(ctx context.Context, neighbourhoodID int64) ([]portal.Assignee, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
		Role string `db:"role"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT u.id, coalesce(nullif(u.display_name, ''), u.email, '') AS name, u.role
		  FROM users u
		 WHERE u.kind = 'staff' AND u.disabled_at IS NULL AND u.role IN ('pcso', 'officer', 'sergeant')
		   AND EXISTS (SELECT 1 FROM staff_areas a JOIN neighbourhoods n ON n.id = $1
		                WHERE a.user_id = u.id AND (a.neighbourhood_id = n.id OR a.lpa_id = n.lpa_id))
		 ORDER BY name, u.id`, neighbourhoodID)
	if err != nil {
		return nil, wrap("assignable staff", err)
	}
	out := make([]portal.Assignee, len(rows))
	for i, r := range rows {
		out[i] = portal.Assignee{ID: r.ID, Name: r.Name, Role: portal.Role(r.Role)}
	}
	return out, nil
}

// OpenCasesForReport lists the open cases a report can be linked to: those
// in its neighbourhood, within scope, newest first.
func (s *Store) OpenCasesForReport(ctx context.Context, neighbourhoodID int64, scope portal.Scope) ([]portal.CaseLink, error) {
	var out []portal.CaseLink
	q, args, err := s.db.BindNamed(`
		SELECT reference, title FROM cases
		 WHERE neighbourhood_id = :n AND status = 'open' AND (:all OR neighbourhood_id = ANY(:areas))
		 ORDER BY created_at DESC, id DESC
		 LIMIT 200`, scopeArgs(scope, map[string]any{"n": neighbourhoodID}))
	if err == nil {
		err = s.db.SelectContext(ctx, &out, q, args...)
	}
	return out, wrap("open cases for report", err)
}

// ReplyTemplates lists the active reply templates for a category and any of
// the statuses, those made for the category first. Templates for any
// category or any status ("") always match.
func (s *Store) ReplyTemplates(ctx context.Context, categoryCode string, statuses ...portal.ReportStatus) ([]portal.ReplyTemplate, error) {
	ss := make([]string, len(statuses))
	for i, st := range statuses {
		ss[i] = string(st)
	}
	var rows []struct {
		ID       int64  `db:"id"`
		Name     string `db:"name"`
		Category string `db:"category_code"`
		Status   string `db:"status"`
		Body     string `db:"body"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT id, name, category_code, status, body FROM reply_templates
		 WHERE active AND category_code IN ('', $1) AND (status = '' OR status = ANY($2))
		 ORDER BY category_code = '', status = '', name, id`, categoryCode, pq.Array(ss))
	if err != nil {
		return nil, wrap("reply templates", err)
	}
	out := make([]portal.ReplyTemplate, len(rows))
	for i, r := range rows {
		out[i] = portal.ReplyTemplate{ID: r.ID, Name: r.Name, CategoryCode: r.Category,
			Status: portal.ReportStatus(r.Status), Body: r.Body}
	}
	return out, nil
}

// EnsureReplyTemplate adds a reply template unless one with its name
// exists, so demo data can be loaded again safely. It reports whether it
// added one.
func (s *Store) EnsureReplyTemplate(ctx context.Context, t portal.ReplyTemplate) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO reply_templates (name, category_code, status, body)
		SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM reply_templates WHERE name = $1)`,
		t.Name, t.CategoryCode, string(t.Status), t.Body)
	if err != nil {
		return false, wrap("ensure reply template", err)
	}
	n, err := res.RowsAffected()
	return n > 0, wrap("ensure reply template", err)
}

// ReportEventInput is a timeline entry written by a staff action. Key is
// the form's idempotency key; the entry that records the action carries it
// (other entries written by the same action leave it empty).
type ReportEventInput struct {
	ReportID int64
	Kind     string
	Public   bool
	Body     string
	ActorID  int64
	Key      string
}

// LockReport locks a report in scope for a change and returns its status.
// Changes to one report are so serialised: two staff closing it at once
// cannot both succeed.
func (t *Tx) LockReport(ctx context.Context, id int64, scope portal.Scope) (portal.ReportStatus, error) {
	var status string
	q, args, err := t.tx.BindNamed(`SELECT status FROM reports
		 WHERE id = :id AND (:all OR neighbourhood_id = ANY(:areas)) FOR UPDATE`,
		scopeArgs(scope, map[string]any{"id": id}))
	if err == nil {
		err = t.tx.GetContext(ctx, &status, q, args...)
	}
	return portal.ReportStatus(status), wrap("lock report", err)
}

// AddReportEvent adds an entry to a report's timeline and touches the
// report. An entry whose key was already used answers ErrReplayed and
// writes nothing: the action was done by an earlier copy of the form.
func (t *Tx) AddReportEvent(ctx context.Context, e ReportEventInput) error {
	var id int64
	err := t.tx.GetContext(ctx, &id, `
		INSERT INTO report_events (report_id, kind, public, body, actor_id, idempotency_key)
		VALUES ($1, $2, $3, $4, NULLIF($5, 0), NULLIF($6, ''))
		ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
		RETURNING id`, e.ReportID, e.Kind, e.Public, e.Body, e.ActorID, e.Key)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrReplayed
	}
	if err != nil {
		return wrap("add report event", err)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE reports SET updated_at = now() WHERE id = $1`, e.ReportID)
	return wrap("touch report", err)
}

// SetReportStatus changes a report's status (closing has its own method).
func (t *Tx) SetReportStatus(ctx context.Context, id int64, status portal.ReportStatus) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE reports SET status = $2, updated_at = now() WHERE id = $1`, id, string(status))
	return wrap("set report status", err)
}

// SetReportRisk records a risk assessment by a member of staff: the
// answers, the level that applies and the new target time.
func (t *Tx) SetReportRisk(ctx context.Context, id int64, q portal.RiskReview, due time.Time, actorID int64) error {
	answers, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("db: set report risk: %w", err)
	}
	_, err = t.tx.ExecContext(ctx, `
		UPDATE reports SET risk = $2, risk_answers = $3, risk_override = $4, risk_assessed_at = now(),
		       risk_assessed_by = NULLIF($5, 0), due_at = $6, updated_at = now()
		 WHERE id = $1`, id, string(q.Final()), answers, string(q.Override), actorID, due)
	return wrap("set report risk", err)
}

// AssignReport assigns a report to a member of staff whose areas cover its
// neighbourhood, or unassigns it (assignee 0). Anyone else answers
// portal.ErrNotFound.
func (t *Tx) AssignReport(ctx context.Context, id, assignee int64) error {
	var ok bool
	err := t.tx.GetContext(ctx, &ok, `
		UPDATE reports r SET assigned_to = NULLIF($2, 0), updated_at = now()
		 WHERE r.id = $1 AND ($2 = 0 OR EXISTS (
		       SELECT 1 FROM users u JOIN staff_areas a ON a.user_id = u.id JOIN neighbourhoods n ON n.id = r.neighbourhood_id
		        WHERE u.id = $2 AND u.kind = 'staff' AND u.disabled_at IS NULL
		          AND (a.neighbourhood_id = n.id OR a.lpa_id = n.lpa_id)))
		RETURNING true`, id, assignee)
	return wrap("assign report", err)
}

// SetReportCategory moves a report to another active category; an unknown
// or retired one answers portal.ErrNotFound.
func (t *Tx) SetReportCategory(ctx context.Context, id int64, code string) error {
	var ok bool
	err := t.tx.GetContext(ctx, &ok, `
		UPDATE reports SET category_id = c.id, updated_at = now()
		  FROM categories c WHERE reports.id = $1 AND c.code = $2 AND c.active
		RETURNING true`, id, code)
	return wrap("set report category", err)
}

// ReportIDInScope finds a report by reference within scope, for marking
// another report as its duplicate; it returns the report's ID and the
// report it is itself a duplicate of (0 if none).
func (t *Tx) ReportIDInScope(ctx context.Context, reference string, scope portal.Scope) (id, duplicateOf int64, err error) {
	var row struct {
		ID  int64         `db:"id"`
		Dup sql.NullInt64 `db:"duplicate_of"`
	}
	q, args, err := t.tx.BindNamed(`SELECT id, duplicate_of FROM reports
		 WHERE reference = :ref AND (:all OR neighbourhood_id = ANY(:areas))`,
		scopeArgs(scope, map[string]any{"ref": reference}))
	if err == nil {
		err = t.tx.GetContext(ctx, &row, q, args...)
	}
	return row.ID, row.Dup.Int64, wrap("report in scope", err)
}

// CloseReport closes a report with an outcome; duplicateOf names the
// report it duplicates (0 for none).
func (t *Tx) CloseReport(ctx context.Context, id int64, outcome portal.Outcome, duplicateOf int64) error {
	_, err := t.tx.ExecContext(ctx, `
		UPDATE reports SET status = 'closed', outcome = $2, duplicate_of = NULLIF($3, 0), closed_at = now(),
		       updated_at = now()
		 WHERE id = $1`, id, string(outcome), duplicateOf)
	return wrap("close report", err)
}

// LinkReportToCase links a report to an open case in its own neighbourhood
// and within scope; any other case answers portal.ErrNotFound.
func (t *Tx) LinkReportToCase(ctx context.Context, id int64, caseRef string, scope portal.Scope) error {
	var ok bool
	q, args, err := t.tx.BindNamed(`
		UPDATE reports r SET case_id = k.id, updated_at = now()
		  FROM cases k
		 WHERE r.id = :id AND k.reference = :case AND k.status = 'open' AND k.neighbourhood_id = r.neighbourhood_id
		   AND (:all OR k.neighbourhood_id = ANY(:areas))
		RETURNING true`, scopeArgs(scope, map[string]any{"id": id, "case": caseRef}))
	if err == nil {
		err = t.tx.GetContext(ctx, &ok, q, args...)
	}
	return wrap("link report to case", err)
}
