package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/portal"
)

// withDevMode turns on development mode, where the mailbox exists.
func withDevMode(c *handlers.Config) { c.Dev = true }

func TestDevMailboxAbsentInProduction(t *testing.T) {
	s := newServer(t)
	if err := s.Store.Enqueue(context.Background(), portal.Email{To: "r@example.org", Subject: "S", Text: "t", HTML: "<p>h</p>"}); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	for _, p := range []string{"/dev/mail", "/dev/mail/1", "/dev/mail/1/html"} {
		c.Get(p).Status(t, 404).Contains(t, "Page not found")
	}
}

func TestDevMailboxEmpty(t *testing.T) {
	s := newServer(t, withDevMode)
	s.Client(t).Get("/dev/mail").Status(t, 200).Contains(t, "Development mailbox", "No emails yet")
}

func TestDevMailbox(t *testing.T) {
	ctx := context.Background()
	s := newServer(t, withDevMode)
	first := portal.Email{To: "first@example.org", Subject: "Set up your password", Text: "Hello.\n\nSet it up at https://beacon.example.org/set?token=abc&x=1.\nIt expires (see https://beacon.example.org/help).\n"}
	second := portal.Email{To: "second@example.org", Subject: `<script>alert("x")</script>`,
		Text: "Plain <b>text</b>\n", HTML: `<p style="color:red">Hi</p><script>alert(1)</script>`,
		Headers: map[string]string{"List-Unsubscribe": "<https://beacon.example.org/u/1>"}}
	for _, m := range []portal.Email{first, second} {
		if err := s.Store.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := s.Store.OutboxMessages(ctx, 10)
	if err != nil || len(ms) != 2 {
		t.Fatal(len(ms), err)
	}
	secondID, firstID := ms[0].ID, ms[1].ID
	c := s.Client(t)

	list := c.Get("/dev/mail").Status(t, 200).Contains(t, "first@example.org", "second@example.org",
		"Set up your password", "&lt;script&gt;", "Waiting", fmt.Sprintf(`href="/dev/mail/%d"`, firstID))
	if strings.Index(list.Body, "second@example.org") > strings.Index(list.Body, "first@example.org") {
		t.Error("the list is not newest first")
	}
	if strings.Contains(list.Body, `<script>alert("x")`) {
		t.Error("the subject was not escaped")
	}

	one := c.Get(fmt.Sprintf("/dev/mail/%d", firstID)).Status(t, 200).Contains(t,
		`<a class="govuk-link" href="https://beacon.example.org/set?token=abc&amp;x=1">https://beacon.example.org/set?token=abc&amp;x=1</a>.<br>`,
		`(see <a class="govuk-link" href="https://beacon.example.org/help">https://beacon.example.org/help</a>).`,
		"<p class=\"govuk-body govuk-!-text-break-word\">Hello.</p>", "first@example.org", "Message-ID", "&lt;outbox-")
	if strings.Contains(one.Body, "View the HTML version") {
		t.Error("a message without HTML offers an HTML version")
	}
	c.Get(fmt.Sprintf("/dev/mail/%d/html", firstID)).Status(t, 404)

	two := c.Get(fmt.Sprintf("/dev/mail/%d", secondID)).Status(t, 200).Contains(t,
		"Plain &lt;b&gt;text&lt;/b&gt;", "View the HTML version", "List-Unsubscribe", "&lt;https://beacon.example.org/u/1&gt;")
	if strings.Contains(two.Body, "<b>text</b>") || strings.Contains(two.Body, "<script>alert") {
		t.Error("message content was not escaped")
	}

	html := c.Get(fmt.Sprintf("/dev/mail/%d/html", secondID)).Status(t, 200)
	if html.Body != second.HTML {
		t.Errorf("HTML body = %q", html.Body)
	}
	csp := html.Header.Get("Content-Security-Policy")
	for _, want := range []string{"sandbox", "default-src 'none'", "style-src 'unsafe-inline'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || !strings.HasPrefix(html.Header.Get("Content-Type"), "text/html") ||
		html.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", html.Header)
	}

	c.Get("/dev/mail/99999").Status(t, 404)
	c.Get("/dev/mail/abc").Status(t, 404)
}
