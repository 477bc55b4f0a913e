package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

func enqueueN(t *testing.T, store *db.Store, n int) {
	t.Helper()
	for i := range n {
		err := store.Enqueue(context.Background(), portal.Email{To: fmt.Sprintf("r%d@example.org", i),
			Subject: fmt.Sprintf("Subject %d", i), Text: "text", HTML: "<p>html</p>",
			Headers: map[string]string{"List-Unsubscribe": "<https://beacon.example.org/u/1>"}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestClaimOutboxOldestFirstAndLeased(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	enqueueN(t, store, 5)
	first, err := store.ClaimOutbox(ctx, 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 3 || first[0].Subject != "Subject 0" || first[2].Subject != "Subject 2" {
		t.Fatalf("first claim: %+v", first)
	}
	m := first[0]
	if m.Attempts != 1 || time.Until(m.NextAttemptAt) < 50*time.Second || m.Text != "text" ||
		m.HTML != "<p>html</p>" || m.Headers["List-Unsubscribe"] == "" || m.Recipient != "r0@example.org" {
		t.Fatalf("claimed message %+v", m)
	}
	rest, err := store.ClaimOutbox(ctx, 10, time.Minute)
	if err != nil || len(rest) != 2 || rest[0].Subject != "Subject 3" {
		t.Fatalf("second claim: %d, %v: the leased messages must not be claimed again", len(rest), err)
	}
	if none, _ := store.ClaimOutbox(ctx, 10, time.Minute); len(none) != 0 {
		t.Fatalf("third claim got %d", len(none))
	}
}

// TestConcurrentClaimsAreDisjoint has 8 claimers, each on its own pool,
// race for 300 messages: every message is claimed exactly once.
func TestConcurrentClaimsAreDisjoint(t *testing.T) {
	ctx := context.Background()
	store, dbURL := dbtest.New(t)
	enqueueN(t, store, 300)
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 8 {
		s, err := db.Open(ctx, dbURL, db.Options{MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		wg.Go(func() {
			for {
				batch, err := s.ClaimOutbox(ctx, 5, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(batch) == 0 {
					return
				}
				mu.Lock()
				for _, m := range batch {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 300 {
		t.Errorf("%d messages claimed, want 300", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %d claimed %d times", id, n)
		}
	}
}

func TestMarkSentRetryFailed(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	enqueueN(t, store, 3)
	c, err := store.ClaimOutbox(ctx, 3, time.Minute)
	if err != nil || len(c) != 3 {
		t.Fatal(len(c), err)
	}
	sent, retry, failed := c[0].ID, c[1].ID, c[2].ID
	if err := store.MarkSent(ctx, sent, false); err != nil {
		t.Fatal(err)
	}
	if err := store.MarkRetry(ctx, retry, 0, "smtp: connection refused"); err != nil {
		t.Fatal(err)
	}
	if err := store.MarkFailed(ctx, failed, "smtp: recipient refused (550 5.1.1)", false); err != nil {
		t.Fatal(err)
	}
	// A late retry for a message another sender delivered changes nothing.
	if err := store.MarkRetry(ctx, sent, time.Hour, "late"); err != nil {
		t.Fatal(err)
	}

	m, _ := store.OutboxMessage(ctx, sent)
	if m.SentAt.IsZero() || m.Text != "" || m.HTML != "" || len(m.Headers) != 0 || m.LastError != "" || m.Subject != "Subject 0" {
		t.Errorf("sent: %+v", m)
	}
	m, _ = store.OutboxMessage(ctx, retry)
	if !m.SentAt.IsZero() || m.Text != "text" || m.LastError != "smtp: connection refused" {
		t.Errorf("retry: %+v", m)
	}
	m, _ = store.OutboxMessage(ctx, failed)
	if m.FailedAt.IsZero() || !m.SentAt.IsZero() || m.Text != "" || m.LastError == "" {
		t.Errorf("failed: %+v", m)
	}
	again, _ := store.ClaimOutbox(ctx, 10, time.Minute)
	if len(again) != 1 || again[0].ID != retry || again[0].Attempts != 2 {
		t.Errorf("after marking, claim got %+v, want only the retried message", again)
	}
	if _, err := store.OutboxMessage(ctx, 99999); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("missing message: %v", err)
	}
}

func TestAttachmentsRoundTrip(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	ics := []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
	err := store.InTx(ctx, func(tx *db.Tx) error {
		return tx.EnqueueWithAttachments(ctx, portal.Email{To: "r@example.org", Subject: "Booked", Text: "t"},
			db.Attachment{Filename: "course.ics", ContentType: "text/calendar", Data: ics})
	})
	if err != nil {
		t.Fatal(err)
	}
	enqueueN(t, store, 1) // and one without
	ms, err := store.ClaimOutbox(ctx, 10, time.Minute)
	if err != nil || len(ms) != 2 {
		t.Fatal(len(ms), err)
	}
	if a := ms[0].Attachments; len(a) != 1 || a[0].Filename != "course.ics" || string(a[0].Data) != string(ics) {
		t.Errorf("attachments %+v", a)
	}
	if ms[1].Attachments != nil {
		t.Errorf("unexpected attachments %+v", ms[1].Attachments)
	}
	if err := store.MarkSent(ctx, ms[0].ID, false); err != nil {
		t.Fatal(err)
	}
	if m, _ := store.OutboxMessage(ctx, ms[0].ID); m.Attachments != nil {
		t.Error("attachments kept after sending")
	}
}

func TestPruneOutbox(t *testing.T) {
	ctx := context.Background()
	store, dbURL := dbtest.New(t)
	enqueueN(t, store, 3)
	c, _ := store.ClaimOutbox(ctx, 2, time.Minute)
	store.MarkSent(ctx, c[0].ID, false)
	store.MarkFailed(ctx, c[1].ID, "x", false)
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`UPDATE outbox SET created_at = now() - interval '40 days'`); err != nil {
		t.Fatal(err)
	}
	n, err := store.PruneOutbox(ctx, 30*24*time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want the sent and the failed message", n, err)
	}
	if left, _ := store.OutboxMessages(ctx, 10); len(left) != 1 || !left[0].SentAt.IsZero() {
		t.Fatalf("left %+v: the undelivered message must stay", left)
	}
}

// TestListenOutboxWakesOnCommitOnly checks the NOTIFY trigger: a committed
// enqueue wakes listeners, a rolled-back one does not.
func TestListenOutboxWakesOnCommitOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	store, dbURL := dbtest.New(t)
	woke := make(chan struct{}, 10)
	done := make(chan error, 1)
	go func() { done <- db.ListenOutbox(ctx, dbURL, func() { woke <- struct{}{} }) }()
	time.Sleep(300 * time.Millisecond) // let it connect and LISTEN

	store.InTx(ctx, func(tx *db.Tx) error {
		tx.Enqueue(ctx, portal.Email{To: "r@example.org", Subject: "s", Text: "t"})
		return errors.New("roll back")
	})
	select {
	case <-woke:
		t.Fatal("woken by a rolled-back enqueue")
	case <-time.After(300 * time.Millisecond):
	}
	enqueueN(t, store, 1)
	select {
	case <-woke:
	case <-time.After(5 * time.Second):
		t.Fatal("not woken by a committed enqueue")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("ListenOutbox did not return after cancel")
	}
}
