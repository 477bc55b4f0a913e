package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

var returnLinkRE = regexp.MustCompile(`/have-your-say/\d+/return/[A-Za-z0-9_-]{43}`)

// savedLink is the return link in the last email to address.
func (w *hysWorld) savedLink(t *testing.T, to string) string {
	t.Helper()
	ms, err := w.s.Store.OutboxMessages(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Recipient == to {
			if strings.Contains(m.Text, "Outside the primary school") {
				t.Fatal("the email carries the answers")
			}
			if link := returnLinkRE.FindString(m.Text); link != "" {
				return link
			}
		}
	}
	t.Fatalf("no email with a return link to %s", to)
	return ""
}

func TestConsultationSaveAndReturn(t *testing.T) {
	w := newHysWorld(t)
	w.author(t)
	pub := fmt.Sprintf("/have-your-say/%d", w.id)

	first := w.s.Client(t)
	first.Get(pub+"/questions/1").Status(t, 200).Contains(t, "Save and come back later")
	first.PostForm(pub+"/questions/1", url.Values{"answer": {"Yes"}}).Status(t, 303)
	first.Get(pub+"/questions/2").Status(t, 200)
	// Saving checks what was typed, and keeps it.
	long := strings.Repeat("x", portal.MaxLongAnswer+1)
	first.PostForm(pub+"/questions/2", url.Values{"answer": {long}, "save": {"1"}}).Status(t, 422).Contains(t, "3000 characters or fewer")
	r := first.PostForm(pub+"/questions/2", url.Values{"answer": {"Outside the primary school"}, "save": {"1"}}).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != pub+"/save" {
		t.Fatalf("save went to %q", loc)
	}
	first.Get(pub+"/save").Status(t, 200).Contains(t, "Save your answers and come back later", "Anyone who can open the email")
	first.PostForm(pub+"/save", url.Values{"email": {"not an email"}}).Status(t, 422).
		Contains(t, "There is a problem", "Enter an email address in the correct format", `value="not an email"`)
	first.PostForm(pub+"/save", url.Values{"email": {" Saver@Example.org "}}).Status(t, 303)
	first.Get(pub+"/saved").Status(t, 200).Contains(t, "Check your email")
	link := w.savedLink(t, "saver@example.org")

	// Another browser carries on from the link: the page changes nothing
	// until its button is pressed.
	second := w.s.Client(t)
	second.Get(link).Status(t, 200).Contains(t, "Carry on with your answers")
	r = second.PostForm(link, nil).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != pub+"/questions/3" {
		t.Fatalf("resumed at %q, want the first unanswered question", loc)
	}
	second.Get(pub+"/questions/2").Status(t, 200).Contains(t, "Outside the primary school")
	second.PostForm(pub+"/questions/3", url.Values{"rank-1": {"1"}}).Status(t, 303)
	second.Get(pub+"/check").Status(t, 200).Contains(t, "Outside the primary school", "1. Speeding")
	second.PostForm(pub+"/check", nil).Status(t, 303)
	ctx := context.Background()
	if c, _ := w.s.Store.ConsultationInScope(ctx, w.id, portal.Scope{All: true}); c.Responses != 1 {
		t.Fatalf("responses = %d, want 1", c.Responses)
	}
	// Sent: the link no longer works.
	w.s.Client(t).Get(link).Status(t, 410).Contains(t, "This link no longer works")

	// Saving before answering a question keeps the earlier answers and
	// asks for nothing.
	third := w.s.Client(t)
	third.Get(pub + "/questions/1")
	third.PostForm(pub+"/questions/1", url.Values{"save": {"1"}}).Status(t, 303)
	third.Get(pub + "/save")
	third.PostForm(pub+"/save", url.Values{"email": {"late@example.org"}}).Status(t, 303)
	late := w.savedLink(t, "late@example.org")
	w.s.Client(t).Get(late).Status(t, 200)
	// A link expires when the consultation closes.
	w.clock.Add(15 * 24 * time.Hour)
	w.s.Client(t).Get(late).Status(t, 409).Contains(t, "no longer takes answers")
	if err := w.s.Store.PruneSavedAnswers(ctx); err != nil {
		t.Fatal(err)
	}
}

// commentItem is the moderation queue's item for the newest comment.
func commentItem(t *testing.T, w *hysWorld) portal.ModerationItem {
	t.Helper()
	pending, _, err := w.s.Store.ModerationQueue(context.Background(), db.ModerationScope{Scope: portal.Scope{All: true}, Unplaced: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(pending) - 1; i >= 0; i-- {
		if pending[i].Kind == portal.CommentModerationKey {
			return pending[i]
		}
	}
	t.Fatal("no comment waits in the moderation queue")
	return portal.ModerationItem{}
}

// flagFrom flags a comment as a visitor at addr (through the trusted proxy).
func flagFrom(t *testing.T, w *hysWorld, addr, path string) {
	t.Helper()
	c := w.s.Client(t)
	c.Get(fmt.Sprintf("/have-your-say/%d", w.id))
	form := url.Values{"csrf_token": {c.Token}}
	req, _ := http.NewRequest(http.MethodPost, w.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.s.URL)
	req.Header.Set("X-Forwarded-For", addr)
	c.Do(req).Status(t, 303)
}

func TestConsultationCommentsModeratedAndFlagged(t *testing.T) {
	w := newHysWorld(t)
	w.author(t)
	pub := fmt.Sprintf("/have-your-say/%d", w.id)
	resident := w.s.Client(t)
	resident.Get(pub).Status(t, 200).Contains(t, "Comments", "No comments yet", "Add a comment")
	resident.PostForm(pub+"/comments", url.Values{"comment": {"  "}}).Status(t, 422).Contains(t, "Enter your comment", `href="#comment"`)
	tooLong := strings.Repeat("a", portal.MaxComment+1)
	resident.PostForm(pub+"/comments", url.Values{"comment": {tooLong}}).Status(t, 422).Contains(t, "2,000 characters or fewer", tooLong)
	text := "Parking on the zig-zags at <b>home time</b> is the worst"
	resident.Get(pub)
	form := url.Values{"comment": {text}, "key": {"comment-key-0123456789abcdef"}}
	resident.PostForm(pub+"/comments", form).Status(t, 303)
	resident.PostForm(pub+"/comments", form).Status(t, 303) // a double click stores one
	page := resident.Get(pub).Status(t, 200).Contains(t, "Your comment will appear once a moderator has checked it")
	if strings.Contains(page.Body, "zig-zags") {
		t.Fatal("a comment is public before approval")
	}
	item := commentItem(t, w)
	if pending, _, _ := w.s.Store.ModerationQueue(context.Background(), db.ModerationScope{Scope: portal.Scope{All: true}, Unplaced: true}, 0); len(pending) != 1 {
		t.Fatalf("%d items queued, want 1", len(pending))
	}
	sg := w.client(t, w.sergeant)
	sg.Get("/staff/moderation").Status(t, 200).Contains(t, "Consultation comment", "zig-zags")
	sg.Get(fmt.Sprintf("/staff/moderation/%d", item.ID)).Status(t, 200)
	sg.PostForm(fmt.Sprintf("/staff/moderation/%d", item.ID), url.Values{"action": {"approve"}}).Status(t, 303)
	page = w.s.Client(t).Get(pub).Status(t, 200).Contains(t, "Parking on the zig-zags at &lt;b&gt;home time&lt;/b&gt;", "A resident", "Report this comment")
	m := regexp.MustCompile(`action="(/have-your-say/\d+/comments/\d+/flag)"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no flag form")
	}

	// Two people flag (one of them twice): still shown. A third hides it.
	flagFrom(t, w, "203.0.113.1", m[1])
	flagFrom(t, w, "203.0.113.1", m[1])
	flagFrom(t, w, "203.0.113.2", m[1])
	w.s.Client(t).Get(pub).Contains(t, "zig-zags")
	flagFrom(t, w, "203.0.113.3", m[1])
	if strings.Contains(w.s.Client(t).Get(pub).Body, "zig-zags") {
		t.Fatal("three flags did not hide the comment")
	}
	flagFrom(t, w, "203.0.113.4", m[1]) // flagging a hidden comment is thanked the same way
	again := commentItem(t, w)
	if again.ID != item.ID || again.Flags != 3 {
		t.Fatalf("flagged item %+v, want item %d back in the queue with 3 flags", again, item.ID)
	}
	sg.Get("/staff/moderation").Contains(t, "Flagged 3 times")
	// The moderator edits it on review: the edit is what comes back.
	sg.PostForm(fmt.Sprintf("/staff/moderation/%d", item.ID), url.Values{"action": {"edit"},
		"edited-body": {"Parking on the zig-zags is the worst"}, "redaction-note": {"Took out the times"}}).Status(t, 303)
	page = w.s.Client(t).Get(pub).Status(t, 200).Contains(t, "Parking on the zig-zags is the worst")
	if strings.Contains(page.Body, "home time") {
		t.Fatal("the original text is public after an edit")
	}
	// Flags before the review no longer count.
	flagFrom(t, w, "203.0.113.5", m[1])
	w.s.Client(t).Get(pub).Contains(t, "zig-zags")

	// A rejected comment never appears; comments close with the consultation.
	resident.Get(pub)
	resident.PostForm(pub+"/comments", url.Values{"comment": {"Flat 4 is where they deal"}}).Status(t, 303)
	sg.PostForm(fmt.Sprintf("/staff/moderation/%d", commentItem(t, w).ID), url.Values{"action": {"reject"}, "reason": {"Names an address"}}).Status(t, 303)
	if strings.Contains(w.s.Client(t).Get(pub).Body, "Flat 4") {
		t.Fatal("a rejected comment is public")
	}
	w.clock.Add(15 * 24 * time.Hour)
	closed := w.s.Client(t)
	if strings.Contains(closed.Get(pub).Body, "Add a comment") {
		t.Fatal("comment form on a closed consultation")
	}
	closed.PostForm(pub+"/comments", url.Values{"comment": {"Too late"}}).Status(t, 409)
}
