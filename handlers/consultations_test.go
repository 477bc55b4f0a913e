package handlers_test

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// hysWorld is the demo geography with a sergeant for LPA north, one for
// south, an officer, and a clock the test moves.
type hysWorld struct {
	s                       *handlerstest.Server
	clock                   *testClock
	sergeant, south, office int64
	id                      int64
	path                    string
}

func newHysWorld(t *testing.T) *hysWorld {
	t.Helper()
	ctx := context.Background()
	w := &hysWorld{clock: &testClock{now: time.Now().Truncate(time.Minute)}}
	w.s = newServer(t, func(c *handlers.Config) {
		c.Now = w.clock.Now
		// Comment flags count people by address: tests give each flagger
		// one through X-Forwarded-For.
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	if _, err := w.s.Store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	staff := func(email string, role portal.Role, lpa string) int64 {
		id, err := w.s.Store.CreateUser(ctx, db.NewUser{Email: email, Role: role, DisplayName: email})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.s.Store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, []string{lpa}, nil) }); err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.sergeant = staff("sergeant@police.example", portal.RoleSergeant, "north")
	w.south = staff("south@police.example", portal.RoleSergeant, "south")
	w.office = staff("officer@police.example", portal.RoleOfficer, "north")
	return w
}

func (w *hysWorld) client(t *testing.T, id int64) *handlerstest.Client {
	c := w.s.Client(t)
	if id != 0 {
		c.SignIn(id)
	}
	return c
}

// author creates, fills and publishes the standard consultation by the
// staff pages: single choice with "other", a long text shown only after
// "Yes", and a rank of three (up to 2).
func (w *hysWorld) author(t *testing.T) {
	t.Helper()
	c := w.client(t, w.sergeant)
	day := func(d int) string { return w.clock.Now().In(london()).AddDate(0, 0, d).Format("2006-01-02") }
	c.Get("/staff/consultations/new").Status(t, 200).Contains(t, "Create a consultation", "North Demoshire (local policing area)")
	if strings.Contains(c.Get("/staff/consultations/new").Body, "the whole force") {
		t.Fatal("a sergeant is offered a force-wide consultation")
	}
	form := url.Values{"kind": {"general"}, "title": {""}, "summary": {"Tell us about parking"},
		"area": {"lpa:north"}, "opens-date": {day(-1)}, "opens-time": {"09:00"}, "closes-date": {day(-3)}, "closes-time": {"17:00"},
		"comments": {"yes"}}
	c.PostForm("/staff/consultations/new", form).Status(t, 422).
		Contains(t, "There is a problem", `href="#title"`, "Enter a title", "The closing date must be after the opening date", "Tell us about parking")
	form.Set("title", "Parking near schools")
	form.Set("closes-date", day(14))
	r := c.PostForm("/staff/consultations/new", form).Status(t, 303)
	w.path = r.Header.Get("Location")
	if _, err := fmt.Sscanf(w.path, "/staff/consultations/%d", &w.id); err != nil {
		t.Fatalf("location %q", w.path)
	}
	c.Get(w.path).Status(t, 200).Contains(t, "Consultation saved", "There are no questions yet")
	c.PostForm(w.path+"/publish", nil).Status(t, 303)
	c.Get(w.path).Contains(t, "Add at least one question")
	c.PostForm(w.path+"/questions/new", url.Values{"kind": {"single"}, "prompt": {"Is parking a problem?"},
		"options": {"Yes"}, "required": {"yes"}}).Status(t, 422).Contains(t, "Enter at least 2 options")
	c.PostForm(w.path+"/questions/new", url.Values{"kind": {"single"}, "prompt": {"Is parking a problem?"},
		"options": {"Yes\nNo"}, "required": {"yes"}, "allow-other": {"yes"}}).Status(t, 303)
	qs, _ := w.s.Store.Questions(context.Background(), w.id)
	c.Get(w.path+"/questions/new").Status(t, 200).Contains(t, "Show this question only when", "is answered “Yes”")
	c.PostForm(w.path+"/questions/new", url.Values{"kind": {"long_text"}, "prompt": {"Where is it worst?"},
		"show-if": {fmt.Sprintf("%d:Yes", qs[0].ID)}}).Status(t, 303)
	c.PostForm(w.path+"/questions/new", url.Values{"kind": {"rank"}, "prompt": {"Rank these problems"},
		"options": {"Speeding\nDrugs\nLitter"}, "max-rank": {"2"}, "required": {"yes"}}).Status(t, 303)
	c.Get(w.path).Status(t, 200).Contains(t, "Rank the priorities, required", "shown only when “Is parking a problem?” is answered “Yes”")
	c.Get(w.path+"/questions/"+fmt.Sprint(qs[0].ID)).Status(t, 200).Contains(t, "Change question 1")
	c.Get(w.path+"/preview").Status(t, 200).Contains(t, "Preview of question 1 of 3", "Other, please say", "Preview the next question")
	c.Get(w.path+"/preview/3").Status(t, 200).Contains(t, "up to 2", "Speeding")
	c.PostForm(w.path+"/publish", nil).Status(t, 303)
	c.Get(w.path).Contains(t, "Consultation published", "Close it now")
}

func TestConsultationAuthoringScope(t *testing.T) {
	w := newHysWorld(t)
	w.author(t)
	south := w.client(t, w.south)
	south.Get("/staff/consultations").Status(t, 200)
	south.Get(w.path).Status(t, 404)
	south.PostForm(w.path+"/close", nil).Status(t, 404)
	w.client(t, w.office).Get("/staff/consultations").Status(t, 403)
	w.client(t, w.sergeant).Get("/staff/consultations").Status(t, 200).Contains(t, "Parking near schools", "Published")
	log, err := w.s.Store.AuditLog(context.Background(), db.AuditFilter{Action: "consultation.publish"})
	if err != nil || len(log) != 1 {
		t.Fatalf("audit: %v %v", log, err)
	}
}

// answer walks the question pages: q1, then (after Yes) q2, then q3.
func (w *hysWorld) answer(t *testing.T, c *handlerstest.Client, choice string, rank ...string) {
	t.Helper()
	pub := fmt.Sprintf("/have-your-say/%d", w.id)
	if r := c.Get(pub).Status(t, 200); !strings.Contains(r.Body, "Start now") && !strings.Contains(r.Body, "Change your answers") {
		t.Fatalf("no start button:\n%s", r.Body)
	}
	c.Get(pub+"/questions/1").Status(t, 200)
	c.PostForm(pub+"/questions/1", nil).Status(t, 422).Contains(t, "Select an answer", `href="#answer"`)
	c.PostForm(pub+"/questions/1", url.Values{"answer": {"other"}}).Status(t, 422).Contains(t, "Say what your other answer is")
	r := c.PostForm(pub+"/questions/1", url.Values{"answer": {choice}}).Status(t, 303)
	if choice == "Yes" {
		if loc := r.Header.Get("Location"); loc != pub+"/questions/2" {
			t.Fatalf("after Yes: %q", loc)
		}
		c.PostForm(pub+"/questions/2", url.Values{"answer": {"Outside the primary school"}}).Status(t, 303)
	} else if loc := r.Header.Get("Location"); loc != pub+"/questions/3" {
		t.Fatalf("after %s the conditional question was not skipped: %q", choice, loc)
	}
	c.PostForm(pub+"/questions/3", url.Values{"rank-1": {"1"}, "rank-2": {"1"}}).Status(t, 422).
		Contains(t, "You have used 1 more than once", `href="#rank-2"`)
	c.PostForm(pub+"/questions/3", url.Values{"rank-1": {"3"}}).Status(t, 422).Contains(t, "Enter a number from 1 to 2")
	vals := url.Values{}
	for i, v := range rank {
		vals.Set(fmt.Sprintf("rank-%d", i+1), v)
	}
	c.PostForm(pub+"/questions/3", vals).Status(t, 303)
	c.Get(pub+"/about-you").Status(t, 200).Contains(t, "Skip these questions")
	c.PostForm(pub+"/about-you", url.Values{"age-band": {"25-34"}}).Status(t, 303)
	check := c.Get(pub+"/check").Status(t, 200).Contains(t, "Check your answers", "25 to 34")
	if choice == "No" && strings.Contains(check.Body, "Where is it worst?") {
		t.Fatal("a hidden question is on check your answers")
	}
	c.PostForm(pub+"/check", nil).Status(t, 303)
	c.Get(pub+"/thank-you").Status(t, 200).Contains(t, "Thank you for having your say")
}

func TestConsultationAnsweringAnonymousAndAccount(t *testing.T) {
	w := newHysWorld(t)
	w.author(t)
	ctx := context.Background()
	pub := fmt.Sprintf("/have-your-say/%d", w.id)
	w.s.Client(t).Get("/have-your-say?postcode=DM1+1AB").Status(t, 200).Contains(t, "Parking near schools", "Open now")
	w.s.Client(t).Get("/have-your-say?neighbourhood=south-harbour").Status(t, 200).Contains(t, "There are no open consultations")
	w.s.Client(t).Get("/have-your-say?postcode=nonsense").Status(t, 422).Contains(t, "Enter a real postcode")

	anon := w.s.Client(t)
	w.answer(t, anon, "Yes", "1", "", "2")
	anon.Get(pub+"/questions/1").Status(t, 409).Contains(t, "You have already responded")
	anon.PostForm(pub+"/check", nil).Status(t, 409)
	w.answer(t, w.s.Client(t), "No", "", "1")

	// A signed-in resident: a second response replaces the first.
	resident, _ := w.s.Store.CreateUser(ctx, db.NewUser{Email: "res@example.org", Role: portal.RoleResident})
	rc := w.client(t, resident)
	w.answer(t, rc, "Yes", "1")
	rc.Get(pub).Status(t, 200).Contains(t, "Change your answers")
	w.answer(t, rc, "No", "", "", "1")
	a, _, err := w.s.Store.AccountResponse(ctx, w.id, resident)
	qs, _ := w.s.Store.Questions(ctx, w.id)
	if err != nil || a[qs[0].ID].Choices[0] != "No" || len(a) != 2 || a[qs[2].ID].Choices[0] != "Litter" {
		t.Fatalf("account response after update: %+v %v", a, err)
	}
	c, _ := w.s.Store.ConsultationInScope(ctx, w.id, portal.Scope{All: true})
	if c.Responses != 3 {
		t.Fatalf("responses = %d, want 3", c.Responses)
	}
	// Questions are fixed once people respond.
	w.client(t, w.sergeant).Get(w.path+"/questions/new").Status(t, 303)

	// The honeypot accepts nothing.
	bot := w.s.Client(t)
	bot.Get(pub + "/questions/1")
	bot.PostForm(pub+"/questions/1", url.Values{"answer": {"No"}})
	bot.PostForm(pub+"/questions/3", url.Values{"rank-1": {"1"}})
	bot.PostForm(pub+"/check", url.Values{"website": {"http://spam.example"}}).Status(t, 303)
	if c, _ := w.s.Store.ConsultationInScope(ctx, w.id, portal.Scope{All: true}); c.Responses != 3 {
		t.Fatalf("the honeypot stored a response")
	}
}

func TestConsultationRefusedWhenNotOpen(t *testing.T) {
	w := newHysWorld(t)
	w.author(t)
	pub := fmt.Sprintf("/have-your-say/%d", w.id)
	c := w.s.Client(t)
	c.Get(pub+"/questions/1").Status(t, 200)
	c.PostForm(pub+"/questions/1", url.Values{"answer": {"No"}}).Status(t, 303)
	w.clock.Add(15 * 24 * time.Hour)
	c.Get(pub+"/questions/1").Status(t, 409).Contains(t, "This consultation is not open", "no longer takes answers")
	c.PostForm(pub+"/check", nil).Status(t, 409).Contains(t, "no longer takes answers")
	c.Get(pub).Status(t, 200).Contains(t, "This consultation closed")

	// Not yet open: a draft is not public at all; a published one is refused.
	ctx := context.Background()
	var later int64
	err := w.s.Store.InTx(ctx, func(tx *db.Tx) (err error) {
		now := w.clock.Now()
		later, err = tx.CreateConsultation(ctx, portal.ConsultationFields{Kind: portal.ConsultationGeneral, Title: "Later",
			Summary: "Soon", AreaLevel: portal.LevelNeighbourhood, AreaCode: "north-mill",
			OpensAt: now.Add(48 * time.Hour), ClosesAt: now.Add(96 * time.Hour)}, portal.Scope{All: true}, 0)
		if err != nil {
			return err
		}
		q, _ := portal.QuestionInput{Kind: "rating", Prompt: "How safe do you feel?"}.Parse(nil)
		if _, err := tx.AddQuestion(ctx, later, portal.Scope{All: true}, q); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Get(fmt.Sprintf("/have-your-say/%d", later)).Status(t, 404)
	if err := w.s.Store.InTx(ctx, func(tx *db.Tx) error {
		return tx.PublishConsultation(ctx, later, portal.Scope{All: true}, w.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	c.Get(fmt.Sprintf("/have-your-say/%d/questions/1", later)).Status(t, 409).Contains(t, "opens on")
	c.Get("/have-your-say").Status(t, 200).Contains(t, "Coming soon", "Later", "Closed", "Parking near schools")
}

func TestConsultationResultsPublishing(t *testing.T) {
	w := newHysWorld(t)
	w.author(t)
	ctx := context.Background()
	w.answer(t, w.s.Client(t), "Yes", "1", "2")
	w.answer(t, w.s.Client(t), "No", "", "1", "2")
	w.answer(t, w.s.Client(t), "No", "", "1")
	sg := w.client(t, w.sergeant)
	res := sg.Get(w.path+"/results").Status(t, 200).Contains(t, "3 responses", "<svg", "Outside the primary school",
		"publish results and say what was done once the consultation has closed")
	// Drugs: 1+2+2 = 5 points, Speeding 2, Litter 1.
	if !regexp.MustCompile(`Drugs</th>\s*<td[^>]*>5</td>`).MatchString(res.Body) {
		t.Fatalf("results table:\n%s", res.Body)
	}
	csv := sg.Get(w.path+"/results.csv").Status(t, 200)
	if !strings.Contains(csv.Body, "Speeding; Drugs") || strings.Count(csv.Body, "\n") != 4 {
		t.Fatalf("CSV:\n%s", csv.Body)
	}
	sg.PostForm(w.path+"/close", nil).Status(t, 303)
	qs, _ := w.s.Store.Questions(ctx, w.id)
	sg.Get(w.path + "/results")
	sg.PostForm(w.path+"/results/publish", url.Values{"questions": {fmt.Sprint(qs[2].ID)}}).Status(t, 303)
	sg.PostForm(w.path+"/we-did", url.Values{"we-did": {""}}).Status(t, 422).Contains(t, "Enter what was done")
	sg.PostForm(w.path+"/we-did", url.Values{"we-did": {"We patrolled Mill Lane every week."}}).Status(t, 303)
	pub := w.s.Client(t).Get(fmt.Sprintf("/have-your-say/%d", w.id)).Status(t, 200).
		Contains(t, "Rank these problems", "We asked, you said, we did", "We patrolled Mill Lane every week.")
	for _, hidden := range []string{"Is parking a problem?", "Outside the primary school"} {
		if strings.Contains(pub.Body, hidden) {
			t.Fatalf("unpublished %q on the public page", hidden)
		}
	}
	feed := w.s.Client(t).Get("/have-your-say/we-did.atom").Status(t, 200).Contains(t, "We asked: Parking near schools", "We patrolled Mill Lane")
	if !strings.Contains(feed.Header.Get("Content-Type"), "atom") {
		t.Fatalf("feed content type %q", feed.Header.Get("Content-Type"))
	}
	w.s.Client(t).Get("/have-your-say").Contains(t, "You said, we did", "Closed")
	for _, action := range []string{"consultation.export", "consultation.results.publish", "consultation.we_did", "consultation.close"} {
		if log, _ := w.s.Store.AuditLog(ctx, db.AuditFilter{Action: action}); len(log) != 1 {
			t.Errorf("audit rows for %s: %d", action, len(log))
		}
	}
}

func TestPrioritiesConsultationSetsNeighbourhoodPriorities(t *testing.T) {
	w := newHysWorld(t)
	ctx := context.Background()
	c := w.client(t, w.sergeant)
	day := w.clock.Now().In(london())
	c.Get("/staff/consultations/new")
	r := c.PostForm("/staff/consultations/new", url.Values{"kind": {"priorities"}, "title": {"Mill's priorities"},
		"summary": {"What should we tackle?"}, "area": {"lpa:north"}, "opens-date": {day.AddDate(0, 0, -1).Format("2006-01-02")},
		"opens-time": {"09:00"}, "closes-date": {day.AddDate(0, 0, 7).Format("2006-01-02")}, "closes-time": {"17:00"}})
	r.Status(t, 422).Contains(t, "A priorities consultation must cover one neighbourhood")
	r = c.PostForm("/staff/consultations/new", url.Values{"kind": {"priorities"}, "title": {"Mill's priorities"},
		"summary": {"What should we tackle?"}, "area": {"neighbourhood:north-mill"}, "opens-date": {day.AddDate(0, 0, -1).Format("2006-01-02")},
		"opens-time": {"09:00"}, "closes-date": {day.AddDate(0, 0, 7).Format("2006-01-02")}, "closes-time": {"17:00"}}).Status(t, 303)
	path := r.Header.Get("Location")
	c.PostForm(path+"/questions/new", url.Values{"kind": {"rank"}, "prompt": {"Rank the problems"},
		"options": {"Speeding\nDrugs\nLitter\nNoise"}, "required": {"yes"}}).Status(t, 303)
	c.PostForm(path+"/publish", nil).Status(t, 303)
	var id int64
	fmt.Sscanf(path, "/staff/consultations/%d", &id)
	for _, rank := range [][]string{{"", "1", "2", ""}, {"", "1", "", "2"}, {"2", "", "", "1"}} {
		rc := w.s.Client(t)
		rc.Get(fmt.Sprintf("/have-your-say/%d/questions/1", id)).Status(t, 200)
		v := url.Values{}
		for j, x := range rank {
			v.Set(fmt.Sprintf("rank-%d", j+1), x)
		}
		rc.PostForm(fmt.Sprintf("/have-your-say/%d/questions/1", id), v).Status(t, 303)
		rc.Get(fmt.Sprintf("/have-your-say/%d/check", id)).Status(t, 200)
		rc.PostForm(fmt.Sprintf("/have-your-say/%d/check", id), nil).Status(t, 303)
	}
	c.PostForm(path+"/close", nil).Status(t, 303)
	c.Get(path+"/results").Status(t, 200).Contains(t, "Set the neighbourhood")
	c.PostForm(path+"/priorities", url.Values{"count": {"2"}}).Status(t, 303)
	n, _ := w.s.Store.NeighbourhoodByCode(ctx, "north-mill")
	ps, err := w.s.Store.Priorities(ctx, n.ID)
	// Drugs 4+4 = 8, Noise 4+3 = 7, Litter 3, Speeding 3.
	if err != nil || len(ps) != 2 || ps[0].Title != "Drugs" || ps[1].Title != "Noise" {
		t.Fatalf("priorities %+v %v", ps, err)
	}
}
