package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

func TestMigrateTwiceConcurrently(t *testing.T) {
	_, url := dbtest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	applied := make([][]string, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := db.Open(ctx, url, db.Options{MaxConns: 2})
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			applied[i], errs[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrate %d: %v", i, err)
		}
		if len(applied[i]) != 0 {
			t.Fatalf("migrate %d applied %v to an already migrated database", i, applied[i])
		}
	}
}

func TestSessionsRoundTripAndExpire(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	id := make([]byte, 32)
	id[0] = 1
	if err := store.SaveSession(ctx, id, []byte("hello"), 0, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := store.SessionData(ctx, id)
	if err != nil || string(got) != "hello" {
		t.Fatalf("SessionData = %q, %v", got, err)
	}
	if err := store.SaveSession(ctx, id, []byte("bye"), 0, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SessionData(ctx, id); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("expired session: err = %v, want ErrNotFound", err)
	}
	if err := store.PruneExpired(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitSlidingWindow(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	l := portal.Limit{Name: "test", Max: 3, Window: time.Hour}
	for i := range 3 {
		ok, _, err := store.Allow(ctx, l, "203.0.113.9")
		if err != nil || !ok {
			t.Fatalf("hit %d: ok=%v err=%v", i, ok, err)
		}
	}
	ok, wait, err := store.Allow(ctx, l, "203.0.113.9")
	if err != nil || ok {
		t.Fatalf("4th hit: ok=%v err=%v, want refused", ok, err)
	}
	if wait <= 59*time.Minute || wait > time.Hour {
		t.Fatalf("retry after %v, want about an hour", wait)
	}
	if ok, _, _ := store.Allow(ctx, l, "another client"); !ok {
		t.Fatal("another key was refused")
	}
}

func TestRateLimitSharedAcrossStores(t *testing.T) {
	first, url := dbtest.New(t)
	ctx := context.Background()
	second, err := db.Open(ctx, url, db.Options{MaxConns: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	l := portal.Limit{Name: "shared", Max: 10, Window: time.Minute}
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := first
			if i%2 == 1 {
				s = second
			}
			ok, _, err := s.Allow(ctx, l, "same client")
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 10 {
		t.Fatalf("allowed %d of 40 across two stores, want exactly 10", allowed)
	}
}

func TestUnavailableDatabaseIsErrUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := db.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", db.Options{})
	if !errors.Is(err, portal.ErrUnavailable) {
		t.Fatalf("Open on a closed port: err = %v, want ErrUnavailable", err)
	}
}
