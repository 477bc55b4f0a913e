package main

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// TestDemoApplicationsLoadOnce loads the demo case review applications
// twice: the same two, one just received and one past its threshold decision.
func TestDemoApplicationsLoadOnce(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	var first []string
	for i := range 2 {
		if err := loadDemoPolicies(ctx, store, io.Discard); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		refs, err := loadDemoApplications(ctx, store, time.Now())
		if err != nil || len(refs) != 2 || (first != nil && !slices.Equal(refs, first)) {
			t.Fatalf("run %d: %v %v (first %v)", i, refs, err, first)
		}
		first = refs
	}
	q, err := store.CaseReviewQueue(ctx, portal.Scope{All: true}, db.CaseReviewQueueFilter{})
	if err != nil || len(q) != 2 {
		t.Fatalf("queue %+v %v", q, err)
	}
	statuses := map[string]portal.ApplicationStatus{}
	for _, a := range q {
		statuses[a.Reference] = a.Progress.Status
	}
	if statuses[first[0]] != portal.ApplicationReceived || statuses[first[1]] != portal.ApplicationThresholdMet {
		t.Fatalf("statuses %v", statuses)
	}
}
