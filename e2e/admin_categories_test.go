package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tabToLabel presses Tab until the focused element's text, including
// visually hidden text (what a screen reader announces), contains want.
func (b *Browser) tabToLabel(want string) {
	b.t.Helper()
	for range 80 {
		b.Press(kb.Tab)
		var label string
		b.Run(chromedp.Evaluate(`(document.activeElement.textContent || '').replace(/\s+/g, ' ').trim()`, &label))
		if strings.Contains(label, want) {
			return
		}
	}
	b.t.Fatalf("e2e: could not reach %q by keyboard on %s", want, b.Path())
}

// TestAdminAddsChangesAndRetiresACategoryByKeyboard adds a category (after
// an error), changes it and retires it, by keyboard, checking every page
// with axe.
func TestAdminAddsChangesAndRetiresACategoryByKeyboard(t *testing.T) {
	b := acctAdminBrowser(t)
	b.Visit("/admin/categories")
	auditA11y(t, b)
	b.TabTo("Add a category")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/admin/categories/add" {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)

	b.fill("code", "E Scooters")
	b.TabTo("button Add category")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	summary := b.Text(".govuk-error-summary")
	for _, want := range []string{"Code must only include lowercase letters", "Select the type of anti-social behaviour", "Enter a name"} {
		if !strings.Contains(summary, want) {
			t.Fatalf("error summary %q lacks %q", summary, want)
		}
	}
	auditA11y(t, b)

	b.TabTo("input#code ")
	selectFocused(b)
	b.Type("e-scooters")
	b.pick("type-nuisance")
	b.fill("name", "E-scooters")
	b.fill("hint", "Ridden on pavements")
	b.fill("notice", "Private e-scooters cannot be used on roads.")
	b.TabTo("button Add category")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text(".govuk-notification-banner--success"); !strings.Contains(got, "Category added: E-scooters") {
		t.Fatalf("no confirmation at %s: %q", b.Path(), got)
	}
	auditA11y(t, b)

	b.tabToLabel("Change E-scooters")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/admin/categories/e-scooters/edit" {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)
	b.TabTo("input#name ")
	selectFocused(b)
	b.Press(kb.Delete)
	b.TabTo("Save changes")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-error-summary"), "Enter a name") {
		t.Fatal("no error for an empty name")
	}
	auditA11y(t, b)
	b.TabTo("input#name ")
	b.Type("Electric scooters")
	b.TabTo("Save changes")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-notification-banner--success"), "Category updated: Electric scooters") {
		t.Fatalf("not updated at %s", b.Path())
	}

	b.tabToLabel("Change Electric scooters")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	b.TabTo("Retire category")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-notification-banner--success"), "Category retired: Electric scooters") {
		t.Fatalf("not retired at %s", b.Path())
	}
	auditA11y(t, b)
	b.Visit("/admin/categories/e-scooters/edit")
	if !strings.Contains(b.Text("main"), "Restore category") {
		t.Fatal("a retired category cannot be restored")
	}
	auditA11y(t, b)
}

// TestAdminBansAnAddressByKeyboard adds a ban (after an error) and removes
// it, by keyboard.
func TestAdminBansAnAddressByKeyboard(t *testing.T) {
	b := acctAdminBrowser(t)
	b.Visit("/admin/banned-emails")
	auditA11y(t, b)

	b.fill("pattern", "spam.example")
	b.TabTo("button Add ban")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-error-summary"), "To ban a whole domain, start it with @") {
		t.Fatal("no error summary")
	}
	auditA11y(t, b)

	b.TabTo("input#pattern ")
	selectFocused(b)
	b.Type("@Spam.Example")
	b.fill("reason", "Abusive reports")
	b.TabTo("button Add ban")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-notification-banner--success"), "Ban added") ||
		!strings.Contains(b.Text("tbody"), "@spam.example") {
		t.Fatalf("ban not added: %q", b.Text("main"))
	}
	auditA11y(t, b)

	b.tabToLabel("Remove ban on @spam.example")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-notification-banner--success"), "Ban removed") ||
		!strings.Contains(b.Text("tbody"), "Nobody is banned") {
		t.Fatalf("ban not removed: %q", b.Text("main"))
	}
	auditA11y(t, b)
}

// TestAdminCategoryFormsWithoutJavaScript adds a category and a ban with
// scripts blocked: the forms are plain HTML.
func TestAdminCategoryFormsWithoutJavaScript(t *testing.T) {
	b := acctAdminBrowser(t)
	b.DisableJavaScript()
	b.Visit("/admin/categories/add")
	b.Run(
		chromedp.SendKeys("#code", "bins", chromedp.ByQuery),
		chromedp.Click("#type-environmental", chromedp.ByQuery),
		chromedp.SendKeys("#name", "Overflowing bins", chromedp.ByQuery),
	)
	b.Navigate(chromedp.Click("button.govuk-button", chromedp.ByQuery))
	if !strings.Contains(b.Text(".govuk-notification-banner--success"), "Category added: Overflowing bins") {
		t.Fatalf("not added without JavaScript at %s", b.Path())
	}
	b.Visit("/admin/banned-emails")
	b.Run(chromedp.SendKeys("#pattern", "troll@example.org", chromedp.ByQuery))
	b.Navigate(chromedp.Click("form button.govuk-button", chromedp.ByQuery))
	if !strings.Contains(b.Text("tbody"), "troll@example.org") {
		t.Fatal("not banned without JavaScript")
	}
	auditA11y(t, b)
}
