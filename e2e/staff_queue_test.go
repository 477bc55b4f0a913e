package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// queueBrowser is a browser signed in as an officer of LPA north, with
// reports waiting in the north and one in the south.
func queueBrowser(t *testing.T) (*Browser, map[string]string) {
	t.Helper()
	b := demoBrowser(t)
	ctx := context.Background()
	store := b.Srv.Store
	id, err := store.CreateUser(ctx, db.NewUser{Email: "officer@demoshire.police.example", Role: portal.RoleOfficer, DisplayName: "Tom Evans"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, []string{"north"}, nil) }); err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	for i, r := range []struct {
		name, nbh, category, hate string
		risk                      portal.Risk
		due                       time.Duration
	}{
		{"low", "north-mill", "graffiti", "no", portal.RiskLow, 72 * time.Hour},
		{"high", "north-riverside", "harassment", "yes", portal.RiskHigh, -time.Hour},
		{"medium", "north-castle", "noise", "no", portal.RiskMedium, 5 * time.Hour},
		{"south", "south-heath", "noise", "yes", portal.RiskHigh, time.Hour},
	} {
		d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0xe2e0000+i), CategoryCode: r.category,
			Postcode: strings.ReplaceAll(db.DemoPostcodes()[r.nbh][0], " ", ""), NeighbourhoodCode: r.nbh,
			Description: "Shouting in the street", HappenedBefore: "no", Hate: r.hate, Anonymous: "yes"}
		if r.hate == "yes" {
			d.HateReasons = []string{"race"}
		}
		got, err := store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -1),
			Risk: r.risk, DueAt: time.Now().Add(r.due)})
		if err != nil {
			t.Fatal(err)
		}
		refs[r.name] = got.Reference
	}
	signInAs(t, b, id)
	return b, refs
}

func TestTriageByKeyboard(t *testing.T) {
	b, refs := queueBrowser(t)
	b.Visit("/staff")
	if got := b.Text("main"); !strings.Contains(got, "Waiting in your areas") || !strings.Contains(got, "New reports to triage") {
		t.Fatalf("staff home: %q", got)
	}
	auditA11y(t, b)

	b.TabTo("Open the triage queue")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/staff/queue" {
		t.Fatalf("at %s", b.Path())
	}
	main := b.Text("main")
	if !strings.Contains(main, "Showing 1 to 3 of 3 reports") || strings.Contains(main, refs["south"]) ||
		strings.Index(main, refs["high"]) > strings.Index(main, refs["medium"]) ||
		strings.Index(main, refs["medium"]) > strings.Index(main, refs["low"]) || !strings.Contains(main, "Hate") {
		t.Fatalf("queue: %q", main)
	}
	auditA11y(t, b)

	// Filter to high risk by keyboard: the first choice after "Any risk".
	b.TabTo("select#risk")
	b.Press(kb.ArrowDown)
	var risk string
	b.Run(chromedp.Evaluate(`document.getElementById('risk').value`, &risk))
	if risk != "high" {
		t.Fatalf("risk select = %q", risk)
	}
	b.TabTo("Apply filters")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if main := b.Text("main"); !strings.Contains(main, "Showing 1 to 1 of 1 report") || !strings.Contains(main, refs["high"]) {
		t.Fatalf("filtered queue: %q", main)
	}
	auditA11y(t, b)

	// Next item takes the high-risk report and opens it.
	b.TabTo("Work on the next report")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/staff/reports/"+refs["high"] {
		t.Fatalf("next item opened %s, want %s", b.Path(), refs["high"])
	}
	b.Visit("/staff/queue")
	if main := b.Text("main"); !strings.Contains(main, "Claimed by you") {
		t.Fatalf("queue after claiming: %q", main)
	}

	// A neighbourhood outside the officer's areas: an error on the field.
	b.Visit("/staff/queue?neighbourhood=south-heath")
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Select a neighbourhood from the list") ||
		!strings.HasPrefix(b.Title(), "Error: ") {
		t.Fatalf("error summary %q, title %q", got, b.Title())
	}
	auditA11y(t, b)

	// Nothing left to claim at high risk.
	b.Visit("/staff/queue?risk=high")
	b.TabTo("Work on the next report")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text("main"); !strings.Contains(got, "There are no unclaimed reports to work on that match your filters") {
		t.Fatalf("nothing to claim: %q", got)
	}
	auditA11y(t, b)

	// Staff use phones on patrol.
	b.Run(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{"/staff", "/staff/queue", "/staff/queue?status=any&mine=1"} {
		b.Visit(p)
		auditA11y(t, b)
	}
}

func TestTriageQueueWithoutJavaScript(t *testing.T) {
	b, refs := queueBrowser(t)
	b.DisableJavaScript()
	b.Visit("/staff/queue")
	b.Run(chromedp.SetValue("#neighbourhood", "north-castle", chromedp.ByQuery))
	b.Navigate(chromedp.Click("//button[contains(., 'Apply filters')]", chromedp.BySearch))
	if main := b.Text("main"); !strings.Contains(main, refs["medium"]) || strings.Contains(main, refs["high"]) {
		t.Fatalf("filtered queue: %q", main)
	}
	if !strings.Contains(b.Path(), "/staff/queue") {
		t.Fatalf("at %s", b.Path())
	}
	b.Navigate(chromedp.Click("//button[contains(., 'Work on the next report')]", chromedp.BySearch))
	if b.Path() != "/staff/reports/"+refs["medium"] {
		t.Fatalf("next item opened %s, want %s", b.Path(), refs["medium"])
	}
}
