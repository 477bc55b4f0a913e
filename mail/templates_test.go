package mail_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/mail"
)

// emailSamples holds sample data for every email in templates/email, keyed
// by template name. Adding an email? Add its sample here, using the same
// type its sender passes to Render: the test below fails for any template
// without one. (This is an external test package so that samples may use
// types from portal or handlers.)
var emailSamples = map[string]any{
	"test": "<b>Tom & Jerry</b>",
	"report_acknowledgement": struct{ Reference, TrackURL, Neighbourhood string }{
		"ASB-7K3Q-9XPD", sampleBaseURL + "/track", "Riverside"},
	"account_sign_in": struct {
		URL     string
		Minutes int
	}{sampleBaseURL + "/account/link/abc", 30},
	"account_staff_address":      struct{ URL string }{sampleBaseURL + "/staff/sign-in"},
	"account_volunteer_declined": struct{ Role, URL string }{"Neighbourhood Watch coordinator", sampleBaseURL + "/account"},
	"account_volunteer_verified": struct{ Role, URL string }{"Street Pastor", sampleBaseURL + "/account"},
	"admin_invite": struct {
		Name, Role, URL string
		Days            int
	}{"Sam Patel", "Sergeant", sampleBaseURL + "/staff/password/set/abc", 7},
	"staff_password_reset": staffLink{sampleBaseURL + "/staff/password/reset/abc", "1 hour"},
	"staff_password_set":   staffLink{sampleBaseURL + "/staff/password/set/abc", "7 days"},
}

// staffLink mirrors the data of the staff password emails (handlers.staffLinkEmail).
type staffLink struct {
	URL      string
	Lifetime string
}

const sampleBaseURL = "https://beacon.example.org"

var (
	hrefRE     = regexp.MustCompile(`(?i)\b(?:href|src)\s*=\s*"([^"]*)"`)
	absoluteRE = regexp.MustCompile(`^(https?://[^/]|mailto:|tel:)`)
)

// TestEveryEmailRenders renders each email with its sample data and checks
// what every email must be: a subject, a plain-text body, no missing values,
// and only absolute links (an email has no page to be relative to).
func TestEveryEmailRenders(t *testing.T) {
	r, err := mail.NewRenderer(sampleBaseURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	names := r.Names()
	slices.Sort(names)
	var missing []string
	for _, name := range names {
		sample, ok := emailSamples[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			m, err := r.Render(name, "resident@example.org", sample)
			if err != nil {
				t.Fatal(err)
			}
			checkEmail(t, m.Subject, m.Text, m.HTML)
		})
	}
	if len(missing) > 0 {
		t.Errorf("emails without sample data in emailSamples (mail/templates_test.go): %s", strings.Join(missing, ", "))
	}
	for name := range emailSamples {
		if !slices.Contains(names, name) {
			t.Errorf("emailSamples has %q, which is not a template in templates/email", name)
		}
	}
}

func checkEmail(t *testing.T, subject, text, html string) {
	t.Helper()
	if subject == "" || strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject %q: want one non-empty line", subject)
	}
	if strings.TrimSpace(text) == "" {
		t.Error("no plain-text body: every email needs one")
	}
	for part, body := range map[string]string{"subject": subject, "text": text, "html": html} {
		for _, bad := range []string{"<no value>", "%!", "{{"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q: missing or malformed data", part, bad)
			}
		}
	}
	for _, m := range hrefRE.FindAllStringSubmatch(html, -1) {
		if !absoluteRE.MatchString(m[1]) {
			t.Errorf("html link %q is not absolute: build links from .BaseURL", m[1])
		}
	}
}
