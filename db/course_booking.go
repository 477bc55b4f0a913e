package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// NewBooking is a booking to make.
type NewBooking struct {
	SessionID int64
	Input     portal.BookingInput
	Reference string
	// LinkHash is the SHA-256 of the manage-booking token.
	LinkHash []byte
	// InviteHash, when set, is the SHA-256 of the invitation token the
	// booking came from.
	InviteHash []byte
	Now        time.Time
}

// Booked is the outcome of Book.
type Booked struct {
	Booking portal.Booking
	// Replay is true when the idempotency key had been used: nothing new
	// was booked and Booking is the original.
	Replay bool
}

// ErrBookingClosed means the session is cancelled, or booking has closed.
var ErrBookingClosed = errors.New("db: booking closed")

// Book books a place, or a place on the waiting list when the session is
// full. A place is taken by one conditional UPDATE of the session's
// counter (booked < capacity, backed by a CHECK), so however many people
// book at once there are never more confirmed places than capacity, and
// nobody queues behind a row lock longer than one short transaction. The
// idempotency key makes a repeated submission return the original booking.
func (t *Tx) Book(ctx context.Context, nb NewBooking) (Booked, error) {
	var open bool
	err := t.tx.GetContext(ctx, &open, `
		SELECT cancelled_at IS NULL AND booking_closes_at > $2 FROM course_sessions WHERE id = $1`, nb.SessionID, nb.Now)
	if err != nil {
		return Booked{}, wrap("book: session", err)
	}
	in := nb.Input
	var id int64
	err = getNamed(ctx, t.tx, &id, `
		INSERT INTO course_bookings (reference, idempotency_key, session_id, name, email, phone, describes,
		       access_needs, status, waiting_since, confidence_before, willingness_before,
		       invitation_id, invited_report_id, invited_case_id, invited, reminder_sent_at)
		SELECT :ref, :key, s.id, :name, :email, :phone, :describes, :access, 'waiting', :now, :confidence, :willingness,
		       i.id, i.report_id, i.case_id, i.id IS NOT NULL,
		       CASE WHEN s.starts_at <= CAST(:now AS timestamptz) + make_interval(secs => :reminder) THEN CAST(:now AS timestamptz) END
		  FROM course_sessions s
		  LEFT JOIN course_invitations i ON i.token_hash = :invite AND i.expires_at > :now AND i.course_id = s.course_id
		 WHERE s.id = :session
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING id`, map[string]any{
		"ref": nb.Reference, "key": in.IdempotencyKey, "session": nb.SessionID, "name": in.Name,
		"email": portal.CanonicalEmail(in.Email), "phone": in.Phone, "describes": in.Describes,
		"access": in.AccessNeeds, "now": nb.Now, "confidence": portal.Score(in.Confidence),
		"willingness": portal.Score(in.Willingness), "invite": nb.InviteHash,
		"reminder": portal.ReminderBefore.Seconds()})
	if errors.Is(err, sql.ErrNoRows) { // the key was used: a replay
		var orig int64
		if err := t.tx.GetContext(ctx, &orig, `SELECT id FROM course_bookings WHERE idempotency_key = $1`, in.IdempotencyKey); err != nil {
			return Booked{}, wrap("book: replay", err)
		}
		b, err := booking(ctx, t.tx, `b.id = $1`, orig)
		return Booked{Booking: b, Replay: true}, err
	}
	if err != nil {
		return Booked{}, wrap("book: insert", err)
	}
	if !open {
		return Booked{}, ErrBookingClosed
	}
	if err := t.takePlace(ctx, nb.SessionID, id); err != nil {
		return Booked{}, err
	}
	if err := t.AddBookingLink(ctx, id, nb.LinkHash); err != nil {
		return Booked{}, err
	}
	b, err := booking(ctx, t.tx, `b.id = $1`, id)
	return Booked{Booking: b}, err
}

// takePlace confirms a waiting booking if the session has a place left.
func (t *Tx) takePlace(ctx context.Context, sessionID, bookingID int64) error {
	res, err := t.tx.ExecContext(ctx, `
		UPDATE course_sessions SET booked = booked + 1
		 WHERE id = $1 AND booked < capacity AND cancelled_at IS NULL`, sessionID)
	if err != nil {
		return wrap("book: take a place", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // full: the booking stays on the waiting list
	}
	_, err = t.tx.ExecContext(ctx, `
		UPDATE course_bookings SET status = 'confirmed', waiting_since = NULL, updated_at = now() WHERE id = $1`, bookingID)
	return wrap("book: confirm", err)
}

// AddBookingLink stores the hash of a new manage-booking token.
func (t *Tx) AddBookingLink(ctx context.Context, bookingID int64, hash []byte) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO course_booking_links (token_hash, booking_id) VALUES ($1, $2)`, hash, bookingID)
	return wrap("add booking link", err)
}

type bookingRow struct {
	ID             int64      `db:"id"`
	Reference      string     `db:"reference"`
	SessionID      int64      `db:"session_id"`
	Name           string     `db:"name"`
	Email          string     `db:"email"`
	Phone          string     `db:"phone"`
	Describes      string     `db:"describes"`
	AccessNeeds    string     `db:"access_needs"`
	Status         string     `db:"status"`
	WaitingSince   *time.Time `db:"waiting_since"`
	OfferExpiresAt *time.Time `db:"offer_expires_at"`
	Attendance     string     `db:"attendance"`
	Invited        bool       `db:"invited"`
	CreatedAt      time.Time  `db:"created_at"`
	AfterDone      bool       `db:"after_done"`
	FollowUpDone   bool       `db:"followup_done"`
	Position       int        `db:"position"`
}

const bookingSelect = `
	SELECT b.id, b.reference, b.session_id, b.name, b.email, b.phone, b.describes, b.access_needs, b.status,
	       b.waiting_since, b.offer_expires_at, b.attendance, b.invited, b.created_at,
	       b.confidence_after IS NOT NULL AS after_done, b.confidence_followup IS NOT NULL AS followup_done,
	       CASE WHEN b.status = 'waiting' THEN (
	           SELECT count(*) FROM course_bookings w
	            WHERE w.session_id = b.session_id AND w.status = 'waiting'
	              AND (w.waiting_since, w.id) <= (b.waiting_since, b.id)) ELSE 0 END AS position
	  FROM course_bookings b`

func (r bookingRow) booking() portal.Booking {
	b := portal.Booking{ID: r.ID, Reference: r.Reference, SessionID: r.SessionID, Name: r.Name, Email: r.Email,
		Phone: r.Phone, Describes: r.Describes, AccessNeeds: r.AccessNeeds, Status: portal.BookingStatus(r.Status),
		Attendance: portal.Attendance(r.Attendance), Invited: r.Invited, CreatedAt: r.CreatedAt,
		AfterDone: r.AfterDone, FollowUpDone: r.FollowUpDone, Position: r.Position}
	if r.WaitingSince != nil {
		b.WaitingSince = *r.WaitingSince
	}
	if r.OfferExpiresAt != nil {
		b.OfferExpiresAt = *r.OfferExpiresAt
	}
	return b
}

func booking(ctx context.Context, x execer, where string, args ...any) (portal.Booking, error) {
	var r bookingRow
	if err := x.GetContext(ctx, &r, bookingSelect+` WHERE `+where, args...); err != nil {
		return portal.Booking{}, wrap("booking", err)
	}
	return r.booking(), nil
}

// BookingByLink returns the booking a manage-booking token opens.
func (s *Store) BookingByLink(ctx context.Context, hash []byte) (portal.Booking, error) {
	return booking(ctx, s.db, `b.id = (SELECT booking_id FROM course_booking_links WHERE token_hash = $1)`, hash)
}

// LockBookingByLink is BookingByLink, locking the booking for a change.
func (t *Tx) LockBookingByLink(ctx context.Context, hash []byte) (portal.Booking, error) {
	return booking(ctx, t.tx, `b.id = (SELECT booking_id FROM course_booking_links WHERE token_hash = $1) FOR UPDATE OF b`, hash)
}

// BookingByID returns one booking (for tests and the jobs).
func (s *Store) BookingByID(ctx context.Context, id int64) (portal.Booking, error) {
	return booking(ctx, s.db, `b.id = $1`, id)
}

// CancelBooking cancels an active booking and reports whether it held a
// place (confirmed or offered), which the caller then passes on with
// ReleasePlace in the same transaction.
func (t *Tx) CancelBooking(ctx context.Context, bookingID int64, now time.Time) (heldPlace bool, err error) {
	var old string
	err = t.tx.GetContext(ctx, &old, `
		WITH old AS (SELECT id, status FROM course_bookings WHERE id = $1 FOR UPDATE)
		UPDATE course_bookings b SET status = 'cancelled', cancelled_at = $2, offer_expires_at = NULL, updated_at = now()
		  FROM old
		 WHERE b.id = old.id AND old.status IN ('confirmed', 'waiting', 'offered')
		RETURNING old.status`, bookingID, now)
	if errors.Is(err, sql.ErrNoRows) {
		return false, portal.ErrConflict
	}
	if err != nil {
		return false, wrap("cancel booking", err)
	}
	return old != string(portal.BookingWaiting), nil
}

// Offer is a place offered to the next person on a waiting list.
type Offer struct {
	BookingID int64     `db:"id"`
	Reference string    `db:"reference"`
	Name      string    `db:"name"`
	Email     string    `db:"email"`
	Until     time.Time `db:"offer_expires_at"`
}

// ReleasePlace passes on a place that came free on a session: the first
// person waiting (taken FOR UPDATE SKIP LOCKED, so concurrent releases
// never offer one person two places or block each other) is offered it
// until until (at the latest, the start of the session). With nobody
// waiting, the place goes back to the pool. It returns the offer, or nil.
func (t *Tx) ReleasePlace(ctx context.Context, sessionID int64, now, until time.Time) (*Offer, error) {
	var o Offer
	err := t.tx.GetContext(ctx, &o, `
		WITH next AS (
			SELECT b.id, s.starts_at FROM course_bookings b JOIN course_sessions s ON s.id = b.session_id
			 WHERE b.session_id = $1 AND b.status = 'waiting' AND s.cancelled_at IS NULL AND s.starts_at > $2
			 ORDER BY b.waiting_since, b.id
			 LIMIT 1
			   FOR UPDATE OF b SKIP LOCKED)
		UPDATE course_bookings b
		   SET status = 'offered', offer_expires_at = least(CAST($3 AS timestamptz), next.starts_at),
		       waiting_since = NULL, updated_at = now()
		  FROM next WHERE b.id = next.id
		RETURNING b.id, b.reference, b.name, b.email, b.offer_expires_at`, sessionID, now, until)
	if err == nil {
		return &o, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, wrap("release place: offer", err)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE course_sessions SET booked = booked - 1 WHERE id = $1 AND booked > 0`, sessionID)
	return nil, wrap("release place", err)
}

// FillPlaces offers a session's free places to the waiting list, after its
// capacity went up.
func (t *Tx) FillPlaces(ctx context.Context, sessionID int64, now, until time.Time) ([]Offer, error) {
	var out []Offer
	for {
		var waiting bool
		err := t.tx.GetContext(ctx, &waiting, `
			SELECT EXISTS (SELECT 1 FROM course_bookings WHERE session_id = $1 AND status = 'waiting')`, sessionID)
		if err != nil || !waiting {
			return out, wrap("fill places", err)
		}
		res, err := t.tx.ExecContext(ctx, `
			UPDATE course_sessions SET booked = booked + 1
			 WHERE id = $1 AND booked < capacity AND cancelled_at IS NULL AND starts_at > $2`, sessionID, now)
		if err != nil {
			return out, wrap("fill places", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return out, nil
		}
		o, err := t.ReleasePlace(ctx, sessionID, now, until)
		if err != nil || o == nil {
			return out, err
		}
		out = append(out, *o)
	}
}

// AcceptOffer confirms an offered place taken before its offer ran out;
// otherwise portal.ErrConflict.
func (t *Tx) AcceptOffer(ctx context.Context, bookingID int64, now time.Time) error {
	res, err := t.tx.ExecContext(ctx, `
		UPDATE course_bookings SET status = 'confirmed', offer_expires_at = NULL, updated_at = now()
		 WHERE id = $1 AND status = 'offered' AND offer_expires_at > $2`, bookingID, now)
	if err != nil {
		return wrap("accept offer", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portal.ErrConflict
	}
	return nil
}

// MoveBooking moves an active booking to another session of the same
// course that has a place and is open for booking; a full or closed
// session is portal.ErrConflict. It reports whether the booking held a
// place on its old session, which the caller passes on with ReleasePlace.
func (t *Tx) MoveBooking(ctx context.Context, b portal.Booking, toSession int64, now time.Time) (heldPlace bool, err error) {
	res, err := t.tx.ExecContext(ctx, `
		UPDATE course_sessions s SET booked = booked + 1
		 WHERE s.id = $1 AND s.booked < s.capacity AND s.cancelled_at IS NULL AND s.booking_closes_at > $3
		   AND s.id <> $4
		   AND s.course_id = (SELECT course_id FROM course_sessions WHERE id = $4)
		   AND EXISTS (SELECT 1 FROM course_bookings WHERE id = $2 AND status IN ('confirmed', 'waiting', 'offered'))`,
		toSession, b.ID, now, b.SessionID)
	if err != nil {
		return false, wrap("move booking", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, portal.ErrConflict
	}
	_, err = t.tx.ExecContext(ctx, `
		UPDATE course_bookings b
		   SET session_id = $2, status = 'confirmed', waiting_since = NULL, offer_expires_at = NULL, updated_at = now(),
		       reminder_sent_at = CASE WHEN s.starts_at <= CAST($3 AS timestamptz) + make_interval(secs => $4) THEN CAST($3 AS timestamptz) END
		  FROM course_sessions s
		 WHERE b.id = $1 AND s.id = $2`, b.ID, toSession, now, portal.ReminderBefore.Seconds())
	if err != nil {
		return false, wrap("move booking", err)
	}
	return b.Status == portal.BookingConfirmed || b.Status == portal.BookingOffered, nil
}

// SessionBookings lists a session's bookings (the scope must cover it):
// confirmed first by name, then the waiting list in order.
func (s *Store) SessionBookings(ctx context.Context, sessionID int64, scope portal.Scope) ([]portal.Booking, error) {
	var rows []bookingRow
	err := selectNamed(ctx, s.db, &rows, bookingSelect+`
		  JOIN course_sessions s ON s.id = b.session_id
		 WHERE b.session_id = :id AND `+sessionScope+`
		 ORDER BY CASE b.status WHEN 'confirmed' THEN 0 WHEN 'offered' THEN 1 WHEN 'waiting' THEN 2 ELSE 3 END,
		          CASE WHEN b.status = 'confirmed' THEN lower(b.name) END, b.waiting_since, b.id`,
		scopeArgs(scope, map[string]any{"id": sessionID}))
	if err != nil {
		return nil, wrap("session bookings", err)
	}
	out := make([]portal.Booking, len(rows))
	for i, r := range rows {
		out[i] = r.booking()
	}
	return out, nil
}

// MarkAttendance records the register for a session the scope covers, for
// confirmed bookings only, and returns how many marks changed.
func (t *Tx) MarkAttendance(ctx context.Context, sessionID int64, scope portal.Scope, marks []portal.RegisterMark) (int64, error) {
	ids := make([]int64, len(marks))
	vals := make([]string, len(marks))
	for i, m := range marks {
		ids[i], vals[i] = m.BookingID, string(m.Attendance)
	}
	n, err := execNamed(ctx, t.tx, `
		UPDATE course_bookings b SET attendance = m.val, updated_at = now()
		  FROM unnest(CAST(:ids AS bigint[]), CAST(:vals AS text[])) AS m (id, val), course_sessions s
		 WHERE b.id = m.id AND b.session_id = :session AND s.id = b.session_id AND b.status = 'confirmed'
		   AND b.attendance <> m.val AND `+sessionScope,
		scopeArgs(scope, map[string]any{"ids": pq.Array(ids), "vals": pq.Array(vals), "session": sessionID}))
	return n, wrap("mark attendance", err)
}

// SaveAfterCourse stores the end-of-course answers once; a second time is
// portal.ErrConflict.
func (s *Store) SaveAfterCourse(ctx context.Context, bookingID int64, in portal.AfterInput) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE course_bookings SET confidence_after = $2, willingness_after = $3, updated_at = now()
		 WHERE id = $1 AND status = 'confirmed' AND confidence_after IS NULL`,
		bookingID, portal.Score(in.Confidence), portal.Score(in.Willingness))
	return onceOnly("save end-of-course answers", res, err)
}

// SaveFollowUp stores the three-month answers once; a second time is
// portal.ErrConflict.
func (s *Store) SaveFollowUp(ctx context.Context, bookingID int64, in portal.FollowUpInput) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE course_bookings
		   SET confidence_followup = $2, willingness_followup = $3, used_learning = $4,
		       resolved_without_police = $5, updated_at = now()
		 WHERE id = $1 AND status = 'confirmed' AND confidence_followup IS NULL`,
		bookingID, portal.Score(in.Confidence), portal.Score(in.Willingness), in.Used, in.Resolved)
	return onceOnly("save follow-up answers", res, err)
}

func onceOnly(op string, res sql.Result, err error) error {
	if err != nil {
		return wrap(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portal.ErrConflict
	}
	return nil
}
