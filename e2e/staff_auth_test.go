package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"
)

const e2eStaffPassword = "tangerine-lighthouse-42"

func e2eStaff(t *testing.T, b *Browser, email string) int64 {
	t.Helper()
	hash, err := portal.HashPassword(e2eStaffPassword)
	if err != nil {
		t.Fatal(err)
	}
	id, err := b.Srv.Store.CreateUser(context.Background(), db.NewUser{Email: email, Role: portal.RoleSergeant,
		DisplayName: "Alex Morgan", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitFor waits for an element after a navigation started by a key press.
func (b *Browser) waitFor(sel string) {
	b.t.Helper()
	b.Run(chromedp.WaitVisible(sel, chromedp.ByQuery))
}

// waitPath waits (up to 10 s) until the browser has navigated to path.
func (b *Browser) waitPath(path string) {
	b.t.Helper()
	var got string
	for range 100 {
		if chromedp.Run(b.ctx, chromedp.Evaluate(`location.pathname`, &got)) == nil && got == path {
			b.waitFor("#main-content")
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("e2e: at %s, waiting for %s", got, path)
}

// clear empties a form field.
func (b *Browser) clear(sel string) {
	b.t.Helper()
	var ok bool
	b.Run(chromedp.Evaluate(`(() => { const e = document.querySelector('`+sel+`'); e.value = ''; return true })()`, &ok))
}

// keyboardSignIn fills the sign-in form by keyboard from the top of the page.
func keyboardSignIn(b *Browser, email, password string) {
	b.t.Helper()
	b.Visit("/staff/sign-in")
	b.TabTo("input#email")
	b.Type(email)
	b.TabTo("input#password")
	b.Type(password)
	b.TabTo("button Sign in")
	b.Press(kb.Enter)
}

// TestStaffSignInByKeyboard walks the whole first sign-in by keyboard:
// password, authenticator set-up with a code computed from the secret shown,
// recovery codes, staff home, sign out, then a second sign-in with a code.
func TestStaffSignInByKeyboard(t *testing.T) {
	b := newBrowser(t)
	e2eStaff(t, b, "alex@force.example")

	keyboardSignIn(b, "alex@force.example", "not-my-password-at-all")
	b.waitFor(".govuk-error-summary")
	if !strings.Contains(b.Text(".govuk-error-summary"), portal.BadCredentials) || !strings.HasPrefix(b.Title(), "Error: ") {
		t.Fatal("no error summary for a wrong password")
	}
	auditA11y(t, b)

	keyboardSignIn(b, "alex@force.example", e2eStaffPassword)
	b.waitFor("#totp-secret")
	if b.Path() != "/staff/mfa/setup" {
		t.Fatalf("after the password, at %s", b.Path())
	}
	auditA11y(t, b)
	secret := strings.ReplaceAll(b.Text("#totp-secret"), " ", "")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("secret %q from the page: %v", secret, err)
	}
	b.TabTo("input#code")
	b.Type(code)
	b.TabTo("button Continue")
	b.Press(kb.Enter)
	b.waitFor(".app-recovery-codes")
	auditA11y(t, b)
	if n := strings.Count(b.Text(".app-recovery-codes"), "-"); n != 10 {
		t.Fatalf("%d recovery codes shown", n)
	}

	b.TabTo("I have saved my codes")
	b.Press(kb.Enter)
	b.waitFor(".govuk-summary-list")
	if b.Path() != "/staff" || !strings.Contains(b.Text("main"), "Signed in as Alex Morgan") {
		t.Fatalf("at %s, not the staff home", b.Path())
	}
	auditA11y(t, b)

	b.TabTo("button Sign out")
	b.Press(kb.Enter)
	b.waitFor(".govuk-notification-banner--success")
	if b.Path() != "/staff/sign-in" {
		t.Fatalf("after signing out, at %s", b.Path())
	}
	auditA11y(t, b)

	// Next time: the code page. The set-up code's time step is used, so
	// take the next one.
	keyboardSignIn(b, "alex@force.example", e2eStaffPassword)
	b.waitFor("input#code")
	if b.Path() != "/staff/mfa" {
		t.Fatalf("second sign-in: at %s", b.Path())
	}
	auditA11y(t, b)
	b.TabTo("input#code")
	b.Type("000000")
	b.TabTo("button Continue")
	b.Press(kb.Enter)
	b.waitFor(".govuk-error-summary")
	auditA11y(t, b)
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	b.clear("#code")
	b.TabTo("input#code")
	b.Type(next)
	b.Press(kb.Enter)
	b.waitFor(".govuk-summary-list")
	if b.Path() != "/staff" {
		t.Fatalf("after the code, at %s", b.Path())
	}
}

// TestStaffSignInWithoutJavaScript signs in and sets up the app with every
// script blocked.
func TestStaffSignInWithoutJavaScript(t *testing.T) {
	b := newBrowser(t)
	b.DisableJavaScript()
	e2eStaff(t, b, "alex@force.example")
	b.Visit("/staff/sign-in")
	b.Run(
		chromedp.SendKeys("#email", "alex@force.example", chromedp.ByQuery),
		chromedp.SendKeys("#password", e2eStaffPassword, chromedp.ByQuery),
		chromedp.Click("form button[type=submit]", chromedp.ByQuery),
	)
	b.waitFor("#totp-secret")
	secret := strings.ReplaceAll(b.Text("#totp-secret"), " ", "")
	code, _ := totp.GenerateCode(secret, time.Now())
	b.Run(
		chromedp.SendKeys("#code", code, chromedp.ByQuery),
		chromedp.Click(`form[action="/staff/mfa/setup"] button[type=submit]`, chromedp.ByQuery),
	)
	b.waitFor(".app-recovery-codes")
	var classes string
	b.Run(chromedp.Evaluate(`document.body.className`, &classes))
	if strings.Contains(classes, "js-enabled") {
		t.Fatal("JavaScript ran although it was blocked")
	}
	b.Run(chromedp.Click(`a[href="/staff"]`, chromedp.ByQuery))
	b.waitFor(".govuk-summary-list")
	auditA11y(t, b)
}

// TestStaffPasswordPagesPassAxe audits the password pages, including their
// error states.
func TestStaffPasswordPagesPassAxe(t *testing.T) {
	b := newBrowser(t)
	id := e2eStaff(t, b, "alex@force.example")
	b.Visit("/staff/password/forgot")
	auditA11y(t, b)
	b.Run(chromedp.SendKeys("#email", "not an address", chromedp.ByQuery), chromedp.Click("form button[type=submit]", chromedp.ByQuery))
	b.waitFor(".govuk-error-summary")
	auditA11y(t, b)
	b.clear("#email")
	b.Run(chromedp.SendKeys("#email", "alex@force.example", chromedp.ByQuery), chromedp.Click("form button[type=submit]", chromedp.ByQuery))
	b.waitPath("/staff/password/check-your-email")
	auditA11y(t, b)

	token, err := b.Srv.Store.CreateAuthToken(context.Background(), id, portal.TokenPasswordReset, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b.Visit("/staff/password/reset/" + token)
	auditA11y(t, b)
	b.Run(chromedp.SendKeys("#password", "short", chromedp.ByQuery), chromedp.Click("form button[type=submit]", chromedp.ByQuery))
	b.waitFor(".govuk-error-summary")
	auditA11y(t, b)
	b.clear("#password")
	b.Run(chromedp.SendKeys("#password", "a fresh tangerine sky", chromedp.ByQuery),
		chromedp.Click("form button[type=submit]", chromedp.ByQuery))
	b.waitFor(".govuk-notification-banner--success")
	b.Visit("/staff/password/reset/" + token)
	if !strings.Contains(b.Text("h1"), "This link has expired") {
		t.Fatal("a used link still works")
	}
	auditA11y(t, b)
}
