package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// hysSergeant adds a sergeant for LPA north and signs the browser in.
func hysSergeant(t *testing.T, b *Browser) {
	t.Helper()
	ctx := context.Background()
	id, err := b.Srv.Store.CreateUser(ctx, db.NewUser{Email: "sergeant@police.example", Role: portal.RoleSergeant, DisplayName: "Sgt Khan"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Srv.Store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, []string{"north"}, nil) }); err != nil {
		t.Fatal(err)
	}
	signInAs(t, b, id)
}

// hysAddQuestions adds a conditional long text and a rank question after
// the first (a Yes/No single choice), as the question form would.
func hysAddQuestions(t *testing.T, b *Browser, id int64) {
	t.Helper()
	ctx := context.Background()
	qs, err := b.Srv.Store.Questions(ctx, id)
	if err != nil || len(qs) != 1 {
		t.Fatalf("questions %v %v", qs, err)
	}
	for _, in := range []portal.QuestionInput{
		{Kind: "long_text", Prompt: "Where is it worst?", ShowIfQID: fmt.Sprint(qs[0].ID), ShowIfValue: "Yes"},
		{Kind: "rank", Prompt: "Rank these problems", Options: "Speeding\nDrugs\nLitter", MaxRank: "2", Required: true},
	} {
		earlier, _ := b.Srv.Store.Questions(ctx, id)
		q, fe := in.Parse(earlier)
		if fe.Any() {
			t.Fatal(fe)
		}
		if err := b.Srv.Store.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.AddQuestion(ctx, id, portal.Scope{All: true}, q)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConsultationAuthoringAnsweringAndPublishing: a sergeant creates a
// consultation and its first question by keyboard, previews and publishes
// it; a resident without JavaScript answers (the conditional question is
// skipped as a page, the ranking is checked); the sergeant closes it and
// publishes results and "we did". Every page passes axe.
func TestConsultationAuthoringAnsweringAndPublishing(t *testing.T) {
	b := demoBrowser(t)
	hysSergeant(t, b)
	b.Visit("/staff/consultations")
	auditA11y(t, b)
	b.continueTo("Create a consultation", "/staff/consultations/new")
	b.continueTo("Save", "/staff/consultations/new")
	if !strings.Contains(b.Text("main"), "Enter a title") {
		t.Fatalf("no error summary: %s", b.Text("main"))
	}
	london, _ := time.LoadLocation("Europe/London")
	today := time.Now().In(london)
	b.fill("title", "Parking near schools")
	b.fill("summary", "Tell us where parking is a problem.")
	b.selectOption("area", "North Demoshire (local policing area)")
	b.Run(chromedp.SetValue("#opens-date", today.AddDate(0, 0, -1).Format("2006-01-02"), chromedp.ByID),
		chromedp.SetValue("#closes-date", today.AddDate(0, 0, 14).Format("2006-01-02"), chromedp.ByID))
	b.TabTo("Save")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	var id int64
	if _, err := fmt.Sscanf(b.Path(), "/staff/consultations/%d", &id); err != nil {
		t.Fatalf("after saving: %s %s", b.Path(), b.Text("main"))
	}
	auditA11y(t, b)
	page := b.Path()
	b.continueTo("Add a question", page+"/questions/new")
	b.fill("prompt", "Is parking a problem?")
	b.fill("options", "Yes")
	b.Press(kb.Enter)
	b.Type("No")
	b.tick("required")
	b.continueTo("Save question", page)
	hysAddQuestions(t, b, id)
	b.Visit(page)
	b.continueTo("Preview the questions", page+"/preview")
	b.continueTo("Preview the next question", page+"/preview/2")
	b.Visit(page)
	b.continueTo("Publish", page)
	if !strings.Contains(b.Text("main"), "Consultation published") {
		t.Fatalf("not published: %s", b.Text("main"))
	}

	r := openTab(t, b.Srv)
	r.DisableJavaScript()
	pub := fmt.Sprintf("/have-your-say/%d", id)
	r.Visit("/have-your-say")
	auditA11y(t, r)
	r.continueTo("Parking near schools", pub)
	r.continueTo("Start now", pub+"/questions/1")
	r.pick("answer-2")
	r.continueTo("Continue", pub+"/questions/3") // "No": the conditional question is skipped
	r.fill("rank-1", "1")
	r.fill("rank-2", "1")
	r.continueTo("Continue", pub+"/questions/3")
	if got := r.Text("main"); !strings.Contains(got, "You have used 1 more than once") {
		t.Fatalf("ranking not checked: %s", got)
	}
	r.clear("#rank-2")
	r.fill("rank-2", "2")
	r.continueTo("Continue", pub+"/about-you")
	r.continueTo("Skip these questions", pub+"/check")
	if got := r.Text("main"); strings.Contains(got, "Where is it worst?") || !strings.Contains(got, "1. Speeding, 2. Drugs") {
		t.Fatalf("check your answers: %s", got)
	}
	r.continueTo("Send your answers", pub+"/thank-you")

	b.Visit(page)
	b.continueTo("Close it now", page)
	b.continueTo("See the results", page+"/results")
	b.tick("questions-3")
	b.continueTo("Publish results", page+"/results")
	b.fill("we-did", "We asked the council for new signs.")
	b.continueTo("Publish what was done", page+"/results")
	r.Visit(pub)
	auditA11y(t, r)
	if got := r.Text("main"); !strings.Contains(got, "We asked the council for new signs.") || !strings.Contains(got, "Rank these problems") ||
		strings.Contains(got, "Is parking a problem?") {
		t.Fatalf("public page: %s", got)
	}
}

// TestConsultationConditionalPageWithoutJavaScript: answering "Yes" leads
// to the conditional question's page, with JavaScript off.
func TestConsultationConditionalPageWithoutJavaScript(t *testing.T) {
	b := demoBrowser(t)
	ctx := context.Background()
	var id int64
	now := time.Now()
	err := b.Srv.Store.InTx(ctx, func(tx *db.Tx) (err error) {
		id, err = tx.CreateConsultation(ctx, portal.ConsultationFields{Kind: portal.ConsultationGeneral, Title: "Night-time safety",
			Summary: "How safe do you feel?", AreaLevel: portal.LevelLPA, AreaCode: "north",
			OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(48 * time.Hour)}, portal.Scope{All: true}, 0)
		if err != nil {
			return err
		}
		q, _ := portal.QuestionInput{Kind: "single", Prompt: "Is parking a problem?", Options: "Yes\nNo", Required: true}.Parse(nil)
		_, err = tx.AddQuestion(ctx, id, portal.Scope{All: true}, q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hysAddQuestions(t, b, id)
	if err := b.Srv.Store.InTx(ctx, func(tx *db.Tx) error { return tx.PublishConsultation(ctx, id, portal.Scope{All: true}, now) }); err != nil {
		t.Fatal(err)
	}
	b.DisableJavaScript()
	pub := fmt.Sprintf("/have-your-say/%d", id)
	b.Visit(pub + "/questions/1")
	auditA11y(t, b)
	b.pick("answer")
	b.continueTo("Continue", pub+"/questions/2")
	b.fill("answer", "Outside the school gates")
	b.continueTo("Continue", pub+"/questions/3")
	b.continueTo("Continue", pub+"/questions/3")
	if !strings.Contains(b.Text("main"), "Rank at least one option") {
		t.Fatalf("required rank: %s", b.Text("main"))
	}
}

// TestConsultationSaveReturnAndComments: with JavaScript off, a resident
// saves part-way, carries on from the emailed link in another browser and
// sends; a comment waits for a moderator, who approves it by keyboard, and
// then anyone can report it. Every page passes axe.
func TestConsultationSaveReturnAndComments(t *testing.T) {
	b := demoBrowser(t)
	ctx := context.Background()
	var id int64
	now := time.Now()
	err := b.Srv.Store.InTx(ctx, func(tx *db.Tx) (err error) {
		id, err = tx.CreateConsultation(ctx, portal.ConsultationFields{Kind: portal.ConsultationGeneral, Title: "Night-time safety",
			Summary: "How safe do you feel?", AreaLevel: portal.LevelLPA, AreaCode: "north", CommentsEnabled: true,
			OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(48 * time.Hour)}, portal.Scope{All: true}, 0)
		if err != nil {
			return err
		}
		q, _ := portal.QuestionInput{Kind: "single", Prompt: "Is parking a problem?", Options: "Yes\nNo", Required: true}.Parse(nil)
		_, err = tx.AddQuestion(ctx, id, portal.Scope{All: true}, q)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hysAddQuestions(t, b, id)
	if err := b.Srv.Store.InTx(ctx, func(tx *db.Tx) error { return tx.PublishConsultation(ctx, id, portal.Scope{All: true}, now) }); err != nil {
		t.Fatal(err)
	}
	pub := fmt.Sprintf("/have-your-say/%d", id)
	r := openTab(t, b.Srv)
	r.DisableJavaScript()
	r.Visit(pub + "/questions/1")
	r.pick("answer")
	r.continueTo("Continue", pub+"/questions/2")
	r.fill("answer", "Outside the school gates")
	r.continueTo("Save and come back later", pub+"/save")
	r.fill("email", "saver@example.org")
	r.continueTo("Send the link", pub+"/saved")
	ms, err := b.Srv.Store.OutboxMessages(ctx, 100)
	if err != nil || len(ms) == 0 {
		t.Fatalf("outbox %v %v", ms, err)
	}
	link := regexp.MustCompile(`/have-your-say/\d+/return/[A-Za-z0-9_-]{43}`).FindString(ms[0].Text)
	if link == "" {
		t.Fatalf("no link in the email: %s", ms[0].Text)
	}

	other := openTab(t, b.Srv)
	other.DisableJavaScript()
	other.Visit(link)
	auditA11y(t, other)
	other.continueTo("Carry on", pub+"/questions/3")
	other.fill("rank-1", "1")
	other.continueTo("Continue", pub+"/about-you")
	other.continueTo("Skip these questions", pub+"/check")
	if got := other.Text("main"); !strings.Contains(got, "Outside the school gates") {
		t.Fatalf("saved answer not carried: %s", got)
	}
	other.continueTo("Send your answers", pub+"/thank-you")

	r.Visit(pub)
	r.fill("comment", "More lighting on the footpath, please.")
	r.continueTo("Send comment", pub)
	if got := r.Text("main"); !strings.Contains(got, "will appear once a moderator has checked it") || strings.Contains(got, "More lighting") {
		t.Fatalf("after commenting: %s", got)
	}

	hysSergeant(t, b)
	pending, _, err := b.Srv.Store.ModerationQueue(ctx, db.ModerationScope{Scope: portal.Scope{All: true}, Unplaced: true}, 0)
	if err != nil || len(pending) != 1 {
		t.Fatalf("moderation queue %v %v", pending, err)
	}
	b.Visit(fmt.Sprintf("/staff/moderation/%d", pending[0].ID))
	auditA11y(t, b)
	b.pick("action")
	b.continueTo("Save decision", "/staff/moderation")
	r.Visit(pub)
	if got := r.Text("main"); !strings.Contains(got, "More lighting on the footpath, please.") {
		t.Fatalf("approved comment not shown: %s", got)
	}
	r.continueTo("Report this comment", pub)
	if got := r.Text("main"); !strings.Contains(got, "A moderator will check the comment") {
		t.Fatalf("after reporting: %s", got)
	}
}
