package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// courseSetUp adds a course with a session in LPA north ten days ahead and
// another in the south twenty days ahead; it returns the first session's id.
func courseSetUp(t *testing.T, b *Browser, capacity int) int64 {
	t.Helper()
	ctx := context.Background()
	var first int64
	err := b.Srv.Store.InTx(ctx, func(tx *db.Tx) error {
		course, err := tx.CreateCourse(ctx, portal.CourseInput{Title: "Defusing conflict and anti-social behaviour",
			Description: "How to stay safe and calm a situation.", Provider: "Dfuse", Audience: "Anyone"})
		if err != nil {
			return err
		}
		for i, lpa := range []string{"north", "south"} {
			start := time.Now().Add(time.Duration(10+10*i) * 24 * time.Hour).Truncate(time.Hour)
			id, err := tx.CreateSession(ctx, portal.SessionFields{CourseID: course, LPACode: lpa,
				VenueName: lpa + " community centre", VenueAddress: "1 Mill Lane", Accessibility: "Step-free access",
				MapURL: "https://www.openstreetmap.org/", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
				BookingClosesAt: start.Add(-time.Hour), Capacity: capacity}, portal.Scope{All: true})
			if i == 0 {
				first = id
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return first
}

var manageRE = regexp.MustCompile(`^/courses/booking/[A-Za-z0-9_-]{43}$`)

// fillBooking completes the booking form by keyboard.
func (b *Browser) fillBooking(name, email string) {
	b.t.Helper()
	b.fill("name", name)
	b.fill("email", email)
	b.pick("describes-shop_bar_staff")
	b.pick("confidence-2")
	b.pick("willingness-3")
}

// TestResidentFindsBooksMovesAndCancelsByKeyboard: find a session by
// postcode, book it, then manage the booking from the confirmation, by
// keyboard alone, with an axe audit of every page.
func TestResidentFindsBooksMovesAndCancelsByKeyboard(t *testing.T) {
	b := demoBrowser(t)
	id := courseSetUp(t, b, 12)
	b.Visit("/")
	b.TabTo("Book a free course on defusing conflict")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	auditA11y(t, b)
	b.fill("postcode", db.DemoPostcodes()["north-riverside"][0])
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text("main"); !strings.Contains(got, "Sessions in North Demoshire") || strings.Contains(got, "south community centre") {
		t.Fatalf("postcode search: %s", got)
	}
	auditA11y(t, b)
	b.continueTo("Defusing conflict and anti-social behaviour", fmt.Sprintf("/courses/sessions/%d", id))
	b.continueTo("Book a place", fmt.Sprintf("/courses/sessions/%d/book", id))

	// An error first, then the booking.
	b.continueTo("Book my place", fmt.Sprintf("/courses/sessions/%d/book", id))
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Enter your name") {
		t.Fatalf("error summary %q", got)
	}
	b.fillBooking("Sam Patel", "sam@example.org")
	b.continueTo("Book my place", "/courses/booked")
	if got := b.Text("main"); !strings.Contains(got, "Your place is booked") || !strings.Contains(got, "CRS-") {
		t.Fatalf("confirmation: %s", got)
	}
	manage := b.pressTo("Manage your booking", manageRE)

	b.continueTo("Move to another session", manage+"/move")
	b.pick("session")
	b.continueTo("Move my booking", manage)
	if got := b.Text("main"); !strings.Contains(got, "south community centre") {
		t.Fatalf("after moving: %s", got)
	}
	b.continueTo("Cancel your booking", manage+"/cancel")
	b.continueTo("Yes, cancel my booking", manage)
	if got := b.Text("main"); !strings.Contains(got, "Your booking is cancelled") {
		t.Fatalf("after cancelling: %s", got)
	}
}

// TestBookingWithoutJavaScript books a place with scripts blocked.
func TestBookingWithoutJavaScript(t *testing.T) {
	b := demoBrowser(t)
	id := courseSetUp(t, b, 1)
	b.DisableJavaScript()
	b.Visit(fmt.Sprintf("/courses/sessions/%d/book", id))
	b.fillBooking("Alex Jones", "alex@example.org")
	b.continueTo("Book my place", "/courses/booked")
	if got := b.Text("main"); !strings.Contains(got, "Your place is booked") {
		t.Fatalf("confirmation: %s", got)
	}
	// The session is now full: the next visitor sees the waiting list.
	b.Visit(fmt.Sprintf("/courses/sessions/%d", id))
	auditA11y(t, b)
	if got := b.Text("main"); !strings.Contains(got, "Join the waiting list") {
		t.Fatalf("full session: %s", got)
	}
}

// TestTrainerMarksAttendanceOnAPhone: a PCSO takes the register on a
// phone-sized screen; the other staff course pages pass axe too.
func TestTrainerMarksAttendanceOnAPhone(t *testing.T) {
	b := demoBrowser(t)
	ctx := context.Background()
	id := courseSetUp(t, b, 12)
	store := b.Srv.Store
	for i, name := range []string{"Kim Resident", "Lee Barworker"} {
		err := store.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.Book(ctx, db.NewBooking{SessionID: id, Reference: portal.NewCourseReference(), Now: time.Now(),
				LinkHash: portal.HashToken(portal.NewToken()), Input: portal.BookingInput{IdempotencyKey: fmt.Sprintf("%032x", i+1),
					Name: name, Email: fmt.Sprintf("p%d@example.org", i), Describes: "resident", Confidence: "2", Willingness: "2"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	pcso, err := store.CreateUser(ctx, db.NewUser{Email: "pcso@demoshire.police.example", Role: portal.RolePCSO, DisplayName: "Pat"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, pcso, []string{"north"}, nil) }); err != nil {
		t.Fatal(err)
	}
	signInAs(t, b, pcso)
	b.Run(chromedp.EmulateViewport(360, 740))
	register := fmt.Sprintf("/staff/courses/sessions/%d/register", id)
	b.Visit(register)
	auditA11y(t, b)
	b.pick("attendance-1")
	b.pick("attendance-2-no-show")
	b.continueTo("Save register", register)
	if got := b.Text("main"); !strings.Contains(got, "Register saved") {
		t.Fatalf("after saving: %s", got)
	}
	bookings, _ := store.SessionBookings(ctx, id, portal.Scope{All: true})
	marks := map[string]portal.Attendance{}
	for _, bk := range bookings {
		marks[bk.Name] = bk.Attendance
	}
	if marks["Kim Resident"] != portal.Attended || marks["Lee Barworker"] != portal.NoShow {
		t.Fatalf("register: %v", marks)
	}
	for _, p := range []string{"/staff/courses", fmt.Sprintf("/staff/courses/sessions/%d", id), "/staff/courses/evaluation"} {
		b.Visit(p)
		auditA11y(t, b)
	}
}

// TestCoursePagesPassAxe audits the remaining course pages: the admin and
// session forms with errors, cancelling a session, the invitation, the
// questionnaires and the calendar link.
func TestCoursePagesPassAxe(t *testing.T) {
	b := demoBrowser(t)
	ctx := context.Background()
	id := courseSetUp(t, b, 12)
	store := b.Srv.Store
	admin, err := store.CreateUser(ctx, db.NewUser{Email: "admin@demoshire.police.example", Role: portal.RoleForceAdmin, DisplayName: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	signInAs(t, b, admin)
	b.Visit("/admin/courses/new")
	auditA11y(t, b)
	b.continueTo("Save course", "/admin/courses/new")
	b.Visit("/staff/courses/sessions/new")
	auditA11y(t, b)
	b.continueTo("Save session", "/staff/courses/sessions/new")
	b.Visit(fmt.Sprintf("/staff/courses/sessions/%d/cancel", id))
	auditA11y(t, b)
	b.Visit(fmt.Sprintf("/staff/courses/sessions/%d/edit", id))
	auditA11y(t, b)

	// An invitation from a case, opened by the resident.
	token := portal.NewToken()
	d := &portal.ReportDraft{Key: strings.Repeat("9c", 16), CategoryCode: "noise",
		Postcode: strings.ReplaceAll(db.DemoPostcodes()["north-riverside"][0], " ", ""), NeighbourhoodCode: "north-riverside",
		Description: "Shouting", HappenedBefore: "no", Hate: "no", Anonymous: "no", Name: "Kim", Email: "kim@example.org",
		ContactPreference: "email", SafeToLeave: "yes"}
	rep, err := store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -1)})
	if err != nil {
		t.Fatal(err)
	}
	b.Visit("/staff/courses/invite?report=" + rep.Reference)
	auditA11y(t, b)
	b.continueTo("Send invitation", "/staff/courses/invite")
	invitee, err := store.ReportInvitee(ctx, rep.Reference, portal.Scope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	courses, _ := store.Courses(ctx, time.Now())
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CreateInvitation(ctx, db.NewInvitation{TokenHash: portal.HashToken(token), CourseID: courses[0].ID,
			Invitee: invitee, Name: "Kim", Email: "kim@example.org", ExpiresAt: time.Now().Add(time.Hour)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b.Visit("/courses/invitation/" + token)
	auditA11y(t, b)

	// A booking on a session that has ended, marked attended: the
	// questionnaire pages.
	link := portal.NewToken()
	var booking int64
	start := time.Now().Add(-100 * 24 * time.Hour)
	err = store.InTx(ctx, func(tx *db.Tx) error {
		past, err := tx.CreateSession(ctx, portal.SessionFields{CourseID: courses[0].ID, LPACode: "north", VenueName: "Old hall",
			VenueAddress: "2 Road", StartsAt: time.Now().Add(time.Hour), EndsAt: time.Now().Add(2 * time.Hour),
			BookingClosesAt: time.Now().Add(30 * time.Minute), Capacity: 5}, portal.Scope{All: true})
		if err != nil {
			return err
		}
		got, err := tx.Book(ctx, db.NewBooking{SessionID: past, Reference: portal.NewCourseReference(), Now: time.Now(),
			LinkHash: portal.HashToken(link), Input: portal.BookingInput{IdempotencyKey: strings.Repeat("f1", 16),
				Name: "Kim", Email: "kim@example.org", Describes: "reported_asb", Confidence: "1", Willingness: "1"}})
		booking = got.Booking.ID
		if err != nil {
			return err
		}
		if _, err := tx.MarkAttendance(ctx, past, portal.Scope{All: true}, []portal.RegisterMark{{BookingID: booking, Attendance: portal.Attended}}); err != nil {
			return err
		}
		// The session took place 100 days ago.
		return tx.UpdateSession(ctx, past, portal.SessionFields{CourseID: courses[0].ID, LPACode: "north", VenueName: "Old hall",
			VenueAddress: "2 Road", StartsAt: start, EndsAt: start.Add(2 * time.Hour), BookingClosesAt: start.Add(-time.Hour),
			Capacity: 5}, portal.Scope{All: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Visit("/courses/booking/" + link)
	auditA11y(t, b)
	b.continueTo("Answer 2 questions about the course", "/courses/booking/"+link+"/after")
	b.continueTo("Send answers", "/courses/booking/"+link+"/after")
	b.Visit("/courses/booking/" + link + "/follow-up")
	auditA11y(t, b)
}
