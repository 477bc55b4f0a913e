package portal

import (
	"encoding/gob"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The resident side of the ASB Case Review: the checker's answers, kept in
// the resident's session one question at a time, and the application made
// from them. The rules themselves are in casereview.go.

// NewApplicationReference returns a random application reference like
// CR-7K3Q-9XPD, in the unambiguous alphabet of report references.
func NewApplicationReference() string { return newCode("CR-") }

var applicationReferenceRE = regexp.MustCompile(`^CR-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

// NormaliseApplicationReference accepts a reference as people type it
// (lower case, spaces, missing dashes, with or without "CR") and returns
// the canonical form.
func NormaliseApplicationReference(s string) (string, bool) {
	s = strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s))
	if len(s) == 10 && strings.HasPrefix(s, "CR") {
		s = s[2:]
	}
	if len(s) != 8 {
		return "", false
	}
	ref := "CR-" + s[:4] + "-" + s[4:]
	return ref, applicationReferenceRE.MatchString(ref)
}

// HateAnswers are the answers to "was it because of who you are?".
var HateAnswers = []Option{{"yes", "Yes"}, {"no", "No"}, {"not-sure", "I'm not sure"}}

// VictimKinds are who a case review can be asked for.
var VictimKinds = []Option{{"person", "A person"}, {"business", "A business"}, {"community_group", "A community group"}}

// Limits on what a case review application may hold.
const (
	MaxProblemName         = 80
	MaxAgencyReference     = 60
	MaxApplicationSummary  = 3000
	MaxCheckerIncidents    = 50
	applicationNameLength  = 200
	applicationRelationLen = 200
)

// IncidentSteps are the questions asked about each incident, in order.
var IncidentSteps = []string{"when", "reported", "problem", "hate"}

// CheckerIncident is one incident as the resident describes it: when it
// happened, when and to whom it was reported, which problem it is part of
// and whether it was motivated by hate.
type CheckerIncident struct {
	ID        int
	Occurred  DateParts
	Reported  DateParts
	Agency    string
	AgencyRef string // the organisation's reference number, if the resident has it
	Problem   string // a short name the resident gives the problem
	Hate      string // "yes", "no" or "not-sure"
	// ReportID and ReportRef are set for the resident's own Beacon reports,
	// which are pre-filled: a report to the police on the day it was sent.
	ReportID  int64
	ReportRef string
	Completed []string
}

// Missing is the first question about the incident not yet answered, or "".
func (i CheckerIncident) Missing() string {
	for _, s := range IncidentSteps {
		if !slices.Contains(i.Completed, s) {
			return s
		}
	}
	return ""
}

// Complete marks a question about the incident answered.
func (i *CheckerIncident) Complete(step string) {
	if !slices.Contains(i.Completed, step) {
		i.Completed = append(i.Completed, step)
	}
}

// OccurredOn is the date it happened (zero until answered).
func (i CheckerIncident) OccurredOn() time.Time {
	t, _ := i.Occurred.Date("date it happened")
	return t
}

// ReportedOn is the date it was reported (zero until answered).
func (i CheckerIncident) ReportedOn() time.Time {
	t, _ := i.Reported.Date("date you reported it")
	return t
}

// AgencyLabel is the organisation it was reported to, as people say it.
func (i CheckerIncident) AgencyLabel() string { return OptionLabel(Agencies, i.Agency) }

// HateLabel is the answer to the hate question, as people say it.
func (i CheckerIncident) HateLabel() string { return OptionLabel(HateAnswers, i.Hate) }

// ValidateWhen checks the date the incident happened: a real date, not in
// the future and not after the date it was reported.
func (i *CheckerIncident) ValidateWhen(today time.Time) FieldErrors {
	fe := FieldErrors{}
	t, msg := i.Occurred.Date("date it happened")
	switch {
	case msg != "":
		fe.Add("occurred-day", msg)
	case t.After(calendarDay(today)):
		fe.Add("occurred-day", "The date it happened must be today or in the past")
	case slices.Contains(i.Completed, "reported") && !i.ReportedOn().IsZero() && t.After(i.ReportedOn()):
		fe.Add("occurred-day", "The date it happened must be the same as or before the date you reported it ("+i.ReportedOn().Format("2 January 2006")+")")
	}
	return fe
}

// ValidateReported checks who it was reported to, the date (on or after the
// date it happened, not in the future) and the optional reference number.
func (i *CheckerIncident) ValidateReported(today time.Time) FieldErrors {
	fe := FieldErrors{}
	if !validOption(Agencies, i.Agency) {
		fe.Add("agency", "Select who you reported it to")
	}
	t, msg := i.Reported.Date("date you reported it")
	switch {
	case msg != "":
		fe.Add("reported-day", msg)
	case t.After(calendarDay(today)):
		fe.Add("reported-day", "The date you reported it must be today or in the past")
	case t.Before(i.OccurredOn()):
		fe.Add("reported-day", "The date you reported it must be the same as or after the date it happened ("+i.OccurredOn().Format("2 January 2006")+")")
	}
	checkText(fe, "agency-ref", "The reference number", i.AgencyRef, MaxAgencyReference)
	return fe
}

// ValidateHate checks the hate question.
func (i *CheckerIncident) ValidateHate() FieldErrors {
	fe := FieldErrors{}
	if !validOption(HateAnswers, i.Hate) {
		fe.Add("hate", "Select yes if you think it happened because of who you are")
	}
	return fe
}

// CaseReviewDraft holds a resident's answers to the case review checker,
// and then to the application, in their session.
type CaseReviewDraft struct {
	Key         string // idempotency key of the application
	Postcode    string
	Area        string // the local authority area's code, whose policy applies
	AreaName    string
	FromReports bool // started from the resident's own Beacon reports
	Incidents   []CheckerIncident
	NextID      int
	// The application.
	ForWhom      string // "self" or "other"
	Relationship string
	Consent      bool
	VictimKind   string
	VictimName   string
	Name         string
	Email        string
	Phone        string
	Summary      string
	Completed    []string // application questions answered
}

func init() { gob.Register(&CaseReviewDraft{}) }

// Incident returns the incident with the ID, or nil.
func (d *CaseReviewDraft) Incident(id int) *CheckerIncident {
	for k := range d.Incidents {
		if d.Incidents[k].ID == id {
			return &d.Incidents[k]
		}
	}
	return nil
}

// AddIncident starts a new incident and returns it (nil when the draft
// already holds as many as one checker may).
func (d *CaseReviewDraft) AddIncident() *CheckerIncident {
	if len(d.Incidents) >= MaxCheckerIncidents {
		return nil
	}
	d.NextID++
	d.Incidents = append(d.Incidents, CheckerIncident{ID: d.NextID})
	return &d.Incidents[len(d.Incidents)-1]
}

// RemoveIncident takes an incident out of the draft.
func (d *CaseReviewDraft) RemoveIncident(id int) {
	d.Incidents = slices.DeleteFunc(d.Incidents, func(i CheckerIncident) bool { return i.ID == id })
}

// Unfinished is the first incident with a question unanswered, or nil.
func (d *CaseReviewDraft) Unfinished() *CheckerIncident {
	for k := range d.Incidents {
		if d.Incidents[k].Missing() != "" {
			return &d.Incidents[k]
		}
	}
	return nil
}

// Problems lists the problems named so far, in the order first given, so
// a new incident can be added to one of them.
func (d *CaseReviewDraft) Problems() []string {
	var out []string
	seen := map[string]bool{}
	for _, i := range d.Incidents {
		k := normaliseProblem(i.Problem)
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, i.Problem)
		}
	}
	return out
}

// SameProblem returns the name already used for a problem typed again with
// different spacing or capitals, so the two add up.
func (d *CaseReviewDraft) SameProblem(name string) string {
	for _, p := range d.Problems() {
		if normaliseProblem(p) == normaliseProblem(name) {
			return p
		}
	}
	return strings.TrimSpace(name)
}

// ChooseProblem sets the incident's problem from the problem question: one
// already named (choice), or a new one (choice "new", or any choice when
// none has been named yet) with its short name, which is matched to one
// already named if only spacing or capitals differ.
func (d *CaseReviewDraft) ChooseProblem(i *CheckerIncident, choice, name string) FieldErrors {
	fe := FieldErrors{}
	existing := d.Problems()
	switch {
	case choice != "" && choice != "new" && slices.Contains(existing, choice):
		i.Problem = choice
	case choice == "new" || len(existing) == 0:
		name = strings.TrimSpace(name)
		if name == "" {
			fe.Add("problem-name", "Enter a short name for the problem, like ‘noise from number 4’")
		}
		checkText(fe, "problem-name", "The name of the problem", name, MaxProblemName)
		if !fe.Any() {
			i.Problem = d.SameProblem(name)
		}
	default:
		fe.Add("problem", "Select the problem this incident is part of")
	}
	return fe
}

// Complaints are the finished incidents as the rules engine sees them: one
// complainant (the resident), one incident each.
func (d *CaseReviewDraft) Complaints() []Complaint {
	var out []Complaint
	for _, i := range d.Finished() {
		out = append(out, i.Complaint())
	}
	return out
}

// Finished lists the incidents whose questions are all answered.
func (d *CaseReviewDraft) Finished() []CheckerIncident {
	var out []CheckerIncident
	for _, i := range d.Incidents {
		if i.Missing() == "" {
			out = append(out, i)
		}
	}
	return out
}

// Complaint is the incident as the rules engine sees it. Beacon reports are
// named by their reference, other incidents by their number.
func (i CheckerIncident) Complaint() Complaint {
	incident := i.ReportRef
	if incident == "" {
		incident = "incident-" + strconv.Itoa(i.ID)
	}
	return Complaint{Incident: incident, Problem: i.Problem, OccurredOn: i.OccurredOn(), ReportedOn: i.ReportedOn(),
		Agency: i.Agency, Complainant: "applicant", Hate: i.Hate == "yes"}
}

// ResidentProblem is one problem a signed-in resident has reported on
// Beacon, with their reports about it.
type ResidentProblem struct {
	ProblemID     int64
	Category      string
	Neighbourhood string
	Area          string // local authority code
	AreaName      string
	Reports       []ResidentProblemReport
}

// ResidentProblemReport is one of the resident's reports about a problem.
type ResidentProblemReport struct {
	ID         int64
	Reference  string
	OccurredOn time.Time
	CreatedAt  time.Time
	Hate       string
}

// Name is the short name the checker gives the problem.
func (p ResidentProblem) Name() string { return p.Category + " in " + p.Neighbourhood }

// LatestReport is when the most recent report about the problem was sent.
func (p ResidentProblem) LatestReport() time.Time {
	var t time.Time
	for _, r := range p.Reports {
		if r.CreatedAt.After(t) {
			t = r.CreatedAt
		}
	}
	return t
}

// ReportedOn is the report's date in England and Wales: the day the
// complaint was made to the police.
func (r ResidentProblemReport) ReportedOn() time.Time { return calendarDay(r.CreatedAt.In(london)) }

// Complaint is the report as the rules engine sees it: a complaint to the
// police on the day it was sent, by one complainant.
func (r ResidentProblemReport) Complaint(problem string) Complaint {
	return Complaint{Incident: r.Reference, Problem: problem, OccurredOn: calendarDay(r.OccurredOn),
		ReportedOn: r.ReportedOn(), Agency: "police", Complainant: "reporter", Hate: r.Hate == "yes"}
}

// Complaints are all of the problem's reports as complaints.
func (p ResidentProblem) Complaints() []Complaint {
	out := make([]Complaint, len(p.Reports))
	for k, r := range p.Reports {
		out[k] = r.Complaint(p.Name())
	}
	return out
}

// StartFromProblem fills the checker with a problem's reports, each a
// finished incident the resident can still change or remove.
func (d *CaseReviewDraft) StartFromProblem(p ResidentProblem) {
	d.Area, d.AreaName, d.Postcode, d.FromReports = p.Area, p.AreaName, "", true
	d.Incidents = nil
	for _, r := range p.Reports {
		i := d.AddIncident()
		if i == nil {
			break
		}
		hate := r.Hate
		if !validOption(HateAnswers, hate) {
			hate = "no"
		}
		i.Occurred, i.Reported = PartsOf(calendarDay(r.OccurredOn)), PartsOf(r.ReportedOn())
		i.Agency, i.AgencyRef, i.Problem, i.Hate = "police", r.Reference, p.Name(), hate
		i.ReportID, i.ReportRef = r.ID, r.Reference
		i.Completed = slices.Clone(IncidentSteps)
	}
}

// ApplicationSteps are the application's questions, in order.
var ApplicationSteps = []string{"who", "victim", "contact", "summary"}

// CompleteStep marks an application question answered.
func (d *CaseReviewDraft) CompleteStep(step string) {
	if !slices.Contains(d.Completed, step) {
		d.Completed = append(d.Completed, step)
	}
}

// MissingStep is the first application question not yet answered, or "".
func (d *CaseReviewDraft) MissingStep() string {
	for _, s := range ApplicationSteps {
		if !slices.Contains(d.Completed, s) {
			return s
		}
	}
	return ""
}

// ValidateWho checks who is applying: the victim, or someone on their
// behalf who says how they know them and that the victim consents.
func (d *CaseReviewDraft) ValidateWho() FieldErrors {
	fe := FieldErrors{}
	switch d.ForWhom {
	case "self":
	case "other":
		if strings.TrimSpace(d.Relationship) == "" {
			fe.Add("relationship", "Enter how you know the person, business or group you are applying for")
		}
		checkText(fe, "relationship", "How you know them", d.Relationship, applicationRelationLen)
		if !d.Consent {
			fe.Add("consent", "You can only apply for someone else if they have agreed: confirm that they have")
		}
	default:
		fe.Add("for-whom", "Select who you are applying for")
	}
	return fe
}

// ValidateVictim checks who the victim is: a person, business or group, and
// their name.
func (d *CaseReviewDraft) ValidateVictim() FieldErrors {
	fe := FieldErrors{}
	if !validOption(VictimKinds, d.VictimKind) {
		fe.Add("victim-kind", "Select whether the victim is a person, a business or a community group")
	}
	if strings.TrimSpace(d.VictimName) == "" {
		fe.Add("victim-name", "Enter the name of the person, business or group")
	}
	checkText(fe, "victim-name", "The name", d.VictimName, applicationNameLength)
	return fe
}

// ValidateContact checks the applicant's name and that there is a way to
// contact them.
func (d *CaseReviewDraft) ValidateContact() FieldErrors {
	fe := FieldErrors{}
	if strings.TrimSpace(d.Name) == "" {
		fe.Add("name", "Enter your name")
	}
	checkText(fe, "name", "Your name", d.Name, applicationNameLength)
	switch {
	case d.Email == "" && d.Phone == "":
		fe.Add("email", "Enter an email address or a telephone number, so the coordinator can contact you")
	case d.Email != "" && !IsEmailAddress(d.Email):
		fe.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if d.Phone != "" && !validPhone(d.Phone) {
		fe.Add("phone", "Enter a telephone number, like 01632 960 001 or 07700 900 982")
	}
	return fe
}

// ValidateSummary checks the applicant's summary of the problem.
func (d *CaseReviewDraft) ValidateSummary() FieldErrors {
	fe := FieldErrors{}
	if strings.TrimSpace(d.Summary) == "" {
		fe.Add("summary", "Describe the problem and why you are asking for a review")
	}
	if utf8.RuneCountInString(d.Summary) > MaxApplicationSummary {
		fe.Add("summary", "The description must be 3,000 characters or fewer")
	}
	return fe
}

// VictimKindLabel is the victim's kind as people say it.
func (d *CaseReviewDraft) VictimKindLabel() string { return OptionLabel(VictimKinds, d.VictimKind) }

// CaseReviewArea is a local authority area and whether it has published
// a case review policy.
type CaseReviewArea struct {
	Code, Name string
	HasPolicy  bool
}

// CaseReviewEvidence is what the proactive notice needs about one report:
// the area's policy in force, and all of the reporter's own reports about
// the same problem.
type CaseReviewEvidence struct {
	Policy    CaseReviewPolicy
	HasPolicy bool
	AreaName  string
	Recipient string // the reporter's email address, "" when there is none
	Notified  bool   // the reporter has already been told about this problem
	Problem   ResidentProblem
}

// ShouldNotify reports whether the reporter should be told, now, that they
// may apply: their own reports meet the area's threshold and they have not
// been told before.
func (e CaseReviewEvidence) ShouldNotify(today time.Time) bool {
	if e.Notified || !e.HasPolicy || e.Recipient == "" || len(e.Problem.Reports) == 0 {
		return false
	}
	return e.Policy.Check(e.Problem.Complaints(), today).Result == "met"
}
