package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// walkToWhoFor answers the journey up to the photos and returns where the
// photos step sent the client.
func walkToWhoFor(t *testing.T, c *handlerstest.Client) string {
	t.Helper()
	steps := reportAnswers()
	var loc string
	for _, step := range steps[:len(steps)-1] {
		c.Get(step.path)
		r := c.PostForm(step.path, step.values)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: status %d", step.path, r.StatusCode)
		}
		loc = r.Header.Get("Location")
	}
	return loc
}

func resident(values url.Values) url.Values {
	base := url.Values{"report-for": {"someone-else"}, "relationship": {"Neighbour"}, "name": {"Mrs Jones"},
		"email": {"Jones@Example.org"}, "phone": {"01632 960 001"}, "contact-preference": {"email"}, "safe-to-leave": {"yes"},
		"updates-to": {"resident"}, "consent": {"yes"}}
	for k, v := range values {
		base[k] = v
	}
	return base
}

func TestVolunteerReportsOnBehalfOfAResident(t *testing.T) {
	s := demoServer(t)
	vol := cmVolunteer(t, s, "volunteer@example.org")
	c := s.Client(t)
	c.SignIn(vol)
	if loc := walkToWhoFor(t, c); loc != "/report/who-for" {
		t.Fatalf("after photos: %q", loc)
	}
	r := c.Get("/report/who-for").Status(t, 200).Contains(t, "Who are you reporting for?", "Myself", "Someone else", "agreed")
	if strings.Contains(r.Body, `value="volunteer@example.org"`) {
		t.Fatal("the volunteer's own address is offered as the resident's")
	}
	c.Get("/report/about-you").Status(t, 200) // "myself" is still possible

	// Consent is required, with every other problem at once.
	r = c.PostForm("/report/who-for", resident(url.Values{"consent": {""}, "relationship": {""}, "name": {""}})).Status(t, 422)
	r.Contains(t, "There is a problem", "confirm they agreed", "Enter how you know the person",
		"Enter the name of the person you are reporting for", `value="Jones@Example.org"`)
	r = c.PostForm("/report/who-for", resident(nil)).Status(t, 303)
	if r.Header.Get("Location") != "/report/check" {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	c.Get("/report/about-you").Status(t, 303) // the resident's details are on the on-behalf step
	check := c.Get("/report/check").Status(t, 200).Contains(t, "Who you are reporting for", "Mrs Jones", "Neighbour", "They agreed to this report")
	submit(t, c, check).Status(t, 303)

	db := openDB(t, s)
	var by int64
	var channel, rel, updates, email string
	var consent, user bool
	err := db.QueryRow(`SELECT on_behalf_by, on_behalf_channel, on_behalf_relationship, on_behalf_consent_at IS NOT NULL,
		on_behalf_updates_to, reporter_email, user_id IS NOT NULL FROM reports`).Scan(&by, &channel, &rel, &consent, &updates, &email, &user)
	if err != nil {
		t.Fatal(err)
	}
	if by != vol || channel != "volunteer" || rel != "Neighbour" || !consent || updates != "resident" || email != "jones@example.org" || user {
		t.Fatalf("stored by=%d channel=%q rel=%q consent=%v updates=%q email=%q in volunteer's account=%v", by, channel, rel, consent, updates, email, user)
	}
	var note string
	if err := db.QueryRow(`SELECT body FROM report_events WHERE kind = 'note' AND NOT public AND actor_id = $1`, vol).Scan(&note); err != nil {
		t.Fatalf("no note for staff: %v", err)
	}
	if !strings.Contains(note, "verified volunteer") || !strings.Contains(note, "agreed") {
		t.Fatalf("note %q", note)
	}
	// Staff see who made it, how and with what consent, on the report.
	var ref string
	if err := db.QueryRow(`SELECT reference FROM reports`).Scan(&ref); err != nil {
		t.Fatal(err)
	}
	st := s.Client(t)
	st.SignIn(newStaff(t, s, "pcso@police.example", portal.RolePCSO, "north-riverside"))
	st.Get("/staff/reports/"+ref).Status(t, 200).Contains(t, "Reported on behalf of the resident", "verified volunteer",
		"Relationship to the resident: Neighbour", "The resident agreed")
	// The resident gets the acknowledgement; the volunteer does not.
	ack := cmMailTo(t, s, "jones@example.org")
	if len(ack) != 1 || !strings.Contains(ack[0].Text, "A volunteer made a report") || strings.Contains(ack[0].Text, "Music") {
		t.Fatalf("resident's acknowledgement %+v", ack)
	}
	if got := cmMailTo(t, s, "volunteer@example.org"); len(got) != 0 {
		t.Fatalf("volunteer was emailed %+v", got)
	}
}

func TestOnBehalfUpdatesToTheVolunteerAndStaffByPhone(t *testing.T) {
	s := demoServer(t)
	vol := cmVolunteer(t, s, "volunteer@example.org")
	c := s.Client(t)
	c.SignIn(vol)
	walkToWhoFor(t, c)
	c.Get("/report/who-for")
	c.PostForm("/report/who-for", resident(url.Values{"updates-to": {"submitter"}, "email": {""}, "contact-preference": {"phone"}})).Status(t, 303)
	submit(t, c, c.Get("/report/check").Status(t, 200).Contains(t, "Updates go to")).Status(t, 303)
	if got := cmMailTo(t, s, "volunteer@example.org"); len(got) != 1 || !strings.Contains(got[0].Text, "They asked for updates to come to you") {
		t.Fatalf("volunteer's acknowledgement %+v", got)
	}

	staffID := newStaff(t, s, "pcso@police.example", portal.RolePCSO, "north-riverside")
	st := s.Client(t)
	st.SignIn(staffID)
	walkToWhoFor(t, st)
	r := st.Get("/report/who-for").Status(t, 200).Contains(t, "How did the resident contact you?")
	if strings.Contains(r.Body, "Myself") {
		t.Fatal("staff offered to report for themselves")
	}
	st.PostForm("/report/who-for", resident(url.Values{"channel": {""}})).Status(t, 422).Contains(t, "Select how the resident contacted you")
	st.PostForm("/report/who-for", resident(url.Values{"channel": {"phone"}, "email": {"caller@example.org"}, "relationship": {"Called 101"}})).Status(t, 303)
	submit(t, st, st.Get("/report/check").Status(t, 200)).Status(t, 303)
	var channel string
	if err := openDB(t, s).QueryRow(`SELECT on_behalf_channel FROM reports WHERE on_behalf_by = $1`, staffID).Scan(&channel); err != nil || channel != "phone" {
		t.Fatalf("staff report channel %q %v", channel, err)
	}
	if got := cmMailTo(t, s, "caller@example.org"); len(got) != 1 || !strings.Contains(got[0].Text, "A member of the police made a report") {
		t.Fatalf("caller's acknowledgement %+v", got)
	}
}

func TestOnlyVolunteersAndStaffSeeTheOnBehalfStep(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	c.SignIn(acctResident(t, s, "plain@example.org"))
	if loc := walkToWhoFor(t, c); loc != "/report/about-you" {
		t.Fatalf("a resident went to %q", loc)
	}
	c.Get("/report/who-for").Status(t, 303)
	c.PostForm("/report/who-for", resident(nil)).Status(t, 403)

	// A volunteer reporting for themselves goes on to "about you".
	v := s.Client(t)
	v.SignIn(cmVolunteer(t, s, "vol@example.org"))
	walkToWhoFor(t, v)
	v.Get("/report/who-for")
	r := v.PostForm("/report/who-for", url.Values{"report-for": {"myself"}}).Status(t, 303)
	if r.Header.Get("Location") != "/report/about-you" {
		t.Fatalf("myself went to %q", r.Header.Get("Location"))
	}
	v.Get("/report/about-you").Status(t, 200).Contains(t, `value="vol@example.org"`)
}
