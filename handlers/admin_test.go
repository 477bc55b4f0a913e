package handlers_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// acctSeedAreas creates two LPAs: North (neighbourhoods N1 Northgate, N2
// Newtown) and South (S1 Southside).
func acctSeedAreas(t *testing.T, s *handlerstest.Server) {
	t.Helper()
	conn := acctDB(t, s)
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
}

// acctStaff creates a member of staff with areas.
func acctStaff(t *testing.T, s *handlerstest.Server, email string, role portal.Role, lpas, nbhs []string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := s.Store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if id, err = tx.CreateUser(ctx, db.NewUser{Email: email, Role: role, DisplayName: "Staff " + email}); err != nil {
			return err
		}
		return tx.SetStaffAreas(ctx, id, lpas, nbhs)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// acctAdmin is a force administrator's signed-in client.
func acctAdmin(t *testing.T, s *handlerstest.Server) (*handlerstest.Client, int64) {
	t.Helper()
	id := acctStaff(t, s, "admin@example.org", portal.RoleForceAdmin, nil, nil)
	c := s.Client(t)
	c.SignIn(id)
	return c, id
}

// acctAuditRows returns the audit log rows for an action, newest first.
func acctAuditRows(t *testing.T, s *handlerstest.Server, action string) []portal.AuditRecord {
	t.Helper()
	rows, err := s.Store.AuditLog(context.Background(), db.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestAdminPagesAreForForceAdminsOnly(t *testing.T) {
	s := newServer(t)
	acctSeedAreas(t, s)
	target := acctStaff(t, s, "target@example.org", portal.RoleOfficer, []string{"LPA-N"}, nil)
	pages := []string{"/admin/staff", "/admin/staff/invite", fmt.Sprintf("/admin/staff/%d", target), "/admin/volunteers", "/admin/audit"}
	posts := []string{"/admin/staff/invite", fmt.Sprintf("/admin/staff/%d", target), fmt.Sprintf("/admin/staff/%d/disable", target),
		fmt.Sprintf("/admin/staff/%d/enable", target), "/admin/volunteers/1/verify", "/admin/volunteers/1/decline"}

	for _, who := range []struct {
		name  string
		email string
		role  portal.Role
	}{
		{"pcso", "pcso@example.org", portal.RolePCSO},
		{"sergeant", "sgt@example.org", portal.RoleSergeant},
		{"case review coordinator", "crc@example.org", portal.RoleCaseReviewCoordinator},
		{"resident", "res@example.org", portal.RoleResident},
	} {
		t.Run(who.name, func(t *testing.T) {
			id, err := s.Store.CreateUser(context.Background(), db.NewUser{Email: who.email, Role: who.role})
			if err != nil {
				t.Fatal(err)
			}
			c := s.Client(t)
			c.SignIn(id)
			for _, p := range pages {
				r := c.Get(p).Status(t, 403)
				if strings.Contains(r.Body, "target@example.org") || strings.Contains(r.Body, "Invite a member of staff") {
					t.Fatalf("%s: admin content shown to a %s", p, who.name)
				}
			}
			c.Get("/account/sign-in") // a CSRF token for the posts
			for _, p := range posts {
				c.PostForm(p, url.Values{"role": {"force_admin"}}).Status(t, 403)
			}
		})
	}
	if m, _ := s.Store.StaffMember(context.Background(), target); m.Role != portal.RoleOfficer || m.Disabled {
		t.Fatalf("a non-admin changed staff: %+v", m)
	}
	anon := s.Client(t)
	for _, p := range pages {
		if loc := anon.Get(p).Status(t, 303).Header.Get("Location"); loc != "/staff/sign-in" {
			t.Fatalf("%s: Location %q", p, loc)
		}
	}
	if n := len(acctAuditRows(t, s, "staff")); n != 0 {
		t.Fatalf("%d staff audit rows after refused requests", n)
	}
}

var acctKeyRE = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)

func TestInviteStaff(t *testing.T) {
	s := newServer(t)
	acctSeedAreas(t, s)
	c, _ := acctAdmin(t, s)
	page := c.Get("/admin/staff/invite").Status(t, 200).Contains(t, "Invite a member of staff", "The whole of North LPA", "Newtown", "Southside")
	key := acctKeyRE.FindStringSubmatch(page.Body)[1]

	c.PostForm("/admin/staff/invite", url.Values{"idempotency_key": {key}}).Status(t, 422).
		Contains(t, "Enter their email address", "Enter their full name", "Select a role", `href="#email"`, `href="#name"`, `href="#role"`)
	c.PostForm("/admin/staff/invite", url.Values{"idempotency_key": {key}, "email": {"pat@example.org"}, "name": {"Pat Cole"},
		"role": {"pcso"}}).Status(t, 422).Contains(t, "Select at least one area", `href="#areas"`, `value="Pat Cole"`)
	c.PostForm("/admin/staff/invite", url.Values{"idempotency_key": {key}, "email": {"pat@example.org"}, "name": {"Pat Cole"},
		"role": {"pcso"}, "neighbourhoods": {"NOPE"}}).Status(t, 422).Contains(t, "Select areas from the list")

	form := url.Values{"idempotency_key": {key}, "email": {"Pat@Example.org"}, "name": {"Pat Cole"}, "role": {"pcso"},
		"lpas": {"LPA-S"}, "neighbourhoods": {"N2"}}
	r := c.PostForm("/admin/staff/invite", form).Status(t, 303)
	loc := r.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/admin/staff/"), 10, 64)
	if err != nil {
		t.Fatalf("Location = %q", loc)
	}
	c.Get(loc).Status(t, 200).Contains(t, "Invitation sent to Pat Cole", "pat@example.org", "PCSO", "South (whole LPA)", "Newtown", "Not set yet")

	m, err := s.Store.StaffMember(context.Background(), id)
	if err != nil || m.Email != "pat@example.org" || m.Role != portal.RolePCSO || len(m.Areas) != 2 || m.HasPassword {
		t.Fatalf("member = %+v, %v", m, err)
	}
	subject, body := acctMail(t, s, "pat@example.org")
	token := regexp.MustCompile(`/staff/password/set/([A-Za-z0-9_-]{43})\b`).FindStringSubmatch(body)
	if subject != "You have been invited to Beacon" || token == nil || !strings.Contains(body, "7 days") {
		t.Fatalf("invitation %q: %q", subject, body)
	}
	sum := sha256.Sum256([]byte(token[1]))
	var purpose string
	var lifetime float64
	err = acctDB(t, s).QueryRow(`SELECT purpose, extract(epoch FROM expires_at - created_at) FROM auth_tokens
		WHERE token_hash = $1 AND user_id = $2 AND used_at IS NULL`, sum[:], id).Scan(&purpose, &lifetime)
	if err != nil || purpose != "password_set" || time.Duration(lifetime)*time.Second != 7*24*time.Hour {
		t.Fatalf("token row: purpose %q lifetime %vs (%v)", purpose, lifetime, err)
	}
	rows := acctAuditRows(t, s, "staff.invite")
	if len(rows) != 1 || rows[0].TargetID != strconv.FormatInt(id, 10) || rows[0].Details["role"] != "pcso" ||
		rows[0].Details["lpas"] != "LPA-S" || rows[0].Details["neighbourhoods"] != "N2" || rows[0].ActorRole != portal.RoleForceAdmin {
		t.Fatalf("audit = %+v", rows)
	}
	for _, v := range rows[0].Details {
		if strings.Contains(v, "pat") || strings.Contains(v, "Pat") {
			t.Fatalf("personal data in audit details: %v", rows[0].Details)
		}
	}

	// The same form again (a double click) answers the same way and creates nothing.
	if again := c.PostForm("/admin/staff/invite", form).Status(t, 303).Header.Get("Location"); again != loc {
		t.Fatalf("replay Location %q, want %q", again, loc)
	}
	// A new invitation for the same address is refused.
	fresh := acctKeyRE.FindStringSubmatch(c.Get("/admin/staff/invite").Body)[1]
	form.Set("idempotency_key", fresh)
	c.PostForm("/admin/staff/invite", form).Status(t, 422).Contains(t, "There is already an account with this email address")
	if n := len(acctAuditRows(t, s, "staff.invite")); n != 1 {
		t.Fatalf("%d invitations audited, want 1", n)
	}
	// A force administrator needs no areas.
	admin := url.Values{"idempotency_key": {acctKeyRE.FindStringSubmatch(c.Get("/admin/staff/invite").Body)[1]},
		"email": {"boss@example.org"}, "name": {"Bo Boss"}, "role": {"force_admin"}, "lpas": {"LPA-N"}}
	c.PostForm("/admin/staff/invite", admin).Status(t, 303)
}

func TestChangeRoleAndDisableStaff(t *testing.T) {
	s := newServer(t)
	acctSeedAreas(t, s)
	c, adminID := acctAdmin(t, s)
	pc := acctStaff(t, s, "pc@example.org", portal.RolePCSO, []string{"LPA-N"}, nil)
	pcPath := fmt.Sprintf("/admin/staff/%d", pc)
	pcBrowser, pcPhone := s.Client(t), s.Client(t)
	pcBrowser.SignIn(pc)
	pcPhone.SignIn(pc)

	c.Get(pcPath).Status(t, 200).Contains(t, "Change role and areas", "North (whole LPA)", "Disable account")
	if rows := acctAuditRows(t, s, "staff.view"); len(rows) != 1 || rows[0].TargetID != strconv.FormatInt(pc, 10) {
		t.Fatalf("view audit = %+v", rows)
	}
	c.PostForm(pcPath, url.Values{"role": {"sergeant"}}).Status(t, 422).Contains(t, "Select at least one area")
	c.PostForm(pcPath, url.Values{"role": {"sergeant"}, "neighbourhoods": {"N2", "S1"}}).Status(t, 303)
	c.Get(pcPath).Contains(t, "Role and areas updated", "Sergeant", "Newtown", "Southside")
	rows := acctAuditRows(t, s, "staff.update")
	want := map[string]string{"role_before": "pcso", "role_after": "sergeant", "lpas_before": "LPA-N", "lpas_after": "",
		"neighbourhoods_before": "", "neighbourhoods_after": "N2,S1"}
	if len(rows) != 1 || fmt.Sprint(rows[0].Details) != fmt.Sprint(want) {
		t.Fatalf("update audit = %+v", rows)
	}
	if u, _ := s.Store.User(context.Background(), pc); u.Role != portal.RoleSergeant || len(u.Scope.Neighbourhoods) != 2 {
		t.Fatalf("user after change = %+v", u)
	}

	// Disabling signs them out everywhere at once.
	c.PostForm(pcPath+"/disable", nil).Status(t, 303)
	c.Get(pcPath).Contains(t, "Account disabled", "Enable account")
	var n int
	acctDB(t, s).QueryRow(`SELECT count(*) FROM sessions WHERE user_id = $1`, pc).Scan(&n)
	if n != 0 {
		t.Fatalf("%d sessions survived disabling", n)
	}
	pcBrowser.Get("/admin/staff").Status(t, 303)
	pcPhone.Get("/admin/staff").Status(t, 303)
	if rows := acctAuditRows(t, s, "staff.disable"); len(rows) != 1 || rows[0].ActorID != adminID {
		t.Fatalf("disable audit = %+v", rows)
	}
	c.PostForm(pcPath+"/enable", nil).Status(t, 303)
	if m, _ := s.Store.StaffMember(context.Background(), pc); m.Disabled {
		t.Fatal("still disabled")
	}
	if rows := acctAuditRows(t, s, "staff.enable"); len(rows) != 1 {
		t.Fatalf("enable audit = %+v", rows)
	}

	// Nobody can disable or demote themselves.
	self := fmt.Sprintf("/admin/staff/%d", adminID)
	c.Get(self).Status(t, 200).Contains(t, "This is your own account")
	c.PostForm(self+"/disable", nil).Status(t, 422).Contains(t, "You cannot disable your own account", `href="#status"`)
	c.PostForm(self, url.Values{"role": {"pcso"}, "lpas": {"LPA-N"}}).Status(t, 422).Contains(t, "You cannot change your own role")
	if u, _ := s.Store.User(context.Background(), adminID); u.Disabled || u.Role != portal.RoleForceAdmin {
		t.Fatalf("admin changed themselves: %+v", u)
	}
	// Residents are not staff members.
	res := acctResident(t, s, "res@example.org")
	c.Get(fmt.Sprintf("/admin/staff/%d", res)).Status(t, 404)
	c.PostForm(fmt.Sprintf("/admin/staff/%d/disable", res), nil).Status(t, 404)
}

func TestStaffListAndFilter(t *testing.T) {
	s := newServer(t)
	acctSeedAreas(t, s)
	c, _ := acctAdmin(t, s)
	acctStaff(t, s, "pat@example.org", portal.RolePCSO, nil, []string{"N1"})
	acctStaff(t, s, "sam@example.org", portal.RoleSergeant, []string{"LPA-S"}, nil)
	c.Get("/admin/staff").Status(t, 200).Contains(t, "3 members of staff", "pat@example.org", "sam@example.org", "Northgate", "South (LPA)",
		"Whole force", "Not set up", "Invite a member of staff")
	r := c.Get("/admin/staff?q=PAT&role=&status=active").Status(t, 200).Contains(t, "1 member of staff", "pat@example.org")
	if strings.Contains(r.Body, "sam@example.org") {
		t.Fatal("filter by name did not filter")
	}
	c.Get("/admin/staff?role=sergeant").Contains(t, "sam@example.org", "1 member of staff")
	c.Get("/admin/staff?status=disabled").Contains(t, "0 members of staff", "No staff match")
	c.Get("/admin/staff?q=%00").Status(t, 400)
	c.Get("/admin/staff?role=resident").Status(t, 400)
	if rows := acctAuditRows(t, s, "staff.list"); len(rows) != 4 {
		t.Fatalf("%d staff.list audit rows, want 4", len(rows))
	}
}

func TestVolunteerVerifyAndDecline(t *testing.T) {
	s := newServer(t)
	c, _ := acctAdmin(t, s)
	ctx := context.Background()
	amy := acctResident(t, s, "amy@example.org")
	ben := acctResident(t, s, "ben@example.org")
	amyReq, _ := s.Store.RequestVolunteer(ctx, amy, portal.VolunteerInput{Role: portal.VolunteerNHWCoordinator, Organisation: "Elm Watch", Area: "Elm Road"})
	benReq, _ := s.Store.RequestVolunteer(ctx, ben, portal.VolunteerInput{Role: portal.VolunteerStreetPastor, Organisation: "Pastors", Area: "Centre"})

	c.Get("/admin/volunteers").Status(t, 200).Contains(t, "Waiting for a check (2)", "amy@example.org", "Elm Watch", "No decisions yet")
	c.PostForm(fmt.Sprintf("/admin/volunteers/%d/verify", amyReq), nil).Status(t, 303)
	c.Get("/admin/volunteers").Contains(t, "Volunteer verified", "Waiting for a check (1)")
	if subject, body := acctMail(t, s, "amy@example.org"); subject != "You are registered as a volunteer" || strings.Contains(body, "Elm Watch") {
		t.Fatalf("verified email %q: %q", subject, body)
	}
	if u, _ := s.Store.User(ctx, amy); !u.IsVolunteer() {
		t.Fatal("not a volunteer after verification")
	}
	c.PostForm(fmt.Sprintf("/admin/volunteers/%d/decline", benReq), nil).Status(t, 303)
	c.Get("/admin/volunteers").Contains(t, "Request declined")
	if subject, _ := acctMail(t, s, "ben@example.org"); subject != "Your volunteer registration" {
		t.Fatalf("declined email %q", subject)
	}
	// Deciding again changes nothing.
	c.PostForm(fmt.Sprintf("/admin/volunteers/%d/verify", benReq), nil).Status(t, 303)
	c.Get("/admin/volunteers").Contains(t, "already been decided", "Declined", "Verified")
	if u, _ := s.Store.User(ctx, ben); u.IsVolunteer() {
		t.Fatal("declined request verified later")
	}
	c.PostForm("/admin/volunteers/999999/verify", nil).Status(t, 404)
	for action, target := range map[string]int64{"volunteer.verify": amy, "volunteer.decline": ben} {
		rows := acctAuditRows(t, s, action)
		if len(rows) != 1 || rows[0].TargetID != strconv.FormatInt(target, 10) {
			t.Fatalf("%s audit = %+v", action, rows)
		}
	}
	// The resident sees the outcome.
	rc := s.Client(t)
	rc.SignIn(amy)
	rc.Get("/account").Contains(t, "Verified", "Neighbourhood Watch coordinator")
	rc.SignIn(ben)
	rc.Get("/account").Contains(t, "Not verified", `href="/account/volunteer"`)
}

func TestAuditLogViewer(t *testing.T) {
	s := newServer(t)
	c, adminID := acctAdmin(t, s)
	ctx := context.Background()
	for i := range 60 {
		s.Store.Audit(ctx, portal.AuditEntry{ActorID: adminID, ActorRole: portal.RoleForceAdmin, Action: "report.view",
			TargetType: "report", TargetID: strconv.Itoa(i), Details: map[string]string{"n": strconv.Itoa(i)}})
	}
	s.Store.Audit(ctx, portal.AuditEntry{Action: "staff.invite", TargetType: "user", TargetID: "77"})

	r := c.Get("/admin/audit").Status(t, 200).Contains(t, "Audit log", "staff.invite", "user 77", "report 59", "Older entries")
	if strings.Contains(r.Body, "report 5<") {
		t.Fatal("first page shows more than 50 rows")
	}
	older := regexp.MustCompile(`href="(/admin/audit\?[^"]+)">Older entries`).FindStringSubmatch(r.Body)
	if older == nil {
		t.Fatal("no older entries link")
	}
	page2 := c.Get(strings.ReplaceAll(older[1], "&amp;", "&")).Status(t, 200).Contains(t, "report 0", "Newest entries")
	if strings.Contains(page2.Body, "report 59<") {
		t.Fatal("second page repeats the first")
	}

	f := c.Get("/admin/audit?action=staff").Status(t, 200).Contains(t, "staff.invite", "Clear filters")
	if strings.Contains(f.Body, "report.view") {
		t.Fatal("action filter did not filter")
	}
	c.Get("/admin/audit?actor=ADMIN%40example.org&target-type=report&target-id=7").Status(t, 200).Contains(t, "report 7")
	c.Get("/admin/audit?actor=nobody%40example.org").Status(t, 200).Contains(t, "No account has the email address nobody@example.org")
	today := time.Now().In(time.UTC)
	c.Get(fmt.Sprintf("/admin/audit?from-day=%d&from-month=%d&from-year=%d", today.Day(), today.Month(), today.Year()-1)).
		Status(t, 200).Contains(t, "report 59")
	c.Get("/admin/audit?from-day=1&from-month=1&from-year=2099").Status(t, 200).Contains(t, "No entries match")
	c.Get("/admin/audit?from-day=31&from-month=2&from-year=2025&action=staff%25").Status(t, 422).
		Contains(t, "From date must be a real date", "Action must be lower-case words", `href="#from"`, `value="31"`)
	c.Get("/admin/audit?from-day=2&from-month=3&from-year=2025&to-day=1&to-month=3&to-year=2025").Status(t, 422).
		Contains(t, "To date must be the same as or after the from date", `href="#to"`)
	c.Get("/admin/audit?to-day=1&to-year=2025").Status(t, 422).Contains(t, "To date must include a day, month and year")
	c.Get("/admin/audit?actor=%ff").Status(t, 400)
	if rows := acctAuditRows(t, s, "audit.view"); len(rows) < 5 {
		t.Fatalf("%d audit.view rows", len(rows))
	}
}
