package portal

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// An ASB Case Review application moves through the statutory process:
// received → acknowledged → threshold met or not met → review held →
// outcome sent → (appealed) → closed. Each step has a due date in working
// days set by the area's policy; this file holds the status machine, the
// milestones and countdowns, and the coordinators' forms.

// ApplicationStatus is where an application is in the process.
type ApplicationStatus string

// The statuses, in process order.
const (
	ApplicationReceived        ApplicationStatus = "received"
	ApplicationAcknowledged    ApplicationStatus = "acknowledged"
	ApplicationThresholdMet    ApplicationStatus = "threshold_met"
	ApplicationThresholdNotMet ApplicationStatus = "threshold_not_met"
	ApplicationReviewHeld      ApplicationStatus = "review_held"
	ApplicationOutcomeSent     ApplicationStatus = "outcome_sent"
	ApplicationAppealed        ApplicationStatus = "appealed"
	ApplicationClosed          ApplicationStatus = "closed"
)

// ApplicationStatuses lists the statuses in process order, for filters.
var ApplicationStatuses = []ApplicationStatus{ApplicationReceived, ApplicationAcknowledged,
	ApplicationThresholdMet, ApplicationThresholdNotMet, ApplicationReviewHeld, ApplicationOutcomeSent,
	ApplicationAppealed, ApplicationClosed}

// Label is the status as people say it.
func (s ApplicationStatus) Label() string {
	switch s {
	case ApplicationReceived:
		return "Received"
	case ApplicationAcknowledged:
		return "Acknowledged"
	case ApplicationThresholdMet:
		return "Threshold met"
	case ApplicationThresholdNotMet:
		return "Threshold not met"
	case ApplicationReviewHeld:
		return "Review held"
	case ApplicationOutcomeSent:
		return "Outcome sent"
	case ApplicationAppealed:
		return "Appealed"
	case ApplicationClosed:
		return "Closed"
	}
	return string(s)
}

// Valid reports whether s is a known status.
func (s ApplicationStatus) Valid() bool { return slices.Contains(ApplicationStatuses, s) }

// TransitionError refuses a step the process does not allow from the
// current status. It wraps ErrConflict.
type TransitionError struct {
	From   ApplicationStatus
	Action string
}

func (e TransitionError) Error() string {
	return fmt.Sprintf("portal: cannot %s an application that is %s", e.Action, strings.ToLower(e.From.Label()))
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e TransitionError) Unwrap() error { return ErrConflict }

// ApplicationProgress is where an application is and when each step was
// taken. Dates are calendar dates; times are when a coordinator acted.
type ApplicationProgress struct {
	Status         ApplicationStatus
	ReceivedOn     time.Time
	AcknowledgedAt time.Time
	Decision       string // "", "met" or "not_met"
	DecidedAt      time.Time
	MeetingOn      time.Time
	OutcomeAt      time.Time
	AppealedAt     time.Time
}

// step refuses an action unless the status is one of from, or when the
// date it happened is missing.
func (a *ApplicationProgress) step(action string, at time.Time, from ...ApplicationStatus) error {
	if !slices.Contains(from, a.Status) {
		return TransitionError{From: a.Status, Action: action}
	}
	if at.IsZero() {
		return fmt.Errorf("portal: %s: no date given", action)
	}
	return nil
}

// Can reports whether the action named (as the methods are: "acknowledge",
// "decide", "meeting", "outcome", "appeal", "close") is allowed now, so
// pages offer only the steps that can be taken.
func (a ApplicationProgress) Can(action string) bool {
	switch action {
	case "acknowledge":
		return a.Status == ApplicationReceived
	case "decide":
		return a.Status == ApplicationAcknowledged
	case "meeting":
		return a.Status == ApplicationThresholdMet
	case "outcome":
		return a.Status == ApplicationReviewHeld
	case "appeal":
		return a.Status == ApplicationThresholdNotMet || a.Status == ApplicationOutcomeSent
	case "close":
		return a.Status == ApplicationThresholdNotMet || a.Status == ApplicationOutcomeSent || a.Status == ApplicationAppealed
	}
	return false
}

// Acknowledge records the application's acknowledgement.
func (a *ApplicationProgress) Acknowledge(at time.Time) error {
	if err := a.step("acknowledge", at, ApplicationReceived); err != nil {
		return err
	}
	a.Status, a.AcknowledgedAt = ApplicationAcknowledged, at
	return nil
}

// Decide records the threshold decision.
func (a *ApplicationProgress) Decide(met bool, at time.Time) error {
	if err := a.step("decide on", at, ApplicationAcknowledged); err != nil {
		return err
	}
	a.Status, a.Decision, a.DecidedAt = ApplicationThresholdNotMet, "not_met", at
	if met {
		a.Status, a.Decision = ApplicationThresholdMet, "met"
	}
	return nil
}

// HoldReview records the review meeting, held on a date.
func (a *ApplicationProgress) HoldReview(on time.Time) error {
	if err := a.step("record a review meeting for", on, ApplicationThresholdMet); err != nil {
		return err
	}
	a.Status, a.MeetingOn = ApplicationReviewHeld, on
	return nil
}

// SendOutcome records that the review's outcome was sent to the applicant.
func (a *ApplicationProgress) SendOutcome(at time.Time) error {
	if err := a.step("send the outcome of", at, ApplicationReviewHeld); err != nil {
		return err
	}
	a.Status, a.OutcomeAt = ApplicationOutcomeSent, at
	return nil
}

// ErrAppealWindowClosed refuses an appeal made after the policy's window.
var ErrAppealWindowClosed = fmt.Errorf("portal: the appeal window has closed: %w", ErrConflict)

// Appeal records an appeal made at a time, within the policy's window after
// the threshold decision (not met) or the outcome.
func (a *ApplicationProgress) Appeal(at time.Time, p CaseReviewPolicy, hol Holidays) error {
	if err := a.step("appeal", at, ApplicationThresholdNotMet, ApplicationOutcomeSent); err != nil {
		return err
	}
	if londonDate(at).After(a.AppealDeadline(p, hol)) {
		return ErrAppealWindowClosed
	}
	a.Status, a.AppealedAt = ApplicationAppealed, at
	return nil
}

// Close ends the process: after a decision that the threshold was not met,
// after the outcome was sent, or after an appeal was dealt with.
func (a *ApplicationProgress) Close() error {
	if !a.Can("close") {
		return TransitionError{From: a.Status, Action: "close"}
	}
	a.Status = ApplicationClosed
	return nil
}

// AppealDeadline is the last day on which an appeal can be made: AppealDays
// working days after the decision that the threshold was not met, or after
// the outcome was sent. It is zero while there is nothing to appeal.
func (a ApplicationProgress) AppealDeadline(p CaseReviewPolicy, hol Holidays) time.Time {
	switch {
	case a.Decision == "not_met" && !a.DecidedAt.IsZero():
		return londonDate(hol.AddWorkingDays(a.DecidedAt, p.AppealDays))
	case !a.OutcomeAt.IsZero():
		return londonDate(hol.AddWorkingDays(a.OutcomeAt, p.AppealDays))
	}
	return time.Time{}
}

// MilestoneKind names a step with a due date.
type MilestoneKind string

// The milestones.
const (
	MilestoneAcknowledge MilestoneKind = "acknowledge"
	MilestoneDecision    MilestoneKind = "decision"
	MilestoneMeeting     MilestoneKind = "meeting"
	MilestoneOutcome     MilestoneKind = "outcome"
	MilestoneAppeal      MilestoneKind = "appeal"
)

// Milestone is one step's due date, and whether and when it was done.
type Milestone struct {
	Kind  MilestoneKind
	Label string
	Due   time.Time // a calendar date
	Done  time.Time // when it was done; zero if not yet
	// Provisional: the due date counts from an earlier step's due date,
	// because that step has not been taken yet.
	Provisional bool
	// DaysLeft is the working days from today to Due (negative: overdue).
	DaysLeft  int
	Overdue   bool
	Countdown string // "3 working days left", "Due today", "Overdue by 2 working days"
}

// IsDone reports whether the step was taken.
func (m Milestone) IsDone() bool { return !m.Done.IsZero() }

// Milestones lists an application's milestones under policy p, counted in
// working days (England and Wales bank holidays plus hol), with countdowns
// from today. Steps that no longer apply (a review after a decision that the
// threshold was not met) are left out; the appeal window appears once there
// is something to appeal.
func (a ApplicationProgress) Milestones(p CaseReviewPolicy, hol Holidays, today time.Time) []Milestone {
	received := londonDate(a.ReceivedOn)
	decided := londonDate(a.DecidedAt)
	decisionDue := londonDate(hol.AddWorkingDays(received, p.DecisionDays))
	ms := []Milestone{
		{Kind: MilestoneAcknowledge, Label: "Acknowledge the application",
			Due: londonDate(hol.AddWorkingDays(received, p.AcknowledgeDays)), Done: a.AcknowledgedAt},
		{Kind: MilestoneDecision, Label: "Decide whether the threshold is met", Due: decisionDue, Done: a.DecidedAt},
	}
	if a.Decision != "not_met" {
		from, provisional := decided, false
		if a.DecidedAt.IsZero() {
			from, provisional = decisionDue, true
		}
		meetingDue := londonDate(hol.AddWorkingDays(from, p.ReviewDays))
		ms = append(ms, Milestone{Kind: MilestoneMeeting, Label: "Hold the review meeting", Due: meetingDue,
			Done: londonDate(a.MeetingOn), Provisional: provisional})
		from = londonDate(a.MeetingOn)
		if a.MeetingOn.IsZero() {
			from, provisional = meetingDue, true
		}
		ms = append(ms, Milestone{Kind: MilestoneOutcome, Label: "Send the outcome to the applicant",
			Due: londonDate(hol.AddWorkingDays(from, p.OutcomeDays)), Done: a.OutcomeAt, Provisional: provisional})
	}
	if deadline := a.AppealDeadline(p, hol); !deadline.IsZero() {
		ms = append(ms, Milestone{Kind: MilestoneAppeal, Label: "Last day to appeal", Due: deadline, Done: a.AppealedAt})
	}
	for i := range ms {
		ms[i].count(hol, today)
	}
	return ms
}

// count fills in the countdown from today.
func (m *Milestone) count(hol Holidays, today time.Time) {
	if m.IsDone() {
		return
	}
	today = londonDate(today)
	m.DaysLeft = hol.WorkingDaysBetween(today, m.Due)
	if m.Kind == MilestoneAppeal {
		switch {
		case today.After(m.Due):
			m.Countdown = "The appeal window has closed"
		case today.Equal(m.Due):
			m.Countdown = "Today is the last day to appeal"
		default:
			m.Countdown = plural(max(m.DaysLeft, 1), "working day") + " left to appeal"
		}
		return
	}
	switch {
	case today.After(m.Due):
		m.Overdue = true
		m.Countdown = "Overdue by " + plural(max(-m.DaysLeft, 1), "working day")
	case today.Equal(m.Due):
		m.Countdown = "Due today"
	default:
		m.Countdown = plural(max(m.DaysLeft, 1), "working day") + " left"
	}
}

// NextMilestone is the first coordinator's step not yet done (the appeal
// window is the applicant's, so it is never "next"); false once there is
// none, as after a closed or appealed application.
func (a ApplicationProgress) NextMilestone(p CaseReviewPolicy, hol Holidays, today time.Time) (Milestone, bool) {
	if a.Status == ApplicationClosed || a.Status == ApplicationAppealed {
		return Milestone{}, false
	}
	for _, m := range a.Milestones(p, hol, today) {
		if !m.IsDone() && m.Kind != MilestoneAppeal {
			return m, true
		}
	}
	return Milestone{}, false
}

// londonDate is t's calendar date in England and Wales, at midnight UTC
// (the form in which PostgreSQL dates are read), or zero for zero.
func londonDate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.In(london).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dateOf is the date typed, or zero.
func dateOf(p DateParts) time.Time {
	t, _ := p.Date("date")
	return t
}

// LondonDate is t's calendar date in England and Wales at midnight UTC.
func LondonDate(t time.Time) time.Time { return londonDate(t) }

// RouteLabel describes one of policy p's routes in plain English.
func (p CaseReviewPolicy) RouteLabel(r RouteKind) string {
	switch r {
	case RouteStatutory:
		return fmt.Sprintf("Statutory: at least %s about the same problem", plural(p.StatutoryN, "qualifying complaint"))
	case RouteHate:
		return "Hate: a qualifying incident motivated by hate"
	case RouteMultiComplainant:
		return fmt.Sprintf("Several people: at least %s about the same problem, reported by at least %d people",
			plural(p.MultiM, "qualifying incident"), p.MultiK)
	case RouteDiscretionary:
		return "Discretionary: decided by the " + p.DiscretionaryRole + " on persistence, harm and the response"
	}
	return string(r)
}

// RouteOptions lists the policy's routes, for a threshold decision.
func (p CaseReviewPolicy) RouteOptions() []Option {
	var out []Option
	routes := p.routes()
	if p.DiscretionaryRole != "" {
		routes = append(routes, RouteDiscretionary)
	}
	for _, r := range routes {
		out = append(out, Option{string(r), p.RouteLabel(r)})
	}
	return out
}

// MaxCaseReviewText is the longest text a coordinator can record in one field.
const MaxCaseReviewText = 5000

// textProblem is the error for a required or optional free-text field.
func textProblem(fe FieldErrors, field, value, missing string) {
	switch {
	case missing != "" && strings.TrimSpace(value) == "":
		fe.Add(field, missing)
	case utf8.RuneCountInString(value) > MaxCaseReviewText:
		fe.Add(field, fmt.Sprintf("This must be %d characters or fewer", MaxCaseReviewText))
	}
}

// ThresholdDecisionInput is a coordinator's threshold decision.
type ThresholdDecisionInput struct {
	Decision string // "met" or "not_met"
	Route    string // the route the decision cites
	Reasons  string
}

// Validate returns every problem with the decision under policy p.
func (in ThresholdDecisionInput) Validate(p CaseReviewPolicy) FieldErrors {
	fe := FieldErrors{}
	if in.Decision != "met" && in.Decision != "not_met" {
		fe.Add("decision", "Select whether the threshold is met")
	}
	if !validOption(p.RouteOptions(), in.Route) {
		fe.Add("route", "Select the rule in the area’s policy that the decision is based on")
	}
	textProblem(fe, "reasons", in.Reasons, "Enter the reasons for the decision: the applicant is told them")
	return fe
}

// ReviewMeetingInput records the review meeting.
type ReviewMeetingInput struct {
	Meeting       DateParts
	Agencies      []string
	VictimInvited string // "yes" or "no"
	NotInvitedWhy string
}

// Validate returns every problem with the meeting, which must fall between
// the threshold decision and today.
func (in ReviewMeetingInput) Validate(decided, today time.Time) FieldErrors {
	fe := FieldErrors{}
	d, msg := in.Meeting.Date("date of the review meeting")
	switch {
	case msg != "":
		fe.Add("meeting-day", msg)
	case d.Before(londonDate(decided)):
		fe.Add("meeting-day", "The meeting cannot be before the threshold decision on "+londonDate(decided).Format("2 January 2006"))
	case d.After(londonDate(today)):
		fe.Add("meeting-day", "Record the meeting once it has taken place: the date must be today or earlier")
	}
	if len(in.Agencies) == 0 {
		fe.Add("agencies", "Select the agencies invited to the review")
	}
	for _, a := range in.Agencies {
		if !validOption(Agencies, a) {
			fe.Add("agencies", "Select the agencies invited to the review")
		}
	}
	switch in.VictimInvited {
	case "yes":
	case "no":
		textProblem(fe, "not-invited-why", in.NotInvitedWhy, "Say why the victim was not invited")
	default:
		fe.Add("victim-invited", "Select whether the victim was invited to the meeting")
	}
	return fe
}

// Recommendation is one action a review asks an agency to take.
type Recommendation struct {
	Agency string
	Action string
	DueOn  time.Time
}

// AgencyLabel is the recommendation's agency as people say it.
func (r Recommendation) AgencyLabel() string { return OptionLabel(Agencies, r.Agency) }

// OptionLabel is the label of the option with value v, or v itself.
func OptionLabel(opts []Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// RecommendationInput is one row of the outcome form.
type RecommendationInput struct {
	Agency, Action string
	Due            DateParts
}

// blank reports whether the row was left empty (it is then ignored).
func (r RecommendationInput) blank() bool {
	return r.Agency == "" && strings.TrimSpace(r.Action) == "" && r.Due.Empty()
}

// OutcomeInput is the outcome of a review: a summary for the applicant and
// any recommendations.
type OutcomeInput struct {
	Summary         string
	Recommendations []RecommendationInput
}

// MaxRecommendations bounds one outcome's recommendations.
const MaxRecommendations = 30

// Validate returns every problem with the outcome; due dates must not be
// before the meeting. Recommendation fields are named rec-N-agency,
// rec-N-action and rec-N-day (N from 0).
func (in OutcomeInput) Validate(meeting time.Time) FieldErrors {
	fe := FieldErrors{}
	textProblem(fe, "summary", in.Summary, "Enter a summary of the outcome for the applicant")
	if len(in.Recommendations) > MaxRecommendations {
		fe.Add("summary", fmt.Sprintf("Record at most %d recommendations", MaxRecommendations))
	}
	for i, r := range in.Recommendations {
		if r.blank() {
			continue
		}
		f := func(name string) string { return fmt.Sprintf("rec-%d-%s", i, name) }
		if !validOption(Agencies, r.Agency) {
			fe.Add(f("agency"), fmt.Sprintf("Select the agency for recommendation %d", i+1))
		}
		textProblem(fe, f("action"), r.Action, fmt.Sprintf("Enter the action for recommendation %d", i+1))
		d, msg := r.Due.Date(fmt.Sprintf("due date of recommendation %d", i+1))
		switch {
		case msg != "":
			fe.Add(f("day"), msg)
		case d.Before(londonDate(meeting)):
			fe.Add(f("day"), fmt.Sprintf("The due date of recommendation %d cannot be before the review meeting", i+1))
		}
	}
	return fe
}

// List is the recommendations filled in, in order. Call Validate first.
func (in OutcomeInput) List() []Recommendation {
	var out []Recommendation
	for _, r := range in.Recommendations {
		if !r.blank() {
			out = append(out, Recommendation{Agency: r.Agency, Action: strings.TrimSpace(r.Action),
				DueOn: dateOf(r.Due)})
		}
	}
	return out
}

// AppealInput records an applicant's appeal.
type AppealInput struct {
	Reason string
}

// Validate returns every problem with the appeal.
func (in AppealInput) Validate() FieldErrors {
	fe := FieldErrors{}
	textProblem(fe, "reason", in.Reason, "Enter why the applicant is appealing")
	return fe
}

// ApplicationCloseInput closes an application; after an appeal it records the
// appeal's outcome.
type ApplicationCloseInput struct {
	AppealOutcome string
}

// Validate returns every problem with closing an application in status s.
func (in ApplicationCloseInput) Validate(s ApplicationStatus) FieldErrors {
	fe := FieldErrors{}
	missing := ""
	if s == ApplicationAppealed {
		missing = "Enter the outcome of the appeal"
	}
	textProblem(fe, "appeal-outcome", in.AppealOutcome, missing)
	return fe
}

// PolicyVersion is one saved version of an area's policy, with its
// published procedure and who saved it.
type PolicyVersion struct {
	ID        int
	Policy    CaseReviewPolicy
	Procedure string
	CreatedAt time.Time
	CreatedBy string // the staff member's name; "" for Beacon's demo data
}

// PolicyInput is the policy form as typed, so that a refused form shows
// exactly what was entered.
type PolicyInput struct {
	StatutoryN        string
	HateRoute         string // "yes" or "no"
	Multi             string // "yes" or "no"
	MultiM, MultiK    string
	DiscretionaryRole string
	AcknowledgeDays   string
	DecisionDays      string
	ReviewDays        string
	OutcomeDays       string
	AppealDays        string
	Contact           string
	AppealRoute       string
	Procedure         string
	Effective         DateParts // the date from which the version applies
}

// NewPolicyInput fills the form from the current version, effective today.
func NewPolicyInput(v PolicyVersion, today time.Time) PolicyInput {
	p := v.Policy
	yn := map[bool]string{true: "yes", false: "no"}
	in := PolicyInput{StatutoryN: fmt.Sprint(p.StatutoryN), HateRoute: yn[p.HateRoute], Multi: yn[p.MultiM > 0],
		DiscretionaryRole: p.DiscretionaryRole, AcknowledgeDays: fmt.Sprint(p.AcknowledgeDays),
		DecisionDays: fmt.Sprint(p.DecisionDays), ReviewDays: fmt.Sprint(p.ReviewDays), OutcomeDays: fmt.Sprint(p.OutcomeDays),
		AppealDays: fmt.Sprint(p.AppealDays), Contact: p.Contact, AppealRoute: p.AppealRoute, Procedure: v.Procedure}
	if p.MultiM > 0 {
		in.MultiM, in.MultiK = fmt.Sprint(p.MultiM), fmt.Sprint(p.MultiK)
	}
	in.Effective = PartsOf(londonDate(today))
	return in
}

// MaxPolicyRole is the longest name of the discretionary route's role.
const MaxPolicyRole = 200

// Policy reads the form into area's next policy version, with every problem
// at once: the Act's limits (Validate, so N > 3 is refused), the published
// contact and appeal route, and an effective date no earlier than today.
func (in PolicyInput) Policy(area string, today time.Time) (CaseReviewPolicy, FieldErrors) {
	fe := FieldErrors{}
	num := func(field, s, msg string) int {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fe.Add(field, msg)
			return 0
		}
		return n
	}
	p := CaseReviewPolicy{Area: area, HateRoute: in.HateRoute == "yes", DiscretionaryRole: strings.TrimSpace(in.DiscretionaryRole),
		Contact: in.Contact, AppealRoute: in.AppealRoute}
	p.StatutoryN = num("statutory_n", in.StatutoryN, "Select how many qualifying complaints meet the threshold")
	if in.HateRoute != "yes" && in.HateRoute != "no" {
		fe.Add("hate_route", "Select whether one hate incident meets the threshold")
	}
	switch in.Multi {
	case "yes":
		p.MultiM = num("multi_m", in.MultiM, "Enter the number of incidents as a whole number")
		p.MultiK = num("multi_k", in.MultiK, "Enter the number of different people as a whole number")
		if p.MultiM == 0 && fe["multi_m"] == "" {
			fe.Add("multi_m", "The number of incidents must be at least 1")
		}
	case "no":
	default:
		fe.Add("multi", "Select whether several people reporting the same problem meets the threshold")
	}
	days := "Enter a whole number of working days"
	p.AcknowledgeDays = num("acknowledge_days", in.AcknowledgeDays, days)
	p.DecisionDays = num("decision_days", in.DecisionDays, days)
	p.ReviewDays = num("review_days", in.ReviewDays, days)
	p.OutcomeDays = num("outcome_days", in.OutcomeDays, days)
	p.AppealDays = num("appeal_days", in.AppealDays, days)
	for k, v := range p.Validate() {
		fe.Add(k, v)
	}
	if utf8.RuneCountInString(p.DiscretionaryRole) > MaxPolicyRole {
		fe.Add("discretionary_role", fmt.Sprintf("The role must be %d characters or fewer", MaxPolicyRole))
	}
	textProblem(fe, "contact", in.Contact, "Enter the point of contact for applications")
	textProblem(fe, "appeal_route", in.AppealRoute, "Enter how an applicant can appeal")
	textProblem(fe, "procedure", in.Procedure, "")
	var msg string
	p.EffectiveFrom, msg = in.Effective.Date("date from which the policy applies")
	switch {
	case msg != "":
		fe.Add("effective-day", msg)
	case p.EffectiveFrom.Before(londonDate(today)):
		fe.Add("effective-day", "The policy cannot apply from a date in the past: enter today or a later date")
	}
	return p, fe
}

// PolicyFieldOrder is the order of the policy form's fields.
var PolicyFieldOrder = []string{"statutory_n", "hate_route", "multi", "multi_m", "multi_k", "discretionary_role",
	"acknowledge_days", "decision_days", "review_days", "outcome_days", "appeal_days", "contact", "appeal_route",
	"procedure", "effective-day"}

// ApplicationSummary is one application in a coordinator's queue.
type ApplicationSummary struct {
	Reference string
	AreaCode  string
	AreaName  string
	Policy    CaseReviewPolicy
	Progress  ApplicationProgress
	// Next is the next milestone, filled in by Schedule.
	Next    Milestone
	HasNext bool
}

// Schedule works out the next milestone from today.
func (s *ApplicationSummary) Schedule(hol Holidays, today time.Time) {
	s.Next, s.HasNext = s.Progress.NextMilestone(s.Policy, hol, today)
}

// ApplicationIncident is one incident an application relies on.
type ApplicationIncident struct {
	Complaint
	ReportReference string // a Beacon report, if it is one
	AgencyReference string // the other agency's reference number, if given
}

// AgencyLabel is the agency the incident was reported to, as people say it.
func (i ApplicationIncident) AgencyLabel() string { return OptionLabel(Agencies, i.Agency) }

// ApplicationRecord is an application as a coordinator works it. It holds
// personal data: every view is audited.
type ApplicationRecord struct {
	ID        int64
	Reference string
	AreaCode  string
	AreaName  string
	PolicyID  int
	Policy    CaseReviewPolicy
	Progress  ApplicationProgress

	ApplicantName, ApplicantEmail, ApplicantPhone string
	OnBehalf                                      bool
	Relationship                                  string
	Consent                                       bool
	VictimKind, VictimName                        string
	Summary                                       string

	DecisionRoute, DecisionReasons string
	DecidedByID                    int64
	DecidedBy                      string // the coordinator's name
	MeetingAgencies                []string
	VictimInvited                  string // "", "yes" or "no"
	VictimNotInvitedWhy            string
	OutcomeSummary                 string
	AppealReason, AppealOutcome    string
	ClosedAt                       time.Time

	Incidents       []ApplicationIncident
	Recommendations []Recommendation
}

// Complaints are the incidents as the rules engine sees them.
func (a ApplicationRecord) Complaints() []Complaint {
	out := make([]Complaint, len(a.Incidents))
	for i, inc := range a.Incidents {
		out[i] = inc.Complaint
	}
	return out
}

// Recommend runs the rules engine on the application's incidents under the
// policy version it was made under, on the date it was received: the
// engine's view, which the coordinator confirms or overrules.
func (a ApplicationRecord) Recommend() (CheckResult, bool) {
	cs := a.Complaints()
	if len(cs) == 0 || ValidateComplaints(cs, londonDate(a.Progress.ReceivedOn)) != nil {
		return CheckResult{}, false
	}
	return a.Policy.Check(cs, londonDate(a.Progress.ReceivedOn)), true
}

// VictimKindLabel is the kind of victim as people say it.
func (a ApplicationRecord) VictimKindLabel() string { return OptionLabel(VictimKinds, a.VictimKind) }

// ApplicationSchedule is what an application's milestones depend on: its
// progress, the policy version it was made under, and the bank holidays
// administrators added. Both the coordinator's and the applicant's pages
// show countdowns from it.
type ApplicationSchedule struct {
	Progress ApplicationProgress
	Policy   CaseReviewPolicy
	Holidays Holidays
}

// Milestones lists the milestones with countdowns from today.
func (s ApplicationSchedule) Milestones(today time.Time) []Milestone {
	return s.Progress.Milestones(s.Policy, s.Holidays, today)
}

// Next is the coordinator's next step, if any.
func (s ApplicationSchedule) Next(today time.Time) (Milestone, bool) {
	return s.Progress.NextMilestone(s.Policy, s.Holidays, today)
}

// CaseReviewStatistics are the figures an area must publish at least every
// 12 months (Anti-social Behaviour, Crime and Policing Act 2014, s104(10)),
// for the 12 months from From to To (inclusive).
type CaseReviewStatistics struct {
	Area, AreaName string
	From, To       time.Time
	// Received counts applications received in the period.
	Received int
	// NotMet counts decisions in the period that the threshold was not met.
	NotMet int
	// Reviews counts review meetings held in the period.
	Reviews int
	// WithRecommendations counts those reviews that made recommendations.
	WithRecommendations int
}

// StatisticsPeriod reads a period's first month written as "2026-04" and
// returns the 12 months from it; false when it is not a month, or when the
// period starts after today's month.
func StatisticsPeriod(s string, today time.Time) (from, to time.Time, ok bool) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Year() < 2000 || t.After(londonDate(today)) {
		return time.Time{}, time.Time{}, false
	}
	return t, t.AddDate(1, 0, -1), true
}

// DefaultStatisticsPeriod is the last full 12 months before today's month.
func DefaultStatisticsPeriod(today time.Time) (from, to time.Time) {
	y, m, _ := londonDate(today).Date()
	from = time.Date(y-1, m, 1, 0, 0, 0, 0, time.UTC)
	return from, from.AddDate(1, 0, -1)
}

// Same reports whether v would publish exactly what p with procedure does,
// from the same date: saving it again (a form sent twice) adds nothing.
func (v PolicyVersion) Same(p CaseReviewPolicy, procedure string) bool {
	a, b := v.Policy, p
	same := a.EffectiveFrom.Format(time.DateOnly) == b.EffectiveFrom.Format(time.DateOnly)
	a.Version, b.Version, a.EffectiveFrom, b.EffectiveFrom = 0, 0, time.Time{}, time.Time{}
	return same && a == b && v.Procedure == procedure
}

// DefaultCaseReviewPolicy is where an area without a policy starts: the
// Act's three complaints and common timescales.
func DefaultCaseReviewPolicy(area string) CaseReviewPolicy {
	return CaseReviewPolicy{Area: area, StatutoryN: StatutoryMaxComplaints, AcknowledgeDays: 5, DecisionDays: 10,
		ReviewDays: 20, OutcomeDays: 5, AppealDays: 20}
}
