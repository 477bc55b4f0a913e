package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/beacon-portal/beacon/db"
)

// Transport delivers messages. Send reports each message's outcome (nil
// when the server accepted it) through report, once per message, as soon as
// it is known, so the outbox records a delivery before the next is tried.
type Transport interface {
	Send(ctx context.Context, msgs []Message, report func(i int, err error))
}

// Discard delivers nothing and reports success. It is the transport in
// development without SMTP_URL, where the development mailbox shows what
// would have been sent.
type Discard struct{}

// Send reports every message as delivered.
func (Discard) Send(_ context.Context, msgs []Message, report func(int, error)) {
	for i := range msgs {
		report(i, nil)
	}
}

// SenderConfig tunes the sender; zero fields take the defaults noted.
type SenderConfig struct {
	// From is the From address, e.g. "Beacon <no-reply@beacon.example.org>".
	From string
	// Host names this deployment in Message-IDs (BASE_URL's host).
	Host string
	// KeepBodies keeps sent messages' bodies (development: for the mailbox).
	KeepBodies bool
	// ListenURL, when set, is a database URL to LISTEN on, so an enqueued
	// message is sent at once rather than at the next poll.
	ListenURL   string
	Batch       int           // messages claimed at a time (50)
	Poll        time.Duration // how often to look for due messages (1s)
	Lease       time.Duration // how long a claim lasts before another sender may retry (5m)
	MinBackoff  time.Duration // wait after the first failure, doubling after each (30s)
	MaxBackoff  time.Duration // longest wait between attempts (30m)
	MaxAttempts int           // attempts before giving up (50: about a day)
	// StopGrace is how long a batch in flight may go on once the sender is
	// told to stop (5s); what is left is retried later.
	StopGrace time.Duration
	// Retention is how long delivered and abandoned messages stay in the
	// outbox (30 days), for troubleshooting.
	Retention time.Duration
}

func (c *SenderConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Batch <= 0 {
		c.Batch = 50
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 50
	}
	def(&c.Poll, time.Second)
	def(&c.Lease, 5*time.Minute)
	def(&c.MinBackoff, 30*time.Second)
	def(&c.MaxBackoff, 30*time.Minute)
	def(&c.StopGrace, 5*time.Second)
	def(&c.Retention, 30*24*time.Hour)
	if c.Host == "" {
		c.Host = "localhost"
	}
}

// Sender delivers the outbox in the background. Any number of senders (one
// per replica) may run against one database: each message is claimed by one
// of them at a time, and is delivered at least once. A duplicate (after a
// crash between sending and recording) carries the same Message-ID.
type Sender struct {
	store     *db.Store
	transport Transport
	cfg       SenderConfig
	log       *slog.Logger
	wake      chan struct{}
	failures  int // consecutive failed rounds, to keep the log quiet while the database is down
}

// NewSender returns a sender; start it with Run.
func NewSender(store *db.Store, t Transport, cfg SenderConfig, log *slog.Logger) *Sender {
	cfg.defaults()
	return &Sender{store: store, transport: t, cfg: cfg, log: log, wake: make(chan struct{}, 1)}
}

// Wake makes the sender look for due messages now rather than at its next
// poll.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends due messages until ctx ends, then finishes the batch in flight
// (within StopGrace) and returns.
func (s *Sender) Run(ctx context.Context) {
	if _, ok := s.transport.(Discard); ok {
		s.log.Info("mail: no SMTP_URL, so no email is sent; messages are kept for the development mailbox at /dev/mail")
	}
	var wg sync.WaitGroup
	if s.cfg.ListenURL != "" {
		wg.Go(func() {
			if err := db.ListenOutbox(ctx, s.cfg.ListenURL, s.Wake); err != nil {
				s.log.Warn("mail: listen for new messages; polling only", "err", err)
			}
		})
	}
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	nextPrune := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.wake:
		}
		n, err := s.SendDue(ctx)
		s.logRound(ctx, err)
		if time.Now().After(nextPrune) {
			s.prune(ctx)
			nextPrune = time.Now().Add(time.Hour)
		}
		next := s.cfg.Poll
		if n == s.cfg.Batch {
			next = 0 // there may be more waiting
		}
		timer.Reset(next)
	}
}

func (s *Sender) logRound(ctx context.Context, err error) {
	if err == nil {
		s.failures = 0
		return
	}
	if ctx.Err() == nil && s.failures%60 == 0 {
		s.log.Warn("mail: send outbox", "err", err, "failed_rounds", s.failures+1)
	}
	s.failures++
}

func (s *Sender) prune(ctx context.Context) {
	n, err := s.store.PruneOutbox(ctx, s.cfg.Retention)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("mail: prune outbox", "err", err)
	} else if n > 0 {
		s.log.Info("mail: pruned outbox", "deleted", n)
	}
}

// SendDue claims one batch of due messages, delivers it and records each
// outcome. It returns how many messages it claimed.
//
// Once ctx ends the batch may go on for StopGrace, and its outcomes are
// still recorded, so a clean shutdown sends nothing twice. A transport still
// stuck a second after that (a mail server that stopped answering) is left
// behind: its message is retried when its lease ends.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	batch, err := s.store.ClaimOutbox(ctx, s.cfg.Batch, s.cfg.Lease)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(s.cfg.StopGrace, cancel) })
	defer stop()

	msgs := make([]Message, len(batch))
	for i, m := range batch {
		msgs[i] = s.message(m)
	}
	var mu sync.Mutex
	var errs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.transport.Send(sendCtx, msgs, func(i int, err error) {
			if rerr := s.record(context.WithoutCancel(ctx), batch[i], err); rerr != nil {
				mu.Lock()
				errs = append(errs, rerr)
				mu.Unlock()
			}
		})
	}()
	select {
	case <-done:
	case <-sendCtx.Done():
		select {
		case <-done:
		case <-time.After(time.Second):
			s.log.Warn("mail: stopped with a message in flight; it is retried when its lease ends")
			return len(batch), nil
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return len(batch), errors.Join(errs...)
}

// message is the outbox row as a message to send.
func (s *Sender) message(m db.OutboxMessage) Message {
	return Message{
		MessageID: MessageID(m.ID, m.CreatedAt, s.cfg.Host),
		From:      s.cfg.From, To: m.Recipient, Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, Headers: m.Headers, Attachments: m.Attachments,
	}
}

// record stores one message's outcome: sent; retry later with exponential
// backoff; or, when the recipient was refused or attempts are used up, give
// up. Errors are stored and logged only as DeliveryError reasons, which hold
// no personal data.
func (s *Sender) record(ctx context.Context, m db.OutboxMessage, err error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err == nil {
		return s.store.MarkSent(ctx, m.ID, s.cfg.KeepBodies)
	}
	if errors.Is(err, ErrStopped) { // never tried: due again at once, for this or another sender
		return s.store.MarkRetry(ctx, m.ID, 0, ErrStopped.Reason)
	}
	de := &DeliveryError{Reason: "send failed"}
	errors.As(err, &de)
	if de.Permanent || m.Attempts >= s.cfg.MaxAttempts {
		s.log.Warn("mail: gave up on a message", "outbox_id", m.ID, "attempts", m.Attempts, "reason", de.Reason)
		return s.store.MarkFailed(ctx, m.ID, de.Reason, s.cfg.KeepBodies)
	}
	after := s.Backoff(m.Attempts)
	s.log.Info("mail: delivery failed, will retry", "outbox_id", m.ID, "attempts", m.Attempts,
		"retry_in", after.String(), "reason", de.Reason)
	return s.store.MarkRetry(ctx, m.ID, after, de.Reason)
}

// Backoff is the wait after the attempts-th failed attempt: MinBackoff,
// doubling each time, at most MaxBackoff.
func (s *Sender) Backoff(attempts int) time.Duration {
	d := s.cfg.MinBackoff
	for i := 1; i < attempts && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxBackoff)
}

// MessageID is the Message-ID (without angle brackets) of outbox message id:
// derived from the row, so every delivery of one message carries the same
// ID and duplicates can be recognised. The creation time keeps IDs unique
// should the outbox's numbering ever restart (a restored backup).
func MessageID(id int64, created time.Time, host string) string {
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = "localhost" // an IPv6 literal is not a valid Message-ID domain
	}
	return fmt.Sprintf("outbox-%d.%d@%s", id, created.Unix(), host)
}
