package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// logBuffer collects a sender's log, so tests can check it holds no
// personal data.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fast is a sender configuration with short waits, so tests take seconds.
func fast() SenderConfig {
	return SenderConfig{
		From: "Beacon <no-reply@beacon.example.org>", Host: "beacon.example.org",
		Poll: 20 * time.Millisecond, Lease: 2 * time.Second,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, StopGrace: time.Second,
	}
}

func newSender(t *testing.T, store *db.Store, smtpURL string, cfg SenderConfig) (*Sender, *logBuffer) {
	t.Helper()
	tr, err := NewTransport(smtpURL)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	return NewSender(store, tr, cfg, slog.New(slog.NewTextHandler(logs, nil))), logs
}

// start runs s in the background; the returned function stops it and fails
// the test unless it stops promptly.
func start(t *testing.T, s *Sender) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				t.Error("sender did not stop within 3s")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func enqueue(t *testing.T, store *db.Store, to string, n int) {
	t.Helper()
	for i := range n {
		m := portal.Email{To: to, Subject: fmt.Sprintf("Message %d", i), Text: "There is an update.\n"}
		if err := store.Enqueue(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

func outbox(t *testing.T, store *db.Store) []db.OutboxMessage {
	t.Helper()
	ms, err := store.OutboxMessages(context.Background(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func unsent(t *testing.T, store *db.Store) int {
	n := 0
	for _, m := range outbox(t, store) {
		if m.SentAt.IsZero() && m.FailedAt.IsZero() {
			n++
		}
	}
	return n
}

// countByMessageID counts deliveries of each Message-ID.
func countByMessageID(t *testing.T, rs []received) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range rs {
		out[parse(t, r.Data).Header.Get("Message-Id")]++
	}
	return out
}

// (a) With the mail server down, a message waits with a retry scheduled; once
// the server is up it is delivered, exactly once.
func TestSenderWaitsForMailServerThenDeliversOnce(t *testing.T) {
	store, _ := dbtest.New(t)
	srv := newTestSMTP(t) // not started: connections are refused
	s, logs := newSender(t, store, srv.URL(), fast())
	enqueue(t, store, "resident@example.org", 1)
	stop := start(t, s)

	waitFor(t, "two failed attempts", func() bool { return outbox(t, store)[0].Attempts >= 2 })
	m := outbox(t, store)[0]
	if !m.SentAt.IsZero() || !m.FailedAt.IsZero() || m.LastError != "smtp: connection refused" {
		t.Fatalf("while the server is down: sent %v, failed %v, last error %q", m.SentAt, m.FailedAt, m.LastError)
	}
	if m.Text == "" {
		t.Fatal("the body of an unsent message was cleared")
	}

	srv.Start()
	waitFor(t, "delivery", func() bool { return !outbox(t, store)[0].SentAt.IsZero() })
	time.Sleep(200 * time.Millisecond) // ten more polls: nothing more may be sent
	stop()
	if got := srv.Received(); len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	if m := outbox(t, store)[0]; m.LastError != "" || m.Text != "" || m.HTML != "" {
		t.Errorf("after delivery: last error %q, text %q, html %q (bodies should be cleared)", m.LastError, m.Text, m.HTML)
	}
	if strings.Contains(logs.String(), "resident@example.org") {
		t.Errorf("the log holds the recipient's address:\n%s", logs)
	}
}

// (b) Two senders (two replicas, each with its own connection pool) deliver
// 200 messages between them, each exactly once.
func TestTwoSendersDeliverEachMessageOnce(t *testing.T) {
	store, dbURL := dbtest.New(t)
	store2, err := db.Open(context.Background(), dbURL, db.Options{MaxConns: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer store2.Close()
	srv := startTestSMTP(t)
	const n = 200
	enqueue(t, store, "resident@example.org", n)

	srv.Delay = time.Millisecond // so that neither sender can finish alone before the other starts

	cfg := fast()
	cfg.Batch = 7 // small batches, so the two senders interleave
	s1, _ := newSender(t, store, srv.URL(), cfg)
	cfg.ListenURL = dbURL
	s2, _ := newSender(t, store2, srv.URL(), cfg)
	var c1, c2 counting
	s1.transport, s2.transport = c1.wrap(s1.transport), c2.wrap(s2.transport)
	began := time.Now()
	stop1, stop2 := start(t, s1), start(t, s2)
	waitFor(t, "every message to be sent", func() bool { return unsent(t, store) == 0 })
	elapsed := time.Since(began)
	time.Sleep(200 * time.Millisecond)
	stop1()
	stop2()

	counts := countByMessageID(t, srv.Received())
	if len(counts) != n {
		t.Errorf("%d distinct Message-IDs delivered, want %d", len(counts), n)
	}
	for id, c := range counts {
		if c != 1 {
			t.Errorf("%s delivered %d times", id, c)
		}
	}
	for _, m := range outbox(t, store) {
		if m.Attempts != 1 {
			t.Errorf("message %d was claimed %d times", m.ID, m.Attempts)
		}
	}
	if c1.n.Load() == 0 || c2.n.Load() == 0 || c1.n.Load()+c2.n.Load() != n {
		t.Errorf("the senders delivered %d and %d messages, want shares of %d", c1.n.Load(), c2.n.Load(), n)
	}
	t.Logf("%d messages delivered by two senders (%d + %d) in %v", n, c1.n.Load(), c2.n.Load(), elapsed.Round(time.Millisecond))
}

// counting is a transport wrapper that counts deliveries.
type counting struct {
	next Transport
	n    atomic.Int64
}

func (c *counting) wrap(next Transport) Transport { c.next = next; return c }

func (c *counting) Send(ctx context.Context, msgs []Message, report func(int, error)) {
	c.next.Send(ctx, msgs, func(i int, err error) {
		if err == nil {
			c.n.Add(1)
		}
		report(i, err)
	})
}

// (c) The delivered message has the right envelope, headers, parts and
// Message-ID, and the outbox keeps none of its content afterwards.
func TestDeliveredMessage(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	srv := startTestSMTP(t)
	s, _ := newSender(t, store, srv.URL(), fast())
	r, err := NewRenderer("https://beacon.example.org")
	if err != nil {
		t.Fatal(err)
	}
	email, err := r.Render("test", "resident@example.org", "Your course is booked")
	if err != nil {
		t.Fatal(err)
	}
	email.Headers = map[string]string{"List-Unsubscribe": "<https://beacon.example.org/unsubscribe/abc>"}
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
	err = store.InTx(ctx, func(tx *db.Tx) error {
		return tx.EnqueueWithAttachments(ctx, email, db.Attachment{Filename: "course.ics", ContentType: "text/calendar", Data: []byte(ics)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.SendDue(ctx); n != 1 || err != nil {
		t.Fatalf("SendDue = %d, %v", n, err)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("received %d messages", len(got))
	}
	if got[0].From != "no-reply@beacon.example.org" || len(got[0].To) != 1 || got[0].To[0] != "resident@example.org" {
		t.Errorf("envelope from %q to %v", got[0].From, got[0].To)
	}
	p := parse(t, got[0].Data)
	from, err := netmail.ParseAddress(p.Header.Get("From"))
	if err != nil || from.Name != "Beacon" || from.Address != "no-reply@beacon.example.org" {
		t.Errorf("From = %q", p.Header.Get("From"))
	}
	row := outbox(t, store)[0]
	for h, want := range map[string]string{
		"To":               "<resident@example.org>",
		"Subject":          "Beacon test message",
		"Message-Id":       "<" + MessageID(row.ID, row.CreatedAt, "beacon.example.org") + ">",
		"Auto-Submitted":   "auto-generated",
		"List-Unsubscribe": "<https://beacon.example.org/unsubscribe/abc>",
	} {
		if v := p.Header.Get(h); v != want {
			t.Errorf("%s = %q, want %q", h, v, want)
		}
	}
	if want := fmt.Sprintf("<outbox-%d.%d@beacon.example.org>", row.ID, row.CreatedAt.Unix()); p.Header.Get("Message-Id") != want {
		t.Errorf("Message-ID = %q, want %q", p.Header.Get("Message-Id"), want)
	}
	if !strings.Contains(p.Text, "Your course is booked") || strings.Contains(p.Text, "<p>") {
		t.Errorf("text part = %q", p.Text)
	}
	if !strings.Contains(p.HTML, "<p>Your course is booked</p>") || !strings.Contains(p.HTML, `href="https://beacon.example.org"`) {
		t.Errorf("html part = %q", p.HTML)
	}
	if p.Attachments["course.ics"] != ics {
		t.Errorf("attachments = %q", p.Attachments)
	}
	if row.SentAt.IsZero() || row.Text != "" || row.HTML != "" || len(row.Headers) != 0 || row.Attachments != nil {
		t.Errorf("outbox row after sending: %+v", row)
	}
}

// (d) A message enqueued in a transaction that rolls back is never sent.
func TestRolledBackMessageIsNotSent(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	srv := startTestSMTP(t)
	s, _ := newSender(t, store, srv.URL(), fast())
	errBoom := errors.New("the change failed")
	err := store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.Enqueue(ctx, portal.Email{To: "resident@example.org", Subject: "Update", Text: "x"}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v", err)
	}
	if n, err := s.SendDue(ctx); n != 0 || err != nil {
		t.Fatalf("SendDue = %d, %v", n, err)
	}
	if len(outbox(t, store)) != 0 || len(srv.Received()) != 0 {
		t.Fatal("a rolled-back message reached the outbox or the server")
	}
}

// A recipient the server refuses outright is given up at once, without
// recording or logging the address; the rest of the batch is delivered.
func TestRefusedRecipientIsGivenUp(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	srv := startTestSMTP(t)
	srv.Reject = "nobody@example.org"
	s, logs := newSender(t, store, srv.URL(), fast())
	enqueue(t, store, "nobody@example.org", 1)
	enqueue(t, store, "resident@example.org", 1)
	if n, err := s.SendDue(ctx); n != 2 || err != nil {
		t.Fatalf("SendDue = %d, %v", n, err)
	}
	ms := outbox(t, store) // newest first
	refused, ok := ms[1], ms[0]
	if refused.FailedAt.IsZero() || !refused.SentAt.IsZero() || refused.Text != "" {
		t.Errorf("refused message: failed %v, sent %v, text %q", refused.FailedAt, refused.SentAt, refused.Text)
	}
	if want := "smtp: recipient refused (550 5.1.1)"; refused.LastError != want {
		t.Errorf("last error %q, want %q", refused.LastError, want)
	}
	if ok.SentAt.IsZero() {
		t.Error("the other message was not delivered")
	}
	if strings.Contains(logs.String(), "nobody@") || strings.Contains(refused.LastError, "nobody@") {
		t.Errorf("the refused address was recorded: %q\n%s", refused.LastError, logs)
	}
	time.Sleep(60 * time.Millisecond) // past the shortest backoff
	if n, _ := s.SendDue(ctx); n != 0 {
		t.Errorf("a given-up message was claimed again")
	}
}

// After MaxAttempts failures the sender gives up, so a message cannot be
// retried for ever.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	srv := newTestSMTP(t) // never started
	cfg := fast()
	cfg.MaxAttempts, cfg.MinBackoff, cfg.MaxBackoff = 3, time.Millisecond, time.Millisecond
	s, _ := newSender(t, store, srv.URL(), cfg)
	enqueue(t, store, "resident@example.org", 1)
	for range 5 {
		s.SendDue(ctx)
		time.Sleep(20 * time.Millisecond)
	}
	m := outbox(t, store)[0]
	if m.Attempts != 3 || m.FailedAt.IsZero() || m.LastError != "smtp: connection refused" {
		t.Fatalf("attempts %d, failed %v, last error %q", m.Attempts, m.FailedAt, m.LastError)
	}
}

// A sender that dies after claiming (its lease never released) delays the
// message only until the lease ends; then another sender delivers it.
func TestExpiredLeaseIsRetried(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	srv := startTestSMTP(t)
	s, _ := newSender(t, store, srv.URL(), fast())
	enqueue(t, store, "resident@example.org", 1)
	if claimed, err := store.ClaimOutbox(ctx, 10, 300*time.Millisecond); err != nil || len(claimed) != 1 {
		t.Fatalf("claim = %d, %v", len(claimed), err)
	} // ...and the claiming sender "crashes" here
	if n, _ := s.SendDue(ctx); n != 0 {
		t.Fatal("a message was claimed twice within its lease")
	}
	time.Sleep(400 * time.Millisecond)
	if n, err := s.SendDue(ctx); n != 1 || err != nil {
		t.Fatalf("after the lease: SendDue = %d, %v", n, err)
	}
	if m := outbox(t, store)[0]; m.Attempts != 2 || m.SentAt.IsZero() || len(srv.Received()) != 1 {
		t.Fatalf("attempts %d, sent %v, received %d", m.Attempts, m.SentAt, len(srv.Received()))
	}
}

// In development (KeepBodies) sent messages keep their bodies for the
// development mailbox; without SMTP_URL nothing is sent but they are marked
// sent.
func TestDevelopmentKeepsBodies(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	cfg := fast()
	cfg.KeepBodies = true
	s, _ := newSender(t, store, "", cfg)
	if err := store.Enqueue(ctx, portal.Email{To: "resident@example.org", Subject: "Sign in", Text: "Follow https://x.example/a\n", HTML: "<p>hi</p>"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SendDue(ctx); n != 1 || err != nil {
		t.Fatalf("SendDue = %d, %v", n, err)
	}
	m := outbox(t, store)[0]
	if m.SentAt.IsZero() || m.Text != "Follow https://x.example/a\n" || m.HTML != "<p>hi</p>" {
		t.Fatalf("row %+v", m)
	}
}

// A NOTIFY on commit wakes the sender at once, long before its next poll.
func TestEnqueueWakesSender(t *testing.T) {
	store, dbURL := dbtest.New(t)
	srv := startTestSMTP(t)
	cfg := fast()
	cfg.Poll, cfg.ListenURL = time.Hour, dbURL
	s, _ := newSender(t, store, srv.URL(), cfg)
	start(t, s)
	time.Sleep(500 * time.Millisecond) // the first poll is done and the listener connected
	began := time.Now()
	enqueue(t, store, "resident@example.org", 1)
	waitFor(t, "delivery after NOTIFY", func() bool { return len(srv.Received()) == 1 })
	t.Logf("delivered %v after enqueue", time.Since(began).Round(time.Millisecond))
}

func TestBackoff(t *testing.T) {
	s := NewSender(nil, Discard{}, SenderConfig{}, slog.Default())
	for attempts, want := range map[int]time.Duration{
		1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 6: 16 * time.Minute, 7: 30 * time.Minute, 40: 30 * time.Minute,
	} {
		if got := s.Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

func TestMessageID(t *testing.T) {
	at := time.Unix(1700000000, 0)
	for host, want := range map[string]string{
		"beacon.example.org": "outbox-42.1700000000@beacon.example.org",
		"127.0.0.1":          "outbox-42.1700000000@127.0.0.1",
		"::1":                "outbox-42.1700000000@localhost",
	} {
		if got := MessageID(42, at, host); got != want {
			t.Errorf("MessageID(%q) = %q, want %q", host, got, want)
		}
	}
}

// Stopping mid-batch finishes within StopGrace and leaves the rest due at
// once (not leased), so a restarted sender delivers every message exactly
// once.
func TestStopMidBatchThenResume(t *testing.T) {
	store, _ := dbtest.New(t)
	srv := startTestSMTP(t)
	srv.Delay = 50 * time.Millisecond
	const n = 30
	enqueue(t, store, "resident@example.org", n)
	cfg := fast()
	cfg.Batch, cfg.StopGrace, cfg.Lease = n, 100*time.Millisecond, time.Hour
	s, _ := newSender(t, store, srv.URL(), cfg)
	stop := start(t, s)
	waitFor(t, "the first delivery", func() bool { return len(srv.Received()) > 0 })
	began := time.Now()
	stop()
	if d := time.Since(began); d > time.Second {
		t.Errorf("stopping took %v", d)
	}
	sent := n - unsent(t, store)
	if sent == n {
		t.Fatal("the whole batch was sent before stopping: the test proves nothing")
	}
	for _, m := range outbox(t, store) {
		if m.SentAt.IsZero() && (time.Until(m.NextAttemptAt) > time.Second || m.LastError != ErrStopped.Reason) {
			t.Fatalf("an unsent message is not due again: next %v, last error %q", m.NextAttemptAt, m.LastError)
		}
	}

	s2, _ := newSender(t, store, srv.URL(), cfg)
	start(t, s2)
	waitFor(t, "the rest to be sent", func() bool { return unsent(t, store) == 0 })
	counts := countByMessageID(t, srv.Received())
	for id, c := range counts {
		if c != 1 {
			t.Errorf("%s delivered %d times", id, c)
		}
	}
	if len(counts) != n {
		t.Errorf("%d distinct messages delivered, want %d", len(counts), n)
	}
	t.Logf("%d of %d sent before stopping; the rest after restarting", sent, n)
}

// stuck is a transport whose mail server never answers.
type stuck struct{ release chan struct{} }

func (s stuck) Send(context.Context, []Message, func(int, error)) { <-s.release }

// A mail server that stops answering cannot hold up shutdown for more than
// StopGrace and a second; its message stays leased, to be retried.
func TestStuckTransportDoesNotBlockShutdown(t *testing.T) {
	store, _ := dbtest.New(t)
	enqueue(t, store, "resident@example.org", 1)
	cfg := fast()
	cfg.StopGrace, cfg.Lease = 200*time.Millisecond, time.Minute
	tr := stuck{release: make(chan struct{})}
	defer close(tr.release)
	s := NewSender(store, tr, cfg, slog.New(slog.NewTextHandler(&logBuffer{}, nil)))
	stop := start(t, s)
	waitFor(t, "the claim", func() bool { return outbox(t, store)[0].Attempts == 1 })
	began := time.Now()
	stop()
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("stopping took %v", d)
	}
	if m := outbox(t, store)[0]; !m.SentAt.IsZero() || time.Until(m.NextAttemptAt) < 30*time.Second {
		t.Errorf("the in-flight message is not leased: next attempt %v", m.NextAttemptAt)
	}
}
