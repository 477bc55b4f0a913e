package db

import (
	"context"
	"encoding/json"

	"github.com/beacon-portal/beacon/portal"
)

// Enqueue writes an email to the outbox; the background sender delivers it.
func (s *Store) Enqueue(ctx context.Context, m portal.Email) error {
	return enqueue(ctx, s.db, m)
}

// Enqueue writes an email to the outbox as part of the transaction, so it is
// sent if and only if the change that caused it is committed.
func (t *Tx) Enqueue(ctx context.Context, m portal.Email) error {
	return enqueue(ctx, t.tx, m)
}

func enqueue(ctx context.Context, x execer, m portal.Email) error {
	headers, err := json.Marshal(m.Headers)
	if err != nil || m.Headers == nil {
		headers = []byte("{}")
	}
	_, err = x.ExecContext(ctx, `
		INSERT INTO outbox (recipient, subject, text_body, html_body, headers)
		VALUES ($1, $2, $3, $4, $5)`, m.To, m.Subject, m.Text, m.HTML, headers)
	return wrap("enqueue email", err)
}
