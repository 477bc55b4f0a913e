package portal

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// StaffReport is a report as the neighbourhood team works it: everything
// the resident sent, the triage state and the whole timeline, internal
// notes included. Only staff whose scope covers its neighbourhood see it.
type StaffReport struct {
	ID                int64
	Reference         string
	ProblemID         int64
	CategoryCode      string
	CategoryName      string
	NeighbourhoodID   int64
	NeighbourhoodCode string
	NeighbourhoodName string
	HasLocation       bool
	Latitude          float64
	Longitude         float64
	Postcode          string
	Place             string
	OccurredOn        time.Time
	OccurredTime      string // HH:MM, or ""
	HappenedBefore    bool
	HowOften          string
	SinceWhen         string
	Description       string
	People            string
	Vehicles          string
	UnsafeAtHome      bool
	HealthAffected    bool
	ChildrenAffected  bool
	StoppedThings     bool
	Hate              string // "yes", "no" or "not-sure"
	HateReasons       []string
	Vulnerability     string
	Anonymous         bool
	Name              string
	Email             string
	Phone             string
	ContactPreference string
	SafeToLeave       bool
	HasAccount        bool
	Status            ReportStatus
	Flagged           bool
	CreatedAt         time.Time
	Risk              Risk
	RiskAssessedAt    time.Time // zero until a member of staff assesses it
	RiskAssessedBy    string
	RiskReview        RiskReview
	DueAt             time.Time
	AssignedTo        int64
	AssignedName      string
	ClaimedName       string
	ClaimedAt         time.Time
	DuplicateOf       string // reference of the report this duplicates
	CaseReference     string
	CaseTitle         string
	Outcome           Outcome
	ClosedAt          time.Time
	PhotoIDs          []int64
	Events            []StaffEvent
	Duplicates        []ReportLink // reports marked as duplicates of this one
	Related           []ReportLink // other reports about the same problem ("it happened again")
}

// Closed reports whether the report is closed: only notes and replies may
// be added to it then.
func (r StaffReport) Closed() bool { return r.Status == StatusClosed }

// Overdue reports whether the report is open past its target time.
func (r StaffReport) Overdue(now time.Time) bool {
	return !r.Closed() && !r.DueAt.IsZero() && now.After(r.DueAt)
}

// Impacts lists the impact answers the reporter gave, as labels.
func (r StaffReport) Impacts() []string {
	var out []string
	for _, o := range Impacts {
		if (o.Value == "unsafe-at-home" && r.UnsafeAtHome) || (o.Value == "health" && r.HealthAffected) ||
			(o.Value == "children" && r.ChildrenAffected) || (o.Value == "stopped" && r.StoppedThings) {
			out = append(out, o.Label)
		}
	}
	return out
}

// Where describes the place, one line each: the postcode, the reporter's
// description of the place and the map position.
func (r StaffReport) Where() string {
	var lines []string
	if r.Postcode != "" {
		lines = append(lines, DisplayPostcode(r.Postcode))
	}
	if r.Place != "" {
		lines = append(lines, r.Place)
	}
	if r.HasLocation {
		lines = append(lines, fmt.Sprintf("Latitude %.5f, longitude %.5f", r.Latitude, r.Longitude))
	}
	if len(lines) == 0 {
		return "Not given"
	}
	return strings.Join(lines, "\n")
}

// HateLabel is the answer to the hate question, with the reasons given.
func (r StaffReport) HateLabel() string {
	switch r.Hate {
	case "yes":
		var out []string
		for _, o := range HateReasons {
			if slices.Contains(r.HateReasons, o.Value) {
				out = append(out, o.Label)
			}
		}
		return "Yes: " + strings.Join(out, ", ")
	case "not-sure":
		return "Not sure"
	}
	return "No"
}

// CanEmail reports whether the reporter can be emailed about an update.
func (r StaffReport) CanEmail() bool { return !r.Anonymous && r.Email != "" }

// ReportLink is another report mentioned on a report's page.
type ReportLink struct {
	Reference string
	Status    ReportStatus
	CreatedAt time.Time
}

// StaffEvent is one entry in a report's timeline as staff see it.
type StaffEvent struct {
	At     time.Time
	Kind   string
	Public bool
	Body   string
	Actor  string // the member of staff who wrote it, or "" for the reporter or the system
}

// Label says what the entry is, for staff.
func (e StaffEvent) Label() string {
	switch e.Kind {
	case "submitted":
		return "Report received"
	case "status":
		return "Status changed"
	case "reply":
		return "Reply to the reporter"
	case "information":
		return "The reporter added information"
	case "note":
		return "Internal note"
	case "risk":
		return "Risk assessed"
	case "assigned":
		return "Assigned"
	case "category":
		return "Category changed"
	case "duplicate":
		return "Marked as a duplicate"
	case "case":
		return "Linked to a case"
	}
	return "Update"
}

// Outcome is how a closed report ended.
type Outcome string

// The outcomes a report can be closed with.
const (
	OutcomeAdviceGiven     Outcome = "advice-given"
	OutcomeResolved        Outcome = "resolved"
	OutcomeReferredCouncil Outcome = "referred-council"
	OutcomeReferredHousing Outcome = "referred-housing"
	OutcomeReferredAgency  Outcome = "referred-agency"
	OutcomeNoFurtherAction Outcome = "no-further-action"
	OutcomeDuplicate       Outcome = "duplicate"
	OutcomeUnableToContact Outcome = "unable-to-contact"
)

// CloseOutcomes are the outcomes offered when closing a report. A duplicate
// is closed by marking it as one, which names the report it duplicates.
var CloseOutcomes = []Outcome{OutcomeAdviceGiven, OutcomeResolved, OutcomeReferredCouncil,
	OutcomeReferredHousing, OutcomeReferredAgency, OutcomeNoFurtherAction, OutcomeUnableToContact}

// Label is the outcome as staff read it.
func (o Outcome) Label() string {
	switch o {
	case OutcomeAdviceGiven:
		return "Advice given"
	case OutcomeResolved:
		return "Resolved"
	case OutcomeReferredCouncil:
		return "Referred to the council"
	case OutcomeReferredHousing:
		return "Referred to the housing provider"
	case OutcomeReferredAgency:
		return "Referred to another agency"
	case OutcomeNoFurtherAction:
		return "No further action"
	case OutcomeDuplicate:
		return "Duplicate of another report"
	case OutcomeUnableToContact:
		return "Unable to contact the reporter"
	}
	return string(o)
}

// PublicText is the outcome as the reporter reads it on their tracking
// page. It never names another report: a duplicate may be someone else's.
func (o Outcome) PublicText() string {
	switch o {
	case OutcomeAdviceGiven:
		return "Your report is closed. We gave advice about the problem."
	case OutcomeResolved:
		return "Your report is closed. We believe the problem has been resolved."
	case OutcomeReferredCouncil:
		return "Your report is closed. We passed it to the council, who can deal with this kind of problem."
	case OutcomeReferredHousing:
		return "Your report is closed. We passed it to the housing provider, who can deal with this problem."
	case OutcomeReferredAgency:
		return "Your report is closed. We passed it to another organisation that can deal with this problem."
	case OutcomeNoFurtherAction:
		return "Your report is closed. We have looked into it and will not be taking further action."
	case OutcomeDuplicate:
		return "Your report is closed because we are already dealing with the same problem through another report."
	case OutcomeUnableToContact:
		return "Your report is closed because we were unable to contact you."
	}
	return "Your report is closed."
}

// Hint explains an outcome on the close form.
func (o Outcome) Hint() string {
	switch o {
	case OutcomeReferredCouncil:
		return "For example, environmental health for noise, or fly-tipping"
	case OutcomeReferredAgency:
		return "For example, a mental health service or a charity"
	case OutcomeUnableToContact:
		return "You tried the contact details the reporter gave, more than once"
	}
	return ""
}

// StatusUpdate is the public timeline text when a report's status changes
// (other than closing, which uses the outcome's text).
func StatusUpdate(s ReportStatus) string {
	switch s {
	case StatusOpen:
		return "Your neighbourhood team is dealing with your report."
	case StatusAwaitingInformation:
		return "Your neighbourhood team needs more information from you. Add it below."
	}
	return s.Label()
}

// AfterTriage is the status a report moves to when staff first act on it:
// a new report becomes open ("being dealt with"); others stay as they are.
func (s ReportStatus) AfterTriage() ReportStatus {
	if s == StatusNew {
		return StatusOpen
	}
	return s
}

// RiskReview is a member of staff's risk assessment: the standard
// questions' answers, and an override of the computed level with its
// reason. It is stored with the report.
type RiskReview struct {
	RepeatVictim bool   `json:"repeat_victim"`
	Vulnerable   bool   `json:"vulnerable"`
	Health       bool   `json:"health"`
	Home         bool   `json:"home"`
	Hate         bool   `json:"hate"`
	Override     Risk   `json:"override,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// Computed is the level the answers give, as the initial assessment would:
// hate, feeling unsafe at home, or a vulnerable person whose health suffers
// are high; vulnerability or an impact on health alone are medium; being a
// repeat victim raises the level by one.
func (q RiskReview) Computed() Risk {
	level := RiskLow
	if q.Health || q.Vulnerable {
		level = RiskMedium
	}
	if q.Hate || q.Home || (q.Vulnerable && q.Health) {
		level = RiskHigh
	}
	if q.RepeatVictim {
		level = level.Raise()
	}
	return level
}

// Final is the level that applies: the override if there is one.
func (q RiskReview) Final() Risk {
	if q.Override.Valid() {
		return q.Override
	}
	return q.Computed()
}

// RiskQuestion is one of the standard risk assessment questions.
type RiskQuestion struct {
	Field, Question, Hint, Error string
}

// RiskQuestions are the standard questions, in the order the form asks them.
var RiskQuestions = []RiskQuestion{
	{"repeat", "Is the reporter a repeat victim?",
		"They, or others at their address, have reported anti-social behaviour before",
		"Select yes if the reporter is a repeat victim"},
	{"vulnerable", "Is the reporter vulnerable?",
		"For example, because of their age, a disability, their health or their circumstances",
		"Select yes if the reporter is vulnerable"},
	{"health", "Is it affecting their health, or someone else's?",
		"Physical or mental health, including stress, anxiety and lost sleep",
		"Select yes if it is affecting anyone's health"},
	{"home", "Does it affect their home, or make them feel unsafe?",
		"For example, they are afraid to stay at home or to go out",
		"Select yes if it affects their home or makes them feel unsafe"},
	{"hate", "Could it be motivated by hate?",
		"Hostility because of disability, race, religion, sexual orientation, transgender identity or another part of who they are",
		"Select yes if it could be motivated by hate"},
}

// MaxRiskReason is the longest reason for overriding the computed risk.
const MaxRiskReason = 1000

// RiskReviewInput is the risk assessment form as sent: yes or no answers
// kept as typed, so a mistake can be shown back.
type RiskReviewInput struct {
	Key      string
	Answers  map[string]string // question field → "yes" or "no"
	Override string            // "", or a level to use instead of the computed one
	Reason   string
}

// RiskReviewInputFrom fills the form from the stored review or, before
// anyone has assessed the report, from what the reporter told us.
func RiskReviewInputFrom(r StaffReport, repeatVictim bool) RiskReviewInput {
	q := r.RiskReview
	if r.RiskAssessedAt.IsZero() {
		q = RiskReview{RepeatVictim: repeatVictim, Vulnerable: strings.TrimSpace(r.Vulnerability) != "",
			Health: r.HealthAffected, Home: r.UnsafeAtHome, Hate: r.Hate == "yes"}
	}
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	return RiskReviewInput{Answers: map[string]string{"repeat": yn(q.RepeatVictim), "vulnerable": yn(q.Vulnerable),
		"health": yn(q.Health), "home": yn(q.Home), "hate": yn(q.Hate)}, Override: string(q.Override), Reason: q.Reason}
}

// Review is the input as a review; call it on valid input. An override
// equal to the computed level is no override.
func (in RiskReviewInput) Review() RiskReview {
	q := RiskReview{RepeatVictim: in.Answers["repeat"] == "yes", Vulnerable: in.Answers["vulnerable"] == "yes",
		Health: in.Answers["health"] == "yes", Home: in.Answers["home"] == "yes", Hate: in.Answers["hate"] == "yes"}
	if o := Risk(in.Override); o.Valid() && o != q.Computed() {
		q.Override, q.Reason = o, in.Reason
	}
	return q
}

// Validate returns every problem with the form at once.
func (in RiskReviewInput) Validate() FieldErrors {
	fe := FieldErrors{}
	for _, q := range RiskQuestions {
		if a := in.Answers[q.Field]; a != "yes" && a != "no" {
			fe.Add(q.Field, q.Error)
		}
	}
	switch o := Risk(in.Override); {
	case in.Override != "" && !o.Valid():
		fe.Add("override", "Select a risk level from the list")
	case o.Valid() && strings.TrimSpace(in.Reason) == "" && (fe.Any() || o != in.Review().Computed()):
		fe.Add("reason", "Enter why you are changing the risk level")
	}
	checkText(fe, "reason", "The reason", in.Reason, MaxRiskReason)
	return expiredForm(fe, in.Key, "repeat")
}

// expiredForm adds an error on field when a form's idempotency key is not
// one Beacon made: the form expired or was tampered with.
func expiredForm(fe FieldErrors, key, field string) FieldErrors {
	if !ValidIdempotencyKey(key) {
		fe.Add(field, "Your form expired. Check your answers and send it again")
	}
	return fe
}

// Assignee is a member of staff a report can be assigned to.
type Assignee struct {
	ID   int64
	Name string
	Role Role
}

// AssignInput is the form that assigns a report; an empty assignee
// removes the assignment.
type AssignInput struct {
	Key      string
	Assignee string
}

// Validate checks the choice against the staff who may be assigned.
func (in AssignInput) Validate(staff []Assignee) (int64, FieldErrors) {
	fe := FieldErrors{}
	if in.Assignee == "" || in.Assignee == "none" {
		return 0, expiredForm(fe, in.Key, "assignee")
	}
	id, err := strconv.ParseInt(in.Assignee, 10, 64)
	if err != nil || !slices.ContainsFunc(staff, func(a Assignee) bool { return a.ID == id }) {
		fe.Add("assignee", "Select someone who works in this neighbourhood")
	}
	return id, expiredForm(fe, in.Key, "assignee")
}

// RecategoriseInput is the form that changes a report's category.
type RecategoriseInput struct {
	Key      string
	Category string
}

// Validate checks the new category against those offered.
func (in RecategoriseInput) Validate(cats []Category, current string) FieldErrors {
	fe := FieldErrors{}
	switch {
	case !slices.ContainsFunc(cats, func(c Category) bool { return c.Code == in.Category }):
		fe.Add("category", "Select the category")
	case in.Category == current:
		fe.Add("category", "Select a different category from the current one")
	}
	return expiredForm(fe, in.Key, "category")
}

// Limits on staff text added to a report.
const (
	MaxNote  = 5000
	MaxReply = 2000
)

// NoteInput is an internal note: never shown to the reporter.
type NoteInput struct {
	Key  string
	Body string
}

// Validate checks the note.
func (in NoteInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if strings.TrimSpace(in.Body) == "" {
		fe.Add("note", "Enter the note")
	}
	checkText(fe, "note", "The note", in.Body, MaxNote)
	return expiredForm(fe, in.Key, "note")
}

// ReplyTemplate is a starting point for a reply, per category and status
// ("" matches any).
type ReplyTemplate struct {
	ID           int64
	Name         string
	CategoryCode string
	Status       ReportStatus
	Body         string
}

// Fill replaces the template's placeholders, ((reference)),
// ((neighbourhood)) and ((category)), with the report's values. It is
// plain text: the result is escaped wherever it is shown.
func (t ReplyTemplate) Fill(r StaffReport) string {
	return strings.NewReplacer("((reference))", r.Reference, "((neighbourhood))", r.NeighbourhoodName,
		"((category))", r.CategoryName).Replace(t.Body)
}

// ReplyInput is a reply to the reporter (or a request for more
// information): public on their tracking page.
type ReplyInput struct {
	Key  string
	Body string
}

// Validate checks the reply.
func (in ReplyInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if strings.TrimSpace(in.Body) == "" {
		fe.Add("body", "Enter the reply")
	}
	checkText(fe, "body", "The reply", in.Body, MaxReply)
	return expiredForm(fe, in.Key, "body")
}

// DuplicateInput names the report this one duplicates.
type DuplicateInput struct {
	Key       string
	Reference string
}

// Validate checks the reference and returns it in canonical form.
func (in DuplicateInput) Validate(self string) (string, FieldErrors) {
	fe := FieldErrors{}
	ref, ok := NormaliseReference(in.Reference)
	switch {
	case strings.TrimSpace(in.Reference) == "":
		fe.Add("reference", "Enter the reference of the report this one duplicates")
	case !ok:
		fe.Add("reference", "Enter a reference like ASB-7K3Q-9XPD")
	case ref == self:
		fe.Add("reference", "Enter the reference of a different report")
	}
	return ref, expiredForm(fe, in.Key, "reference")
}

// CaseLink is an open case a report can be linked to.
type CaseLink struct {
	Reference string
	Title     string
}

// CaseLinkInput is the form that links a report to a case.
type CaseLinkInput struct {
	Key  string
	Case string
}

// Validate checks the choice against the open cases offered.
func (in CaseLinkInput) Validate(cases []CaseLink) FieldErrors {
	fe := FieldErrors{}
	if !slices.ContainsFunc(cases, func(c CaseLink) bool { return c.Reference == in.Case }) {
		fe.Add("case", "Select the case to link this report to")
	}
	return expiredForm(fe, in.Key, "case")
}

// CloseInput is the form that closes a report with an outcome and an
// optional message to the reporter.
type CloseInput struct {
	Key     string
	Outcome string
	Message string
}

// Validate checks the outcome and message.
func (in CloseInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if !slices.Contains(CloseOutcomes, Outcome(in.Outcome)) {
		fe.Add("outcome", "Select the outcome")
	}
	checkText(fe, "message", "The message", in.Message, MaxReply)
	return expiredForm(fe, in.Key, "outcome")
}
