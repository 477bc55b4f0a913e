package portal

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ConsultationKind says what a consultation is for.
type ConsultationKind string

// The consultation kinds. A priorities consultation's ranking result
// becomes its neighbourhood's published priorities.
const (
	ConsultationGeneral    ConsultationKind = "general"
	ConsultationPriorities ConsultationKind = "priorities"
)

// ConsultationState is where a consultation is in its life:
// draft → published → closed.
type ConsultationState string

// The consultation states.
const (
	ConsultationDraft     ConsultationState = "draft"
	ConsultationPublished ConsultationState = "published"
	ConsultationClosed    ConsultationState = "closed"
)

// AreaLevel is the kind of area a consultation covers.
type AreaLevel string

// The area levels.
const (
	LevelForce         AreaLevel = "force"
	LevelLPA           AreaLevel = "lpa"
	LevelNeighbourhood AreaLevel = "neighbourhood"
)

// Consultation is a "Have your say" survey for an area.
type Consultation struct {
	ID               int64
	Kind             ConsultationKind
	State            ConsultationState
	Title            string
	Summary          string
	Body             string
	AreaLevel        AreaLevel
	AreaCode         string
	AreaName         string
	NeighbourhoodIDs []int64
	OpensAt          time.Time
	ClosesAt         time.Time
	CommentsEnabled  bool
	PublishedAt      time.Time
	ClosedAt         time.Time
	ResultsPublished time.Time
	WeDid            string
	WeDidAt          time.Time
	Responses        int
}

// Phase is what a resident sees of a consultation at a moment.
type Phase string

// The phases of a published consultation.
const (
	PhaseDraft    Phase = "draft"
	PhaseUpcoming Phase = "upcoming"
	PhaseOpen     Phase = "open"
	PhaseClosed   Phase = "closed"
)

// Phase reports whether the consultation is a draft, not yet open, open or
// closed at now. Closing early or passing the closing time both close it.
func (c Consultation) Phase(now time.Time) Phase {
	switch {
	case c.State == ConsultationDraft:
		return PhaseDraft
	case c.State == ConsultationClosed || !now.Before(c.ClosesAt):
		return PhaseClosed
	case now.Before(c.OpensAt):
		return PhaseUpcoming
	}
	return PhaseOpen
}

// Open reports whether responses are accepted at now.
func (c Consultation) Open(now time.Time) bool { return c.Phase(now) == PhaseOpen }

// Publish moves a draft to published; it needs at least one question.
func (c *Consultation) Publish(questions int, now time.Time) error {
	if c.State != ConsultationDraft || questions == 0 || !now.Before(c.ClosesAt) {
		return ErrConflict
	}
	c.State, c.PublishedAt = ConsultationPublished, now
	return nil
}

// Close closes a published consultation early (or records that it closed).
func (c *Consultation) Close(now time.Time) error {
	if c.State != ConsultationPublished {
		return ErrConflict
	}
	c.State, c.ClosedAt = ConsultationClosed, now
	if now.Before(c.ClosesAt) {
		c.ClosesAt = now
	}
	return nil
}

// CanEditQuestions reports whether questions may still change: only before
// the first response, and never once closed.
func (c Consultation) CanEditQuestions() bool {
	return c.Responses == 0 && c.State != ConsultationClosed
}

// CanPublishResults reports whether staff may publish results: only after
// closing, so counts cannot sway answers.
func (c Consultation) CanPublishResults(now time.Time) bool {
	return c.Phase(now) == PhaseClosed && c.State != ConsultationDraft
}

// CanManage reports whether a member of staff may author and manage the
// consultation: sergeants and force admins, covering all its neighbourhoods
// (a force-wide consultation needs a force-wide scope).
func (c Consultation) CanManage(u *User) bool {
	if !u.Has(RoleSergeant, RoleForceAdmin) {
		return false
	}
	if u.Scope.All {
		return true
	}
	if c.AreaLevel == LevelForce || len(c.NeighbourhoodIDs) == 0 {
		return false
	}
	for _, n := range c.NeighbourhoodIDs {
		if !u.Scope.Covers(n) {
			return false
		}
	}
	return true
}

// Limits on consultation text.
const (
	MaxConsultationTitle   = 120
	MaxConsultationSummary = 300
	MaxConsultationBody    = 5000
	MaxWeDid               = 3000
)

// ConsultationInput is the consultation form, as typed. Dates are
// YYYY-MM-DD and times HH:MM, in Europe/London.
type ConsultationInput struct {
	Kind                 string
	Title, Summary, Body string
	AreaLevel            string
	AreaCode             string
	OpensDate, OpensTime string
	ClosesDate           string
	ClosesTime           string
	CommentsEnabled      bool
}

// ConsultationFieldOrder is the order of the consultation form's fields.
var ConsultationFieldOrder = []string{"kind", "title", "summary", "body", "area", "opens-date", "opens-time",
	"closes-date", "closes-time"}

// ConsultationFields are a valid consultation form's values.
type ConsultationFields struct {
	Kind                 ConsultationKind
	Title, Summary, Body string
	AreaLevel            AreaLevel
	AreaCode             string
	OpensAt, ClosesAt    time.Time
	CommentsEnabled      bool
}

// Parse validates the form in loc and returns its values, with every
// problem at once.
func (in ConsultationInput) Parse(loc *time.Location) (ConsultationFields, FieldErrors) {
	fe := FieldErrors{}
	f := ConsultationFields{Kind: ConsultationKind(in.Kind), Title: in.Title, Summary: in.Summary, Body: in.Body,
		AreaLevel: AreaLevel(in.AreaLevel), AreaCode: in.AreaCode, CommentsEnabled: in.CommentsEnabled}
	if f.Kind != ConsultationGeneral && f.Kind != ConsultationPriorities {
		fe.Add("kind", "Select the kind of consultation")
	}
	requiredText(fe, "title", in.Title, MaxConsultationTitle, "Enter a title", "The title")
	requiredText(fe, "summary", in.Summary, MaxConsultationSummary, "Enter a short summary", "The summary")
	if utf8.RuneCountInString(in.Body) > MaxConsultationBody {
		fe.Add("body", "The description must be 5000 characters or fewer")
	}
	switch {
	case f.AreaLevel != LevelForce && f.AreaLevel != LevelLPA && f.AreaLevel != LevelNeighbourhood || in.AreaCode == "":
		fe.Add("area", "Select the area the consultation covers")
	case f.Kind == ConsultationPriorities && f.AreaLevel != LevelNeighbourhood:
		fe.Add("area", "A priorities consultation must cover one neighbourhood")
	}
	f.OpensAt = parseLocal(fe, "opens-date", "opens-time", in.OpensDate, in.OpensTime, loc, "opening")
	f.ClosesAt = parseLocal(fe, "closes-date", "closes-time", in.ClosesDate, in.ClosesTime, loc, "closing")
	if !f.OpensAt.IsZero() && !f.ClosesAt.IsZero() && !f.ClosesAt.After(f.OpensAt) {
		fe.Add("closes-date", "The closing date must be after the opening date")
	}
	return f, fe
}

// QuestionKind is the type of a consultation question.
type QuestionKind string

// The question kinds.
const (
	QuestionSingle    QuestionKind = "single"
	QuestionMultiple  QuestionKind = "multiple"
	QuestionShortText QuestionKind = "short_text"
	QuestionLongText  QuestionKind = "long_text"
	QuestionRank      QuestionKind = "rank"
	QuestionRating    QuestionKind = "rating"
)

// QuestionKinds lists the kinds in the order forms show them.
var QuestionKinds = []QuestionKind{QuestionSingle, QuestionMultiple, QuestionShortText, QuestionLongText,
	QuestionRank, QuestionRating}

// Label is the kind's name on staff pages.
func (k QuestionKind) Label() string {
	switch k {
	case QuestionSingle:
		return "Single choice"
	case QuestionMultiple:
		return "Multiple choice"
	case QuestionShortText:
		return "Short text"
	case QuestionLongText:
		return "Long text"
	case QuestionRank:
		return "Rank the priorities"
	case QuestionRating:
		return "Rating scale (1 to 5)"
	}
	return string(k)
}

// HasOptions reports whether the kind offers options to choose from.
func (k QuestionKind) HasOptions() bool {
	return k == QuestionSingle || k == QuestionMultiple || k == QuestionRank
}

// OtherValue is the choice value of "Other, please say".
const OtherValue = "other"

// Question is one question of a consultation.
type Question struct {
	ID         int64
	Position   int
	Kind       QuestionKind
	Prompt     string
	Hint       string
	Required   bool
	Options    []string
	AllowOther bool
	MaxRank    int
	// ShowIfQuestionID, when set, shows the question only when that earlier
	// question's answer includes ShowIfValue.
	ShowIfQuestionID int64
	ShowIfValue      string
	ResultsPublic    bool
}

// Choices are the question's options as radio or checkbox items, with
// "Other" last when allowed.
func (q Question) Choices() []Option {
	out := make([]Option, 0, len(q.Options)+1)
	for _, o := range q.Options {
		out = append(out, Option{Value: o, Label: o})
	}
	if q.AllowOther && q.Kind != QuestionRank {
		out = append(out, Option{Value: OtherValue, Label: "Other, please say"})
	}
	return out
}

// RankLimit is how many options a respondent may rank.
func (q Question) RankLimit() int {
	if q.MaxRank <= 0 || q.MaxRank > len(q.Options) {
		return len(q.Options)
	}
	return q.MaxRank
}

// Limits on questions and answers.
const (
	MaxQuestionPrompt = 300
	MaxQuestionHint   = 500
	MaxOptions        = 20
	MaxOptionText     = 120
	MaxShortAnswer    = 200
	MaxLongAnswer     = 3000
)

// QuestionInput is the question form, as typed. Options are one a line.
type QuestionInput struct {
	Kind        string
	Prompt      string
	Hint        string
	Required    bool
	Options     string
	AllowOther  bool
	MaxRank     string
	ShowIfQID   string
	ShowIfValue string
}

// QuestionFieldOrder is the order of the question form's fields.
var QuestionFieldOrder = []string{"kind", "prompt", "hint", "options", "max-rank", "show-if"}

// Parse validates a question against the questions before it (a display
// condition may only refer to an earlier choice question and one of its
// options) and returns it.
func (in QuestionInput) Parse(earlier []Question) (Question, FieldErrors) {
	fe := FieldErrors{}
	q := Question{Kind: QuestionKind(in.Kind), Prompt: in.Prompt, Hint: in.Hint, Required: in.Required}
	if !slices.Contains(QuestionKinds, q.Kind) {
		fe.Add("kind", "Select the type of question")
	}
	requiredText(fe, "prompt", in.Prompt, MaxQuestionPrompt, "Enter the question", "The question")
	if utf8.RuneCountInString(in.Hint) > MaxQuestionHint {
		fe.Add("hint", "The hint must be 500 characters or fewer")
	}
	if q.Kind.HasOptions() {
		q.Options = parseOptions(fe, in.Options)
		q.AllowOther = in.AllowOther && q.Kind != QuestionRank
	}
	if q.Kind == QuestionRank {
		q.MaxRank = parseMaxRank(fe, in.MaxRank, len(q.Options))
	}
	q.ShowIfQuestionID, q.ShowIfValue = parseShowIf(fe, in.ShowIfQID, in.ShowIfValue, earlier)
	return q, fe
}

func parseOptions(fe FieldErrors, s string) []string {
	var opts []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) > MaxOptionText {
			fe.Add("options", "Each option must be 120 characters or fewer")
		}
		if slices.Contains(opts, line) || line == OtherValue {
			fe.Add("options", "Each option must be different")
		}
		opts = append(opts, line)
	}
	switch {
	case len(opts) < 2:
		fe.Add("options", "Enter at least 2 options, one on each line")
	case len(opts) > MaxOptions:
		fe.Add("options", "Enter 20 options or fewer")
	}
	return opts
}

func parseMaxRank(fe FieldErrors, s string, options int) int {
	if s == "" {
		return options
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || (options > 0 && n > options) {
		fe.Add("max-rank", "The number to rank must be a whole number from 1 to the number of options")
		return 0
	}
	return n
}

func parseShowIf(fe FieldErrors, qid, value string, earlier []Question) (int64, string) {
	if qid == "" {
		return 0, ""
	}
	id, err := strconv.ParseInt(qid, 10, 64)
	i := slices.IndexFunc(earlier, func(q Question) bool { return q.ID == id })
	if err != nil || i < 0 || (earlier[i].Kind != QuestionSingle && earlier[i].Kind != QuestionMultiple) {
		fe.Add("show-if", "Select an earlier single or multiple choice question")
		return 0, ""
	}
	if !slices.ContainsFunc(earlier[i].Choices(), func(o Option) bool { return o.Value == value }) {
		fe.Add("show-if", "Select the answer that shows this question")
		return 0, ""
	}
	return id, value
}
