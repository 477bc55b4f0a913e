package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// courseFixture is the demo geography with one course and a session in
// LPA north, ten days from now.
type courseFixture struct {
	store   *db.Store
	now     time.Time
	session int64
}

func newCourseFixture(t *testing.T, capacity int) courseFixture {
	t.Helper()
	ctx := context.Background()
	store, _ := dbtest.New(t)
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	f := courseFixture{store: store, now: now}
	f.session = f.addSession(t, capacity, now.Add(10*24*time.Hour))
	return f
}

func (f courseFixture) addSession(t *testing.T, capacity int, start time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := f.store.InTx(ctx, func(tx *db.Tx) error {
		course, err := tx.CreateCourse(ctx, portal.CourseInput{Title: "Defusing conflict", Description: "Stay calm",
			Provider: "Dfuse", Audience: "Anyone"})
		if err != nil {
			return err
		}
		id, err = tx.CreateSession(ctx, portal.SessionFields{CourseID: course, LPACode: "north", VenueName: "Hall",
			VenueAddress: "1 Mill Lane", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
			BookingClosesAt: start.Add(-time.Hour), Capacity: capacity}, portal.Scope{All: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f courseFixture) book(t *testing.T, i int) portal.Booking {
	t.Helper()
	got, err := f.bookAt(i, f.now)
	if err != nil {
		t.Fatal(err)
	}
	return got.Booking
}

func (f courseFixture) bookAt(i int, now time.Time) (db.Booked, error) {
	ctx := context.Background()
	var got db.Booked
	err := f.store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		got, err = tx.Book(ctx, db.NewBooking{SessionID: f.session, Reference: portal.NewCourseReference(),
			LinkHash: portal.HashToken(portal.NewToken()), Now: now, Input: portal.BookingInput{
				IdempotencyKey: fmt.Sprintf("%032x", i+1), Name: fmt.Sprintf("Person %d", i),
				Email: fmt.Sprintf("p%d@example.org", i), Describes: "resident", Confidence: "2", Willingness: "3"}})
		return err
	})
	return got, err
}

func (f courseFixture) sessionNow(t *testing.T) portal.CourseSession {
	t.Helper()
	s, err := f.store.Session(context.Background(), f.session)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBookFillsThePlacesThenTheWaitingList(t *testing.T) {
	f := newCourseFixture(t, 2)
	a, b, c, d := f.book(t, 0), f.book(t, 1), f.book(t, 2), f.book(t, 3)
	if a.Status != portal.BookingConfirmed || b.Status != portal.BookingConfirmed {
		t.Fatalf("first two: %s, %s", a.Status, b.Status)
	}
	if c.Status != portal.BookingWaiting || c.Position != 1 || d.Position != 2 {
		t.Fatalf("third %s at %d, fourth at %d", c.Status, c.Position, d.Position)
	}
	again, err := f.bookAt(0, f.now)
	if err != nil || !again.Replay || again.Booking.ID != a.ID {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	if s := f.sessionNow(t); s.Booked != 2 || s.Waiting != 2 {
		t.Fatalf("session booked %d, waiting %d", s.Booked, s.Waiting)
	}
	if _, err := f.bookAt(9, f.now.Add(10*24*time.Hour)); !errors.Is(err, db.ErrBookingClosed) {
		t.Fatalf("booking after closing: %v", err)
	}
}

func TestConcurrentBookingsNeverOverbook(t *testing.T) {
	f := newCourseFixture(t, 12)
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.bookAt(i, f.now); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if s := f.sessionNow(t); s.Booked != 12 || s.Waiting != 48 {
		t.Fatalf("booked %d, waiting %d; want 12 and 48", s.Booked, s.Waiting)
	}
}

// TestFreedPlaceIsOfferedThenPassesOn: a cancellation offers the place to
// the first in line, whose offer lapses and passes on to the second; with
// nobody left waiting the place returns to the pool.
func TestFreedPlaceIsOfferedThenPassesOn(t *testing.T) {
	ctx := context.Background()
	f := newCourseFixture(t, 1)
	first, w1, w2 := f.book(t, 0), f.book(t, 1), f.book(t, 2)
	hold := 48 * time.Hour
	var offer *db.Offer
	err := f.store.InTx(ctx, func(tx *db.Tx) error {
		held, err := tx.CancelBooking(ctx, first.ID, f.now)
		if err != nil || !held {
			return fmt.Errorf("cancel: held %v, %w", held, err)
		}
		offer, err = tx.ReleasePlace(ctx, f.session, f.now, f.now.Add(hold))
		return err
	})
	if err != nil || offer == nil || offer.BookingID != w1.ID || !offer.Until.Equal(f.now.Add(hold)) {
		t.Fatalf("offer %+v, %v", offer, err)
	}
	// Too late to take it: it lapses and passes on.
	later := f.now.Add(hold + time.Minute)
	err = f.store.InTx(ctx, func(tx *db.Tx) error { return tx.AcceptOffer(ctx, w1.ID, later) })
	if !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("late acceptance: %v", err)
	}
	err = f.store.InTx(ctx, func(tx *db.Tx) error {
		lapsed, err := tx.LapseOffers(ctx, later, 10)
		if err != nil || len(lapsed) != 1 || lapsed[0].BookingID != w1.ID {
			return fmt.Errorf("lapsed %+v, %w", lapsed, err)
		}
		offer, err = tx.ReleasePlace(ctx, f.session, later, later.Add(hold))
		return err
	})
	if err != nil || offer == nil || offer.BookingID != w2.ID {
		t.Fatalf("second offer %+v, %v", offer, err)
	}
	if err := f.store.InTx(ctx, func(tx *db.Tx) error { return tx.AcceptOffer(ctx, w2.ID, later) }); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.store.BookingByID(ctx, w2.ID); b.Status != portal.BookingConfirmed {
		t.Fatalf("accepted offer is %s", b.Status)
	}
	// w2 cancels with nobody waiting: the place returns to the pool.
	err = f.store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.CancelBooking(ctx, w2.ID, later); err != nil {
			return err
		}
		offer, err = tx.ReleasePlace(ctx, f.session, later, later.Add(hold))
		return err
	})
	if err != nil || offer != nil {
		t.Fatalf("offer with nobody waiting: %+v, %v", offer, err)
	}
	if s := f.sessionNow(t); s.Booked != 0 {
		t.Fatalf("booked %d after everyone cancelled", s.Booked)
	}
}

func TestNoticesAreClaimedOnce(t *testing.T) {
	ctx := context.Background()
	f := newCourseFixture(t, 5)
	f.book(t, 0)
	claim := func(kind string, now time.Time) int {
		var n []db.BookingNotice
		err := f.store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			n, err = tx.ClaimNotices(ctx, kind, now, 10)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return len(n)
	}
	if n := claim(db.NoticeReminder, f.now); n != 0 {
		t.Fatalf("%d reminders 10 days ahead", n)
	}
	dayBefore := f.now.Add(9 * 24 * time.Hour)
	if n := claim(db.NoticeReminder, dayBefore); n != 1 {
		t.Fatalf("%d reminders the day before", n)
	}
	if n := claim(db.NoticeReminder, dayBefore); n != 0 {
		t.Fatalf("reminder claimed twice")
	}
}

func TestCancelSessionAndScope(t *testing.T) {
	ctx := context.Background()
	f := newCourseFixture(t, 1)
	a, _ := f.book(t, 0), f.book(t, 1)
	south := portal.Scope{Neighbourhoods: []int64{99999}}
	if _, err := f.store.SessionInScope(ctx, f.session, south); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("out of scope: %v", err)
	}
	err := f.store.InTx(ctx, func(tx *db.Tx) error {
		n, err := tx.MarkAttendance(ctx, f.session, south, []portal.RegisterMark{{BookingID: a.ID, Attendance: portal.Attended}})
		if err == nil && n != 0 {
			err = fmt.Errorf("marked %d out of scope", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var told []db.BookingContact
	err = f.store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		told, err = tx.CancelSession(ctx, f.session, portal.Scope{All: true}, f.now)
		return err
	})
	if err != nil || len(told) != 2 {
		t.Fatalf("told %d, %v", len(told), err)
	}
	err = f.store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CancelSession(ctx, f.session, portal.Scope{All: true}, f.now)
		return err
	})
	if !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("second cancel: %v", err)
	}
	if s := f.sessionNow(t); !s.Cancelled() || s.Booked != 0 {
		t.Fatalf("session after cancelling: %+v", s)
	}
}
