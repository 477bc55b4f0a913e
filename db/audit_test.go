package db_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// TestAuditLogIsAppendOnly runs UPDATE, DELETE and TRUNCATE on audit_log as
// the application's own role (the store's DATABASE_URL; in tests a
// superuser, which the trigger stops too): each must fail and leave the row.
func TestAuditLogIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	store, dbURL := dbtest.New(t)
	if err := store.Audit(ctx, portal.AuditEntry{ActorID: 7, ActorRole: portal.RoleSergeant, Action: "report.view",
		TargetType: "report", TargetID: "42"}); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		`UPDATE audit_log SET action = 'report.edit'`,
		`UPDATE audit_log SET details = '{"note":"changed"}' WHERE id = (SELECT min(id) FROM audit_log)`,
		`DELETE FROM audit_log`,
		`DELETE FROM audit_log WHERE target_id = '42'`,
		`TRUNCATE audit_log`,
		`TRUNCATE audit_log RESTART IDENTITY CASCADE`,
	} {
		_, err := conn.ExecContext(ctx, q)
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || pqErr.Code != "42501" || !strings.Contains(pqErr.Message, "append-only") {
			t.Errorf("%s: err = %v, want insufficient_privilege from the append-only trigger", q, err)
		}
	}
	rows, err := store.AuditLog(ctx, db.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Action != "report.view" || rows[0].TargetID != "42" || len(rows[0].Details) != 0 {
		t.Fatalf("audit log after the attempts: %+v", rows)
	}
}

// TestAuditInTransaction checks that an audit row written in a transaction
// exists only if the transaction commits, like the change it records.
func TestAuditInTransaction(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	errBoom := errors.New("the change failed")
	for _, fail := range []bool{true, false} {
		err := store.InTx(ctx, func(tx *db.Tx) error {
			if err := tx.Audit(ctx, portal.AuditEntry{Action: "staff.invite", TargetType: "user", TargetID: "9"}); err != nil {
				return err
			}
			if fail {
				return errBoom
			}
			return nil
		})
		if fail != errors.Is(err, errBoom) || (!fail && err != nil) {
			t.Fatalf("fail=%v: InTx = %v", fail, err)
		}
	}
	rows, err := store.AuditLog(ctx, db.AuditFilter{})
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows %+v, err %v: want exactly the committed one", rows, err)
	}
}

// TestAuditLogFilters checks every filter of AuditLog, alone and together,
// and paging newest first.
func TestAuditLogFilters(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	sergeant, err := store.CreateUser(ctx, db.NewUser{Email: "Sergeant@Example.org", Role: portal.RoleSergeant})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := store.CreateUser(ctx, db.NewUser{Email: "admin@example.org", Role: portal.RoleForceAdmin})
	if err != nil {
		t.Fatal(err)
	}
	entries := []portal.AuditEntry{
		{ActorID: sergeant, ActorRole: portal.RoleSergeant, Action: "report.view", TargetType: "report", TargetID: "1", ClientIP: "192.0.2.10"},
		{ActorID: sergeant, ActorRole: portal.RoleSergeant, Action: "report.edit", TargetType: "report", TargetID: "1",
			Details: map[string]string{"field": "priority", "to": "high"}},
		{ActorID: admin, ActorRole: portal.RoleForceAdmin, Action: "staff.invite", TargetType: "user", TargetID: "5", ClientIP: "unknown"},
		{ActorID: admin, ActorRole: portal.RoleForceAdmin, Action: "staff.disable", TargetType: "user", TargetID: "5"},
		{ActorID: admin, ActorRole: portal.RoleForceAdmin, Action: "staffing.plan", TargetType: "lpa", TargetID: "1"},
		{Action: "system.prune", TargetType: "", TargetID: ""}, // no actor: the system itself
	}
	// mark[i] is a moment just before entry i was written (same host, so the
	// same clock as PostgreSQL's).
	mark := make([]time.Time, len(entries)+1)
	for i, e := range entries {
		mark[i] = time.Now()
		time.Sleep(5 * time.Millisecond)
		if err := store.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mark[len(entries)] = time.Now()
	tests := []struct {
		name string
		f    db.AuditFilter
		want []string // actions, newest first
	}{
		{"everything", db.AuditFilter{}, []string{"system.prune", "staffing.plan", "staff.disable", "staff.invite", "report.edit", "report.view"}},
		{"actor", db.AuditFilter{ActorID: sergeant}, []string{"report.edit", "report.view"}},
		{"action prefix stops at a dot", db.AuditFilter{Action: "staff"}, []string{"staff.disable", "staff.invite"}},
		{"exact action", db.AuditFilter{Action: "staff.invite"}, []string{"staff.invite"}},
		{"partial word matches nothing", db.AuditFilter{Action: "staf"}, nil},
		{"LIKE wildcards are literal", db.AuditFilter{Action: "staf_"}, nil},
		{"LIKE wildcards are literal (%)", db.AuditFilter{Action: "%"}, nil},
		{"target type", db.AuditFilter{TargetType: "user"}, []string{"staff.disable", "staff.invite"}},
		{"target", db.AuditFilter{TargetType: "report", TargetID: "1"}, []string{"report.edit", "report.view"}},
		{"target id alone", db.AuditFilter{TargetID: "1"}, []string{"staffing.plan", "report.edit", "report.view"}},
		{"from", db.AuditFilter{From: mark[2]}, []string{"system.prune", "staffing.plan", "staff.disable", "staff.invite"}},
		{"to", db.AuditFilter{To: mark[2]}, []string{"report.edit", "report.view"}},
		{"date range", db.AuditFilter{From: mark[2], To: mark[4]}, []string{"staff.disable", "staff.invite"}},
		{"combined", db.AuditFilter{ActorID: admin, Action: "staff", From: mark[3]}, []string{"staff.disable"}},
		{"no match", db.AuditFilter{ActorID: sergeant, TargetType: "user"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := store.AuditLog(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := actions(rows); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("fields round-trip", func(t *testing.T) {
		rows, err := store.AuditLog(ctx, db.AuditFilter{ActorID: sergeant})
		if err != nil {
			t.Fatal(err)
		}
		edit, view := rows[0], rows[1]
		if edit.ActorEmail != "sergeant@example.org" || edit.ActorRole != portal.RoleSergeant || edit.Details["to"] != "high" {
			t.Errorf("edit row %+v", edit)
		}
		if view.ClientIP != "192.0.2.10" || view.At.Before(mark[0]) || !view.At.Before(mark[1]) {
			t.Errorf("view row: ip %q at %v", view.ClientIP, view.At)
		}
		sys, _ := store.AuditLog(ctx, db.AuditFilter{Action: "system"})
		if len(sys) != 1 || sys[0].ActorID != 0 || sys[0].ActorEmail != "" || sys[0].ClientIP != "" {
			t.Errorf("system row %+v", sys)
		}
	})

	t.Run("paging", func(t *testing.T) {
		var pages [][]string
		f := db.AuditFilter{Limit: 4}
		for {
			rows, err := store.AuditLog(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				break
			}
			pages = append(pages, actions(rows))
			f.BeforeID = rows[len(rows)-1].ID
		}
		if len(pages) != 2 || len(pages[0]) != 4 || strings.Join(pages[1], ",") != "report.edit,report.view" {
			t.Fatalf("pages %v", pages)
		}
	})
}

func actions(rows []portal.AuditRecord) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Action)
	}
	return out
}
