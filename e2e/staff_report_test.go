package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// srSetUp makes a report in north-riverside from a named reporter, an
// officer of LPA north signed in, and a reply template.
func srSetUp(t *testing.T, b *Browser) string {
	t.Helper()
	ctx := context.Background()
	store := b.Srv.Store
	d := &portal.ReportDraft{Key: strings.Repeat("5a", 16), CategoryCode: "noise",
		Postcode: strings.ReplaceAll(db.DemoPostcodes()["north-riverside"][0], " ", ""), NeighbourhoodCode: "north-riverside",
		Description: "Loud music from the flat above until 3am.", HappenedBefore: "yes", HowOften: "Every weekend", Hate: "no",
		Impacts: []string{"health"}, Anonymous: "no", Name: "Kim Resident", Email: "kim@example.org",
		ContactPreference: "email", SafeToLeave: "yes"}
	rep, err := store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -1)})
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.CreateUser(ctx, db.NewUser{Email: "officer@demoshire.police.example", Role: portal.RoleOfficer, DisplayName: "Tom Evans"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, []string{"north"}, nil) }); err != nil {
		t.Fatal(err)
	}
	if _, err := store.EnsureReplyTemplate(ctx, portal.ReplyTemplate{Name: "We are looking into it", Status: portal.StatusNew,
		Body: "Thank you for your report ((reference)). We are looking into it."}); err != nil {
		t.Fatal(err)
	}
	signInAs(t, b, id)
	return rep.Reference
}

// TestOfficerTriagesRepliesAndClosesByKeyboard: an officer assesses the
// risk (overriding it, with a reason), replies from a template and closes
// the report, by keyboard alone, with an axe audit of every page.
func TestOfficerTriagesRepliesAndClosesByKeyboard(t *testing.T) {
	b := demoBrowser(t)
	ref := srSetUp(t, b)
	base := "/staff/reports/" + ref
	b.Visit(base)
	auditA11y(t, b)
	if got := b.Text("main"); !strings.Contains(got, "Loud music from the flat above") || !strings.Contains(got, "It is safe to leave a message") {
		t.Fatalf("report page: %q", got)
	}

	// Triage: the answers start from the reporter's. Changing the level
	// without a reason is refused first.
	b.continueTo("Assess the risk", base+"/risk")
	b.pick("override-high")
	b.continueTo("Save risk assessment", base+"/risk")
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Enter why you are changing the risk level") {
		t.Fatalf("error summary %q", got)
	}
	b.fill("reason", "Threats were made at the door")
	b.continueTo("Save risk assessment", base)
	if got := b.Text(".govuk-notification-banner--success"); !strings.Contains(got, "High risk") {
		t.Fatalf("banner %q", got)
	}

	// Reply from a template, edited before sending.
	b.continueTo("Reply to the reporter", base+"/reply")
	b.TabTo("select#template")
	b.Press(kb.ArrowDown)
	b.continueTo("Use template", base+"/reply")
	b.TabTo("textarea#body")
	b.Run(chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(input.ModifierCtrl))) // to the end of the text
	b.Type(" We will visit on Friday.")
	b.continueTo("Send reply", base)
	if got := b.Text(".govuk-notification-banner--success"); !strings.Contains(got, "The reporter has been emailed") {
		t.Fatalf("banner %q", got)
	}
	if got := b.Text("#timeline + ol"); !strings.Contains(got, "Thank you for your report "+ref+". We are looking into it. We will visit on Friday.") {
		t.Fatalf("timeline %q", got)
	}

	// Close with an outcome.
	b.continueTo("Close the report", base+"/close")
	b.pick("outcome-resolved")
	b.continueTo("button Close the report", base)
	if got := b.Text("main"); !strings.Contains(got, "Closed") || !strings.Contains(got, "Resolved") {
		t.Fatalf("closed report page %q", got)
	}

	// Staff use phones on patrol.
	b.Run(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{base, base + "/reply"} {
		b.Visit(p)
		auditA11y(t, b)
	}
}

// TestReportActionPagesPassAxe audits the action pages not visited above,
// without JavaScript (every form works without it).
func TestReportActionPagesPassAxe(t *testing.T) {
	b := demoBrowser(t)
	ref := srSetUp(t, b)
	b.DisableJavaScript()
	base := "/staff/reports/" + ref
	for _, p := range []string{"/assign", "/category", "/more-information", "/duplicate", "/case"} {
		b.Visit(base + p)
		auditA11y(t, b)
	}
	b.Visit(base + "/duplicate")
	b.continueTo("Close as a duplicate", base+"/duplicate")
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Enter the reference of the report this one duplicates") {
		t.Fatalf("error summary %q", got)
	}
}
