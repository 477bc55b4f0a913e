package portal

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Neighbourhood pages: the team's priorities and messages, and anonymised
// counts of anti-social behaviour.

// SmallNumber is the threshold below which counts are never shown exactly:
// "3 reports of harassment in Mill in March" could identify the people
// involved, so any count under it reads "fewer than 5".
const SmallNumber = 5

// FewerThan is how a suppressed count reads.
const FewerThan = "fewer than 5"

// Count is a number of reports that may be published.
type Count int

// String is the count as the public may see it: exact from SmallNumber up,
// otherwise "fewer than 5" (zero included, so a blank never narrows 1 to 4).
func (c Count) String() string {
	if c < SmallNumber {
		return FewerThan
	}
	return strconv.Itoa(int(c))
}

// Suppressed reports whether the count is shown as "fewer than 5".
func (c Count) Suppressed() bool { return c < SmallNumber }

// MonthCounts is one month's reports by ASB type.
type MonthCounts struct {
	Month  time.Time // the first day of the month
	ByType map[ASBType]Count
}

// Of is the month's count of one type (zero if none).
func (m MonthCounts) Of(t ASBType) Count { return m.ByType[t] }

// Trends is twelve months of anonymised counts, oldest first. Only counts
// leave the database: no report, place or person is ever part of it.
type Trends struct {
	Months []MonthCounts
}

// Types lists the ASB types, for table columns.
func (Trends) Types() []ASBType { return ASBTypes }

// Empty reports whether no report at all was counted.
func (t Trends) Empty() bool {
	for _, m := range t.Months {
		for _, c := range m.ByType {
			if c > 0 {
				return false
			}
		}
	}
	return true
}

// PublicTrendMonths returns the first days of the twelve months ending with
// the one containing now, oldest first.
func PublicTrendMonths(now time.Time) []time.Time {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	out := make([]time.Time, 12)
	for i := range out {
		out[i] = first.AddDate(0, i-11, 0)
	}
	return out
}

// Priority is a neighbourhood's current policing priority.
type Priority struct {
	ID          int64
	Title       string
	Description string
	CreatedAt   time.Time
}

// Limits on priorities and messages.
const (
	MaxTitle        = 120
	MaxPriorityText = 600
	MaxMessageBody  = 3000
	MaxPlace        = 200
)

// PriorityInput is a member of staff adding a priority.
type PriorityInput struct {
	Title       string
	Description string
}

// Validate returns every problem with the input.
func (in PriorityInput) Validate() FieldErrors {
	fe := FieldErrors{}
	requiredLine(fe, "title", in.Title, MaxTitle, "Enter the priority", "The priority must be 120 characters or fewer, on one line")
	checkText(fe, "description", "What the team will do", in.Description, MaxPriorityText)
	return fe
}

// requiredLine checks a required single-line text answer.
func requiredLine(fe FieldErrors, field, v string, max int, missing, bad string) {
	switch {
	case strings.TrimSpace(v) == "":
		fe.Add(field, missing)
	case utf8.RuneCountInString(v) > max || strings.ContainsAny(v, "\r\n"):
		fe.Add(field, bad)
	}
}

// MessageKind is what a team message is about.
type MessageKind string

// The kinds of team message.
const (
	MessageAppeal         MessageKind = "appeal"
	MessageEvent          MessageKind = "event"
	MessageAdvice         MessageKind = "advice"
	MessagePriorityUpdate MessageKind = "priority_update"
)

// MessageKinds lists the kinds in the order forms show them.
var MessageKinds = []MessageKind{MessageAppeal, MessageEvent, MessageAdvice, MessagePriorityUpdate}

// Label is the kind as people say it.
func (k MessageKind) Label() string {
	switch k {
	case MessageAppeal:
		return "Appeal for information"
	case MessageEvent:
		return "Event, such as a street meeting or surgery"
	case MessageAdvice:
		return "Crime prevention advice"
	case MessagePriorityUpdate:
		return "Update on a priority"
	}
	return string(k)
}

// Level is how much a message matters: residents choose the lowest level
// they want to hear about.
type Level string

// The levels, lowest first.
const (
	LevelInformation Level = "information"
	LevelAdvice      Level = "advice"
	LevelUrgent      Level = "urgent"
)

// Levels lists the levels, lowest first.
var Levels = []Level{LevelInformation, LevelAdvice, LevelUrgent}

// Label is the level as people say it.
func (l Level) Label() string {
	switch l {
	case LevelInformation:
		return "Information"
	case LevelAdvice:
		return "Advice"
	case LevelUrgent:
		return "Urgent"
	}
	return string(l)
}

// rank orders the levels; an unknown level ranks 0.
func (l Level) rank() int {
	for i, v := range Levels {
		if v == l {
			return i + 1
		}
	}
	return 0
}

// AtLeast reports whether l is min or more important.
func (l Level) AtLeast(min Level) bool { return l.rank() >= min.rank() && min.rank() > 0 }

// Valid reports whether l is one of the levels.
func (l Level) Valid() bool { return l.rank() > 0 }

// TeamMessage is a published message from a neighbourhood team.
type TeamMessage struct {
	ID          int64
	Kind        MessageKind
	Priority    Level
	Title       string
	Body        string
	EventAt     time.Time // events only
	EventPlace  string
	PublishedAt time.Time
	// Areas names the neighbourhoods it was sent to (staff lists).
	Areas []string
}

// TeamMessageInput is a member of staff writing a message.
type TeamMessageInput struct {
	IdempotencyKey string
	Kind           MessageKind
	Priority       Level
	Title          string
	Body           string
	Day, Month     string
	Year, Time     string
	Place          string
	// Neighbourhoods and LPAs are the codes chosen; an LPA means all of
	// its neighbourhoods the author covers.
	Neighbourhoods []string
	LPAs           []string
}

// Validate returns every problem with the input; for events it also
// returns when the event starts (in loc).
func (in TeamMessageInput) Validate(now time.Time) (time.Time, FieldErrors) {
	fe := FieldErrors{}
	if !validKind(in.Kind) {
		fe.Add("kind", "Select what the message is about")
	}
	if !in.Priority.Valid() {
		fe.Add("priority", "Select how important the message is")
	}
	requiredLine(fe, "title", in.Title, MaxTitle, "Enter a title", "The title must be 120 characters or fewer, on one line")
	if strings.TrimSpace(in.Body) == "" {
		fe.Add("body", "Enter the message")
	}
	checkText(fe, "body", "The message", in.Body, MaxMessageBody)
	var at time.Time
	if in.Kind == MessageEvent {
		at = in.eventAt(now, fe)
		requiredLine(fe, "place", in.Place, MaxPlace, "Enter where the event is", "The place must be 200 characters or fewer, on one line")
	}
	if len(in.Neighbourhoods) == 0 && len(in.LPAs) == 0 {
		fe.Add("areas", "Select at least one neighbourhood or local policing area")
	}
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("kind", "Your form expired. Check the message and send it again")
	}
	return at, fe
}

func validKind(k MessageKind) bool {
	for _, v := range MessageKinds {
		if v == k {
			return true
		}
	}
	return false
}

// eventAt reads the event's date and time; it must not be in the past.
func (in TeamMessageInput) eventAt(now time.Time, fe FieldErrors) time.Time {
	d, err1 := strconv.Atoi(strings.TrimSpace(in.Day))
	m, err2 := strconv.Atoi(strings.TrimSpace(in.Month))
	y, err3 := strconv.Atoi(strings.TrimSpace(in.Year))
	if err1 != nil || err2 != nil || err3 != nil {
		fe.Add("event-day", "Enter the date of the event, like 27 3 2026")
		return time.Time{}
	}
	hh, mm := 0, 0
	t, err := time.Parse("15:04", normaliseTime(in.Time))
	if err != nil {
		fe.Add("event-time", "Enter the time the event starts, like 18:30")
	} else {
		hh, mm = t.Hour(), t.Minute()
	}
	at := time.Date(y, time.Month(m), d, hh, mm, 0, 0, now.Location())
	if at.Day() != d || int(at.Month()) != m || at.Year() != y {
		fe.Add("event-day", "The date of the event must be a real date")
		return time.Time{}
	}
	if at.Before(now.Truncate(24*time.Hour)) || y > now.Year()+2 {
		fe.Add("event-day", "The date of the event must be today or in the next 2 years")
	}
	return at
}

// OnBehalfChannel is how a report made for someone else reached Beacon.
type OnBehalfChannel string

// The channels of a report made on someone's behalf.
const (
	OnBehalfVolunteer OnBehalfChannel = "volunteer"
	OnBehalfPhone     OnBehalfChannel = "phone"
	OnBehalfInPerson  OnBehalfChannel = "in_person"
)

// Label is the channel as staff read it.
func (c OnBehalfChannel) Label() string {
	switch c {
	case OnBehalfVolunteer:
		return "By a volunteer"
	case OnBehalfPhone:
		return "By phone"
	case OnBehalfInPerson:
		return "In person"
	}
	return string(c)
}

// OnBehalf is who a report was made for, as the extra step of the
// reporting journey records it for volunteers and staff.
type OnBehalf struct {
	Channel      OnBehalfChannel
	Relationship string
	Consent      bool
	// UpdatesTo is "resident" or "submitter": where emails about the report go.
	UpdatesTo string
	// SubmitterEmail is the volunteer's address, used when UpdatesTo is "submitter".
	SubmitterEmail string
}

// MaxRelationship is the longest relationship description accepted.
const MaxRelationship = 120

// ValidateOnBehalf checks the "who are you reporting for" step. For is
// "myself" or "someone-else" (volunteers); staff always report for someone.
// The resident's own details are checked as on the "about you" page.
func (d *ReportDraft) ValidateOnBehalf(staff bool) FieldErrors {
	fe := FieldErrors{}
	if !staff && d.ReportFor != "myself" && d.ReportFor != "someone-else" {
		fe.Add("report-for", "Select who you are reporting for")
		return fe
	}
	if d.ReportFor == "myself" {
		return fe
	}
	ob := d.OnBehalf
	if staff && ob.Channel != OnBehalfPhone && ob.Channel != OnBehalfInPerson {
		fe.Add("channel", "Select how the resident contacted you")
	}
	requiredLine(fe, "relationship", ob.Relationship, MaxRelationship,
		"Enter how you know the person, like neighbour or Street Pastor", "Relationship must be 120 characters or fewer, on one line")
	d.Anonymous = "no"
	for k, v := range d.ValidateAboutYou() {
		if k == "name" && strings.TrimSpace(d.Name) == "" {
			v = "Enter the name of the person you are reporting for"
		}
		fe.Add(k, v)
	}
	if ob.UpdatesTo != "resident" && ob.UpdatesTo != "submitter" {
		fe.Add("updates-to", "Select who we should send updates to")
	}
	if ob.UpdatesTo == "resident" && d.ContactPreference == "email" && d.Email == "" {
		fe.Add("email", "Enter the person's email address, or choose to contact them by phone")
	}
	if !ob.Consent {
		fe.Add("consent", "You can only report for someone who has agreed to it: confirm they agreed")
	}
	return fe
}
