package e2e

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// crsSetUp loads the demo policies and makes a coordinator of LPA south,
// signed in, and a force admin; it returns the admin's ID.
func crsSetUp(t *testing.T, b *Browser) int64 {
	t.Helper()
	ctx := context.Background()
	store := b.Srv.Store
	if _, err := store.LoadDemoPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, u := range []db.NewUser{
		{Email: "coordinator@south-demoshire.example", Role: portal.RoleCaseReviewCoordinator, DisplayName: "Priya Shah"},
		{Email: "admin@demoshire.police.example", Role: portal.RoleForceAdmin, DisplayName: "Ade Admin"},
	} {
		id, err := store.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, ids[0], []string{"south"}, nil) }); err != nil {
		t.Fatal(err)
	}
	signInAs(t, b, ids[0])
	return ids[1]
}

// crsApply makes an application in demo-south, received today, with three
// incidents about one problem, as the residents' journey does.
func crsApply(t *testing.T, b *Browser, n int) string {
	t.Helper()
	ctx := context.Background()
	today := portal.LondonDate(time.Now())
	_, policyID, err := b.Srv.Store.CaseReviewPolicy(ctx, "demo-south", today)
	if err != nil {
		t.Fatal(err)
	}
	d := &portal.CaseReviewDraft{Key: fmt.Sprintf("%032x", 0xe2e0000+n), Area: "demo-south", ForWhom: "self",
		VictimKind: "business", VictimName: "Corner Shop", Name: "Jo Applicant", Email: "jo@example.org", Summary: "Windows broken again and again"}
	for i := range 3 {
		inc := d.AddIncident()
		occurred := today.AddDate(0, 0, -40+10*i)
		inc.Occurred, inc.Reported = portal.PartsOf(occurred), portal.PartsOf(occurred.AddDate(0, 0, 1))
		inc.Agency, inc.Problem, inc.Hate = "police", "Damage to the shop", "no"
		inc.Completed = slices.Clone(portal.IncidentSteps)
	}
	ref, err := b.Srv.Store.CreateCaseReviewApplication(ctx, db.NewCaseReviewApplication{Draft: d, PolicyID: policyID, ReceivedOn: today})
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// selectOption chooses the option labelled label in the focused select,
// by keyboard.
func (b *Browser) selectOption(id, label string) {
	b.t.Helper()
	b.TabTo("select#" + id + " ")
	for range 10 {
		var got string
		b.Run(chromedp.Evaluate(`(() => { const s = document.activeElement; return s.options[s.selectedIndex].text })()`, &got))
		if got == label {
			return
		}
		b.Press(kb.ArrowDown)
	}
	b.t.Fatalf("e2e: no option %q in select#%s", label, id)
}

// TestCoordinatorRecordsDecisionAndOutcomeByKeyboard is the coordinators'
// acceptance journey, by keyboard alone with an axe audit of every page:
// from the queue to an application, acknowledge it, record the threshold
// decision (first refused for want of answers), the review meeting and the
// outcome with two recommendations (adding a row without JavaScript's help).
func TestCoordinatorRecordsDecisionAndOutcomeByKeyboard(t *testing.T) {
	b := demoBrowser(t)
	crsSetUp(t, b)
	ref := crsApply(t, b, 1)
	app := "/staff/case-reviews/" + ref
	b.Visit("/staff")
	auditA11y(t, b)
	b.pressTo("Case reviews", regexp.MustCompile(`^/staff/case-reviews$`))
	if got := b.Text("main"); !strings.Contains(got, ref) || !strings.Contains(got, "5 working days left") {
		t.Fatalf("queue:\n%s", got)
	}
	b.pressTo(ref, regexp.MustCompile("^"+app+"$"))
	b.continueTo("Acknowledge the application", app)
	b.continueTo("Record the threshold decision", app+"/decision")
	if got := b.Text("main"); !strings.Contains(got, "Beacon’s recommendation") || !strings.Contains(got, "The threshold is met") {
		t.Fatalf("decision form:\n%s", got)
	}

	// Sent empty: every problem is listed, and each links to its field.
	b.continueTo("Record the decision", app+"/decision")
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Select whether the threshold is met") ||
		!strings.Contains(got, "Enter the reasons for the decision") {
		t.Fatalf("error summary %q", got)
	}
	b.pick("decision")
	b.pick("route")
	b.fill("reasons", "Three complaints about damage to the shop were made within the time limits.")
	b.continueTo("Record the decision", app)
	if got := b.Text(".govuk-notification-banner--success"); !strings.Contains(got, "The applicant has been emailed") {
		t.Fatalf("banner %q", got)
	}

	b.continueTo("Record the review meeting", app+"/meeting")
	today := portal.LondonDate(time.Now())
	b.fill("meeting-day", fmt.Sprint(today.Day()))
	b.fill("meeting-month", fmt.Sprint(int(today.Month())))
	b.fill("meeting-year", fmt.Sprint(today.Year()))
	b.tick("agencies")
	b.tick("agencies-council")
	b.pick("victim-invited")
	b.continueTo("Record the meeting", app)

	b.continueTo("Record the outcome", app+"/outcome")
	b.fill("summary", "The council and the police agreed joint patrols and a warning.")
	due := today.AddDate(0, 1, 0)
	b.selectOption("rec-0-agency", "Council")
	b.fill("rec-0-action", "Install CCTV at the parade")
	b.fill("rec-0-day", fmt.Sprint(due.Day()))
	b.fill("rec-0-month", fmt.Sprint(int(due.Month())))
	b.fill("rec-0-year", fmt.Sprint(due.Year()))
	b.continueTo("Add another recommendation", app+"/outcome")
	if got := b.Text("main"); !strings.Contains(got, "Recommendation 3") || b.value("rec-0-action") != "Install CCTV at the parade" {
		t.Fatalf("after adding a row:\n%s", got)
	}
	b.selectOption("rec-2-agency", "Police")
	b.fill("rec-2-action", "Extra patrols on Friday nights")
	b.fill("rec-2-day", fmt.Sprint(due.Day()))
	b.fill("rec-2-month", fmt.Sprint(int(due.Month())))
	b.fill("rec-2-year", fmt.Sprint(due.Year()))
	b.continueTo("Send the outcome", app)
	main := b.Text("main")
	for _, want := range []string{"Outcome recorded. The applicant has been emailed.", "Outcome sent", "Install CCTV at the parade",
		"Extra patrols on Friday nights", "Last day to appeal", "Three complaints about damage"} {
		if !strings.Contains(main, want) {
			t.Fatalf("application page lacks %q:\n%s", want, main)
		}
	}
	ms, err := b.Srv.Store.OutboxMessages(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range ms {
		if m.Recipient == "jo@example.org" {
			subjects = append(subjects, m.Subject)
		}
	}
	if !slices.Contains(subjects, "A decision on your ASB case review application "+ref) ||
		!slices.Contains(subjects, "The outcome of your ASB case review "+ref) {
		t.Fatalf("emails to the applicant: %q", subjects)
	}
}

// crsAdvance takes an application to a status directly in the database.
func crsAdvance(t *testing.T, b *Browser, ref string, steps ...string) {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	for _, step := range steps {
		err := b.Srv.Store.InTx(ctx, func(tx *db.Tx) error {
			a, err := tx.StaffCaseReviewApplication(ctx, ref, portal.Scope{All: true})
			if err != nil {
				return err
			}
			from := a.Progress.Status
			switch step {
			case "ack":
				err = a.Progress.Acknowledge(now)
			case "met", "not_met":
				err = a.Progress.Decide(step == "met", now)
				a.DecisionRoute, a.DecisionReasons = "statutory", "Reasons"
			case "meeting":
				err = a.Progress.HoldReview(portal.LondonDate(now))
				a.MeetingAgencies, a.VictimInvited, a.VictimNotInvitedWhy = []string{"police"}, "no", "Asked not to"
			case "outcome":
				err = a.Progress.SendOutcome(now)
				a.OutcomeSummary = "Summary"
			case "appeal":
				err = a.Progress.Appeal(now, a.Policy, nil)
				a.AppealReason = "Reason"
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

// TestCaseReviewStaffPagesPassAxe audits every coordinator's page at each
// stage, forms with errors, the policy page, the public statistics and the
// bank holidays page, without JavaScript (every form works without it).
func TestCaseReviewStaffPagesPassAxe(t *testing.T) {
	b := demoBrowser(t)
	admin := crsSetUp(t, b)
	received, met, held, sent := crsApply(t, b, 1), crsApply(t, b, 2), crsApply(t, b, 3), crsApply(t, b, 4)
	notMet, appealed := crsApply(t, b, 5), crsApply(t, b, 6)
	crsAdvance(t, b, met, "ack", "met")
	crsAdvance(t, b, held, "ack", "met", "meeting")
	crsAdvance(t, b, sent, "ack", "met", "meeting", "outcome")
	crsAdvance(t, b, notMet, "ack", "not_met")
	crsAdvance(t, b, appealed, "ack", "not_met", "appeal")
	crsAdvance(t, b, received, "ack")
	b.DisableJavaScript()
	p := func(ref, suffix string) string { return "/staff/case-reviews/" + ref + suffix }
	for _, path := range []string{"/staff/case-reviews", "/staff/case-reviews?status=all&area=demo-south",
		p(received, ""), p(received, "/decision"), p(met, ""), p(met, "/meeting"), p(held, ""), p(held, "/outcome"),
		p(sent, ""), p(sent, "/appeal"), p(sent, "/close"), p(notMet, ""), p(appealed, ""), p(appealed, "/close"),
		"/staff/case-reviews/policies/demo-south", "/case-review/areas/demo-south/statistics"} {
		b.Visit(path)
		auditA11y(t, b)
	}
	// Each form sent empty shows its errors, audited too.
	for _, f := range []struct{ path, button string }{
		{p(received, "/decision"), "Record the decision"}, {p(met, "/meeting"), "Record the meeting"},
		{p(held, "/outcome"), "Send the outcome"}, {p(sent, "/appeal"), "Record the appeal"},
		{p(appealed, "/close"), "Close the application"},
	} {
		b.Visit(f.path)
		b.continueTo(f.button, f.path)
		if !strings.Contains(b.Text("main"), "There is a problem") {
			t.Fatalf("%s sent empty shows no errors", f.path)
		}
	}
	b.Visit("/staff/case-reviews/policies/demo-south")
	b.TabTo("input#acknowledge_days")
	selectFocused(b)
	b.Type("many")
	b.continueTo("Save a new version", "/staff/case-reviews/policies/demo-south")
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Enter a whole number of working days") {
		t.Fatalf("policy errors %q", got)
	}
	signInAs(t, b, admin)
	b.Visit("/admin/bank-holidays")
	auditA11y(t, b)
	b.continueTo("Add bank holiday", "/admin/bank-holidays")
	if !strings.Contains(b.Text(".govuk-error-summary"), "Enter the date of the bank holiday") {
		t.Fatal("the bank holiday form sent empty shows no errors")
	}
}
