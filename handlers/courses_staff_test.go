package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/portal"
)

// TestOfferPassesOnAndEmailsFollowTheClock: an offer not taken in time
// passes on; the reminder, the end-of-course questionnaire and the
// three-month follow-up go out once each, when due.
func TestOfferPassesOnAndEmailsFollowTheClock(t *testing.T) {
	w := newCourseWorld(t, 1, func(c *handlers.Config) { c.CourseOfferHold = 24 * time.Hour })
	ctx := context.Background()
	w.book(t, 1)
	w.book(t, 2)
	w.book(t, 3)
	c := w.s.Client(t)
	link1 := manageLinkRE.FindString(w.lastEmail(t, "person1@example.org").Text)
	c.Get(link1+"/cancel").Status(t, 200)
	c.PostForm(link1+"/cancel", nil).Status(t, 303)
	c.Get(link1).Status(t, 200).Contains(t, "Your booking is cancelled")
	offer := w.lastEmail(t, "person2@example.org")
	if !strings.Contains(offer.Subject, "A place has come free") {
		t.Fatalf("no offer to the first in line: %q", offer.Subject)
	}
	link2 := manageLinkRE.FindString(offer.Text)
	w.clock.Add(23 * time.Hour)
	if got, err := w.s.Handler.CourseJobs(ctx); err != nil || got.Lapsed != 0 {
		t.Fatalf("jobs before the hold ends: %+v, %v", got, err)
	}
	w.clock.Add(2 * time.Hour)
	got, err := w.s.Handler.CourseJobs(ctx)
	if err != nil || got.Lapsed != 1 || got.Offered != 1 {
		t.Fatalf("jobs after the hold: %+v, %v", got, err)
	}
	c.PostForm(link2+"/accept", nil).Status(t, 303)
	c.Get(link2).Status(t, 200).Contains(t, "Sorry, this offer has ended", "Offer ended")
	link3 := manageLinkRE.FindString(w.lastEmail(t, "person3@example.org").Text)
	c.Get(link3).Status(t, 200).Contains(t, "Take the place")
	c.PostForm(link3+"/accept", nil).Status(t, 303)

	// Two days before: one reminder, with the calendar file.
	w.clock.Add(8 * 24 * time.Hour)
	if got, _ := w.s.Handler.CourseJobs(ctx); got.Reminders != 1 {
		t.Fatalf("reminders %+v", got)
	}
	if got, _ := w.s.Handler.CourseJobs(ctx); got.Reminders != 0 {
		t.Fatal("reminder sent twice")
	}
	if m := w.lastEmail(t, "person3@example.org"); !strings.HasPrefix(m.Subject, "Reminder") || len(m.Attachments) != 1 {
		t.Fatalf("reminder %q", m.Subject)
	}
	// The trainer marks the register; after the session, the questionnaire.
	sergeant := w.staff(t, w.sergeant)
	bookings, _ := w.s.Store.SessionBookings(ctx, w.session, portal.Scope{All: true})
	var confirmed int64
	for _, b := range bookings {
		if b.Status == portal.BookingConfirmed {
			confirmed = b.ID
		}
	}
	reg := fmt.Sprintf("/staff/courses/sessions/%d/register", w.session)
	sergeant.Get(reg).Status(t, 200).Contains(t, "Person 3", "Attended", "Did not come")
	sergeant.PostForm(reg, url.Values{fmt.Sprintf("attendance-%d", confirmed): {"attended"}}).Status(t, 303)
	sergeant.Get(reg).Status(t, 200).Contains(t, "Register saved", "checked")
	w.clock.Add(3 * 24 * time.Hour)
	if got, _ := w.s.Handler.CourseJobs(ctx); got.After != 1 {
		t.Fatalf("after-course emails %+v", got)
	}
	after := regexpFind(t, w.lastEmail(t, "person3@example.org").Text, manageLinkRE.String()+"/after")
	c.Get(after).Status(t, 200).Contains(t, portal.QuestionConfidence)
	c.PostForm(after, url.Values{"confidence": {"9"}}).Status(t, 422).Contains(t, "Select how confident you feel", "Select how willing")
	c.PostForm(after, url.Values{"confidence": {"4"}, "willingness": {"4"}}).Status(t, 303)
	w.clock.Add(92 * 24 * time.Hour)
	if got, _ := w.s.Handler.CourseJobs(ctx); got.FollowUps != 1 {
		t.Fatalf("follow-ups %+v", got)
	}
	follow := regexpFind(t, w.lastEmail(t, "person3@example.org").Text, manageLinkRE.String()+"/follow-up")
	c.Get(follow).Status(t, 200).Contains(t, portal.QuestionResolved, portal.QuestionUsed)
	c.PostForm(follow, url.Values{"confidence": {"5"}, "willingness": {"4"}, "used": {"yes"}, "resolved": {"yes"}}).Status(t, 303)
	c.Get(follow).Status(t, 303) // answered: back to the booking
	if n := caseAudit(t, w.s, "course.register.save", ""); n != 0 {
		t.Fatal("audit rows filed under the wrong target")
	}
}

func regexpFind(t *testing.T, text, pattern string) string {
	t.Helper()
	i := strings.Index(text, "/courses/booking/")
	for i >= 0 {
		cand := text[i:]
		if end := strings.IndexAny(cand, " \n"); end > 0 {
			cand = cand[:end]
		}
		if strings.HasSuffix(cand, pattern[strings.LastIndex(pattern, "/"):]) {
			return cand
		}
		next := strings.Index(text[i+1:], "/courses/booking/")
		if next < 0 {
			break
		}
		i += next + 1
	}
	t.Fatalf("no link like %s in:\n%s", pattern, text)
	return ""
}

// TestEvaluationFiguresComeFromTheData builds bookings with known answers
// and checks the page and CSV against figures computed here.
func TestEvaluationFiguresComeFromTheData(t *testing.T) {
	w := newCourseWorld(t, 20)
	ctx := context.Background()
	type person struct {
		invited               bool
		before, after, follow int
		attended              bool
		resolved              string
	}
	people := []person{
		{false, 2, 4, 4, true, "yes"}, {false, 3, 4, 0, true, ""}, {false, 1, 0, 0, false, ""},
		{true, 1, 3, 5, true, "yes"}, {true, 2, 0, 0, true, "no"}, {false, 4, 5, 5, true, "no"},
	}
	store := w.s.Store
	inv := portal.NewToken()
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CreateInvitation(ctx, db.NewInvitation{TokenHash: portal.HashToken(inv), CourseID: w.course,
			Invitee: db.Invitee{CaseID: 0, ReportID: 0}, Email: "x@example.org", ExpiresAt: w.clock.Now().Add(time.Hour)})
		return err
	}); err == nil {
		t.Fatal("an invitation needs a report or a case")
	}
	ref := caseReport(t, w.s, "north-riverside", 1)
	inviteeOf, err := store.ReportInvitee(ctx, ref, portal.Scope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CreateInvitation(ctx, db.NewInvitation{TokenHash: portal.HashToken(inv), CourseID: w.course,
			Invitee: inviteeOf, Email: "x@example.org", ExpiresAt: w.clock.Now().Add(time.Hour)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var marks []portal.RegisterMark
	for i, p := range people {
		in := portal.BookingInput{IdempotencyKey: fmt.Sprintf("%032x", 0xe0+i), Name: fmt.Sprint("P", i),
			Email: fmt.Sprintf("e%d@example.org", i), Describes: "resident", Confidence: fmt.Sprint(p.before), Willingness: "3"}
		nb := db.NewBooking{SessionID: w.session, Input: in, Reference: portal.NewCourseReference(),
			LinkHash: portal.HashToken(portal.NewToken()), Now: w.clock.Now()}
		if p.invited {
			nb.InviteHash = portal.HashToken(inv)
		}
		var b db.Booked
		if err := store.InTx(ctx, func(tx *db.Tx) (err error) { b, err = tx.Book(ctx, nb); return err }); err != nil {
			t.Fatal(err)
		}
		a := portal.NoShow
		if p.attended {
			a = portal.Attended
		}
		marks = append(marks, portal.RegisterMark{BookingID: b.Booking.ID, Attendance: a})
		if p.after > 0 {
			if err := store.SaveAfterCourse(ctx, b.Booking.ID, portal.AfterInput{Confidence: fmt.Sprint(p.after), Willingness: "4"}); err != nil {
				t.Fatal(err)
			}
		}
		if p.follow > 0 {
			if err := store.SaveFollowUp(ctx, b.Booking.ID, portal.FollowUpInput{Confidence: fmt.Sprint(p.follow),
				Willingness: "4", Used: "yes", Resolved: p.resolved}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.MarkAttendance(ctx, w.session, portal.Scope{All: true}, marks)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(11 * 24 * time.Hour) // the session is over

	// The figures, computed directly from the people above.
	var bookings, attended, beforeSum, afterSum, afterN, followSum, followN, resolvedYes, resolvedN, invited int
	for _, p := range people {
		bookings++
		beforeSum += p.before
		if p.attended {
			attended++
		}
		if p.after > 0 {
			afterSum += p.after
			afterN++
		}
		if p.follow > 0 {
			followSum += p.follow
			followN++
			resolvedN++
			if p.resolved == "yes" {
				resolvedYes++
			}
		}
		if p.invited {
			invited++
		}
	}
	f1 := func(sum, n int) string { return fmt.Sprintf("%.2f", float64(sum)/float64(n)) }
	c := w.staff(t, w.pcso)
	page := c.Get("/staff/courses/evaluation").Status(t, 200).Body
	for _, want := range []string{
		fmt.Sprintf("%.0f%%", 100*float64(attended)/float64(bookings)),
		fmt.Sprintf("(%d of %d)", attended, bookings),
		fmt.Sprintf("%.1f", float64(beforeSum)/float64(bookings)), fmt.Sprintf("(n=%d)", bookings),
		fmt.Sprintf("%.1f", float64(afterSum)/float64(afterN)), fmt.Sprintf("(n=%d)", afterN),
	} {
		if !strings.Contains(page, want) {
			t.Fatalf("evaluation page lacks %q", want)
		}
	}
	r := c.Get("/staff/courses/evaluation.csv?course="+fmt.Sprint(w.course)+"&lpa=north").Status(t, 200)
	rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, row := range rows {
		got[row[0]] = row[1:]
	}
	want := map[string]string{
		"places booked":                       fmt.Sprint(bookings),
		"attended":                            fmt.Sprint(attended),
		"attendance n":                        fmt.Sprint(bookings),
		"confidence before":                   f1(beforeSum, bookings),
		"confidence after":                    f1(afterSum, afterN),
		"confidence after n":                  fmt.Sprint(afterN),
		"confidence at 3 months":              f1(followSum, followN),
		"confidence at 3 months n":            fmt.Sprint(followN),
		"resolved a problem without police %": fmt.Sprintf("%.1f", 100*float64(resolvedYes)/float64(resolvedN)),
		"resolved a problem without police n": fmt.Sprint(resolvedN),
	}
	for k, v := range want {
		if len(got[k]) == 0 || got[k][0] != v {
			t.Fatalf("CSV %q = %v, want %s", k, got[k], v)
		}
	}
	if got["places booked"][1] != fmt.Sprint(invited) || got["places booked"][2] != fmt.Sprint(bookings-invited) {
		t.Fatalf("invited shown separately: %v", got["places booked"])
	}
	if n := caseAuditAction(t, w, "course.evaluation.export"); n != 1 {
		t.Fatalf("%d export audit rows", n)
	}
	// Another LPA's staff see none of it.
	south := w.staff(t, w.southPCSO)
	south.Get("/staff/courses/evaluation").Status(t, 200).Contains(t, "(n=0)")
}

func caseAuditAction(t *testing.T, w *courseWorld, action string) int {
	t.Helper()
	rows, err := w.s.Store.AuditLog(context.Background(), db.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

func TestCourseFeedParses(t *testing.T) {
	w := newCourseWorld(t, 5)
	r := w.s.Client(t).Get("/courses/calendar.ics").Status(t, 200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("Content-Type %q", ct)
	}
	cal := parseICS(t, []byte(r.Body))
	ev := cal.Events()
	if len(ev) != 1 || ev[0].Id() != fmt.Sprintf("course-session-%d@127.0.0.1", w.session) {
		t.Fatalf("events %d, first %q", len(ev), ev[0].Id())
	}
	if loc := ev[0].GetProperty(ics.ComponentPropertyLocation).Value; !strings.Contains(loc, "Riverside Community Centre") {
		t.Fatalf("LOCATION %q", loc)
	}
}

func TestStaffRunCoursesAndSessions(t *testing.T) {
	w := newCourseWorld(t, 2)
	admin := w.staff(t, w.admin)
	admin.Get("/admin/courses/new").Status(t, 200).Contains(t, "Add a course")
	admin.PostForm("/admin/courses/new", url.Values{"title": {"Street safety"}}).Status(t, 422).
		Contains(t, "Enter a description of the course", "Enter who runs the course", `value="Street safety"`)
	admin.PostForm("/admin/courses/new", url.Values{"title": {"Street safety"}, "description": {"Night-time economy"},
		"provider": {"Dfuse"}, "audience": {"Bar staff"}}).Status(t, 303)
	edit := fmt.Sprintf("/admin/courses/%d/edit", w.course)
	admin.Get(edit).Status(t, 200).Contains(t, "Change a course", "Dfuse")
	admin.PostForm(edit, url.Values{"title": {"Defusing conflict"}, "description": {"Calm"}, "provider": {"Dfuse"},
		"audience": {"Anyone"}}).Status(t, 303)
	admin.Get("/staff/courses").Status(t, 200).Contains(t, "Course saved", "Street safety", "Defusing conflict")

	sergeant := w.staff(t, w.sergeant)
	sergeant.Get("/admin/courses/new").Status(t, 403)
	sergeant.Get("/staff/courses/sessions/new").Status(t, 200).Contains(t, "Add a session", "North Demoshire")
	day := w.clock.Now().AddDate(0, 0, 14).Format("2006-01-02")
	form := url.Values{"course": {fmt.Sprint(w.course)}, "lpa": {"south"}, "venue": {"Hall"}, "address": {"1 Road"},
		"date": {day}, "start": {"18:00"}, "end": {"17:00"}, "closes-date": {day}, "closes-time": {"12:00"}, "capacity": {"10"}}
	sergeant.PostForm("/staff/courses/sessions/new", form).Status(t, 422).Contains(t, "The end time must be after the start time")
	form.Set("end", "20:00")
	sergeant.PostForm("/staff/courses/sessions/new", form).Status(t, 422).Contains(t, "Select a local policing area you work in")
	form.Set("lpa", "north")
	r := sergeant.PostForm("/staff/courses/sessions/new", form).Status(t, 303)
	sessionPage := r.Header.Get("Location")
	sergeant.Get(sessionPage).Status(t, 200).Contains(t, "Session saved", "Nobody has booked yet")

	// The first session: two booked, one waiting; raising capacity offers a place.
	w.book(t, 1)
	w.book(t, 2)
	w.book(t, 3)
	own := fmt.Sprintf("/staff/courses/sessions/%d", w.session)
	pcso := w.staff(t, w.pcso)
	pcso.Get(own).Status(t, 200).Contains(t, "Person 1", "person1@example.org", "On the waiting list")
	pcso.Get(own+"/edit").Status(t, 403)
	w.staff(t, w.southPCSO).Get(own).Status(t, 404)
	edit = own + "/edit"
	page := sergeant.Get(edit).Status(t, 200).Body
	values := url.Values{}
	for _, f := range []string{"venue", "address", "postcode", "map", "date", "start", "end", "closes-date", "closes-time"} {
		if m := regexpValue(page, f); m != "" {
			values.Set(f, m)
		}
	}
	values.Set("course", fmt.Sprint(w.course))
	values.Set("lpa", "north")
	values.Set("capacity", "1")
	sergeant.PostForm(edit, values).Status(t, 422).Contains(t, "cannot be fewer than the places already taken")
	values.Set("capacity", "3")
	sergeant.PostForm(edit, values).Status(t, 303)
	if m := w.lastEmail(t, "person3@example.org"); !strings.Contains(m.Subject, "A place has come free") {
		t.Fatalf("raising capacity offered nothing: %q", m.Subject)
	}
	// Cancelling the session tells everyone booked.
	sergeant.Get(own+"/cancel").Status(t, 200).Contains(t, "Cancel this session")
	sergeant.PostForm(own+"/cancel", nil).Status(t, 303)
	sergeant.Get(own).Status(t, 200).Contains(t, "3 people have been emailed", "Cancelled")
	for i := 1; i <= 3; i++ {
		if m := w.lastEmail(t, fmt.Sprintf("person%d@example.org", i)); !strings.HasPrefix(m.Subject, "Session cancelled") {
			t.Fatalf("person %d: %q", i, m.Subject)
		}
	}
	w.s.Client(t).Get(w.sessionPath()).Status(t, 200).Contains(t, "This session has been cancelled")
	for _, a := range []string{"course.create", "course.update", "course.session.create", "course.session.update",
		"course.session.cancel", "course.session.view"} {
		if caseAuditAction(t, w, a) == 0 {
			t.Fatalf("no audit row for %s", a)
		}
	}
}

func regexpValue(page, id string) string {
	i := strings.Index(page, `id="`+id+`" name="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	j := strings.Index(rest, `value="`)
	if j < 0 {
		return ""
	}
	rest = rest[j+len(`value="`):]
	return rest[:strings.Index(rest, `"`)]
}

func TestInviteFromAReport(t *testing.T) {
	w := newCourseWorld(t, 5)
	ctx := context.Background()
	d := &portal.ReportDraft{Key: strings.Repeat("7b", 16), CategoryCode: "noise", Postcode: "DM11AB",
		NeighbourhoodCode: "north-riverside", Description: "Shouting", HappenedBefore: "no", Hate: "no",
		Anonymous: "no", Name: "Kim Resident", Email: "kim@example.org", ContactPreference: "email", SafeToLeave: "yes"}
	d.Postcode = strings.ReplaceAll(db.DemoPostcodes()["north-riverside"][0], " ", "")
	rep, err := w.s.Store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -1)})
	if err != nil {
		t.Fatal(err)
	}
	pcso := w.staff(t, w.pcso)
	pcso.Get("/staff/courses/invite?report="+rep.Reference).Status(t, 200).Contains(t, "Invite to a defusing course", "kim@example.org")
	w.staff(t, w.southPCSO).Get("/staff/courses/invite?report="+rep.Reference).Status(t, 404)
	pcso.PostForm("/staff/courses/invite", url.Values{"report": {rep.Reference}, "name": {"Kim Resident"}, "email": {"kim@example.org"}}).
		Status(t, 422).Contains(t, "Select a course")
	r := pcso.PostForm("/staff/courses/invite", url.Values{"report": {rep.Reference}, "course": {fmt.Sprint(w.course)},
		"name": {"Kim Resident"}, "email": {"kim@example.org"}}).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != "/staff/reports/"+rep.Reference {
		t.Fatalf("Location %q", loc)
	}
	m := w.lastEmail(t, "kim@example.org")
	if strings.Contains(m.Text, "Shouting") || strings.Contains(m.Text, rep.Reference) {
		t.Fatal("the invitation carries report content")
	}
	link := inviteLinkRE.FindString(m.Text)
	c := w.s.Client(t)
	page := c.Get(link).Status(t, 200).Contains(t, "Your neighbourhood policing team thought this free course could help you").Body
	bookURL := regexpHref(page, "/book?invite=")
	form := c.Get(bookURL).Status(t, 200).Contains(t, `value="Kim Resident"`, `value="kim@example.org"`, `name="invite"`)
	action := bookingFormRE.FindStringSubmatch(form.Body)[1]
	v := url.Values{"idempotency_key": {bookingKeyRE.FindStringSubmatch(form.Body)[1]}, "name": {"Kim Resident"},
		"email": {"kim@example.org"}, "describes": {"reported_asb"}, "confidence": {"1"}, "willingness": {"2"},
		"invite": {strings.TrimPrefix(link, "/courses/invitation/")}}
	c.PostForm(action, v).Status(t, 303)
	bookings, _ := w.s.Store.SessionBookings(ctx, w.session, portal.Scope{All: true})
	if len(bookings) != 1 || !bookings[0].Invited {
		t.Fatalf("booking not tagged as invited: %+v", bookings)
	}
	if caseAuditAction(t, w, "course.invite") != 1 {
		t.Fatal("invitation not audited")
	}
}

func regexpHref(page, contains string) string {
	for _, part := range strings.Split(page, `href="`)[1:] {
		href := part[:strings.Index(part, `"`)]
		if strings.Contains(href, contains) {
			return strings.ReplaceAll(href, "&amp;", "&")
		}
	}
	return ""
}
