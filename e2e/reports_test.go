package e2e

import (
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// pick selects a radio button by keyboard: Tab into its group, then the
// arrow keys until the wanted one is focused (arrows select as they move).
func (b *Browser) pick(id string) {
	b.t.Helper()
	for range 60 {
		if strings.HasPrefix(b.Focused(), "input#"+id+" ") {
			b.Press(" ") // Tab focuses a radio without choosing it
			return
		}
		if strings.HasPrefix(b.Focused(), "input#") && b.focusedIsRadioInSameGroup(id) {
			b.Press(kb.ArrowDown)
			continue
		}
		b.Press(kb.Tab)
	}
	b.t.Fatalf("e2e: could not pick %s by keyboard on %s", id, b.Path())
}

func (b *Browser) focusedIsRadioInSameGroup(id string) bool {
	var same bool
	b.Run(chromedp.Evaluate(`(() => { const e = document.activeElement, w = document.getElementById(`+quote(id)+`);
		return !!(e && w && e.type === 'radio' && e.name === w.name) })()`, &same))
	return same
}

// tick ticks a checkbox by keyboard.
func (b *Browser) tick(id string) {
	b.t.Helper()
	b.TabTo("input#" + id + " ")
	b.Press(" ")
}

// fill types into a text field by keyboard.
func (b *Browser) fill(id, text string) {
	b.t.Helper()
	b.TabTo("#" + id + " ")
	b.Type(text)
}

// continueTo presses the button labelled text and waits for the next page.
func (b *Browser) continueTo(button, path string) {
	b.t.Helper()
	b.TabTo(button)
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Path(); got != path {
		b.t.Fatalf("e2e: after %q at %s, want %s (page: %s)", button, got, path, b.Text("#main-content"))
	}
	auditA11y(b.t, b)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func TestReportJourneyByKeyboard(t *testing.T) {
	b := demoBrowser(t)
	b.Visit("/")
	auditA11y(t, b)
	b.TabTo("Report anti-social behaviour")
	b.Press(kb.Enter)
	b.Run(chromedp.WaitVisible(".govuk-button--start", chromedp.ByQuery))
	auditA11y(t, b)
	b.continueTo("Start now", "/report/safety")

	// An error first: the summary appears and the answer page is audited.
	b.continueTo("Continue", "/report/safety")
	if !strings.Contains(b.Text(".govuk-error-summary"), "Select yes if anyone is in immediate danger") {
		t.Fatal("no error summary on the safety question")
	}
	b.pick("safety-no")
	b.continueTo("Continue", "/report/what")
	b.pick("category-noise")
	b.continueTo("Continue", "/report/where")
	b.fill("postcode", db.DemoPostcodes()["north-riverside"][0])
	b.continueTo("Continue", "/report/when")
	b.fill("when-day", "20")
	b.fill("when-month", "11")
	b.fill("when-year", "2026")
	b.pick("happened-before")
	b.fill("how-often", "Most weekends")
	b.continueTo("Continue", "/report/details")
	b.fill("description", "Loud music and shouting from the flat above until 3am.")
	b.continueTo("Continue", "/report/people")
	b.continueTo("Continue", "/report/impact")
	b.tick("impacts-health")
	b.pick("hate-no")
	b.continueTo("Continue", "/report/photos")
	b.continueTo("Continue", "/report/about-you")
	b.pick("anonymous")
	b.fill("name", "Kim Keyboard")
	b.fill("email", "kim@example.org")
	b.pick("contact-preference")
	b.pick("safe-to-leave-no")
	b.continueTo("Continue", "/report/check")
	if !strings.Contains(b.Text("main"), "Loud music and shouting") {
		t.Fatal("check page lacks the answers")
	}
	b.continueTo("Send report", "/report/sent")
	ref := b.Text(".govuk-panel__body")
	if !strings.Contains(ref, "ASB-") {
		t.Fatalf("no reference in %q", ref)
	}
}

func TestReportJourneyWithoutJavaScript(t *testing.T) {
	b := demoBrowser(t)
	b.DisableJavaScript()
	click := func(sel string) { b.Run(chromedp.Click(sel, chromedp.ByQuery)) }
	next := func(sel string) {
		b.Navigate(chromedp.Click(sel, chromedp.ByQuery))
		auditA11y(t, b)
	}
	send := func(sel, text string) { b.Run(chromedp.SendKeys(sel, text, chromedp.ByQuery)) }
	b.Visit("/report")
	next(".govuk-button--start")
	click("#safety-no")
	next("button[type=submit]")
	click("#category-graffiti")
	next("button[type=submit]")
	// Describe the place instead of a postcode.
	next("a[href*='describe=1']")
	send("#place", "Underpass by the station")
	click("#neighbourhood-south-market")
	next("button[type=submit]")
	if b.Path() != "/report/when" {
		t.Fatalf("at %s after describing the place: %s", b.Path(), b.Text("main"))
	}
	send("#when-day", "19")
	send("#when-month", "11")
	send("#when-year", "2026")
	// Without JavaScript the conditional questions are always shown.
	click("#happened-before-no")
	next("button[type=submit]")
	send("#description", "Tags sprayed on the underpass walls.")
	next("button[type=submit]")
	next("button[type=submit]")
	click("#hate-not-sure")
	next("button[type=submit]")
	next("button[value=continue]")
	click("#anonymous-yes")
	next("button[type=submit]")
	if b.Path() != "/report/check" {
		t.Fatalf("at %s: %s", b.Path(), b.Text("main"))
	}
	next("button[type=submit]")
	if b.Path() != "/report/sent" || !strings.Contains(b.Text(".govuk-panel__body"), "ASB-") {
		t.Fatalf("not confirmed: %s %s", b.Path(), b.Text("main"))
	}
}

func TestReportStopPageAndTrackingPassAxe(t *testing.T) {
	b := demoBrowser(t)
	b.Visit("/report/safety")
	b.Run(chromedp.Click("#safety", chromedp.ByQuery))
	b.Navigate(chromedp.Click("button[type=submit]", chromedp.ByQuery))
	if b.Path() != "/report/call-999" {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)
	b.Visit("/track")
	auditA11y(t, b)
	b.Navigate(chromedp.Click("button[type=submit]", chromedp.ByQuery))
	auditA11y(t, b)
}
