package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db/dbtest"
)

// TestDemoCommandLoadsCases runs `beacon demo` twice: the demo cases, their
// work and the letter templates are loaded once.
func TestDemoCommandLoadsCases(t *testing.T) {
	dbURL := dbtest.NewDatabase(t)
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "DEV": "1"})
	for i, want := range []string{"Demo cases: 2 added (4 letter templates added)", "Demo cases: 0 added (0 letter templates added)"} {
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
		`SELECT count(*) FROM cases`:         2,
		`SELECT count(*) FROM interventions`: 5,
		`SELECT count(*) FROM interventions WHERE letter_body LIKE '%Castle%' OR letter_body LIKE '%Riverside%'`: 1,
		`SELECT count(*) FROM interventions WHERE letter_body LIKE '%{{%'`:                                       0,
		`SELECT count(*) FROM case_notes`:                                3,
		`SELECT count(*) FROM case_reviews`:                              1,
		`SELECT count(*) FROM letter_templates`:                          4,
		`SELECT count(*) FROM cases WHERE next_review_at < current_date`: 1,
	} {
		var n int
		if err := conn.QueryRow(q).Scan(&n); err != nil || n != want {
			t.Errorf("%s = %d (%v), want %d", q, n, err, want)
		}
	}
}
