package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// demoBrowser is a browser on a server with the demo geography loaded.
func demoBrowser(t *testing.T) *Browser {
	t.Helper()
	b := newBrowser(t)
	if _, err := b.Srv.Store.LoadDemoGeography(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

// signInAs gives the browser a signed-in session for userID (past MFA), as
// after the sign-in journey.
func signInAs(t *testing.T, b *Browser, userID int64) {
	t.Helper()
	c, err := b.Srv.Handler.SignedInCookie(userID, true)
	if err != nil {
		t.Fatal(err)
	}
	b.Run(network.SetCookie(c.Name, c.Value).WithURL(b.Srv.URL).WithPath("/").WithHTTPOnly(true))
}

// selectFocused selects the focused field's text, so typing replaces it.
func selectFocused(b *Browser) {
	b.t.Helper()
	var ok bool
	b.Run(chromedp.Evaluate(`document.activeElement.select(), true`, &ok))
}

func TestNeighbourhoodLookupByKeyboard(t *testing.T) {
	b := demoBrowser(t)
	b.Visit("/")
	b.TabTo("Find your neighbourhood policing team")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible("#postcode", chromedp.ByQuery))
	if b.Path() != "/neighbourhoods" {
		t.Fatalf("at %s, want /neighbourhoods", b.Path())
	}
	auditA11y(t, b)

	// A postcode that is not in the directory: the error is on the field.
	b.TabTo("input#postcode")
	b.Type("DM7 1AB")
	b.TabTo("Find your team")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible(".govuk-error-summary", chromedp.ByQuery))
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "We could not find DM7 1AB") {
		t.Fatalf("error summary %q", got)
	}
	if !strings.HasPrefix(b.Title(), "Error: ") {
		t.Fatalf("title %q lacks the Error: prefix", b.Title())
	}
	auditA11y(t, b)

	// Correct it and press Enter in the field.
	b.TabTo("input#postcode")
	selectFocused(b)
	b.Type("dm1 1ab")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible("h1", chromedp.ByQuery))
	b.Run(chromedp.WaitNotPresent("#postcode", chromedp.ByQuery))
	if got := b.Text("main"); !strings.Contains(got, "DM1 1AB is in") || !strings.Contains(got, "Riverside neighbourhood") ||
		!strings.Contains(got, "riverside.npt@demoshire.police.example") {
		t.Fatalf("result page: %q", got)
	}
	auditA11y(t, b)

	// Browse instead of searching.
	b.TabTo("Browse all neighbourhoods")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible(`a[href="/neighbourhoods/south-market"]`, chromedp.ByQuery))
	auditA11y(t, b)
	b.TabTo("Market")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible("h1", chromedp.ByQuery))
	if b.Path() != "/neighbourhoods/south-market" || !strings.Contains(b.Text("h1"), "Market neighbourhood") {
		t.Fatalf("at %s: %q", b.Path(), b.Text("h1"))
	}
	auditA11y(t, b)
}

func TestNeighbourhoodPagesPassAxe(t *testing.T) {
	b := demoBrowser(t)
	for _, p := range []string{"/neighbourhoods?postcode=" + strings.ReplaceAll(db.DemoOutsidePostcode, " ", "+"),
		"/neighbourhoods?postcode=", "/neighbourhoods?postcode=not+a+postcode", "/neighbourhoods/north-mill"} {
		t.Run(p, func(t *testing.T) {
			b.Visit(p)
			auditA11y(t, b)
		})
	}
	if got := b.Text("main"); !strings.Contains(got, "Mill neighbourhood") {
		t.Fatalf("neighbourhood page: %q", got)
	}
	b.Run(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{"/neighbourhoods", "/neighbourhoods?postcode=DM6+1AB", "/local-policing-areas"} {
		b.Visit(p)
		auditA11y(t, b)
	}
}

func TestNeighbourhoodLookupWithoutJavaScript(t *testing.T) {
	b := demoBrowser(t)
	b.DisableJavaScript()
	b.Visit("/neighbourhoods")
	b.Run(
		chromedp.SendKeys("#postcode", "DM4 1AB", chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitNotPresent("#postcode", chromedp.ByQuery),
	)
	if got := b.Text("h1"); !strings.Contains(got, "Harbour neighbourhood") {
		t.Fatalf("h1 %q", got)
	}
	b.Visit("/neighbourhoods?postcode=" + strings.ReplaceAll(db.DemoOutsidePostcode, " ", "+"))
	var href string
	var ok bool
	b.Run(chromedp.AttributeValue(`a[href^="https://www.police.uk/"]`, "href", &href, &ok, chromedp.ByQuery))
	if href != portal.PoliceUKAreaURL {
		t.Fatalf("police.uk link %q", href)
	}
}

func TestStaffEditsTeamContactByKeyboard(t *testing.T) {
	b := demoBrowser(t)
	ctx := context.Background()
	store := b.Srv.Store
	id, err := store.CreateUser(ctx, db.NewUser{Email: "pcso@demoshire.police.example", Role: portal.RolePCSO})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, []string{"south"}, nil) }); err != nil {
		t.Fatal(err)
	}
	signInAs(t, b, id)
	b.Visit("/staff/neighbourhoods")
	if got := b.Text("main"); !strings.Contains(got, "Harbour") || strings.Contains(got, "Riverside") {
		t.Fatalf("staff list: %q", got)
	}
	auditA11y(t, b)

	b.TabTo("contact details for Heath")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible("#team_name", chromedp.ByQuery))
	if b.Path() != "/staff/neighbourhoods/south-heath" {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)

	// Clear the email and phone: the team must stay reachable.
	b.TabTo("input#team_email")
	selectFocused(b)
	b.Press(kb.Delete)
	b.TabTo("input#team_phone")
	selectFocused(b)
	b.Press(kb.Delete)
	b.TabTo("Save contact details")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible(".govuk-error-summary", chromedp.ByQuery))
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Enter an email address or a phone number for the team") {
		t.Fatalf("error summary %q", got)
	}
	auditA11y(t, b)

	b.TabTo("input#team_phone")
	b.Type("01632 960 002")
	b.TabTo("Save contact details")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible(".govuk-notification-banner--success", chromedp.ByQuery))
	if got := b.Text(".govuk-notification-banner--success"); !strings.Contains(got, "Team contact details saved") {
		t.Fatalf("banner %q", got)
	}
	auditA11y(t, b)
	n, err := store.NeighbourhoodByCode(ctx, "south-heath")
	if err != nil || n.Team.Phone != "01632 960 002" || n.Team.Email != "" {
		t.Fatalf("saved team %+v, %v", n.Team, err)
	}

	// Staff use phones on patrol.
	b.Run(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{"/staff/neighbourhoods", "/staff/neighbourhoods/south-market"} {
		b.Visit(p)
		auditA11y(t, b)
	}
}
