package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// userEnv runs beacon commands against a fresh database that has LPAs north
// and south and a neighbourhood north-riverside.
func userEnv(t *testing.T) (func(args ...string) (string, error), *db.Store, *sql.DB) {
	t.Helper()
	store, dbURL := dbtest.New(t)
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "DEV": "1", "BASE_URL": "https://beacon.example.org"})
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Exec(`
		INSERT INTO forces (code, name) VALUES ('test', 'Test Police');
		INSERT INTO local_authorities (code, name) VALUES ('la', 'Test Council');
		INSERT INTO lpas (force_id, code, name) SELECT id, 'north', 'North' FROM forces;
		INSERT INTO lpas (force_id, code, name) SELECT id, 'south', 'South' FROM forces;
		INSERT INTO neighbourhoods (lpa_id, local_authority_id, code, name, boundary)
		SELECT l.id, a.id, l.code || '-riverside', 'Riverside', ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326))
		  FROM lpas l, local_authorities a`); err != nil {
		t.Fatal(err)
	}
	return func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var out bytes.Buffer
		err := run(ctx, args, getenv, &out)
		return out.String(), err
	}, store, conn
}

func userLastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestUserCreatePrintsAPasswordLink(t *testing.T) {
	beacon, store, conn := userEnv(t)
	ctx := context.Background()
	out, err := beacon("user", "create", "--email", "Chief@Force.example", "--role", "force_admin", "--name", "Jo Chief")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	link := userLastLine(out)
	const prefix = "https://beacon.example.org/staff/password/set/"
	if !strings.HasPrefix(link, prefix) || len(link) != len(prefix)+43 {
		t.Fatalf("last line %q is not a password-setting link", link)
	}
	u, err := store.AuthTokenUser(ctx, strings.TrimPrefix(link, prefix), portal.TokenPasswordSet)
	if err != nil || u.Email != "chief@force.example" || u.Role != portal.RoleForceAdmin || u.DisplayName != "Jo Chief" || !u.Scope.All {
		t.Fatalf("the link's account: %+v, %v", u, err)
	}
	var to, body string
	if err := conn.QueryRow(`SELECT recipient, text_body FROM outbox`).Scan(&to, &body); err != nil || to != u.Email || !strings.Contains(body, link) {
		t.Fatalf("emailed link: %q %v\n%s", to, err, body)
	}
	rows, err := store.AuditLog(ctx, db.AuditFilter{Action: "staff.create"})
	if err != nil || len(rows) != 1 || rows[0].ActorID != 0 || rows[0].Details["via"] != "command line" {
		t.Fatalf("audit rows %+v, %v", rows, err)
	}

	out, err = beacon("user", "create", "--email", "pc@force.example", "--role", "officer", "--areas", "south, north-riverside")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	id, _ := store.UserIDByEmail(ctx, "pc@force.example")
	if u, _ := store.User(ctx, id); len(u.Scope.Neighbourhoods) != 2 || u.Role != portal.RoleOfficer {
		t.Fatalf("officer: %+v", u)
	}
}

func TestUserCreateRejectsBadInput(t *testing.T) {
	beacon, _, conn := userEnv(t)
	if _, err := beacon("user", "create", "--email", "taken@force.example", "--role", "pcso", "--areas", "north"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"user"}, "usage"},
		{"unknown subcommand", []string{"user", "delete"}, "usage"},
		{"unknown flag", []string{"user", "create", "--colour", "red"}, "flag provided but not defined"},
		{"bad role", []string{"user", "create", "--email", "a@force.example", "--role", "chief", "--areas", "north"}, "--role must be one of"},
		{"resident role", []string{"user", "create", "--email", "a@force.example", "--role", "resident"}, "--role must be one of"},
		{"bad email", []string{"user", "create", "--email", "nobody", "--role", "force_admin"}, "--email must be"},
		{"no areas", []string{"user", "create", "--email", "a@force.example", "--role", "sergeant"}, "--areas is required"},
		{"areas for an admin", []string{"user", "create", "--email", "a@force.example", "--role", "force_admin", "--areas", "north"}, "cover every area"},
		{"unknown area", []string{"user", "create", "--email", "a@force.example", "--role", "pcso", "--areas", "north,atlantis"}, "unknown area code atlantis"},
		{"taken email", []string{"user", "create", "--email", "Taken@force.example", "--role", "pcso", "--areas", "north"}, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := beacon(tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(out, "/staff/password/set/") {
				t.Fatalf("printed a link although it failed: %q", out)
			}
		})
	}
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d users after the failures, want 1", n)
	}
}

func TestDemoStaff(t *testing.T) {
	_, store, _ := userEnv(t)
	ctx := context.Background()
	// The test's own areas have the codes the demo staff need.
	for range 2 {
		var out bytes.Buffer
		if err := loadDemoStaff(ctx, store, &out); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"password for all: demo-password-2026", "pcso@demoshire.police.example",
			"coordinator@demoshire.police.example", "Force administrator"} {
			if !strings.Contains(out.String(), want) {
				t.Fatalf("output lacks %q:\n%s", want, out.String())
			}
		}
	}
	if fe := (portal.NewPassword{Password: demoStaffPassword, Email: "coordinator@" + portal.DemoStaffDomain}).Validate(); fe.Any() {
		t.Fatalf("the demo password fails the policy: %v", fe)
	}
	for _, d := range demoStaff {
		email := d.local + "@" + portal.DemoStaffDomain
		c, err := store.StaffCredentials(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := portal.VerifyPassword(c.PasswordHash, demoStaffPassword); !ok {
			t.Fatalf("%s: the demo password does not work", email)
		}
		u, _ := store.User(ctx, c.UserID)
		if u.Role != d.role || (d.role == portal.RolePCSO && len(u.Scope.Neighbourhoods) != 1) ||
			(d.role == portal.RoleOfficer && len(u.Scope.Neighbourhoods) != 1) {
			t.Fatalf("%s: %+v", email, u)
		}
	}
}

// TestDemoCommandLoadsStaff runs the real `beacon demo` (geography, then
// staff) twice on an empty database.
func TestDemoCommandLoadsStaff(t *testing.T) {
	dbURL := dbtest.NewDatabase(t)
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "DEV": "1"})
	for range 2 {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"demo"}, getenv, &out); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "admin@demoshire.police.example") {
			t.Fatalf("no sign-ins printed:\n%s", out.String())
		}
	}
}
