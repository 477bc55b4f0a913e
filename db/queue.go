package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// queueAreas are the neighbourhoods the queue looks in: those of the
// viewer's scope (always, in SQL), narrowed by the filter's neighbourhood.
const queueAreas = `
	SELECT n.id FROM neighbourhoods n
	 WHERE (:all OR n.id = ANY(:areas)) AND (:neighbourhood = '' OR n.code = :neighbourhood)`

// queueWhere selects the reports of the triage queue within one of
// queueAreas by the filter's status, category, risk and "mine". It is
// shared by the page, its count and "Next item".
const queueWhere = `
	   r.status = ANY(CAST(:statuses AS text[]))
	   AND (:category = '' OR r.category_id = (SELECT id FROM categories WHERE code = :category))
	   AND (:risk = '' OR beacon_risk_rank(r.risk) = beacon_risk_rank(:risk))
	   AND (NOT :mine OR ` + mineSQL + `)`

// queueOrder puts the most harmful first, then the oldest; within one
// neighbourhood it is the order of the reports_triage index.
const queueOrder = ` ORDER BY beacon_risk_rank(r.risk), r.created_at, r.id`

// queueCandidates are the first :depth reports of the queue in each
// neighbourhood, read in order from the reports_triage index. Merging them
// costs the same however the reports are spread: a PCSO's quiet
// neighbourhood never waits behind the busy ones of the rest of the force.
const queueCandidates = `
	SELECT c.id, c.risk, c.created_at
	  FROM (` + queueAreas + `) a
	 CROSS JOIN LATERAL (
	       SELECT r.id, r.risk, r.created_at FROM reports r
	        WHERE r.neighbourhood_id = a.id AND ` + queueWhere + queueOrder + `
	        LIMIT :depth) c`

// queueArgs are the named parameters of queueWhere.
func queueArgs(scope portal.Scope, userID int64, f portal.QueueFilter) map[string]any {
	statuses := make([]string, 0, 3)
	for _, s := range f.Statuses() {
		statuses = append(statuses, string(s))
	}
	return scopeArgs(scope, map[string]any{
		"statuses": pq.Array(statuses), "neighbourhood": f.Neighbourhood, "category": f.Category,
		"risk": f.Risk, "mine": f.Mine, "user": userID, "claim_timeout": interval(portal.ClaimTimeout),
	})
}

// interval writes a duration as a PostgreSQL interval.
func interval(d time.Duration) string { return fmt.Sprintf("%d seconds", int64(d/time.Second)) }

// QueuePage is one page of the triage queue and how many reports match,
// counted up to portal.QueueCountCap (More is set beyond it).
type QueuePage struct {
	Items []portal.QueueItem
	Total int
	More  bool
}

type queueRow struct {
	ID             int64          `db:"id"`
	Reference      string         `db:"reference"`
	Category       string         `db:"category_name"`
	Neighbourhood  string         `db:"neighbourhood_name"`
	Status         string         `db:"status"`
	Risk           string         `db:"risk"`
	CreatedAt      time.Time      `db:"created_at"`
	DueAt          sql.NullTime   `db:"due_at"`
	ClaimedBy      sql.NullString `db:"claimed_by_name"`
	ClaimedByMe    bool           `db:"claimed_by_me"`
	Hate           bool           `db:"hate"`
	Vulnerable     bool           `db:"vulnerable"`
	RepeatVictim   bool           `db:"repeat_victim"`
	RepeatLocation bool           `db:"repeat_location"`
	RepeatSubject  bool           `db:"repeat_subject"`
	Total          int            `db:"total"`
}

// Queue lists one page of the triage queue for a staff member: reports in
// their scope only, the most harmful first, then the oldest, each with its
// repeat flags, and how many match. One statement reads the page, its
// flags and its count, so they agree with each other and cost one
// statement rather than three (on a busy server each statement's round
// trips wait for a CPU again). A page past the last one has no row to
// carry the count, so its count is read on its own, in the same
// transaction.
func (s *Store) Queue(ctx context.Context, scope portal.Scope, userID int64, f portal.QueueFilter) (QueuePage, error) {
	args := flagThresholdArgs(queueArgs(scope, userID, f))
	page := max(f.Page, 1)
	args["limit"], args["offset"] = portal.QueuePageSize, (page-1)*portal.QueuePageSize
	args["depth"] = page * portal.QueuePageSize
	args["cap"] = portal.QueueCountCap + 1
	var out QueuePage
	err := s.readOnly(ctx, func(x execer) error {
		var rows []queueRow
		q, qargs, err := sqlx.BindNamed(sqlx.DOLLAR, queueSQL, args)
		if err == nil {
			err = x.SelectContext(ctx, &rows, q, qargs...)
		}
		if err != nil {
			return wrap("queue", err)
		}
		out.Items = make([]portal.QueueItem, len(rows))
		for i, r := range rows {
			out.Items[i] = r.item()
		}
		switch {
		case len(rows) > 0:
			out.Total = rows[0].Total
		case page > 1:
			if out.Total, err = queueCount(ctx, x, args); err != nil {
				return err
			}
		}
		if out.Total > portal.QueueCountCap {
			out.Total, out.More = portal.QueueCountCap, true
		}
		return nil
	})
	return out, err
}

// queueCountSQL counts the reports matching the queue's filter, stopping
// just past portal.QueueCountCap: nobody pages through more, and counting a
// huge backlog exactly would cost more than the page itself.
const queueCountSQL = `
	SELECT count(*) FROM (
	    SELECT 1 FROM reports r
	     WHERE r.neighbourhood_id IN (` + queueAreas + `) AND ` + queueWhere + `
	     LIMIT :cap) capped`

// queueSQL is a page of the queue with each report's flags (the page is in
// the scope already) and the count.
const queueSQL = `
	WITH page AS (
	    SELECT r.id FROM (` + queueCandidates + `) r` + queueOrder + `
	     LIMIT :limit OFFSET :offset
	), total AS (` + queueCountSQL + `)
	SELECT r.id, r.reference, c.name AS category_name, n.name AS neighbourhood_name, r.status, r.risk,
	       r.created_at, r.due_at,
	       CASE WHEN r.claimed_at > now() - CAST(:claim_timeout AS interval)
	            THEN coalesce(nullif(u.display_name, ''), u.email) END AS claimed_by_name,
	       coalesce(r.claimed_by = :user AND r.claimed_at > now() - CAST(:claim_timeout AS interval), false) AS claimed_by_me,
	       coalesce(f.hate, false) AS hate, coalesce(f.vulnerable, false) AS vulnerable,
	       coalesce(f.repeat_victim, false) AS repeat_victim, coalesce(f.repeat_location, false) AS repeat_location,
	       coalesce(f.repeat_subject, false) AS repeat_subject,
	       (SELECT count FROM total) AS total
	  FROM page
	  JOIN reports r ON r.id = page.id
	  JOIN categories c ON c.id = r.category_id
	  JOIN neighbourhoods n ON n.id = r.neighbourhood_id
	  LEFT JOIN users u ON u.id = r.claimed_by
	  LEFT JOIN beacon_report_flags(ARRAY(SELECT id FROM page),` + flagThresholds + `) f ON f.report_id = r.id` + queueOrder

func (r queueRow) item() portal.QueueItem {
	return portal.QueueItem{ID: r.ID, Reference: r.Reference, CategoryName: r.Category,
		NeighbourhoodName: r.Neighbourhood, Status: portal.ReportStatus(r.Status), Risk: portal.Risk(r.Risk),
		CreatedAt: r.CreatedAt, DueAt: r.DueAt.Time, ClaimedBy: r.ClaimedBy.String, ClaimedByMe: r.ClaimedByMe,
		Flags: portal.ReportFlags{Hate: r.Hate, Vulnerable: r.Vulnerable, RepeatVictim: r.RepeatVictim,
			RepeatLocation: r.RepeatLocation, RepeatSubject: r.RepeatSubject}}
}

// queueCount runs queueSQL's count alone.
func queueCount(ctx context.Context, x execer, args map[string]any) (int, error) {
	var n int
	q, qargs, err := sqlx.BindNamed(sqlx.DOLLAR, queueCountSQL, args)
	if err == nil {
		err = x.GetContext(ctx, &n, q, qargs...)
	}
	return n, wrap("count queue", err)
}

// readOnly runs fn in a read-only transaction (one snapshot for a page,
// its flags and its count) without JIT compilation: the planner's cost
// estimate of merging many neighbourhoods' queues is high enough to
// trigger JIT, which costs tens of milliseconds, more than the queries
// themselves take.
func (s *Store) readOnly(ctx context.Context, fn func(execer) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrap("begin", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
		return wrap("jit off", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return wrap("commit", tx.Commit())
}

// ClaimNext claims the most urgent report of the queue that nobody holds
// (or whose claim has lapsed) for the user and returns its reference, or
// portal.ErrNotFound when there is none. One statement finds and claims
// it, skipping rows another officer is claiming at the same moment
// (FOR UPDATE SKIP LOCKED), so two officers never get the same report.
// When it finds one, the user's other live claims are released: they have
// moved on. (Only live ones: a lapsed claim may be another officer's
// candidate at this moment, and touching it could deadlock with them.)
func (t *Tx) ClaimNext(ctx context.Context, scope portal.Scope, userID int64, f portal.QueueFilter) (string, error) {
	f.Mine = false
	args := queueArgs(scope, userID, f)
	args["depth"] = claimDepth
	var ref string
	q, qargs, err := t.tx.BindNamed(`
		WITH next AS (
		    SELECT r.id FROM reports r
		     WHERE r.id IN (SELECT q.id FROM (`+claimCandidates+`) q)
		       AND r.status = ANY(CAST(:statuses AS text[])) AND `+unclaimedSQL+queueOrder+`
		     LIMIT 1
		       FOR UPDATE OF r SKIP LOCKED
		), released AS (
		    UPDATE reports SET claimed_by = NULL, claimed_at = NULL
		     WHERE claimed_by = :user AND claimed_at > now() - CAST(:claim_timeout AS interval)
		       AND EXISTS (SELECT 1 FROM next) AND id NOT IN (SELECT id FROM next)
		)
		UPDATE reports r SET claimed_by = :user, claimed_at = now()
		  FROM next WHERE r.id = next.id
		RETURNING r.reference`, args)
	if err == nil {
		err = t.tx.GetContext(ctx, &ref, q, qargs...)
	}
	return ref, wrap("claim next report", err)
}

// claimDepth is how many unclaimed candidates per neighbourhood "Next item"
// considers: more than the officers who could press it at the same moment,
// since those being claimed by others are skipped.
const claimDepth = 16

// unclaimedSQL matches reports nobody holds: never claimed, or the claim
// has lapsed.
const unclaimedSQL = `(r.claimed_by IS NULL OR r.claimed_at IS NULL
	OR r.claimed_at <= now() - CAST(:claim_timeout AS interval))`

// claimCandidates are the first unclaimed reports of each neighbourhood's
// queue, in order.
const claimCandidates = `
	SELECT c.id
	  FROM (` + queueAreas + `) a
	 CROSS JOIN LATERAL (
	       SELECT r.id FROM reports r
	        WHERE r.neighbourhood_id = a.id AND ` + queueWhere + ` AND ` + unclaimedSQL + queueOrder + `
	        LIMIT :depth) c`

// RefreshClaim keeps a claim alive while its holder works on the report
// (viewing it or acting on it): a claim lapses after portal.ClaimTimeout of
// inactivity. It changes nothing if someone else holds the report.
func (s *Store) RefreshClaim(ctx context.Context, reportID, userID int64) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE reports SET claimed_at = now()
		 WHERE id = $1 AND claimed_by = $2 AND claimed_at > now() - CAST($3 AS interval)`,
		reportID, userID, interval(portal.ClaimTimeout))
	return wrap("refresh claim", err)
}

// WorkCounts counts what waits in a staff member's areas, per queue, with
// the oldest arrival and how many are past their target time. The open
// reports are counted from a covering index, without reading the table.
func (s *Store) WorkCounts(ctx context.Context, scope portal.Scope, userID int64) (portal.WorkCounts, error) {
	var rows []struct {
		Queue  string       `db:"queue"`
		N      int          `db:"n"`
		Late   int          `db:"late"`
		Oldest sql.NullTime `db:"oldest"`
	}
	q, args, err := s.db.BindNamed(`
		SELECT r.status AS queue, count(*) AS n, count(*) FILTER (WHERE r.due_at < now()) AS late,
		       min(r.created_at) AS oldest
		  FROM reports r
		 WHERE r.status IN ('new', 'open', 'awaiting-information') AND (:all OR r.neighbourhood_id = ANY(:areas))
		 GROUP BY r.status
		UNION ALL
		SELECT 'mine', count(*), count(*) FILTER (WHERE r.due_at < now()), min(r.created_at)
		  FROM reports r
		 WHERE r.status IN ('new', 'open', 'awaiting-information') AND (:all OR r.neighbourhood_id = ANY(:areas))
		   AND `+mineSQL,
		scopeArgs(scope, map[string]any{"user": userID, "claim_timeout": interval(portal.ClaimTimeout)}))
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return portal.WorkCounts{}, wrap("work counts", err)
	}
	var out portal.WorkCounts
	for _, r := range rows {
		c := portal.QueueCount{Count: r.N, Overdue: r.Late, Oldest: r.Oldest.Time}
		switch r.Queue {
		case string(portal.StatusNew):
			out.New = c
		case string(portal.StatusOpen):
			out.Open = c
		case string(portal.StatusAwaitingInformation):
			out.AwaitingInformation = c
		case "mine":
			out.Mine = c
		}
	}
	return out, nil
}

// mineSQL matches reports assigned to the user or claimed by them now.
const mineSQL = `(r.assigned_to = :user OR (r.claimed_by = :user AND r.claimed_at > now() - CAST(:claim_timeout AS interval)))`

// DemoReportKeyPrefix starts the idempotency key of every demo report, so
// demo data can be recognised and is never mistaken for a resident's.
const DemoReportKeyPrefix = "demo-report-"

// DemoReportCount counts the demo reports already loaded.
func (s *Store) DemoReportCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM reports WHERE idempotency_key LIKE $1 || '%'`, DemoReportKeyPrefix)
	return n, wrap("count demo reports", err)
}

// DemoReportHistory is the past given to a demo report: when it arrived
// and, if it has moved on, its status with the public timeline entry that
// says so.
type DemoReportHistory struct {
	CreatedAt time.Time
	Status    portal.ReportStatus
	Outcome   portal.Outcome // closed reports only
	ChangedAt time.Time      // when the status changed (zero for new reports)
	Update    string         // the public timeline text of the change
}

// SetDemoReportHistory backdates a demo report (and only a demo report) and
// moves it to its status. Running it again changes nothing more.
func (s *Store) SetDemoReportHistory(ctx context.Context, id int64, h DemoReportHistory) error {
	return s.InTx(ctx, func(tx *Tx) error {
		var closedAt sql.NullTime
		if h.Status == portal.StatusClosed {
			closedAt = sql.NullTime{Time: h.ChangedAt, Valid: true}
		}
		updated := h.CreatedAt
		if !h.ChangedAt.IsZero() {
			updated = h.ChangedAt
		}
		res, err := tx.tx.ExecContext(ctx, `
			UPDATE reports SET created_at = $2, updated_at = $7, status = $3, outcome = $4, closed_at = $5
			 WHERE id = $1 AND idempotency_key LIKE $6 || '%'`,
			id, h.CreatedAt, string(h.Status), string(h.Outcome), closedAt, DemoReportKeyPrefix, updated)
		if err != nil {
			return wrap("demo report history", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("db: demo report history: %w", portal.ErrNotFound)
		}
		if _, err := tx.tx.ExecContext(ctx, `UPDATE report_events SET at = $2 WHERE report_id = $1 AND kind = 'submitted'`,
			id, h.CreatedAt); err != nil {
			return wrap("demo report submitted", err)
		}
		if h.Status == portal.StatusNew {
			return nil
		}
		_, err = tx.tx.ExecContext(ctx, `
			INSERT INTO report_events (report_id, at, kind, public, body)
			SELECT $1, $2, 'status', true, $3
			 WHERE NOT EXISTS (SELECT 1 FROM report_events WHERE report_id = $1 AND kind = 'status')`,
			id, h.ChangedAt, h.Update)
		return wrap("demo report status", err)
	})
}
