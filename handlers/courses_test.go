package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// testClock is a controllable clock for Config.Now.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// courseWorld is the demo geography with a force admin, a sergeant and a
// PCSO of LPA north, a PCSO of LPA south, one course and a session in the
// north ten days ahead, on a server with a controllable clock.
type courseWorld struct {
	s                                *handlerstest.Server
	clock                            *testClock
	admin, sergeant, pcso, southPCSO int64
	course, session                  int64
}

func newCourseWorld(t *testing.T, capacity int, opts ...handlerstest.Option) *courseWorld {
	t.Helper()
	ctx := context.Background()
	w := &courseWorld{clock: &testClock{now: time.Now().Truncate(time.Minute)}}
	opts = append(opts, func(c *handlers.Config) {
		c.Now = w.clock.Now
		c.Limits.CourseBookings = portal.Limit{Name: "course-bookings"} // unlimited: tests book from one address
	})
	w.s = newServer(t, opts...)
	store := w.s.Store
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	user := func(email string, role portal.Role, lpa string) int64 {
		id, err := store.CreateUser(ctx, db.NewUser{Email: email, Role: role, DisplayName: email})
		if err != nil {
			t.Fatal(err)
		}
		if lpa != "" {
			if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, []string{lpa}, nil) }); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	w.admin = user("admin@police.example", portal.RoleForceAdmin, "")
	w.sergeant = user("sergeant@police.example", portal.RoleSergeant, "north")
	w.pcso = user("pcso@police.example", portal.RolePCSO, "north")
	w.southPCSO = user("south@police.example", portal.RolePCSO, "south")
	start := w.clock.Now().Add(10 * 24 * time.Hour)
	err := store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if w.course, err = tx.CreateCourse(ctx, portal.CourseInput{Title: "Defusing conflict and anti-social behaviour",
			Description: "How to stay safe and calm a situation.", Provider: "Dfuse", Audience: "Anyone"}); err != nil {
			return err
		}
		w.session, err = tx.CreateSession(ctx, portal.SessionFields{CourseID: w.course, LPACode: "north",
			VenueName: "Riverside Community Centre", VenueAddress: "1 Mill Lane", VenuePostcode: "DM1 1AB",
			Accessibility: "Step-free access", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
			BookingClosesAt: start.Add(-24 * time.Hour), Capacity: capacity}, portal.Scope{All: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *courseWorld) sessionPath() string { return fmt.Sprintf("/courses/sessions/%d", w.session) }

func (w *courseWorld) staff(t *testing.T, id int64) *handlerstest.Client {
	c := w.s.Client(t)
	c.SignIn(id)
	return c
}

var (
	bookingKeyRE  = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)
	manageLinkRE  = regexp.MustCompile(`/courses/booking/[A-Za-z0-9_-]{43}`)
	inviteLinkRE  = regexp.MustCompile(`/courses/invitation/[A-Za-z0-9_-]{43}`)
	bookingFormRE = regexp.MustCompile(`action="(/courses/sessions/[0-9]+/book)"`)
)

// bookingForm is a valid booking for person i.
func bookingForm(i int, key string) url.Values {
	return url.Values{"idempotency_key": {key}, "name": {fmt.Sprintf("Person %d", i)},
		"email": {fmt.Sprintf("person%d@example.org", i)}, "describes": {"resident"},
		"confidence": {"2"}, "willingness": {"3"}}
}

// book books a place as a new visitor and returns their client.
func (w *courseWorld) book(t *testing.T, i int) *handlerstest.Client {
	t.Helper()
	c := w.s.Client(t)
	page := c.Get(w.sessionPath()+"/book").Status(t, 200)
	key := bookingKeyRE.FindStringSubmatch(page.Body)[1]
	c.PostForm(w.sessionPath()+"/book", bookingForm(i, key)).Status(t, 303)
	return c
}

// lastEmail is the newest email to addr.
func (w *courseWorld) lastEmail(t *testing.T, addr string) db.OutboxMessage {
	t.Helper()
	ms, err := w.s.Store.OutboxMessages(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Recipient == addr {
			return m
		}
	}
	t.Fatalf("no email to %s", addr)
	return db.OutboxMessage{}
}

func (w *courseWorld) sessionNow(t *testing.T) portal.CourseSession {
	t.Helper()
	s, err := w.s.Store.Session(context.Background(), w.session)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func parseICS(t *testing.T, data []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("iCalendar does not parse: %v\n%s", err, data)
	}
	return cal
}

func TestCourseBookingJourney(t *testing.T) {
	w := newCourseWorld(t, 1)
	c := w.s.Client(t)
	c.Get("/courses").Status(t, 200).Contains(t, "Free courses on defusing conflict", "Riverside Community Centre", "1 place left")
	c.Get("/courses?postcode=DM1+1AB").Status(t, 200).Contains(t, "Sessions in North Demoshire")
	c.Get("/courses?postcode=XX").Status(t, 422).Contains(t, "There is a problem", "Enter a real postcode", `href="#postcode"`)
	c.Get("/courses?lpa=south").Status(t, 200).Contains(t, "no sessions planned")
	c.Get(w.sessionPath()).Status(t, 200).Contains(t, "Step-free access", "Book a place", "1 of 1 left")

	form := c.Get(w.sessionPath()+"/book").Status(t, 200)
	key := bookingKeyRE.FindStringSubmatch(form.Body)[1]
	bad := url.Values{"idempotency_key": {key}, "name": {"<b>Sam</b>"}, "email": {"sam@"}, "access-needs": {"Hearing loop"}}
	c.PostForm(w.sessionPath()+"/book", bad).Status(t, 422).Contains(t, "There is a problem", "Enter an email address in the correct format",
		"Select which best describes you", "Select how confident you feel", `href="#describes"`, "&lt;b&gt;Sam&lt;/b&gt;", "Hearing loop")
	good := bookingForm(1, key)
	good.Set("access-needs", "Hearing loop")
	r := c.PostForm(w.sessionPath()+"/book", good).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != "/courses/booked" {
		t.Fatalf("Location %q", loc)
	}
	page := c.Get("/courses/booked").Status(t, 200).Contains(t, "Your place is booked", "CRS-", "Manage your booking").Body
	// A double click books nothing more.
	c.PostForm(w.sessionPath()+"/book", good).Status(t, 303)
	if s := w.sessionNow(t); s.Booked != 1 {
		t.Fatalf("booked %d after a repeated submission", s.Booked)
	}
	m := w.lastEmail(t, "person1@example.org")
	if !strings.Contains(m.Subject, "Your place is booked") || len(m.Attachments) != 1 || strings.Contains(m.Text, "Hearing loop") {
		t.Fatalf("confirmation email: %q, %d attachments\n%s", m.Subject, len(m.Attachments), m.Text)
	}
	cal := parseICS(t, m.Attachments[0].Data)
	if ev := cal.Events(); len(ev) != 1 || ev[0].GetProperty(ics.ComponentPropertySummary).Value != "Defusing conflict and anti-social behaviour" {
		t.Fatalf("attachment events: %+v", ev)
	} else if start, err := ev[0].GetStartAt(); err != nil || !start.Equal(w.sessionNow(t).StartsAt) {
		t.Fatalf("DTSTART %v (%v)", start, err)
	}
	manage := manageLinkRE.FindString(m.Text)
	if manage == "" || !strings.Contains(page, manageLinkRE.FindString(page)) {
		t.Fatal("no manage link")
	}

	// The session is full: the next person joins the waiting list.
	other := w.s.Client(t)
	form = other.Get(w.sessionPath()+"/book").Status(t, 200).Contains(t, "Join the waiting list")
	key2 := bookingKeyRE.FindStringSubmatch(form.Body)[1]
	other.PostForm(w.sessionPath()+"/book", bookingForm(2, key2)).Status(t, 303)
	other.Get("/courses/booked").Status(t, 200).Contains(t, "You are on the waiting list", "number 1 in the queue")
	if m := w.lastEmail(t, "person2@example.org"); len(m.Attachments) != 0 || !strings.Contains(m.Subject, "waiting list") {
		t.Fatalf("waiting-list email %q with %d attachments", m.Subject, len(m.Attachments))
	}

	// Person 1 cancels: person 2 is offered the place and takes it.
	anon := w.s.Client(t)
	anon.Get(manage).Status(t, 200).Contains(t, "Place confirmed", "Hearing loop", "Cancel your booking", "Move to another session")
	anon.Get(manage+"/move").Status(t, 200).Contains(t, "no other sessions of this course")
	anon.Get(manage+"/cancel").Status(t, 200).Contains(t, "Are you sure you want to cancel?")
	anon.PostForm(manage+"/cancel", nil).Status(t, 303)
	anon.Get(manage).Status(t, 200).Contains(t, "Your booking is cancelled", "Cancelled")
	if m := w.lastEmail(t, "person1@example.org"); !strings.Contains(m.Subject, "cancelled") {
		t.Fatalf("cancellation email %q", m.Subject)
	}
	offer := w.lastEmail(t, "person2@example.org")
	if !strings.Contains(offer.Subject, "A place has come free") {
		t.Fatalf("offer email %q", offer.Subject)
	}
	link := manageLinkRE.FindString(offer.Text)
	anon.Get(link).Status(t, 200).Contains(t, "A place has come free for you", "Take the place")
	anon.PostForm(link+"/accept", nil).Status(t, 303)
	anon.Get(link).Status(t, 200).Contains(t, "Your place is confirmed")
	if s := w.sessionNow(t); s.Booked != 1 || s.Waiting != 0 {
		t.Fatalf("after the offer was taken: booked %d, waiting %d", s.Booked, s.Waiting)
	}
	c.Get("/courses/booking/"+strings.Repeat("A", 43)).Status(t, 404)
}

// TestMoveToAnotherSession moves a booking and passes its place on.
func TestMoveToAnotherSession(t *testing.T) {
	w := newCourseWorld(t, 1)
	ctx := context.Background()
	var second int64
	start := w.clock.Now().Add(20 * 24 * time.Hour)
	if err := w.s.Store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		second, err = tx.CreateSession(ctx, portal.SessionFields{CourseID: w.course, LPACode: "south", VenueName: "Harbour Hall",
			VenueAddress: "2 Quay", StartsAt: start, EndsAt: start.Add(2 * time.Hour), BookingClosesAt: start.Add(-time.Hour),
			Capacity: 5}, portal.Scope{All: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w.book(t, 1)
	w.book(t, 2) // waiting
	link := manageLinkRE.FindString(w.lastEmail(t, "person1@example.org").Text)
	c := w.s.Client(t)
	c.Get(link+"/move").Status(t, 200).Contains(t, "Which session do you want to move to?", "Harbour Hall")
	c.PostForm(link+"/move", url.Values{}).Status(t, 422).Contains(t, "Select the session you want to move to")
	c.PostForm(link+"/move", url.Values{"session": {fmt.Sprint(second)}}).Status(t, 303)
	c.Get(link).Status(t, 200).Contains(t, "Your booking has moved", "Harbour Hall")
	if m := w.lastEmail(t, "person1@example.org"); len(m.Attachments) != 1 || !strings.Contains(m.Text, "Harbour Hall") {
		t.Fatalf("move email %q", m.Subject)
	}
	if m := w.lastEmail(t, "person2@example.org"); !strings.Contains(m.Subject, "A place has come free") {
		t.Fatalf("the freed place was not offered: %q", m.Subject)
	}
}

// TestTwoHundredConcurrentBookings: 200 people book a 12-place session at
// once, each in their own browser session with their own CSRF token.
func TestTwoHundredConcurrentBookings(t *testing.T) {
	w := newCourseWorld(t, 12)
	const n = 200
	clients := make([]*handlerstest.Client, n)
	keys := make([]string, n)
	for i := range n {
		clients[i] = w.s.Client(t)
		keys[i] = bookingKeyRE.FindStringSubmatch(clients[i].Get(w.sessionPath()+"/book").Status(t, 200).Body)[1]
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = clients[i].PostForm(w.sessionPath()+"/book", bookingForm(i, keys[i])).StatusCode
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("200 concurrent bookings answered in %v", time.Since(began).Round(time.Millisecond))
	for i, code := range codes {
		if code != 303 {
			t.Fatalf("booking %d: status %d", i, code)
		}
	}
	bookings, err := w.s.Store.SessionBookings(context.Background(), w.session, portal.Scope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	count := map[portal.BookingStatus]int{}
	for _, b := range bookings {
		count[b.Status]++
	}
	if count[portal.BookingConfirmed] != 12 || count[portal.BookingWaiting] != 188 || len(bookings) != 200 {
		t.Fatalf("statuses %v of %d bookings; want 12 confirmed and 188 waiting", count, len(bookings))
	}
	if s := w.sessionNow(t); s.Booked != 12 || s.Waiting != 188 {
		t.Fatalf("session booked %d, waiting %d", s.Booked, s.Waiting)
	}
	if logs := w.s.Logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Fatalf("errors logged:\n%s", logs)
	}
}
