package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db/dbtest"
)

// TestDemoCommandLoadsCommunity runs `beacon demo` twice: the demo
// priorities, messages and Neighbourhood Watch scheme are loaded once.
func TestDemoCommandLoadsCommunity(t *testing.T) {
	dbURL := dbtest.NewDatabase(t)
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "DEV": "1"})
	for i := range 2 {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"demo"}, getenv, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out.String())
		}
		if !strings.Contains(out.String(), "Demo community: ") {
			t.Fatalf("run %d printed:\n%s", i, out.String())
		}
	}
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for q, want := range map[string]int{
		`SELECT count(*) FROM neighbourhood_priorities`:                      2,
		`SELECT count(*) FROM team_messages`:                                 2,
		`SELECT count(*) FROM team_message_areas`:                            4, // Riverside, and the whole North LPA
		`SELECT count(*) FROM watch_schemes WHERE status = 'approved'`:       1,
		`SELECT count(*) FROM users WHERE volunteer_verified_at IS NOT NULL`: 1,
	} {
		var n int
		if err := conn.QueryRow(q).Scan(&n); err != nil || n != want {
			t.Errorf("%s = %d (%v), want %d", q, n, err, want)
		}
	}
}
