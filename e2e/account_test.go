package e2e

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	_ "github.com/lib/pq"
)

var acctLinkRE = regexp.MustCompile(`https?://\S+/account/sign-in/[A-Za-z0-9_-]{43}`)

// acctEmailLink reads the newest link matching re from the email to
// recipient in the outbox, and returns its path.
func acctEmailLink(t *testing.T, b *Browser, recipient string, re *regexp.Regexp) string {
	t.Helper()
	conn, err := sql.Open("postgres", b.Srv.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var body string
	if err := conn.QueryRow(`SELECT text_body FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1`, recipient).Scan(&body); err != nil {
		t.Fatalf("no email to %s: %v", recipient, err)
	}
	link := re.FindString(body)
	if link == "" {
		t.Fatalf("no link in email %q", body)
	}
	u, _ := url.Parse(link)
	return u.Path
}

// acctSignIn gives the browser a signed-in session for userID.
func acctSignIn(t *testing.T, b *Browser, userID int64) {
	t.Helper()
	c, err := b.Srv.Handler.SignedInCookie(userID, true)
	if err != nil {
		t.Fatal(err)
	}
	b.Run(network.SetCookie(c.Name, c.Value).WithURL(b.Srv.URL).WithPath("/").WithHTTPOnly(true))
}

func TestResidentSignInAndAccountByKeyboard(t *testing.T) {
	b := newBrowser(t)
	b.Visit("/")
	b.TabTo("Sign in")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/account/sign-in" {
		t.Fatalf("at %s, want /account/sign-in", b.Path())
	}
	auditA11y(t, b)

	// Sending nothing shows the error summary.
	b.TabTo("Email me a sign-in link")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-error-summary"), "Enter your email address") {
		t.Fatal("no error summary")
	}
	auditA11y(t, b)

	b.TabTo("input#email")
	b.Type("jo@example.org")
	b.TabTo("Email me a sign-in link")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if h := b.Text("h1"); h != "Check your email" {
		t.Fatalf("heading %q", h)
	}
	auditA11y(t, b)

	// The emailed link does not work in another browser...
	link := acctEmailLink(t, b, "jo@example.org", acctLinkRE)
	other := openTab(t, b.Srv)
	other.Visit(link)
	if !strings.Contains(other.Text("h1"), "Open the link on the device where you asked for it") {
		t.Fatalf("other browser sees %q", other.Text("h1"))
	}
	auditA11y(t, other)
	// ...but does in the one that asked for it.
	b.Visit(link)
	auditA11y(t, b)
	b.TabTo("Continue")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/account" || !strings.Contains(b.Text(".govuk-notification-banner--success"), "You are signed in") {
		t.Fatalf("after sign-in at %s", b.Path())
	}
	auditA11y(t, b)

	// The used link is dead.
	b.Visit(link)
	if !strings.Contains(b.Text("h1"), "expired or has already been used") {
		t.Fatalf("used link shows %q", b.Text("h1"))
	}
	auditA11y(t, b)

	// Register as a volunteer, by keyboard.
	b.Visit("/account")
	b.TabTo("Register")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	auditA11y(t, b)
	b.TabTo("Send request")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	auditA11y(t, b) // with errors
	b.TabTo("input#role ")
	b.Press(" ")
	b.TabTo("input#organisation")
	b.Type("Elm Road Watch")
	b.TabTo("input#area")
	b.Type("Elm Road")
	b.TabTo("Send request")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text("main"), "Waiting for a check") {
		t.Fatal("volunteer request not shown")
	}
	auditA11y(t, b)

	// Delete the account.
	b.TabTo("Delete your account")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	auditA11y(t, b)
	b.TabTo("Delete your account")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/account/deleted" {
		t.Fatalf("after deleting at %s", b.Path())
	}
	auditA11y(t, b)
	if kind, _ := b.Srv.Store.EmailAccountKind(context.Background(), "jo@example.org"); kind != "" {
		t.Fatal("account not deleted")
	}
}

func TestResidentSignInWithoutJavaScript(t *testing.T) {
	b := newBrowser(t)
	b.DisableJavaScript()
	b.Visit("/account/sign-in")
	b.Navigate(chromedp.SendKeys("#email", "nojs@example.org", chromedp.ByQuery), chromedp.Click("button[type=submit]", chromedp.ByQuery))
	b.Visit(acctEmailLink(t, b, "nojs@example.org", acctLinkRE))
	b.Navigate(chromedp.Click("button[type=submit]", chromedp.ByQuery))
	if b.Path() != "/account" {
		t.Fatalf("at %s, want /account", b.Path())
	}
	b.Navigate(chromedp.Click(`form[action="/account/sign-out"] button`, chromedp.ByQuery))
	if b.Path() != "/account/signed-out" {
		t.Fatalf("after signing out at %s", b.Path())
	}
	auditA11y(t, b)
}

func TestAccountPagesPassAxeOnAPhone(t *testing.T) {
	b := newBrowser(t)
	id, err := b.Srv.Store.CreateUser(context.Background(), db.NewUser{Email: "phone@example.org", Role: portal.RoleResident})
	if err != nil {
		t.Fatal(err)
	}
	acctSignIn(t, b, id)
	b.Run(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{"/account", "/account/volunteer", "/account/delete"} {
		t.Run(p, func(t *testing.T) {
			b.Visit(p)
			auditA11y(t, b)
		})
	}
}
