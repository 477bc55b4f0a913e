package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/lib/pq"
)

// TestTwoMigrateRunsConcurrently starts two `beacon migrate` on an empty
// database at the same moment, as two replicas would on a first deploy: the
// advisory lock must make one apply everything and the other find it done.
func TestTwoMigrateRunsConcurrently(t *testing.T) {
	dbURL := newEmptyDatabase(t)
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "DEV": "1"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var outs [2]bytes.Buffer
	var errs [2]error
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 {
		wg.Go(func() {
			<-start
			errs[i] = run(ctx, []string{"migrate"}, getenv, &outs[i])
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrate run %d: %v\noutput:\n%s", i, err, outs[i].String())
		}
	}

	names := migrationNames(t)
	combined := outs[0].String() + outs[1].String()
	for _, name := range names {
		if n := strings.Count(combined, "applied "+name+"\n"); n != 1 {
			t.Errorf("output mentions %q %d times, want once:\n%s", "applied "+name, n, combined)
		}
	}

	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var rows, distinct int
	if err := conn.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT name) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != len(names) || distinct != len(names) {
		t.Errorf("schema_migrations has %d rows (%d distinct names), want %d", rows, distinct, len(names))
	}
	for _, name := range names {
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("schema_migrations records %s %d times, want once", name, n)
		}
	}
	var postgis bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')`).Scan(&postgis); err != nil {
		t.Fatal(err)
	}
	if !postgis {
		t.Error("the postgis extension was not created")
	}

	// A third run, after the fact, has nothing to do and says so.
	var again bytes.Buffer
	if err := run(ctx, []string{"migrate"}, getenv, &again); err != nil {
		t.Fatal(err)
	}
	if got := again.String(); got != "database is up to date\n" {
		t.Errorf("third run printed %q", got)
	}
}

// migrationNames lists the embedded migration files.
func migrationNames(t *testing.T) []string {
	t.Helper()
	entries, err := fs.ReadDir(db.MigrationFiles(), "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatal("no embedded migrations")
	}
	return names
}

// newEmptyDatabase creates a database with nothing in it (copied from
// template0, so not even an extension) and drops it when the test ends.
func newEmptyDatabase(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("postgres", dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "beacon_test_empty_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)+` TEMPLATE template0`); err != nil {
		t.Fatalf("create empty database (is PostgreSQL up at TEST_DATABASE_URL or 127.0.0.1:5432?): %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := sql.Open("postgres", dbtest.AdminURL())
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(name)+` WITH (FORCE)`); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// readyFake records every SetReady call.
type readyFake struct {
	mu     sync.Mutex
	values []bool
}

func (r *readyFake) SetReady(ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.values = append(r.values, ok)
}

func (r *readyFake) calls() []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bool(nil), r.values...)
}

// TestGracefulShutdownOnSIGTERM sends the test process a real SIGTERM while a
// slow request is in flight: readiness must go off, the listener must close,
// and the request must still complete.
func TestGracefulShutdownOnSIGTERM(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(started) })
		time.Sleep(1500 * time.Millisecond)
		io.WriteString(w, "done")
	})
	mux.HandleFunc("/fast", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "fast")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	srv := newServer(mux, slog.New(slog.NewTextHandler(io.Discard, nil)))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ready := &readyFake{}
	served := make(chan error, 1)
	go func() { served <- runServer(ctx, srv, ln, ready, 0, 10*time.Second) }()

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	if body, status, err := get(client, "http://"+addr+"/fast"); err != nil || status != 200 || body != "fast" {
		t.Fatalf("GET /fast before shutdown: %d %q %v", status, body, err)
	}

	type result struct {
		status int
		body   string
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		body, status, err := get(client, "http://"+addr+"/slow")
		slow <- result{status, body, err}
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow request never reached the handler")
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGTERM was not delivered to the NotifyContext")
	}
	waitFor(t, 2*time.Second, "readiness turned off", func() bool {
		calls := ready.calls()
		return len(calls) > 0 && !calls[len(calls)-1]
	})
	if calls := ready.calls(); len(calls) != 1 || calls[0] {
		t.Errorf("SetReady calls = %v, want [false]", calls)
	}

	time.Sleep(200 * time.Millisecond)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("a new connection was accepted after shutdown began")
	}

	select {
	case r := <-slow:
		if r.err != nil || r.status != 200 || r.body != "done" {
			t.Errorf("in-flight GET /slow: %d %q %v", r.status, r.body, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request never completed")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("runServer: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runServer did not return within 10s")
	}
}

func get(client *http.Client, u string) (body string, status int, err error) {
	resp, err := client.Get(u)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, err
}

// waitFor polls cond every 20ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReadyzFollowsTheDatabase cuts the network between the portal and
// PostgreSQL, then restores it: /readyz must report the outage and then the
// recovery on its own, with nothing restarted.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	_, dbURL := dbtest.New(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	fwd := newForwarder(t, target)
	u.Host = fwd.addr()
	proxied := u.String()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := db.Open(ctx, proxied, db.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv := handlerstest.NewWithStore(t, store, proxied)
	client := &http.Client{Timeout: 6 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	readyz := func() int {
		t.Helper()
		begin := time.Now()
		_, status, err := get(client, srv.URL+"/readyz")
		if err != nil {
			t.Fatalf("GET /readyz did not answer (after %v): %v", time.Since(begin).Round(time.Millisecond), err)
		}
		return status
	}
	if got := readyz(); got != 200 {
		t.Fatalf("GET /readyz = %d before the outage, want 200", got)
	}

	fwd.pause()
	waitFor(t, 10*time.Second, "/readyz to answer 503 during the outage", func() bool { return readyz() == 503 })

	fwd.resume()
	waitFor(t, 10*time.Second, "/readyz to answer 200 after recovery", func() bool { return readyz() == 200 })
}

// forwarder is a TCP proxy to PostgreSQL that can cut every connection and
// refuse new ones (pause), then forward again (resume).
type forwarder struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu     sync.Mutex
	paused bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func newForwarder(t *testing.T, target string) *forwarder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarder{t: t, ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	f.wg.Go(f.accept)
	t.Cleanup(func() {
		ln.Close()
		f.pause()
		f.wg.Wait()
	})
	return f
}

func (f *forwarder) addr() string { return f.ln.Addr().String() }

func (f *forwarder) accept() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return // listener closed at cleanup
		}
		f.wg.Go(func() { f.forward(c) })
	}
}

func (f *forwarder) forward(client net.Conn) {
	if f.isPaused() {
		client.Close()
		return
	}
	upstream, err := net.DialTimeout("tcp", f.target, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	// Register under the lock, so a pause racing with this dial still
	// closes both ends.
	f.mu.Lock()
	if f.paused {
		f.mu.Unlock()
		client.Close()
		upstream.Close()
		return
	}
	f.conns[client], f.conns[upstream] = struct{}{}, struct{}{}
	f.mu.Unlock()

	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		dst.Close()
		src.Close()
	}
	wg.Go(func() { pipe(upstream, client) })
	wg.Go(func() { pipe(client, upstream) })
	wg.Wait()

	f.mu.Lock()
	delete(f.conns, client)
	delete(f.conns, upstream)
	f.mu.Unlock()
}

func (f *forwarder) isPaused() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.paused
}

// pause closes every open connection and makes new ones close at once.
func (f *forwarder) pause() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paused = true
	for c := range f.conns {
		c.Close()
	}
}

func (f *forwarder) resume() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paused = false
}

func TestVersionAndUsage(t *testing.T) {
	ctx := context.Background()
	noEnv := env(nil)

	var out bytes.Buffer
	if err := run(ctx, []string{"version"}, noEnv, &out); err != nil {
		t.Fatalf("version: %v", err)
	}
	if got := out.String(); got != "beacon dev\n" {
		t.Errorf("version printed %q, want %q", got, "beacon dev\n")
	}

	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		out.Reset()
		if err := run(ctx, args, noEnv, &out); err != nil || !strings.HasPrefix(out.String(), "Usage: beacon") {
			t.Errorf("%v: err %v, printed %q", args, err, out.String())
		}
	}

	out.Reset()
	err := run(ctx, nil, noEnv, &out)
	if err == nil || !strings.Contains(err.Error(), "no command") {
		t.Errorf("no command: err = %v", err)
	}
	if !strings.HasPrefix(out.String(), "Usage: beacon") {
		t.Errorf("no command printed %q, want the usage", out.String())
	}

	// An unknown command is reported as such whatever the environment: a
	// typo must not surface as a missing DATABASE_URL.
	for name, getenv := range map[string]func(string) string{
		"empty environment": noEnv,
		"valid environment": env(map[string]string{"DATABASE_URL": testDBURL, "DEV": "1"}),
	} {
		out.Reset()
		err := run(ctx, []string{"frobnicate"}, getenv, &out)
		if want := `unknown command "frobnicate"`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", name, err, want)
		}
		if !strings.HasPrefix(out.String(), "Usage: beacon") {
			t.Errorf("%s: printed %q, want the usage", name, out.String())
		}
	}
}
