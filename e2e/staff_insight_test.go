package e2e

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// insightBrowser is a sergeant of the North LPA, signed in, with reports
// (a cluster in Riverside, some in Castle) and text waiting for moderation.
func insightBrowser(t *testing.T) (*Browser, int64) {
	t.Helper()
	b := demoBrowser(t)
	ctx := context.Background()
	store := b.Srv.Store
	id, err := store.CreateUser(ctx, db.NewUser{Email: "sergeant@demoshire.police.example", Role: portal.RoleSergeant, DisplayName: "Grace Okafor"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, []string{"north"}, nil) }); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("postgres", b.Srv.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`
		WITH p AS (INSERT INTO problems (created_at) SELECT now() FROM generate_series(1, 30) RETURNING id)
		INSERT INTO reports (reference, idempotency_key, problem_id, category_id, neighbourhood_id, location, postcode,
		       occurred_on, occurred_time, description, anonymous, created_at)
		SELECT 'ASB-' || (SELECT string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((p.id >> (5 * k)) & 31)::int + 1, 1), '' ORDER BY k DESC)
		                    FROM generate_series(0, 3) k) || '-E2E2',
		       'e2e-' || p.id, p.id, c.id, n.id,
		       ST_SetSRID(ST_MakePoint(-1.232851 + (p.id % 5) * 0.00004, 52.187981 + (p.id % 7) * 0.00003), 4326), 'DM11AB',
		       current_date - (p.id % 20)::int, make_time((17 + p.id % 6)::int, 0, 0), 'Shouting in the street', true,
		       now() - (p.id % 20) * interval '1 day'
		  FROM p, categories c, neighbourhoods n
		 WHERE c.code = CASE WHEN p.id % 3 = 0 THEN 'noise' ELSE 'rowdy-behaviour' END
		   AND n.code = CASE WHEN p.id % 4 = 0 THEN 'north-castle' ELSE 'north-riverside' END`); err != nil {
		t.Fatal(err)
	}
	n, err := store.NeighbourhoodByCode(ctx, "north-riverside")
	if err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{"The streetlights on the estate have been fixed, thank you.",
		"My neighbour Sam at number 4 is behind all of this."} {
		if _, err := store.EnqueueModeration(ctx, db.NewModerationItem{Kind: "consultation_comment", RefID: int64(i + 1),
			NeighbourhoodID: n.ID, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	signInAs(t, b, id)
	return b, id
}

func TestInsightByKeyboard(t *testing.T) {
	b, _ := insightBrowser(t)
	b.Visit("/staff/insight")
	if got := b.Text("main"); !strings.Contains(got, "Reports in North Demoshire by day and hour") {
		t.Fatalf("insight: %q", got)
	}
	auditA11y(t, b)

	b.TabTo("What: categories by month")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text("main"), "Reports by category and month") {
		t.Fatalf("trend at %s", b.Path())
	}
	auditA11y(t, b)

	b.TabTo("Where: hotspots and repeat locations")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text("main"); !strings.Contains(got, "DM1, grid reference SP") || !strings.Contains(got, "Repeat locations") {
		t.Fatalf("places: %q", got)
	}
	auditA11y(t, b)

	// Another area, chosen with the keyboard from the list.
	b.TabTo("select#area")
	b.Press(kb.ArrowDown)
	b.TabTo("Show this area")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text(".govuk-caption-l"); !strings.Contains(got, "Castle neighbourhood, North Demoshire") {
		t.Fatalf("area not changed: %q", got)
	}
	auditA11y(t, b)

	b.TabTo("Export reports")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/staff/export" {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)
	b.TabTo("input#from-day")
	b.Type("31")
	b.TabTo("input#from-month")
	b.Type("2")
	b.TabTo("input#from-year")
	b.Type("2026")
	b.TabTo("Download CSV file")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "The date from must be a real date") {
		t.Fatalf("error summary %q", got)
	}
	auditA11y(t, b)

	// Staff use phones on patrol.
	b.Run(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{"/staff/insight?area=north-castle", "/staff/insight/trend", "/staff/insight/places"} {
		b.Visit(p)
		auditA11y(t, b)
	}
}

func TestModerationByKeyboard(t *testing.T) {
	b, _ := insightBrowser(t)
	b.Visit("/staff/moderation")
	if got := b.Text("main"); !strings.Contains(got, "Waiting (2)") || !strings.Contains(got, "Consultation comment") {
		t.Fatalf("queue: %q", got)
	}
	auditA11y(t, b)

	// The second, naming a neighbour: reject without a reason first.
	b.TabTo("Check")
	b.TabTo("Check")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text("main"), "Sam at number 4") {
		t.Fatalf("item: %q", b.Text("main"))
	}
	auditA11y(t, b)
	b.pick("action-reject")
	b.TabTo("Save decision")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Enter why you are rejecting it") {
		t.Fatalf("error summary %q", got)
	}
	auditA11y(t, b)

	// Edit it instead, taking the name out.
	b.pick("action-edit")
	b.TabTo("textarea#edited-body")
	selectFocused(b)
	b.Type("My neighbour is behind all of this.")
	b.TabTo("textarea#redaction-note")
	b.Type("A neighbour's name and house number")
	b.TabTo("Save decision")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text(".govuk-notification-banner--success"); !strings.Contains(got, "Edited and published") {
		t.Fatalf("banner %q at %s", got, b.Path())
	}
	if !strings.Contains(b.Text("main"), "Waiting (1)") {
		t.Fatal("still waiting")
	}
	auditA11y(t, b)

	b.Run(chromedp.EmulateViewport(360, 740))
	b.Visit("/staff/moderation")
	auditA11y(t, b)
}

func TestModerationWithoutJavaScript(t *testing.T) {
	b, _ := insightBrowser(t)
	b.DisableJavaScript()
	b.Visit("/staff/moderation")
	b.TabTo("Check")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	// Without JavaScript every conditional question is on show.
	var visible bool
	b.Run(chromedp.Evaluate(`document.getElementById('reason').offsetParent !== null && document.getElementById('redaction-note').offsetParent !== null`, &visible))
	if !visible {
		t.Fatal("conditional questions hidden without JavaScript")
	}
	b.pick("action-reject")
	b.TabTo("textarea#reason")
	b.Type("Not about the neighbourhood")
	b.TabTo("Save decision")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text(".govuk-notification-banner--success"); !strings.Contains(got, "Rejected") {
		t.Fatalf("banner %q", got)
	}
	auditA11y(t, b)
}
