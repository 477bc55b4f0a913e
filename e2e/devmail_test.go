package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/mail"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestDevMailboxByKeyboard opens an email in the development mailbox and
// follows its link by keyboard, without JavaScript, auditing every page
// (the email's own HTML version included) with axe.
func TestDevMailboxByKeyboard(t *testing.T) {
	b := newBrowser(t, func(c *handlers.Config) { c.Dev = true })
	b.DisableJavaScript()
	b.Visit("/dev/mail")
	auditA11y(t, b) // empty

	r, err := mail.NewRenderer(b.Srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Render("test", "resident@example.org", "Read the accessibility statement at "+b.Srv.URL+"/accessibility.")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Srv.Store.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := b.Srv.Store.Enqueue(ctx, portal.Email{To: "x@example.org", Subject: "Second message", Text: "No links here.\n"}); err != nil {
		t.Fatal(err)
	}

	b.Visit("/dev/mail")
	auditA11y(t, b)
	b.TabTo("Beacon test message")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible("h1", chromedp.ByQuery))
	if !strings.HasPrefix(b.Path(), "/dev/mail/") || b.Text("h1") != "Beacon test message" {
		t.Fatalf("at %s, heading %q", b.Path(), b.Text("h1"))
	}
	auditA11y(t, b)
	message := b.Path()

	b.TabTo(b.Srv.URL + "/accessibility")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible("#main-content", chromedp.ByID))
	if b.Path() != "/accessibility" {
		t.Fatalf("the link in the email led to %s", b.Path())
	}

	b.Visit(message)
	b.TabTo("View the HTML version")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible("body p", chromedp.ByQuery))
	if !strings.HasSuffix(b.Path(), "/html") || !strings.Contains(b.Text("body"), "This is a test message from Beacon") {
		t.Fatalf("at %s: %q", b.Path(), b.Text("body"))
	}
	// The sandbox stops all scripts on that page, axe's too, so the email's
	// HTML is audited as a document of its own.
	var ok bool
	b.Run(chromedp.Navigate("about:blank"),
		chromedp.Evaluate(`document.open(); document.write(`+strconv.Quote(m.HTML)+`); document.close(); true`, &ok))
	auditA11y(t, b)
}
