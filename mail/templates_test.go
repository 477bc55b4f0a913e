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
	// report_update mirrors handlers.reportUpdateEmail.
	"report_update": struct{ Reference, TrackURL, Kind string }{"ASB-7K3Q-9XPD", sampleBaseURL + "/track", "closed"},
	// casereview_acknowledgement mirrors handlers.caseReviewAckEmail.
	"casereview_acknowledgement": struct {
		Reference, Area, URL, TrackURL string
		AcknowledgeDays, DecisionDays  int
	}{"CR-7K3Q-9XPD", "North Demoshire District Council", sampleBaseURL + "/case-review/applications/CR-7K3Q-9XPD",
		sampleBaseURL + "/case-review/applications", 5, 10},
	// casereview_decision and casereview_outcome mirror handlers.caseReviewEmail.
	"casereview_decision": caseReviewEmail{"CR-7K3Q-9XPD", sampleBaseURL + "/case-review/applications/CR-7K3Q-9XPD", "31 December 2026"},
	"casereview_outcome":  caseReviewEmail{"CR-7K3Q-9XPD", sampleBaseURL + "/case-review/applications/CR-7K3Q-9XPD", "4 March 2027"},
	// casereview_notice mirrors handlers.caseReviewNoticeEmail.
	"casereview_notice": struct{ Area, StartURL, TrackURL, AreaURL string }{"North Demoshire District Council",
		sampleBaseURL + "/case-review", sampleBaseURL + "/track", sampleBaseURL + "/case-review/areas/demo-north"},
	// Neighbourhoods and volunteers (handlers/alerts.go, watch.go, on_behalf.go).
	"onbehalf_acknowledgement": struct {
		Reference, TrackURL, Neighbourhood string
		ToSubmitter, ByStaff               bool
	}{"ASB-7K3Q-9XPD", sampleBaseURL + "/track", "Riverside", false, false},
	"consultation_saved": struct{ Title, ReturnURL, Expires string }{"Priorities for Riverside",
		sampleBaseURL + "/have-your-say/1/return/abc", "31 December 2026 at 11:59pm"},
	"alert_confirm": struct{ Area, ConfirmURL string }{"the Riverside neighbourhood", sampleBaseURL + "/alerts/confirm/abc"},
	"alert_message": alertSample{"Street meeting", "Message from your neighbourhood team", "the Riverside neighbourhood",
		sampleBaseURL + "/messages/1", sampleBaseURL + "/alerts/unsubscribe/abc", "urgent"},
	"alert_digest": struct {
		Area, UnsubscribeURL string
		Items                []alertSample
	}{"within 1 km of DM1 1AB", sampleBaseURL + "/alerts/unsubscribe/abc", []alertSample{
		{"Lock your sheds", "Message from your neighbourhood team", "", sampleBaseURL + "/messages/2", "", "advice"}}},
	"watch_message": struct {
		Scheme, Subject, Body, SchemeURL string
		Paragraphs                       []string
	}{"Riverside Lanes", "Meeting moved", "Tuesday <b>7pm</b>.\n\nSee you there.", sampleBaseURL + "/watch/1",
		[]string{"Tuesday <b>7pm</b>.", "See you there."}},
	"watch_decided": struct {
		Scheme, URL string
		Approved    bool
	}{"Riverside Lanes", sampleBaseURL + "/account/watch", true},
}

// courseMail mirrors handlers.courseEmail, the data of every course email.
type courseMail struct {
	Reference, Name, Status, Course, When, Venue string
	Position                                     int
	Until, URL, FeedURL                          string
}

var courseSample = courseMail{Reference: "CRS-7K3Q-9XPD", Name: "Sam Patel", Status: "confirmed",
	Course: "Defusing conflict and anti-social behaviour", When: "Thursday 14 May 2026, 6:30pm to 8:30pm",
	Venue: "Riverside Community Centre\n1 Mill Lane\nDM1 1AB", Position: 3, Until: "6:30pm on Saturday 9 May 2026",
	URL: sampleBaseURL + "/courses/booking/abc", FeedURL: sampleBaseURL + "/courses/calendar.ics"}

func init() {
	for _, name := range []string{"course_booked", "course_offer", "course_cancelled", "course_session_cancelled",
		"course_reminder", "course_after", "course_followup", "course_invitation"} {
		emailSamples[name] = courseSample
	}
}

// alertSample mirrors handlers.alertEmail (Priority is a portal.Level there).
type alertSample struct {
	Title, KindLabel, Area, URL, UnsubscribeURL string
	Priority                                    string
}

// caseReviewEmail mirrors the data of the emails to case review applicants
// (handlers.caseReviewEmail).
type caseReviewEmail struct {
	Reference, URL, AppealBy string
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
