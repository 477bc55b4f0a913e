package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

var (
	confirmLinkRE = regexp.MustCompile(`https?://\S+(/alerts/confirm/[A-Za-z0-9_-]{43})`)
	unsubLinkRE   = regexp.MustCompile(`https?://\S+(/alerts/unsubscribe/[A-Za-z0-9_-]{43})`)
)

// cmSubscribe fills in the subscribe form and returns the path of the
// emailed confirmation link.
func cmSubscribeForm(t *testing.T, s *handlerstest.Server, values url.Values) string {
	t.Helper()
	c := s.Client(t)
	c.Get("/alerts")
	r := c.PostForm("/alerts", values).Status(t, 303)
	if r.Header.Get("Location") != "/alerts/check-your-email" {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	c.Get("/alerts/check-your-email").Status(t, 200).Contains(t, "Check your email", "You will not get any alerts until you confirm")
	mails := cmMailTo(t, s, portal.CanonicalEmail(values.Get("email")))
	if len(mails) == 0 {
		t.Fatal("no confirmation email")
	}
	m := confirmLinkRE.FindStringSubmatch(mails[len(mails)-1].Text)
	if m == nil {
		t.Fatalf("no confirmation link in %q", mails[len(mails)-1].Text)
	}
	return m[1]
}

// cmPublishAsStaff publishes an urgent message to neighbourhoods and runs the delivery job.
func cmPublishAsStaff(t *testing.T, s *handlerstest.Server, staff int64, title string, codes ...string) {
	t.Helper()
	c := s.Client(t)
	c.SignIn(staff)
	c.Get("/staff/messages/new")
	c.PostForm("/staff/messages/new", messageForm(title, codes...)).Status(t, 303)
	if _, err := s.Handler.DeliverAlerts(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSubscribeConfirmAndOneClickUnsubscribe(t *testing.T) {
	s := demoServer(t)
	staff := newStaff(t, s, "admin@police.example", portal.RoleForceAdmin)
	c := s.Client(t)
	c.Get("/alerts?neighbourhood=north-mill").Status(t, 200).Contains(t, "Get email alerts about your neighbourhood",
		`<option value="north-mill" selected>`, "Within 0.5 km", "Only urgent messages", "Once a week")
	c.Get("/alerts?neighbourhood=%FF").Status(t, 400)

	// Every error at once, input kept.
	r := c.PostForm("/alerts", url.Values{"email": {"not-an-address"}, "area": {"radius"}, "postcode": {"zz1"}}).Status(t, 422)
	r.Contains(t, "There is a problem", "Enter an email address in the correct format", "Enter a real postcode",
		"Select how far from the postcode", "Select what you want to hear about", "Select how often", `value="not-an-address"`)
	c.PostForm("/alerts", url.Values{"email": {"a@example.org"}, "area": {"radius"}, "postcode": {"DM7 1AB"}, "radius": {"500"},
		"kinds": {"team_message"}, "priority": {"information"}, "frequency": {"immediate"}}).Status(t, 422).
		Contains(t, "We could not find that postcode")

	email := "resident@example.org"
	confirm := cmSubscribeForm(t, s, url.Values{"email": {"Resident@Example.org"}, "area": {"neighbourhood"}, "neighbourhood": {"north-mill"},
		"kinds": {"team_message"}, "priority": {"information"}, "frequency": {"immediate"}})

	// Inactive until confirmed: a message now reaches nobody.
	cmPublishAsStaff(t, s, staff, "Before confirming", "north-mill")
	if got := cmMailTo(t, s, email); len(got) != 1 {
		t.Fatalf("unconfirmed subscriber got %d emails", len(got))
	}
	// The link's page changes nothing until its button is pressed.
	page := s.Client(t)
	page.Get(confirm).Status(t, 200).Contains(t, "Confirm your alerts", "the Mill neighbourhood", "Confirm alerts")
	cmPublishAsStaff(t, s, staff, "Still not confirmed", "north-mill")
	if got := cmMailTo(t, s, email); len(got) != 1 {
		t.Fatalf("GET confirmed the subscription: %d emails", len(got))
	}
	page.PostForm(confirm, nil).Status(t, 200).Contains(t, "Your alerts are confirmed")
	page.Get(confirm).Status(t, 200).Contains(t, "Your alerts are confirmed")

	cmPublishAsStaff(t, s, staff, "Bikes stolen from sheds", "north-mill")
	mails := cmMailTo(t, s, email)
	if len(mails) != 2 {
		t.Fatalf("confirmed subscriber got %d emails", len(mails))
	}
	alert := mails[1]
	if !strings.Contains(alert.Subject, "Bikes stolen from sheds") || !strings.Contains(alert.Text, "/messages/") {
		t.Fatalf("alert %q %q", alert.Subject, alert.Text)
	}
	if alert.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers %v", alert.Headers)
	}
	hdr := regexp.MustCompile(`^<(https?://[^>]+)>$`).FindStringSubmatch(alert.Headers["List-Unsubscribe"])
	if hdr == nil {
		t.Fatalf("List-Unsubscribe %q", alert.Headers["List-Unsubscribe"])
	}
	if m := unsubLinkRE.FindStringSubmatch(alert.Text); m == nil || !strings.HasSuffix(hdr[1], m[1]) {
		t.Fatalf("body link and header differ: %q vs %q", m, hdr[1])
	}

	// RFC 8058: a POST from the mail provider, with no cookie, no token, from another origin.
	req, _ := http.NewRequest(http.MethodPost, hdr[1], strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://mail.example.com")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click unsubscribe: status %d", resp.StatusCode)
	}
	cmPublishAsStaff(t, s, staff, "After unsubscribing", "north-mill")
	if got := cmMailTo(t, s, email); len(got) != 2 {
		t.Fatalf("unsubscribed address got %d emails", len(got))
	}
	u, _ := url.Parse(hdr[1])
	s.Client(t).Get(u.Path).Status(t, 200).Contains(t, "You have stopped your alerts")

	// The exemption is for that route alone: confirming still needs a token.
	req, _ = http.NewRequest(http.MethodPost, s.URL+confirm, strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("confirm without a token: %v %v", resp.StatusCode, err)
	}
	s.Client(t).Get("/alerts/unsubscribe/"+portal.NewToken()).Status(t, 404)
}

func TestUnsubscribeLinkInTheBodyWorksWithoutSignIn(t *testing.T) {
	s := demoServer(t)
	staff := newStaff(t, s, "admin@police.example", portal.RoleForceAdmin)
	email := "weekly@example.org"
	confirm := cmSubscribeForm(t, s, url.Values{"email": {email}, "area": {"radius"}, "postcode": {"DM1 1AB"}, "radius": {"2000"},
		"kinds": {"team_message", "course_session"}, "priority": {"advice"}, "frequency": {"immediate"}})
	c := s.Client(t)
	c.Get(confirm)
	c.PostForm(confirm, nil).Status(t, 200).Contains(t, "within 2 km of DM1 1AB")
	cmPublishAsStaff(t, s, staff, "Riverside news", "north-riverside")
	mails := cmMailTo(t, s, email)
	m := unsubLinkRE.FindStringSubmatch(mails[len(mails)-1].Text)
	if len(mails) != 2 || m == nil {
		t.Fatalf("emails %d, link %v", len(mails), m)
	}
	b := s.Client(t)
	b.Get(m[1]).Status(t, 200).Contains(t, "Stop your alerts", "within 2 km of DM1 1AB")
	b.PostForm(m[1], url.Values{"List-Unsubscribe": {"One-Click"}}).Status(t, 200).Contains(t, "You have stopped your alerts")
	// Confirming an ended subscription does not restart it.
	c.Get(confirm)
	c.PostForm(confirm, nil).Status(t, 200).Contains(t, "This link has expired")
}
