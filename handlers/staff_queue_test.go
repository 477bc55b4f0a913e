package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// queueReport stores a report in a neighbourhood with a risk, arrived age
// ago and due at due from now (0: no target), and returns its reference.
func queueReport(t *testing.T, s *handlerstest.Server, nbh string, risk portal.Risk, age, due time.Duration, category string) string {
	t.Helper()
	if category == "" {
		category = "noise"
	}
	d := &portal.ReportDraft{Key: newIdemKey(), CategoryCode: category,
		Postcode: strings.ReplaceAll(db.DemoPostcodes()[nbh][0], " ", ""), NeighbourhoodCode: nbh,
		Description: "Private words about the neighbours", HappenedBefore: "no", Hate: "no", Anonymous: "yes"}
	nr := db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -1), Risk: risk}
	if due != 0 {
		nr.DueAt = time.Now().Add(due)
	}
	got, err := s.Store.CreateReport(context.Background(), nr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openDB(t, s).Exec(`UPDATE reports SET created_at = now() - make_interval(secs => $2) WHERE id = $1`,
		got.ID, age.Seconds()); err != nil {
		t.Fatal(err)
	}
	return got.Reference
}

var idemCounter struct {
	sync.Mutex
	n int
}

func newIdemKey() string {
	idemCounter.Lock()
	defer idemCounter.Unlock()
	idemCounter.n++
	return fmt.Sprintf("%032x", 0x51a0000+idemCounter.n)
}

func TestStaffHomeCountsMyAreasOnly(t *testing.T) {
	s := demoServer(t)
	queueReport(t, s, "north-riverside", portal.RiskHigh, 50*time.Hour, -2*time.Hour, "")
	queueReport(t, s, "north-riverside", portal.RiskLow, 2*time.Hour, 48*time.Hour, "")
	queueReport(t, s, "north-castle", portal.RiskLow, 80*time.Hour, -time.Hour, "")
	queueReport(t, s, "south-heath", portal.RiskHigh, 300*time.Hour, -time.Hour, "")
	pcso := newStaff(t, s, "home-pcso@force.example", portal.RolePCSO, "north-riverside")
	officer := newStaff(t, s, "home-officer@force.example", portal.RoleOfficer, "north-riverside", "north-castle")

	row := func(body, label string) string {
		t.Helper()
		m := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(label) + `</a></th>(.*?)</tr>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no row %q", label)
		}
		return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " ")), " ")
	}
	c := s.Client(t)
	c.SignIn(pcso)
	home := c.Get("/staff").Status(t, 200).Contains(t, "Waiting in your areas", "Work on the next report", "Recovery codes left",
		`href="/staff/queue?status=new"`, `href="/staff/queue?mine=1&amp;status=any"`)
	if got := row(home.Body, "New reports to triage"); got != "2 2 days 1 overdue" {
		t.Fatalf("PCSO new reports row %q", got)
	}
	if got := row(home.Body, "Open reports"); got != "0 None waiting 0" {
		t.Fatalf("PCSO open row %q", got)
	}
	o := s.Client(t)
	o.SignIn(officer)
	if got := row(o.Get("/staff").Status(t, 200).Body, "New reports to triage"); got != "3 3 days 2 overdue" {
		t.Fatalf("officer new reports row %q", got)
	}
}

func TestTriageQueueIsOrderedAndScoped(t *testing.T) {
	s := demoServer(t)
	low := queueReport(t, s, "north-riverside", portal.RiskLow, 72*time.Hour, 0, "")
	high := queueReport(t, s, "north-riverside", portal.RiskHigh, time.Hour, -time.Minute, "")
	medium := queueReport(t, s, "north-riverside", portal.RiskMedium, 5*time.Hour, 4*time.Hour, "graffiti")
	castle := queueReport(t, s, "north-castle", portal.RiskHigh, 2*time.Hour, 0, "")
	heath := queueReport(t, s, "south-heath", portal.RiskHigh, 9*time.Hour, 0, "")
	pcso := newStaff(t, s, "queue-pcso@force.example", portal.RolePCSO, "north-riverside")
	c := s.Client(t)
	c.Get("/staff/queue").Status(t, 303) // not signed in
	c.SignIn(pcso)

	page := c.Get("/staff/queue").Status(t, 200).Contains(t, "Triage queue", "Showing 1 to 3 of 3 reports",
		"Overdue by", "Due in 3 hours", "Riverside", "Graffiti", `<option value="north-riverside"`)
	if got := refsIn(page.Body); strings.Join(got, " ") != strings.Join([]string{high, medium, low}, " ") {
		t.Fatalf("order %v, want %v", got, []string{high, medium, low})
	}
	for _, other := range []string{castle, heath, "Castle", "Heath", "south-heath", "Private words"} {
		if strings.Contains(page.Body, other) {
			t.Fatalf("queue shows %q", other)
		}
	}

	t.Run("filters", func(t *testing.T) {
		for q, want := range map[string][]string{
			"?risk=high":                     {high},
			"?category=graffiti":             {medium},
			"?neighbourhood=north-riverside": {high, medium, low},
			"?status=open":                   nil,
			"?mine=1":                        nil,
			"?risk=low&category=noise":       {low},
		} {
			r := c.Get("/staff/queue"+q).Status(t, 200)
			if got := refsIn(r.Body); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: %v, want %v", q, got, want)
			}
			if want == nil {
				r.Contains(t, "No reports match your filters", "Clear filters")
			}
		}
	})
	t.Run("another area answers like no area", func(t *testing.T) {
		other := c.Get("/staff/queue?neighbourhood=south-heath").Status(t, 422)
		missing := c.Get("/staff/queue?neighbourhood=nowhere").Status(t, 422)
		other.Contains(t, "There is a problem", `href="#neighbourhood"`, "Select a neighbourhood from the list",
			"govuk-select--error", "<title>Error: ")
		missing.Contains(t, "Select a neighbourhood from the list")
		for _, r := range []*handlerstest.Response{other, missing} {
			if len(refsIn(r.Body)) != 0 || strings.Contains(r.Body, heath) || strings.Contains(r.Body, "Heath") {
				t.Fatal("an invalid filter shows reports or the other area")
			}
		}
		c.Get("/staff/queue?status=closed&risk=urgent&category=x").Status(t, 422).Contains(t,
			"Select a status from the list", "Select a risk level from the list", "Select a category from the list")
		c.Get("/staff/reports/"+heath).Status(t, 404)
	})
}

func TestTriageQueuePages(t *testing.T) {
	s := demoServer(t)
	for i := range portal.QueuePageSize + 3 {
		queueReport(t, s, "north-mill", portal.RiskLow, time.Duration(100-i)*time.Hour, 0, "")
	}
	officer := newStaff(t, s, "pages@force.example", portal.RoleOfficer, "north-mill")
	c := s.Client(t)
	c.SignIn(officer)
	p1 := c.Get("/staff/queue?risk=low").Status(t, 200).Contains(t, "Showing 1 to 25 of 28 reports",
		`href="/staff/queue?page=2&amp;risk=low"`, `aria-current="page">1</a>`, `rel="next"`)
	p2 := c.Get("/staff/queue?page=2&risk=low").Status(t, 200).Contains(t, "Showing 26 to 28 of 28 reports", `rel="prev"`,
		`href="/staff/queue?risk=low"`)
	if len(refsIn(p1.Body)) != 25 || len(refsIn(p2.Body)) != 3 {
		t.Fatalf("pages hold %d and %d", len(refsIn(p1.Body)), len(refsIn(p2.Body)))
	}
	c.Get("/staff/queue?page=nonsense").Status(t, 200).Contains(t, "Showing 1 to 25 of 28 reports")
}

func refsIn(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`href="/staff/reports/(ASB-[0-9A-Z]{4}-[0-9A-Z]{4})"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestNextItemClaimsDifferentReports(t *testing.T) {
	s := demoServer(t)
	low := queueReport(t, s, "north-riverside", portal.RiskLow, 10*time.Hour, 0, "")
	high := queueReport(t, s, "north-riverside", portal.RiskHigh, time.Hour, 0, "")
	queueReport(t, s, "south-heath", portal.RiskHigh, 20*time.Hour, 0, "")
	pcso := newStaff(t, s, "next-pcso@force.example", portal.RolePCSO, "north-riverside")
	officer := newStaff(t, s, "next-officer@force.example", portal.RoleOfficer, "north-riverside")

	c := s.Client(t)
	c.SignIn(pcso)
	c.Get("/staff/queue")
	if loc := c.PostForm("/staff/queue/next", nil).Status(t, 303).Header.Get("Location"); loc != "/staff/reports/"+high {
		t.Fatalf("first next item: %q, want %s", loc, high)
	}
	c.Get("/staff/queue").Status(t, 200).Contains(t, "Claimed by you")
	o := s.Client(t)
	o.SignIn(officer)
	o.Get("/staff/queue").Status(t, 200).Contains(t, "Claimed by next-pcso@force.example")
	if loc := o.PostForm("/staff/queue/next", nil).Status(t, 303).Header.Get("Location"); loc != "/staff/reports/"+low {
		t.Fatalf("second next item: %q, want %s", loc, low)
	}
	loc := o.PostForm("/staff/queue/next", url.Values{"risk": {"high"}}).Status(t, 303).Header.Get("Location")
	if loc != "/staff/queue?claimed=none&risk=high" {
		t.Fatalf("nothing left: %q", loc)
	}
	o.Get(loc).Status(t, 200).Contains(t, "There are no unclaimed reports to work on that match your filters")

	rows, err := s.Store.AuditLog(context.Background(), db.AuditFilter{Action: "report.claim"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].TargetType != "report" || rows[0].TargetID != low || rows[1].TargetID != high || rows[1].ActorID != pcso {
		t.Fatalf("audit %+v", rows)
	}
	// Hidden filter fields that were tampered with, and requests without a token.
	o.PostForm("/staff/queue/next", url.Values{"neighbourhood": {"south-heath"}}).Status(t, 400)
	o.PostForm("/staff/queue/next", url.Values{"csrf_token": {"wrong"}}).Status(t, 403)
	s.Client(t).PostForm("/staff/queue/next", nil).Status(t, 403)
}

func TestNextItemUnderConcurrentOfficers(t *testing.T) {
	s := demoServer(t)
	const reports, officers = 6, 10
	for i := range reports {
		queueReport(t, s, "north-castle", portal.RiskMedium, time.Duration(i)*time.Hour, 0, "")
	}
	var clients []*handlerstest.Client
	for i := range officers {
		c := s.Client(t)
		c.SignIn(newStaff(t, s, fmt.Sprintf("racer%d@force.example", i), portal.RoleOfficer, "north-castle"))
		c.Get("/staff/queue").Status(t, 200)
		clients = append(clients, c)
	}
	locs := make([]string, officers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := c.PostForm("/staff/queue/next", nil)
			if r.StatusCode != http.StatusSeeOther {
				t.Errorf("status %d", r.StatusCode)
			}
			locs[i] = r.Header.Get("Location")
		}()
	}
	close(start)
	wg.Wait()
	seen, none := map[string]bool{}, 0
	for _, l := range locs {
		switch {
		case strings.HasPrefix(l, "/staff/reports/"):
			if seen[l] {
				t.Fatalf("%s given to two officers: %v", l, locs)
			}
			seen[l] = true
		case strings.Contains(l, "claimed=none"):
			none++
		default:
			t.Fatalf("unexpected Location %q", l)
		}
	}
	if len(seen) != reports || none != officers-reports {
		t.Fatalf("%d claimed, %d found none: %v", len(seen), none, locs)
	}
}

func TestSubmittedReportGetsInitialRiskAndTarget(t *testing.T) {
	s := demoServer(t)
	conn := openDB(t, s)
	// The journey's answers: health and children affected and circumstances given: high.
	c := s.Client(t)
	ref := refRE.FindString(submitJourney(t, c, nil).Body)
	var risk string
	var due time.Time
	if err := conn.QueryRow(`SELECT risk, due_at FROM reports WHERE reference = $1`, ref).Scan(&risk, &due); err != nil {
		t.Fatal(err)
	}
	if want := portal.DefaultTargets().DueAt(time.Now(), portal.RiskHigh); risk != "high" || due.Sub(want).Abs() > time.Minute {
		t.Fatalf("risk %s due %s, want high due %s", risk, due, want)
	}

	// A low-risk answer set, sent three times by the same person: the third
	// makes them a repeat victim, which raises it to medium.
	lowRisk := func(step string, v url.Values) {
		switch step {
		case "/report/impact":
			v.Del("impacts")
			v.Set("vulnerability", "")
		case "/report/when":
			v.Set("happened-before", "no")
		case "/report/about-you":
			v.Set("email", "again@example.org")
		}
	}
	var risks []string
	for range 3 {
		ref := refRE.FindString(submitJourney(t, s.Client(t), lowRisk).Body)
		if err := conn.QueryRow(`SELECT risk FROM reports WHERE reference = $1`, ref).Scan(&risk); err != nil {
			t.Fatal(err)
		}
		risks = append(risks, risk)
	}
	if strings.Join(risks, ",") != "low,low,medium" {
		t.Fatalf("risks %v, want low,low,medium", risks)
	}
}

// submitJourney walks the reporting journey (each step's answers changed
// by change, if given), submits it and returns the confirmation page.
func submitJourney(t *testing.T, c *handlerstest.Client, change func(step string, v url.Values)) *handlerstest.Response {
	t.Helper()
	for _, step := range reportAnswers() {
		if change != nil {
			change(step.path, step.values)
		}
		c.Get(step.path)
		if r := c.PostForm(step.path, step.values); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: status %d\n%s", step.path, r.StatusCode, r.Body)
		}
	}
	submit(t, c, c.Get("/report/check").Status(t, 200)).Status(t, 303)
	return c.Get("/report/sent").Status(t, 200)
}
