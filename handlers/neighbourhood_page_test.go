package handlers_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// atomFeed and atomEntry are Atom 1.0 (RFC 4287) as a reader parses it,
// written here independently of the handler's own types.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  []atomName  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomName struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Summary string     `xml:"summary"`
}

func TestNeighbourhoodPageShowsSmallNumbersAsFewerThanFive(t *testing.T) {
	s := demoServer(t)
	cmReports(t, s, 0, 3, "noise", "north-riverside", "DM1 1AB")
	cmReports(t, s, 10, 6, "graffiti", "north-riverside", "DM1 2AE")
	c := s.Client(t)
	r := c.Get("/neighbourhoods/north-riverside").Status(t, 200)
	month := time.Now().Format("January 2006")
	r.Contains(t, "Anti-social behaviour reported in the last 12 months", month, "fewer than 5", `<td class="govuk-table__cell">6</td>`,
		"You said, we did", "Have your say", "Upcoming courses", `href="/courses"`, `href="/have-your-say"`,
		"Our current priorities", "Messages from the team", `href="/alerts?neighbourhood=north-riverside"`,
		`href="/neighbourhoods/north-riverside/messages.atom"`, "Neighbourhood Watch", "we never show where a report was made")
	if strings.Contains(r.Body, `<td class="govuk-table__cell">3</td>`) {
		t.Fatal("an exact small number is on the page")
	}
	for _, bad := range []string{"leaflet", "<svg", "data-lat", "DM1 1AB"} {
		if strings.Contains(r.Body, bad) {
			t.Fatalf("page shows %q: no report may be placed on a map or located", bad)
		}
	}
	// The postcode lookup shows the same page.
	c.Get("/neighbourhoods?postcode=DM1+1AB").Status(t, 200).Contains(t, "DM1 1AB is in", "fewer than 5")
}

func TestNeighbourhoodFeedIsValidAtomWithSmallNumbersSuppressed(t *testing.T) {
	s := demoServer(t)
	cmReports(t, s, 0, 3, "noise", "north-riverside", "DM1 1AB")
	cmReports(t, s, 10, 6, "graffiti", "north-riverside", "DM1 2AE")
	staff := newStaff(t, s, "pcso@police.example", portal.RolePCSO, "north-riverside")
	c := s.Client(t)
	c.SignIn(staff)
	c.Get("/staff/messages/new")
	c.PostForm("/staff/messages/new", messageForm("Bikes stolen from sheds & garages", "north-riverside")).Status(t, 303)

	r := s.Client(t).Get("/neighbourhoods/north-riverside/messages.atom").Status(t, 200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Fatalf("Content-Type %q", ct)
	}
	var feed atomFeed
	if err := xml.Unmarshal([]byte(r.Body), &feed); err != nil {
		t.Fatalf("not XML: %v\n%s", err, r.Body)
	}
	if feed.ID == "" || feed.Title == "" || len(feed.Author) == 0 || feed.Author[0].Name == "" {
		t.Fatalf("feed lacks id, title or author: %+v", feed)
	}
	if _, err := time.Parse(time.RFC3339, feed.Updated); err != nil {
		t.Fatalf("feed updated %q: %v", feed.Updated, err)
	}
	var self bool
	for _, l := range feed.Links {
		self = self || (l.Rel == "self" && strings.HasSuffix(l.Href, "/neighbourhoods/north-riverside/messages.atom"))
	}
	if !self {
		t.Fatalf("no self link: %+v", feed.Links)
	}
	ids := map[string]bool{}
	var message, thisMonth *atomEntry
	for i, e := range feed.Entries {
		if e.ID == "" || e.Title == "" || ids[e.ID] {
			t.Fatalf("entry %d lacks a unique id or a title: %+v", i, e)
		}
		ids[e.ID] = true
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Fatalf("entry %d updated %q", i, e.Updated)
		}
		if len(e.Links) == 0 || !strings.HasPrefix(e.Links[0].Href, s.URL) {
			t.Fatalf("entry %d has no absolute link: %+v", i, e.Links)
		}
		switch {
		case e.Title == "Bikes stolen from sheds & garages":
			message = &feed.Entries[i]
		case e.Title == "Anti-social behaviour reported in "+time.Now().Format("January 2006"):
			thisMonth = &feed.Entries[i]
		}
	}
	if message == nil || thisMonth == nil || len(feed.Entries) != 13 {
		t.Fatalf("entries: %d, message %v, this month %v", len(feed.Entries), message, thisMonth)
	}
	if !strings.Contains(thisMonth.Summary, "Nuisance: fewer than 5") || !strings.Contains(thisMonth.Summary, "Environmental: 6") ||
		strings.Contains(thisMonth.Summary, "Nuisance: 3") {
		t.Fatalf("summary %q", thisMonth.Summary)
	}
	s.Client(t).Get("/neighbourhoods/nowhere/messages.atom").Status(t, 404)
}

// messageForm is a valid urgent team message form with a fresh key.
func messageForm(title string, codes ...string) url.Values {
	return url.Values{"idempotency_key": {fmt.Sprintf("%032x", time.Now().UnixNano())},
		"kind": {"advice"}, "priority": {"urgent"}, "title": {title}, "body": {"Lock them, and mark your property."},
		"neighbourhoods": codes}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTeamMessagePages(t *testing.T) {
	s := demoServer(t)
	ctx := context.Background()
	staff := newStaff(t, s, "pcso@police.example", portal.RolePCSO, "north-mill")
	c := s.Client(t)
	c.SignIn(staff)
	c.Get("/staff/messages/new")
	c.PostForm("/staff/messages/new", messageForm("Appeal after criminal damage", "north-mill")).Status(t, 303)
	mill, _ := s.Store.NeighbourhoodByCode(ctx, "north-mill")
	msgs, err := s.Store.TeamMessages(ctx, mill.ID, 5)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%v %v", msgs, err)
	}
	pub := s.Client(t)
	pub.Get("/neighbourhoods/north-mill/messages").Status(t, 200).Contains(t, "Appeal after criminal damage", "Urgent", "Exit this page")
	pub.Get("/messages/"+itoa(msgs[0].ID)).Status(t, 200).Contains(t, "Appeal after criminal damage", "Lock them, and mark your property.", "Sent to: Mill")
	pub.Get("/messages/999999").Status(t, 404)
	pub.Get("/neighbourhoods/north-mill").Status(t, 200).Contains(t, "Appeal after criminal damage")
	pub.Get("/neighbourhoods/south-heath/messages").Status(t, 200).Contains(t, "The team has not sent any messages yet")
}
