package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// crBrowser is a browser on a server with the demo geography and the demo
// case review policies.
func crBrowser(t *testing.T) *Browser {
	t.Helper()
	b := demoBrowser(t)
	if _, err := b.Srv.Store.LoadDemoPolicies(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

// crDay is the date n days before today in England and Wales.
func crDay(n int) time.Time {
	loc, _ := time.LoadLocation("Europe/London")
	return time.Now().In(loc).AddDate(0, 0, -n)
}

// crFillDate types a date, n days ago, into the date input named prefix.
func (b *Browser) crFillDate(prefix string, n int) {
	b.t.Helper()
	d := crDay(n)
	b.fill(prefix+"-day", fmt.Sprint(d.Day()))
	b.fill(prefix+"-month", fmt.Sprint(int(d.Month())))
	b.fill(prefix+"-year", fmt.Sprint(d.Year()))
}

// crKeyboardIncident answers the four questions about an incident by
// keyboard, starting on its "when" page.
func (b *Browser) crKeyboardIncident(id, occurred, reported int, agency, problem string) {
	b.t.Helper()
	base := fmt.Sprintf("/case-review/check/incidents/%d/", id)
	b.crFillDate("occurred", occurred)
	b.continueTo("Continue", base+"reported")
	b.pick(agency)
	b.crFillDate("reported", reported)
	b.continueTo("Continue", base+"problem")
	if problem == "" {
		b.pick("problem") // the problem already named
	} else {
		b.fill("problem-name", problem)
	}
	b.continueTo("Continue", base+"hate")
	b.pick("hate-no")
	b.continueTo("Continue", "/case-review/check/incidents")
}

func TestCaseReviewCheckMetByKeyboard(t *testing.T) {
	b := crBrowser(t)
	b.Visit("/")
	b.TabTo("Check if you can ask for an ASB case review")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/case-review" {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)
	b.continueTo("Start now", "/case-review/check/postcode")
	b.continueTo("Continue", "/case-review/check/postcode") // nothing typed: the error summary
	if !strings.Contains(b.Text(".govuk-error-summary"), "Enter a postcode") {
		t.Fatal("no error summary")
	}
	b.fill("postcode", db.DemoPostcodes()["south-harbour"][0])
	b.continueTo("Continue", "/case-review/check/incidents/1/when")
	b.crKeyboardIncident(1, 12, 11, "agency-council", "Shouting from the flats")
	b.pick("add-another")
	b.continueTo("Continue", "/case-review/check/incidents/2/when")
	b.crKeyboardIncident(2, 3, 2, "agency", "")
	if got := b.Text("main"); !strings.Contains(got, "Incident 2") || !strings.Contains(got, "To the Council on") {
		t.Fatalf("incidents page: %s", got)
	}
	b.pick("add-another-no")
	b.continueTo("Continue", "/case-review/check/result")
	main := b.Text("main")
	for _, want := range []string{"Your answers meet the threshold for a case review", "Statutory: at least 2 qualifying complaints",
		"This result is only a guide", "Apply for a case review"} {
		if !strings.Contains(main, want) {
			t.Fatalf("result lacks %q: %s", want, main)
		}
	}
	b.continueTo("Apply for a case review", "/case-review/apply/who")
}

func TestCaseReviewCheckNotMetWithoutJavaScript(t *testing.T) {
	b := crBrowser(t)
	b.DisableJavaScript()
	next := func(sel, path string) {
		b.Navigate(chromedp.Click(sel, chromedp.ByQuery))
		if b.Path() != path {
			t.Fatalf("at %s, want %s: %s", b.Path(), path, b.Text("main"))
		}
		auditA11y(t, b)
	}
	send := func(sel, text string) { b.Run(chromedp.SendKeys(sel, text, chromedp.ByQuery)) }
	date := func(prefix string, n int) {
		d := crDay(n)
		send("#"+prefix+"-day", fmt.Sprint(d.Day()))
		send("#"+prefix+"-month", fmt.Sprint(int(d.Month())))
		send("#"+prefix+"-year", fmt.Sprint(d.Year()))
	}
	const addAnother = "form[action='/case-review/check/incidents'] button[type=submit]"
	b.Visit("/case-review")
	auditA11y(t, b)
	next(".govuk-button--start", "/case-review/check/postcode")
	send("#postcode", db.DemoPostcodes()["north-riverside"][0])
	next("button[type=submit]", "/case-review/check/incidents/1/when")
	date("occurred", 60)
	next("button[type=submit]", "/case-review/check/incidents/1/reported")
	b.Run(chromedp.Click("#agency-housing", chromedp.ByQuery))
	date("reported", 10)
	send("#agency-ref", "HX-2231")
	next("button[type=submit]", "/case-review/check/incidents/1/problem")
	send("#problem-name", "Motorbikes on the green")
	next("button[type=submit]", "/case-review/check/incidents/1/hate")
	b.Run(chromedp.Click("#hate-not-sure", chromedp.ByQuery))
	next("button[type=submit]", "/case-review/check/incidents")
	b.Run(chromedp.Click("#add-another", chromedp.ByQuery))
	next(addAnother, "/case-review/check/incidents/2/when")
	date("occurred", 4)
	next("button[type=submit]", "/case-review/check/incidents/2/reported")
	b.Run(chromedp.Click("#agency", chromedp.ByQuery))
	date("reported", 4)
	next("button[type=submit]", "/case-review/check/incidents/2/problem")
	// Without JavaScript the "different problem" box is always shown.
	b.Run(chromedp.Click("#problem", chromedp.ByQuery))
	next("button[type=submit]", "/case-review/check/incidents/2/hate")
	b.Run(chromedp.Click("#hate-no", chromedp.ByQuery))
	next("button[type=submit]", "/case-review/check/incidents")
	b.Run(chromedp.Click("#add-another-no", chromedp.ByQuery))
	next(addAnother, "/case-review/check/result")
	main := b.Text("main")
	for _, want := range []string{"Your answers do not meet the threshold yet", "Does not count",
		"reported 50 days after it happened; a complaint must be made within one month",
		"2 more qualifying complaints about the same problem would meet it", "not sure whether an incident",
		"This result is only a guide", "You can still apply"} {
		if !strings.Contains(main, want) {
			t.Fatalf("result lacks %q: %s", want, main)
		}
	}
	next("a[href='/case-review/areas/demo-north']", "/case-review/areas/demo-north")
}

// crReport stores a report by a signed-in resident about a problem (0: a
// new one) and returns its reference and problem.
func crReport(t *testing.T, b *Browser, uid, problem int64, daysAgo int) (string, int64) {
	t.Helper()
	ctx := context.Background()
	d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", uid*100+int64(daysAgo)), CategoryCode: "noise",
		Postcode: strings.ReplaceAll(db.DemoPostcodes()["north-riverside"][0], " ", ""), NeighbourhoodCode: "north-riverside",
		Description: "Music until 3am", HappenedBefore: "yes", Hate: "no", Anonymous: "no", Name: "Robin",
		Email: "robin@example.org", ContactPreference: "email", SafeToLeave: "no", ProblemID: problem}
	got, err := b.Srv.Store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: crDay(daysAgo), UserID: uid})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := b.Srv.Store.ResidentProblems(ctx, uid)
	if err != nil || len(problems) == 0 {
		t.Fatalf("problems %v, %v", problems, err)
	}
	return got.Reference, problems[0].ProblemID
}

func TestCaseReviewNoticeThenApply(t *testing.T) {
	b := crBrowser(t)
	uid, err := b.Srv.Store.CreateUser(context.Background(), db.NewUser{Email: "robin@example.org", Role: portal.RoleResident, DisplayName: "Robin Resident"})
	if err != nil {
		t.Fatal(err)
	}
	first, problem := crReport(t, b, uid, 0, 9)
	second, _ := crReport(t, b, uid, problem, 5)
	signInAs(t, b, uid)
	click := func(sel string) { b.Run(chromedp.Click(sel, chromedp.ByQuery)) }
	send := func(sel, text string) { b.Run(chromedp.SendKeys(sel, text, chromedp.ByQuery)) }
	next := func(sel, path string) {
		b.Navigate(chromedp.Click(sel, chromedp.ByQuery))
		if b.Path() != path {
			t.Fatalf("at %s, want %s: %s", b.Path(), path, b.Text("main"))
		}
		auditA11y(t, b)
	}
	b.Visit("/track/" + second)
	if strings.Contains(b.Text("main"), "may meet the threshold") {
		t.Fatal("notice before the third report")
	}
	// The third report, by "It happened again".
	next("form[action$='/again'] button", "/report/safety")
	click("#safety-no")
	next("button[type=submit]", "/report/when")
	today := crDay(0)
	send("#when-day", fmt.Sprint(today.Day()))
	send("#when-month", fmt.Sprint(int(today.Month())))
	send("#when-year", fmt.Sprint(today.Year()))
	click("#happened-before")
	next("button[type=submit]", "/report/details")
	send("#description", "The music started again at midnight.")
	next("button[type=submit]", "/report/people")
	next("button[type=submit]", "/report/impact")
	click("#hate-no")
	next("button[type=submit]", "/report/photos")
	next("button[value=continue]", "/report/about-you")
	next("button[type=submit]", "/report/check")
	next("button[type=submit]", "/report/sent")
	third := strings.TrimSpace(strings.TrimPrefix(b.Text(".govuk-panel__body strong"), "Your reference is"))

	b.Visit("/track/" + third)
	if !strings.Contains(b.Text(".govuk-notification-banner"), "Your reports may meet the threshold for an ASB case review: you may apply") {
		t.Fatalf("no notice on the tracking page: %s", b.Text("main"))
	}
	auditA11y(t, b)
	var emails int
	if err := crDB(t, b).QueryRow(`SELECT count(*) FROM outbox WHERE recipient = 'robin@example.org'
		AND subject = 'You may be able to ask for an ASB case review'`).Scan(&emails); err != nil || emails != 1 {
		t.Fatalf("notice emails = %d, %v", emails, err)
	}
	// Check and apply, by keyboard from the notice.
	b.TabTo("Check and apply")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/case-review/check/incidents" {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)
	for _, ref := range []string{first, second, third} {
		if !strings.Contains(b.Text("main"), "your report "+ref) {
			t.Fatalf("incidents lack %s: %s", ref, b.Text("main"))
		}
	}
	b.pick("add-another-no")
	b.continueTo("Continue", "/case-review/check/result")
	if !strings.Contains(b.Text("main"), "The threshold is met: 3 qualifying incidents") {
		t.Fatalf("result: %s", b.Text("main"))
	}
	b.continueTo("Apply for a case review", "/case-review/apply/who")
	b.pick("for-whom")
	b.continueTo("Continue", "/case-review/apply/victim")
	b.pick("victim-kind")
	b.fill("victim-name", "Robin Resident")
	b.continueTo("Continue", "/case-review/apply/contact")
	if v := b.crValue("#email"); v != "robin@example.org" {
		t.Fatalf("email not filled in from the account: %q", v)
	}
	b.continueTo("Continue", "/case-review/apply/summary")
	b.fill("summary", "Loud music most nights for two months. Reports have not stopped it.")
	b.continueTo("Continue", "/case-review/apply/check")
	b.continueTo("Send application", "/case-review/apply/sent")
	ref := b.Text(".govuk-panel__body strong")
	if !strings.HasPrefix(ref, "CR-") {
		t.Fatalf("reference %q", ref)
	}
	b.TabTo("Follow your application")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/case-review/applications/"+ref || !strings.Contains(b.Text("main"), "We acknowledge your application") {
		t.Fatalf("applicant's view at %s: %s", b.Path(), b.Text("main"))
	}
	auditA11y(t, b)
}

// crValue reads a form field's value.
func (b *Browser) crValue(sel string) string {
	b.t.Helper()
	var v string
	b.Run(chromedp.Value(sel, &v, chromedp.ByQuery))
	return v
}

// crDB opens the test's database.
func crDB(t *testing.T, b *Browser) *sql.DB {
	t.Helper()
	conn, err := sql.Open("postgres", b.Srv.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestCaseReviewOtherPagesPassAxe(t *testing.T) {
	b := crBrowser(t)
	uid, err := b.Srv.Store.CreateUser(context.Background(), db.NewUser{Email: "robin@example.org", Role: portal.RoleResident})
	if err != nil {
		t.Fatal(err)
	}
	crReport(t, b, uid, 0, 3)
	submit := func(path string) {
		b.Navigate(chromedp.Click("main form:last-of-type button[type=submit]", chromedp.ByQuery))
		if b.Path() != path {
			t.Fatalf("at %s, want %s", b.Path(), path)
		}
		auditA11y(t, b)
	}
	// Anonymous: another force's postcode, and errors on question pages.
	b.Visit("/case-review/check/postcode")
	b.Run(chromedp.SendKeys("#postcode", db.DemoOutsidePostcode, chromedp.ByQuery))
	submit("/case-review/check/outside-our-area")
	b.Visit("/case-review/applications")
	auditA11y(t, b)
	submit("/case-review/applications") // the error summary
	b.Visit("/case-review/check/postcode")
	b.Run(chromedp.SendKeys("#postcode", db.DemoPostcodes()["north-castle"][0], chromedp.ByQuery))
	submit("/case-review/check/incidents/1/when")
	submit("/case-review/check/incidents/1/when")
	if !strings.Contains(b.Text(".govuk-error-summary"), "Enter the date it happened") {
		t.Fatalf("no error summary: %s", b.Text("main"))
	}
	// Signed in: the resident's own reports, and the problem question with
	// a problem already named.
	signInAs(t, b, uid)
	b.Visit("/case-review/check/incidents")
	submit("/case-review/check/your-reports") // "Start again" is the last form; signed in, the start is your reports
	submit("/case-review/check/your-reports") // nothing chosen: the error summary
	b.Run(chromedp.Click("#problem", chromedp.ByQuery))
	submit("/case-review/check/incidents")
	b.Run(chromedp.Click("#add-another", chromedp.ByQuery))
	b.Navigate(chromedp.Click("form[action='/case-review/check/incidents'] button", chromedp.ByQuery))
	if b.Path() != "/case-review/check/incidents/2/when" {
		t.Fatalf("at %s", b.Path())
	}
	b.Visit("/case-review/check/incidents/1/problem")
	auditA11y(t, b)
	b.Visit("/case-review/check/incidents/2/hate") // unanswered: sent back to the first question
	if b.Path() != "/case-review/check/incidents/2/when" {
		t.Fatalf("at %s", b.Path())
	}

	// An area without a policy.
	bare := demoBrowser(t)
	bare.Visit("/case-review/check/postcode")
	bare.Run(chromedp.SendKeys("#postcode", db.DemoPostcodes()["south-market"][0], chromedp.ByQuery))
	bare.Navigate(chromedp.Click("button[type=submit]", chromedp.ByQuery))
	if bare.Path() != "/case-review/check/no-policy" {
		t.Fatalf("at %s", bare.Path())
	}
	auditA11y(t, bare)
	bare.Visit("/case-review/areas/demo-south")
	auditA11y(t, bare)
}
