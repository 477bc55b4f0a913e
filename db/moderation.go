package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// NewModerationItem is public text a feature sends for moderation.
type NewModerationItem struct {
	Kind            string
	RefID           int64 // the feature's own id for the text
	NeighbourhoodID int64 // 0: not tied to one neighbourhood
	Body            string
}

// EnqueueModeration puts text in the moderation queue and returns the
// item's id. Sending the same text again changes nothing; sending changed
// text for the same (kind, ref) puts it back in the queue, pending.
func (s *Store) EnqueueModeration(ctx context.Context, in NewModerationItem) (int64, error) {
	return enqueueModeration(ctx, s.db, in)
}

// EnqueueModeration puts text in the moderation queue inside the
// transaction that stores the text itself.
func (t *Tx) EnqueueModeration(ctx context.Context, in NewModerationItem) (int64, error) {
	return enqueueModeration(ctx, t.tx, in)
}

func enqueueModeration(ctx context.Context, x execer, in NewModerationItem) (int64, error) {
	var id int64
	err := x.GetContext(ctx, &id, `
		WITH up AS (
			INSERT INTO moderation_items (kind, ref_id, neighbourhood_id, body)
			VALUES ($1, $2, NULLIF($3, 0), $4)
			ON CONFLICT (kind, ref_id) DO UPDATE
			   SET body = EXCLUDED.body, neighbourhood_id = EXCLUDED.neighbourhood_id, status = 'pending',
			       reason = '', edited_body = NULL, redaction_note = '', decided_by = NULL,
			       decided_at = NULL, created_at = now()
			 WHERE moderation_items.body IS DISTINCT FROM EXCLUDED.body
			RETURNING id)
		SELECT id FROM up
		UNION ALL
		SELECT id FROM moderation_items WHERE kind = $1 AND ref_id = $2
		LIMIT 1`, in.Kind, in.RefID, in.NeighbourhoodID, in.Body)
	return id, wrap("enqueue moderation", err)
}

// ModerationScope is who is looking at the queue: their areas, and whether
// they also see items tied to no neighbourhood (portal.ModeratesUnplaced).
type ModerationScope struct {
	portal.Scope
	Unplaced bool
}

// moderationWhere limits items to a ModerationScope, in SQL.
const moderationWhere = `(:all OR m.neighbourhood_id = ANY(:areas) OR (m.neighbourhood_id IS NULL AND :unplaced))`

const moderationColumns = `m.id, m.kind, m.ref_id, coalesce(m.neighbourhood_id, 0) AS neighbourhood_id,
	coalesce(n.name, '') AS neighbourhood_name, m.body, m.status, m.reason,
	coalesce(m.edited_body, '') AS edited_body, m.edited_body IS NOT NULL AS edited, m.redaction_note,
	m.flags, coalesce(nullif(u.display_name, ''), u.email, '') AS decided_by,
	coalesce(m.decided_by, 0) AS decided_by_id, m.decided_at, m.created_at`

const moderationFrom = ` FROM moderation_items m
	LEFT JOIN neighbourhoods n ON n.id = m.neighbourhood_id
	LEFT JOIN users u ON u.id = m.decided_by`

type moderationRow struct {
	ID                int64        `db:"id"`
	Kind              string       `db:"kind"`
	RefID             int64        `db:"ref_id"`
	NeighbourhoodID   int64        `db:"neighbourhood_id"`
	NeighbourhoodName string       `db:"neighbourhood_name"`
	Body              string       `db:"body"`
	Status            string       `db:"status"`
	Reason            string       `db:"reason"`
	EditedBody        string       `db:"edited_body"`
	Edited            bool         `db:"edited"`
	RedactionNote     string       `db:"redaction_note"`
	Flags             int          `db:"flags"`
	DecidedBy         string       `db:"decided_by"`
	DecidedByID       int64        `db:"decided_by_id"`
	DecidedAt         sql.NullTime `db:"decided_at"`
	CreatedAt         time.Time    `db:"created_at"`
}

func (r moderationRow) item() portal.ModerationItem {
	return portal.ModerationItem{ID: r.ID, Kind: r.Kind, RefID: r.RefID, NeighbourhoodID: r.NeighbourhoodID,
		NeighbourhoodName: r.NeighbourhoodName, Body: r.Body, Status: portal.ModerationStatus(r.Status),
		Reason: r.Reason, EditedBody: r.EditedBody, Edited: r.Edited, RedactionNote: r.RedactionNote,
		Flags: r.Flags, DecidedBy: r.DecidedBy, DecidedByID: r.DecidedByID, DecidedAt: r.DecidedAt.Time, CreatedAt: r.CreatedAt}
}

func moderationArgs(scope ModerationScope, args map[string]any) map[string]any {
	args = scopeArgs(scope.Scope, args)
	args["unplaced"] = scope.Unplaced
	return args
}

// ModerationQueue lists the items a scope covers: every pending one,
// oldest first, then up to decided of the most recently decided.
func (s *Store) ModerationQueue(ctx context.Context, scope ModerationScope, decided int) (pending, done []portal.ModerationItem, err error) {
	var rows []moderationRow
	q, args, err := s.db.BindNamed(`
		(SELECT `+moderationColumns+moderationFrom+`
		  WHERE m.status = 'pending' AND `+moderationWhere+`
		  ORDER BY m.created_at, m.id)
		UNION ALL
		(SELECT `+moderationColumns+moderationFrom+`
		  WHERE m.status <> 'pending' AND `+moderationWhere+`
		  ORDER BY m.decided_at DESC, m.id DESC
		  LIMIT :decided)`, moderationArgs(scope, map[string]any{"decided": decided}))
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, nil, wrap("moderation queue", err)
	}
	for _, r := range rows {
		if r.Status == string(portal.ModerationPending) {
			pending = append(pending, r.item())
		} else {
			done = append(done, r.item())
		}
	}
	return pending, done, nil
}

// PendingModerationCount counts the items waiting in a scope, for the
// staff home.
func (s *Store) PendingModerationCount(ctx context.Context, scope ModerationScope) (int, error) {
	var n int
	q, args, err := s.db.BindNamed(`SELECT count(*) FROM moderation_items m
		 WHERE m.status = 'pending' AND `+moderationWhere, moderationArgs(scope, map[string]any{}))
	if err == nil {
		err = s.db.GetContext(ctx, &n, q, args...)
	}
	return n, wrap("count pending moderation", err)
}

// ModerationItem returns one item if scope covers it; otherwise
// portal.ErrNotFound, exactly as for a missing one.
func (s *Store) ModerationItem(ctx context.Context, id int64, scope ModerationScope) (portal.ModerationItem, error) {
	return moderationItem(ctx, s.db, id, scope, "")
}

func moderationItem(ctx context.Context, x execer, id int64, scope ModerationScope, lock string) (portal.ModerationItem, error) {
	var row moderationRow
	q, args, err := x.BindNamed(`SELECT `+moderationColumns+moderationFrom+`
		 WHERE m.id = :id AND `+moderationWhere+lock, moderationArgs(scope, map[string]any{"id": id}))
	if err == nil {
		err = x.GetContext(ctx, &row, q, args...)
	}
	if err != nil {
		return portal.ModerationItem{}, wrap("moderation item", err)
	}
	return row.item(), nil
}

// DecideModeration records a decision on an item the scope covers, by
// userID, and returns the item as decided. The row is locked first, so of
// two moderators deciding at once the second gets portal.ErrConflict; the
// resident's original text is never overwritten.
func (t *Tx) DecideModeration(ctx context.Context, id int64, scope ModerationScope, d portal.ModerationDecision, userID int64) (portal.ModerationItem, error) {
	item, err := moderationItem(ctx, t.tx, id, scope, " FOR UPDATE OF m")
	if err != nil {
		return portal.ModerationItem{}, err
	}
	decided, err := item.Apply(d, "", time.Now())
	if err != nil {
		return item, err
	}
	var edited any
	if decided.Edited {
		edited = decided.EditedBody
	}
	_, err = t.tx.ExecContext(ctx, `
		UPDATE moderation_items SET status = $2, reason = $3, edited_body = $4, redaction_note = $5,
		       decided_by = NULLIF($6, 0), decided_at = now()
		 WHERE id = $1`, id, string(decided.Status), decided.Reason, edited, decided.RedactionNote, userID)
	if err != nil {
		return portal.ModerationItem{}, wrap("decide moderation", err)
	}
	return moderationItem(ctx, t.tx, id, scope, "")
}
