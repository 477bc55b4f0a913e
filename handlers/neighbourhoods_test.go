package handlers_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// demoServer is a server with the demo geography loaded.
func demoServer(t *testing.T) *handlerstest.Server {
	t.Helper()
	s := newServer(t)
	if _, err := s.Store.LoadDemoGeography(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// newStaff creates a staff member scoped to the given neighbourhoods.
func newStaff(t *testing.T, s *handlerstest.Server, email string, role portal.Role, neighbourhoods ...string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := s.Store.CreateUser(ctx, db.NewUser{Email: email, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	if len(neighbourhoods) > 0 {
		if err := s.Store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, nil, neighbourhoods) }); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func lookup(postcode string) string { return "/neighbourhoods?postcode=" + url.QueryEscape(postcode) }

func TestFindNeighbourhoodByPostcode(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	c.Get("/").Status(t, 200).Contains(t, `href="/neighbourhoods"`, "Find your neighbourhood policing team")
	r := c.Get("/neighbourhoods").Status(t, 200)
	r.Contains(t, "Find your neighbourhood policing team", `autocomplete="postal-code"`, "browse neighbourhoods by local policing area", "call 999")
	if strings.Contains(r.Body, "There is a problem") {
		t.Fatal("empty form shows errors")
	}

	t.Run("found", func(t *testing.T) {
		c.Get(lookup(" dm1  1ab ")).Status(t, 200).Contains(t, "DM1 1AB is in", "Riverside neighbourhood",
			"North Demoshire", "North Demoshire District Council", "Riverside neighbourhood policing team",
			`href="mailto:riverside.npt@demoshire.police.example"`, `href="tel:101"`, "Report anti-social behaviour", "Exit this page")
	})
	t.Run("every demo postcode", func(t *testing.T) {
		for code, postcodes := range db.DemoPostcodes() {
			n, _ := s.Store.NeighbourhoodByCode(context.Background(), code)
			c.Get(lookup(postcodes[len(postcodes)-1])).Status(t, 200).Contains(t, n.Name+" neighbourhood")
		}
	})
	t.Run("outside", func(t *testing.T) {
		c.Get(lookup(db.DemoOutsidePostcode)).Status(t, 200).Contains(t, "DM9 1AA is outside our area",
			`href="https://www.police.uk/pu/your-area/"`)
	})
	t.Run("unknown", func(t *testing.T) {
		c.Get(lookup("dm7 1ab")).Status(t, 422).Contains(t, "There is a problem", `href="#postcode"`,
			"We could not find DM7 1AB. Check the postcode and try again", `id="postcode-error"`, `value="dm7 1ab"`, "<title>Error: ")
	})
	t.Run("empty", func(t *testing.T) {
		c.Get(lookup("")).Status(t, 422).Contains(t, "Enter a postcode", "govuk-input--error")
	})
	t.Run("invalid", func(t *testing.T) {
		r := c.Get(lookup(`<script>alert(1)</script>`)).Status(t, 422).Contains(t, "Enter a real postcode", "&lt;script&gt;")
		if strings.Contains(r.Body, "<script>alert") {
			t.Fatal("input echoed unescaped")
		}
	})
	t.Run("hostile bytes", func(t *testing.T) {
		c.Get("/neighbourhoods?postcode=%FF%FE").Status(t, 400)
		c.Get("/neighbourhoods?postcode=a%00b").Status(t, 400)
		c.Get("/neighbourhoods?postcode=%zz").Status(t, 400)
	})
}

func TestPostcodeLookupIsRateLimited(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	for range 60 {
		c.Get(lookup("DM1 1AB")).Status(t, 200)
	}
	r := c.Get(lookup("DM1 1AB")).Status(t, 429)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// Invalid input costs nothing and is still answered.
	c.Get(lookup("nonsense")).Status(t, 422)
}

func TestBrowseNeighbourhoods(t *testing.T) {
	empty := newServer(t)
	empty.Client(t).Get("/local-policing-areas").Status(t, 200).Contains(t, "No neighbourhoods have been set up yet")

	s := demoServer(t)
	c := s.Client(t)
	c.Get("/local-policing-areas").Status(t, 200).Contains(t, "Neighbourhoods by local policing area",
		"North Demoshire", "South Demoshire", `href="/neighbourhoods/north-castle"`, `href="/neighbourhoods/south-heath"`)
	r := c.Get("/neighbourhoods/north-castle").Status(t, 200).Contains(t, "Castle neighbourhood", "castle.npt@demoshire.police.example")
	if strings.Contains(r.Body, " is in</span>") {
		t.Fatal("browsed page claims a postcode")
	}
	c.Get("/neighbourhoods/nowhere").Status(t, 404)
	c.Get("/neighbourhoods/bad%20code").Status(t, 404)
}

func TestNeighbourhoodWithoutTeamContact(t *testing.T) {
	s := demoServer(t)
	ctx := context.Background()
	err := s.Store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.UpdateTeamContact(ctx, "south-heath", portal.Scope{All: true}, portal.TeamContact{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Client(t).Get("/neighbourhoods/south-heath").Status(t, 200).Contains(t, "ask for the Heath neighbourhood policing team")
}

func TestStaffNeighbourhoodPages(t *testing.T) {
	s := demoServer(t)
	ctx := context.Background()
	pcso := newStaff(t, s, "pcso@demoshire.police.example", portal.RolePCSO, "north-castle")
	castle, _ := s.Store.NeighbourhoodByCode(ctx, "north-castle")

	t.Run("signed out", func(t *testing.T) {
		c := s.Client(t)
		r := c.Get("/staff/neighbourhoods").Status(t, 303)
		if loc := r.Header.Get("Location"); loc != "/staff/sign-in" {
			t.Fatalf("Location %q", loc)
		}
		c.Get("/feedback")
		c.PostForm("/staff/neighbourhoods/north-castle", url.Values{"team_name": {"X"}, "team_phone": {"101"}}).Status(t, 403)
	})
	t.Run("resident", func(t *testing.T) {
		id, err := s.Store.CreateUser(ctx, db.NewUser{Email: "resident@example.org", Role: portal.RoleResident})
		if err != nil {
			t.Fatal(err)
		}
		c := s.Client(t)
		c.SignIn(id)
		c.Get("/staff/neighbourhoods").Status(t, 403)
	})

	c := s.Client(t)
	c.SignIn(pcso)
	r := c.Get("/staff/neighbourhoods").Status(t, 200).Contains(t, "Your neighbourhoods", "Castle",
		`href="/staff/neighbourhoods/north-castle"`)
	if strings.Contains(r.Body, "Mill") || strings.Contains(r.Body, "South Demoshire") || strings.Contains(r.Body, "Exit this page") {
		t.Fatal("list shows neighbourhoods out of scope, or the resident exit control")
	}
	c.Get("/staff/neighbourhoods/north-castle").Status(t, 200).Contains(t, "Castle: team contact details",
		`value="castle.npt@demoshire.police.example"`, `name="csrf_token"`)

	t.Run("another neighbourhood answers like a missing one", func(t *testing.T) {
		missing := c.Get("/staff/neighbourhoods/nowhere").Status(t, 404)
		other := c.Get("/staff/neighbourhoods/north-mill").Status(t, 404)
		if title(missing.Body) != title(other.Body) {
			t.Fatalf("out of scope page differs from a missing one: %q vs %q", title(other.Body), title(missing.Body))
		}
		c.Get("/staff/neighbourhoods/north-castle")
		valid := url.Values{"team_name": {"Taken over"}, "team_email": {"x@police.example"}, "team_phone": {"101"}}
		c.PostForm("/staff/neighbourhoods/north-mill", valid).Status(t, 404)
		c.PostForm("/staff/neighbourhoods/north-mill", url.Values{"team_name": {""}}).Status(t, 404)
		c.PostForm("/staff/neighbourhoods/nowhere", valid).Status(t, 404)
		if mill, _ := s.Store.NeighbourhoodByCode(ctx, "north-mill"); mill.Team.Name != "Mill neighbourhood policing team" {
			t.Fatalf("out of scope neighbourhood changed: %+v", mill.Team)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		c.Get("/staff/neighbourhoods/north-castle")
		c.PostForm("/staff/neighbourhoods/north-castle", url.Values{"team_name": {""}, "team_email": {"not-an-email"}, "team_phone": {"call us"}}).
			Status(t, 422).Contains(t, "There is a problem", `href="#team_name"`, `href="#team_email"`, `href="#team_phone"`,
			"Enter the team&#39;s name", `value="not-an-email"`, `value="call us"`, "<title>Error: ")
	})

	t.Run("saved and audited once", func(t *testing.T) {
		form := url.Values{"team_name": {" Castle & Keep team "}, "team_email": {"castle.keep@demoshire.police.example"}, "team_phone": {"01632 960 001"}}
		c.Get("/staff/neighbourhoods/north-castle")
		r := c.PostForm("/staff/neighbourhoods/north-castle", form).Status(t, 303)
		if loc := r.Header.Get("Location"); loc != "/staff/neighbourhoods/north-castle" {
			t.Fatalf("Location %q", loc)
		}
		c.Get("/staff/neighbourhoods/north-castle").Status(t, 200).Contains(t, "Team contact details saved", `value="Castle &amp; Keep team"`)
		c.PostForm("/staff/neighbourhoods/north-castle", form).Status(t, 303) // a double submit
		s.Client(t).Get(lookup(db.DemoPostcodes()["north-castle"][0])).Status(t, 200).
			Contains(t, "Castle &amp; Keep team", "castle.keep@demoshire.police.example", "01632 960 001")
		rows, err := s.Store.AuditLog(ctx, db.AuditFilter{Action: "neighbourhood.update"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%d audit rows, want 1", len(rows))
		}
		a := rows[0]
		if a.ActorID != pcso || a.ActorRole != portal.RolePCSO || a.TargetType != "neighbourhood" ||
			a.TargetID != strconv.FormatInt(castle.ID, 10) || a.Details["fields"] != "team_name,team_email,team_phone" {
			t.Fatalf("audit row %+v", a)
		}
	})

	t.Run("force admin sees every neighbourhood", func(t *testing.T) {
		admin := newStaff(t, s, "admin@demoshire.police.example", portal.RoleForceAdmin)
		ac := s.Client(t)
		ac.SignIn(admin)
		ac.Get("/staff/neighbourhoods").Status(t, 200).Contains(t, "Castle", "Mill", "Riverside", "Harbour", "Market", "Heath")
		ac.Get("/staff/neighbourhoods/south-heath").Status(t, 200)
	})

	t.Run("no areas yet", func(t *testing.T) {
		officer := newStaff(t, s, "new.officer@demoshire.police.example", portal.RoleOfficer)
		oc := s.Client(t)
		oc.SignIn(officer)
		oc.Get("/staff/neighbourhoods").Status(t, 200).Contains(t, "You are not assigned to any neighbourhoods yet")
		oc.Get("/staff/neighbourhoods/north-castle").Status(t, 404)
	})
}

// title is a page's <title>, which names what answered.
func title(body string) string {
	_, rest, _ := strings.Cut(body, "<title>")
	t, _, _ := strings.Cut(rest, "</title>")
	return t
}
