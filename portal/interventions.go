package portal

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// InterventionKind is a response recorded on a case: a step on the
// escalation ladder, or support offered at any stage.
type InterventionKind string

// The intervention kinds.
const (
	WordsOfAdvice              InterventionKind = "words_of_advice"
	WarningLetter              InterventionKind = "warning_letter"
	LetterOfExpectation        InterventionKind = "letter_of_expectation"
	AcceptableBehaviour        InterventionKind = "acceptable_behaviour_contract"
	MediationReferral          InterventionKind = "mediation_referral"
	CourseInvitation           InterventionKind = "course_invitation"
	CommunityProtectionWarning InterventionKind = "community_protection_warning"
	CommunityProtectionNotice  InterventionKind = "community_protection_notice"
	CivilInjunction            InterventionKind = "civil_injunction_application"
	CriminalBehaviourOrder     InterventionKind = "criminal_behaviour_order_application"
	DispersalDirection         InterventionKind = "dispersal"
)

// Rung is a step of the escalation ladder. Rung 0 holds what is offered at
// any stage (mediation, courses, dispersal), not a step up.
type Rung struct {
	Step  int
	Name  string
	Hint  string
	Kinds []InterventionKind
}

// Ladder is the escalation ladder in order, as the seeds describe it: the
// person is given the chance to change (words of advice, letters, a
// contract) before civil powers are used; mediation and support are offered
// throughout. Every kind appears exactly once.
var Ladder = []Rung{
	{1, "Early intervention", "Give the person the chance to change: say what is not acceptable and what is",
		[]InterventionKind{WordsOfAdvice}},
	{2, "Letters and agreements", "If the behaviour continues: set out in writing what must stop",
		[]InterventionKind{WarningLetter, LetterOfExpectation, AcceptableBehaviour}},
	{3, "Community protection warning", "If letters have not worked: a written warning, issued jointly with partners where possible",
		[]InterventionKind{CommunityProtectionWarning}},
	{4, "Community protection notice", "If the warning is breached: a notice whose breach is an offence",
		[]InterventionKind{CommunityProtectionNotice}},
	{5, "Court orders", "If the notice is breached or the harm is serious: apply to court, with legal advice",
		[]InterventionKind{CivilInjunction, CriminalBehaviourOrder}},
	{0, "At any stage", "Mediation is always preferred to enforcement. Offer support, courses and signposting throughout",
		[]InterventionKind{MediationReferral, CourseInvitation, DispersalDirection}},
}

// InterventionKinds lists every kind in ladder order, for forms.
func InterventionKinds() []InterventionKind {
	var out []InterventionKind
	for _, r := range Ladder {
		out = append(out, r.Kinds...)
	}
	return out
}

// Label is the kind's name as staff say it.
func (k InterventionKind) Label() string {
	switch k {
	case WordsOfAdvice:
		return "Words of advice"
	case WarningLetter:
		return "Warning letter"
	case LetterOfExpectation:
		return "Letter of expectation"
	case AcceptableBehaviour:
		return "Acceptable behaviour contract"
	case MediationReferral:
		return "Mediation referral"
	case CourseInvitation:
		return "Course invitation"
	case CommunityProtectionWarning:
		return "Community protection warning (CPW)"
	case CommunityProtectionNotice:
		return "Community protection notice (CPN)"
	case CivilInjunction:
		return "Civil injunction application"
	case CriminalBehaviourOrder:
		return "Criminal behaviour order application"
	case DispersalDirection:
		return "Dispersal direction"
	}
	return string(k)
}

// Rung is the step of the ladder the kind is on (0: any stage), or -1 for
// an unknown kind.
func (k InterventionKind) Rung() int {
	for _, r := range Ladder {
		if slices.Contains(r.Kinds, k) {
			return r.Step
		}
	}
	return -1
}

// Valid reports whether k is one of the kinds.
func (k InterventionKind) Valid() bool { return k.Rung() >= 0 }

// HasLetter reports whether the kind is served as a letter produced from a
// letter template.
func (k InterventionKind) HasLetter() bool { return slices.Contains(LetterKinds, k) }

// LetterKinds are the kinds served as letters, in ladder order.
var LetterKinds = []InterventionKind{WarningLetter, LetterOfExpectation, CommunityProtectionWarning, CommunityProtectionNotice}

// InterventionStatus is where an intervention stands.
type InterventionStatus string

// The intervention statuses.
const (
	InterventionPlanned   InterventionStatus = "planned"
	InterventionActive    InterventionStatus = "active"
	InterventionComplied  InterventionStatus = "complied"
	InterventionBreached  InterventionStatus = "breached"
	InterventionWithdrawn InterventionStatus = "withdrawn"
	InterventionExpired   InterventionStatus = "expired"
)

// InterventionStatuses lists the statuses in the order forms show them.
var InterventionStatuses = []InterventionStatus{InterventionPlanned, InterventionActive,
	InterventionComplied, InterventionBreached, InterventionWithdrawn, InterventionExpired}

// Label is the status as staff read it.
func (s InterventionStatus) Label() string {
	switch s {
	case InterventionPlanned:
		return "Planned"
	case InterventionActive:
		return "Active"
	case InterventionComplied:
		return "Complied with"
	case InterventionBreached:
		return "Breached"
	case InterventionWithdrawn:
		return "Withdrawn"
	case InterventionExpired:
		return "Expired"
	}
	return string(s)
}

// Valid reports whether s is one of the statuses.
func (s InterventionStatus) Valid() bool { return slices.Contains(InterventionStatuses, s) }

// Intervention is a response recorded on a case.
type Intervention struct {
	ID          int64
	Kind        InterventionKind
	Subject     string // who it is addressed to, as staff describe them
	OfficerID   int64
	OfficerName string
	IssuedOn    time.Time
	Status      InterventionStatus
	ReviewOn    time.Time // zero: none
	Notes       string
	LetterBody  string
	CreatedAt   time.Time
}

// LadderStep is a rung of the ladder with what a case has used of it.
type LadderStep struct {
	Rung
	Used  []Intervention
	Ahead bool // above the highest step used so far
}

// CaseLadder lays a case's interventions on the ladder, in ladder order.
func CaseLadder(ivs []Intervention) []LadderStep {
	top := HighestRung(ivs)
	out := make([]LadderStep, len(Ladder))
	for i, r := range Ladder {
		out[i] = LadderStep{Rung: r, Ahead: r.Step > top}
		for _, iv := range ivs {
			if slices.Contains(r.Kinds, iv.Kind) {
				out[i].Used = append(out[i].Used, iv)
			}
		}
	}
	return out
}

// HighestRung is the highest step of the ladder used (0: none), not counting
// withdrawn or planned interventions, which were never served.
func HighestRung(ivs []Intervention) int {
	top := 0
	for _, iv := range ivs {
		if iv.Status == InterventionWithdrawn || iv.Status == InterventionPlanned {
			continue
		}
		top = max(top, iv.Kind.Rung())
	}
	return top
}

// SkipsLadder reports whether recording kind would jump the ladder: it is a
// civil power (a CPW or above) while no earlier step and no mediation has
// been tried on the case. Such a jump needs a recorded reason.
func SkipsLadder(ivs []Intervention, kind InterventionKind) bool {
	if kind.Rung() < CommunityProtectionWarning.Rung() {
		return false
	}
	for _, iv := range ivs {
		if iv.Status == InterventionWithdrawn {
			continue
		}
		if r := iv.Kind.Rung(); (r >= 1 && r < kind.Rung()) || iv.Kind == MediationReferral {
			return false
		}
	}
	return true
}

// Limits on an intervention.
const (
	MaxSubject    = 200
	MaxLetterText = 20000
)

// InterventionInput is the "record an intervention" form, and the form that
// updates one (Kind and Subject are then fixed).
type InterventionInput struct {
	IdempotencyKey string
	Kind           string
	Subject        string
	OfficerID      int64
	Issued         DateParts
	Status         string
	Review         DateParts
	Notes          string
}

// Validate returns every problem, and the dates read. existing are the
// case's interventions so far (for the ladder rule); officers are the IDs
// that may be chosen; update is true when changing an intervention.
func (in InterventionInput) Validate(existing []Intervention, officers []int64, today time.Time, update bool) (issued, review time.Time, fe FieldErrors) {
	fe = FieldErrors{}
	kind := InterventionKind(in.Kind)
	if !update {
		if !kind.Valid() {
			fe.Add("kind", "Select the kind of intervention")
		}
		switch {
		case strings.TrimSpace(in.Subject) == "":
			fe.Add("subject", "Enter who the intervention is for, as you would describe them")
		case utf8.RuneCountInString(in.Subject) > MaxSubject:
			fe.Add("subject", "Who it is for must be 200 characters or fewer")
		}
		if !slices.Contains(officers, in.OfficerID) {
			fe.Add("officer", "Select the officer")
		}
	}
	issued, review = in.dates(fe, today)
	if !InterventionStatus(in.Status).Valid() {
		fe.Add("status", "Select the status")
	}
	switch {
	case utf8.RuneCountInString(in.Notes) > MaxCaseText:
		fe.Add("notes", "The notes must be 5,000 characters or fewer")
	case !update && kind.Valid() && SkipsLadder(existing, kind) && strings.TrimSpace(in.Notes) == "":
		fe.Add("notes", "Explain why earlier steps, such as words of advice, a warning letter or mediation, are not right in this case")
	}
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("status", "Your form expired. Check your answers and send it again")
	}
	return issued, review, fe
}

func (in InterventionInput) dates(fe FieldErrors, today time.Time) (issued, review time.Time) {
	issued, msg := in.Issued.Date("date issued")
	today = DateOf(today)
	switch {
	case msg != "":
		fe.Add("issued-day", msg)
	case issued.After(today.AddDate(0, 3, 0)):
		fe.Add("issued-day", "The date issued must be within the next 3 months")
	}
	if !in.Review.Empty() {
		var msg string
		review, msg = in.Review.Date("review date")
		switch {
		case msg != "":
			fe.Add("review-day", msg)
		case !issued.IsZero() && review.Before(issued):
			fe.Add("review-day", "The review date must be on or after the date issued")
		}
	}
	return issued, review
}

// LetterTemplate is the editable text a letter of one kind starts from.
type LetterTemplate struct {
	Kind  InterventionKind
	Title string
	Body  string
}

// LetterValues fill a letter template's placeholders.
type LetterValues struct {
	Subject       string
	Date          time.Time
	Officer       string
	Neighbourhood string
	CaseReference string
}

// Placeholders are the values a letter template may use, in the order the
// template editor lists them.
var Placeholders = []Option{
	{"{{subject}}", "who the letter is addressed to"},
	{"{{date}}", "the date issued, like 5 March 2026"},
	{"{{officer}}", "the issuing officer's name"},
	{"{{neighbourhood}}", "the neighbourhood's name"},
	{"{{case_reference}}", "the case reference"},
}

// FillLetter replaces a template's placeholders with the values, in one
// pass over the text. The result is plain text: it is never parsed as a
// template or as HTML, so what staff write (and the subject's description)
// cannot run code or add markup; pages show it escaped.
func FillLetter(body string, v LetterValues) string {
	date := ""
	if !v.Date.IsZero() {
		date = v.Date.Format("2 January 2006")
	}
	return strings.NewReplacer(
		"{{subject}}", v.Subject,
		"{{date}}", date,
		"{{officer}}", v.Officer,
		"{{neighbourhood}}", v.Neighbourhood,
		"{{case_reference}}", v.CaseReference,
	).Replace(body)
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// UnknownPlaceholders lists the {{…}} in a template that FillLetter would
// not fill, so the editor can say so before a letter goes out half-filled.
func UnknownPlaceholders(body string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllString(body, -1) {
		if !slices.ContainsFunc(Placeholders, func(o Option) bool { return o.Value == m }) && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// bracketRE finds the [square-bracketed prompts] templates leave for the
// officer to replace, such as [describe the behaviour].
var bracketRE = regexp.MustCompile(`\[[^\[\]\n]{1,120}\]`)

// LetterPrompts lists the square-bracketed prompts still in a letter, so the
// officer is told before printing.
func LetterPrompts(body string) []string {
	return bracketRE.FindAllString(body, -1)
}

// LetterTemplateInput is the template editor's form.
type LetterTemplateInput struct {
	Title string
	Body  string
}

// Validate returns every problem with the template.
func (in LetterTemplateInput) Validate() FieldErrors {
	fe := FieldErrors{}
	switch {
	case strings.TrimSpace(in.Title) == "":
		fe.Add("title", "Enter the letter's title")
	case utf8.RuneCountInString(in.Title) > MaxCaseTitle:
		fe.Add("title", "The title must be 150 characters or fewer")
	}
	switch {
	case strings.TrimSpace(in.Body) == "":
		fe.Add("body", "Enter the letter's text")
	case utf8.RuneCountInString(in.Body) > MaxLetterText:
		fe.Add("body", "The letter must be 20,000 characters or fewer")
	default:
		if u := UnknownPlaceholders(in.Body); len(u) > 0 {
			fe.Add("body", "Remove or correct "+strings.Join(u, ", ")+": letters can only use the placeholders listed")
		}
	}
	return fe
}

// ValidateLetter checks a letter's text before it is saved.
func ValidateLetter(body string) FieldErrors {
	fe := FieldErrors{}
	switch {
	case strings.TrimSpace(body) == "":
		fe.Add("letter", "Enter the letter's text")
	case utf8.RuneCountInString(body) > MaxLetterText:
		fe.Add("letter", "The letter must be 20,000 characters or fewer")
	}
	return fe
}

// DefaultLetterTemplate is the text a letter of kind starts from until a
// sergeant or administrator edits it. The square-bracketed prompts are for
// the officer to replace before printing.
func DefaultLetterTemplate(kind InterventionKind) (LetterTemplate, bool) {
	for _, t := range defaultLetters {
		if t.Kind == kind {
			return t, true
		}
	}
	return LetterTemplate{}, false
}

const letterSignOff = `

If you want to talk about this letter, or you need support, contact the {{neighbourhood}} neighbourhood policing team on 101 and quote {{case_reference}}. Mediation may be available to help resolve a dispute with your neighbours: ask us about it.

Yours sincerely

{{officer}}
{{neighbourhood}} neighbourhood policing team`

var defaultLetters = []LetterTemplate{
	{WarningLetter, "Anti-social behaviour warning letter", `{{date}}

To: {{subject}}

Reference: {{case_reference}}

Warning about anti-social behaviour

We have received reports that you have been involved in anti-social behaviour in the {{neighbourhood}} area. The behaviour reported is:

[describe the behaviour, with dates and places]

This behaviour is causing harassment, alarm or distress to people who live and work in the area. It must stop now.

We are giving you the chance to change your behaviour. If it continues, we may take further action with our partners. This could include a community protection warning, a community protection notice or an application to court.` + letterSignOff},
	{LetterOfExpectation, "Letter of expectation", `{{date}}

To: {{subject}}

Reference: {{case_reference}}

What we expect of you

We have been told about behaviour in the {{neighbourhood}} area that is affecting other people:

[describe the behaviour]

We are writing to set out clearly what is not acceptable, and what is. We expect you to:

[list what the person should do or avoid, for example: keep noise down after 11pm; not gather in the stairwell]

Most people who receive a letter like this change their behaviour, and nothing more happens. If the behaviour continues, we may take further action.` + letterSignOff},
	{CommunityProtectionWarning, "Community protection warning", `{{date}}

To: {{subject}}

Reference: {{case_reference}}

Community protection warning
Anti-social Behaviour, Crime and Policing Act 2014, section 43

We are satisfied that your conduct is having a detrimental effect, of a persistent or continuing nature, on the quality of life of those in the locality, and that it is unreasonable. The conduct is:

[describe the conduct, with dates and places]

You are warned that if your conduct continues after [date by which it must stop], you may be issued with a community protection notice. Failing to comply with a community protection notice is a criminal offence.

To avoid this, you must:

[say what the person must stop doing, or do]` + letterSignOff},
	{CommunityProtectionNotice, "Community protection notice", `{{date}}

To: {{subject}}

Reference: {{case_reference}}

Community protection notice
Anti-social Behaviour, Crime and Policing Act 2014, section 43

On [date of the warning] you were given a community protection warning about the following conduct:

[describe the conduct]

Your conduct has continued. This notice requires you to:

[list the requirements, with the dates by which each must be met]

Failing to comply with this notice without a reasonable excuse is a criminal offence. You may be given a fixed penalty notice or prosecuted, and a court may make a remedial order or a forfeiture order.

You may appeal against this notice to a magistrates' court within 21 days of the date of this notice.` + letterSignOff},
}
