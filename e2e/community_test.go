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

// cmVolunteer creates a verified Neighbourhood Watch coordinator.
func cmVolunteer(t *testing.T, store *db.Store, email string) int64 {
	t.Helper()
	ctx := context.Background()
	admin, err := store.CreateUser(ctx, db.NewUser{Email: "admin-" + email, Role: portal.RoleForceAdmin})
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.CreateUser(ctx, db.NewUser{Email: email, Role: portal.RoleResident})
	if err != nil {
		t.Fatal(err)
	}
	req, err := store.RequestVolunteer(ctx, id, portal.VolunteerInput{Role: portal.VolunteerNHWCoordinator, Organisation: "NHW", Area: "Riverside"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.DecideVolunteer(ctx, req, portal.VolunteerVerified, admin)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestNeighbourhoodPageByKeyboardPassesAxe(t *testing.T) {
	b := demoBrowser(t)
	store := b.Srv.Store
	ctx := context.Background()
	for i := range 3 {
		d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0xe2e000+i), CategoryCode: "noise", Postcode: "DM11AB",
			NeighbourhoodCode: "north-riverside", Description: "Loud", HappenedBefore: "no", Anonymous: "yes"}
		if _, err := store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	n, _ := store.NeighbourhoodByCode(ctx, "north-riverside")
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.AddPriority(ctx, n.ID, portal.Scope{All: true}, portal.PriorityInput{Title: "Off-road bikes", Description: "Weekend patrols"}, 0); err != nil {
			return err
		}
		_, err := tx.PublishTeamMessage(ctx, portal.TeamMessageInput{IdempotencyKey: strings.Repeat("1", 32), Kind: portal.MessageAdvice,
			Priority: portal.LevelUrgent, Title: "Lock your sheds", Body: "Thefts reported.", Neighbourhoods: []string{"north-riverside"}},
			time.Time{}, portal.Scope{All: true}, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b.Visit("/neighbourhoods?postcode=DM1+1AB")
	main := b.Text("main")
	for _, want := range []string{"Riverside neighbourhood", "Off-road bikes", "Lock your sheds", "fewer than 5", "You said, we did", "Upcoming courses"} {
		if !strings.Contains(main, want) {
			t.Fatalf("page lacks %q", want)
		}
	}
	auditA11y(t, b)
	b.TabTo("Lock your sheds")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.HasPrefix(b.Path(), "/messages/") || !strings.Contains(b.Text("h1"), "Lock your sheds") {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)
	b.Visit("/neighbourhoods/north-riverside/messages")
	auditA11y(t, b)
	b.Run(chromedp.EmulateViewport(360, 740))
	b.Visit("/neighbourhoods/north-riverside")
	auditA11y(t, b)
}

var confirmRE = regexp.MustCompile(`/alerts/confirm/[A-Za-z0-9_-]{43}`)

func TestSubscribingToAlertsByKeyboardPassesAxe(t *testing.T) {
	b := demoBrowser(t)
	b.Visit("/neighbourhoods/north-mill")
	b.TabTo("Get email alerts for Mill")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/alerts" {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)

	// Send it without an email address: the error summary and field errors.
	b.TabTo("Get alerts")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Enter your email address") {
		t.Fatalf("error summary %q", got)
	}
	auditA11y(t, b)

	// Choose a radius instead, by keyboard.
	b.TabTo("input#email")
	b.Type("resident@example.org")
	b.TabTo("input#area ") // the checked radio: arrows move within the group
	b.Press(kb.ArrowDown)
	b.TabTo("input#postcode")
	b.Type("DM1 1AB")
	b.TabTo("input#radius")
	b.Press(kb.ArrowRight) // 1 km
	auditA11y(t, b)        // with the conditional questions open
	b.TabTo("Get alerts")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/alerts/check-your-email" {
		t.Fatalf("at %s: %s", b.Path(), b.Text("main"))
	}
	auditA11y(t, b)

	msgs, err := b.Srv.Store.OutboxMessages(context.Background(), 5)
	if err != nil || len(msgs) == 0 {
		t.Fatal("no confirmation email", err)
	}
	link := confirmRE.FindString(msgs[0].Text)
	if !strings.Contains(msgs[0].Text, "within 1 km of DM1 1AB") || link == "" {
		t.Fatalf("email %q", msgs[0].Text)
	}
	b.Visit(link)
	auditA11y(t, b)
	b.TabTo("Confirm alerts")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text("main"); !strings.Contains(got, "Your alerts are confirmed") {
		t.Fatalf("after confirming: %q", got)
	}
	auditA11y(t, b)
	b.Visit(strings.Replace(link, "confirm", "unsubscribe", 1))
	auditA11y(t, b)
	b.TabTo("Stop alerts")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text("main"); !strings.Contains(got, "You have stopped your alerts") {
		t.Fatalf("after stopping: %q", got)
	}
	auditA11y(t, b)
}

func TestCoordinatorWritesToMembersByKeyboardPassesAxe(t *testing.T) {
	b := demoBrowser(t)
	store := b.Srv.Store
	ctx := context.Background()
	coord := cmVolunteer(t, store, "coord@example.org")
	var id int64
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		in := portal.SchemeInput{IdempotencyKey: strings.Repeat("2", 32), Name: "Riverside Lanes", MeetingDetails: "Tuesdays"}
		if id, err = tx.CreateScheme(ctx, in, []string{"DM11AB", "DM12AE"}, "", coord); err != nil {
			return err
		}
		_, err = tx.DecideScheme(ctx, id, portal.SchemeApproved, coord)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	members := []string{"ann@example.org", "bob@example.org"}
	for _, e := range members {
		m, err := store.CreateUser(ctx, db.NewUser{Email: e, Role: portal.RoleResident})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.JoinScheme(ctx, id, m); err != nil {
			t.Fatal(err)
		}
	}
	signInAs(t, b, coord)
	b.Visit(fmt.Sprintf("/watch/%d", id))
	auditA11y(t, b)
	b.TabTo("Write to your members")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	auditA11y(t, b)

	b.TabTo("Send to members")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text(".govuk-error-summary"); !strings.Contains(got, "Enter a subject") || !strings.Contains(got, "Enter your message") {
		t.Fatalf("error summary %q", got)
	}
	auditA11y(t, b)
	b.TabTo("input#subject")
	b.Type("Meeting moved")
	b.TabTo("textarea#body")
	b.Type("Now on Wednesday at 7pm.")
	b.TabTo("Send to members")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	main := b.Text("main")
	if !strings.Contains(main, "Message sent to 2 members") {
		t.Fatalf("after sending: %q", main)
	}
	for _, e := range members {
		if strings.Contains(main, e) {
			t.Fatalf("coordinator sees %s", e)
		}
	}
	auditA11y(t, b)
	msgs, _ := store.OutboxMessages(ctx, 10)
	got := map[string]bool{}
	for _, m := range msgs {
		if strings.Contains(m.Subject, "Meeting moved") {
			got[m.Recipient] = true
		}
	}
	if len(got) != 2 || !got["ann@example.org"] || !got["bob@example.org"] {
		t.Fatalf("recipients %v", got)
	}
	b.TabTo("Anti-social behaviour in your scheme")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	auditA11y(t, b)
}

func TestSubscribingWithoutJavaScript(t *testing.T) {
	b := demoBrowser(t)
	b.DisableJavaScript()
	b.Visit("/alerts")
	b.Run(
		chromedp.SendKeys("#email", "nojs@example.org", chromedp.ByQuery),
		chromedp.Click("#area", chromedp.ByQuery),
		chromedp.SetValue("#neighbourhood", "south-heath", chromedp.ByQuery),
		chromedp.Click("#frequency-weekly", chromedp.ByQuery),
	)
	b.Navigate(chromedp.Click("button[type=submit]", chromedp.ByQuery))
	if b.Path() != "/alerts/check-your-email" {
		t.Fatalf("at %s: %s", b.Path(), b.Text("main"))
	}
	msgs, _ := b.Srv.Store.OutboxMessages(context.Background(), 1)
	if len(msgs) != 1 || msgs[0].Recipient != "nojs@example.org" || !strings.Contains(msgs[0].Text, "the Heath neighbourhood") {
		t.Fatalf("confirmation %+v", msgs)
	}
}
