package portal

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The ASB Case Review ("community trigger"): Anti-social Behaviour, Crime
// and Policing Act 2014 s104 and Schedule 4. A local authority area's policy
// sets when the threshold for a review is met; this file decides, from a
// list of complaints, whether it is, and explains why in plain English.

// RouteKind is one way a policy's threshold can be met.
type RouteKind string

// The routes, in the order they are tried.
const (
	RouteStatutory        RouteKind = "statutory"
	RouteHate             RouteKind = "hate"
	RouteMultiComplainant RouteKind = "multi_complainant"
	RouteDiscretionary    RouteKind = "discretionary"
)

// StatutoryMaxComplaints is the most qualifying complaints a policy may
// require: the Act sets 3, and an area may set fewer, never more.
const StatutoryMaxComplaints = 3

// CaseReviewPolicy is one version of a local authority area's policy.
type CaseReviewPolicy struct {
	Area          string // local authority code, e.g. "demo-north"
	Version       int
	EffectiveFrom time.Time
	// Statutory: at least StatutoryN qualifying incidents about one problem.
	StatutoryN int
	// Hate: at least one qualifying hate-motivated incident.
	HateRoute bool
	// Multi-complainant: at least MultiM qualifying incidents about one
	// problem reported by at least MultiK different people (0: route off).
	MultiM, MultiK int
	// Discretionary: otherwise refer to this role for a decision on
	// persistence, harm and the adequacy of the response (s104(5)); "" = off.
	DiscretionaryRole string
	// Timescales in working days, the point of contact and the appeal route
	// are published with the procedure (s104(3), Schedule 4 para 3).
	AcknowledgeDays int
	DecisionDays    int
	ReviewDays      int
	OutcomeDays     int
	AppealDays      int
	Contact         string
	AppealRoute     string
}

// ErrPolicyInvalid is wrapped by Validate's errors.
var ErrPolicyInvalid = errors.New("invalid case review policy")

// Validate refuses a policy the Act does not allow, such as one asking for
// more than 3 complaints.
func (p CaseReviewPolicy) Validate() FieldErrors {
	fe := FieldErrors{}
	switch {
	case p.StatutoryN < 1:
		fe.Add("statutory_n", "The number of complaints must be at least 1")
	case p.StatutoryN > StatutoryMaxComplaints:
		fe.Add("statutory_n", "The number of complaints cannot be more than 3: the Act sets 3, and an area may set fewer, never more")
	}
	if p.MultiM != 0 || p.MultiK != 0 {
		if p.MultiM < 1 {
			fe.Add("multi_m", "The number of incidents must be at least 1")
		}
		if p.MultiK < 2 {
			fe.Add("multi_k", "The number of different people must be at least 2")
		}
	}
	for field, days := range map[string]int{"acknowledge_days": p.AcknowledgeDays, "decision_days": p.DecisionDays,
		"review_days": p.ReviewDays, "outcome_days": p.OutcomeDays, "appeal_days": p.AppealDays} {
		if days < 0 || days > 250 {
			fe.Add(field, "Enter a number of working days between 0 and 250")
		}
	}
	return fe
}

// Agencies a complaint can have been made to.
var Agencies = []Option{
	{"police", "Police"}, {"council", "Council"}, {"housing", "Housing provider"},
	{"health", "Health service"}, {"other", "Another organisation"},
}

// Complaint is one report of ASB to one agency.
type Complaint struct {
	Incident    string // the same incident reported to several agencies shares this
	Problem     string // complaints about different problems do not add up
	OccurredOn  time.Time
	ReportedOn  time.Time
	Agency      string
	Complainant string
	Hate        bool
}

// CheckInputError is a precise problem with the input, naming its field.
type CheckInputError struct {
	Field, Message string
}

func (e CheckInputError) Error() string { return e.Field + ": " + e.Message }

// ValidateComplaints checks the input before any rule is applied.
func ValidateComplaints(cs []Complaint, application time.Time) error {
	if len(cs) == 0 {
		return CheckInputError{"complaints", "give at least one complaint"}
	}
	for i, c := range cs {
		f := func(name string) string { return fmt.Sprintf("complaints[%d].%s", i, name) }
		switch {
		case strings.TrimSpace(c.Incident) == "":
			return CheckInputError{f("incident"), "say which incident this is"}
		case strings.TrimSpace(c.Problem) == "":
			return CheckInputError{f("problem"), "say which problem this is about"}
		case c.OccurredOn.IsZero():
			return CheckInputError{f("occurred_on"), "give the date it happened as YYYY-MM-DD"}
		case c.ReportedOn.IsZero():
			return CheckInputError{f("reported_on"), "give the date it was reported as YYYY-MM-DD"}
		case c.ReportedOn.Before(c.OccurredOn):
			return CheckInputError{f("reported_on"), "a complaint cannot be reported before it happened"}
		case c.ReportedOn.After(application):
			return CheckInputError{f("reported_on"), "a complaint cannot be reported after the application date"}
		case !validOption(Agencies, c.Agency):
			return CheckInputError{f("agency"), "agency must be one of police, council, housing, health, other"}
		}
	}
	return nil
}

// PeriodEnd is the last day of "the period of N months beginning with" d:
// the day before the corresponding date N months later, or, where that
// month has no corresponding date, the last day of that month. So one month
// beginning with 10 March ends on 9 April, six months beginning with 15 May
// end on 14 November, and one month beginning with 31 January ends on the
// last day of February.
func PeriodEnd(d time.Time, months int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		return time.Date(first.Year(), first.Month(), last, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
}

// ComplaintResult says whether one complaint qualifies, and why not.
type ComplaintResult struct {
	Index      int    `json:"index"`
	Qualifying bool   `json:"qualifying"`
	Reason     string `json:"reason,omitempty"`
}

// CheckResult is the answer to "does this meet the threshold?".
type CheckResult struct {
	Result              string    // "met", "not_met" or "refer"
	Route               RouteKind // the first route met; "" otherwise
	QualifyingIncidents int       // in the problem that met the threshold, or the most in any one problem
	Problem             string    // the problem those incidents are about
	Complaints          []ComplaintResult
	Explanation         string
}

// qualifies applies the time limits to one complaint: made within one month
// beginning with the date of the behaviour, and the application made within
// six months beginning with the date of the complaint.
func qualifies(c Complaint, application time.Time) (bool, string) {
	if calendarDay(c.ReportedOn).After(PeriodEnd(calendarDay(c.OccurredOn), 1)) {
		days := int(calendarDay(c.ReportedOn).Sub(calendarDay(c.OccurredOn)).Hours() / 24)
		return false, fmt.Sprintf("reported %d days after it happened; a complaint must be made within one month", days)
	}
	if application.After(PeriodEnd(calendarDay(c.ReportedOn), 6)) {
		return false, "reported more than six months before the application; an application must be made within six months of the complaint"
	}
	return true, ""
}

// calendarDay is t's date at midnight UTC: case review dates are calendar
// dates, compared day by day.
func calendarDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// problemTally is what one problem's qualifying complaints add up to.
type problemTally struct {
	problem     string
	incidents   map[string]bool // qualifying incidents (each counted once across agencies)
	hate        bool
	complainant map[string]bool
}

// Check decides whether complaints meet the policy's threshold on the
// application date. Call ValidateComplaints first.
func (p CaseReviewPolicy) Check(cs []Complaint, application time.Time) CheckResult {
	application = calendarDay(application)
	res := CheckResult{Result: "not_met"}
	tallies := map[string]*problemTally{}
	var order []string
	for i, c := range cs {
		ok, why := qualifies(c, application)
		res.Complaints = append(res.Complaints, ComplaintResult{Index: i, Qualifying: ok, Reason: why})
		key := normaliseProblem(c.Problem)
		t := tallies[key]
		if t == nil {
			t = &problemTally{problem: c.Problem, incidents: map[string]bool{}, complainant: map[string]bool{}}
			tallies[key] = t
			order = append(order, key)
		}
		if !ok {
			continue
		}
		t.incidents[strings.TrimSpace(c.Incident)] = true
		t.complainant[strings.ToLower(strings.TrimSpace(c.Complainant))] = true
		t.hate = t.hate || c.Hate
	}
	best := tallies[order[0]]
	for _, k := range order {
		if len(tallies[k].incidents) > len(best.incidents) {
			best = tallies[k]
		}
	}
	for _, route := range p.routes() {
		for _, k := range order {
			if p.meets(route, tallies[k]) {
				res.Result, res.Route = "met", route
				res.QualifyingIncidents, res.Problem = len(tallies[k].incidents), tallies[k].problem
				res.Explanation = p.explainMet(route, tallies[k])
				return res
			}
		}
	}
	res.QualifyingIncidents, res.Problem = len(best.incidents), best.problem
	if p.DiscretionaryRole != "" {
		res.Result = "refer"
		res.Explanation = p.explainNotMet(best) + " The area's policy lets the " + p.DiscretionaryRole +
			" decide whether to hold a review anyway, looking at how persistent the behaviour is, the harm it causes and whether the response has been adequate."
		return res
	}
	res.Explanation = p.explainNotMet(best)
	return res
}

func normaliseProblem(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func (p CaseReviewPolicy) routes() []RouteKind {
	routes := []RouteKind{RouteStatutory}
	if p.HateRoute {
		routes = append(routes, RouteHate)
	}
	if p.MultiM > 0 && p.MultiK > 0 {
		routes = append(routes, RouteMultiComplainant)
	}
	return routes
}

func (p CaseReviewPolicy) meets(route RouteKind, t *problemTally) bool {
	switch route {
	case RouteStatutory:
		return len(t.incidents) >= p.StatutoryN
	case RouteHate:
		return t.hate
	case RouteMultiComplainant:
		return len(t.incidents) >= p.MultiM && len(t.complainant) >= p.MultiK
	}
	return false
}

func (p CaseReviewPolicy) explainMet(route RouteKind, t *problemTally) string {
	switch route {
	case RouteHate:
		return fmt.Sprintf("The threshold is met: at least one qualifying incident about %q was reported as motivated by hate, and this area's policy holds a review for that.", t.problem)
	case RouteMultiComplainant:
		return fmt.Sprintf("The threshold is met: %s about %q were reported by %d different people (this area needs %d incidents reported by %d people).",
			plural(len(t.incidents), "qualifying incident"), t.problem, len(t.complainant), p.MultiM, p.MultiK)
	}
	return fmt.Sprintf("The threshold is met: %s about %q were reported within the time limits (this area needs %d).",
		plural(len(t.incidents), "qualifying incident"), t.problem, p.StatutoryN)
}

func (p CaseReviewPolicy) explainNotMet(t *problemTally) string {
	need := p.StatutoryN - len(t.incidents)
	s := fmt.Sprintf("The threshold is not met yet: %s about %q %s within the time limits, and this area needs %d.",
		plural(len(t.incidents), "qualifying incident"), t.problem, wasWere(len(t.incidents)), p.StatutoryN)
	if need > 0 {
		s += fmt.Sprintf(" %d more qualifying %s about the same problem would meet it.", need, map[bool]string{true: "complaint", false: "complaints"}[need == 1])
	}
	return s
}

func wasWere(n int) string {
	if n == 1 {
		return "was reported"
	}
	return "were reported"
}

// DemoPolicies are the demo force's two policies, loaded by `beacon demo`.
func DemoPolicies() []CaseReviewPolicy {
	base := CaseReviewPolicy{Version: 1, EffectiveFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		AcknowledgeDays: 5, DecisionDays: 10, ReviewDays: 20, OutcomeDays: 5, AppealDays: 20}
	north, south := base, base
	north.Area, north.StatutoryN, north.HateRoute, north.MultiM, north.MultiK = "demo-north", 3, true, 5, 2
	north.Contact = "Community Safety Team, North Demoshire District Council, asbreview@north-demoshire.example, 01632 960 100"
	north.AppealRoute = "Write to the Head of Community Safety within 20 working days of the decision, saying why you disagree."
	south.Area, south.StatutoryN = "demo-south", 2
	south.Contact = "ASB Case Review Coordinator, South Demoshire District Council, casereview@south-demoshire.example, 01632 960 200"
	south.AppealRoute = "Ask the Community Safety Partnership chair to look again within 20 working days of the decision."
	return []CaseReviewPolicy{north, south}
}
