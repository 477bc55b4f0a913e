package portal

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ReportEvent is one entry in a report's timeline.
type ReportEvent struct {
	At   time.Time
	Kind string // submitted, status, reply, information, note
	Body string
}

// Label says what the entry is, as the reporter reads it.
func (e ReportEvent) Label() string {
	switch e.Kind {
	case "submitted":
		return "Report received"
	case "status":
		return "Status changed"
	case "reply":
		return "Reply from your neighbourhood team"
	case "information":
		return "You added information"
	}
	return "Update"
}

// TrackedReport is what a reporter sees of their own report.
type TrackedReport struct {
	ID                int64
	Reference         string
	ProblemID         int64
	CategoryCode      string
	CategoryName      string
	NeighbourhoodCode string
	NeighbourhoodName string
	Postcode          string
	Place             string
	Status            ReportStatus
	CreatedAt         time.Time
	OccurredOn        time.Time
	UserID            int64
	Anonymous         bool
	Name              string
	Email             string
	Phone             string
	ContactPreference string
	SafeToLeave       bool
	Events            []ReportEvent
	PhotoIDs          []int64
}

// MaxInformation is the longest addition to a report.
const MaxInformation = 2000

// ValidateInformation checks more information added to a report.
func ValidateInformation(s string) FieldErrors {
	fe := FieldErrors{}
	if strings.TrimSpace(s) == "" {
		fe.Add("information", "Enter the information you want to add")
	} else if utf8.RuneCountInString(s) > MaxInformation {
		fe.Add("information", "The information must be 2,000 characters or fewer")
	}
	return fe
}

// TrackInput is the "find your report" form.
type TrackInput struct {
	Reference string
	Email     string
}

// Validate checks the form, returning the canonical reference.
func (in TrackInput) Validate() (string, FieldErrors) {
	fe := FieldErrors{}
	ref, ok := NormaliseReference(in.Reference)
	if strings.TrimSpace(in.Reference) == "" {
		fe.Add("reference", "Enter your report reference")
	} else if !ok {
		fe.Add("reference", "Enter the reference as it appears in your email, like ASB-7K3Q-9XPD")
	}
	if strings.TrimSpace(in.Email) == "" {
		fe.Add("email", "Enter the email address you gave with your report")
	}
	return ref, fe
}

// AgainDraft starts a new report about the same problem ("it happened
// again"): the category, place and reporter's details carry over, but the
// safety question, date and details are asked afresh. It counts as a
// separate complaint for the ASB Case Review.
func (t TrackedReport) AgainDraft(key string) *ReportDraft {
	d := &ReportDraft{Key: key, ProblemID: t.ProblemID, CategoryCode: t.CategoryCode,
		NeighbourhoodCode: t.NeighbourhoodCode, NeighbourhoodName: t.NeighbourhoodName,
		Postcode: t.Postcode, Place: t.Place}
	if !t.Anonymous {
		d.Anonymous, d.Name, d.Email, d.Phone, d.ContactPreference = "no", t.Name, t.Email, t.Phone, t.ContactPreference
		d.SafeToLeave = "no"
		if t.SafeToLeave {
			d.SafeToLeave = "yes"
		}
	}
	d.Complete("category")
	d.Complete("where")
	return d
}
