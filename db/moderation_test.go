package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

func modScope(u portal.User) db.ModerationScope {
	return db.ModerationScope{Scope: u.Scope, Unplaced: portal.ModeratesUnplaced(u.Role)}
}

func TestModerationQueueScopeAndOrder(t *testing.T) {
	f := newInsightFixture(t)
	ctx := context.Background()
	enqueue := func(ref int64, nbh int64, body string) int64 {
		t.Helper()
		id, err := f.store.EnqueueModeration(ctx, db.NewModerationItem{Kind: "test_comment", RefID: ref, NeighbourhoodID: nbh, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	riverside := enqueue(1, f.riverside, "First, in Riverside")
	castle := enqueue(2, f.castle, "Second, in Castle")
	force := enqueue(3, 0, "Third, force-wide")
	if _, err := f.conn.Exec(`UPDATE moderation_items SET created_at = now() + id * interval '1 minute'`); err != nil {
		t.Fatal(err)
	}

	// Sending the same text again changes nothing; changed text waits again.
	if again := enqueue(1, f.riverside, "First, in Riverside"); again != riverside {
		t.Fatalf("same text enqueued as %d, was %d", again, riverside)
	}

	ids := func(items []portal.ModerationItem) []int64 {
		var out []int64
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		u    portal.User
		want []int64
	}{
		{"PCSO sees their neighbourhood only", f.pcso, []int64{riverside}},
		{"sergeant sees the LPA and force-wide", f.sergeant, []int64{riverside, castle, force}},
		{"force admin sees all", f.all, []int64{riverside, castle, force}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pending, done, err := f.store.ModerationQueue(ctx, modScope(tt.u), 10)
			if err != nil || len(done) != 0 {
				t.Fatal(err, done)
			}
			if got := ids(pending); len(got) != len(tt.want) || got[0] != tt.want[0] || got[len(got)-1] != tt.want[len(tt.want)-1] {
				t.Fatalf("pending %v, want %v (oldest first)", got, tt.want)
			}
			n, err := f.store.PendingModerationCount(ctx, modScope(tt.u))
			if err != nil || n != len(tt.want) {
				t.Fatalf("count %d, %v", n, err)
			}
		})
	}
	// Out of scope answers not found, like a missing item.
	for _, id := range []int64{castle, force, 99999} {
		if _, err := f.store.ModerationItem(ctx, id, modScope(f.pcso)); !errors.Is(err, portal.ErrNotFound) {
			t.Errorf("PCSO reading item %d: %v", id, err)
		}
		err := f.store.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.DecideModeration(ctx, id, modScope(f.pcso), portal.ModerationDecision{Action: portal.ModerationApprove}, f.pcso.ID)
			return err
		})
		if !errors.Is(err, portal.ErrNotFound) {
			t.Errorf("PCSO deciding item %d: %v", id, err)
		}
	}
}

func TestModerationDecisions(t *testing.T) {
	f := newInsightFixture(t)
	ctx := context.Background()
	id, err := f.store.EnqueueModeration(ctx, db.NewModerationItem{Kind: "test_comment", RefID: 7, NeighbourhoodID: f.riverside,
		Body: "Sam at number 12 is dealing"})
	if err != nil {
		t.Fatal(err)
	}
	decide := func(u portal.User, d portal.ModerationDecision) (portal.ModerationItem, error) {
		var item portal.ModerationItem
		err := f.store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			item, err = tx.DecideModeration(ctx, id, modScope(u), d, u.ID)
			return err
		})
		return item, err
	}
	// Invalid: nothing changes.
	var fe portal.FieldErrors
	if _, err := decide(f.pcso, portal.ModerationDecision{Action: portal.ModerationReject}); !errors.As(err, &fe) || fe["reason"] == "" {
		t.Fatalf("reject without reason: %v", err)
	}
	edit := portal.ModerationDecision{Action: portal.ModerationEdit, EditedBody: "Someone nearby is dealing",
		RedactionNote: "A name and a house number"}
	item, err := decide(f.pcso, edit)
	if err != nil {
		t.Fatal(err)
	}
	if item.Status != portal.ModerationApproved || !item.Edited || item.Published() != "Someone nearby is dealing" ||
		item.Body != "Sam at number 12 is dealing" || item.RedactionNote != "A name and a house number" ||
		item.DecidedByID != f.pcso.ID || item.DecidedBy != "pcso" || item.DecidedAt.IsZero() {
		t.Fatalf("edited item %+v", item)
	}
	// Decided once: a second decision is a conflict.
	if _, err := decide(f.sergeant, portal.ModerationDecision{Action: portal.ModerationReject, Reason: "No"}); !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("second decision: %v", err)
	}
	_, done, err := f.store.ModerationQueue(ctx, modScope(f.pcso), 10)
	if err != nil || len(done) != 1 || done[0].ID != id {
		t.Fatalf("decided list %+v, %v", done, err)
	}
	// Changed text from the resident puts it back in the queue, pending.
	if _, err := f.store.EnqueueModeration(ctx, db.NewModerationItem{Kind: "test_comment", RefID: 7, NeighbourhoodID: f.riverside,
		Body: "Someone is dealing by the shops"}); err != nil {
		t.Fatal(err)
	}
	again, err := f.store.ModerationItem(ctx, id, modScope(f.pcso))
	if err != nil || !again.Pending() || again.Edited || again.Body != "Someone is dealing by the shops" {
		t.Fatalf("re-sent item %+v, %v", again, err)
	}
}

func TestModerationConcurrentDecisions(t *testing.T) {
	f := newInsightFixture(t)
	ctx := context.Background()
	id, err := f.store.EnqueueModeration(ctx, db.NewModerationItem{Kind: "test_comment", RefID: 1, Body: "Force-wide"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.store.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.DecideModeration(ctx, id, modScope(f.sergeant),
					portal.ModerationDecision{Action: portal.ModerationReject, Reason: "Off topic"}, f.sergeant.ID)
				return err
			})
		}()
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, portal.ErrConflict):
			conflicts++
		default:
			t.Fatal(err)
		}
	}
	if ok != 1 || conflicts != 7 {
		t.Fatalf("%d decisions saved, %d conflicts", ok, conflicts)
	}
}
