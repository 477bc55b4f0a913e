package portal

import (
	"crypto/rand"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CaseStatus is where a problem-solving case is in its life.
type CaseStatus string

// The case statuses.
const (
	CaseOpen   CaseStatus = "open"
	CaseClosed CaseStatus = "closed"
)

// Label is the status as staff read it.
func (s CaseStatus) Label() string {
	if s == CaseClosed {
		return "Closed"
	}
	return "Open"
}

// ReviewEvery is how many days may pass between supervisory reviews of a
// case at this risk: high every 14 days, medium every 28 and low every 56.
func (r Risk) ReviewEvery() int {
	switch r {
	case RiskHigh:
		return 14
	case RiskLow:
		return 56
	}
	return 28
}

// NextReview is the date the next supervisory review falls due when one is
// done (or the case opened) on the day of from.
func (r Risk) NextReview(from time.Time) time.Time {
	return DateOf(from).AddDate(0, 0, r.ReviewEvery())
}

// DateOf is t's calendar date in its own location, as midnight UTC: the
// form PostgreSQL's date columns come back in, so dates compare exactly.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Case is a problem-solving case worked through OSARA: objective, scanning,
// analysis, response and assessment.
type Case struct {
	ID                int64
	Reference         string
	NeighbourhoodID   int64
	NeighbourhoodCode string
	NeighbourhoodName string
	Title             string
	Risk              Risk
	Status            CaseStatus
	Objective         string
	Analysis          string
	Response          string
	Assessment        string
	Lessons           string
	OwnerID           int64
	OwnerName         string
	NextReview        time.Time // zero: none set
	ReviewOverdue     bool      // open, and the next review date has passed
	Reports           int       // linked reports the viewer may see
	CreatedAt         time.Time
	UpdatedAt         time.Time
	ClosedAt          time.Time
}

// Open reports whether the case can still be worked on; a closed case must
// be reopened before anything on it changes.
func (c Case) Open() bool { return c.Status == CaseOpen }

// Limits on what a case holds.
const (
	MaxCaseTitle = 150
	MaxCaseText  = 5000
	MaxNoteText  = 5000
	MaxSource    = 200
)

// CaseInput is the "start a case" form.
type CaseInput struct {
	IdempotencyKey    string
	Title             string
	NeighbourhoodCode string
	Risk              string
	Objective         string
	ReportRef         string // a report to link at once ("start a case" from a report)
}

// Validate returns every problem with the input at once. areas are the
// neighbourhood codes the staff member may choose from.
func (in CaseInput) Validate(areas []string) FieldErrors {
	fe := FieldErrors{}
	switch {
	case strings.TrimSpace(in.Title) == "":
		fe.Add("title", "Enter a title for the case")
	case utf8.RuneCountInString(in.Title) > MaxCaseTitle:
		fe.Add("title", "The title must be 150 characters or fewer")
	}
	found := false
	for _, a := range areas {
		found = found || a == in.NeighbourhoodCode
	}
	if !found {
		fe.Add("neighbourhood", "Select the neighbourhood the case is in")
	}
	if !Risk(in.Risk).Valid() {
		fe.Add("risk", "Select the risk of harm")
	}
	switch {
	case strings.TrimSpace(in.Objective) == "":
		fe.Add("objective", "Enter the objective: what the case should achieve, and by when")
	case utf8.RuneCountInString(in.Objective) > MaxCaseText:
		fe.Add("objective", "The objective must be 5,000 characters or fewer")
	}
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("title", "Your form expired. Check your answers and send it again")
	}
	return fe
}

// CaseSection is a part of a case written as free text.
type CaseSection string

// The case's text sections, in OSARA order.
const (
	SectionObjective CaseSection = "objective"
	SectionAnalysis  CaseSection = "analysis"
	SectionResponse  CaseSection = "response"
)

// Label is the section's heading.
func (s CaseSection) Label() string {
	switch s {
	case SectionObjective:
		return "Objective"
	case SectionAnalysis:
		return "Analysis notes"
	case SectionResponse:
		return "Response plan"
	}
	return string(s)
}

// Hint explains what the section is for.
func (s CaseSection) Hint() string {
	switch s {
	case SectionObjective:
		return "What the case should achieve, how and by when"
	case SectionAnalysis:
		return "Patterns in the reports and partner information: peak times, places, people, what drives the behaviour"
	case SectionResponse:
		return "What the team and partners will do, starting with support, advice and mediation before enforcement"
	}
	return ""
}

// ParseCaseSection accepts a section's name from a URL.
func ParseCaseSection(s string) (CaseSection, bool) {
	switch sec := CaseSection(s); sec {
	case SectionObjective, SectionAnalysis, SectionResponse:
		return sec, true
	}
	return "", false
}

// ValidateSectionText checks the text of a case section. The objective may
// not be emptied; the other sections may.
func ValidateSectionText(sec CaseSection, text string) FieldErrors {
	fe := FieldErrors{}
	switch {
	case sec == SectionObjective && strings.TrimSpace(text) == "":
		fe.Add("text", "Enter the objective")
	case utf8.RuneCountInString(text) > MaxCaseText:
		fe.Add("text", "The text must be 5,000 characters or fewer")
	}
	return fe
}

// CaseCloseInput is the assessment recorded when a case closes.
type CaseCloseInput struct {
	Assessment string
	Lessons    string
}

// Validate requires the assessment: a case is not closed without saying
// what worked.
func (in CaseCloseInput) Validate() FieldErrors {
	fe := FieldErrors{}
	switch {
	case strings.TrimSpace(in.Assessment) == "":
		fe.Add("assessment", "Enter what worked and what did not")
	case utf8.RuneCountInString(in.Assessment) > MaxCaseText:
		fe.Add("assessment", "The assessment must be 5,000 characters or fewer")
	}
	if utf8.RuneCountInString(in.Lessons) > MaxCaseText {
		fe.Add("lessons", "The lessons must be 5,000 characters or fewer")
	}
	return fe
}

// CaseNote is information from a partner (council, housing provider …)
// noted during scanning.
type CaseNote struct {
	ID         int64
	Source     string
	Body       string
	AuthorName string
	CreatedAt  time.Time
}

// CaseNoteInput is the partner information form.
type CaseNoteInput struct {
	IdempotencyKey string
	Source         string
	Body           string
}

// Validate returns every problem with the note.
func (in CaseNoteInput) Validate() FieldErrors {
	fe := FieldErrors{}
	switch {
	case strings.TrimSpace(in.Source) == "":
		fe.Add("note-source", "Enter where the information came from")
	case utf8.RuneCountInString(in.Source) > MaxSource:
		fe.Add("note-source", "The source must be 200 characters or fewer")
	}
	switch {
	case strings.TrimSpace(in.Body) == "":
		fe.Add("note-body", "Enter the information")
	case utf8.RuneCountInString(in.Body) > MaxNoteText:
		fe.Add("note-body", "The information must be 5,000 characters or fewer")
	}
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("note-body", "Your form expired. Check your answers and send it again")
	}
	return fe
}

// CaseReport is a report linked to a case, as case work needs it: what,
// when and roughly where, never who reported it.
type CaseReport struct {
	Reference    string
	CategoryName string
	Status       ReportStatus
	Risk         string
	OccurredOn   time.Time
	OccurredTime string // "15:04", or "" when the reporter did not say
	CreatedAt    time.Time
	District     string // the postcode's outward code, like DM1
	Place        string
	HasLocation  bool
	Latitude     float64
	Longitude    float64
}

// Slot is when the behaviour happened, for the day × hour heatmap: the
// reported date and time where the reporter gave a time, otherwise when the
// report was made (in loc).
func (r CaseReport) Slot(loc *time.Location) (time.Weekday, int) {
	if h, err := strconv.Atoi(strings.SplitN(r.OccurredTime, ":", 2)[0]); err == nil && r.OccurredTime != "" && h >= 0 && h < 24 {
		return r.OccurredOn.Weekday(), h
	}
	t := r.CreatedAt.In(loc)
	return t.Weekday(), t.Hour()
}

// CaseHeatmap counts the reports by day of week and hour.
func CaseHeatmap(reports []CaseReport, loc *time.Location) Heatmap {
	var h Heatmap
	for _, r := range reports {
		d, hr := r.Slot(loc)
		h.Add(d, hr, 1)
	}
	return h
}

// CaseReview is a sergeant's supervisory review of a case.
type CaseReview struct {
	ID           int64
	ReviewerName string
	Notes        string
	ReviewedAt   time.Time
	NextReview   time.Time
}

// CaseReviewInput is the supervisory review form.
type CaseReviewInput struct {
	IdempotencyKey string
	Notes          string
	Next           DateParts
}

// Validate checks the review, returning the next review date. It must be
// after today and within a year.
func (in CaseReviewInput) Validate(today time.Time) (time.Time, FieldErrors) {
	fe := FieldErrors{}
	switch {
	case strings.TrimSpace(in.Notes) == "":
		fe.Add("notes", "Enter your review notes")
	case utf8.RuneCountInString(in.Notes) > MaxCaseText:
		fe.Add("notes", "The review notes must be 5,000 characters or fewer")
	}
	next, msg := in.Next.Date("next review date")
	today = DateOf(today)
	switch {
	case msg != "":
		fe.Add("next-day", msg)
	case !next.After(today):
		fe.Add("next-day", "The next review date must be in the future")
	case next.After(today.AddDate(1, 0, 0)):
		fe.Add("next-day", "The next review date must be within a year")
	}
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("notes", "Your form expired. Check your answers and send it again")
	}
	return next, fe
}

// DateParts is a date typed into the GOV.UK date input's three boxes.
type DateParts struct {
	Day, Month, Year string
}

// PartsOf fills the three boxes from a date (zero: empty boxes).
func PartsOf(t time.Time) DateParts {
	if t.IsZero() {
		return DateParts{}
	}
	return DateParts{strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())}
}

// Empty reports whether nothing was typed.
func (p DateParts) Empty() bool {
	return strings.TrimSpace(p.Day+p.Month+p.Year) == ""
}

// Date reads the date, or returns a message naming what (for example "date
// issued") that says what is wrong, in the GOV.UK date input's words.
func (p DateParts) Date(what string) (time.Time, string) {
	if p.Empty() {
		return time.Time{}, "Enter the " + what
	}
	d, errD := strconv.Atoi(strings.TrimSpace(p.Day))
	m, errM := strconv.Atoi(strings.TrimSpace(p.Month))
	y, errY := strconv.Atoi(strings.TrimSpace(p.Year))
	switch {
	case strings.TrimSpace(p.Day) == "":
		return time.Time{}, "The " + what + " must include a day"
	case strings.TrimSpace(p.Month) == "":
		return time.Time{}, "The " + what + " must include a month"
	case strings.TrimSpace(p.Year) == "":
		return time.Time{}, "The " + what + " must include a year"
	case errD != nil || errM != nil || errY != nil || y < 2000 || y > 2100:
		return time.Time{}, "The " + what + " must be a real date"
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return time.Time{}, "The " + what + " must be a real date"
	}
	return t, ""
}

// caseReferenceRE is the form of a case reference, like CASE-7K3Q-9XPD.
var caseReferenceRE = regexp.MustCompile(`^CASE-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

// NewCaseReference returns a random case reference like CASE-7K3Q-9XPD, in
// the same unambiguous alphabet as report references: about 40 bits, so
// references cannot be guessed or enumerated.
func NewCaseReference() string {
	var b strings.Builder
	b.WriteString("CASE-")
	max := big.NewInt(int64(len(referenceAlphabet)))
	for i := range 8 {
		if i == 4 {
			b.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("portal: no randomness: " + err.Error())
		}
		b.WriteByte(referenceAlphabet[n.Int64()])
	}
	return b.String()
}

// ValidCaseReference reports whether s is a well-formed case reference.
func ValidCaseReference(s string) bool { return caseReferenceRE.MatchString(s) }
