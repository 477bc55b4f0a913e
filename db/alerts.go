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

// NewSubscription is an alert subscription to store, unconfirmed.
type NewSubscription struct {
	Token             string
	Email             string
	NeighbourhoodCode string // a neighbourhood subscription
	Postcode          string // a radius subscription: compact postcode
	RadiusM           int
	Kinds             portal.AlertInput
}

// CreateSubscription stores an unconfirmed subscription and returns it. A
// radius postcode not in the directory answers portal.ErrUnknownPostcode;
// one whose circle touches no neighbourhood, portal.ErrOutsideArea; an
// unknown neighbourhood, portal.ErrNotFound.
func (t *Tx) CreateSubscription(ctx context.Context, ns NewSubscription) (portal.Subscription, error) {
	in := ns.Kinds
	args := map[string]any{"token": ns.Token, "email": portal.CanonicalEmail(ns.Email), "code": ns.NeighbourhoodCode,
		"pc": ns.Postcode, "radius": ns.RadiusM, "msgs": in.Wants(portal.AlertTeamMessage),
		"cons": in.Wants(portal.AlertConsultation), "courses": in.Wants(portal.AlertCourseSession),
		"min": string(in.MinPriority), "freq": in.Frequency}
	if ns.RadiusM > 0 {
		if err := t.checkCircle(ctx, ns.Postcode, ns.RadiusM); err != nil {
			return portal.Subscription{}, err
		}
	}
	var id int64
	q, bound, err := t.tx.BindNamed(`
		INSERT INTO alert_subscriptions (token, email, neighbourhood_id, postcode, location, radius_m,
		       want_messages, want_consultations, want_courses, min_priority, frequency)
		SELECT :token, :email, n.id, CASE WHEN :radius > 0 THEN :pc ELSE '' END, CAST(p.location AS geography),
		       NULLIF(:radius, 0), :msgs, :cons, :courses, :min, :freq
		  FROM (SELECT 1) one
		  LEFT JOIN neighbourhoods n ON :radius = 0 AND n.code = :code
		  LEFT JOIN postcodes p ON :radius > 0 AND p.postcode = :pc
		 WHERE n.id IS NOT NULL OR p.location IS NOT NULL
		RETURNING id`, args)
	if err == nil {
		err = t.tx.GetContext(ctx, &id, q, bound...)
	}
	if err != nil {
		return portal.Subscription{}, wrap("create subscription", err)
	}
	return subscriptionByToken(ctx, t.tx, ns.Token)
}

// checkCircle answers portal.ErrUnknownPostcode or portal.ErrOutsideArea
// for a circle that cannot receive anything.
func (t *Tx) checkCircle(ctx context.Context, postcode string, radius int) error {
	var known, touches bool
	err := t.tx.QueryRowxContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM postcodes WHERE postcode = $1),
		       EXISTS (SELECT 1 FROM postcodes p JOIN neighbourhoods n
		                   ON ST_DWithin(n.boundary::geography, p.location::geography, $2)
		                WHERE p.postcode = $1)`, postcode, radius).Scan(&known, &touches)
	switch {
	case err != nil:
		return wrap("check alert circle", err)
	case !known:
		return fmt.Errorf("db: create subscription: %w", portal.ErrUnknownPostcode)
	case !touches:
		return fmt.Errorf("db: create subscription: %w", portal.ErrOutsideArea)
	}
	return nil
}

type subscriptionRow struct {
	ID           int64          `db:"id"`
	Token        string         `db:"token"`
	Email        string         `db:"email"`
	NName        sql.NullString `db:"neighbourhood_name"`
	Postcode     string         `db:"postcode"`
	Radius       sql.NullInt64  `db:"radius_m"`
	MinPriority  string         `db:"min_priority"`
	Frequency    string         `db:"frequency"`
	Confirmed    bool           `db:"confirmed"`
	Unsubscribed bool           `db:"unsubscribed"`
}

const subscriptionColumns = `s.id, s.token, s.email, n.name AS neighbourhood_name, s.postcode, s.radius_m,
	s.min_priority, s.frequency, s.confirmed_at IS NOT NULL AS confirmed, s.unsubscribed_at IS NOT NULL AS unsubscribed`

func (r subscriptionRow) subscription() portal.Subscription {
	return portal.Subscription{ID: r.ID, Token: r.Token, Email: r.Email, NeighbourhoodName: r.NName.String,
		Postcode: r.Postcode, RadiusM: int(r.Radius.Int64), MinPriority: portal.Level(r.MinPriority),
		Frequency: r.Frequency, Confirmed: r.Confirmed, Unsubscribed: r.Unsubscribed}
}

func subscriptionByToken(ctx context.Context, x execer, token string) (portal.Subscription, error) {
	var row subscriptionRow
	err := x.GetContext(ctx, &row, `SELECT `+subscriptionColumns+` FROM alert_subscriptions s
		  LEFT JOIN neighbourhoods n ON n.id = s.neighbourhood_id WHERE s.token = $1`, token)
	if err != nil {
		return portal.Subscription{}, wrap("subscription", err)
	}
	return row.subscription(), nil
}

// Subscription returns the subscription a link's token names.
func (s *Store) Subscription(ctx context.Context, token string) (portal.Subscription, error) {
	return subscriptionByToken(ctx, s.db, token)
}

// ConfirmSubscription turns a subscription on (double opt-in). A link
// older than portal.AlertWindow, or for a subscription that was ended,
// answers portal.ErrNotFound; confirming twice changes nothing.
func (s *Store) ConfirmSubscription(ctx context.Context, token string) (portal.Subscription, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE alert_subscriptions
		   SET confirmed_at = coalesce(confirmed_at, now()),
		       next_digest_at = coalesce(next_digest_at, now() + make_interval(secs => $2))
		 WHERE token = $1 AND unsubscribed_at IS NULL
		   AND (confirmed_at IS NOT NULL OR created_at > now() - make_interval(secs => $3))`,
		token, portal.DigestInterval.Seconds(), portal.AlertWindow.Seconds())
	if err != nil {
		return portal.Subscription{}, wrap("confirm subscription", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return portal.Subscription{}, fmt.Errorf("db: confirm subscription: %w", portal.ErrNotFound)
	}
	return s.Subscription(ctx, token)
}

// Unsubscribe ends a subscription and drops its unsent alerts; ending one
// already ended changes nothing. An unknown token answers portal.ErrNotFound.
func (s *Store) Unsubscribe(ctx context.Context, token string) error {
	var id int64
	err := s.db.GetContext(ctx, &id, `
		WITH s AS (
		    UPDATE alert_subscriptions SET unsubscribed_at = coalesce(unsubscribed_at, now())
		     WHERE token = $1 RETURNING id
		), q AS (
		    DELETE FROM alert_queue WHERE subscription_id = (SELECT id FROM s) AND sent_at IS NULL
		)
		SELECT id FROM s`, token)
	return wrap("unsubscribe", err)
}

// PruneSubscriptions deletes subscriptions never confirmed within
// portal.AlertWindow, so unconfirmed addresses are not kept.
func (s *Store) PruneSubscriptions(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM alert_subscriptions
		 WHERE confirmed_at IS NULL AND created_at < now() - make_interval(secs => $1)`, portal.AlertWindow.Seconds())
	return wrap("prune subscriptions", err)
}

// PublishAlert records something to announce in the neighbourhoods given
// and queues it, in the caller's transaction, for every confirmed
// subscription that wants its kind and level: subscriptions to one of the
// neighbourhoods, and radius subscriptions whose circle touches one of them
// (PostGIS ST_DWithin on geography, so the radius is in metres). It returns
// how many subscriptions it was queued for. Publishing the same item twice
// queues nothing more.
func (t *Tx) PublishAlert(ctx context.Context, item portal.AlertItem, neighbourhoodIDs []int64) (int, error) {
	var n int
	q, args, err := t.tx.BindNamed(`
		WITH i AS (
		    INSERT INTO alert_items (kind, ref_id, title, path, priority)
		    VALUES (:kind, :ref, :title, :path, :priority)
		    ON CONFLICT (kind, ref_id) DO NOTHING
		    RETURNING id
		), q AS (
		    INSERT INTO alert_queue (subscription_id, item_id)
		    SELECT s.id, i.id FROM i, alert_subscriptions s
		     WHERE s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL
		       AND CASE :kind WHEN 'team_message' THEN s.want_messages
		                      WHEN 'consultation' THEN s.want_consultations
		                      ELSE s.want_courses END
		       AND array_position(ARRAY['information', 'advice', 'urgent'], s.min_priority)
		           <= array_position(ARRAY['information', 'advice', 'urgent'], CAST(:priority AS text))
		       AND (s.neighbourhood_id = ANY(:areas)
		            OR (s.location IS NOT NULL AND EXISTS (
		                SELECT 1 FROM neighbourhoods n
		                 WHERE n.id = ANY(:areas) AND ST_DWithin(CAST(n.boundary AS geography), s.location, s.radius_m))))
		    ON CONFLICT DO NOTHING
		    RETURNING 1
		)
		SELECT count(*) FROM q`, map[string]any{"kind": string(item.Kind), "ref": item.RefID, "title": item.Title,
		"path": item.Path, "priority": string(item.Priority), "areas": pq.Array(neighbourhoodIDs)})
	if err == nil {
		err = t.tx.GetContext(ctx, &n, q, args...)
	}
	return n, wrap("publish alert", err)
}

// PendingAlert is one item to email to one subscriber.
type PendingAlert struct {
	Subscription portal.Subscription
	Item         portal.AlertItem
}

type pendingRow struct {
	subscriptionRow
	ItemID    int64     `db:"item_id"`
	Kind      string    `db:"kind"`
	RefID     int64     `db:"ref_id"`
	Title     string    `db:"title"`
	Path      string    `db:"path"`
	Priority  string    `db:"priority"`
	CreatedAt time.Time `db:"created_at"`
}

func (r pendingRow) alert() PendingAlert {
	return PendingAlert{Subscription: r.subscription(), Item: portal.AlertItem{ID: r.ItemID,
		Kind: portal.AlertKind(r.Kind), RefID: r.RefID, Title: r.Title, Path: r.Path,
		Priority: portal.Level(r.Priority), At: r.CreatedAt}}
}

const pendingFrom = ` FROM alert_queue q
	  JOIN alert_subscriptions s ON s.id = q.subscription_id
	  LEFT JOIN neighbourhoods n ON n.id = s.neighbourhood_id
	  JOIN alert_items i ON i.id = q.item_id`

const pendingColumns = subscriptionColumns + `, i.id AS item_id, i.kind, i.ref_id, i.title, i.path, i.priority, i.created_at`

// ClaimImmediateAlerts locks up to limit unsent alerts of immediate
// subscriptions, oldest first, skipping rows another replica holds. The
// caller emails them and marks them sent (MarkAlertsSent) in the same
// transaction, so each alert is queued for delivery exactly once.
func (t *Tx) ClaimImmediateAlerts(ctx context.Context, limit int) ([]PendingAlert, error) {
	var rows []pendingRow
	err := t.tx.SelectContext(ctx, &rows, `SELECT `+pendingColumns+pendingFrom+`
		 WHERE q.sent_at IS NULL AND s.frequency = 'immediate' AND s.unsubscribed_at IS NULL
		 ORDER BY q.created_at, q.item_id
		 LIMIT $1
		   FOR UPDATE OF q SKIP LOCKED`, limit)
	if err != nil {
		return nil, wrap("claim alerts", err)
	}
	out := make([]PendingAlert, len(rows))
	for i, r := range rows {
		out[i] = r.alert()
	}
	return out, nil
}

// ClaimDigest locks one weekly subscription whose digest is due at now and
// returns its unsent alerts, oldest first; none due answers
// portal.ErrNotFound. The caller emails the digest and calls MarkDigestSent
// in the same transaction.
func (t *Tx) ClaimDigest(ctx context.Context, now time.Time) ([]PendingAlert, error) {
	var id int64
	err := t.tx.GetContext(ctx, &id, `
		SELECT s.id FROM alert_subscriptions s
		 WHERE s.frequency = 'weekly' AND s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL
		   AND s.next_digest_at <= $1
		   AND EXISTS (SELECT 1 FROM alert_queue q WHERE q.subscription_id = s.id AND q.sent_at IS NULL)
		 ORDER BY s.next_digest_at
		 LIMIT 1
		   FOR UPDATE SKIP LOCKED`, now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("db: claim digest: %w", portal.ErrNotFound)
	}
	if err != nil {
		return nil, wrap("claim digest", err)
	}
	var rows []pendingRow
	err = t.tx.SelectContext(ctx, &rows, `SELECT `+pendingColumns+pendingFrom+`
		 WHERE q.subscription_id = $1 AND q.sent_at IS NULL
		 ORDER BY i.created_at, i.id`, id)
	if err != nil {
		return nil, wrap("claim digest items", err)
	}
	out := make([]PendingAlert, len(rows))
	for i, r := range rows {
		out[i] = r.alert()
	}
	return out, nil
}

// MarkAlertsSent records that the alerts were queued for delivery.
func (t *Tx) MarkAlertsSent(ctx context.Context, alerts []PendingAlert) error {
	subs, items := make([]int64, len(alerts)), make([]int64, len(alerts))
	for i, a := range alerts {
		subs[i], items[i] = a.Subscription.ID, a.Item.ID
	}
	_, err := t.tx.ExecContext(ctx, `
		UPDATE alert_queue q SET sent_at = now()
		  FROM unnest($1::bigint[], $2::bigint[]) AS x(s, i)
		 WHERE q.subscription_id = x.s AND q.item_id = x.i`, pq.Array(subs), pq.Array(items))
	return wrap("mark alerts sent", err)
}

// MarkDigestSent marks a digest's alerts sent and schedules the next
// digest a week after now.
func (t *Tx) MarkDigestSent(ctx context.Context, alerts []PendingAlert, now time.Time) error {
	if len(alerts) == 0 {
		return nil
	}
	if err := t.MarkAlertsSent(ctx, alerts); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `UPDATE alert_subscriptions SET next_digest_at = $2 WHERE id = $1`,
		alerts[0].Subscription.ID, now.Add(portal.DigestInterval))
	return wrap("schedule digest", err)
}
