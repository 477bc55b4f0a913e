package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// crFixture is a database with the demo geography and a resident.
type crFixture struct {
	store    *db.Store
	conn     *sql.DB
	resident int64
	n        int
}

func newCRFixture(t *testing.T, policies bool) *crFixture {
	t.Helper()
	store, url := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	if policies {
		if _, err := store.LoadDemoPolicies(ctx); err != nil {
			t.Fatal(err)
		}
	}
	id, err := store.CreateUser(ctx, db.NewUser{Email: "sam@example.org", Role: portal.RoleResident, DisplayName: "Sam"})
	if err != nil {
		t.Fatal(err)
	}
	return &crFixture{store: store, conn: rawDB(t, url), resident: id}
}

// report stores a report in a neighbourhood; email "" makes it anonymous,
// userID 0 leaves it without an account, problem 0 starts a new problem.
// It returns the report's ID and problem.
func (f *crFixture) report(t *testing.T, neighbourhood, email string, userID, problem int64, occurred time.Time, hate string) (int64, int64) {
	t.Helper()
	f.n++
	d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0xc0ffee00+f.n), CategoryCode: "noise",
		Postcode: strings.ReplaceAll(db.DemoPostcodes()[neighbourhood][0], " ", ""), NeighbourhoodCode: neighbourhood,
		Description: "Music every night", HappenedBefore: "yes", Hate: hate, Anonymous: "yes", ProblemID: problem}
	if email != "" {
		d.Anonymous, d.Name, d.Email, d.ContactPreference, d.SafeToLeave = "no", "Sam Resident", email, "email", "no"
	}
	got, err := f.store.CreateReport(context.Background(), db.NewReport{Draft: d, OccurredOn: occurred, UserID: userID})
	if err != nil {
		t.Fatal(err)
	}
	var p int64
	if err := f.conn.QueryRow(`SELECT problem_id FROM reports WHERE id = $1`, got.ID).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return got.ID, p
}

func daysAgo(n int) time.Time { return time.Now().AddDate(0, 0, -n) }

func TestCaseReviewAreasAndPublicPolicy(t *testing.T) {
	f := newCRFixture(t, false)
	ctx := context.Background()
	areas, err := f.store.CaseReviewAreas(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(areas) != 2 || areas[0].Code != "demo-north" || areas[0].Name != "North Demoshire District Council" || areas[0].HasPolicy {
		t.Fatalf("areas before policies = %+v", areas)
	}
	la, _, err := f.store.PublicCaseReviewPolicy(ctx, "demo-south", time.Now())
	if err != nil || la.HasPolicy || la.Name != "South Demoshire District Council" {
		t.Fatalf("area without a policy = %+v, %v", la, err)
	}
	if _, _, err := f.store.PublicCaseReviewPolicy(ctx, "nowhere", time.Now()); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unknown area: %v", err)
	}
	if _, err := f.store.LoadDemoPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	areas, err = f.store.CaseReviewAreas(ctx, time.Now())
	if err != nil || !areas[0].HasPolicy || !areas[1].HasPolicy {
		t.Fatalf("areas after policies = %+v, %v", areas, err)
	}
	// Policies take effect on their date: none was in force in 2023.
	areas, _ = f.store.CaseReviewAreas(ctx, time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC))
	if areas[0].HasPolicy {
		t.Fatal("a policy is in force before its effective date")
	}
	la, v, err := f.store.PublicCaseReviewPolicy(ctx, "demo-north", time.Now())
	if err != nil || !la.HasPolicy || v.Policy.StatutoryN != 3 || !v.Policy.HateRoute || v.Policy.Version != 1 ||
		!strings.Contains(v.Policy.Contact, "North Demoshire") || v.ID == 0 {
		t.Fatalf("north = %+v %+v, %v", la, v, err)
	}
}

func TestResidentProblems(t *testing.T) {
	f := newCRFixture(t, true)
	ctx := context.Background()
	first, noise := f.report(t, "north-riverside", "sam@example.org", f.resident, 0, daysAgo(9), "no")
	f.report(t, "north-riverside", "sam@example.org", f.resident, noise, daysAgo(5), "yes")
	_, other := f.report(t, "south-harbour", "", f.resident, 0, daysAgo(2), "no")
	f.report(t, "north-riverside", "someone@example.org", 0, noise, daysAgo(1), "no") // another person's report
	got, err := f.store.ResidentProblems(ctx, f.resident)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ProblemID != other || got[1].ProblemID != noise {
		t.Fatalf("problems = %+v (want the most recently reported first)", got)
	}
	p := got[1]
	if p.Area != "demo-north" || p.Neighbourhood != "Riverside" || p.Category != "Noise" || len(p.Reports) != 2 ||
		p.Reports[0].ID != first || p.Reports[1].Hate != "yes" || p.Name() != "Noise in Riverside" {
		t.Fatalf("noise problem = %+v", p)
	}
	if got[0].Area != "demo-south" {
		t.Fatalf("south problem = %+v", got[0])
	}
	none, err := f.store.ResidentProblems(ctx, f.resident+1000)
	if err != nil || len(none) != 0 {
		t.Fatalf("a stranger's problems = %+v, %v", none, err)
	}
}

func TestCaseReviewEvidenceAndNotice(t *testing.T) {
	f := newCRFixture(t, true)
	ctx := context.Background()
	// Two reports signed in, one by email only (same address), one by someone else.
	a, problem := f.report(t, "north-riverside", "sam@example.org", f.resident, 0, daysAgo(9), "no")
	b, _ := f.report(t, "north-riverside", "", f.resident, problem, daysAgo(5), "no") // anonymous, but signed in
	c, _ := f.report(t, "north-riverside", "SAM@example.org", 0, problem, daysAgo(3), "no")
	f.report(t, "north-riverside", "jo@example.org", 0, problem, daysAgo(2), "no")
	anon, _ := f.report(t, "north-riverside", "", 0, problem, daysAgo(1), "no")

	ev, err := f.store.CaseReviewEvidence(ctx, b, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !ev.HasPolicy || ev.Policy.Area != "demo-north" || ev.Recipient != "sam@example.org" || ev.Notified ||
		len(ev.Problem.Reports) != 2 || ev.Problem.Reports[0].ID != a || ev.Problem.Reports[1].ID != b {
		t.Fatalf("evidence from the signed-in report = %+v", ev)
	}
	ev, err = f.store.CaseReviewEvidence(ctx, c, time.Now())
	if err != nil || ev.Recipient != "sam@example.org" || len(ev.Problem.Reports) != 2 || ev.Problem.Reports[1].ID != c {
		t.Fatalf("evidence by email = %+v, %v (want a and c)", ev, err)
	}
	ev, err = f.store.CaseReviewEvidence(ctx, anon, time.Now())
	if err != nil || ev.HasPolicy {
		t.Fatalf("anonymous report without an account = %+v, %v", ev, err)
	}
	if _, err := f.store.CaseReviewNoticeArea(ctx, a); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("notice before any was sent: %v", err)
	}

	m := portal.Email{To: "sam@example.org", Subject: "You may be able to ask for an ASB case review", Text: "x"}
	sent, err := f.store.NotifyCaseReview(ctx, []int64{a, c}, m)
	if err != nil || !sent {
		t.Fatalf("first notice: %v, %v", sent, err)
	}
	sent, err = f.store.NotifyCaseReview(ctx, []int64{a, c, b}, m)
	if err != nil || sent {
		t.Fatalf("second notice sent again: %v, %v", sent, err)
	}
	var emails int
	if err := f.conn.QueryRow(`SELECT count(*) FROM outbox WHERE recipient = 'sam@example.org'`).Scan(&emails); err != nil || emails != 1 {
		t.Fatalf("emails = %d, %v", emails, err)
	}
	ev, _ = f.store.CaseReviewEvidence(ctx, a, time.Now())
	if !ev.Notified {
		t.Fatal("evidence does not say the reporter was told")
	}
	// Every one of the reporter's reports about the problem shows the notice;
	// another reporter's does not.
	for _, id := range []int64{a, b, c} {
		if area, err := f.store.CaseReviewNoticeArea(ctx, id); err != nil || area != "demo-north" {
			t.Fatalf("notice on report %d: %q, %v", id, area, err)
		}
	}
	if _, err := f.store.CaseReviewNoticeArea(ctx, anon); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("notice on someone else's report: %v", err)
	}
}

func TestCreateCaseReviewApplication(t *testing.T) {
	f := newCRFixture(t, true)
	ctx := context.Background()
	rid, _ := f.report(t, "north-riverside", "sam@example.org", f.resident, 0, daysAgo(9), "no")
	_, policyID, err := f.store.CaseReviewPolicy(ctx, "demo-north", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := &portal.CaseReviewDraft{Key: strings.Repeat("ab", 16), Area: "demo-north", ForWhom: "other", Relationship: "Her son",
		Consent: true, VictimKind: "person", VictimName: "Ann Other", Name: "Sam Resident", Email: "Sam@Example.org",
		Summary: "Music every night"}
	inc := d.AddIncident()
	inc.Occurred, inc.Reported, inc.Agency, inc.Problem, inc.Hate = portal.PartsOf(daysAgo(9)), portal.PartsOf(daysAgo(8)), "police", "Noise", "no"
	inc.ReportID, inc.ReportRef, inc.AgencyRef, inc.Completed = rid, "ASB-2222-3333", "ASB-2222-3333", portal.IncidentSteps
	inc = d.AddIncident()
	inc.Occurred, inc.Reported, inc.Agency, inc.Problem, inc.Hate = portal.PartsOf(daysAgo(4)), portal.PartsOf(daysAgo(4)), "housing", "Noise", "yes"
	inc.AgencyRef, inc.Completed = "HX-123", portal.IncidentSteps
	d.AddIncident() // unfinished: not stored
	acks := 0
	na := db.NewCaseReviewApplication{Draft: d, PolicyID: policyID, UserID: f.resident, ReceivedOn: time.Now(),
		AckFor: func(ref string) (*portal.Email, error) {
			acks++
			return &portal.Email{To: "sam@example.org", Subject: "Application " + ref, Text: "received"}, nil
		}}
	ref, err := f.store.CreateCaseReviewApplication(ctx, na)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := portal.NormaliseApplicationReference(ref); !ok {
		t.Fatalf("reference %q", ref)
	}
	again, err := f.store.CreateCaseReviewApplication(ctx, na)
	if err != nil || again != ref {
		t.Fatalf("replay = %q, %v; want %q", again, err, ref)
	}
	var apps, incidents, outbox, linked int
	var status, email, relationship string
	var onBehalf, consent bool
	err = f.conn.QueryRow(`SELECT (SELECT count(*) FROM case_review_applications), (SELECT count(*) FROM case_review_incidents),
		(SELECT count(*) FROM outbox WHERE subject LIKE 'Application %'), (SELECT count(*) FROM case_review_incidents WHERE report_id = $2),
		a.status, a.applicant_email, a.relationship, a.on_behalf, a.consent
		FROM case_review_applications a WHERE a.reference = $1`, ref, rid).
		Scan(&apps, &incidents, &outbox, &linked, &status, &email, &relationship, &onBehalf, &consent)
	if err != nil {
		t.Fatal(err)
	}
	if apps != 1 || incidents != 2 || outbox != 1 || acks != 1 || linked != 1 || status != "received" ||
		email != "sam@example.org" || relationship != "Her son" || !onBehalf || !consent {
		t.Fatalf("stored apps=%d incidents=%d outbox=%d acks=%d linked=%d %s %s %q %v %v",
			apps, incidents, outbox, acks, linked, status, email, relationship, onBehalf, consent)
	}
	if got, err := f.store.CaseReviewApplicationByKey(ctx, d.Key); err != nil || got != ref {
		t.Fatalf("by key = %q, %v", got, err)
	}
	if _, err := f.store.CaseReviewApplicationByKey(ctx, strings.Repeat("cd", 16)); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	for _, tt := range []struct {
		email string
		want  bool
	}{{" SAM@example.org ", true}, {"jo@example.org", false}, {"", false}} {
		if ok, err := f.store.MatchApplicant(ctx, ref, tt.email); err != nil || ok != tt.want {
			t.Errorf("MatchApplicant(%q) = %v, %v", tt.email, ok, err)
		}
	}
	if ok, err := f.store.IsApplicant(ctx, ref, f.resident); err != nil || !ok {
		t.Fatalf("IsApplicant = %v, %v", ok, err)
	}
	if ok, _ := f.store.IsApplicant(ctx, ref, f.resident+1); ok {
		t.Fatal("another user is the applicant")
	}

	// Applying for yourself stores no relationship, and a second draft makes
	// a second application.
	d2 := *d
	d2.Key, d2.ForWhom, d2.Consent, d2.Email, d2.Phone = strings.Repeat("ef", 16), "self", false, "", "01632 960 001"
	na.Draft, na.AckFor, na.UserID = &d2, nil, 0
	ref2, err := f.store.CreateCaseReviewApplication(ctx, na)
	if err != nil || ref2 == ref {
		t.Fatalf("second application %q, %v", ref2, err)
	}
	if err := f.conn.QueryRow(`SELECT relationship, on_behalf FROM case_review_applications WHERE reference = $1`, ref2).
		Scan(&relationship, &onBehalf); err != nil || relationship != "" || onBehalf {
		t.Fatalf("self application: %q %v %v", relationship, onBehalf, err)
	}
}
