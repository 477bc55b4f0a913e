package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// Priorities lists a neighbourhood's current priorities, oldest first.
func (s *Store) Priorities(ctx context.Context, neighbourhoodID int64) ([]portal.Priority, error) {
	var rows []struct {
		ID          int64     `db:"id"`
		Title       string    `db:"title"`
		Description string    `db:"description"`
		CreatedAt   time.Time `db:"created_at"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT id, title, description, created_at FROM neighbourhood_priorities
		 WHERE neighbourhood_id = $1 AND retired_at IS NULL ORDER BY created_at, id`, neighbourhoodID)
	if err != nil {
		return nil, wrap("priorities", err)
	}
	out := make([]portal.Priority, len(rows))
	for i, r := range rows {
		out[i] = portal.Priority{ID: r.ID, Title: r.Title, Description: r.Description, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// AddPriority adds a priority to a neighbourhood the scope covers
// (otherwise portal.ErrNotFound) and returns its id.
func (t *Tx) AddPriority(ctx context.Context, neighbourhoodID int64, scope portal.Scope, in portal.PriorityInput, by int64) (int64, error) {
	var id int64
	q, args, err := t.tx.BindNamed(`
		INSERT INTO neighbourhood_priorities (neighbourhood_id, title, description, created_by)
		SELECT n.id, :title, :description, NULLIF(:by, 0) FROM neighbourhoods n
		 WHERE n.id = :n AND (:all OR n.id = ANY(:areas))
		RETURNING id`, scopeArgs(scope, map[string]any{"n": neighbourhoodID, "title": in.Title,
		"description": in.Description, "by": by}))
	if err == nil {
		err = t.tx.GetContext(ctx, &id, q, args...)
	}
	return id, wrap("add priority", err)
}

// RetirePriority takes a priority off the neighbourhood page; one outside
// the scope, or already retired, answers portal.ErrNotFound.
func (t *Tx) RetirePriority(ctx context.Context, id, neighbourhoodID int64, scope portal.Scope) error {
	q, args, err := t.tx.BindNamed(`
		UPDATE neighbourhood_priorities p SET retired_at = now()
		 WHERE p.id = :id AND p.neighbourhood_id = :n AND p.retired_at IS NULL
		   AND (:all OR p.neighbourhood_id = ANY(:areas))`,
		scopeArgs(scope, map[string]any{"id": id, "n": neighbourhoodID}))
	if err != nil {
		return wrap("retire priority", err)
	}
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return wrap("retire priority", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("db: retire priority: %w", portal.ErrNotFound)
	}
	return nil
}

// PublishedMessage is the result of publishing a team message.
type PublishedMessage struct {
	ID int64
	// Areas are the neighbourhoods it went to, for queueing its alerts.
	Areas []int64
	// Replayed is true when this form had already been sent: nothing new
	// was published.
	Replayed bool
}

// PublishTeamMessage stores a message for the chosen neighbourhoods and
// LPAs, limited in SQL to those the scope covers; the caller queues its
// alerts in the same transaction (PublishAlert). Choosing nothing the scope covers answers
// portal.ErrNotFound. The idempotency key makes a resubmission return the
// original message.
func (t *Tx) PublishTeamMessage(ctx context.Context, in portal.TeamMessageInput, eventAt time.Time, scope portal.Scope, by int64) (PublishedMessage, error) {
	var out PublishedMessage
	err := t.tx.GetContext(ctx, &out.ID, `SELECT id FROM team_messages WHERE idempotency_key = $1`, in.IdempotencyKey)
	if err == nil {
		out.Replayed = true
		return out, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return out, wrap("publish message: replay", err)
	}
	var areas pq.Int64Array
	q, args, err := t.tx.BindNamed(`
		SELECT coalesce(array_agg(n.id ORDER BY n.id), '{}') FROM neighbourhoods n JOIN lpas l ON l.id = n.lpa_id
		 WHERE (n.code = ANY(:codes) OR l.code = ANY(:lpas)) AND (:all OR n.id = ANY(:areas))`,
		scopeArgs(scope, map[string]any{"codes": pq.Array(in.Neighbourhoods), "lpas": pq.Array(in.LPAs)}))
	if err == nil {
		err = t.tx.GetContext(ctx, &areas, q, args...)
	}
	if err != nil {
		return out, wrap("publish message: areas", err)
	}
	if len(areas) == 0 {
		return out, fmt.Errorf("db: publish message: %w", portal.ErrNotFound)
	}
	q, args, err = t.tx.BindNamed(`
		WITH m AS (
		    INSERT INTO team_messages (idempotency_key, kind, priority, title, body, event_at, event_place, author_id)
		    VALUES (:key, :kind, :priority, :title, :body, :event_at, :place, NULLIF(:by, 0))
		    RETURNING id
		), a AS (
		    INSERT INTO team_message_areas (message_id, neighbourhood_id) SELECT m.id, unnest(CAST(:areas_ids AS int[])) FROM m
		)
		SELECT id FROM m`, map[string]any{"key": in.IdempotencyKey, "kind": string(in.Kind),
		"priority": string(in.Priority), "title": in.Title, "body": in.Body,
		"event_at": sql.NullTime{Time: eventAt, Valid: in.Kind == portal.MessageEvent}, "place": in.Place,
		"by": by, "areas_ids": areas})
	if err == nil {
		err = t.tx.GetContext(ctx, &out.ID, q, args...)
	}
	if err != nil {
		return out, wrap("publish message", err)
	}
	out.Areas = areas
	return out, nil
}

// teamMessageRow is a message as scanned.
type teamMessageRow struct {
	ID          int64          `db:"id"`
	Kind        string         `db:"kind"`
	Priority    string         `db:"priority"`
	Title       string         `db:"title"`
	Body        string         `db:"body"`
	EventAt     sql.NullTime   `db:"event_at"`
	EventPlace  string         `db:"event_place"`
	PublishedAt time.Time      `db:"published_at"`
	Areas       pq.StringArray `db:"areas"`
}

func (r teamMessageRow) message() portal.TeamMessage {
	return portal.TeamMessage{ID: r.ID, Kind: portal.MessageKind(r.Kind), Priority: portal.Level(r.Priority),
		Title: r.Title, Body: r.Body, EventAt: r.EventAt.Time, EventPlace: r.EventPlace,
		PublishedAt: r.PublishedAt, Areas: r.Areas}
}

const teamMessageColumns = `m.id, m.kind, m.priority, m.title, m.body, m.event_at, m.event_place, m.published_at,
	ARRAY(SELECT n2.name FROM team_message_areas a2 JOIN neighbourhoods n2 ON n2.id = a2.neighbourhood_id
	       WHERE a2.message_id = m.id ORDER BY n2.name) AS areas`

// TeamMessages lists a neighbourhood's messages, newest first.
func (s *Store) TeamMessages(ctx context.Context, neighbourhoodID int64, limit int) ([]portal.TeamMessage, error) {
	var rows []teamMessageRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+teamMessageColumns+`
		  FROM team_message_areas a JOIN team_messages m ON m.id = a.message_id
		 WHERE a.neighbourhood_id = $1
		 ORDER BY m.published_at DESC, m.id DESC LIMIT $2`, neighbourhoodID, limit)
	if err != nil {
		return nil, wrap("team messages", err)
	}
	return messageList(rows), nil
}

// TeamMessage returns one published message (they are public).
func (s *Store) TeamMessage(ctx context.Context, id int64) (portal.TeamMessage, error) {
	var row teamMessageRow
	err := s.db.GetContext(ctx, &row, `SELECT `+teamMessageColumns+` FROM team_messages m WHERE m.id = $1`, id)
	if err != nil {
		return portal.TeamMessage{}, wrap("team message", err)
	}
	return row.message(), nil
}

// TeamMessagesInScope lists the newest messages sent to any neighbourhood
// the scope covers, for staff.
func (s *Store) TeamMessagesInScope(ctx context.Context, scope portal.Scope, limit int) ([]portal.TeamMessage, error) {
	var rows []teamMessageRow
	q, args, err := s.db.BindNamed(`SELECT `+teamMessageColumns+` FROM team_messages m
		 WHERE EXISTS (SELECT 1 FROM team_message_areas a WHERE a.message_id = m.id
		                  AND (:all OR a.neighbourhood_id = ANY(:areas)))
		 ORDER BY m.published_at DESC, m.id DESC LIMIT :limit`, scopeArgs(scope, map[string]any{"limit": limit}))
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, wrap("team messages in scope", err)
	}
	return messageList(rows), nil
}

func messageList(rows []teamMessageRow) []portal.TeamMessage {
	out := make([]portal.TeamMessage, len(rows))
	for i, r := range rows {
		out[i] = r.message()
	}
	return out
}
