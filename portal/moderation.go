package portal

import (
	"time"
	"unicode/utf8"
)

// The general moderation queue holds public text written by residents (such
// as consultation comments) until staff approve it, reject it with a
// reason, or edit it and record what they took out. Features plug their
// kinds of text into the one queue; the queue itself knows nothing of them.

// ModerationStatus is where an item is in moderation.
type ModerationStatus string

// The moderation statuses.
const (
	ModerationPending  ModerationStatus = "pending"
	ModerationApproved ModerationStatus = "approved"
	ModerationRejected ModerationStatus = "rejected"
)

// Label is the status as staff read it.
func (s ModerationStatus) Label() string {
	switch s {
	case ModerationPending:
		return "Waiting"
	case ModerationApproved:
		return "Approved"
	case ModerationRejected:
		return "Rejected"
	}
	return string(s)
}

// ModerationAction is what a moderator decides.
type ModerationAction string

// The decisions: approve as written, reject with a reason, or edit (take
// something out, such as a name or an address) and approve the edited text.
const (
	ModerationApprove ModerationAction = "approve"
	ModerationReject  ModerationAction = "reject"
	ModerationEdit    ModerationAction = "edit"
)

// Status is the status the decision moves an item to.
func (a ModerationAction) Status() ModerationStatus {
	if a == ModerationReject {
		return ModerationRejected
	}
	return ModerationApproved
}

// Limits on what moderators write.
const (
	MaxModerationReason = 500
	MaxModerationBody   = 5000
)

// ModerationKind is a kind of public text that goes through the queue.
type ModerationKind struct {
	Name  string // stored with each item: "consultation_comment"
	Label string // as staff read it: "Consultation comment"
}

// ModerationItem is one piece of public text in the queue.
type ModerationItem struct {
	ID                int64
	Kind              string
	KindLabel         string
	RefID             int64 // the feature's own id for the text
	NeighbourhoodID   int64 // 0: not tied to one neighbourhood
	NeighbourhoodName string
	Body              string // as the resident wrote it; kept for audit even when edited
	Status            ModerationStatus
	Reason            string // why it was rejected
	EditedBody        string // the text published instead of Body, when edited
	Edited            bool
	RedactionNote     string // what the edit took out, and why
	Flags             int    // times the public flagged it
	DecidedBy         string // their name
	DecidedByID       int64
	DecidedAt         time.Time
	CreatedAt         time.Time
}

// Pending reports whether the item still waits for a decision.
func (m ModerationItem) Pending() bool { return m.Status == ModerationPending }

// Published is the text the public may see: the edited text if there is
// one, else the original, and nothing unless the item was approved.
func (m ModerationItem) Published() string {
	switch {
	case m.Status != ModerationApproved:
		return ""
	case m.Edited:
		return m.EditedBody
	}
	return m.Body
}

// ModeratesUnplaced reports whether role sees items that belong to no
// neighbourhood (force-wide text): sergeants and force administrators.
func ModeratesUnplaced(role Role) bool { return role == RoleSergeant || role == RoleForceAdmin }

// ModerationDecision is what a moderator sent.
type ModerationDecision struct {
	Action        ModerationAction
	Reason        string
	EditedBody    string
	RedactionNote string
}

// Validate returns every problem with the decision on item at once.
func (d ModerationDecision) Validate(item ModerationItem) FieldErrors {
	fe := FieldErrors{}
	switch d.Action {
	case ModerationApprove:
	case ModerationReject:
		switch {
		case d.Reason == "":
			fe.Add("reason", "Enter why you are rejecting it")
		case utf8.RuneCountInString(d.Reason) > MaxModerationReason:
			fe.Add("reason", "The reason must be 500 characters or fewer")
		}
	case ModerationEdit:
		switch {
		case d.EditedBody == "":
			fe.Add("edited-body", "Enter the text to publish")
		case utf8.RuneCountInString(d.EditedBody) > MaxModerationBody:
			fe.Add("edited-body", "The text must be 5,000 characters or fewer")
		case d.EditedBody == item.Body:
			fe.Add("edited-body", "Change the text, or choose to approve it as written")
		}
		switch {
		case d.RedactionNote == "":
			fe.Add("redaction-note", "Enter what you took out and why")
		case utf8.RuneCountInString(d.RedactionNote) > MaxModerationReason:
			fe.Add("redaction-note", "The note must be 500 characters or fewer")
		}
	default:
		fe.Add("action", "Select what to do with it")
	}
	return fe
}

// Apply returns the item as the decision leaves it. Only a pending item can be
// decided: one already decided (by someone else, at the same moment)
// answers ErrConflict. The original text is kept whatever the decision.
func (m ModerationItem) Apply(d ModerationDecision, by string, at time.Time) (ModerationItem, error) {
	if !m.Pending() {
		return m, ErrConflict
	}
	if fe := d.Validate(m); fe.Any() {
		return m, fe
	}
	m.Status = d.Action.Status()
	m.DecidedBy, m.DecidedAt = by, at
	switch d.Action {
	case ModerationReject:
		m.Reason = d.Reason
	case ModerationEdit:
		m.Edited, m.EditedBody, m.RedactionNote = true, d.EditedBody, d.RedactionNote
	}
	return m, nil
}
