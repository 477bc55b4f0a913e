package mail

import (
	"strings"
	"testing"
)

func TestRenderEscapesHTMLButNotText(t *testing.T) {
	r, err := NewRenderer("https://beacon.example.org/")
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Render("test", "someone@example.org", "<b>Tom & Jerry</b>")
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Beacon test message" || m.To != "someone@example.org" {
		t.Fatalf("subject %q to %q", m.Subject, m.To)
	}
	if !strings.Contains(m.Text, "<b>Tom & Jerry</b>") || !strings.Contains(m.Text, "https://beacon.example.org.") {
		t.Fatalf("text body: %q", m.Text)
	}
	if !strings.Contains(m.HTML, "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;") {
		t.Fatalf("html body not escaped: %q", m.HTML)
	}
	if _, err := r.Render("no-such-email", "x@example.org", nil); err == nil {
		t.Fatal("unknown template rendered")
	}
}
