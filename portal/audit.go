package portal

import "time"

// AuditEntry is one staff or admin action for the append-only audit log.
// Details must never hold personal data: refer to people and reports by
// their IDs in TargetType/TargetID.
type AuditEntry struct {
	ActorID    int64
	ActorRole  Role
	Action     string // dotted, area first: "staff.invite", "report.view"
	TargetType string
	TargetID   string
	ClientIP   string
	Details    map[string]string
}

// AuditRecord is a stored audit row, for the audit log viewer.
type AuditRecord struct {
	AuditEntry
	ID         int64
	At         time.Time
	ActorEmail string
}
