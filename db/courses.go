package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/jmoiron/sqlx"
)

// named binds :name parameters for PostgreSQL.
func named(query string, args map[string]any) (string, []any, error) {
	return sqlx.BindNamed(sqlx.DOLLAR, query, args)
}

// selectNamed runs a named query into dest.
func selectNamed(ctx context.Context, x execer, dest any, query string, args map[string]any) error {
	q, a, err := named(query, args)
	if err != nil {
		return err
	}
	return x.SelectContext(ctx, dest, q, a...)
}

// getNamed runs a named query for one row into dest.
func getNamed(ctx context.Context, x execer, dest any, query string, args map[string]any) error {
	q, a, err := named(query, args)
	if err != nil {
		return err
	}
	return x.GetContext(ctx, dest, q, a...)
}

// execNamed runs a named statement and returns the rows it changed.
func execNamed(ctx context.Context, x execer, query string, args map[string]any) (int64, error) {
	q, a, err := named(query, args)
	if err != nil {
		return 0, err
	}
	res, err := x.ExecContext(ctx, q, a...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// sessionScope is the SQL condition limiting sessions (aliased s) to a
// staff scope: a session belongs to its LPA's neighbourhoods.
const sessionScope = `(:all OR s.lpa_id IN (SELECT n.lpa_id FROM neighbourhoods n WHERE n.id = ANY(:areas)))`

type courseRow struct {
	ID          int64  `db:"id"`
	Title       string `db:"title"`
	Description string `db:"description"`
	Provider    string `db:"provider"`
	Audience    string `db:"audience"`
	Upcoming    int    `db:"upcoming"`
}

func (r courseRow) course() portal.Course {
	return portal.Course{ID: r.ID, Title: r.Title, Description: r.Description, Provider: r.Provider,
		Audience: r.Audience, Upcoming: r.Upcoming}
}

// Courses lists every course by title, with how many sessions are still to
// come after now.
func (s *Store) Courses(ctx context.Context, now time.Time) ([]portal.Course, error) {
	var rows []courseRow
	err := s.db.SelectContext(ctx, &rows, `
		SELECT c.id, c.title, c.description, c.provider, c.audience,
		       (SELECT count(*) FROM course_sessions s
		         WHERE s.course_id = c.id AND s.starts_at > $1 AND s.cancelled_at IS NULL) AS upcoming
		  FROM courses c ORDER BY c.title, c.id`, now)
	if err != nil {
		return nil, wrap("list courses", err)
	}
	out := make([]portal.Course, len(rows))
	for i, r := range rows {
		out[i] = r.course()
	}
	return out, nil
}

// Course returns one course.
func (s *Store) Course(ctx context.Context, id int64) (portal.Course, error) {
	var r courseRow
	err := s.db.GetContext(ctx, &r, `
		SELECT id, title, description, provider, audience, 0 AS upcoming FROM courses WHERE id = $1`, id)
	if err != nil {
		return portal.Course{}, wrap("course", err)
	}
	return r.course(), nil
}

// CreateCourse adds a course.
func (t *Tx) CreateCourse(ctx context.Context, in portal.CourseInput) (int64, error) {
	var id int64
	err := getNamed(ctx, t.tx, &id, `
		INSERT INTO courses (title, description, provider, audience)
		VALUES (:title, :description, :provider, :audience) RETURNING id`, courseArgs(in))
	return id, wrap("create course", err)
}

// UpdateCourse changes a course.
func (t *Tx) UpdateCourse(ctx context.Context, id int64, in portal.CourseInput) error {
	args := courseArgs(in)
	args["id"] = id
	n, err := execNamed(ctx, t.tx, `
		UPDATE courses SET title = :title, description = :description, provider = :provider,
		       audience = :audience, updated_at = now()
		 WHERE id = :id`, args)
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	return wrap("update course", err)
}

func courseArgs(in portal.CourseInput) map[string]any {
	return map[string]any{"title": in.Title, "description": in.Description, "provider": in.Provider, "audience": in.Audience}
}

type sessionRow struct {
	ID                int64      `db:"id"`
	CourseID          int64      `db:"course_id"`
	CourseTitle       string     `db:"course_title"`
	CourseDescription string     `db:"course_description"`
	Provider          string     `db:"provider"`
	Audience          string     `db:"audience"`
	LPAID             int64      `db:"lpa_id"`
	LPACode           string     `db:"lpa_code"`
	LPAName           string     `db:"lpa_name"`
	VenueName         string     `db:"venue_name"`
	VenueAddress      string     `db:"venue_address"`
	VenuePostcode     string     `db:"venue_postcode"`
	Accessibility     string     `db:"accessibility"`
	MapURL            string     `db:"map_url"`
	StartsAt          time.Time  `db:"starts_at"`
	EndsAt            time.Time  `db:"ends_at"`
	BookingClosesAt   time.Time  `db:"booking_closes_at"`
	Capacity          int        `db:"capacity"`
	Booked            int        `db:"booked"`
	Waiting           int        `db:"waiting"`
	CancelledAt       *time.Time `db:"cancelled_at"`
}

const sessionSelect = `
	SELECT s.id, s.course_id, c.title AS course_title, c.description AS course_description, c.provider, c.audience,
	       s.lpa_id, l.code AS lpa_code, l.name AS lpa_name, s.venue_name, s.venue_address, s.venue_postcode,
	       s.accessibility, s.map_url, s.starts_at, s.ends_at, s.booking_closes_at, s.capacity, s.booked,
	       (SELECT count(*) FROM course_bookings w WHERE w.session_id = s.id AND w.status = 'waiting') AS waiting,
	       s.cancelled_at
	  FROM course_sessions s
	  JOIN courses c ON c.id = s.course_id
	  JOIN lpas l ON l.id = s.lpa_id`

func (r sessionRow) session() portal.CourseSession {
	s := portal.CourseSession{ID: r.ID, CourseID: r.CourseID, CourseTitle: r.CourseTitle,
		CourseDescription: r.CourseDescription, Provider: r.Provider, Audience: r.Audience,
		LPAID: r.LPAID, LPACode: r.LPACode, LPAName: r.LPAName, VenueName: r.VenueName,
		VenueAddress: r.VenueAddress, VenuePostcode: r.VenuePostcode, Accessibility: r.Accessibility,
		MapURL: r.MapURL, StartsAt: r.StartsAt, EndsAt: r.EndsAt, BookingClosesAt: r.BookingClosesAt,
		Capacity: r.Capacity, Booked: r.Booked, Waiting: r.Waiting}
	if r.CancelledAt != nil {
		s.CancelledAt = *r.CancelledAt
	}
	return s
}

func sessionList(rows []sessionRow) []portal.CourseSession {
	out := make([]portal.CourseSession, len(rows))
	for i, r := range rows {
		out[i] = r.session()
	}
	return out
}

// SessionFilter selects sessions; zero fields match everything.
type SessionFilter struct {
	CourseID int64
	LPACode  string
	// From and To bound the start time; From defaults to nothing.
	From, To time.Time
	// Cancelled includes cancelled sessions (the calendar feed shows them
	// so calendar apps can remove them).
	Cancelled bool
	// Scope, when set, limits sessions to a staff member's areas.
	Scope *portal.Scope
	Limit int
}

// Sessions lists sessions in start order.
func (s *Store) Sessions(ctx context.Context, f SessionFilter) ([]portal.CourseSession, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	scope := portal.Scope{All: true}
	if f.Scope != nil {
		scope = *f.Scope
	}
	var rows []sessionRow
	err := selectNamed(ctx, s.db, &rows, sessionSelect+`
		 WHERE (:course = 0 OR s.course_id = :course)
		   AND (:lpa = '' OR l.code = :lpa)
		   AND (CAST(:from AS timestamptz) IS NULL OR s.starts_at >= :from)
		   AND (CAST(:to AS timestamptz) IS NULL OR s.starts_at < :to)
		   AND (:cancelled OR s.cancelled_at IS NULL)
		   AND `+sessionScope+`
		 ORDER BY s.starts_at, s.id
		 LIMIT :limit`, scopeArgs(scope, map[string]any{
		"course": f.CourseID, "lpa": f.LPACode, "from": nullTime(f.From), "to": nullTime(f.To),
		"cancelled": f.Cancelled, "limit": f.Limit}))
	if err != nil {
		return nil, wrap("list course sessions", err)
	}
	return sessionList(rows), nil
}

// Session returns one session, as the public sees it.
func (s *Store) Session(ctx context.Context, id int64) (portal.CourseSession, error) {
	return s.SessionInScope(ctx, id, portal.Scope{All: true})
}

// SessionInScope returns a session if scope covers its LPA; otherwise
// portal.ErrNotFound, exactly as if it did not exist.
func (s *Store) SessionInScope(ctx context.Context, id int64, scope portal.Scope) (portal.CourseSession, error) {
	return sessionInScope(ctx, s.db, id, scope)
}

// SessionInScope is Store.SessionInScope inside the transaction.
func (t *Tx) SessionInScope(ctx context.Context, id int64, scope portal.Scope) (portal.CourseSession, error) {
	return sessionInScope(ctx, t.tx, id, scope)
}

func sessionInScope(ctx context.Context, x execer, id int64, scope portal.Scope) (portal.CourseSession, error) {
	var r sessionRow
	err := getNamed(ctx, x, &r, sessionSelect+` WHERE s.id = :id AND `+sessionScope,
		scopeArgs(scope, map[string]any{"id": id}))
	if err != nil {
		return portal.CourseSession{}, wrap("course session", err)
	}
	return r.session(), nil
}

func sessionArgs(f portal.SessionFields, scope portal.Scope) map[string]any {
	return scopeArgs(scope, map[string]any{
		"course": f.CourseID, "lpa": f.LPACode, "venue": f.VenueName, "address": f.VenueAddress,
		"postcode": f.VenuePostcode, "accessibility": f.Accessibility, "map": f.MapURL,
		"starts": f.StartsAt, "ends": f.EndsAt, "closes": f.BookingClosesAt, "capacity": f.Capacity})
}

// CreateSession adds a session in an LPA the scope covers; an LPA or
// course that does not exist, or an LPA out of scope, is portal.ErrNotFound.
func (t *Tx) CreateSession(ctx context.Context, f portal.SessionFields, scope portal.Scope) (int64, error) {
	var id int64
	err := getNamed(ctx, t.tx, &id, `
		INSERT INTO course_sessions (course_id, lpa_id, venue_name, venue_address, venue_postcode,
		       accessibility, map_url, starts_at, ends_at, booking_closes_at, capacity)
		SELECT c.id, l.id, :venue, :address, :postcode, :accessibility, :map, :starts, :ends, :closes, :capacity
		  FROM courses c, lpas l
		 WHERE c.id = :course AND l.code = :lpa
		   AND (:all OR EXISTS (SELECT 1 FROM neighbourhoods n WHERE n.lpa_id = l.id AND n.id = ANY(:areas)))
		RETURNING id`, sessionArgs(f, scope))
	return id, wrap("create course session", err)
}

// UpdateSession changes a session the scope covers. Capacity may not fall
// below the places already taken (portal.ErrConflict); if it rises, the
// caller offers the new places to the waiting list (FillPlaces).
func (t *Tx) UpdateSession(ctx context.Context, id int64, f portal.SessionFields, scope portal.Scope) error {
	args := sessionArgs(f, scope)
	args["id"] = id
	var booked int
	err := getNamed(ctx, t.tx, &booked, `
		SELECT s.booked FROM course_sessions s
		 WHERE s.id = :id AND s.cancelled_at IS NULL AND `+sessionScope+` FOR UPDATE`, args)
	if err != nil {
		return wrap("update course session", err)
	}
	if f.Capacity < booked {
		return portal.ErrConflict
	}
	n, err := execNamed(ctx, t.tx, `
		UPDATE course_sessions s
		   SET course_id = :course, lpa_id = l.id, venue_name = :venue, venue_address = :address,
		       venue_postcode = :postcode, accessibility = :accessibility, map_url = :map,
		       starts_at = :starts, ends_at = :ends, booking_closes_at = :closes, capacity = :capacity,
		       updated_at = now()
		  FROM lpas l
		 WHERE s.id = :id AND l.code = :lpa
		   AND EXISTS (SELECT 1 FROM courses c WHERE c.id = :course)
		   AND (:all OR EXISTS (SELECT 1 FROM neighbourhoods n WHERE n.lpa_id = l.id AND n.id = ANY(:areas)))`, args)
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	return wrap("update course session", err)
}

// BookingContact is who to tell about a change to their booking.
type BookingContact struct {
	BookingID int64  `db:"id"`
	Reference string `db:"reference"`
	Name      string `db:"name"`
	Email     string `db:"email"`
	Status    string `db:"status"`
}

// CancelSession cancels a session the scope covers and every active
// booking on it, returning the people to tell. Cancelling twice is
// portal.ErrConflict.
func (t *Tx) CancelSession(ctx context.Context, id int64, scope portal.Scope, now time.Time) ([]BookingContact, error) {
	n, err := execNamed(ctx, t.tx, `
		UPDATE course_sessions s SET cancelled_at = :now, booked = 0, updated_at = now()
		 WHERE s.id = :id AND s.cancelled_at IS NULL AND `+sessionScope,
		scopeArgs(scope, map[string]any{"id": id, "now": now}))
	if err != nil {
		return nil, wrap("cancel course session", err)
	}
	if n == 0 {
		return nil, portal.ErrConflict
	}
	var out []BookingContact
	err = t.tx.SelectContext(ctx, &out, `
		WITH active AS (
			SELECT id, status FROM course_bookings
			 WHERE session_id = $1 AND status IN ('confirmed', 'waiting', 'offered') FOR UPDATE)
		UPDATE course_bookings b SET status = 'cancelled', cancelled_at = $2, updated_at = now()
		  FROM active WHERE b.id = active.id
		RETURNING b.id, b.reference, b.name, b.email, active.status`, id, now)
	return out, wrap("cancel course session bookings", err)
}
