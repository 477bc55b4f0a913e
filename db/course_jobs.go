package db

import (
	"context"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// BookingNotice is a booking due an email from the background job, with
// its session.
type BookingNotice struct {
	BookingID int64
	Reference string
	Name      string
	Email     string
	Session   portal.CourseSession
}

type noticeRow struct {
	BookingID int64  `db:"booking_id"`
	Reference string `db:"reference"`
	Name      string `db:"name"`
	Email     string `db:"email"`
	sessionRow
}

// Notice kinds claimed by ClaimNotices.
const (
	NoticeReminder = "reminder"
	NoticeAfter    = "after"
	NoticeFollowUp = "followup"
)

// noticeQueries claim due bookings: each marks them sent (so the email is
// written once, in the same transaction) and skips rows another replica
// holds. $1 is now, $2 the limit, $3 the kind's threshold.
var noticeQueries = map[string]string{
	// Reminders go to confirmed places on sessions starting within $3.
	NoticeReminder: `SELECT b.id FROM course_bookings b JOIN course_sessions s ON s.id = b.session_id
		 WHERE b.status = 'confirmed' AND b.reminder_sent_at IS NULL AND s.cancelled_at IS NULL
		   AND s.starts_at > $1 AND s.starts_at <= $3
		 ORDER BY s.starts_at, b.id LIMIT $2 FOR UPDATE OF b SKIP LOCKED`,
	// The end-of-course questionnaire goes to those who attended once the
	// session is over ($3 = now).
	NoticeAfter: `SELECT b.id FROM course_bookings b JOIN course_sessions s ON s.id = b.session_id
		 WHERE b.status = 'confirmed' AND b.attendance = 'attended' AND b.after_sent_at IS NULL
		   AND b.confidence_after IS NULL AND s.ends_at <= $3
		 ORDER BY s.ends_at, b.id LIMIT $2 FOR UPDATE OF b SKIP LOCKED`,
	// The follow-up goes to those who attended, three months on ($3 = now
	// less three months).
	NoticeFollowUp: `SELECT b.id FROM course_bookings b JOIN course_sessions s ON s.id = b.session_id
		 WHERE b.status = 'confirmed' AND b.attendance = 'attended' AND b.followup_sent_at IS NULL
		   AND s.ends_at <= $3
		 ORDER BY s.ends_at, b.id LIMIT $2 FOR UPDATE OF b SKIP LOCKED`,
}

// sessionColumnNames are sessionSelect's output columns, prefixed x.
const sessionColumnNames = `x.id, x.course_id, x.course_title, x.course_description, x.provider, x.audience,
	x.lpa_id, x.lpa_code, x.lpa_name, x.venue_name, x.venue_address, x.venue_postcode, x.accessibility, x.map_url,
	x.starts_at, x.ends_at, x.booking_closes_at, x.capacity, x.booked, x.waiting, x.cancelled_at`

var noticeColumns = map[string]string{
	NoticeReminder: "reminder_sent_at", NoticeAfter: "after_sent_at", NoticeFollowUp: "followup_sent_at",
}

// ClaimNotices marks up to limit bookings due the kind of email as sent at
// now and returns them; the caller enqueues their emails in the same
// transaction, so each is written exactly once across replicas.
func (t *Tx) ClaimNotices(ctx context.Context, kind string, now time.Time, limit int) ([]BookingNotice, error) {
	threshold := now
	switch kind {
	case NoticeReminder:
		threshold = now.Add(portal.ReminderBefore)
	case NoticeFollowUp:
		threshold = now.AddDate(0, -3, 0)
	}
	var rows []noticeRow
	err := t.tx.SelectContext(ctx, &rows, `
		WITH due AS (`+noticeQueries[kind]+`),
		     marked AS (
			UPDATE course_bookings b SET `+noticeColumns[kind]+` = $1 FROM due WHERE b.id = due.id
			RETURNING b.id, b.reference, b.name, b.email, b.session_id)
		SELECT m.id AS booking_id, m.reference, m.name, m.email, `+sessionColumnNames+`
		  FROM marked m
		  JOIN (`+sessionSelect+`) x ON x.id = m.session_id
		 ORDER BY m.id`, now, limit, threshold)
	if err != nil {
		return nil, wrap("claim "+kind+" notices", err)
	}
	out := make([]BookingNotice, len(rows))
	for i, r := range rows {
		out[i] = BookingNotice{BookingID: r.BookingID, Reference: r.Reference, Name: r.Name, Email: r.Email, Session: r.session()}
	}
	return out, nil
}

// LapsedOffer is an offer that ran out.
type LapsedOffer struct {
	BookingID int64  `db:"id"`
	SessionID int64  `db:"session_id"`
	Reference string `db:"reference"`
	Name      string `db:"name"`
	Email     string `db:"email"`
}

// LapseOffers ends up to limit offers that ran out by now (skipping any
// another replica holds); the caller passes each place on with
// ReleasePlace in the same transaction.
func (t *Tx) LapseOffers(ctx context.Context, now time.Time, limit int) ([]LapsedOffer, error) {
	var out []LapsedOffer
	err := t.tx.SelectContext(ctx, &out, `
		WITH due AS (
			SELECT id FROM course_bookings WHERE status = 'offered' AND offer_expires_at <= $1
			 ORDER BY offer_expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
		UPDATE course_bookings b SET status = 'lapsed', updated_at = now()
		  FROM due WHERE b.id = due.id
		RETURNING b.id, b.session_id, b.reference, b.name, b.email`, now, limit)
	return out, wrap("lapse offers", err)
}

// EvaluationFilter selects the bookings an evaluation covers.
type EvaluationFilter struct {
	CourseID int64
	LPACode  string
	Scope    portal.Scope
	Now      time.Time
}

// EvaluationAnswers returns the answers behind an evaluation: no names or
// contact details, one row per booking on sessions that were not cancelled.
func (s *Store) EvaluationAnswers(ctx context.Context, f EvaluationFilter) ([]portal.EvaluationAnswers, error) {
	var rows []struct {
		Invited             bool   `db:"invited"`
		Status              string `db:"status"`
		Ended               bool   `db:"ended"`
		Attendance          string `db:"attendance"`
		ConfidenceBefore    int    `db:"confidence_before"`
		WillingnessBefore   int    `db:"willingness_before"`
		ConfidenceAfter     int    `db:"confidence_after"`
		WillingnessAfter    int    `db:"willingness_after"`
		ConfidenceFollowUp  int    `db:"confidence_followup"`
		WillingnessFollowUp int    `db:"willingness_followup"`
		Used                string `db:"used_learning"`
		Resolved            string `db:"resolved_without_police"`
	}
	err := selectNamed(ctx, s.db, &rows, `
		SELECT b.invited, b.status, s.ends_at <= :now AS ended, b.attendance,
		       b.confidence_before, b.willingness_before,
		       coalesce(b.confidence_after, 0) AS confidence_after, coalesce(b.willingness_after, 0) AS willingness_after,
		       coalesce(b.confidence_followup, 0) AS confidence_followup,
		       coalesce(b.willingness_followup, 0) AS willingness_followup,
		       coalesce(b.used_learning, '') AS used_learning, coalesce(b.resolved_without_police, '') AS resolved_without_police
		  FROM course_bookings b
		  JOIN course_sessions s ON s.id = b.session_id
		  JOIN lpas l ON l.id = s.lpa_id
		 WHERE s.cancelled_at IS NULL
		   AND (:course = 0 OR s.course_id = :course)
		   AND (:lpa = '' OR l.code = :lpa)
		   AND `+sessionScope+`
		 ORDER BY b.id`, scopeArgs(f.Scope, map[string]any{"course": f.CourseID, "lpa": f.LPACode, "now": f.Now}))
	if err != nil {
		return nil, wrap("evaluation answers", err)
	}
	out := make([]portal.EvaluationAnswers, len(rows))
	for i, r := range rows {
		out[i] = portal.EvaluationAnswers{Invited: r.Invited, Status: portal.BookingStatus(r.Status), SessionEnded: r.Ended,
			Attendance: portal.Attendance(r.Attendance), ConfidenceBefore: r.ConfidenceBefore,
			WillingnessBefore: r.WillingnessBefore, ConfidenceAfter: r.ConfidenceAfter, WillingnessAfter: r.WillingnessAfter,
			ConfidenceFollowUp: r.ConfidenceFollowUp, WillingnessFollowUp: r.WillingnessFollowUp,
			Used: r.Used, Resolved: r.Resolved}
	}
	return out, nil
}

// Invitee is the person staff may invite to a course from a report or a case.
type Invitee struct {
	ReportID  int64  `db:"report_id"`
	CaseID    int64  `db:"case_id"`
	Reference string `db:"reference"`
	Name      string `db:"name"`
	Email     string `db:"email"`
	LPACode   string `db:"lpa_code"`
}

// ReportInvitee returns a report's reporter if the scope covers the report
// (otherwise portal.ErrNotFound). Email is empty for anonymous reports.
func (s *Store) ReportInvitee(ctx context.Context, ref string, scope portal.Scope) (Invitee, error) {
	var in Invitee
	err := getNamed(ctx, s.db, &in, `
		SELECT r.id AS report_id, 0 AS case_id, r.reference, r.reporter_name AS name,
		       CASE WHEN r.anonymous THEN '' ELSE r.reporter_email END AS email, l.code AS lpa_code
		  FROM reports r JOIN neighbourhoods n ON n.id = r.neighbourhood_id JOIN lpas l ON l.id = n.lpa_id
		 WHERE r.reference = :ref AND (:all OR r.neighbourhood_id = ANY(:areas))`,
		scopeArgs(scope, map[string]any{"ref": ref}))
	return in, wrap("report invitee", err)
}

// CaseInvitee returns the reporter of a case's earliest named report with
// an email address, if the scope covers the case (otherwise
// portal.ErrNotFound). Email is empty when no linked report has one.
func (s *Store) CaseInvitee(ctx context.Context, ref string, scope portal.Scope) (Invitee, error) {
	var in Invitee
	err := getNamed(ctx, s.db, &in, `
		SELECT 0 AS report_id, c.id AS case_id, c.reference, coalesce(r.reporter_name, '') AS name,
		       coalesce(r.reporter_email, '') AS email, l.code AS lpa_code
		  FROM cases c JOIN neighbourhoods n ON n.id = c.neighbourhood_id JOIN lpas l ON l.id = n.lpa_id
		  LEFT JOIN LATERAL (
			SELECT reporter_name, reporter_email FROM reports
			 WHERE case_id = c.id AND NOT anonymous AND reporter_email <> ''
			 ORDER BY created_at, id LIMIT 1) r ON true
		 WHERE c.reference = :ref AND (:all OR c.neighbourhood_id = ANY(:areas))`,
		scopeArgs(scope, map[string]any{"ref": ref}))
	return in, wrap("case invitee", err)
}

// NewInvitation is an invitation to create.
type NewInvitation struct {
	TokenHash []byte
	CourseID  int64
	Invitee   Invitee
	Name      string
	Email     string
	InvitedBy int64
	ExpiresAt time.Time
}

// CreateInvitation stores an invitation.
func (t *Tx) CreateInvitation(ctx context.Context, in NewInvitation) (int64, error) {
	var id int64
	err := getNamed(ctx, t.tx, &id, `
		INSERT INTO course_invitations (token_hash, course_id, report_id, case_id, name, email, invited_by, expires_at)
		VALUES (:hash, :course, NULLIF(:report, 0), NULLIF(:case, 0), :name, :email, NULLIF(:by, 0), :expires)
		RETURNING id`, map[string]any{"hash": in.TokenHash, "course": in.CourseID, "report": in.Invitee.ReportID,
		"case": in.Invitee.CaseID, "name": in.Name, "email": portal.CanonicalEmail(in.Email), "by": in.InvitedBy,
		"expires": in.ExpiresAt})
	return id, wrap("create course invitation", err)
}

// Invitation is a stored invitation, as its link opens it.
type Invitation struct {
	ID       int64  `db:"id"`
	CourseID int64  `db:"course_id"`
	Name     string `db:"name"`
	Email    string `db:"email"`
}

// InvitationByToken returns an unexpired invitation.
func (s *Store) InvitationByToken(ctx context.Context, hash []byte, now time.Time) (Invitation, error) {
	var in Invitation
	err := s.db.GetContext(ctx, &in, `
		SELECT id, course_id, name, email FROM course_invitations WHERE token_hash = $1 AND expires_at > $2`, hash, now)
	return in, wrap("course invitation", err)
}
