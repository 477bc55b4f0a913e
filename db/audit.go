package db

import (
	"context"
	"encoding/json"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// Audit appends one row to the audit log.
func (s *Store) Audit(ctx context.Context, e portal.AuditEntry) error {
	return audit(ctx, s.db, e)
}

// Audit appends one row to the audit log inside the transaction.
func (t *Tx) Audit(ctx context.Context, e portal.AuditEntry) error {
	return audit(ctx, t.tx, e)
}

func audit(ctx context.Context, x execer, e portal.AuditEntry) error {
	details, err := json.Marshal(e.Details)
	if err != nil || e.Details == nil {
		details = []byte("{}")
	}
	var ip any
	if e.ClientIP != "" && e.ClientIP != "unknown" {
		ip = e.ClientIP
	}
	_, err = x.ExecContext(ctx, `
		INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, client_ip, details)
		VALUES (NULLIF($1, 0), $2, $3, $4, $5, $6, $7)`,
		e.ActorID, string(e.ActorRole), e.Action, e.TargetType, e.TargetID, ip, details)
	return wrap("audit "+e.Action, err)
}

// AuditFilter selects audit rows; zero fields match everything.
type AuditFilter struct {
	ActorID    int64
	Action     string
	TargetType string
	TargetID   string
	From, To   time.Time
	Limit      int
	BeforeID   int64 // for paging: rows older than this id
}

// AuditLog lists audit rows, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]portal.AuditRecord, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var rows []struct {
		ID         int64     `db:"id"`
		At         time.Time `db:"at"`
		ActorID    int64     `db:"actor_id"`
		ActorEmail string    `db:"actor_email"`
		ActorRole  string    `db:"actor_role"`
		Action     string    `db:"action"`
		TargetType string    `db:"target_type"`
		TargetID   string    `db:"target_id"`
		ClientIP   string    `db:"client_ip"`
		Details    []byte    `db:"details"`
	}
	q, args, err := s.db.BindNamed(`
		SELECT a.id, a.at, coalesce(a.actor_id, 0) AS actor_id, coalesce(u.email, '') AS actor_email,
		       a.actor_role, a.action, a.target_type, a.target_id,
		       coalesce(host(a.client_ip), '') AS client_ip, a.details
		  FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
		 WHERE (:actor = 0 OR a.actor_id = :actor)
		   AND (:action = '' OR a.action = :action OR starts_with(a.action, :action || '.'))
		   AND (:ttype = '' OR a.target_type = :ttype)
		   AND (:tid = '' OR a.target_id = :tid)
		   AND (CAST(:from AS timestamptz) IS NULL OR a.at >= :from)
		   AND (CAST(:to AS timestamptz) IS NULL OR a.at < :to)
		   AND (:before = 0 OR a.id < :before)
		 ORDER BY a.id DESC
		 LIMIT :limit`, map[string]any{
		"actor": f.ActorID, "action": f.Action, "ttype": f.TargetType, "tid": f.TargetID,
		"from": nullTime(f.From), "to": nullTime(f.To), "before": f.BeforeID, "limit": f.Limit,
	})
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, wrap("audit log", err)
	}
	out := make([]portal.AuditRecord, len(rows))
	for i, r := range rows {
		var details map[string]string
		json.Unmarshal(r.Details, &details)
		out[i] = portal.AuditRecord{
			ID: r.ID, At: r.At, ActorEmail: r.ActorEmail,
			AuditEntry: portal.AuditEntry{ActorID: r.ActorID, ActorRole: portal.Role(r.ActorRole), Action: r.Action,
				TargetType: r.TargetType, TargetID: r.TargetID, ClientIP: r.ClientIP, Details: details},
		}
	}
	return out, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
