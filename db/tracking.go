package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// TrackedReport returns a report as its reporter sees it: their answers'
// outline, the status and the public timeline (never staff notes).
func (s *Store) TrackedReport(ctx context.Context, reference string) (portal.TrackedReport, error) {
	var r struct {
		ID         int64         `db:"id"`
		Ref        string        `db:"reference"`
		ProblemID  int64         `db:"problem_id"`
		CatCode    string        `db:"category_code"`
		CatName    string        `db:"category_name"`
		NCode      string        `db:"neighbourhood_code"`
		NName      string        `db:"neighbourhood_name"`
		Postcode   string        `db:"postcode"`
		Place      string        `db:"place"`
		Status     string        `db:"status"`
		CreatedAt  time.Time     `db:"created_at"`
		OccurredOn time.Time     `db:"occurred_on"`
		UserID     sql.NullInt64 `db:"user_id"`
		Anonymous  bool          `db:"anonymous"`
		Name       string        `db:"reporter_name"`
		Email      string        `db:"reporter_email"`
		Phone      string        `db:"reporter_phone"`
		Contact    string        `db:"contact_preference"`
		SafeToLeav bool          `db:"safe_to_leave_message"`
		Photos     pq.Int64Array `db:"photos"`
	}
	err := s.db.GetContext(ctx, &r, `
		SELECT r.id, r.reference, r.problem_id, c.code AS category_code, c.name AS category_name,
		       n.code AS neighbourhood_code, n.name AS neighbourhood_name, r.postcode, r.place, r.status,
		       r.created_at, r.occurred_on, r.user_id, r.anonymous, r.reporter_name, r.reporter_email,
		       r.reporter_phone, r.contact_preference, r.safe_to_leave_message,
		       coalesce((SELECT array_agg(p.id ORDER BY p.id) FROM report_photos p WHERE p.report_id = r.id), '{}') AS photos
		  FROM reports r
		  JOIN categories c ON c.id = r.category_id
		  JOIN neighbourhoods n ON n.id = r.neighbourhood_id
		 WHERE r.reference = $1`, reference)
	if err != nil {
		return portal.TrackedReport{}, wrap("tracked report", err)
	}
	t := portal.TrackedReport{ID: r.ID, Reference: r.Ref, ProblemID: r.ProblemID, CategoryCode: r.CatCode,
		CategoryName: r.CatName, NeighbourhoodCode: r.NCode, NeighbourhoodName: r.NName, Postcode: r.Postcode,
		Place: r.Place, Status: portal.ReportStatus(r.Status), CreatedAt: r.CreatedAt, OccurredOn: r.OccurredOn,
		UserID: r.UserID.Int64, Anonymous: r.Anonymous, Name: r.Name, Email: r.Email, Phone: r.Phone,
		ContactPreference: r.Contact, SafeToLeave: r.SafeToLeav, PhotoIDs: r.Photos}
	var events []struct {
		At   time.Time `db:"at"`
		Kind string    `db:"kind"`
		Body string    `db:"body"`
	}
	if err := s.db.SelectContext(ctx, &events, `
		SELECT at, kind, body FROM report_events WHERE report_id = $1 AND public ORDER BY at, id`, r.ID); err != nil {
		return portal.TrackedReport{}, wrap("report events", err)
	}
	for _, e := range events {
		t.Events = append(t.Events, portal.ReportEvent{At: e.At, Kind: e.Kind, Body: e.Body})
	}
	return t, nil
}

// MatchReporter reports whether email is the address given with the report
// (anonymous reports match nothing).
func (s *Store) MatchReporter(ctx context.Context, reference, email string) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM reports WHERE reference = $1 AND NOT anonymous
		                AND reporter_email <> '' AND reporter_email = lower(trim($2)))`, reference, email)
	return ok, wrap("match reporter", err)
}

// AddInformation adds the reporter's further information to the timeline.
func (s *Store) AddInformation(ctx context.Context, reportID int64, text string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO report_events (report_id, kind, body) VALUES ($1, 'information', $2)`,
			reportID, text); err != nil {
			return wrap("add information", err)
		}
		_, err := tx.tx.ExecContext(ctx, `UPDATE reports SET updated_at = now() WHERE id = $1`, reportID)
		return wrap("touch report", err)
	})
}

// ReportPhoto returns one photo of a report.
func (s *Store) ReportPhoto(ctx context.Context, reportID, photoID int64) (contentType string, data []byte, err error) {
	err = s.db.QueryRowxContext(ctx, `SELECT content_type, data FROM report_photos WHERE id = $1 AND report_id = $2`,
		photoID, reportID).Scan(&contentType, &data)
	return contentType, data, wrap("report photo", err)
}

// ResidentReports lists the reports a signed-in resident made, newest first,
// for "Your account" and their data download.
func (s *Store) ResidentReports(ctx context.Context, userID int64) ([]portal.Submission, error) {
	var rows []struct {
		Ref    string    `db:"reference"`
		Cat    string    `db:"category"`
		Status string    `db:"status"`
		At     time.Time `db:"created_at"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT r.reference, c.name AS category, r.status, r.created_at
		  FROM reports r JOIN categories c ON c.id = r.category_id
		 WHERE r.user_id = $1
		 ORDER BY r.created_at DESC`, userID)
	if err != nil {
		return nil, wrap("resident reports", err)
	}
	out := make([]portal.Submission, len(rows))
	for i, r := range rows {
		out[i] = portal.Submission{Reference: r.Ref, Summary: r.Cat,
			Status: portal.ReportStatus(r.Status).Label(), SentAt: r.At}
	}
	return out, nil
}
