package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestPublicPagesPassAxe(t *testing.T) {
	b := newBrowser(t)
	for _, p := range []string{"/", "/cookies", "/accessibility", "/privacy", "/feedback",
		"/report", "/have-your-say", "/courses", "/case-review", "/staff/sign-in", "/no-such-page"} {
		t.Run(p, func(t *testing.T) {
			b.Visit(p)
			auditA11y(t, b)
		})
	}
}

func TestPublicPagesPassAxeOnAPhone(t *testing.T) {
	b := newBrowser(t)
	b.Run(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{"/", "/feedback", "/no-such-page"} {
		b.Visit(p)
		auditA11y(t, b)
	}
}

func TestSkipLinkAndExitThisPage(t *testing.T) {
	b := newBrowser(t)
	b.Visit("/")
	b.Tab(1)
	if f := b.Focused(); !strings.Contains(f, "Skip to main content") {
		t.Fatalf("first Tab focuses %q, want the skip link", f)
	}
	b.Press(kb.Enter)
	var focused string
	b.Run(chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "main-content" {
		t.Fatalf("skip link moved focus to %q, want main-content", focused)
	}
	if !strings.Contains(b.Text(".govuk-exit-this-page"), "Exit this page") {
		t.Fatal("no Exit this page control")
	}
}

func TestFeedbackByKeyboard(t *testing.T) {
	b := newBrowser(t)
	b.Visit("/")
	b.TabTo("feedback")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible("form", chromedp.ByQuery))
	if b.Path() != "/feedback" {
		t.Fatalf("at %s, want /feedback", b.Path())
	}
	auditA11y(t, b)

	// Send without choosing: the error summary takes focus and links to the field.
	b.TabTo("Send feedback")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible(".govuk-error-summary", chromedp.ByQuery))
	if !strings.Contains(b.Text(".govuk-error-summary"), "Select how you feel about the service") {
		t.Fatal("no error summary")
	}
	if !strings.HasPrefix(b.Title(), "Error: ") {
		t.Fatalf("title %q lacks the Error: prefix", b.Title())
	}
	auditA11y(t, b)

	b.TabTo("input#rating ")
	b.Press(" ")
	b.TabTo("textarea#comments")
	b.Type("Easy to use on my phone")
	b.TabTo("Send feedback")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible(".govuk-notification-banner--success", chromedp.ByQuery))
	if !strings.Contains(b.Text(".govuk-notification-banner--success"), "Thank you for your feedback") {
		t.Fatal("no confirmation")
	}
	auditA11y(t, b)
}

func TestFeedbackWithoutJavaScript(t *testing.T) {
	b := newBrowser(t)
	b.DisableJavaScript()
	b.Visit("/feedback")
	b.Run(
		chromedp.Click("#rating-satisfied", chromedp.ByQuery),
		chromedp.SendKeys("#comments", "Works without scripts", chromedp.ByQuery),
		chromedp.Click("button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(".govuk-notification-banner--success", chromedp.ByQuery),
	)
	var classes string
	b.Run(chromedp.Evaluate(`document.body.className`, &classes))
	if strings.Contains(classes, "js-enabled") {
		t.Fatal("JavaScript ran although it was blocked")
	}
	if b.Path() != "/" {
		t.Fatalf("after sending, at %s", b.Path())
	}
	auditA11y(t, b)
}
