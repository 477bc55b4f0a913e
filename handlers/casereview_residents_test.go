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

// crServer is a server with the demo geography and, unless policies is
// false, the demo case review policies.
func crServer(t *testing.T, policies bool) *handlerstest.Server {
	t.Helper()
	s := demoServer(t)
	if policies {
		if _, err := s.Store.LoadDemoPolicies(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// crDate is a date n days before today in England and Wales, as the three
// boxes of a date input named prefix.
func crDate(prefix string, n int) url.Values {
	d := time.Now().In(crLondon).AddDate(0, 0, -n)
	return url.Values{prefix + "-day": {fmt.Sprint(d.Day())}, prefix + "-month": {fmt.Sprint(int(d.Month()))},
		prefix + "-year": {fmt.Sprint(d.Year())}}
}

var crLondon, _ = time.LoadLocation("Europe/London")

func crMerge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, x := range v {
			out[k] = x
		}
	}
	return out
}

// redirects posts a form and asserts the 303 and its target.
func redirects(t *testing.T, c *handlerstest.Client, path string, v url.Values, want string) {
	t.Helper()
	r := c.PostForm(path, v).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != want {
		t.Fatalf("POST %s: Location %q, want %q", path, loc, want)
	}
}

// crIncident answers the four questions about incident id.
func crIncident(t *testing.T, c *handlerstest.Client, id int, occurredDaysAgo, reportedDaysAgo int, agency, problem string, hate string) {
	t.Helper()
	base := fmt.Sprintf("/case-review/check/incidents/%d/", id)
	c.Get(base+"when").Status(t, 200)
	redirects(t, c, base+"when", crDate("occurred", occurredDaysAgo), base+"reported")
	redirects(t, c, base+"reported", crMerge(crDate("reported", reportedDaysAgo), url.Values{"agency": {agency}}), base+"problem")
	redirects(t, c, base+"problem", url.Values{"problem": {"new"}, "problem-name": {problem}}, base+"hate")
	redirects(t, c, base+"hate", url.Values{"hate": {hate}}, "/case-review/check/incidents")
}

// crPostcode answers the postcode question for a demo neighbourhood.
func crPostcode(t *testing.T, c *handlerstest.Client, neighbourhood string) {
	t.Helper()
	c.Get("/case-review/check/postcode").Status(t, 200)
	redirects(t, c, "/case-review/check/postcode", url.Values{"postcode": {db.DemoPostcodes()[neighbourhood][0]}},
		"/case-review/check/incidents/1/when")
}

func TestCaseReviewStartAndAreaPages(t *testing.T) {
	s := crServer(t, true)
	c := s.Client(t)
	c.Get("/").Status(t, 200).Contains(t, `href="/case-review"`)
	c.Get("/case-review").Status(t, 200).Contains(t, "Ask for an ASB case review", "Who can ask",
		"3 qualifying complaints", "only a guide", `href="/case-review/check"`, "North Demoshire District Council",
		`href="/case-review/areas/demo-south"`, "Exit this page", "call 999")
	c.Get("/case-review/areas/demo-north").Status(t, 200).Contains(t, "North Demoshire District Council",
		"at least 3 qualifying complaints about the same problem", "Hate: a qualifying incident motivated by hate",
		"at least 5 qualifying incidents", "within 5 working days", "within 10 working days", "20 working days",
		"asbreview@north-demoshire.example", "Write to the Head of Community Safety")
	south := c.Get("/case-review/areas/demo-south").Status(t, 200).Contains(t, "at least 2 qualifying complaints")
	if strings.Contains(south.Body, "Hate: a qualifying") {
		t.Fatal("south has no hate route")
	}
	c.Get("/case-review/areas/nowhere").Status(t, 404)

	bare := crServer(t, false).Client(t)
	bare.Get("/case-review").Status(t, 200).Contains(t, "(not published yet)")
	bare.Get("/case-review/areas/demo-north").Status(t, 200).Contains(t, "has not published its ASB case review procedure")
}

func TestCaseReviewCheckerMet(t *testing.T) {
	s := crServer(t, true)
	c := s.Client(t)
	c.Get("/case-review/check").Status(t, 303)
	c.Get("/case-review/check/postcode").Status(t, 200).Contains(t, "What is the postcode")
	c.PostForm("/case-review/check/postcode", url.Values{"postcode": {""}}).Status(t, 422).Contains(t, "There is a problem", "Enter a postcode")
	c.PostForm("/case-review/check/postcode", url.Values{"postcode": {"DM1 9ZZ"}}).Status(t, 422).
		Contains(t, "We could not find that postcode", `value="DM1 9ZZ"`)
	redirects(t, c, "/case-review/check/postcode", url.Values{"postcode": {db.DemoOutsidePostcode}}, "/case-review/check/outside-our-area")
	c.Get("/case-review/check/outside-our-area").Status(t, 200).Contains(t, "outside our area", "police.uk")
	crPostcode(t, c, "south-harbour")

	// Validation keeps what was typed.
	c.Get("/case-review/check/incidents/1/when").Status(t, 200).Contains(t, "Incident 1", "When did it happen?")
	c.PostForm("/case-review/check/incidents/1/when", url.Values{"occurred-day": {"31"}, "occurred-month": {"2"}, "occurred-year": {"2026"}}).
		Status(t, 422).Contains(t, "must be a real date", `value="31"`, `href="#occurred-day"`)
	c.PostForm("/case-review/check/incidents/1/when", crDate("occurred", -3)).Status(t, 422).Contains(t, "today or in the past")
	// Skipping ahead is sent back to the first unanswered question.
	if loc := c.Get("/case-review/check/incidents/1/hate").Status(t, 303).Header.Get("Location"); loc != "/case-review/check/incidents/1/when" {
		t.Fatalf("skipping ahead: %q", loc)
	}
	redirects(t, c, "/case-review/check/incidents/1/when", crDate("occurred", 10), "/case-review/check/incidents/1/reported")
	c.PostForm("/case-review/check/incidents/1/reported", crMerge(crDate("reported", 11), url.Values{"agency-ref": {"HX-77"}})).
		Status(t, 422).Contains(t, "Select who you reported it to", "the same as or after the date it happened", `value="HX-77"`)
	redirects(t, c, "/case-review/check/incidents/1/reported", crMerge(crDate("reported", 9), url.Values{"agency": {"housing"}, "agency-ref": {"HX-77"}}),
		"/case-review/check/incidents/1/problem")
	c.Get("/case-review/check/incidents/1/problem").Status(t, 200).Contains(t, "Give the problem a short name")
	c.PostForm("/case-review/check/incidents/1/problem", url.Values{"problem-name": {""}}).Status(t, 422).Contains(t, "Enter a short name for the problem")
	redirects(t, c, "/case-review/check/incidents/1/problem", url.Values{"problem-name": {"Noise from number 4"}}, "/case-review/check/incidents/1/hate")
	c.PostForm("/case-review/check/incidents/1/hate", nil).Status(t, 422).Contains(t, "Select yes if you think it happened because of who you are")
	redirects(t, c, "/case-review/check/incidents/1/hate", url.Values{"hate": {"no"}}, "/case-review/check/incidents")

	list := c.Get("/case-review/check/incidents").Status(t, 200)
	list.Contains(t, "South Demoshire District Council", "Incident 1", "To the Housing provider on", "Reference: HX-77", "Noise from number 4")
	c.PostForm("/case-review/check/incidents", nil).Status(t, 422).Contains(t, "Select yes if you need to add another incident")
	redirects(t, c, "/case-review/check/incidents", url.Values{"add-another": {"yes"}}, "/case-review/check/incidents/2/when")
	// The second incident picks the same problem from the list.
	redirects(t, c, "/case-review/check/incidents/2/when", crDate("occurred", 4), "/case-review/check/incidents/2/reported")
	redirects(t, c, "/case-review/check/incidents/2/reported", crMerge(crDate("reported", 3), url.Values{"agency": {"police"}}),
		"/case-review/check/incidents/2/problem")
	c.Get("/case-review/check/incidents/2/problem").Status(t, 200).Contains(t, `value="Noise from number 4"`, "A different problem")
	c.PostForm("/case-review/check/incidents/2/problem", nil).Status(t, 422).Contains(t, "Select the problem this incident is part of")
	redirects(t, c, "/case-review/check/incidents/2/problem", url.Values{"problem": {"Noise from number 4"}}, "/case-review/check/incidents/2/hate")
	redirects(t, c, "/case-review/check/incidents/2/hate", url.Values{"hate": {"not-sure"}}, "/case-review/check/incidents")
	redirects(t, c, "/case-review/check/incidents", url.Values{"add-another": {"no"}}, "/case-review/check/result")

	res := c.Get("/case-review/check/result").Status(t, 200)
	res.Contains(t, "Your answers meet the threshold for a case review", "The threshold is met: 2 qualifying incidents",
		"Statutory: at least 2 qualifying complaints", "This result is only a guide", "Counts", "not sure whether an incident",
		`href="/case-review/apply"`, "Apply for a case review")
	if strings.Contains(res.Body, "Does not count") {
		t.Fatal("a qualifying complaint is shown as not counting")
	}
	if n := strings.Count(res.Body, "govuk-tag--green"); n != 2 {
		t.Fatalf("%d incidents count, want 2", n)
	}
}

func TestCaseReviewCheckerNotMetExplainsWhy(t *testing.T) {
	s := crServer(t, true)
	c := s.Client(t)
	crPostcode(t, c, "north-riverside")
	crIncident(t, c, 1, 50, 10, "council", "Bikes on the green", "no")
	redirects(t, c, "/case-review/check/incidents", url.Values{"add-another": {"yes"}}, "/case-review/check/incidents/2/when")
	crIncident(t, c, 2, 5, 5, "police", "Bikes on the green", "no")
	redirects(t, c, "/case-review/check/incidents", url.Values{"add-another": {"no"}}, "/case-review/check/result")
	c.Get("/case-review/check/result").Status(t, 200).Contains(t, "Your answers do not meet the threshold yet",
		"1 qualifying incident about", "2 more qualifying complaints about the same problem would meet it",
		"Does not count", "reported 40 days after it happened; a complaint must be made within one month",
		"This result is only a guide", "You can still apply")

	// Change an answer from the list and come back to it.
	c.Get("/case-review/check/incidents/1/reported?change=1").Status(t, 200).Contains(t, `name="change" value="1"`)
	redirects(t, c, "/case-review/check/incidents/1/reported",
		crMerge(crDate("reported", 45), url.Values{"agency": {"council"}, "change": {"1"}}), "/case-review/check/incidents")
	if res := c.Get("/case-review/check/result").Status(t, 200).Contains(t, "2 qualifying incidents about"); strings.Contains(res.Body, "Does not count") {
		t.Fatal("a complaint made within a month does not count")
	}
	// An unfinished incident must be finished or removed.
	redirects(t, c, "/case-review/check/incidents", url.Values{"add-another": {"yes"}}, "/case-review/check/incidents/3/when")
	c.Get("/case-review/check/incidents").Status(t, 200).Contains(t, "Not finished", "Finish incident 3")
	c.PostForm("/case-review/check/incidents", url.Values{"add-another": {"no"}}).Status(t, 422).Contains(t, "Finish incident 3, or remove it")
	if loc := c.Get("/case-review/check/result").Status(t, 303).Header.Get("Location"); loc != "/case-review/check/incidents" {
		t.Fatalf("result with an unfinished incident: %q", loc)
	}
	redirects(t, c, "/case-review/check/incidents/3/remove", nil, "/case-review/check/incidents")
	c.Get("/case-review/check/incidents").Status(t, 200).Contains(t, "Incident 3 has been removed")
	c.Get("/case-review/check/incidents/3/when").Status(t, 404)
	redirects(t, c, "/case-review/check/incidents", url.Values{"add-another": {"no"}}, "/case-review/check/result")

	// Starting again forgets everything.
	redirects(t, c, "/case-review/check/start-again", nil, "/case-review/check")
	if loc := c.Get("/case-review/check/incidents").Status(t, 303).Header.Get("Location"); loc != "/case-review/check" {
		t.Fatalf("incidents after starting again: %q", loc)
	}
}

func TestCaseReviewCheckerAreaWithoutPolicy(t *testing.T) {
	s := crServer(t, false)
	c := s.Client(t)
	c.Get("/case-review/check/postcode")
	redirects(t, c, "/case-review/check/postcode", url.Values{"postcode": {db.DemoPostcodes()["south-market"][0]}}, "/case-review/check/no-policy")
	c.Get("/case-review/check/no-policy").Status(t, 200).Contains(t, "We cannot check this area yet", "South Demoshire District Council",
		"You still have the right to ask for a review")
	// Nobody can skip to the incidents of an area without a policy.
	if loc := s.Client(t).Get("/case-review/check/no-policy").Status(t, 303).Header.Get("Location"); loc != "/case-review/check" {
		t.Fatalf("no-policy page without an area: %q", loc)
	}
}

// crResident creates a signed-in resident with reports about one problem
// in north-riverside; it returns the client, the user and the references.
func crResident(t *testing.T, s *handlerstest.Server, email string, n int) (*handlerstest.Client, int64, []string) {
	t.Helper()
	ctx := context.Background()
	uid, err := s.Store.CreateUser(ctx, db.NewUser{Email: email, Role: portal.RoleResident, DisplayName: "Robin Resident"})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	var problem int64
	for i := range n {
		d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", uid*1000+int64(i)), CategoryCode: "noise",
			Postcode: strings.ReplaceAll(riversidePostcode(), " ", ""), NeighbourhoodCode: "north-riverside",
			Description: "Music again", HappenedBefore: "yes", Hate: "no", Anonymous: "no", Name: "Robin",
			Email: email, ContactPreference: "email", SafeToLeave: "no", ProblemID: problem}
		got, err := s.Store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -3*(n-i)), UserID: uid})
		if err != nil {
			t.Fatal(err)
		}
		if problem == 0 {
			if err := openDB(t, s).QueryRow(`SELECT problem_id FROM reports WHERE id = $1`, got.ID).Scan(&problem); err != nil {
				t.Fatal(err)
			}
		}
		refs = append(refs, got.Reference)
	}
	c := s.Client(t)
	c.SignIn(uid)
	return c, uid, refs
}

func TestCaseReviewCheckerFromYourReports(t *testing.T) {
	s := crServer(t, true)
	c, _, refs := crResident(t, s, "robin@example.org", 2)
	if loc := c.Get("/case-review/check").Status(t, 303).Header.Get("Location"); loc != "/case-review/check/your-reports" {
		t.Fatalf("signed-in start: %q", loc)
	}
	page := c.Get("/case-review/check/your-reports").Status(t, 200).Contains(t, "Which problem do you want to check?",
		"Noise in Riverside", "2 reports", "A problem I have not reported on this website")
	c.PostForm("/case-review/check/your-reports", nil).Status(t, 422).Contains(t, "Select the problem you want to check")
	m := regexp.MustCompile(`name="problem" type="radio" value="([0-9]+)"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no problem to choose")
	}
	redirects(t, c, "/case-review/check/your-reports", url.Values{"problem": {m[1]}}, "/case-review/check/incidents")
	c.Get("/case-review/check/incidents").Status(t, 200).Contains(t, "your report "+refs[0], "your report "+refs[1],
		"To the Police on", "Noise in Riverside", "including the reports you made to us")
	// A report made elsewhere is added with its reference number.
	redirects(t, c, "/case-review/check/incidents", url.Values{"add-another": {"yes"}}, "/case-review/check/incidents/3/when")
	redirects(t, c, "/case-review/check/incidents/3/when", crDate("occurred", 2), "/case-review/check/incidents/3/reported")
	redirects(t, c, "/case-review/check/incidents/3/reported", crMerge(crDate("reported", 1), url.Values{"agency": {"council"}, "agency-ref": {"ENV/123"}}),
		"/case-review/check/incidents/3/problem")
	redirects(t, c, "/case-review/check/incidents/3/problem", url.Values{"problem": {"Noise in Riverside"}}, "/case-review/check/incidents/3/hate")
	redirects(t, c, "/case-review/check/incidents/3/hate", url.Values{"hate": {"no"}}, "/case-review/check/incidents")
	redirects(t, c, "/case-review/check/incidents", url.Values{"add-another": {"no"}}, "/case-review/check/result")
	c.Get("/case-review/check/result").Status(t, 200).Contains(t, "Your answers meet the threshold", "3 qualifying incidents")
	// Someone not signed in starts at the postcode.
	if loc := s.Client(t).Get("/case-review/check").Status(t, 303).Header.Get("Location"); loc != "/case-review/check/postcode" {
		t.Fatalf("anonymous start: %q", loc)
	}
}

var crRefRE = regexp.MustCompile(`CR-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}`)

func TestCaseReviewApplication(t *testing.T) {
	s := crServer(t, true)
	c := s.Client(t)
	// Applying before checking goes to the checker.
	if loc := c.Get("/case-review/apply").Status(t, 303).Header.Get("Location"); loc != "/case-review/check" {
		t.Fatalf("apply first: %q", loc)
	}
	crPostcode(t, c, "south-harbour")
	crIncident(t, c, 1, 6, 5, "police", "Shouting at night", "no")
	if loc := c.Get("/case-review/apply").Status(t, 303).Header.Get("Location"); loc != "/case-review/apply/who" {
		t.Fatalf("apply: %q", loc)
	}
	if loc := c.Get("/case-review/apply/contact").Status(t, 303).Header.Get("Location"); loc != "/case-review/apply/who" {
		t.Fatalf("skipping ahead: %q", loc)
	}
	c.Get("/case-review/apply/who").Status(t, 200).Contains(t, "Who are you applying for?")
	c.PostForm("/case-review/apply/who", nil).Status(t, 422).Contains(t, "Select who you are applying for")
	c.PostForm("/case-review/apply/who", url.Values{"for-whom": {"other"}, "relationship": {"Her son"}}).Status(t, 422).
		Contains(t, "if they have agreed", `value="Her son"`, `href="#consent"`)
	redirects(t, c, "/case-review/apply/who", url.Values{"for-whom": {"other"}, "relationship": {"Her son"}, "consent": {"yes"}}, "/case-review/apply/victim")
	c.Get("/case-review/apply/victim").Status(t, 200)
	c.PostForm("/case-review/apply/victim", url.Values{"victim-name": {"Ann <Other>"}}).Status(t, 422).
		Contains(t, "Select whether the victim is a person", `value="Ann &lt;Other&gt;"`)
	redirects(t, c, "/case-review/apply/victim", url.Values{"victim-kind": {"person"}, "victim-name": {"Ann <Other>"}}, "/case-review/apply/contact")
	c.Get("/case-review/apply/contact").Status(t, 200)
	c.PostForm("/case-review/apply/contact", url.Values{"name": {"Sam Applicant"}, "email": {"sam@"}}).Status(t, 422).
		Contains(t, "correct format", `value="sam@"`, `value="Sam Applicant"`)
	redirects(t, c, "/case-review/apply/contact", url.Values{"name": {"Sam Applicant"}, "email": {"Sam@Example.org"}}, "/case-review/apply/summary")
	c.Get("/case-review/apply/summary").Status(t, 200).Contains(t, "You can enter up to 3000 characters")
	c.PostForm("/case-review/apply/summary", url.Values{"summary": {strings.Repeat("x", 3001)}}).Status(t, 422).Contains(t, "3,000 characters or fewer")
	redirects(t, c, "/case-review/apply/summary", url.Values{"summary": {"Shouting every night.\nNobody has helped."}}, "/case-review/apply/check")
	check := c.Get("/case-review/apply/check").Status(t, 200).Contains(t, "Check your answers before sending your application",
		"South Demoshire District Council", "Shouting at night", "Her son", "Ann &lt;Other&gt;", "Sam@Example.org",
		"Nobody has helped", "has agreed")
	// Changing an answer from the check page returns to it.
	redirects(t, c, "/case-review/apply/contact", url.Values{"name": {"Sam Applicant"}, "email": {"Sam@Example.org"}, "phone": {"01632 960 001"}, "change": {"1"}},
		"/case-review/apply/check")
	key := keyRE.FindStringSubmatch(check.Body)
	if key == nil {
		t.Fatal("no idempotency key")
	}
	redirects(t, c, "/case-review/apply/check", url.Values{"idempotency_key": {key[1]}}, "/case-review/apply/sent")
	// A double click sends the same key: same confirmation, one application.
	redirects(t, c, "/case-review/apply/check", url.Values{"idempotency_key": {key[1]}}, "/case-review/apply/sent")
	sent := c.Get("/case-review/apply/sent").Status(t, 200).Contains(t, "Application sent", "We have sent you an email")
	ref := crRefRE.FindString(sent.Body)
	conn := openDB(t, s)
	var apps int
	var status, email string
	if err := conn.QueryRow(`SELECT count(*), min(status), min(applicant_email) FROM case_review_applications`).Scan(&apps, &status, &email); err != nil {
		t.Fatal(err)
	}
	if apps != 1 || status != "received" || email != "sam@example.org" || ref == "" {
		t.Fatalf("apps=%d status=%s email=%s ref=%q", apps, status, email, ref)
	}
	var subject, body string
	if err := conn.QueryRow(`SELECT subject, text_body FROM outbox WHERE recipient = 'Sam@Example.org'`).Scan(&subject, &body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(subject, ref) || !strings.Contains(body, "/case-review/applications/"+ref) || strings.Contains(body, "Shouting") {
		t.Fatalf("acknowledgement %q / %q", subject, body)
	}
	// The answers are gone; the applicant's view is open to this browser.
	if loc := c.Get("/case-review/apply/check").Status(t, 303).Header.Get("Location"); loc != "/case-review/check" {
		t.Fatalf("check after sending: %q", loc)
	}
	c.Get("/case-review/applications/"+ref).Status(t, 200).Contains(t, "Your case review application", "Received",
		"We acknowledge your application", "working days left", "Ann &lt;Other&gt;")

	// Anyone else must prove the reference and email.
	other := s.Client(t)
	other.Get("/case-review/applications/"+ref).Status(t, 404)
	other.Get("/case-review/applications").Status(t, 200).Contains(t, "Follow your case review application")
	other.PostForm("/case-review/applications", url.Values{"reference": {"nonsense"}}).Status(t, 422).
		Contains(t, "like CR-7K3Q-9XPD", "Enter the email address you gave")
	other.PostForm("/case-review/applications", url.Values{"reference": {ref}, "email": {"jo@example.org"}}).Status(t, 422).
		Contains(t, "We could not find an application with that reference and email address")
	redirects(t, other, "/case-review/applications", url.Values{"reference": {strings.ToLower(ref)}, "email": {"sam@example.org"}},
		"/case-review/applications/"+ref)
	other.Get("/case-review/applications/"+ref).Status(t, 200)

	// Once the coordinator decides, the applicant sees the decision, its
	// reasons and the countdowns that follow.
	if _, err := conn.Exec(`UPDATE case_review_applications SET status = 'threshold_met', acknowledged_at = now(),
		decision = 'met', decision_route = 'statutory', decision_reasons = 'Two complaints within a month.', decided_at = now()
		WHERE reference = $1`, ref); err != nil {
		t.Fatal(err)
	}
	c.Get("/case-review/applications/"+ref).Status(t, 200).Contains(t, "Threshold met", "Decision on the threshold",
		"is met", "Two complaints within a month.", "Statutory: at least 2 qualifying complaints", "The case review meeting", "Done")
}

func TestCaseReviewProactiveNotice(t *testing.T) {
	s := crServer(t, true)
	c, _, refs := crResident(t, s, "robin@example.org", 2)
	conn := openDB(t, s)
	countNotices := func() int {
		var n int
		if err := conn.QueryRow(`SELECT count(*) FROM outbox WHERE subject LIKE 'You may be able to ask for an ASB case review%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	c.Get("/track/"+refs[1]).Status(t, 200)
	if strings.Contains(c.Get("/track/"+refs[1]).Body, "may meet the threshold") {
		t.Fatal("notice shown before the threshold is met")
	}
	// "It happened again": the third report about the problem meets demo-north's 3.
	report := func() string {
		c.Get("/track/" + refs[1])
		redirects(t, c, "/track/"+refs[1]+"/again", nil, "/report/safety")
		today := time.Now().In(crLondon)
		for _, step := range []struct {
			path   string
			values url.Values
		}{
			{"/report/safety", url.Values{"safety": {"no"}}},
			{"/report/when", url.Values{"when-day": {fmt.Sprint(today.Day())}, "when-month": {fmt.Sprint(int(today.Month()))},
				"when-year": {fmt.Sprint(today.Year())}, "happened-before": {"yes"}, "how-often": {"Nightly"}}},
			{"/report/details", url.Values{"description": {"Music again until 2am"}}},
			{"/report/people", nil},
			{"/report/impact", url.Values{"hate": {"no"}}},
			{"/report/photos", url.Values{"action": {"continue"}}},
			{"/report/about-you", url.Values{"anonymous": {"no"}, "name": {"Robin"}, "email": {"robin@example.org"},
				"contact-preference": {"email"}, "safe-to-leave": {"no"}}},
		} {
			c.Get(step.path)
			c.PostForm(step.path, step.values).Status(t, 303)
		}
		submit(t, c, c.Get("/report/check").Status(t, 200)).Status(t, 303)
		return refRE.FindString(c.Get("/report/sent").Status(t, 200).Body)
	}
	third := report()
	if n := countNotices(); n != 1 {
		t.Fatalf("%d notices after the third report, want 1", n)
	}
	var body string
	if err := conn.QueryRow(`SELECT text_body FROM outbox WHERE recipient = 'robin@example.org' AND subject LIKE 'You may%'`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "/case-review") || strings.Contains(body, "Music") || strings.Contains(body, third) {
		t.Fatalf("notice email %q", body)
	}
	for _, ref := range []string{refs[0], third} {
		c.Get("/track/"+ref).Status(t, 200).Contains(t, "Your reports may meet the threshold for an ASB case review: you may apply",
			"Check and apply")
	}
	// A fourth report does not send a second email.
	report()
	if n := countNotices(); n != 1 {
		t.Fatalf("%d notices after the fourth report, want 1", n)
	}
	// "Check and apply" fills the checker with the reporter's reports.
	redirects(t, c, "/track/"+third+"/case-review", nil, "/case-review/check/incidents")
	c.Get("/case-review/check/incidents").Status(t, 200).Contains(t, "Incident 4", "your report "+third)
	// Someone else cannot start the checker from the report.
	s.Client(t).PostForm("/track/"+third+"/case-review", nil).Status(t, 403)
	stranger := s.Client(t)
	stranger.Get("/case-review/check/postcode")
	stranger.PostForm("/track/"+third+"/case-review", nil).Status(t, 404)
}

func TestCaseReviewCheckerRefers(t *testing.T) {
	s := crServer(t, true)
	ctx := context.Background()
	p := portal.DemoPolicies()[1]
	p.EffectiveFrom, p.DiscretionaryRole = time.Now().AddDate(0, 0, -1), "Community Safety Partnership manager"
	if err := s.Store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.SaveCaseReviewPolicy(ctx, p, 0); return err }); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.Get("/case-review/areas/demo-south").Status(t, 200).Contains(t, "version 2", "Community Safety Partnership manager")
	crPostcode(t, c, "south-heath")
	crIncident(t, c, 1, 3, 2, "council", "Fly-tipping in the alley", "no")
	redirects(t, c, "/case-review/check/incidents", url.Values{"add-another": {"no"}}, "/case-review/check/result")
	c.Get("/case-review/check/result").Status(t, 200).Contains(t, "The council may decide to hold a review",
		"lets the Community Safety Partnership manager decide", "the council will decide whether to hold a review")
}
