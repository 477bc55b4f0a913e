package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// caseReport submits an anonymous report in a demo neighbourhood.
func caseReport(t *testing.T, s *handlerstest.Server, neighbourhood string, n int) string {
	t.Helper()
	pc := strings.ReplaceAll(db.DemoPostcodes()[neighbourhood][0], " ", "")
	d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0xc0de0000+n), CategoryCode: "noise", Postcode: pc,
		NeighbourhoodCode: neighbourhood, Description: "Music every night", HappenedBefore: "no", Hate: "no",
		Anonymous: "yes", Time: "23:15"}
	got, err := s.Store.CreateReport(context.Background(), db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -2)})
	if err != nil {
		t.Fatal(err)
	}
	return got.Reference
}

var caseRefRE = regexp.MustCompile(`CASE-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}`)
var caseKeyRE = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)

// caseFormKey is the idempotency key of the form on a page.
func caseFormKey(t *testing.T, r *handlerstest.Response) string {
	t.Helper()
	m := caseKeyRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("%s: no idempotency key on the page", r.Request.URL.Path)
	}
	return m[1]
}

// caseAudit counts audit rows of an action on a case.
func caseAudit(t *testing.T, s *handlerstest.Server, action, ref string) int {
	t.Helper()
	rows, err := s.Store.AuditLog(context.Background(), db.AuditFilter{Action: action, TargetType: "case", TargetID: ref})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// caseWorld is the demo geography with a PCSO in Riverside, a sergeant for
// the north, a PCSO in Heath (another LPA) and a report in each place.
type caseWorld struct {
	s                            *handlerstest.Server
	pcso, sergeant, heathPCSO    int64
	riversideReport, heathReport string
	riversideReport2, millReport string
	pcsoClient, sergeantClient   *handlerstest.Client
	heathClient                  *handlerstest.Client
}

func newCaseWorld(t *testing.T) *caseWorld {
	t.Helper()
	s := demoServer(t)
	w := &caseWorld{s: s}
	w.pcso = newStaff(t, s, "pcso@force.example", portal.RolePCSO, "north-riverside")
	w.sergeant = newStaff(t, s, "sergeant@force.example", portal.RoleSergeant, "north-riverside", "north-mill", "north-castle")
	w.heathPCSO = newStaff(t, s, "heath@force.example", portal.RolePCSO, "south-heath")
	w.riversideReport = caseReport(t, s, "north-riverside", 1)
	w.riversideReport2 = caseReport(t, s, "north-riverside", 2)
	w.heathReport = caseReport(t, s, "south-heath", 3)
	w.millReport = caseReport(t, s, "north-mill", 4)
	w.pcsoClient, w.sergeantClient, w.heathClient = s.Client(t), s.Client(t), s.Client(t)
	w.pcsoClient.SignIn(w.pcso)
	w.sergeantClient.SignIn(w.sergeant)
	w.heathClient.SignIn(w.heathPCSO)
	return w
}

// startCase starts a case in Riverside from a report, as the PCSO.
func (w *caseWorld) startCase(t *testing.T) string {
	t.Helper()
	c := w.pcsoClient
	form := c.Get("/staff/cases/new?report="+w.riversideReport).Status(t, 200)
	r := c.PostForm("/staff/cases/new", url.Values{"idempotency_key": {caseFormKey(t, form)}, "report": {w.riversideReport},
		"title": {"Late-night noise at Mill Court"}, "neighbourhood": {"north-riverside"}, "risk": {"high"},
		"objective": {"Residents can sleep undisturbed within 3 months"}}).Status(t, 303)
	ref := caseRefRE.FindString(r.Header.Get("Location"))
	if ref == "" {
		t.Fatalf("redirected to %q", r.Header.Get("Location"))
	}
	return ref
}

func TestStartACase(t *testing.T) {
	w := newCaseWorld(t)
	c := w.pcsoClient
	c.Get("/staff/cases").Status(t, 200).Contains(t, "There are no open cases in your areas", `href="/staff/cases/new"`, `aria-current="page"`)

	form := c.Get("/staff/cases/new?report="+w.riversideReport).Status(t, 200)
	form.Contains(t, "Start a case", w.riversideReport, `value="north-riverside" selected`, "Noise reported in")
	if strings.Contains(form.Body, "south-heath") {
		t.Fatal("the form offers a neighbourhood outside the PCSO's areas")
	}
	key := caseFormKey(t, form)

	bad := url.Values{"idempotency_key": {key}, "report": {w.riversideReport}, "title": {"<b>Noise</b>"},
		"neighbourhood": {"south-heath"}, "risk": {"extreme"}, "objective": {""}}
	c.PostForm("/staff/cases/new", bad).Status(t, 422).Contains(t, "There is a problem", `href="#neighbourhood"`,
		`href="#risk"`, `href="#objective"`, "&lt;b&gt;Noise&lt;/b&gt;", "<title>Error: ", key)

	good := url.Values{"idempotency_key": {key}, "report": {w.riversideReport}, "title": {"Late-night noise at Mill Court"},
		"neighbourhood": {"north-riverside"}, "risk": {"high"}, "objective": {"Residents can sleep undisturbed"}}
	r := c.PostForm("/staff/cases/new", good).Status(t, 303)
	ref := caseRefRE.FindString(r.Header.Get("Location"))
	if r.Header.Get("Location") != "/staff/cases/"+ref {
		t.Fatalf("redirected to %q", r.Header.Get("Location"))
	}
	// The same form sent again (a double click) answers the same case.
	if again := c.PostForm("/staff/cases/new", good).Status(t, 303); again.Header.Get("Location") != r.Header.Get("Location") {
		t.Fatalf("replay redirected to %q", again.Header.Get("Location"))
	}
	if cases, _ := w.s.Store.Cases(context.Background(), portal.Scope{All: true}, db.CaseFilter{}); len(cases) != 1 {
		t.Fatalf("%d cases after a replayed form", len(cases))
	}

	page := c.Get("/staff/cases/"+ref).Status(t, 200)
	page.Contains(t, "Case "+ref+" started", "Late-night noise at Mill Court", "Residents can sleep undisturbed",
		`href="/staff/reports/`+w.riversideReport+`"`, "High", "Reviewed every 14 days", "pcso@force.example",
		"1 report in all. No time stands out yet.", "23:00 to 00:00", "Show the numbers as a table", `id="scanning"`,
		`id="analysis"`, `id="response"`, `id="assessment"`, `id="reviews"`, "Step 3: Community protection warning")
	if strings.Contains(page.Body, "Music every night") {
		t.Fatal("the case page shows a report's description")
	}
	if n := caseAudit(t, w.s, "case.create", ref); n != 1 {
		t.Fatalf("%d case.create audit rows", n)
	}
	if n := caseAudit(t, w.s, "case.view", ref); n != 1 {
		t.Fatalf("%d case.view audit rows", n)
	}
	c.Get("/staff/cases").Status(t, 200).Contains(t, ref, "Late-night noise at Mill Court", "1 case")

	// Starting a second case from the same report is refused with a reason.
	form = c.Get("/staff/cases/new?report="+w.riversideReport).Status(t, 200)
	good.Set("idempotency_key", caseFormKey(t, form))
	c.PostForm("/staff/cases/new", good).Status(t, 422).Contains(t, "is already part of case "+ref, `href="#report"`)
}

func TestCaseScope(t *testing.T) {
	w := newCaseWorld(t)
	ref := w.startCase(t)
	h := w.heathClient
	for _, p := range []string{"/staff/cases/" + ref, "/staff/cases/" + ref + "/objective", "/staff/cases/" + ref + "/close",
		"/staff/cases/" + ref + "/interventions/new", "/staff/cases/" + ref + "/interventions/1",
		"/staff/cases/CASE-2222-2222", "/staff/cases/case-2222-2222", "/staff/cases/new?report=" + w.riversideReport} {
		h.Get(p).Status(t, 404)
	}
	h.Get("/staff/cases").Status(t, 200).Contains(t, "There are no open cases")
	h.Get("/staff/cases?overdue=1").Status(t, 200).Contains(t, "No reviews are overdue")
	h.Get("/staff/neighbourhoods") // a page with a CSRF token
	for _, p := range []string{"/reports", "/partner-information", "/objective", "/close", "/reopen", "/interventions/new", "/reports/unlink"} {
		h.PostForm("/staff/cases/"+ref+p, url.Values{"report": {w.heathReport}, "text": {"x"}}).Status(t, 404)
	}
	// A PCSO may not start a case in another neighbourhood, even by hand.
	form := h.Get("/staff/cases/new").Status(t, 200)
	h.PostForm("/staff/cases/new", url.Values{"idempotency_key": {caseFormKey(t, form)}, "title": {"x"},
		"neighbourhood": {"north-riverside"}, "risk": {"low"}, "objective": {"x"}}).Status(t, 422).Contains(t, "Select the neighbourhood")
	// Signed out: sent to sign in.
	if loc := w.s.Client(t).Get("/staff/cases").Status(t, 303).Header.Get("Location"); loc != "/staff/sign-in" {
		t.Fatalf("signed out: redirected to %q", loc)
	}
}

func TestLinkReportsAndPartnerInformation(t *testing.T) {
	w := newCaseWorld(t)
	ref := w.startCase(t)
	c := w.pcsoClient
	base := "/staff/cases/" + ref
	c.Get(base)
	for _, tt := range []struct{ value, want string }{
		{"", "Enter the reference of the report to link"},
		{"nonsense", "Enter a report reference like ASB-7K3Q-9XPD"},
		{w.heathReport, "There is no report " + w.heathReport + " in your areas"},
		{w.millReport, "There is no report " + w.millReport + " in your areas"},
	} {
		c.PostForm(base+"/reports", url.Values{"report": {tt.value}}).Status(t, 422).Contains(t, tt.want, `href="#link-report"`)
	}
	lower := strings.ToLower(w.riversideReport2)
	c.PostForm(base+"/reports", url.Values{"report": {lower}}).Status(t, 303)
	c.Get(base).Status(t, 200).Contains(t, "Report "+w.riversideReport2+" linked to the case", "2 reports in all. The busiest time is", "23:00 to 00:00, with 2 reports.")
	if n := caseAudit(t, w.s, "case.report.link", ref); n != 1 {
		t.Fatalf("%d link audit rows", n)
	}
	c.PostForm(base+"/reports/unlink", url.Values{"report": {w.riversideReport2}}).Status(t, 303)
	c.Get(base).Status(t, 200).Contains(t, "is no longer part of the case")
	if n := caseAudit(t, w.s, "case.report.unlink", ref); n != 1 {
		t.Fatalf("%d unlink audit rows", n)
	}

	page := c.Get(base)
	key := caseFormKey(t, page)
	c.PostForm(base+"/partner-information", url.Values{"idempotency_key": {key}, "source": {""}, "note": {"Kept"}}).
		Status(t, 422).Contains(t, "Enter where the information came from", `href="#note-source"`, ">Kept</textarea>")
	note := url.Values{"idempotency_key": {key}, "source": {"Riverside Homes"}, "note": {"Tenancy warning given on 3 March"}}
	c.PostForm(base+"/partner-information", note).Status(t, 303)
	c.PostForm(base+"/partner-information", note).Status(t, 303) // a double click
	body := c.Get(base).Status(t, 200).Contains(t, "Partner information added", "Riverside Homes", "Tenancy warning given").Body
	if n := strings.Count(body, "Tenancy warning given"); n != 1 {
		t.Fatalf("the note shows %d times", n)
	}
	if n := caseAudit(t, w.s, "case.note", ref); n != 1 {
		t.Fatalf("%d note audit rows", n)
	}
}

func TestCaseSectionsAndClosing(t *testing.T) {
	w := newCaseWorld(t)
	ref := w.startCase(t)
	c := w.pcsoClient
	base := "/staff/cases/" + ref
	c.Get(base+"/objective").Status(t, 200).Contains(t, "Residents can sleep undisturbed within 3 months", "What the case should achieve")
	c.PostForm(base+"/objective", url.Values{"text": {"  "}}).Status(t, 422).Contains(t, "Enter the objective", `href="#text"`)
	c.Get(base+"/analysis").Status(t, 200)
	c.PostForm(base+"/analysis", url.Values{"text": {"Peaks on Friday nights <script>"}}).Status(t, 303)
	c.Get(base).Status(t, 200).Contains(t, "Analysis notes saved", "Peaks on Friday nights &lt;script&gt;")
	c.PostForm(base+"/analysis", url.Values{"text": {"Peaks on Friday nights <script>"}}).Status(t, 303)
	if n := caseAudit(t, w.s, "case.update", ref); n != 1 {
		t.Fatalf("%d update audit rows for one change sent twice", n)
	}
	c.Get(base+"/response").Status(t, 200)
	c.Get(base+"/lessons").Status(t, 404)

	c.Get(base+"/close").Status(t, 200).Contains(t, "Assess and close the case", "Residents can sleep undisturbed")
	c.PostForm(base+"/close", url.Values{"assessment": {""}, "lessons": {"Keep this"}}).Status(t, 422).
		Contains(t, "Enter what worked and what did not", ">Keep this</textarea>")
	c.PostForm(base+"/close", url.Values{"assessment": {"Mediation worked"}, "lessons": {"Involve housing early"}}).Status(t, 303)
	c.Get(base).Status(t, 200).Contains(t, "Case closed", "Mediation worked", "Involve housing early", "Reopen the case")
	// A closed case refuses changes until it is reopened.
	c.PostForm(base+"/analysis", url.Values{"text": {"more"}}).Status(t, 409)
	c.Get(base+"/interventions/new").Status(t, 409)
	c.Get("/staff/cases?status=closed").Status(t, 200).Contains(t, ref, "Closed")
	c.Get("/staff/cases").Status(t, 200).Contains(t, "There are no open cases")
	c.PostForm(base+"/reopen", nil).Status(t, 303)
	c.Get(base).Status(t, 200).Contains(t, "Case reopened", "Record an intervention")
	for action, want := range map[string]int{"case.close": 1, "case.reopen": 1} {
		if n := caseAudit(t, w.s, action, ref); n != want {
			t.Errorf("%d %s audit rows", n, action)
		}
	}
}

func TestInterventionsAndLetters(t *testing.T) {
	w := newCaseWorld(t)
	ref := w.startCase(t)
	c := w.pcsoClient
	base := "/staff/cases/" + ref
	today := time.Now().In(mustLondon(t))

	form := c.Get(base+"/interventions/new?kind=community_protection_warning").Status(t, 200)
	form.Contains(t, "No earlier step or mediation is recorded", `value="community_protection_warning" aria-describedby="kind-community_protection_warning-hint" checked`,
		fmt.Sprintf(`name="issued-day" type="text" inputmode="numeric" value="%d"`, today.Day()))
	key := caseFormKey(t, form)
	cpw := url.Values{"idempotency_key": {key}, "kind": {"community_protection_warning"}, "subject": {"Occupier <b>14</b> Mill Court"},
		"officer": {fmt.Sprint(w.pcso)}, "issued-day": {fmt.Sprint(today.Day())}, "issued-month": {fmt.Sprint(int(today.Month()))},
		"issued-year": {fmt.Sprint(today.Year())}, "status": {"active"}, "review-day": {"31"}, "review-month": {"2"}, "review-year": {"2026"}}
	c.PostForm(base+"/interventions/new", cpw).Status(t, 422).Contains(t, "Explain why earlier steps", `href="#notes"`,
		"The review date must be a real date", `href="#review-day"`, "Occupier &lt;b&gt;14&lt;/b&gt; Mill Court")

	// Words of advice first: the ladder is followed.
	form = c.Get(base+"/interventions/new?kind=words_of_advice").Status(t, 200)
	advice := url.Values{"idempotency_key": {caseFormKey(t, form)}, "kind": {"words_of_advice"}, "subject": {"Occupier, 14 Mill Court"},
		"officer": {fmt.Sprint(w.pcso)}, "issued-day": cpw["issued-day"], "issued-month": cpw["issued-month"],
		"issued-year": cpw["issued-year"], "status": {"complied"}}
	if loc := c.PostForm(base+"/interventions/new", advice).Status(t, 303).Header.Get("Location"); loc != base+"#response" {
		t.Fatalf("after words of advice, redirected to %q", loc)
	}
	c.PostForm(base+"/interventions/new", advice).Status(t, 303) // a double click records it once

	form = c.Get(base+"/interventions/new?kind=community_protection_warning").Status(t, 200)
	if strings.Contains(form.Body, "No earlier step") {
		t.Fatal("the ladder warning shows after words of advice")
	}
	cpw.Set("idempotency_key", caseFormKey(t, form))
	cpw.Del("review-day")
	cpw.Del("review-month")
	cpw.Del("review-year")
	loc := c.PostForm(base+"/interventions/new", cpw).Status(t, 303).Header.Get("Location")
	if !strings.HasPrefix(loc, base+"/interventions/") || !strings.HasSuffix(loc, "/letter") {
		t.Fatalf("after a CPW, redirected to %q", loc)
	}
	letter := c.Get(loc).Status(t, 200)
	letter.Contains(t, "Community protection warning (CPW) recorded", "Occupier &lt;b&gt;14&lt;/b&gt; Mill Court",
		"Reference: "+ref, "Riverside", "Replace the text in square brackets", "[describe the conduct, with dates and places]",
		"section 43", "pcso@force.example")
	if strings.Contains(letter.Body, "{{") {
		t.Fatal("a placeholder was left unfilled")
	}
	c.PostForm(loc, url.Values{"letter": {" "}}).Status(t, 422).Contains(t, "Enter the letter", `href="#letter"`)
	text := "To the occupier\n<script>alert(1)</script>\nStop the music after 11pm."
	print := c.PostForm(loc, url.Values{"letter": {text}}).Status(t, 303).Header.Get("Location")
	if print != loc+"/print" {
		t.Fatalf("after saving, redirected to %q", print)
	}
	p := c.Get(print).Status(t, 200).Contains(t, "Letter saved", "app-letter-sheet", "&lt;script&gt;alert(1)&lt;/script&gt;", "Stop the music after 11pm.")
	if strings.Contains(p.Body, "<script>alert") || strings.Contains(p.Body, "square brackets") {
		t.Fatal("the printed letter is unescaped, or still warns of prompts")
	}

	page := c.Get(base).Status(t, 200)
	page.Contains(t, "Words of advice", "Community protection warning (CPW)", "Complied with", "Active", "Used")
	ivURL := regexp.MustCompile(`href="(`+regexp.QuoteMeta(base)+`/interventions/[0-9]+)"`).FindAllStringSubmatch(page.Body, -1)
	if len(ivURL) != 2 {
		t.Fatalf("%d intervention links on the case page", len(ivURL))
	}
	cpwURL := ivURL[1][1]
	upd := c.Get(cpwURL).Status(t, 200).Contains(t, "Update: Community protection warning (CPW)", "Check or print the letter")
	c.PostForm(cpwURL, url.Values{"idempotency_key": {caseFormKey(t, upd)}, "status": {"breached"}, "notes": {"Music again on Friday"},
		"review-day": {"1"}, "review-month": {"1"}, "review-year": {"2001"}}).Status(t, 422).Contains(t, "on or after the date issued")
	c.PostForm(cpwURL, url.Values{"idempotency_key": {caseFormKey(t, upd)}, "status": {"breached"}, "notes": {"Music again on Friday"}}).Status(t, 303)
	c.Get(base).Status(t, 200).Contains(t, "updated", "Breached")
	for action, want := range map[string]int{"case.intervention.add": 2, "case.intervention.update": 1, "case.letter.save": 1} {
		if n := caseAudit(t, w.s, action, ref); n != want {
			t.Errorf("%d %s audit rows, want %d", n, action, want)
		}
	}
	// Words of advice have no letter.
	c.Get(ivURL[0][1]+"/letter").Status(t, 404)
	// Another neighbourhood's PCSO cannot read the letter.
	w.heathClient.Get(print).Status(t, 404)
}

func mustLondon(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestSupervisoryReviews(t *testing.T) {
	w := newCaseWorld(t)
	ref := w.startCase(t) // high risk: every 14 days
	base := "/staff/cases/" + ref
	// A PCSO may not review; the case page offers them no review.
	w.pcsoClient.Get(base+"/review").Status(t, 403)
	w.pcsoClient.PostForm(base+"/review", url.Values{"notes": {"x"}}).Status(t, 403)
	if strings.Contains(w.pcsoClient.Get(base).Body, "Record a supervisory review") {
		t.Fatal("a PCSO is offered a review")
	}
	w.pcsoClient.Get("/staff/letter-templates").Status(t, 403)

	s := w.sergeantClient
	s.Get(base).Status(t, 200).Contains(t, "Record a supervisory review")
	due := time.Now().In(mustLondon(t)).AddDate(0, 0, 14)
	form := s.Get(base+"/review").Status(t, 200).Contains(t, "Review every 14 days",
		fmt.Sprintf(`id="next-day" name="next-day" type="text" inputmode="numeric" value="%d"`, due.Day()))
	key := caseFormKey(t, form)
	s.PostForm(base+"/review", url.Values{"idempotency_key": {key}, "notes": {""}, "next-day": {"1"}, "next-month": {"1"}, "next-year": {"2020"}}).
		Status(t, 422).Contains(t, "Enter your review notes", "The next review date must be in the future", `href="#next-day"`)
	next := time.Now().AddDate(0, 1, 0)
	review := url.Values{"idempotency_key": {key}, "notes": {"Good progress; try mediation"}, "next-day": {fmt.Sprint(next.Day())},
		"next-month": {fmt.Sprint(int(next.Month()))}, "next-year": {fmt.Sprint(next.Year())}}
	s.PostForm(base+"/review", review).Status(t, 303)
	s.PostForm(base+"/review", review).Status(t, 303)
	s.Get(base).Status(t, 200).Contains(t, "Review recorded. Next review due", "Good progress; try mediation", "sergeant@force.example")
	if n := caseAudit(t, w.s, "case.review", ref); n != 1 {
		t.Fatalf("%d review audit rows", n)
	}
	got, _ := w.s.Store.Case(context.Background(), ref, portal.Scope{All: true})
	if got.NextReview.Format(time.DateOnly) != portal.DateOf(next).Format(time.DateOnly) {
		t.Fatalf("next review %v", got.NextReview)
	}

	// Overdue reviews are listed and highlighted, in scope only.
	conn := openDB(t, w.s)
	if _, err := conn.Exec(`UPDATE cases SET next_review_at = current_date - 2`); err != nil {
		t.Fatal(err)
	}
	s.Get("/staff/cases?overdue=1").Status(t, 200).Contains(t, "Cases with an overdue review", ref, "Overdue")
	w.heathClient.Get("/staff/cases?overdue=1").Status(t, 200).Contains(t, "No reviews are overdue")
	if n, _ := w.s.Store.OverdueCaseReviews(context.Background(), portal.Scope{Neighbourhoods: []int64{}}); n != 0 {
		t.Fatalf("an empty scope counts %d overdue", n)
	}
}

func TestLetterTemplates(t *testing.T) {
	w := newCaseWorld(t)
	s := w.sergeantClient
	s.Get("/staff/letter-templates").Status(t, 200).Contains(t, "Warning letter", "Letter of expectation",
		"Community protection warning (CPW)", "Community protection notice (CPN)")
	s.Get("/staff/letter-templates/words_of_advice").Status(t, 404)
	s.Get("/staff/letter-templates/warning_letter").Status(t, 200).Contains(t, "{{case_reference}}", "Anti-social behaviour warning letter")
	s.PostForm("/staff/letter-templates/warning_letter", url.Values{"title": {"Warning"}, "body": {"Dear {{name}}, {{subject}}"}}).
		Status(t, 422).Contains(t, "Remove or correct {{name}}", `href="#body"`)
	s.PostForm("/staff/letter-templates/warning_letter", url.Values{"title": {"Warning"}, "body": {"Dear {{subject}},\n[say what must stop]"}}).Status(t, 303)
	s.Get("/staff/letter-templates").Status(t, 200).Contains(t, "Warning letter template saved")
	rows, _ := w.s.Store.AuditLog(context.Background(), db.AuditFilter{Action: "letter_template.update"})
	if len(rows) != 1 || rows[0].TargetID != "warning_letter" {
		t.Fatalf("audit rows %+v", rows)
	}

	// New letters start from the edited template.
	ref := w.startCase(t)
	form := s.Get("/staff/cases/"+ref+"/interventions/new?kind=warning_letter").Status(t, 200)
	now := time.Now().In(mustLondon(t))
	loc := s.PostForm("/staff/cases/"+ref+"/interventions/new", url.Values{"idempotency_key": {caseFormKey(t, form)}, "kind": {"warning_letter"},
		"subject": {"Mr Example"}, "officer": {fmt.Sprint(w.sergeant)}, "issued-day": {fmt.Sprint(now.Day())},
		"issued-month": {fmt.Sprint(int(now.Month()))}, "issued-year": {fmt.Sprint(now.Year())}, "status": {"planned"}}).Status(t, 303).Header.Get("Location")
	s.Get(loc).Status(t, 200).Contains(t, "Dear Mr Example,\n[say what must stop]</textarea>")
}
