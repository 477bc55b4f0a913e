package main

import (
	"context"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// TestServeRunsTheMailSender checks that `beacon serve` delivers the outbox
// (in development without SMTP_URL: marks messages sent and keeps them for
// the development mailbox) and stops the sender with the server.
func TestServeRunsTheMailSender(t *testing.T) {
	store, dbURL := dbtest.New(t)
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "DEV": "1", "ADDR": "127.0.0.1:0",
		"DATA_DIR": t.TempDir(), "SHUTDOWN_TIMEOUT": "5s"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- run(ctx, []string{"serve"}, getenv, nil) }()

	if err := store.Enqueue(ctx, portal.Email{To: "resident@example.org", Subject: "Sign in", Text: "https://x.example/link\n"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms, err := store.OutboxMessages(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 1 && !ms[0].SentAt.IsZero() {
			if ms[0].Text == "" {
				t.Fatal("development cleared the body the mailbox shows")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the message was not sent: %+v", ms)
		}
		time.Sleep(20 * time.Millisecond)
	}

	stopped := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		t.Logf("serve returned %v after cancel", time.Since(stopped).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return within 10s of cancel")
	}
}
