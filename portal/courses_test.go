package portal

import (
	"strings"
	"testing"
	"time"
)

func TestBookingInputValidate(t *testing.T) {
	ok := BookingInput{IdempotencyKey: strings.Repeat("ab", 16), Name: "Sam Patel", Email: "sam@example.org",
		Describes: "resident", Confidence: "2", Willingness: "3"}
	if fe := ok.Validate(); fe.Any() {
		t.Fatalf("valid booking refused: %v", fe)
	}
	tests := []struct {
		name   string
		change func(*BookingInput)
		field  string
	}{
		{"no name", func(in *BookingInput) { in.Name = "" }, "name"},
		{"long name", func(in *BookingInput) { in.Name = strings.Repeat("a", 101) }, "name"},
		{"bad email", func(in *BookingInput) { in.Email = "sam@" }, "email"},
		{"bad phone", func(in *BookingInput) { in.Phone = "call me" }, "phone"},
		{"no describes", func(in *BookingInput) { in.Describes = "" }, "describes"},
		{"unknown describes", func(in *BookingInput) { in.Describes = "mayor" }, "describes"},
		{"long access needs", func(in *BookingInput) { in.AccessNeeds = strings.Repeat("x", 501) }, "access-needs"},
		{"confidence 0", func(in *BookingInput) { in.Confidence = "0" }, "confidence"},
		{"willingness 6", func(in *BookingInput) { in.Willingness = "6" }, "willingness"},
		{"expired key", func(in *BookingInput) { in.IdempotencyKey = "x" }, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.change(&in)
			if fe := in.Validate(); fe[tt.field] == "" {
				t.Fatalf("want an error on %s, got %v", tt.field, fe)
			}
		})
	}
}

func TestSessionInputParse(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, london)
	in := SessionInput{CourseID: "1", LPACode: "north", VenueName: "Hall", VenueAddress: "1 Mill Lane",
		Date: "2026-03-14", StartTime: "18:30", EndTime: "20:30", ClosesDate: "2026-03-13", ClosesTime: "12:00", Capacity: "12"}
	f, fe := in.Parse(london, now, true)
	if fe.Any() {
		t.Fatalf("valid session refused: %v", fe)
	}
	if want := time.Date(2026, 3, 14, 18, 30, 0, 0, london); !f.StartsAt.Equal(want) || f.Capacity != 12 {
		t.Fatalf("parsed %+v", f)
	}
	tests := []struct {
		name   string
		change func(*SessionInput)
		field  string
	}{
		{"no course", func(in *SessionInput) { in.CourseID = "" }, "course"},
		{"no venue", func(in *SessionInput) { in.VenueName = "" }, "venue"},
		{"bad date", func(in *SessionInput) { in.Date = "2026-02-30" }, "date"},
		{"past", func(in *SessionInput) { in.Date = "2026-02-01"; in.ClosesDate = "2026-01-31" }, "date"},
		{"ends first", func(in *SessionInput) { in.EndTime = "18:00" }, "end"},
		{"closes after start", func(in *SessionInput) { in.ClosesDate = "2026-03-15" }, "closes-date"},
		{"capacity 0", func(in *SessionInput) { in.Capacity = "0" }, "capacity"},
		{"capacity words", func(in *SessionInput) { in.Capacity = "twelve" }, "capacity"},
		{"map not https", func(in *SessionInput) { in.MapURL = "javascript:alert(1)" }, "map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := in
			tt.change(&in)
			if _, fe := in.Parse(london, now, true); fe[tt.field] == "" {
				t.Fatalf("want an error on %s, got %v", tt.field, fe)
			}
		})
	}
}

func TestBookingRules(t *testing.T) {
	start := time.Date(2026, 3, 14, 18, 30, 0, 0, london)
	s := CourseSession{StartsAt: start, EndsAt: start.Add(2 * time.Hour), BookingClosesAt: start.Add(-time.Hour), Capacity: 12, Booked: 12}
	if !s.Full() || s.PlacesLeft() != 0 {
		t.Fatal("a session with every place taken is full")
	}
	b := Booking{Status: BookingConfirmed}
	if !b.CanChange(s, start.Add(-time.Minute)) || b.CanChange(s, start) {
		t.Fatal("a booking changes until the session starts")
	}
	if (Booking{Status: BookingCancelled}).CanChange(s, start.Add(-time.Hour)) {
		t.Fatal("a cancelled booking cannot change")
	}
	o := Booking{Status: BookingOffered, OfferExpiresAt: start.Add(-3 * time.Hour)}
	if !o.CanAccept(start.Add(-4*time.Hour)) || o.CanAccept(start.Add(-3*time.Hour)) {
		t.Fatal("an offer is taken only before it expires")
	}
	if got := s.When(); got != "Saturday 14 March 2026, 6:30pm to 8:30pm" {
		t.Fatalf("When = %q", got)
	}
	if !ValidCourseReference(NewCourseReference()) || ValidCourseReference("CRS-0000-0000") {
		t.Fatal("course references")
	}
	if !ValidToken(NewToken()) || ValidToken("short") {
		t.Fatal("tokens")
	}
}

func TestEvaluate(t *testing.T) {
	answers := []EvaluationAnswers{
		{Status: BookingConfirmed, SessionEnded: true, Attendance: Attended, ConfidenceBefore: 2, WillingnessBefore: 1,
			ConfidenceAfter: 4, WillingnessAfter: 3, ConfidenceFollowUp: 5, WillingnessFollowUp: 4, Used: "yes", Resolved: "yes"},
		{Status: BookingConfirmed, SessionEnded: true, Attendance: NoShow, ConfidenceBefore: 3, WillingnessBefore: 3},
		{Invited: true, Status: BookingConfirmed, SessionEnded: true, Attendance: Attended, ConfidenceBefore: 1,
			WillingnessBefore: 2, ConfidenceAfter: 3, Used: "no", Resolved: "no"},
		{Status: BookingWaiting, ConfidenceBefore: 5, WillingnessBefore: 5},
		{Status: BookingCancelled, ConfidenceBefore: 5, WillingnessBefore: 5},
		{Status: BookingConfirmed, ConfidenceBefore: 4, WillingnessBefore: 4}, // session still to come
	}
	e := Evaluate(answers)
	a := e.All
	if a.Bookings != 4 || a.Waiting != 1 || a.Cancelled != 1 {
		t.Fatalf("counts %+v", a)
	}
	if a.Attendance != (Share{Yes: 2, N: 3}) || a.Attendance.String() != "67%" {
		t.Fatalf("attendance %+v", a.Attendance)
	}
	if a.ConfidenceBefore != (Mean{Sum: 10, N: 4}) || a.ConfidenceBefore.String() != "2.5" {
		t.Fatalf("confidence before %+v", a.ConfidenceBefore)
	}
	if a.ConfidenceAfter != (Mean{Sum: 7, N: 2}) || a.ConfidenceFollowUp != (Mean{Sum: 5, N: 1}) {
		t.Fatalf("after %+v, follow-up %+v", a.ConfidenceAfter, a.ConfidenceFollowUp)
	}
	if a.Resolved != (Share{Yes: 1, N: 2}) {
		t.Fatalf("resolved %+v", a.Resolved)
	}
	if e.Invited.Bookings != 1 || e.Others.Bookings != 3 || e.Invited.ConfidenceAfter.Value() != 3 {
		t.Fatalf("groups: invited %+v, others %+v", e.Invited, e.Others)
	}
	if (Mean{}).String() != "No answers" || (Share{}).String() != "No data" {
		t.Fatal("empty figures")
	}
}

func TestICalendarEscapesAndFolds(t *testing.T) {
	start := time.Date(2026, 7, 14, 18, 30, 0, 0, london)
	s := CourseSession{ID: 7, CourseTitle: "Defusing conflict; calmly, safely", Provider: "Dfuse",
		VenueName: "Hall", VenueAddress: "1 Mill Lane, Riverside", Accessibility: strings.Repeat("Step-free access é ", 10),
		StartsAt: start, EndsAt: start.Add(2 * time.Hour)}
	got := string(ICalendar("Courses", "beacon.example.org", start, []CalendarEvent{{Session: s, URL: "https://beacon.example.org/courses/sessions/7"}}))
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "UID:course-session-7@beacon.example.org\r\n",
		"DTSTART:20260714T173000Z\r\n", `SUMMARY:Defusing conflict\; calmly\, safely`, "STATUS:CONFIRMED"} {
		if !strings.Contains(got, want) {
			t.Fatalf("calendar lacks %q:\n%s", want, got)
		}
	}
	for _, line := range strings.Split(got, "\r\n") {
		if len(line) > 75 {
			t.Fatalf("line of %d octets: %q", len(line), line)
		}
	}
}
