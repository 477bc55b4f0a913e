package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

func TestStaffPublishTeamMessages(t *testing.T) {
	s := demoServer(t)
	ctx := context.Background()
	staff := newStaff(t, s, "pcso@police.example", portal.RolePCSO, "north-mill")
	c := s.Client(t)
	c.SignIn(staff)
	c.Get("/staff/messages").Status(t, 200).Contains(t, "Team messages", "No messages have been sent", "Send a team message")
	r := c.Get("/staff/messages/new").Status(t, 200).Contains(t, "Send a team message", "All of North Demoshire", `value="north-mill"`)
	if strings.Contains(r.Body, `value="south-heath"`) {
		t.Fatal("form offers a neighbourhood outside the staff member's areas")
	}

	// Everything missing: every error at once, 422, input kept.
	bad := url.Values{"idempotency_key": {strings.Repeat("a", 32)}, "title": {"Kept <title>"}, "kind": {"event"}}
	r = c.PostForm("/staff/messages/new", bad).Status(t, 422)
	r.Contains(t, "There is a problem", `href="#priority"`, `href="#body"`, `href="#event-day"`, `href="#place"`, `href="#areas"`,
		"Select how important the message is", "Enter the date of the event", `value="Kept &lt;title&gt;"`, "<title>Error: ")

	// A neighbourhood outside the staff member's areas is refused, not published.
	c.PostForm("/staff/messages/new", messageForm("Outside", "south-heath")).Status(t, 422).
		Contains(t, "Select at least one neighbourhood or local policing area you work in")

	// An event for the whole LPA: limited to the staff member's areas.
	ev := url.Values{"idempotency_key": {strings.Repeat("b", 32)}, "kind": {"event"}, "priority": {"information"},
		"title": {"Street surgery"}, "body": {"Come and talk to us."}, "event-day": {"1"}, "event-month": {"1"},
		"event-year": {"2027"}, "event-time": {"18:30"}, "place": {"Mill Lane hall"}, "lpas": {"north"}}
	r = c.PostForm("/staff/messages/new", ev).Status(t, 303)
	if r.Header.Get("Location") != "/staff/messages" {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	c.PostForm("/staff/messages/new", ev).Status(t, 303) // a double click publishes once
	c.Get("/staff/messages").Status(t, 200).Contains(t, "Message published", "Street surgery", "Information", "Mill")
	mill, _ := s.Store.NeighbourhoodByCode(ctx, "north-mill")
	msgs, _ := s.Store.TeamMessages(ctx, mill.ID, 10)
	if len(msgs) != 1 || strings.Join(msgs[0].Areas, ",") != "Mill" || msgs[0].EventPlace != "Mill Lane hall" {
		t.Fatalf("published %+v", msgs)
	}
	log, err := s.Store.AuditLog(ctx, db.AuditFilter{Action: "message.publish"})
	if err != nil || len(log) != 1 || log[0].ActorID != staff || log[0].Details["neighbourhoods"] != "1" {
		t.Fatalf("audit %+v %v", log, err)
	}
	s.Client(t).Get("/messages/"+itoa(msgs[0].ID)).Status(t, 200).Contains(t, "Street surgery", "Mill Lane hall", "When")

	// Residents and visitors cannot publish.
	resident := s.Client(t)
	resident.SignIn(acctResident(t, s, "resident@example.org"))
	resident.Get("/staff/messages").Status(t, 403)
	s.Client(t).Get("/staff/messages/new").Status(t, 303)
}

func TestStaffKeepPriorities(t *testing.T) {
	s := demoServer(t)
	ctx := context.Background()
	staff := newStaff(t, s, "pcso@police.example", portal.RolePCSO, "north-mill")
	c := s.Client(t)
	c.SignIn(staff)
	c.Get("/staff/neighbourhoods/north-mill").Status(t, 200).Contains(t, `href="/staff/neighbourhoods/north-mill/priorities"`)
	c.Get("/staff/neighbourhoods/north-mill/priorities").Status(t, 200).Contains(t, "There are no priorities yet", "Add a priority")
	c.Get("/staff/neighbourhoods/south-heath/priorities").Status(t, 404)
	c.PostForm("/staff/neighbourhoods/north-mill/priorities", url.Values{"title": {""}, "description": {"kept"}}).Status(t, 422).
		Contains(t, "Enter the priority", ">kept</textarea>")
	c.PostForm("/staff/neighbourhoods/north-mill/priorities", url.Values{"title": {"Speeding on the bypass"}, "description": {"Speed checks weekly"}}).Status(t, 303)
	c.Get("/neighbourhoods/north-mill").Status(t, 200).Contains(t, "Speeding on the bypass", "Speed checks weekly")
	mill, _ := s.Store.NeighbourhoodByCode(ctx, "north-mill")
	list, _ := s.Store.Priorities(ctx, mill.ID)
	if len(list) != 1 {
		t.Fatalf("priorities %+v", list)
	}
	c.PostForm("/staff/neighbourhoods/south-heath/priorities", url.Values{"title": {"x"}}).Status(t, 404)
	c.Get("/staff/neighbourhoods/north-mill/priorities")
	c.PostForm("/staff/neighbourhoods/north-mill/priorities/"+itoa(list[0].ID)+"/retire", nil).Status(t, 303)
	c.PostForm("/staff/neighbourhoods/north-mill/priorities/"+itoa(list[0].ID)+"/retire", nil).Status(t, 404)
	c.Get("/neighbourhoods/north-mill").Status(t, 200).Contains(t, "The team has not published its priorities yet")
	log, _ := s.Store.AuditLog(ctx, db.AuditFilter{Action: "priority"})
	if len(log) != 2 || log[0].Action != "priority.retire" || log[1].Action != "priority.add" {
		t.Fatalf("audit %+v", log)
	}
}
