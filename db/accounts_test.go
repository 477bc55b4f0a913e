package db_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
	_ "github.com/lib/pq"
)

// acctSQL runs statements directly, for setting up and ageing rows.
func acctSQL(t *testing.T, url string, stmts ...string) {
	t.Helper()
	conn, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// acctSeedAreas creates two LPAs: North (neighbourhoods N1, N2) and South (S1).
func acctSeedAreas(t *testing.T, url string) {
	t.Helper()
	acctSQL(t, url,
		`INSERT INTO forces (code, name) VALUES ('F1', 'Test Force')`,
		`INSERT INTO local_authorities (code, name) VALUES ('LA1', 'Test Council')`,
		`INSERT INTO lpas (force_id, code, name) SELECT id, 'LPA-N', 'North' FROM forces
		 UNION ALL SELECT id, 'LPA-S', 'South' FROM forces`,
		`INSERT INTO neighbourhoods (lpa_id, local_authority_id, code, name, boundary)
		 SELECT l.id, a.id, v.code, v.name, ST_Multi(ST_MakeEnvelope(v.x, 0, v.x + 1, 1, 4326))
		   FROM (VALUES ('LPA-N', 'N1', 'Northgate', 0), ('LPA-N', 'N2', 'Newtown', 1), ('LPA-S', 'S1', 'Southside', 2))
		        AS v(lpa, code, name, x)
		   JOIN lpas l ON l.code = v.lpa CROSS JOIN local_authorities a`)
}

func acctHash(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func TestSignInLinkCreatesResidentOnFirstUse(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	if err := store.CreateSignInLink(ctx, "Resident@Example.org", acctHash("t1"), acctHash("b1"), 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if kind, _ := store.EmailAccountKind(ctx, "resident@example.org"); kind != "" {
		t.Fatalf("account created before the link was used: kind %q", kind)
	}
	if l, err := store.SignInLink(ctx, acctHash("t1")); err != nil || !l.Live || string(l.BrowserHash) != string(acctHash("b1")) {
		t.Fatalf("link = %+v, %v", l, err)
	}
	if _, err := store.UseSignInLink(ctx, acctHash("t1"), acctHash("other browser")); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("another browser: err = %v, want ErrNotFound", err)
	}
	id, err := store.UseSignInLink(ctx, acctHash("t1"), acctHash("b1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.UseSignInLink(ctx, acctHash("t1"), acctHash("b1")); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("second use: err = %v, want ErrNotFound", err)
	}
	if l, _ := store.SignInLink(ctx, acctHash("t1")); l.Live {
		t.Fatal("used link still live")
	}
	acc, err := store.ResidentAccount(ctx, id)
	if err != nil || acc.Email != "resident@example.org" || acc.Role != portal.RoleResident || acc.LastSignInAt.IsZero() {
		t.Fatalf("account = %+v, %v", acc, err)
	}
	// A later link signs in to the same account.
	store.CreateSignInLink(ctx, "resident@example.org", acctHash("t2"), acctHash("b1"), 15*time.Minute)
	if again, err := store.UseSignInLink(ctx, acctHash("t2"), acctHash("b1")); err != nil || again != id {
		t.Fatalf("second sign-in: id %d (%v), want %d", again, err, id)
	}
}

func TestSignInLinkExpiresAndRefusesStaff(t *testing.T) {
	store, url := dbtest.New(t)
	ctx := context.Background()
	store.CreateSignInLink(ctx, "late@example.org", acctHash("late"), acctHash("b"), 15*time.Minute)
	acctSQL(t, url, `UPDATE resident_sign_in_links SET created_at = created_at - interval '15 minutes 1 second',
		expires_at = expires_at - interval '15 minutes 1 second'`)
	if l, err := store.SignInLink(ctx, acctHash("late")); err != nil || l.Live {
		t.Fatalf("expired link = %+v, %v", l, err)
	}
	if _, err := store.UseSignInLink(ctx, acctHash("late"), acctHash("b")); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("expired link: err = %v", err)
	}
	if _, err := store.SignInLink(ctx, acctHash("never issued")); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unknown link: err = %v", err)
	}

	if _, err := store.CreateUser(ctx, db.NewUser{Email: "pc@example.org", Role: portal.RolePCSO}); err != nil {
		t.Fatal(err)
	}
	store.CreateSignInLink(ctx, "pc@example.org", acctHash("staff"), acctHash("b"), 15*time.Minute)
	if _, err := store.UseSignInLink(ctx, acctHash("staff"), acctHash("b")); !errors.Is(err, portal.ErrForbidden) {
		t.Fatalf("staff address: err = %v, want ErrForbidden", err)
	}
	if kind, _ := store.EmailAccountKind(ctx, "PC@example.org"); kind != "staff" {
		t.Fatalf("kind = %q", kind)
	}
}

func TestVolunteerVerification(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	admin, _ := store.CreateUser(ctx, db.NewUser{Email: "admin@example.org", Role: portal.RoleForceAdmin})
	res, _ := store.CreateUser(ctx, db.NewUser{Email: "nhw@example.org", Role: portal.RoleResident})
	other, _ := store.CreateUser(ctx, db.NewUser{Email: "sp@example.org", Role: portal.RoleResident})
	in := portal.VolunteerInput{Role: portal.VolunteerNHWCoordinator, Organisation: "Elm Road Watch", Area: "Elm Road"}
	id, err := store.RequestVolunteer(ctx, res, in)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := store.RequestVolunteer(ctx, res, in); err != nil || again != id {
		t.Fatalf("second request: %d (%v), want %d", again, err, id)
	}
	if _, err := store.RequestVolunteer(ctx, admin, in); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("staff asked to volunteer: err = %v", err)
	}
	declined, _ := store.RequestVolunteer(ctx, other, portal.VolunteerInput{Role: portal.VolunteerStreetPastor, Organisation: "SP", Area: "Town"})
	pending, err := store.PendingVolunteers(ctx)
	if err != nil || len(pending) != 2 || pending[0].Email != "nhw@example.org" || pending[0].Status != portal.VolunteerPending {
		t.Fatalf("pending = %+v, %v", pending, err)
	}

	err = store.InTx(ctx, func(tx *db.Tx) error {
		v, err := tx.DecideVolunteer(ctx, id, portal.VolunteerVerified, admin)
		if err == nil && v.Email != "nhw@example.org" {
			t.Errorf("decided request email %q", v.Email)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := store.User(ctx, res)
	if !u.IsVolunteer() || u.VolunteerRole != portal.VolunteerNHWCoordinator {
		t.Fatalf("verified resident: %+v", u)
	}
	err = store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.DecideVolunteer(ctx, id, portal.VolunteerDeclined, admin)
		return err
	})
	if !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("deciding twice: err = %v, want ErrConflict", err)
	}
	store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.DecideVolunteer(ctx, declined, portal.VolunteerDeclined, admin)
		return err
	})
	if u, _ := store.User(ctx, other); u.VolunteerRole != "" {
		t.Fatalf("declined resident has volunteer role %q", u.VolunteerRole)
	}
	acc, _ := store.ResidentAccount(ctx, other)
	if acc.Volunteer == nil || acc.Volunteer.Status != portal.VolunteerDeclined || acc.Volunteer.DecidedAt.IsZero() {
		t.Fatalf("account volunteer = %+v", acc.Volunteer)
	}
	// After a decline a resident may ask again.
	if _, err := store.RequestVolunteer(ctx, other, in); err != nil {
		t.Fatal(err)
	}
	decided, _ := store.DecidedVolunteers(ctx, 10)
	if len(decided) != 2 {
		t.Fatalf("decided = %d, want 2", len(decided))
	}
}

func TestDeleteResidentCascades(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	res, _ := store.CreateUser(ctx, db.NewUser{Email: "gone@example.org", Role: portal.RoleResident})
	staff, _ := store.CreateUser(ctx, db.NewUser{Email: "pc@example.org", Role: portal.RolePCSO})
	store.RequestVolunteer(ctx, res, portal.VolunteerInput{Role: portal.VolunteerOther, Organisation: "O", Area: "A"})
	store.CreateSignInLink(ctx, "gone@example.org", acctHash("x"), acctHash("b"), time.Minute)
	if err := store.SaveSession(ctx, acctHash("sess"), []byte("data"), res, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteResident(ctx, res); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SessionData(ctx, acctHash("sess")); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("session survived deletion: %v", err)
	}
	if _, err := store.SignInLink(ctx, acctHash("x")); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("sign-in link survived deletion: %v", err)
	}
	if p, _ := store.PendingVolunteers(ctx); len(p) != 0 {
		t.Fatalf("volunteer request survived: %+v", p)
	}
	if err := store.DeleteResident(ctx, staff); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("deleting staff here: err = %v, want ErrNotFound", err)
	}
}

func TestStaffListAreasAndChanges(t *testing.T) {
	store, url := dbtest.New(t)
	ctx := context.Background()
	acctSeedAreas(t, url)
	var pc, sgt int64
	err := store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if pc, err = tx.CreateUser(ctx, db.NewUser{Email: "pc@example.org", Role: portal.RolePCSO, DisplayName: "Pat Cole"}); err != nil {
			return err
		}
		if err := tx.SetStaffAreas(ctx, pc, []string{"LPA-S"}, []string{"N1"}); err != nil {
			return err
		}
		if sgt, err = tx.CreateUser(ctx, db.NewUser{Email: "sgt_1@example.org", Role: portal.RoleSergeant}); err != nil {
			return err
		}
		_, err = tx.CreateAuthToken(ctx, pc, portal.TokenPasswordSet, portal.StaffInviteLifetime)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	store.CreateUser(ctx, db.NewUser{Email: "resident@example.org", Role: portal.RoleResident})

	all, err := store.ListStaff(ctx, db.StaffFilter{})
	if err != nil || len(all) != 2 || all[0].Email != "pc@example.org" {
		t.Fatalf("staff = %+v, %v", all, err)
	}
	want := []portal.StaffArea{{LPA: true, Code: "LPA-S", Name: "South"}, {Code: "N1", Name: "Northgate"}}
	if !slices.Equal(all[0].Areas, want) || len(all[1].Areas) != 0 || all[1].ID != sgt {
		t.Fatalf("areas = %+v / %+v", all[0].Areas, all[1].Areas)
	}
	for _, tt := range []struct {
		f    db.StaffFilter
		want int
	}{
		{db.StaffFilter{Query: "PAT"}, 1},
		{db.StaffFilter{Query: "_"}, 1}, // a literal underscore, not a wildcard
		{db.StaffFilter{Query: "%"}, 0},
		{db.StaffFilter{Role: portal.RoleSergeant}, 1},
		{db.StaffFilter{Status: "disabled"}, 0},
		{db.StaffFilter{Status: "active"}, 2},
	} {
		if got, err := store.ListStaff(ctx, tt.f); err != nil || len(got) != tt.want {
			t.Errorf("ListStaff(%+v) = %d rows (%v), want %d", tt.f, len(got), err, tt.want)
		}
	}

	store.SaveSession(ctx, acctHash("pc session"), []byte("d"), pc, time.Now().Add(time.Hour))
	err = store.InTx(ctx, func(tx *db.Tx) error {
		old, err := tx.SetStaffRole(ctx, pc, portal.RoleOfficer)
		if err == nil && old != portal.RolePCSO {
			t.Errorf("old role %q", old)
		}
		if err != nil {
			return err
		}
		return tx.SetStaffDisabled(ctx, pc, true)
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := store.StaffMember(ctx, pc)
	if err != nil || m.Role != portal.RoleOfficer || !m.Disabled || len(m.Areas) != 2 {
		t.Fatalf("member = %+v, %v", m, err)
	}
	if _, err := store.SessionData(ctx, acctHash("pc session")); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("disabled staff session survived: %v", err)
	}
	store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffDisabled(ctx, pc, false) })
	if m, _ := store.StaffMember(ctx, pc); m.Disabled {
		t.Fatal("re-enabled member still disabled")
	}
	res, _ := store.UserIDByEmail(ctx, "resident@example.org")
	if _, err := store.StaffMember(ctx, res); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("resident as staff member: err = %v", err)
	}
	err = store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffDisabled(ctx, res, true) })
	if !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("disabling a resident: err = %v", err)
	}
}

func TestStaffInvitedWithKey(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	key := "0123456789abcdef0123456789abcdef"
	if _, err := store.StaffInvitedWithKey(ctx, key); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	store.Audit(ctx, portal.AuditEntry{Action: "staff.invite", TargetType: "user", TargetID: "42", Details: map[string]string{"key": key}})
	if id, err := store.StaffInvitedWithKey(ctx, key); err != nil || id != 42 {
		t.Fatalf("id = %d, %v", id, err)
	}
}
