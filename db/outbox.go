package db

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// Attachment is a file sent with an email, such as a course booking's .ics
// invitation. Data is stored base64-encoded in the outbox's JSON.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// OutboxMessage is one email in the outbox, as the sender and the
// development mailbox see it. Bodies are empty once the message has been
// delivered, except in development.
type OutboxMessage struct {
	ID            int64
	Recipient     string
	Subject       string
	Text          string
	HTML          string
	Headers       map[string]string
	Attachments   []Attachment
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	SentAt        time.Time // zero until delivered
	FailedAt      time.Time // zero unless the sender gave up
	LastError     string
}

// Enqueue writes an email to the outbox; the background sender delivers it.
func (s *Store) Enqueue(ctx context.Context, m portal.Email) error {
	return enqueue(ctx, s.db, m, nil)
}

// Enqueue writes an email to the outbox as part of the transaction, so it is
// sent if and only if the change that caused it is committed.
func (t *Tx) Enqueue(ctx context.Context, m portal.Email) error {
	return enqueue(ctx, t.tx, m, nil)
}

// EnqueueWithAttachments is Enqueue for an email that carries files.
func (t *Tx) EnqueueWithAttachments(ctx context.Context, m portal.Email, atts ...Attachment) error {
	return enqueue(ctx, t.tx, m, atts)
}

func enqueue(ctx context.Context, x execer, m portal.Email, atts []Attachment) error {
	headers, err := json.Marshal(m.Headers)
	if err != nil || m.Headers == nil {
		headers = []byte("{}")
	}
	var attachments any // NULL when there are none
	if len(atts) > 0 {
		b, err := json.Marshal(atts)
		if err != nil {
			return wrap("enqueue email: attachments", err)
		}
		attachments = b
	}
	_, err = x.ExecContext(ctx, `
		INSERT INTO outbox (recipient, subject, text_body, html_body, headers, attachments)
		VALUES ($1, $2, $3, $4, $5, $6)`, m.To, m.Subject, m.Text, m.HTML, headers, attachments)
	return wrap("enqueue email", err)
}

// outboxRow is the outbox table as scanned.
type outboxRow struct {
	ID            int64      `db:"id"`
	Recipient     string     `db:"recipient"`
	Subject       string     `db:"subject"`
	Text          string     `db:"text_body"`
	HTML          string     `db:"html_body"`
	Headers       []byte     `db:"headers"`
	Attachments   []byte     `db:"attachments"`
	CreatedAt     time.Time  `db:"created_at"`
	Attempts      int        `db:"attempts"`
	NextAttemptAt time.Time  `db:"next_attempt_at"`
	SentAt        *time.Time `db:"sent_at"`
	FailedAt      *time.Time `db:"failed_at"`
	LastError     string     `db:"last_error"`
}

const outboxColumns = `id, recipient, subject, text_body, html_body, headers, attachments,
	created_at, attempts, next_attempt_at, sent_at, failed_at, last_error`

func (r outboxRow) message() (OutboxMessage, error) {
	m := OutboxMessage{ID: r.ID, Recipient: r.Recipient, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		CreatedAt: r.CreatedAt, Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt, LastError: r.LastError}
	if r.SentAt != nil {
		m.SentAt = *r.SentAt
	}
	if r.FailedAt != nil {
		m.FailedAt = *r.FailedAt
	}
	if err := json.Unmarshal(r.Headers, &m.Headers); err != nil {
		return m, wrap("outbox: read headers", err)
	}
	if len(r.Attachments) > 0 {
		if err := json.Unmarshal(r.Attachments, &m.Attachments); err != nil {
			return m, wrap("outbox: read attachments", err)
		}
	}
	return m, nil
}

func messages(rows []outboxRow) ([]OutboxMessage, error) {
	out := make([]OutboxMessage, len(rows))
	for i, r := range rows {
		m, err := r.message()
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// ClaimOutbox takes up to limit due messages, oldest first, for this sender
// to deliver. In one statement (so one transaction) it locks them, skipping
// any another sender holds, and marks them in flight: the attempt is counted
// and the next attempt pushed lease into the future. Another sender therefore
// never claims the same message while this one is sending it; if this one
// dies mid-send, the message is due again when the lease ends (delivery is at
// least once).
func (s *Store) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]OutboxMessage, error) {
	var rows []outboxRow
	err := s.db.SelectContext(ctx, &rows, `
		WITH due AS (
			SELECT id AS due_id FROM outbox
			 WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
			 ORDER BY id
			 LIMIT $1
			   FOR UPDATE SKIP LOCKED)
		UPDATE outbox o
		   SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
		  FROM due
		 WHERE o.id = due.due_id
		RETURNING `+outboxColumns,
		limit, lease.Seconds())
	if err != nil {
		return nil, wrap("claim outbox", err)
	}
	slices.SortFunc(rows, func(a, b outboxRow) int { return cmp.Compare(a.ID, b.ID) })
	return messages(rows)
}

// MarkSent records a delivery. The bodies, headers and attachments are
// cleared (they may hold single-use links) unless keep is set, which
// development uses to show messages in its mailbox.
func (s *Store) MarkSent(ctx context.Context, id int64, keep bool) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE outbox
		   SET sent_at = coalesce(sent_at, now()), failed_at = NULL, last_error = '',`+clearBodies+`
		 WHERE id = $1`, id, keep)
	return wrap("mark email sent", err)
}

// MarkRetry records a failed attempt and when to try again. reason must not
// hold personal data (no addresses, no server replies quoting them).
func (s *Store) MarkRetry(ctx context.Context, id int64, after time.Duration, reason string) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE outbox
		   SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3
		 WHERE id = $1 AND sent_at IS NULL`, id, after.Seconds(), reason)
	return wrap("mark email for retry", err)
}

// MarkFailed gives up on a message for good, clearing its bodies as
// MarkSent does. reason must not hold personal data.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, keep bool) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE outbox
		   SET failed_at = now(), last_error = $3,`+clearBodies+`
		 WHERE id = $1 AND sent_at IS NULL`, id, keep, reason)
	return wrap("mark email failed", err)
}

// clearBodies is the SET clause shared by MarkSent and MarkFailed; $2 is keep.
const clearBodies = `
		       text_body = CASE WHEN $2 THEN text_body ELSE '' END,
		       html_body = CASE WHEN $2 THEN html_body ELSE '' END,
		       headers = CASE WHEN $2 THEN headers ELSE '{}' END,
		       attachments = CASE WHEN $2 THEN attachments END`

// PruneOutbox deletes delivered and abandoned messages older than age, so
// recipients' addresses are not kept longer than delivery needs.
func (s *Store) PruneOutbox(ctx context.Context, age time.Duration) (int64, error) {
	res, err := s.db.ExecContext(ctx, `
		DELETE FROM outbox
		 WHERE (sent_at IS NOT NULL OR failed_at IS NOT NULL)
		   AND created_at < now() - make_interval(secs => $1)`, age.Seconds())
	if err != nil {
		return 0, wrap("prune outbox", err)
	}
	return res.RowsAffected()
}

// OutboxMessages lists the newest messages first, for the development
// mailbox.
func (s *Store) OutboxMessages(ctx context.Context, limit int) ([]OutboxMessage, error) {
	var rows []outboxRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+outboxColumns+` FROM outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, wrap("list outbox", err)
	}
	return messages(rows)
}

// OutboxMessage returns one message, for the development mailbox.
func (s *Store) OutboxMessage(ctx context.Context, id int64) (OutboxMessage, error) {
	var r outboxRow
	if err := s.db.GetContext(ctx, &r, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, id); err != nil {
		return OutboxMessage{}, wrap("outbox message", err)
	}
	return r.message()
}

// ListenOutbox calls wake whenever a message is committed to the outbox, and
// after its connection is re-established (notifications may have been missed
// meanwhile), until ctx ends. It uses a connection of its own, outside the
// pool. Waking is an optimisation: senders also poll, so a lost notification
// only delays a message until the next poll.
func ListenOutbox(ctx context.Context, dbURL string, wake func()) error {
	l := pq.NewDialListener(dialer{}, dbURL, time.Second, 30*time.Second, nil)
	stop := context.AfterFunc(ctx, func() { l.Close() }) // also unblocks Listen while the database is down
	defer func() {
		if stop() {
			l.Close()
		}
	}()
	if err := l.Listen("outbox"); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return wrap("listen outbox", err)
	}
	for range l.Notify { // closed when ctx ends
		wake()
	}
	return nil
}
