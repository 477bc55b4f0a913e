package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// TestDemoCommandLoadsReports runs `beacon demo` twice: the demo reports
// are loaded once, with their risks, histories and repeat flags.
func TestDemoCommandLoadsReports(t *testing.T) {
	dbURL := dbtest.NewDatabase(t)
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "DEV": "1"})
	for i, want := range []string{"Demo reports: 60 loaded", "Demo reports: 60 already loaded"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"demo"}, getenv, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Fatalf("run %d printed:\n%s\nwant %q", i, out.String(), want)
		}
	}
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for q, want := range map[string]int{
		`SELECT count(*) FROM reports`:                                                                                                                              60,
		`SELECT count(DISTINCT neighbourhood_id) FROM reports`:                                                                                                      6,
		`SELECT count(*) FROM reports WHERE created_at < now() - interval '181 days' OR created_at > now()`:                                                         0,
		`SELECT count(*) FROM reports WHERE status = 'closed' AND (outcome = '' OR closed_at IS NULL)`:                                                              0,
		`SELECT count(*) FROM reports WHERE status <> 'closed' AND closed_at IS NOT NULL`:                                                                           0,
		`SELECT count(*) FROM reports WHERE due_at IS NULL`:                                                                                                         0,
		`SELECT count(*) FROM reports r WHERE NOT EXISTS (SELECT 1 FROM report_events e WHERE e.report_id = r.id AND e.kind = 'submitted' AND e.at = r.created_at)`: 0,
		`SELECT count(*) FROM reports r WHERE status <> 'new' AND NOT EXISTS (SELECT 1 FROM report_events e WHERE e.report_id = r.id AND e.kind = 'status')`:        0,
		`SELECT count(*) FROM outbox WHERE recipient LIKE '%residents.example'`:                                                                                     0,
		`SELECT count(*) FROM reports WHERE reporter_email <> '' AND reporter_email NOT LIKE '%@residents.example'`:                                                 0,
	} {
		var n int
		if err := conn.QueryRow(q).Scan(&n); err != nil || n != want {
			t.Errorf("%s = %d (%v), want %d", q, n, err, want)
		}
	}
	var statuses, risks, hate int
	if err := conn.QueryRow(`SELECT count(DISTINCT status), count(DISTINCT risk), count(*) FILTER (WHERE hate = 'yes') FROM reports`).
		Scan(&statuses, &risks, &hate); err != nil || statuses != 4 || risks != 3 || hate < 2 {
		t.Fatalf("%d statuses, %d risks, %d hate (%v)", statuses, risks, hate, err)
	}

	store, err := db.Open(context.Background(), dbURL, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var ids []int64
	rows, err := conn.Query(`SELECT id FROM reports`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	flags, err := store.ReportsFlags(context.Background(), portal.Scope{All: true}, ids)
	if err != nil {
		t.Fatal(err)
	}
	var victim, location, subject int
	for _, f := range flags {
		victim += btoi(f.RepeatVictim)
		location += btoi(f.RepeatLocation)
		subject += btoi(f.RepeatSubject)
	}
	if victim < 2 || location < 2 || subject < 1 {
		t.Fatalf("repeat flags: %d victim, %d location, %d subject", victim, location, subject)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
