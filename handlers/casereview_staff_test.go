package handlers_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// crsWorld is the demo force with its case review policies, a coordinator
// for each LPA, a PCSO, a force admin, a movable clock and an application
// in demo-south.
type crsWorld struct {
	s                       *handlerstest.Server
	clock                   *atomic.Pointer[time.Time]
	south, north, pcso, adm *handlerstest.Client
	southID                 int64
	ref                     string
	n                       int
}

func newCRSWorld(t *testing.T) *crsWorld {
	t.Helper()
	clock := &atomic.Pointer[time.Time]{}
	now := time.Now()
	clock.Store(&now)
	s := caseReviewServer(t, func(cfg *handlers.Config) { cfg.Now = func() time.Time { return *clock.Load() } })
	w := &crsWorld{s: s, clock: clock}
	clients := []**handlerstest.Client{&w.south, &w.north, &w.pcso, &w.adm}
	for i, st := range []struct {
		email string
		role  portal.Role
		lpa   string
	}{
		{"south.crc@council.example", portal.RoleCaseReviewCoordinator, "south"},
		{"north.crc@council.example", portal.RoleCaseReviewCoordinator, "north"},
		{"pcso@force.example", portal.RolePCSO, "south"},
		{"admin@force.example", portal.RoleForceAdmin, ""},
	} {
		id := crsStaff(t, s, st.email, st.role, st.lpa)
		if i == 0 {
			w.southID = id
		}
		*clients[i] = s.Client(t)
		(*clients[i]).SignIn(id)
	}
	w.ref = w.apply(t, "demo-south", portal.LondonDate(now), "applicant@example.org")
	return w
}

func crsStaff(t *testing.T, s *handlerstest.Server, email string, role portal.Role, lpa string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := s.Store.CreateUser(ctx, db.NewUser{Email: email, Role: role, DisplayName: "Sam " + string(role)})
	if err != nil {
		t.Fatal(err)
	}
	if lpa != "" {
		if err := s.Store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, []string{lpa}, nil) }); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// apply makes an application the way the residents' journey does: three
// incidents about one problem, the second reported too late to qualify.
func (w *crsWorld) apply(t *testing.T, area string, received time.Time, email string) string {
	t.Helper()
	ctx := context.Background()
	_, policyID, err := w.s.Store.CaseReviewPolicy(ctx, area, received)
	if err != nil {
		t.Fatal(err)
	}
	w.n++
	d := &portal.CaseReviewDraft{Key: fmt.Sprintf("%032x", 0xc4e0000+w.n), Area: area, ForWhom: "other",
		Relationship: "Neighbour", Consent: true, VictimKind: "person", VictimName: "Alex Victim", Name: "Robin Applicant",
		Email: email, Phone: "01632 960 001", Summary: "Music and shouting every night"}
	for i, gap := range []int{1, 40, 2} {
		inc := d.AddIncident()
		occurred := received.AddDate(0, 0, -60+15*i)
		inc.Occurred, inc.Reported = portal.PartsOf(occurred), portal.PartsOf(occurred.AddDate(0, 0, gap))
		inc.Agency, inc.Problem, inc.Hate = []string{"police", "council", "housing"}[i], "Noise at number 4", "no"
		inc.Completed = slices.Clone(portal.IncidentSteps)
	}
	ref, err := w.s.Store.CreateCaseReviewApplication(ctx, db.NewCaseReviewApplication{Draft: d, PolicyID: policyID, ReceivedOn: received})
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func (w *crsWorld) path(suffix string) string { return "/staff/case-reviews/" + w.ref + suffix }

func (w *crsWorld) audits(t *testing.T, action, target string) int {
	t.Helper()
	rows, err := w.s.Store.AuditLog(context.Background(), db.AuditFilter{Action: action, TargetID: target})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// emails lists the outbox messages to a recipient.
func (w *crsWorld) emails(t *testing.T, to string) []db.OutboxMessage {
	t.Helper()
	ms, err := w.s.Store.OutboxMessages(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(ms, func(m db.OutboxMessage) bool { return m.Recipient != to })
}

func (w *crsWorld) status(t *testing.T) portal.ApplicationStatus {
	t.Helper()
	a, err := w.s.Store.StaffCaseReviewApplication(context.Background(), w.ref, portal.Scope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	return a.Progress.Status
}

func TestCaseReviewPagesAreForCoordinatorsInScope(t *testing.T) {
	w := newCRSWorld(t)
	w.south.Get("/staff/case-reviews").Status(t, 200).Contains(t, w.ref, "South Demoshire District Council",
		"Acknowledge the application", "5 working days left", `href="/staff/case-reviews/policies/demo-south"`,
		`href="/case-review/areas/demo-south/statistics"`, ">Case reviews<")
	if r := w.north.Get("/staff/case-reviews").Status(t, 200); strings.Contains(r.Body, w.ref) {
		t.Fatal("a north coordinator sees a south application")
	}
	// Other staff are refused; coordinators of other areas find nothing.
	w.pcso.Get("/staff/case-reviews").Status(t, 403)
	w.pcso.Get(w.path("")).Status(t, 403)
	w.pcso.Get("/staff/case-reviews/policies/demo-south").Status(t, 403)
	w.north.Get(w.path("")).Status(t, 404)
	w.north.Get(w.path("/decision")).Status(t, 404)
	w.north.Get("/staff/case-reviews").Status(t, 200) // fetch a token
	w.north.PostForm(w.path("/acknowledge"), nil).Status(t, 404)
	w.south.Get("/staff/case-reviews/CR-2222-2222").Status(t, 404)
	w.adm.Get(w.path("")).Status(t, 200)
	if got := w.status(t); got != portal.ApplicationReceived {
		t.Fatalf("status %s after refused requests", got)
	}
	// The page shows the applicant's details, and the view is audited.
	before := w.audits(t, "casereview.view", w.ref)
	r := w.south.Get(w.path("")).Status(t, 200)
	r.Contains(t, "Robin Applicant", "applicant@example.org", "Someone else: Neighbour", "Alex Victim",
		"Music and shouting every night", "Beacon’s recommendation", "The threshold appears to be met",
		"No: reported 40 days after it happened", "Acknowledge the application by")
	if got := w.audits(t, "casereview.view", w.ref); got != before+1 {
		t.Fatalf("%d view audits, want %d", got, before+1)
	}
	if w.audits(t, "casereview.queue", "") == 0 {
		t.Fatal("the queue view is not audited")
	}
}

func TestCoordinatorTakesAnApplicationThroughEveryStep(t *testing.T) {
	w := newCRSWorld(t)
	c := w.south
	// Steps out of order are refused.
	c.Get(w.path("/decision")).Status(t, 409)
	c.Get(w.path("")).Status(t, 200)
	c.PostForm(w.path("/decision"), url.Values{"decision": {"met"}, "route": {"statutory"}, "reasons": {"x"}}).Status(t, 409)

	// Acknowledge; sent twice, it is recorded once.
	c.PostForm(w.path("/acknowledge"), nil).Status(t, 303)
	c.PostForm(w.path("/acknowledge"), nil).Status(t, 303)
	if n := w.audits(t, "casereview.acknowledge", w.ref); n != 1 || w.status(t) != portal.ApplicationAcknowledged {
		t.Fatalf("%d acknowledge audits, status %s", n, w.status(t))
	}
	c.Get(w.path("")).Status(t, 200).Contains(t, "Application acknowledged", "Done ")

	// The threshold decision: every error at once, input kept.
	form := c.Get(w.path("/decision")).Status(t, 200)
	form.Contains(t, "Record the threshold decision", "Statutory: at least 2 qualifying complaints")
	if strings.Contains(form.Body, `value="hate"`) {
		t.Fatal("demo-south has no hate route, but the form offers it")
	}
	c.PostForm(w.path("/decision"), url.Values{"decision": {"maybe"}, "route": {"hate"}, "reasons": {"<b>why</b>"}}).
		Status(t, 422).Contains(t, "There is a problem", `href="#decision"`, `href="#route"`, "&lt;b&gt;why&lt;/b&gt;")
	c.PostForm(w.path("/decision"), url.Values{"decision": {"met"}, "route": {"statutory"}, "reasons": {" "}}).
		Status(t, 422).Contains(t, `href="#reasons"`, "Enter the reasons for the decision")
	good := url.Values{"decision": {"met"}, "route": {"statutory"}, "reasons": {"Two qualifying complaints about the noise"}}
	c.PostForm(w.path("/decision"), good).Status(t, 303)
	c.PostForm(w.path("/decision"), good).Status(t, 303) // a double click
	mails := w.emails(t, "applicant@example.org")
	var decisionMails []db.OutboxMessage
	for _, m := range mails {
		if strings.Contains(m.Subject, "A decision on your ASB case review application "+w.ref) {
			decisionMails = append(decisionMails, m)
		}
	}
	if len(decisionMails) != 1 {
		t.Fatalf("%d decision emails", len(decisionMails))
	}
	m := decisionMails[0]
	if !strings.Contains(m.Text, w.s.URL+"/case-review/applications/"+w.ref) || strings.Contains(m.Text, "noise") ||
		strings.Contains(m.Text, "Alex") || strings.Contains(m.Text, "can appeal") {
		t.Fatalf("decision email:\n%s", m.Text)
	}
	c.Get(w.path("")).Status(t, 200).Contains(t, "Threshold decision recorded. The applicant has been emailed.",
		"The threshold is met", "Two qualifying complaints about the noise", "by Sam case_review_coordinator", "Hold the review meeting")

	// The review meeting.
	c.Get(w.path("/meeting")).Status(t, 200).Contains(t, "Record the review meeting", "Housing provider")
	tomorrow := portal.LondonDate(time.Now()).AddDate(0, 0, 1)
	c.PostForm(w.path("/meeting"), url.Values{"meeting-day": {fmt.Sprint(tomorrow.Day())}, "meeting-month": {fmt.Sprint(int(tomorrow.Month()))},
		"meeting-year": {fmt.Sprint(tomorrow.Year())}, "victim-invited": {"no"}}).Status(t, 422).
		Contains(t, `href="#meeting-day"`, `href="#agencies"`, `href="#not-invited-why"`, "must be today or earlier",
			fmt.Sprintf(`value="%d"`, tomorrow.Year()))
	today := portal.LondonDate(time.Now())
	meeting := url.Values{"meeting-day": {fmt.Sprint(today.Day())}, "meeting-month": {fmt.Sprint(int(today.Month()))},
		"meeting-year": {fmt.Sprint(today.Year())}, "agencies": {"police", "council", "housing"}, "victim-invited": {"no"},
		"not-invited-why": {"The victim asked not to attend"}}
	c.PostForm(w.path("/meeting"), meeting).Status(t, 303)
	c.Get(w.path("")).Status(t, 200).Contains(t, "Review meeting recorded", "Police, Council, Housing provider",
		"No: The victim asked not to attend", "Send the outcome to the applicant")

	// The outcome: rows are added without JavaScript; a half-filled row is refused.
	c.Get(w.path("/outcome")).Status(t, 200).Contains(t, "Recommendation 2", `name="rows" value="2"`)
	c.PostForm(w.path("/outcome"), url.Values{"rows": {"2"}, "summary": {"Kept"}, "add": {"1"}}).Status(t, 200).
		Contains(t, "Recommendation 3", `name="rows" value="3"`, ">Kept</textarea>")
	due := today.AddDate(0, 2, 0)
	outcome := url.Values{"rows": {"3"}, "summary": {"The agencies agreed an action plan"},
		"rec-0-agency": {"council"}, "rec-0-action": {"Noise monitoring for four weeks"},
		"rec-0-day": {fmt.Sprint(due.Day())}, "rec-0-month": {fmt.Sprint(int(due.Month()))}, "rec-0-year": {fmt.Sprint(due.Year())},
		"rec-2-agency": {"housing"}}
	c.PostForm(w.path("/outcome"), outcome).Status(t, 422).Contains(t, `href="#rec-2-action"`, `href="#rec-2-day"`,
		"Enter the action for recommendation 3", "Noise monitoring for four weeks")
	outcome.Set("rec-2-action", "Tenancy warning to the household")
	outcome.Set("rec-2-day", fmt.Sprint(due.Day()))
	outcome.Set("rec-2-month", fmt.Sprint(int(due.Month())))
	outcome.Set("rec-2-year", fmt.Sprint(due.Year()))
	c.PostForm(w.path("/outcome"), outcome).Status(t, 303)
	c.PostForm(w.path("/outcome"), outcome).Status(t, 303)
	a, err := w.s.Store.StaffCaseReviewApplication(context.Background(), w.ref, portal.Scope{All: true})
	if err != nil || len(a.Recommendations) != 2 || a.Progress.Status != portal.ApplicationOutcomeSent {
		t.Fatalf("after the outcome: %+v %v", a, err)
	}
	var outcomeMail *db.OutboxMessage
	for _, m := range w.emails(t, "applicant@example.org") {
		if strings.Contains(m.Subject, "The outcome of your ASB case review "+w.ref) {
			if outcomeMail != nil {
				t.Fatal("two outcome emails")
			}
			outcomeMail = &m
		}
	}
	if outcomeMail == nil || !strings.Contains(outcomeMail.Text, "you can appeal until") || strings.Contains(outcomeMail.Text, "Tenancy") {
		t.Fatalf("outcome email %+v", outcomeMail)
	}
	c.Get(w.path("")).Status(t, 200).Contains(t, "Outcome recorded. The applicant has been emailed.",
		"Tenancy warning to the household", "Last day to appeal", "left to appeal")

	// An appeal, then closing with the appeal's outcome.
	c.Get(w.path("/appeal")).Status(t, 200).Contains(t, "The applicant can appeal until", "Ask the Community Safety Partnership chair")
	c.PostForm(w.path("/appeal"), url.Values{"reason": {""}}).Status(t, 422).Contains(t, `href="#reason"`)
	c.PostForm(w.path("/appeal"), url.Values{"reason": {"The review did not consider the hate incidents"}}).Status(t, 303)
	c.Get(w.path("/close")).Status(t, 200).Contains(t, "What was the outcome of the appeal?")
	c.PostForm(w.path("/close"), url.Values{"appeal-outcome": {""}}).Status(t, 422).Contains(t, `href="#appeal-outcome"`)
	c.PostForm(w.path("/close"), url.Values{"appeal-outcome": {"Upheld: a second review will be held"}}).Status(t, 303)
	c.Get(w.path("")).Status(t, 200).Contains(t, "Application closed", "Upheld: a second review will be held",
		"The review did not consider the hate incidents")
	c.Get(w.path("/appeal")).Status(t, 409)
	if w.status(t) != portal.ApplicationClosed {
		t.Fatalf("status %s", w.status(t))
	}
	for _, action := range []string{"casereview.decide", "casereview.meeting", "casereview.outcome", "casereview.appeal", "casereview.close"} {
		if n := w.audits(t, action, w.ref); n != 1 {
			t.Errorf("%d audit rows for %s", n, action)
		}
	}
	// Closed applications leave the default queue.
	if r := c.Get("/staff/case-reviews").Status(t, 200); strings.Contains(r.Body, w.ref) {
		t.Fatal("a closed application is in the open queue")
	}
	c.Get("/staff/case-reviews?status=closed").Status(t, 200).Contains(t, w.ref)
}

func TestThresholdNotMetAndTheAppealWindow(t *testing.T) {
	w := newCRSWorld(t)
	w.ref = w.apply(t, "demo-south", portal.LondonDate(time.Now()), "") // no email address
	c := w.south
	c.Get(w.path("")).Status(t, 200)
	c.PostForm(w.path("/acknowledge"), nil).Status(t, 303)
	c.Get(w.path("/decision")).Status(t, 200)
	c.PostForm(w.path("/decision"), url.Values{"decision": {"not_met"}, "route": {"statutory"},
		"reasons": {"Only one complaint was made within a month"}}).Status(t, 303)
	c.Get(w.path("")).Status(t, 200).Contains(t, "The applicant gave no email address: tell them by phone or letter.",
		"The threshold is not met", "Last day to appeal")
	c.Get(w.path("/meeting")).Status(t, 409)

	// 21 working days later (at most 31 calendar days), the window has closed.
	later := time.Now().AddDate(0, 0, 35)
	w.clock.Store(&later)
	c.Get(w.path("/appeal")).Status(t, 200).Contains(t, "The appeal window closed on")
	c.PostForm(w.path("/appeal"), url.Values{"reason": {"Late"}}).Status(t, 422).Contains(t, "so an appeal cannot be recorded")
	c.Get(w.path("/close")).Status(t, 200)
	c.PostForm(w.path("/close"), nil).Status(t, 303)
	if w.status(t) != portal.ApplicationClosed {
		t.Fatalf("status %s", w.status(t))
	}
}

func TestCaseReviewPolicyPage(t *testing.T) {
	w := newCRSWorld(t)
	c := w.south
	r := c.Get("/staff/case-reviews/policies/demo-south").Status(t, 200)
	r.Contains(t, "ASB case review policy", "Version 1 is in force today", `id="statutory_n-2" name="statutory_n" type="radio" value="2" checked`,
		"Ask the Community Safety Partnership chair", `href="/case-review/areas/demo-south"`)
	c.Get("/staff/case-reviews/policies/demo-north").Status(t, 404)
	c.Get("/staff/case-reviews/policies/nowhere").Status(t, 404)
	w.adm.Get("/staff/case-reviews/policies/demo-north").Status(t, 200)

	today := portal.LondonDate(time.Now())
	form := url.Values{"statutory_n": {"4"}, "hate_route": {"yes"}, "multi": {"no"}, "discretionary_role": {"Community Safety Partnership chair"},
		"acknowledge_days": {"3"}, "decision_days": {"8"}, "review_days": {"15"}, "outcome_days": {"5"}, "appeal_days": {"ten"},
		"contact": {"Community Safety Team, 01632 960 200"}, "appeal_route": {"Write to the chair"}, "procedure": {"Apply online."},
		"effective-day": {fmt.Sprint(today.Day())}, "effective-month": {fmt.Sprint(int(today.Month()))}, "effective-year": {fmt.Sprint(today.Year())}}
	c.Get("/staff/case-reviews/policies/demo-south")
	c.PostForm("/staff/case-reviews/policies/demo-south", form).Status(t, 422).Contains(t, "There is a problem",
		`href="#statutory_n"`, "cannot be more than 3", `href="#appeal_days"`, `value="ten"`, "Community Safety Partnership chair")
	form.Set("statutory_n", "1")
	form.Set("appeal_days", "10")
	c.PostForm("/staff/case-reviews/policies/demo-south", form).Status(t, 303)
	c.PostForm("/staff/case-reviews/policies/demo-south", form).Status(t, 303) // sent twice: one version
	r = c.Get("/staff/case-reviews/policies/demo-south").Status(t, 200)
	r.Contains(t, "Version 2 saved.", "Version 2 is in force today", "Discretionary: decided by the Community Safety Partnership chair",
		"by Sam case_review_coordinator")
	vs, err := w.s.Store.CaseReviewPolicyVersions(context.Background(), "demo-south")
	if err != nil || len(vs) != 2 || vs[0].Procedure != "Apply online." || vs[0].Policy.StatutoryN != 1 || vs[0].Policy.AppealDays != 10 {
		t.Fatalf("versions %+v %v", vs, err)
	}
	if n := w.audits(t, "casereview.policy.save", "demo-south"); n != 1 {
		t.Fatalf("%d policy audits", n)
	}
	// The application made under version 1 is still judged by it.
	w.south.Get(w.path("")).Status(t, 200).Contains(t, "under version 1 of the area’s policy")
	w.pcso.Get("/staff").Status(t, 200)
	w.pcso.PostForm("/staff/case-reviews/policies/demo-south", form).Status(t, 403)
}

func TestBankHolidaysAdmin(t *testing.T) {
	w := newCRSWorld(t)
	c := w.adm
	c.Get("/admin/bank-holidays").Status(t, 200).Contains(t, "Bank holidays", "Monday 6 April 2026", "Easter Monday",
		"Boxing Day (substitute day)", "None added.")
	w.south.Get("/admin/bank-holidays").Status(t, 403)
	c.PostForm("/admin/bank-holidays", url.Values{"holiday-day": {"25"}, "holiday-month": {"12"}, "holiday-year": {"2026"}, "name": {""}}).
		Status(t, 422).Contains(t, `href="#holiday-day"`, `href="#name"`, "already a bank holiday")
	add := url.Values{"holiday-day": {"8"}, "holiday-month": {"6"}, "holiday-year": {"2027"}, "name": {"A national celebration"}}
	c.PostForm("/admin/bank-holidays", add).Status(t, 303)
	c.Get("/admin/bank-holidays").Status(t, 200).Contains(t, "Bank holiday added: Tuesday 8 June 2027", "A national celebration")
	c.PostForm("/admin/bank-holidays", add).Status(t, 422).Contains(t, "already been added")
	hol, err := w.s.Store.ExtraHolidays(context.Background())
	if err != nil || !hol.IsBankHoliday(time.Date(2027, 6, 8, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("holidays %v %v", hol, err)
	}
	c.PostForm("/admin/bank-holidays/2027-06-08/remove", nil).Status(t, 303)
	c.PostForm("/admin/bank-holidays/2027-06-08/remove", nil).Status(t, 303)
	c.Get("/admin/bank-holidays").Status(t, 200).Contains(t, "is a working day again", "None added.")
	if w.audits(t, "bank_holiday.add", "2027-06-08") != 1 || w.audits(t, "bank_holiday.remove", "2027-06-08") != 1 {
		t.Fatal("bank holiday changes are not audited once each")
	}
}

// crsAdvance takes an application to status, each step at time at, as the
// coordinators' pages do.
func crsAdvance(t *testing.T, s *handlerstest.Server, ref string, to portal.ApplicationStatus, at time.Time, recs int) {
	t.Helper()
	steps := map[portal.ApplicationStatus][]string{
		portal.ApplicationAcknowledged:    {"ack"},
		portal.ApplicationThresholdNotMet: {"ack", "not_met"},
		portal.ApplicationThresholdMet:    {"ack", "met"},
		portal.ApplicationReviewHeld:      {"ack", "met", "meeting"},
		portal.ApplicationOutcomeSent:     {"ack", "met", "meeting", "outcome"},
		portal.ApplicationClosed:          {"ack", "not_met", "close"},
	}[to]
	ctx := context.Background()
	for _, step := range steps {
		err := s.Store.InTx(ctx, func(tx *db.Tx) error {
			a, err := tx.StaffCaseReviewApplication(ctx, ref, portal.Scope{All: true})
			if err != nil {
				return err
			}
			from := a.Progress.Status
			switch step {
			case "ack":
				err = a.Progress.Acknowledge(at)
			case "met", "not_met":
				err = a.Progress.Decide(step == "met", at)
				a.DecisionRoute, a.DecisionReasons = "statutory", "Reasons"
			case "meeting":
				err = a.Progress.HoldReview(portal.LondonDate(at))
				a.MeetingAgencies, a.VictimInvited = []string{"council"}, "yes"
			case "outcome":
				err = a.Progress.SendOutcome(at)
				for i := range recs {
					if err == nil {
						err = tx.AddRecommendations(ctx, a.ID, []portal.Recommendation{{Agency: "council", Action: fmt.Sprint("Action ", i)}})
					}
				}
			case "close":
				err = a.Progress.Close()
			}
			if err != nil {
				return err
			}
			return tx.SaveApplicationProgress(ctx, a, from)
		})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
}

var statCellRE = regexp.MustCompile(`id="(received|not-met|reviews|with-recommendations)">(\d+)<`)

// TestStatisticsPageMatchesTheData creates applications in several states
// on dates in and around one period, computes the expected figures from
// what it created, and compares them with the page and the CSV.
func TestStatisticsPageMatchesTheData(t *testing.T) {
	w := newCRSWorld(t) // w.ref: received today, in demo-south, not yet decided
	london, _ := time.LoadLocation("Europe/London")
	from, to := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)
	type app struct {
		area     string
		received time.Time
		status   portal.ApplicationStatus
		at       time.Time
		recs     int
	}
	d := func(y int, m time.Month, day, hour int) time.Time { return time.Date(y, m, day, hour, 0, 0, 0, london) }
	apps := []app{
		{"demo-south", d(2025, 6, 2, 10), portal.ApplicationReceived, d(2025, 6, 2, 10), 0},
		{"demo-south", d(2025, 7, 1, 10), portal.ApplicationThresholdNotMet, d(2025, 7, 9, 10), 0},
		{"demo-south", d(2025, 8, 1, 10), portal.ApplicationClosed, d(2025, 8, 11, 10), 0},
		{"demo-south", d(2025, 9, 1, 10), portal.ApplicationThresholdMet, d(2025, 9, 5, 10), 0},
		{"demo-south", d(2025, 10, 1, 10), portal.ApplicationReviewHeld, d(2025, 10, 20, 10), 0},
		{"demo-south", d(2025, 11, 3, 10), portal.ApplicationOutcomeSent, d(2025, 12, 1, 10), 3},
		{"demo-south", d(2026, 1, 5, 10), portal.ApplicationOutcomeSent, d(2026, 2, 2, 10), 0},
		{"demo-south", d(2025, 5, 20, 10), portal.ApplicationThresholdNotMet, d(2025, 5, 30, 10), 0}, // before
		{"demo-south", d(2025, 5, 28, 10), portal.ApplicationOutcomeSent, d(2025, 6, 10, 10), 1},     // received before, reviewed in
		{"demo-south", d(2026, 5, 26, 10), portal.ApplicationOutcomeSent, d(2026, 6, 1, 10), 2},      // received in, reviewed after
		{"demo-north", d(2025, 9, 1, 10), portal.ApplicationOutcomeSent, d(2025, 9, 20, 10), 1},      // another area
	}
	in := func(t time.Time) bool {
		day := portal.LondonDate(t)
		return !day.Before(from) && !day.After(to)
	}
	var want [4]int // received, not met, reviews, with recommendations
	for _, a := range apps {
		ref := w.apply(t, a.area, portal.LondonDate(a.received), "someone@example.org")
		crsAdvance(t, w.s, ref, a.status, a.at, a.recs)
		if a.area != "demo-south" {
			continue
		}
		if in(a.received) {
			want[0]++
		}
		if (a.status == portal.ApplicationThresholdNotMet || a.status == portal.ApplicationClosed) && in(a.at) {
			want[1]++
		}
		if (a.status == portal.ApplicationReviewHeld || a.status == portal.ApplicationOutcomeSent) && in(a.at) {
			want[2]++
			if a.recs > 0 {
				want[3]++
			}
		}
	}
	if want != [4]int{8, 2, 4, 2} {
		t.Fatalf("the fixture is not what the test means: %v", want)
	}

	c := w.s.Client(t) // the public, signed out
	r := c.Get("/case-review/areas/demo-south/statistics?period=2025-06").Status(t, 200)
	r.Contains(t, "ASB case review statistics", "South Demoshire District Council", "1 June 2025 to 31 May 2026",
		"Exit this page", `href="/case-review/areas/demo-south/statistics.csv?period=2025-06"`)
	got := map[string]string{}
	for _, m := range statCellRE.FindAllStringSubmatch(r.Body, -1) {
		got[m[1]] = m[2]
	}
	for i, id := range []string{"received", "not-met", "reviews", "with-recommendations"} {
		if got[id] != fmt.Sprint(want[i]) {
			t.Errorf("page %s = %q, want %d", id, got[id], want[i])
		}
	}
	csvResp := c.Get("/case-review/areas/demo-south/statistics.csv?period=2025-06").Status(t, 200)
	if ct := csvResp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") ||
		!strings.Contains(csvResp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV headers %q %q", ct, csvResp.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(csvResp.Body)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV %q %v", csvResp.Body, err)
	}
	wantRow := []string{"demo-south", "South Demoshire District Council", "2025-06-01", "2026-05-31",
		fmt.Sprint(want[0]), fmt.Sprint(want[1]), fmt.Sprint(want[2]), fmt.Sprint(want[3])}
	if !slices.Equal(rows[1], wantRow) || rows[0][4] != "applications_received" {
		t.Fatalf("CSV rows %q, want %q", rows, wantRow)
	}

	// The default is the last full 12 months; bad periods and areas are refused.
	c.Get("/case-review/areas/demo-south/statistics").Status(t, 200).Contains(t, "12-month period")
	c.Get("/case-review/areas/demo-south/statistics?period=June").Status(t, 400)
	c.Get("/case-review/areas/demo-south/statistics?period=2099-01").Status(t, 400)
	c.Get("/case-review/areas/nowhere/statistics").Status(t, 404)
	c.Get("/case-review/areas/nowhere/statistics.csv").Status(t, 404)
}
