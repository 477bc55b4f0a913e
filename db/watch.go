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

// schemeMargin is how far (metres) a scheme described by postcodes
// reaches beyond the hull of its postcodes' points.
const schemeMargin = 75

// CreateScheme stores a volunteer's application to register a scheme and
// returns its id. Postcodes not in the directory answer
// portal.ErrUnknownPostcode; an area touching none of the force's
// neighbourhoods answers portal.ErrOutsideArea. The idempotency key makes a
// repeat return the first application.
func (t *Tx) CreateScheme(ctx context.Context, in portal.SchemeInput, postcodes []string, polygon string, coordinatorID int64) (int64, error) {
	var id int64
	err := t.tx.GetContext(ctx, &id, `SELECT id FROM watch_schemes WHERE idempotency_key = $1`, in.IdempotencyKey)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, wrap("create scheme: replay", err)
	}
	if len(postcodes) > 0 {
		var known int
		if err := t.tx.GetContext(ctx, &known, `SELECT count(*) FROM postcodes WHERE postcode = ANY($1)`, pq.Array(postcodes)); err != nil {
			return 0, wrap("create scheme: postcodes", err)
		}
		if known < len(postcodes) {
			return 0, fmt.Errorf("db: create scheme: %w", portal.ErrUnknownPostcode)
		}
	}
	q, args, err := t.tx.BindNamed(`
		WITH a AS (
		    SELECT ST_Multi(CASE WHEN :polygon <> '' THEN ST_SetSRID(ST_GeomFromGeoJSON(:polygon), 4326)
		           ELSE (SELECT CAST(ST_Buffer(CAST(ST_ConvexHull(ST_Collect(p.location)) AS geography), :margin) AS geometry)
		                   FROM postcodes p WHERE p.postcode = ANY(:postcodes)) END) AS area
		)
		INSERT INTO watch_schemes (idempotency_key, name, coordinator_id, area, postcodes, meeting_details)
		SELECT :key, :name, :coordinator, ST_MakeValid(a.area), :postcodes, :meeting FROM a
		 WHERE EXISTS (SELECT 1 FROM neighbourhoods n WHERE ST_Intersects(n.boundary, a.area))
		RETURNING id`, map[string]any{"polygon": polygon, "margin": schemeMargin, "postcodes": pq.Array(postcodes),
		"key": in.IdempotencyKey, "name": in.Name, "coordinator": coordinatorID, "meeting": in.MeetingDetails})
	if err == nil {
		err = t.tx.GetContext(ctx, &id, q, args...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("db: create scheme: %w", portal.ErrOutsideArea)
	}
	return id, wrap("create scheme", err)
}

type schemeRow struct {
	ID             int64          `db:"id"`
	Name           string         `db:"name"`
	CoordinatorID  int64          `db:"coordinator_id"`
	CoordEmail     string         `db:"coordinator_email"`
	Postcodes      pq.StringArray `db:"postcodes"`
	MeetingDetails string         `db:"meeting_details"`
	Status         string         `db:"status"`
	Neighbourhoods pq.StringArray `db:"neighbourhoods"`
	Members        int            `db:"members"`
	CreatedAt      time.Time      `db:"created_at"`
}

const schemeColumns = `w.id, w.name, w.coordinator_id, u.email AS coordinator_email, w.postcodes, w.meeting_details,
	w.status, ARRAY(SELECT n.name FROM neighbourhoods n WHERE ST_Intersects(n.boundary, w.area) ORDER BY n.name) AS neighbourhoods,
	(SELECT count(*) FROM watch_members m WHERE m.scheme_id = w.id) AS members, w.created_at`

const schemeFrom = ` FROM watch_schemes w JOIN users u ON u.id = w.coordinator_id`

func (r schemeRow) scheme() portal.Scheme {
	return portal.Scheme{ID: r.ID, Name: r.Name, CoordinatorID: r.CoordinatorID, CoordinatorEmail: r.CoordEmail,
		Postcodes: r.Postcodes, MeetingDetails: r.MeetingDetails, Status: portal.SchemeStatus(r.Status),
		Neighbourhoods: r.Neighbourhoods, Members: r.Members, CreatedAt: r.CreatedAt}
}

func schemes(rows []schemeRow) []portal.Scheme {
	out := make([]portal.Scheme, len(rows))
	for i, r := range rows {
		out[i] = r.scheme()
	}
	return out
}

// Scheme returns one scheme, whatever its status (callers decide who may see it).
func (s *Store) Scheme(ctx context.Context, id int64) (portal.Scheme, error) {
	var row schemeRow
	if err := s.db.GetContext(ctx, &row, `SELECT `+schemeColumns+schemeFrom+` WHERE w.id = $1`, id); err != nil {
		return portal.Scheme{}, wrap("scheme", err)
	}
	return row.scheme(), nil
}

// SchemesByStatus lists schemes in a state, oldest first, for administrators.
func (s *Store) SchemesByStatus(ctx context.Context, status portal.SchemeStatus, limit int) ([]portal.Scheme, error) {
	var rows []schemeRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+schemeColumns+schemeFrom+`
		 WHERE w.status = $1 ORDER BY w.created_at DESC LIMIT $2`, string(status), limit)
	if err != nil {
		return nil, wrap("schemes by status", err)
	}
	return schemes(rows), nil
}

// SchemesIn lists the approved schemes whose area touches a neighbourhood.
func (s *Store) SchemesIn(ctx context.Context, neighbourhoodID int64) ([]portal.Scheme, error) {
	var rows []schemeRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+schemeColumns+schemeFrom+`
		  JOIN neighbourhoods nb ON nb.id = $1 AND ST_Intersects(nb.boundary, w.area)
		 WHERE w.status = 'approved' ORDER BY w.name`, neighbourhoodID)
	if err != nil {
		return nil, wrap("schemes in neighbourhood", err)
	}
	return schemes(rows), nil
}

// SchemesOf lists the schemes a resident coordinates or has joined.
func (s *Store) SchemesOf(ctx context.Context, userID int64) ([]portal.Scheme, error) {
	var rows []schemeRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+schemeColumns+schemeFrom+`
		 WHERE w.coordinator_id = $1
		    OR (w.status = 'approved' AND EXISTS (SELECT 1 FROM watch_members m WHERE m.scheme_id = w.id AND m.user_id = $1))
		 ORDER BY w.name`, userID)
	if err != nil {
		return nil, wrap("schemes of user", err)
	}
	return schemes(rows), nil
}

// DecideScheme approves or declines a pending scheme and returns it; one
// already decided answers portal.ErrConflict.
func (t *Tx) DecideScheme(ctx context.Context, id int64, to portal.SchemeStatus, by int64) (portal.Scheme, error) {
	res, err := t.tx.ExecContext(ctx, `
		UPDATE watch_schemes SET status = $2, decided_by = $3, decided_at = now()
		 WHERE id = $1 AND status = 'pending'`, id, string(to), by)
	if err != nil {
		return portal.Scheme{}, wrap("decide scheme", err)
	}
	var row schemeRow
	if err := t.tx.GetContext(ctx, &row, `SELECT `+schemeColumns+schemeFrom+` WHERE w.id = $1`, id); err != nil {
		return portal.Scheme{}, wrap("decide scheme", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return row.scheme(), fmt.Errorf("db: decide scheme: %w", portal.ErrConflict)
	}
	return row.scheme(), nil
}

// JoinScheme adds a resident to an approved scheme (joining twice changes
// nothing); an unknown or unapproved scheme answers portal.ErrNotFound.
func (s *Store) JoinScheme(ctx context.Context, schemeID, userID int64) error {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO watch_members (scheme_id, user_id)
		SELECT id, $2 FROM watch_schemes WHERE id = $1 AND status = 'approved'
		ON CONFLICT DO NOTHING`, schemeID, userID)
	if err != nil {
		return wrap("join scheme", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var member bool
		if err := s.db.GetContext(ctx, &member, `SELECT EXISTS (SELECT 1 FROM watch_members WHERE scheme_id = $1 AND user_id = $2)`,
			schemeID, userID); err != nil || !member {
			return fmt.Errorf("db: join scheme: %w", portal.ErrNotFound)
		}
	}
	return nil
}

// LeaveScheme removes a resident from a scheme.
func (s *Store) LeaveScheme(ctx context.Context, schemeID, userID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM watch_members WHERE scheme_id = $1 AND user_id = $2`, schemeID, userID)
	return wrap("leave scheme", err)
}

// IsMember reports whether a resident belongs to a scheme.
func (s *Store) IsMember(ctx context.Context, schemeID, userID int64) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM watch_members WHERE scheme_id = $1 AND user_id = $2)`, schemeID, userID)
	return ok, wrap("scheme member", err)
}

// SentWatchMessage is the result of a coordinator's message.
type SentWatchMessage struct {
	ID       int64
	Replayed bool
	// Recipients are the members' addresses, for the caller to queue one
	// email each; they are never shown to the coordinator.
	Recipients []string
}

// RecordWatchMessage stores a coordinator's message to an approved scheme
// they coordinate (otherwise portal.ErrNotFound) and returns the members'
// addresses, locked against a concurrent leave. A repeat of the same form
// is Replayed, with no recipients, so nobody is emailed twice.
func (t *Tx) RecordWatchMessage(ctx context.Context, schemeID, coordinatorID int64, in portal.WatchMessageInput) (SentWatchMessage, error) {
	var out SentWatchMessage
	err := t.tx.GetContext(ctx, &out.ID, `SELECT id FROM watch_messages WHERE idempotency_key = $1`, in.IdempotencyKey)
	if err == nil {
		out.Replayed = true
		return out, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return out, wrap("watch message: replay", err)
	}
	err = t.tx.SelectContext(ctx, &out.Recipients, `
		SELECT u.email FROM watch_members m
		  JOIN watch_schemes w ON w.id = m.scheme_id
		  JOIN users u ON u.id = m.user_id
		 WHERE w.id = $1 AND w.coordinator_id = $2 AND w.status = 'approved' AND u.disabled_at IS NULL
		 ORDER BY m.user_id
		   FOR SHARE OF m`, schemeID, coordinatorID)
	if err != nil {
		return out, wrap("watch message: members", err)
	}
	err = t.tx.GetContext(ctx, &out.ID, `
		INSERT INTO watch_messages (idempotency_key, scheme_id, author_id, subject, body, recipients)
		SELECT $1, w.id, $3, $4, $5, $6 FROM watch_schemes w
		 WHERE w.id = $2 AND w.coordinator_id = $3 AND w.status = 'approved'
		RETURNING id`, in.IdempotencyKey, schemeID, coordinatorID, in.Subject, in.Body, len(out.Recipients))
	return out, wrap("watch message", err)
}

// WatchMessage is a coordinator's message as their sent list shows it.
type WatchMessage struct {
	ID         int64     `db:"id"`
	Subject    string    `db:"subject"`
	Recipients int       `db:"recipients"`
	SentAt     time.Time `db:"sent_at"`
}

// WatchMessages lists a scheme's sent messages, newest first.
func (s *Store) WatchMessages(ctx context.Context, schemeID int64, limit int) ([]WatchMessage, error) {
	var out []WatchMessage
	err := s.db.SelectContext(ctx, &out, `SELECT id, subject, recipients, sent_at FROM watch_messages
		 WHERE scheme_id = $1 ORDER BY sent_at DESC, id DESC LIMIT $2`, schemeID, limit)
	return out, wrap("watch messages", err)
}
