package e2e

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// acctAdminBrowser is a browser signed in as a force administrator, with
// two LPAs of neighbourhoods to choose from.
func acctAdminBrowser(t *testing.T) *Browser {
	t.Helper()
	b := newBrowser(t)
	conn, err := sql.Open("postgres", b.Srv.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		`INSERT INTO forces (code, name) VALUES ('F1', 'Test Force')`,
		`INSERT INTO local_authorities (code, name) VALUES ('LA1', 'Test Council')`,
		`INSERT INTO lpas (force_id, code, name) SELECT id, 'LPA-N', 'North' FROM forces
		 UNION ALL SELECT id, 'LPA-S', 'South' FROM forces`,
		`INSERT INTO neighbourhoods (lpa_id, local_authority_id, code, name, boundary)
		 SELECT l.id, a.id, v.code, v.name, ST_Multi(ST_MakeEnvelope(v.x, 0, v.x + 1, 1, 4326))
		   FROM (VALUES ('LPA-N', 'N1', 'Northgate', 0), ('LPA-N', 'N2', 'Newtown', 1), ('LPA-S', 'S1', 'Southside', 2))
		        AS v(lpa, code, name, x)
		   JOIN lpas l ON l.code = v.lpa CROSS JOIN local_authorities a`,
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	id, err := b.Srv.Store.CreateUser(context.Background(), db.NewUser{Email: "admin@example.org", Role: portal.RoleForceAdmin, DisplayName: "Ada Admin"})
	if err != nil {
		t.Fatal(err)
	}
	acctSignIn(t, b, id)
	return b
}

func TestAdminInvitesStaffByKeyboard(t *testing.T) {
	b := acctAdminBrowser(t)
	b.Visit("/admin/staff")
	auditA11y(t, b)
	b.TabTo("Invite a member of staff")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if b.Path() != "/admin/staff/invite" {
		t.Fatalf("at %s", b.Path())
	}
	auditA11y(t, b)

	b.TabTo("Send invitation")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-error-summary"), "Enter their email address") {
		t.Fatal("no error summary")
	}
	auditA11y(t, b)

	b.TabTo("input#email")
	b.Type("pat@example.org")
	b.TabTo("input#name")
	b.Type("Pat Cole")
	b.TabTo("input#role ") // PCSO, the first role
	b.Press(" ")
	b.TabTo("input#nbh-N2")
	b.Press(" ")
	b.TabTo("Send invitation")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-notification-banner--success"), "Invitation sent to Pat Cole") {
		t.Fatalf("no confirmation at %s", b.Path())
	}
	if !strings.Contains(b.Text("main"), "Newtown") {
		t.Fatal("chosen area not shown")
	}
	auditA11y(t, b)
	acctEmailLink(t, b, "pat@example.org", regexp.MustCompile(`https?://\S+/staff/password/set/[A-Za-z0-9_-]{43}`))

	// The audit log shows the invitation; filter it by keyboard.
	b.Visit("/admin/audit")
	auditA11y(t, b)
	b.TabTo("input#action")
	b.Type("staff.invite")
	b.TabTo("Filter")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if got := b.Text("tbody"); !strings.Contains(got, "staff.invite") || strings.Contains(got, "staff.list") {
		t.Fatalf("filtered log: %q", got)
	}
	auditA11y(t, b)
	b.TabTo("input#from")
	b.Type("31")
	b.TabTo("input#from-month")
	b.Type("2")
	b.TabTo("input#from-year")
	b.Type("2025")
	b.TabTo("Filter")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-error-summary"), "From date must be a real date") {
		t.Fatal("no date error")
	}
	auditA11y(t, b)
}

func TestAdminVolunteersAndStaffMemberPassAxe(t *testing.T) {
	b := acctAdminBrowser(t)
	ctx := context.Background()
	res, _ := b.Srv.Store.CreateUser(ctx, db.NewUser{Email: "nhw@example.org", Role: portal.RoleResident})
	if _, err := b.Srv.Store.RequestVolunteer(ctx, res, portal.VolunteerInput{Role: portal.VolunteerNHWCoordinator, Organisation: "Elm Watch", Area: "Elm Road"}); err != nil {
		t.Fatal(err)
	}
	b.Visit("/admin/volunteers")
	auditA11y(t, b)
	b.TabTo("Verify")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text(".govuk-notification-banner--success"), "Volunteer verified") {
		t.Fatal("not verified")
	}
	auditA11y(t, b)

	b.Visit("/admin/staff")
	b.TabTo("Ada Admin")
	b.Navigate(chromedp.KeyEvent(kb.Enter))
	if !strings.Contains(b.Text("main"), "This is your own account") {
		t.Fatal("own account page not shown")
	}
	auditA11y(t, b)
	b.Run(chromedp.EmulateViewport(360, 740))
	for _, p := range []string{"/admin/staff", "/admin/staff/invite", "/admin/audit"} {
		t.Run(p, func(t *testing.T) {
			b.Visit(p)
			auditA11y(t, b)
		})
	}
}
