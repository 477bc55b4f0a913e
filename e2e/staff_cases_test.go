package e2e

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

var casePathRE = regexp.MustCompile(`^/staff/cases/CASE-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

// pressTo presses the control labelled text, waits for the next page and
// checks its path against want, then audits it.
func (b *Browser) pressTo(text string, want *regexp.Regexp) string {
	b.t.Helper()
	b.TabTo(text)
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	got := b.Path()
	if !want.MatchString(got) {
		b.t.Fatalf("e2e: after %q at %s, want %s (page: %s)", text, got, want, b.Text("#main-content"))
	}
	auditA11y(b.t, b)
	return got
}

// TestOfficerTriagesRepliesOpensACaseAndRecordsACPWByKeyboard is the
// workspace's acceptance journey, by keyboard alone with an axe audit of
// every page: an officer assesses a report's risk, replies to the reporter
// from a template, starts a case from the report, and records a community
// protection warning (first refused for want of a reason, as no earlier
// step is on the case), then checks and prints its letter.
func TestOfficerTriagesRepliesOpensACaseAndRecordsACPWByKeyboard(t *testing.T) {
	b := demoBrowser(t)
	ref := srSetUp(t, b) // a report in Riverside, an officer of LPA north signed in
	base := "/staff/reports/" + ref
	b.Visit(base)
	auditA11y(t, b)

	// Triage: a high risk, with the reason for changing it.
	b.continueTo("Assess the risk", base+"/risk")
	b.pick("override-high")
	b.fill("reason", "Threats were made at the door")
	b.continueTo("Save risk assessment", base)

	// Reply to the reporter from a template.
	b.continueTo("Reply to the reporter", base+"/reply")
	b.TabTo("select#template")
	b.Press(kb.ArrowDown)
	b.continueTo("Use template", base+"/reply")
	b.continueTo("Send reply", base)
	if got := b.Text(".govuk-notification-banner--success"); !strings.Contains(got, "The reporter has been emailed") {
		t.Fatalf("banner %q", got)
	}

	// Start a case from the report: the form starts from the report.
	b.continueTo("Start a case from this report", "/staff/cases/new")
	if got := b.Text("main"); !strings.Contains(got, "The case will start with report "+ref) {
		t.Fatalf("new case page %q", got)
	}
	b.TabTo("input#title")
	selectFocused(b)
	b.Type("Loud music at the flats above the shops")
	b.fill("objective", "The family below can sleep at night within a month.")
	casePath := b.pressTo("Start the case", casePathRE)
	caseRef := strings.TrimPrefix(casePath, "/staff/cases/")
	main := b.Text("main")
	for _, want := range []string{"Case " + caseRef + " started", "Loud music at the flats above the shops", ref,
		"High", "Reviewed every 14 days", "1 report in all"} {
		if !strings.Contains(main, want) {
			t.Fatalf("case page lacks %q:\n%s", want, main)
		}
	}
	// The numbers behind the heatmap, opened by keyboard, pass axe too.
	b.TabTo("Show the numbers as a table")
	b.Press(kb.Enter)
	b.waitFor(".app-table-scroll")
	auditA11y(t, b)

	// Record a CPW. With no earlier step on the case, a reason is required.
	ivNew := regexp.MustCompile("^" + regexp.QuoteMeta(casePath) + "/interventions/new$")
	b.pressTo("Record an intervention", ivNew)
	if got := b.Text("main"); !strings.Contains(got, "No earlier step or mediation is recorded") {
		t.Fatalf("no early intervention warning:\n%s", got)
	}
	b.pick("kind-community_protection_warning")
	b.fill("subject", "The occupier of flat 2, 14 Market Street")
	b.pressTo("Record the intervention", ivNew)
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Explain why earlier steps") || !strings.HasPrefix(b.Title(), "Error: ") {
		t.Fatalf("error summary %q", got)
	}
	b.fill("notes", "Threats of violence at the door: words of advice and letters are not enough.")
	letterPath := b.pressTo("Record the intervention", regexp.MustCompile("^"+regexp.QuoteMeta(casePath)+`/interventions/[0-9]+/letter$`))
	letter := b.Text("main")
	for _, want := range []string{"Community protection warning (CPW) recorded", "The occupier of flat 2, 14 Market Street",
		"Reference: " + caseRef, "Replace the text in square brackets"} {
		if !strings.Contains(letter, want) && !strings.Contains(b.value("letter"), want) {
			t.Fatalf("letter page lacks %q", want)
		}
	}
	// Replace the prompts: the officer rewrites the letter, then prints it.
	b.TabTo("textarea#letter")
	selectFocused(b)
	b.Type("To the occupier of flat 2, 14 Market Street\n\nCommunity protection warning. Stop playing loud music after 11pm.")
	b.pressTo("Save and preview for printing", regexp.MustCompile("^"+regexp.QuoteMeta(letterPath)+"/print$"))
	if got := b.Text(".app-letter-sheet"); !strings.Contains(got, "Stop playing loud music after 11pm.") {
		t.Fatalf("printed letter %q", got)
	}
	if strings.Contains(b.Text("main"), "square brackets") {
		t.Fatal("the print page still warns of prompts")
	}

	b.pressTo("Back to the case", regexp.MustCompile("^"+regexp.QuoteMeta(casePath)+"$"))
	if got := b.Text("main"); !strings.Contains(got, "Community protection warning (CPW)") || !strings.Contains(got, "Active") {
		t.Fatalf("case page after the CPW:\n%s", got)
	}
}

// value is a form field's current value.
func (b *Browser) value(id string) string {
	b.t.Helper()
	var s string
	b.Run(chromedp.Evaluate(`(document.getElementById(`+quote(id)+`) || {}).value || ''`, &s))
	return s
}

// caseFixture makes a sergeant of LPA north (signed in), three reports in
// Riverside linked to a case whose review is overdue, partner information
// and a warning letter. It returns the case page's path and the letter's
// intervention path.
func caseFixture(t *testing.T, b *Browser) (base, iv string, refs []string) {
	t.Helper()
	ctx := context.Background()
	store := b.Srv.Store
	sergeant, err := store.CreateUser(ctx, db.NewUser{Email: "sergeant@demoshire.police.example", Role: portal.RoleSergeant, DisplayName: "Grace Okafor"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, sergeant, []string{"north"}, nil) }); err != nil {
		t.Fatal(err)
	}
	postcodes := db.DemoPostcodes()["north-riverside"]
	for i, tm := range []string{"22:10", "23:40", ""} {
		d := &portal.ReportDraft{Key: strings.Repeat(string(rune('a'+i)), 32), CategoryCode: "noise",
			Postcode: strings.ReplaceAll(postcodes[i%len(postcodes)], " ", ""), NeighbourhoodCode: "north-riverside",
			Description: "Music", HappenedBefore: "no", Hate: "no", Anonymous: "yes", Time: tm}
		rep, err := store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -i-1)})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, rep.Reference)
	}
	var c portal.Case
	var ivID int64
	err = store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		c.ID, c.Reference, _, err = tx.CreateCase(ctx, db.NewCase{Key: strings.Repeat("e", 32), Title: "Noise at Mill Court",
			NeighbourhoodCode: "north-riverside", Risk: portal.RiskMedium, Objective: "Quiet nights", OwnerID: sergeant,
			NextReview: portal.DateOf(time.Now()).AddDate(0, 0, -1), Scope: portal.Scope{All: true}})
		if err != nil {
			return err
		}
		for _, r := range refs {
			if _, err := tx.LinkReport(ctx, c, r, sergeant, portal.Scope{All: true}); err != nil {
				return err
			}
		}
		if err := tx.AddCaseNote(ctx, c.ID, sergeant, portal.CaseNoteInput{IdempotencyKey: strings.Repeat("f", 32), Source: "Council", Body: "Diary sheets sent"}); err != nil {
			return err
		}
		ivID, err = tx.AddIntervention(ctx, c.ID, db.NewIntervention{Key: strings.Repeat("d", 32), Kind: portal.WarningLetter,
			Subject: "Flat 14", OfficerID: sergeant, IssuedOn: portal.DateOf(time.Now()), Status: portal.InterventionActive,
			LetterBody: "Dear occupier,\n[describe the behaviour]"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	signInAs(t, b, sergeant)
	base = "/staff/cases/" + c.Reference
	return base, base + "/interventions/" + strconv.FormatInt(ivID, 10), refs
}

// TestCasePagesPassAxe audits every case page, and forms with errors,
// without JavaScript (every form works without it) and on a phone's width.
func TestCasePagesPassAxe(t *testing.T) {
	b := demoBrowser(t)
	base, iv, refs := caseFixture(t, b)
	b.DisableJavaScript()
	pages := []string{"/staff/cases", "/staff/cases?overdue=1", "/staff/cases?status=closed", "/staff/cases/new",
		"/staff/cases/new?report=" + refs[0], base, base + "/objective", base + "/analysis", base + "/response",
		base + "/close", base + "/interventions/new", iv, iv + "/letter", iv + "/letter/print", base + "/review",
		"/staff/letter-templates", "/staff/letter-templates/community_protection_notice"}
	for _, p := range pages {
		b.Visit(p)
		auditA11y(t, b)
	}
	// Forms with errors.
	for _, f := range []struct{ page, button string }{
		{"/staff/cases/new", "Start the case"}, {base + "/interventions/new", "Record the intervention"},
		{base + "/review", "Record the review"}, {base + "/close", "Close the case"}, {base, "Link report"},
	} {
		b.Visit(f.page)
		if f.page == base+"/review" {
			b.clear("#next-day")
		}
		b.TabTo(f.button)
		b.Navigate(chromedp.KeyEvent(kb.Enter))
		if !strings.Contains(b.Text(".govuk-error-summary"), "There is a problem") {
			t.Fatalf("%s: no error summary", f.page)
		}
		auditA11y(t, b)
	}
	// Printed, the letter page is the letter alone.
	b.Visit(iv + "/letter/print")
	var onlyLetter bool
	b.Run(emulation.SetEmulatedMedia().WithMedia("print"), chromedp.Evaluate(`(() => {
		const shown = s => getComputedStyle(document.querySelector(s)).display !== 'none';
		return !shown('.govuk-header') && !shown('.govuk-service-navigation') && !shown('.govuk-footer') &&
			!shown('.govuk-phase-banner') && !shown('.app-no-print') && shown('.app-letter-sheet') })()`, &onlyLetter),
		emulation.SetEmulatedMedia().WithMedia(""))
	if !onlyLetter {
		t.Fatal("printing the letter page prints more than the letter")
	}

	// Staff use phones on patrol.
	b.Run(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{base, "/staff/cases", iv + "/letter/print"} {
		b.Visit(p)
		auditA11y(t, b)
	}
}
