package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// srReport stores a report in a neighbourhood; email "" makes it anonymous.
func srReport(t *testing.T, s *handlerstest.Server, neighbourhood string, n int, email string) string {
	t.Helper()
	d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0x5e7e0000+n), CategoryCode: "noise",
		Postcode: strings.ReplaceAll(db.DemoPostcodes()[neighbourhood][0], " ", ""), NeighbourhoodCode: neighbourhood,
		Description: "Music until 3am <b>every</b> night\nand shouting", People: "Two adults", Hate: "no",
		HappenedBefore: "no", Impacts: []string{"health"}, Anonymous: "yes"}
	if email != "" {
		d.Anonymous, d.Name, d.Email, d.Phone, d.ContactPreference, d.SafeToLeave = "no", "Sam Resident", email, "07700 900982", "email", "no"
	}
	got, err := s.Store.CreateReport(context.Background(), db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -1)})
	if err != nil {
		t.Fatal(err)
	}
	return got.Reference
}

var srKeyRE = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)

// srKey is the idempotency key of the last form on a page.
func srKey(t *testing.T, r *handlerstest.Response) string {
	t.Helper()
	m := srKeyRE.FindAllStringSubmatch(r.Body, -1)
	if m == nil {
		t.Fatalf("%s has no idempotency key", r.Request.URL.Path)
	}
	return m[len(m)-1][1]
}

// srPost fetches a form page and posts values with the form's key.
func srPost(t *testing.T, c *handlerstest.Client, formPath, action string, values url.Values) *handlerstest.Response {
	t.Helper()
	values.Set("idempotency_key", srKey(t, c.Get(formPath).Status(t, 200)))
	return c.PostForm(action, values)
}

// srAudit lists the audit actions on a report, oldest first.
func srAudit(t *testing.T, s *handlerstest.Server, ref string) []string {
	t.Helper()
	rows, err := openDB(t, s).Query(`SELECT action, details::text FROM audit_log WHERE target_type = 'report' AND target_id = $1 ORDER BY id`, ref)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var action, details string
		if err := rows.Scan(&action, &details); err != nil {
			t.Fatal(err)
		}
		for _, personal := range []string{"Sam", "sam@", "Music", "07700", "Spoke to"} {
			if strings.Contains(details, personal) {
				t.Fatalf("audit details of %s hold personal data: %s", action, details)
			}
		}
		out = append(out, action)
	}
	return out
}

func TestStaffReportPageIsScoped(t *testing.T) {
	s := demoServer(t)
	north := srReport(t, s, "north-riverside", 1, "sam@example.org")
	south := srReport(t, s, "south-harbour", 2, "")
	pcso := newStaff(t, s, "pcso@force.example", portal.RolePCSO, "north-riverside")

	anon := s.Client(t)
	if loc := anon.Get("/staff/reports/"+north).Status(t, 303).Header.Get("Location"); loc != "/staff/sign-in" {
		t.Fatalf("signed out: Location %q", loc)
	}
	c := s.Client(t)
	c.SignIn(pcso)
	page := c.Get("/staff/reports/"+north).Status(t, 200).Contains(t, north, "Noise in Riverside",
		"Music until 3am &lt;b&gt;every&lt;/b&gt; night\nand shouting", "app-pre-line", "Sam Resident", "sam@example.org",
		"07700 900982", "Do not leave a message", "It is affecting my health", "Report received", "Reporter can see",
		"Invite to a defusing course", "/staff/courses/invite?report="+north, "Not assessed yet")
	if strings.Contains(page.Body, "<b>every</b>") {
		t.Fatal("the description was not escaped")
	}
	notFound := c.Get("/staff/reports/ASB-2222-2222").Status(t, 404).Body
	if got := c.Get("/staff/reports/"+south).Status(t, 404).Body; title(got) != title(notFound) {
		t.Fatalf("another area's report answers differently from a missing one: %q", title(got))
	}
	for _, p := range []string{"/risk", "/reply", "/close", "/photos/1"} {
		c.Get("/staff/reports/"+south+p).Status(t, 404)
	}
	c.Get("/staff/reports/"+north+"/photos/999").Status(t, 404)
	c.PostForm("/staff/reports/"+south+"/notes", url.Values{"note": {"x"}, "idempotency_key": {strings.Repeat("a", 32)}}).Status(t, 404)
	c.Get("/staff/reports/"+north+"/reply").Status(t, 200).Contains(t, "Reply to the reporter")

	if got := strings.Join(srAudit(t, s, north), " "); got != "report.view report.view" {
		t.Fatalf("audit of the north report: %q", got)
	}
	if got := srAudit(t, s, south); len(got) != 0 {
		t.Fatalf("refused views were audited as views: %v", got)
	}

	resident := s.Client(t)
	resident.SignIn(srResident(t, s, "sam@example.org"))
	resident.Get("/staff/reports/"+north).Status(t, 403)
}

// srResident creates a resident account.
func srResident(t *testing.T, s *handlerstest.Server, email string) int64 {
	t.Helper()
	id, err := s.Store.CreateUser(context.Background(), db.NewUser{Email: email, Role: portal.RoleResident})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// srTrackAs proves the reference and email on the tracking form, as the
// reporter does, and returns a client that can read the tracking page.
func srTrackAs(t *testing.T, s *handlerstest.Server, ref, email string) *handlerstest.Client {
	t.Helper()
	c := s.Client(t)
	c.Get("/track")
	c.PostForm("/track", url.Values{"reference": {ref}, "email": {email}}).Status(t, 303)
	return c
}

func srOutbox(t *testing.T, s *handlerstest.Server, to string) (subjects, bodies []string) {
	t.Helper()
	rows, err := openDB(t, s).Query(`SELECT subject, text_body || html_body FROM outbox WHERE recipient = $1 ORDER BY id`, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var subject, body string
		if err := rows.Scan(&subject, &body); err != nil {
			t.Fatal(err)
		}
		subjects, bodies = append(subjects, subject), append(bodies, body)
	}
	return subjects, bodies
}

func TestReplyReachesReporterAndClosingTellsThem(t *testing.T) {
	s := demoServer(t)
	ref := srReport(t, s, "north-riverside", 3, "sam@example.org")
	officer := newStaff(t, s, "officer@force.example", portal.RoleOfficer, "north-riverside")
	ctx := context.Background()
	if _, err := s.Store.EnsureReplyTemplate(ctx, portal.ReplyTemplate{Name: "Looking into it", Status: portal.StatusNew,
		Body: "Thank you for report ((reference)) in ((neighbourhood))."}); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn(officer)
	base := "/staff/reports/" + ref
	form := c.Get(base+"/reply").Status(t, 200).Contains(t, "Looking into it", "Use template")
	tplID := regexp.MustCompile(`<option value="(\d+)">Looking into it`).FindStringSubmatch(form.Body)[1]
	c.Get(base+"/reply?template="+tplID).Status(t, 200).Contains(t, "Thank you for report "+ref+" in Riverside.</textarea>")

	key := srKey(t, c.Get(base+"/reply"))
	c.PostForm(base+"/reply", url.Values{"idempotency_key": {key}, "body": {"  "}}).Status(t, 422).
		Contains(t, "There is a problem", `href="#body"`, "Enter the reply", key)
	long := strings.Repeat("a", portal.MaxReply+1)
	c.PostForm(base+"/reply", url.Values{"idempotency_key": {key}, "body": {long}}).Status(t, 422).Contains(t, long)
	reply := "We have spoken to your neighbour.\nPlease tell us if it happens again."
	for range 2 { // a double click sends it once
		r := c.PostForm(base+"/reply", url.Values{"idempotency_key": {key}, "body": {reply}}).Status(t, 303)
		if r.Header.Get("Location") != base {
			t.Fatalf("Location %q", r.Header.Get("Location"))
		}
	}
	c.Get(base).Status(t, 200).Contains(t, "Your reply has been sent. The reporter has been emailed",
		"Your neighbourhood team is dealing with your report", "Open")

	subjects, bodies := srOutbox(t, s, "sam@example.org")
	if len(subjects) != 1 || subjects[0] != "There is an update on your report "+ref {
		t.Fatalf("emails %q", subjects)
	}
	if strings.Contains(bodies[0], "spoken") || strings.Contains(bodies[0], "Music") || !strings.Contains(bodies[0], s.URL+"/track") {
		t.Fatalf("the email gives the update away or has no link: %s", bodies[0])
	}
	reporter := srTrackAs(t, s, ref, "sam@example.org")
	reporter.Get("/track/"+ref).Status(t, 200).Contains(t, "Reply from your neighbourhood team",
		"We have spoken to your neighbour.\nPlease tell us if it happens again.", "Being dealt with")

	// Closing: an outcome is required; the reporter is told.
	c.Get(base+"/close").Status(t, 200).Contains(t, "What was the outcome?", "Referred to the housing provider")
	key = srKey(t, c.Get(base+"/close"))
	c.PostForm(base+"/close", url.Values{"idempotency_key": {key}, "message": {"Thanks for your patience"}}).Status(t, 422).
		Contains(t, "Select the outcome", "Thanks for your patience")
	c.PostForm(base+"/close", url.Values{"idempotency_key": {key}, "outcome": {"advice-given"}, "message": {"Thanks for your patience"}}).Status(t, 303)
	c.Get(base).Status(t, 200).Contains(t, "The report has been closed", "Advice given", "Closed")
	c.Get(base+"/close").Status(t, 409)
	c.Get(base+"/risk").Status(t, 409)
	reporter.Get("/track/"+ref).Status(t, 200).Contains(t, "Closed", "Your report is closed. We gave advice", "Thanks for your patience")
	if subjects, _ = srOutbox(t, s, "sam@example.org"); len(subjects) != 2 || subjects[1] != "There is an update on your report "+ref {
		t.Fatalf("after closing, emails %q", subjects)
	}
	var status, outcome string
	var closed bool
	if err := openDB(t, s).QueryRow(`SELECT status, outcome, closed_at IS NOT NULL FROM reports WHERE reference = $1`, ref).
		Scan(&status, &outcome, &closed); err != nil || status != "closed" || outcome != "advice-given" || !closed {
		t.Fatalf("stored %q %q %v %v", status, outcome, closed, err)
	}
	if got := strings.Join(srAudit(t, s, ref), " "); !strings.Contains(got, "report.reply") || !strings.Contains(got, "report.close") ||
		strings.Count(got, "report.reply") != 1 {
		t.Fatalf("audit %q", got)
	}
}

func TestEveryReportActionIsAudited(t *testing.T) {
	s := demoServer(t)
	ref := srReport(t, s, "north-riverside", 4, "sam@example.org")
	other := srReport(t, s, "north-riverside", 5, "")
	south := srReport(t, s, "south-harbour", 6, "")
	pcso := newStaff(t, s, "pcso@force.example", portal.RolePCSO, "north-riverside")
	officer := newStaff(t, s, "officer@force.example", portal.RoleOfficer, "north-riverside")
	conn := openDB(t, s)
	if _, err := conn.Exec(`INSERT INTO cases (reference, neighbourhood_id, title)
		SELECT 'CASE-2345-6789', id, 'Parties at the flats' FROM neighbourhoods WHERE code = 'north-riverside'`); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn(pcso)
	base := "/staff/reports/" + ref

	// Risk: an override needs a reason.
	c.Get(base+"/risk").Status(t, 200).Contains(t, "Is the reporter a repeat victim?", `id="health" name="health" type="radio" value="yes" checked`)
	values := url.Values{"repeat": {"no"}, "vulnerable": {"no"}, "health": {"yes"}, "home": {"no"}, "hate": {"no"}, "override": {"high"}}
	srPost(t, c, base+"/risk", base+"/risk", values).Status(t, 422).Contains(t, "Enter why you are changing the risk level",
		`id="override-high" name="override" type="radio" value="high" checked`)
	delete(values, "hate")
	srPost(t, c, base+"/risk", base+"/risk", values).Status(t, 422).Contains(t, "Select yes if it could be motivated by hate")
	values.Set("hate", "no")
	values.Set("reason", "Threats were made at the door")
	srPost(t, c, base+"/risk", base+"/risk", values).Status(t, 303)
	c.Get(base).Contains(t, "The risk assessment has been saved: High risk", "changed from Medium", "Threats were made at the door")
	var risk, override string
	var due time.Time
	if err := conn.QueryRow(`SELECT risk, risk_override, due_at FROM reports WHERE reference = $1`, ref).Scan(&risk, &override, &due); err != nil ||
		risk != "high" || override != "high" || due.IsZero() {
		t.Fatalf("risk %q override %q due %v: %v", risk, override, due, err)
	}

	// Assign, change category, note.
	c.Get(base+"/assign").Status(t, 200).Contains(t, "officer@force.example", "pcso@force.example")
	srPost(t, c, base+"/assign", base+"/assign", url.Values{"assignee": {"12345"}}).Status(t, 422).Contains(t, "Select someone who works in this neighbourhood")
	srPost(t, c, base+"/assign", base+"/assign", url.Values{"assignee": {fmt.Sprint(officer)}}).Status(t, 303)
	c.Get(base).Contains(t, "Assigned to officer@force.example")
	srPost(t, c, base+"/category", base+"/category", url.Values{"category": {"noise"}}).Status(t, 422).Contains(t, "Select a different category")
	srPost(t, c, base+"/category", base+"/category", url.Values{"category": {"street-drinking"}}).Status(t, 303)
	c.Get(base).Contains(t, "Street drinking in Riverside", "Changed from Noise to Street drinking")
	note := c.Get(base)
	c.PostForm(base+"/notes", url.Values{"idempotency_key": {srKey(t, note)}, "note": {""}}).Status(t, 422).Contains(t, "Enter the note")
	c.PostForm(base+"/notes", url.Values{"idempotency_key": {srKey(t, note)}, "note": {"Spoke to the housing officer"}}).Status(t, 303)
	c.Get(base).Contains(t, "Internal note", "Spoke to the housing officer")

	// Ask for more information: the status changes and the reporter is told.
	srPost(t, c, base+"/more-information", base+"/more-information", url.Values{"body": {"When does it usually start?"}}).Status(t, 303)
	c.Get(base).Contains(t, "Awaiting information")
	reporter := srTrackAs(t, s, ref, "sam@example.org")
	page := reporter.Get("/track/"+ref).Status(t, 200).Contains(t, "When does it usually start?", "We need more information")
	if strings.Contains(page.Body, "Spoke to the housing officer") || strings.Contains(page.Body, "Threats were made") {
		t.Fatal("the reporter sees staff-only entries")
	}

	// Link to a case; a case of another neighbourhood is refused.
	c.Get(base+"/case").Status(t, 200).Contains(t, "CASE-2345-6789: Parties at the flats")
	srPost(t, c, base+"/case", base+"/case", url.Values{"case": {"CASE-9999-9999"}}).Status(t, 422).Contains(t, "Select the case")
	srPost(t, c, base+"/case", base+"/case", url.Values{"case": {"CASE-2345-6789"}}).Status(t, 303)
	c.Get(base).Contains(t, `href="/staff/cases/CASE-2345-6789">CASE-2345-6789: Parties at the flats`,
		`href="/staff/cases/new?report=`+ref+`"`)

	// Mark the other (anonymous) report as a duplicate: not of itself, not of
	// another area's report; the anonymous reporter is not emailed.
	obase := "/staff/reports/" + other
	srPost(t, c, obase+"/duplicate", obase+"/duplicate", url.Values{"reference": {other}}).Status(t, 422).Contains(t, "a different report")
	srPost(t, c, obase+"/duplicate", obase+"/duplicate", url.Values{"reference": {south}}).Status(t, 422).Contains(t, "could not find a report")
	srPost(t, c, obase+"/duplicate", obase+"/duplicate", url.Values{"reference": {strings.ToLower(ref)}}).Status(t, 303)
	c.Get(obase).Contains(t, "closed as a duplicate", "Duplicate of", ref)
	c.Get(base).Contains(t, "Closed as duplicates of this report", other)
	srPost(t, c, obase+"/reply", obase+"/reply", url.Values{"body": {"Thank you"}}).Status(t, 303)
	c.Get(obase).Contains(t, "The reporter is anonymous, so they have not been emailed")

	changes := func(ref string) string {
		var out []string
		for _, a := range srAudit(t, s, ref) {
			if a != "report.view" {
				out = append(out, a)
			}
		}
		return strings.Join(out, " ")
	}
	if got := changes(ref); got != "report.risk report.assign report.category report.note report.information_request report.case" {
		t.Fatalf("changes audited on %s: %s", ref, got)
	}
	if got := changes(other); got != "report.duplicate report.reply" {
		t.Fatalf("changes audited on %s: %s", other, got)
	}
	if subjects, _ := srOutbox(t, s, "sam@example.org"); len(subjects) != 1 {
		t.Fatalf("emails to the reporter: %q (want only the request for information)", subjects)
	}
}

func TestStaffReportShowsFlagsAndKeepsTheClaim(t *testing.T) {
	s := demoServer(t)
	var ref string
	for i := range 3 {
		ref = srReport(t, s, "north-riverside", 10+i, "sam@example.org")
	}
	pcso := newStaff(t, s, "pcso@force.example", portal.RolePCSO, "north-riverside")
	conn := openDB(t, s)
	if _, err := conn.Exec(`UPDATE reports SET claimed_by = $2, claimed_at = now() - interval '20 minutes' WHERE reference = $1`, ref, pcso); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn(pcso)
	c.Get("/staff/reports/"+ref).Status(t, 200).Contains(t, "Repeat victim", "may meet the threshold for an ASB Case Review",
		"Being worked on by")
	c.Get("/staff/reports/"+ref+"/risk").Status(t, 200).Contains(t, `id="repeat" name="repeat" type="radio" value="yes" checked`)
	var age time.Duration
	var secs float64
	if err := conn.QueryRow(`SELECT extract(epoch FROM now() - claimed_at) FROM reports WHERE reference = $1`, ref).Scan(&secs); err != nil {
		t.Fatal(err)
	}
	if age = time.Duration(secs * float64(time.Second)); age > time.Minute {
		t.Fatalf("viewing did not refresh the claim: claimed %v ago", age)
	}
}

func TestRiskAssessmentSetsTheTargetTime(t *testing.T) {
	s := demoServerWith(t, func(c *handlers.Config) { c.Targets = portal.Targets{High: 3, Medium: 4, Low: 7} })
	ref := srReport(t, s, "north-riverside", 20, "")
	officer := newStaff(t, s, "officer@force.example", portal.RoleOfficer, "north-riverside")
	c := s.Client(t)
	c.SignIn(officer)
	base := "/staff/reports/" + ref
	for _, tt := range []struct {
		hate string
		days int
	}{{"yes", 3}, {"no", 4}} { // health alone is medium; hate makes it high
		srPost(t, c, base+"/risk", base+"/risk", url.Values{"repeat": {"no"}, "vulnerable": {"no"}, "health": {"yes"},
			"home": {"no"}, "hate": {tt.hate}}).Status(t, 303)
		var created, due time.Time
		if err := openDB(t, s).QueryRow(`SELECT created_at, due_at FROM reports WHERE reference = $1`, ref).Scan(&created, &due); err != nil {
			t.Fatal(err)
		}
		if want := portal.AddWorkingDays(created, tt.days); !due.Equal(want) {
			t.Fatalf("hate %s: due %v, want %v (%d working days after arrival)", tt.hate, due, want, tt.days)
		}
	}
}

func TestReplySentTenTimesAtOnceIsSentOnce(t *testing.T) {
	s := demoServer(t)
	ref := srReport(t, s, "north-riverside", 30, "sam@example.org")
	officer := newStaff(t, s, "officer@force.example", portal.RoleOfficer, "north-riverside")
	c := s.Client(t)
	c.SignIn(officer)
	base := "/staff/reports/" + ref
	key := srKey(t, c.Get(base+"/reply").Status(t, 200))
	var wg sync.WaitGroup
	statuses := make([]int, 10)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = c.PostForm(base+"/reply", url.Values{"idempotency_key": {key}, "body": {"We are on our way"}}).StatusCode
		}()
	}
	wg.Wait()
	for _, st := range statuses {
		if st != 303 {
			t.Fatalf("statuses %v, want all 303", statuses)
		}
	}
	var replies int
	if err := openDB(t, s).QueryRow(`SELECT count(*) FROM report_events e JOIN reports r ON r.id = e.report_id
		WHERE r.reference = $1 AND e.kind = 'reply'`, ref).Scan(&replies); err != nil {
		t.Fatal(err)
	}
	if subjects, _ := srOutbox(t, s, "sam@example.org"); replies != 1 || len(subjects) != 1 {
		t.Fatalf("%d replies and %d emails, want 1 of each", replies, len(subjects))
	}
}
