package portal

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The thresholds of the repeat flags. The database counts reports against
// them; they live here because they are policy, not storage.
const (
	// RepeatVictimReports reports from the same person (email address or
	// account) within RepeatVictimMonths, the report itself included, make
	// them a repeat victim. Three is also the statutory ASB Case Review
	// threshold, so the flag says the case may meet it.
	RepeatVictimReports = 3
	RepeatVictimMonths  = 6
	// RepeatLocationReports reports within RepeatLocationMetres of each
	// other within RepeatLocationDays make a repeat location.
	RepeatLocationReports = 3
	RepeatLocationMetres  = 100
	RepeatLocationDays    = 30
	// RepeatSubjectReports reports naming the same vehicle registration, or
	// giving exactly the same description of people, within
	// RepeatSubjectMonths make a repeat subject.
	RepeatSubjectReports = 3
	RepeatSubjectMonths  = 6
)

// ClaimTimeout is how long a claim on a report lasts without activity by
// the claimant; after it, "Next item" may give the report to someone else.
const ClaimTimeout = 30 * time.Minute

// ReportFlags are the warnings shown beside a report in the queue and on
// its page: two from the resident's answers, three computed from the data.
type ReportFlags struct {
	Hate           bool // the reporter said it was motivated by hate
	Vulnerable     bool // the reporter told us about their circumstances
	RepeatVictim   bool // also means the case may meet the ASB Case Review threshold
	RepeatLocation bool
	RepeatSubject  bool
}

// Flag is one warning, as a label and a longer explanation.
type Flag struct {
	Code, Label, Hint string
}

// List lists the flags that are set, most serious first.
func (f ReportFlags) List() []Flag {
	var out []Flag
	if f.Hate {
		out = append(out, Flag{"hate", "Hate", "The reporter thinks it was because of who they are"})
	}
	if f.Vulnerable {
		out = append(out, Flag{"vulnerable", "Vulnerable", "The reporter told us about their circumstances"})
	}
	if f.RepeatVictim {
		out = append(out, Flag{"repeat-victim", "Repeat victim", fmt.Sprintf(
			"%d or more reports from the same person in %d months: may meet the ASB Case Review threshold",
			RepeatVictimReports, RepeatVictimMonths)})
	}
	if f.RepeatLocation {
		out = append(out, Flag{"repeat-location", "Repeat location", fmt.Sprintf(
			"%d or more reports within %d metres in %d days", RepeatLocationReports, RepeatLocationMetres, RepeatLocationDays)})
	}
	if f.RepeatSubject {
		out = append(out, Flag{"repeat-subject", "Repeat subject", fmt.Sprintf(
			"The same vehicle or description of people in %d or more reports in %d months", RepeatSubjectReports, RepeatSubjectMonths)})
	}
	return out
}

// SuggestCourse reports whether the reporter could be invited to a free
// conflict-defusing course: repeat victims are. This is the hook for the
// invitation once courses exist; until then nothing offers it.
func (f ReportFlags) SuggestCourse() bool { return f.RepeatVictim }

// MayMeetCaseReviewThreshold reports whether the reporter's reports may
// meet the ASB Case Review threshold, which staff should then consider.
func (f ReportFlags) MayMeetCaseReviewThreshold() bool { return f.RepeatVictim }

// QueuePageSize is the number of reports on one page of the triage queue.
const QueuePageSize = 25

// QueueCountCap is the most reports the queue counts exactly; beyond it
// the queue says "more than" (the staff home still counts every one).
const QueueCountCap = 1000

// QueueFilter is what the triage queue shows: by default the new and open
// reports of every neighbourhood in the staff member's scope.
type QueueFilter struct {
	Neighbourhood string // a neighbourhood code, or "" for all in scope
	Category      string // a category code, or ""
	Status        string // "" (new and open), "new", "open", "awaiting-information" or "any"
	Risk          string // "" or a Risk
	Mine          bool   // only reports claimed by or assigned to the viewer
	Page          int    // from 1
}

// QueueStatuses are the statuses the queue can be filtered to.
var QueueStatuses = []ReportStatus{StatusNew, StatusOpen, StatusAwaitingInformation}

// QueueAnyStatus is the status filter for every report not yet closed.
const QueueAnyStatus = "any"

// Statuses is the list of statuses the filter selects.
func (f QueueFilter) Statuses() []ReportStatus {
	switch f.Status {
	case "":
		return []ReportStatus{StatusNew, StatusOpen}
	case QueueAnyStatus:
		return QueueStatuses
	}
	return []ReportStatus{ReportStatus(f.Status)}
}

// ParsePage reads a page number; anything that is not a whole number from
// 1 up is page 1.
func ParsePage(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

// Validate checks the filter against the neighbourhoods in the viewer's
// scope and the categories that exist. A neighbourhood outside the scope is
// refused exactly like one that does not exist.
func (f QueueFilter) Validate(neighbourhoods, categories []string) FieldErrors {
	fe := FieldErrors{}
	if f.Neighbourhood != "" && !slices.Contains(neighbourhoods, f.Neighbourhood) {
		fe.Add("neighbourhood", "Select a neighbourhood from the list")
	}
	if f.Category != "" && !slices.Contains(categories, f.Category) {
		fe.Add("category", "Select a category from the list")
	}
	if f.Status != "" && f.Status != QueueAnyStatus && !slices.Contains(QueueStatuses, ReportStatus(f.Status)) {
		fe.Add("status", "Select a status from the list")
	}
	if f.Risk != "" && !Risk(f.Risk).Valid() {
		fe.Add("risk", "Select a risk level from the list")
	}
	return fe
}

// StaffLabel is the status as staff read it in the workspace.
func (s ReportStatus) StaffLabel() string {
	switch s {
	case StatusNew:
		return "New"
	case StatusOpen:
		return "Open"
	case StatusAwaitingInformation:
		return "Awaiting information"
	case StatusClosed:
		return "Closed"
	}
	return string(s)
}

// QueueItem is one report as the triage queue lists it. It carries no
// personal data: staff open the report to see who sent it.
type QueueItem struct {
	ID                int64
	Reference         string
	CategoryName      string
	NeighbourhoodName string
	Status            ReportStatus
	Risk              Risk
	CreatedAt         time.Time
	DueAt             time.Time // zero: no target time
	ClaimedBy         string    // the claimant's name while the claim is live, or ""
	ClaimedByMe       bool
	Flags             ReportFlags
}

// Overdue reports whether the item is past its target time at now.
func (q QueueItem) Overdue(now time.Time) bool { return !q.DueAt.IsZero() && now.After(q.DueAt) }

// QueueCount is what waits in one queue: how many, the oldest arrival and
// how many are past their target time.
type QueueCount struct {
	Count   int
	Oldest  time.Time // zero when Count is 0
	Overdue int
}

// WorkCounts are the staff home's counts over the viewer's areas.
type WorkCounts struct {
	New                 QueueCount
	Open                QueueCount
	AwaitingInformation QueueCount
	Mine                QueueCount // claimed by or assigned to the viewer
}

// Age says how long ago t was, in the largest whole unit: "5 minutes",
// "3 hours", "2 days".
func Age(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}

// DueLabel says when an item is due relative to now: "Due in 4 hours" or
// "Overdue by 2 days".
func DueLabel(due, now time.Time) string {
	if due.IsZero() {
		return "No target"
	}
	if now.After(due) {
		return "Overdue by " + Age(due, now)
	}
	return "Due in " + Age(now, due)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
