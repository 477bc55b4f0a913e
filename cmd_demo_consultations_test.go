package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db/dbtest"
)

// TestDemoCommandLoadsConsultations runs `beacon demo` twice: the demo
// consultation and its questions are loaded once, published and open.
func TestDemoCommandLoadsConsultations(t *testing.T) {
	dbURL := dbtest.NewDatabase(t)
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "DEV": "1"})
	for i := range 2 {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"demo"}, getenv, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out.String())
		}
		if !strings.Contains(out.String(), "Demo consultations: ") {
			t.Fatalf("run %d printed:\n%s", i, out.String())
		}
	}
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for q, want := range map[string]int{
		`SELECT count(*) FROM consultations WHERE state = 'published' AND kind = 'priorities'`: 1,
		`SELECT count(*) FROM consultation_questions`:                                          4,
		`SELECT count(*) FROM consultation_questions WHERE show_if_question_id IS NOT NULL`:    1,
		`SELECT count(*) FROM consultation_comments WHERE state = 'pending'`:                   1,
		`SELECT count(*) FROM moderation_items WHERE kind = 'consultation_comment'`:            1,
	} {
		var n int
		if err := conn.QueryRow(q).Scan(&n); err != nil || n != want {
			t.Errorf("%s = %d (%v), want %d", q, n, err, want)
		}
	}
}
