package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

func TestCategoryAndBanPagesAreForForceAdminsOnly(t *testing.T) {
	s := newServer(t)
	banID := portal.BannedEmailID("troll@example.org")
	if err := s.Store.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.BanEmail(context.Background(), portal.BannedEmail{Pattern: "troll@example.org"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/admin/categories", "/admin/categories/add", "/admin/categories/noise/edit", "/admin/banned-emails"}
	posts := []string{"/admin/categories/add", "/admin/categories/noise/edit", "/admin/categories/noise/retire",
		"/admin/categories/noise/restore", "/admin/banned-emails", "/admin/banned-emails/" + banID + "/remove"}
	form := url.Values{"code": {"new-one"}, "type": {"nuisance"}, "name": {"Changed"}, "order": {"1"}, "pattern": {"@example.org"}}

	for _, who := range []struct {
		email string
		role  portal.Role
	}{
		{"pcso@example.org", portal.RolePCSO},
		{"sgt@example.org", portal.RoleSergeant},
		{"crc@example.org", portal.RoleCaseReviewCoordinator},
		{"res@example.org", portal.RoleResident},
	} {
		t.Run(string(who.role), func(t *testing.T) {
			id, err := s.Store.CreateUser(context.Background(), db.NewUser{Email: who.email, Role: who.role})
			if err != nil {
				t.Fatal(err)
			}
			c := s.Client(t)
			c.SignIn(id)
			for _, p := range pages {
				r := c.Get(p).Status(t, 403)
				if strings.Contains(r.Body, "troll@example.org") || strings.Contains(r.Body, "Code: noise") {
					t.Fatalf("%s: admin content shown to a %s", p, who.role)
				}
			}
			c.Get("/account/sign-in") // a CSRF token for the posts
			for _, p := range posts {
				c.PostForm(p, form).Status(t, 403)
			}
		})
	}
	anon := s.Client(t)
	for _, p := range pages {
		if loc := anon.Get(p).Status(t, 303).Header.Get("Location"); loc != "/staff/sign-in" {
			t.Fatalf("%s: anonymous sent to %q", p, loc)
		}
	}
	noise, err := s.Store.CategoryByCode(context.Background(), "noise")
	bans, _ := s.Store.BannedEmails(context.Background())
	if err != nil || noise.Name != "Noise" || !noise.Active || len(bans) != 1 {
		t.Fatalf("a non-admin changed something: %+v, bans %v", noise, bans)
	}
	if _, err := s.Store.CategoryByCode(context.Background(), "new-one"); err == nil {
		t.Fatal("a non-admin added a category")
	}
}

// categoryPage answers the safety question and returns the category
// question's page, as a resident sees it.
func categoryPage(t *testing.T, c *handlerstest.Client) *handlerstest.Response {
	t.Helper()
	c.Get("/report/safety")
	c.PostForm("/report/safety", url.Values{"safety": {"no"}}).Status(t, 303)
	return c.Get("/report/what").Status(t, 200)
}

func TestAdminManagesCategories(t *testing.T) {
	s := demoServer(t)
	admin, _ := acctAdmin(t, s)
	resident := s.Client(t)

	admin.Get("/admin/categories").Status(t, 200).Contains(t, "Report categories", "Personal", "Residents see: Behaviour affecting the community",
		"Noise", "Code: noise", "For a one-off party or noisy event", "Offered", "/admin/categories/noise/edit")
	add := admin.Get("/admin/categories/add").Status(t, 200).Contains(t, "Add a category", `name="order" type="text" inputmode="numeric" spellcheck="false" autocomplete="off" value="190"`)
	if strings.Contains(add.Body, "Retire") {
		t.Fatal("the add form offers to retire")
	}

	// Every problem at once, with what was typed kept.
	bad := admin.PostForm("/admin/categories/add", url.Values{"code": {"E Scooters"}, "name": {""}, "hint": {"Ridden on <pavements>"},
		"notice": {strings.Repeat("n", 501)}, "order": {"ten"}}).Status(t, 422)
	bad.Contains(t, "There is a problem", `href="#code"`, `href="#type"`, `href="#name"`, `href="#notice"`, `href="#order"`,
		"Code must only include lowercase letters", "Select the type of anti-social behaviour", "Enter a name",
		"Notice must be 500 characters or fewer", "Position must be a whole number", `value="E Scooters"`,
		"Ridden on &lt;pavements&gt;", "<title>Error: Add a category")

	created := url.Values{"code": {"e-scooters"}, "type": {"nuisance"}, "name": {"E-scooters"}, "hint": {"Ridden on pavements"},
		"notice": {"Private e-scooters cannot be used on roads or pavements."}, "order": {"85"}}
	if loc := admin.PostForm("/admin/categories/add", created).Status(t, 303).Header.Get("Location"); loc != "/admin/categories" {
		t.Fatalf("after adding: %q", loc)
	}
	admin.Get("/admin/categories").Contains(t, "Category added: E-scooters", "Code: e-scooters")
	// The same form again (a double click) is not an error; another category with the code is.
	admin.PostForm("/admin/categories/add", created).Status(t, 303)
	created.Set("name", "Scooters")
	admin.PostForm("/admin/categories/add", created).Status(t, 422).Contains(t, "There is already a category with this code", `value="Scooters"`)

	what := categoryPage(t, resident)
	what.Contains(t, "E-scooters", "Ridden on pavements Private e-scooters cannot be used")
	if strings.Index(what.Body, "Vehicle nuisance") > strings.Index(what.Body, "E-scooters") {
		t.Fatal("new category not after position 80")
	}

	// Change it: everything but the code.
	admin.Get("/admin/categories/e-scooters/edit").Status(t, 200).Contains(t, "Change the category", "e-scooters", "Retire category", `value="85"`)
	admin.PostForm("/admin/categories/e-scooters/edit", url.Values{"type": {"environmental"}, "name": {""}, "order": {"85"}}).
		Status(t, 422).Contains(t, "Enter a name", `value="environmental" checked`)
	if loc := admin.PostForm("/admin/categories/e-scooters/edit", url.Values{"code": {"hijack"}, "type": {"environmental"},
		"name": {"Electric scooters"}, "hint": {"Ridden on pavements"}, "order": {"85"}}).Status(t, 303).Header.Get("Location"); loc != "/admin/categories" {
		t.Fatalf("after changing: %q", loc)
	}
	admin.Get("/admin/categories").Contains(t, "Category updated: Electric scooters")
	if got, _ := s.Store.CategoryByCode(context.Background(), "e-scooters"); got.Name != "Electric scooters" || got.Type != portal.ASBEnvironmental || got.Notice != "" {
		t.Fatalf("after changing: %+v", got)
	}
	if _, err := s.Store.CategoryByCode(context.Background(), "hijack"); err == nil {
		t.Fatal("the code changed")
	}
	categoryPage(t, resident).Contains(t, "Electric scooters")

	// Retire: gone from the journey and from Open311, still listed for admins.
	admin.Get("/admin/categories/e-scooters/edit")
	admin.PostForm("/admin/categories/e-scooters/retire", nil).Status(t, 303)
	admin.PostForm("/admin/categories/e-scooters/retire", nil).Status(t, 303) // twice: no second audit row
	admin.Get("/admin/categories").Contains(t, "Category retired: Electric scooters", "Retired")
	if strings.Contains(categoryPage(t, resident).Body, "Electric scooters") {
		t.Fatal("a retired category is offered to residents")
	}
	resident.PostForm("/report/what", url.Values{"category": {"e-scooters"}}).Status(t, 422).Contains(t, "Select what happened")
	if strings.Contains(resident.Get("/open311/v2/services.json").Status(t, 200).Body, "e-scooters") {
		t.Fatal("a retired category is an Open311 service")
	}
	admin.Get("/admin/categories/e-scooters/edit").Status(t, 200).Contains(t, "Restore category")
	admin.PostForm("/admin/categories/e-scooters/restore", nil).Status(t, 303)
	categoryPage(t, resident).Contains(t, "Electric scooters")

	for action, want := range map[string]string{"category.create": "nuisance", "category.update": "type,name,notice",
		"category.retire": "", "category.restore": ""} {
		rows := acctAuditRows(t, s, action)
		if len(rows) != 1 || rows[0].TargetType != "category" || rows[0].TargetID != "e-scooters" || rows[0].ActorRole != portal.RoleForceAdmin {
			t.Fatalf("%s: audit rows %+v", action, rows)
		}
		if got := rows[0].Details["type"] + rows[0].Details["changed"]; got != want {
			t.Fatalf("%s: details %v", action, rows[0].Details)
		}
	}

	// Saving without a change writes nothing; unknown codes are not found.
	admin.Get("/admin/categories/noise/edit")
	admin.PostForm("/admin/categories/noise/edit", url.Values{"type": {"nuisance"}, "name": {"Noise"},
		"hint":   {"Loud music, shouting or parties that happen again and again"},
		"notice": {"For a one-off party or noisy event, contact your council's environmental health team."}, "order": {"40"}}).Status(t, 303)
	admin.Get("/admin/categories").Contains(t, "No changes to save")
	if rows := acctAuditRows(t, s, "category.update"); len(rows) != 1 {
		t.Fatalf("an unchanged category was audited: %d rows", len(rows))
	}
	admin.Get("/admin/categories/no-such/edit").Status(t, 404)
	admin.PostForm("/admin/categories/no-such/retire", nil).Status(t, 404)
}

func TestAdminBansAnEmailDomain(t *testing.T) {
	s := demoServer(t)
	admin, _ := acctAdmin(t, s)
	admin.Get("/admin/banned-emails").Status(t, 200).Contains(t, "Banned email addresses", "flagged for staff",
		"The sender is not told", "Nobody is banned")

	admin.PostForm("/admin/banned-emails", url.Values{"pattern": {"example.org"}, "reason": {strings.Repeat("r", 201)}}).
		Status(t, 422).Contains(t, "There is a problem", `href="#pattern"`, `href="#reason"`,
		"To ban a whole domain, start it with @, like @example.org", "Reason must be 200 characters or fewer", `value="example.org"`)
	admin.PostForm("/admin/banned-emails", url.Values{"pattern": {"not an address"}}).
		Status(t, 422).Contains(t, "Enter an email address in the correct format")

	if loc := admin.PostForm("/admin/banned-emails", url.Values{"pattern": {" @Example.ORG "}, "reason": {"Abusive reports"}}).
		Status(t, 303).Header.Get("Location"); loc != "/admin/banned-emails" {
		t.Fatalf("after banning: %q", loc)
	}
	admin.Get("/admin/banned-emails").Contains(t, "Ban added", "@example.org", "Every address at this domain", "Abusive reports", "1 banned address or domain")
	admin.PostForm("/admin/banned-emails", url.Values{"pattern": {"@example.org"}}).Status(t, 303)
	admin.Get("/admin/banned-emails").Contains(t, "That address or domain was already banned")

	// A report from the domain is accepted as usual, and flagged.
	resident := s.Client(t)
	submit(t, resident, walkJourney(t, resident)).Status(t, 303)
	resident.Get("/report/sent").Status(t, 200).Contains(t, "Report sent")
	var flagged bool
	if err := openDB(t, s).QueryRow(`SELECT flagged FROM reports WHERE reporter_email = 'sam@example.org'`).Scan(&flagged); err != nil || !flagged {
		t.Fatalf("flagged=%v err=%v", flagged, err)
	}

	id := portal.BannedEmailID("@example.org")
	admin.Get("/admin/banned-emails").Contains(t, "/admin/banned-emails/"+id+"/remove")
	admin.PostForm("/admin/banned-emails/"+id+"/remove", nil).Status(t, 303)
	admin.Get("/admin/banned-emails").Contains(t, "Ban removed", "Nobody is banned")
	admin.PostForm("/admin/banned-emails/"+id+"/remove", nil).Status(t, 303)
	admin.Get("/admin/banned-emails").Contains(t, "That ban had already been removed")
	admin.PostForm("/admin/banned-emails/"+strings.Repeat("A", 64)+"/remove", nil).Status(t, 404)

	// Audited by the pattern's hash: no address in the audit log or the logs.
	for _, action := range []string{"banned_email.add", "banned_email.remove"} {
		rows := acctAuditRows(t, s, action)
		if len(rows) != 1 || rows[0].TargetType != "banned_email" || rows[0].TargetID != id || rows[0].Details["kind"] != "domain" {
			t.Fatalf("%s: audit rows %+v", action, rows)
		}
	}
	if rows := acctAuditRows(t, s, "banned_email.list"); len(rows) < 5 {
		t.Fatalf("views of the list not audited: %d rows", len(rows))
	}
	if logs := s.Logs.String(); strings.Contains(strings.ToLower(logs), "example.org") {
		t.Fatal("the server logged a banned address")
	}
}

func TestBanOnAnAddressFlagsOnlyThatAddress(t *testing.T) {
	s := demoServer(t)
	admin, _ := acctAdmin(t, s)
	admin.Get("/admin/banned-emails")
	admin.PostForm("/admin/banned-emails", url.Values{"pattern": {"Sam@Example.org"}}).Status(t, 303)
	admin.Get("/admin/banned-emails").Contains(t, "sam@example.org")
	resident := s.Client(t)
	submit(t, resident, walkJourney(t, resident)).Status(t, 303)
	var flagged bool
	if err := openDB(t, s).QueryRow(`SELECT flagged FROM reports`).Scan(&flagged); err != nil || !flagged {
		t.Fatalf("flagged=%v err=%v", flagged, err)
	}
	rows := acctAuditRows(t, s, "banned_email.add")
	if len(rows) != 1 || rows[0].TargetID != portal.BannedEmailID("sam@example.org") || rows[0].Details["kind"] != "address" {
		t.Fatalf("audit rows %+v", rows)
	}
}
