package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

func TestNeighbourhoodWatchScheme(t *testing.T) {
	s := demoServer(t)
	ctx := context.Background()
	cmReports(t, s, 0, 3, "noise", "north-riverside", "DM1 1AB")
	coordID := cmVolunteer(t, s, "coord@example.org")
	coord := s.Client(t)
	coord.SignIn(coordID)

	// Residents who are not verified volunteers cannot apply.
	plain := s.Client(t)
	plain.SignIn(acctResident(t, s, "plain@example.org"))
	plain.Get("/account/watch").Status(t, 200).Contains(t, "register as a volunteer")
	plain.Get("/account/watch/register").Status(t, 403)

	coord.Get("/account/watch").Status(t, 200).Contains(t, "Register a scheme")
	coord.Get("/account/watch/register").Status(t, 200).Contains(t, "Register a Neighbourhood Watch scheme", "A list of postcodes")
	r := coord.PostForm("/account/watch/register", url.Values{"idempotency_key": {strings.Repeat("c", 32)}, "name": {""},
		"area-by": {"postcodes"}, "postcodes": {"DM1 1AB\nnonsense"}, "meeting": {"Tuesdays <7pm>"}}).Status(t, 422)
	r.Contains(t, "There is a problem", "Enter the name of the scheme", "is not a postcode", "Tuesdays &lt;7pm&gt;")
	coord.PostForm("/account/watch/register", url.Values{"idempotency_key": {strings.Repeat("c", 32)}, "name": {"Riverside Lanes"},
		"area-by": {"postcodes"}, "postcodes": {"DM1 1AB\nDM7 1AB"}}).Status(t, 422).Contains(t, "We could not find one or more")
	coord.PostForm("/account/watch/register", url.Values{"idempotency_key": {strings.Repeat("c", 32)}, "name": {"Riverside Lanes"},
		"area-by": {"postcodes"}, "postcodes": {"DM1 1AB\nDM1 2AE\nDM1 3AH"}, "meeting": {"First Tuesday, 7pm, the hall"}}).Status(t, 303)
	list, _ := s.Store.SchemesByStatus(ctx, portal.SchemePending, 10)
	if len(list) != 1 {
		t.Fatalf("pending %+v", list)
	}
	id := itoa(list[0].ID)
	s.Client(t).Get("/watch/"+id).Status(t, 404) // not public until approved
	coord.Get("/watch/"+id).Status(t, 200).Contains(t, "waiting to be approved")

	admin := s.Client(t)
	adminID := newStaff(t, s, "admin@police.example", portal.RoleForceAdmin)
	admin.SignIn(adminID)
	admin.Get("/admin/watch-schemes").Status(t, 200).Contains(t, "Riverside Lanes", "coord@example.org", "Riverside", "DM11AB")
	admin.PostForm("/admin/watch-schemes/"+id+"/approve", nil).Status(t, 303)
	admin.Get("/admin/watch-schemes").Status(t, 200).Contains(t, "Scheme approved")
	admin.PostForm("/admin/watch-schemes/"+id+"/decline", nil).Status(t, 303)
	admin.Get("/admin/watch-schemes").Status(t, 200).Contains(t, "That scheme had already been decided")
	if got := cmMailTo(t, s, "coord@example.org"); len(got) != 1 || !strings.Contains(got[0].Subject, "approved") {
		t.Fatalf("coordinator emails %+v", got)
	}
	if log, _ := s.Store.AuditLog(ctx, db.AuditFilter{Action: "watch.approved"}); len(log) != 1 {
		t.Fatalf("audit %+v", log)
	}
	coord.Get("/neighbourhoods/north-riverside").Status(t, 200).Contains(t, "Riverside Lanes")

	// Residents join; visitors are asked to sign in.
	s.Client(t).Get("/watch/"+id).Status(t, 200).Contains(t, "Sign in to join", "First Tuesday, 7pm, the hall")
	members := []string{"ann@example.org", "bob@example.org", "cat@example.org"}
	for _, e := range members {
		m := s.Client(t)
		m.SignIn(acctResident(t, s, e))
		m.Get("/watch/"+id).Status(t, 200).Contains(t, "Join the scheme")
		m.PostForm("/watch/"+id+"/join", nil).Status(t, 303)
		m.Get("/watch/"+id).Status(t, 200).Contains(t, "You are a member", "Leave the scheme")
		m.Get("/account/watch").Status(t, 200).Contains(t, "Riverside Lanes")
	}
	plain.Get("/watch/"+id+"/message").Status(t, 404) // only the coordinator writes

	// The coordinator writes; each member gets their own email; no addresses shown.
	page := coord.Get("/watch/"+id+"/message").Status(t, 200).Contains(t, "Write to your members", "You will not see their email addresses")
	coord.PostForm("/watch/"+id+"/message", url.Values{"idempotency_key": {strings.Repeat("d", 32)}, "subject": {""}, "body": {"kept"}}).
		Status(t, 422).Contains(t, "Enter a subject", ">kept</textarea>")
	key := url.Values{"idempotency_key": {strings.Repeat("e", 32)}, "subject": {"Meeting moved"}, "body": {"Now on Wednesday.\n\nSee you there."}}
	coord.PostForm("/watch/"+id+"/message", key).Status(t, 303)
	coord.PostForm("/watch/"+id+"/message", key).Status(t, 303) // a double click sends once
	after := coord.Get("/watch/"+id).Status(t, 200).Contains(t, "Message sent to 3 members", "Meeting moved")
	for _, e := range members {
		for _, body := range []string{page.Body, after.Body} {
			if strings.Contains(body, e) {
				t.Fatalf("coordinator's page shows %s", e)
			}
		}
		got := cmMailTo(t, s, e)
		if len(got) != 1 || !strings.Contains(got[0].Text, "Now on Wednesday.") {
			t.Fatalf("%s got %+v", e, got)
		}
		for _, other := range members {
			if other != e && (strings.Contains(got[0].Text, other) || strings.Contains(got[0].HTML, other) || strings.Contains(strings.Join(mapValues(got[0].Headers), " "), other)) {
				t.Fatalf("%s's email exposes %s", e, other)
			}
		}
	}

	// Trends: the small-number rule on the page and in the CSV export.
	coord.Get("/watch/"+id+"/trends").Status(t, 200).Contains(t, "fewer than 5", "Download these numbers")
	csv := coord.Get("/watch/"+id+"/trends.csv").Status(t, 200)
	if !strings.Contains(csv.Body, "fewer than 5") || strings.Contains(csv.Body, ",3") || csv.Header.Get("Content-Disposition") == "" {
		t.Fatalf("csv %q", csv.Body)
	}
	plain.Get("/watch/"+id+"/trends.csv").Status(t, 404)

	// A member leaves.
	m := s.Client(t)
	uid, _ := s.Store.UserIDByEmail(ctx, "cat@example.org")
	m.SignIn(uid)
	m.Get("/watch/" + id)
	m.PostForm("/watch/"+id+"/leave", nil).Status(t, 303)
	m.Get("/watch/"+id).Status(t, 200).Contains(t, "You have left the scheme", "Join the scheme")
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
