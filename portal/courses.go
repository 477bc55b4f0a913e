package portal

import (
	"crypto/rand"
	"math/big"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Course is a free defusing course that runs as one or more sessions.
type Course struct {
	ID          int64
	Title       string
	Description string
	Provider    string
	Audience    string
	// Upcoming counts sessions still to come (in lists).
	Upcoming int
}

// Limits on course and session text.
const (
	MaxCourseTitle       = 120
	MaxCourseText        = 2000
	MaxCourseShort       = 200
	MaxSessionCapacity   = 1000
	MaxBookingName       = 100
	MaxBookingAccessNeed = 500
)

// CourseInput is the course form of the admin pages.
type CourseInput struct {
	Title, Description, Provider, Audience string
}

// Validate returns every problem with the course at once.
func (in CourseInput) Validate() FieldErrors {
	fe := FieldErrors{}
	requiredText(fe, "title", in.Title, MaxCourseTitle, "Enter the course title", "The title")
	requiredText(fe, "description", in.Description, MaxCourseText, "Enter a description of the course", "The description")
	requiredText(fe, "provider", in.Provider, MaxCourseShort, "Enter who runs the course", "The provider")
	requiredText(fe, "audience", in.Audience, MaxCourseShort, "Enter who the course is for", "Who the course is for")
	return fe
}

// requiredText checks a required field's presence and length.
func requiredText(fe FieldErrors, field, v string, max int, missing, what string) {
	switch {
	case v == "":
		fe.Add(field, missing)
	case utf8.RuneCountInString(v) > max:
		fe.Add(field, what+" must be "+strconv.Itoa(max)+" characters or fewer")
	}
}

// CourseSession is one dated session of a course at a venue.
type CourseSession struct {
	ID                int64
	CourseID          int64
	CourseTitle       string
	CourseDescription string
	Provider          string
	Audience          string
	LPAID             int64
	LPACode           string
	LPAName           string
	VenueName         string
	VenueAddress      string
	VenuePostcode     string
	Accessibility     string
	MapURL            string
	StartsAt          time.Time
	EndsAt            time.Time
	BookingClosesAt   time.Time
	Capacity          int
	// Booked counts places taken: confirmed plus held for an offer.
	Booked int
	// Waiting counts people on the waiting list.
	Waiting     int
	CancelledAt time.Time
}

// PlacesLeft is how many places anyone may still book.
func (s CourseSession) PlacesLeft() int { return max(s.Capacity-s.Booked, 0) }

// Full reports whether new bookings join the waiting list.
func (s CourseSession) Full() bool { return s.PlacesLeft() == 0 }

// Cancelled reports whether staff cancelled the session.
func (s CourseSession) Cancelled() bool { return !s.CancelledAt.IsZero() }

// BookingOpen reports whether people may book (or join the waiting list) at now.
func (s CourseSession) BookingOpen(now time.Time) bool {
	return !s.Cancelled() && now.Before(s.BookingClosesAt)
}

// Started reports whether the session has begun at now.
func (s CourseSession) Started(now time.Time) bool { return !now.Before(s.StartsAt) }

// Ended reports whether the session is over at now.
func (s CourseSession) Ended(now time.Time) bool { return !now.Before(s.EndsAt) }

// SessionInput is the session form, as typed. Dates are YYYY-MM-DD and
// times HH:MM, in Europe/London.
type SessionInput struct {
	CourseID                               string
	LPACode                                string
	VenueName, VenueAddress, VenuePostcode string
	Accessibility, MapURL                  string
	Date, StartTime, EndTime               string
	ClosesDate, ClosesTime                 string
	Capacity                               string
}

// SessionFields are a valid session form's values.
type SessionFields struct {
	CourseID                               int64
	LPACode                                string
	VenueName, VenueAddress, VenuePostcode string
	Accessibility, MapURL                  string
	StartsAt, EndsAt, BookingClosesAt      time.Time
	Capacity                               int
}

// SessionFieldOrder is the order of the session form's fields.
var SessionFieldOrder = []string{"course", "lpa", "venue", "address", "postcode", "accessibility", "map",
	"date", "start", "end", "closes-date", "closes-time", "capacity"}

// Parse validates the session form in loc and returns its values; a new
// session (isNew) must start after now, an edited one may not.
func (in SessionInput) Parse(loc *time.Location, now time.Time, isNew bool) (SessionFields, FieldErrors) {
	fe := FieldErrors{}
	f := SessionFields{LPACode: in.LPACode, VenueName: in.VenueName, VenueAddress: in.VenueAddress,
		VenuePostcode: in.VenuePostcode, Accessibility: in.Accessibility, MapURL: in.MapURL}
	id, err := strconv.ParseInt(in.CourseID, 10, 64)
	if err != nil || id <= 0 {
		fe.Add("course", "Select the course")
	}
	f.CourseID = id
	if in.LPACode == "" {
		fe.Add("lpa", "Select the local policing area")
	}
	requiredText(fe, "venue", in.VenueName, MaxCourseShort, "Enter the venue’s name", "The venue’s name")
	requiredText(fe, "address", in.VenueAddress, MaxCourseShort, "Enter the venue’s address", "The address")
	if utf8.RuneCountInString(in.VenuePostcode) > 10 {
		fe.Add("postcode", "Enter a real postcode, like DM1 1AB")
	}
	if utf8.RuneCountInString(in.Accessibility) > MaxCourseText {
		fe.Add("accessibility", "Accessibility information must be 2000 characters or fewer")
	}
	if in.MapURL != "" && !validMapURL(in.MapURL) {
		fe.Add("map", "Enter a map link starting with https://")
	}
	f.StartsAt = parseLocal(fe, "date", "start", in.Date, in.StartTime, loc, "the session")
	end := parseLocal(fe, "date", "end", in.Date, in.EndTime, loc, "the session")
	if !f.StartsAt.IsZero() && !end.IsZero() && !end.After(f.StartsAt) {
		fe.Add("end", "The end time must be after the start time")
	}
	f.EndsAt = end
	f.BookingClosesAt = parseLocal(fe, "closes-date", "closes-time", in.ClosesDate, in.ClosesTime, loc, "booking closing")
	if !f.BookingClosesAt.IsZero() && !f.StartsAt.IsZero() && f.BookingClosesAt.After(f.StartsAt) {
		fe.Add("closes-date", "Booking must close before the session starts")
	}
	if isNew && !f.StartsAt.IsZero() && !f.StartsAt.After(now) {
		fe.Add("date", "The session must be in the future")
	}
	n, err := strconv.Atoi(in.Capacity)
	switch {
	case in.Capacity == "":
		fe.Add("capacity", "Enter the number of places")
	case err != nil:
		fe.Add("capacity", "The number of places must be a whole number, like 12")
	case n < 1 || n > MaxSessionCapacity:
		fe.Add("capacity", "The number of places must be between 1 and 1000")
	}
	f.Capacity = n
	return f, fe
}

// parseLocal reads a date (YYYY-MM-DD) and time (HH:MM) in loc.
func parseLocal(fe FieldErrors, dateField, timeField, date, clock string, loc *time.Location, what string) time.Time {
	d, derr := time.ParseInLocation("2006-01-02", date, loc)
	if date == "" {
		fe.Add(dateField, "Enter the date of "+what)
	} else if derr != nil {
		fe.Add(dateField, "The date of "+what+" must be a real date, like 2026-03-14")
	}
	c, cerr := time.Parse("15:04", clock)
	if clock == "" {
		fe.Add(timeField, "Enter the time of "+what)
	} else if cerr != nil {
		fe.Add(timeField, "The time of "+what+" must be a real time, like 18:30")
	}
	if derr != nil || cerr != nil {
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, loc)
}

func validMapURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && len(s) <= 500
}

// Describes are the answers to "Which best describes you?".
var Describes = []Option{
	{"resident", "A resident"},
	{"reported_asb", "Someone who has reported anti-social behaviour"},
	{"shop_bar_staff", "Shop or bar staff"},
	{"street_pastor_volunteer", "A Street Pastor or volunteer"},
	{"neighbourhood_watch", "A Neighbourhood Watch member"},
	{"other", "Other"},
}

// ConfidenceScale answers "How confident do you feel dealing with conflict
// or anti-social behaviour near you?".
var ConfidenceScale = []Option{
	{"1", "1 – Not at all confident"}, {"2", "2"}, {"3", "3"}, {"4", "4"}, {"5", "5 – Very confident"},
}

// WillingnessScale answers "How willing are you to challenge it?".
var WillingnessScale = []Option{
	{"1", "1 – Not at all willing"}, {"2", "2"}, {"3", "3"}, {"4", "4"}, {"5", "5 – Very willing"},
}

// YesNoNotSure answers the follow-up's yes-or-no questions.
var YesNoNotSure = []Option{{"yes", "Yes"}, {"no", "No"}, {"not-sure", "Not sure"}}

// The evaluation questions, asked the same way every time.
const (
	QuestionConfidence  = "How confident do you feel dealing with conflict or anti-social behaviour near you?"
	QuestionWillingness = "How willing are you to challenge it?"
	QuestionUsed        = "Since the course, have you used what you learnt?"
	QuestionResolved    = "Did it resolve a problem without calling the police?"
)

// BookingInput is the booking form.
type BookingInput struct {
	IdempotencyKey string
	Name           string
	Email          string
	Phone          string
	Describes      string
	AccessNeeds    string
	Confidence     string
	Willingness    string
	// Invite is the token of the staff invitation the booking came from, if any.
	Invite string
}

// BookingFieldOrder is the order of the booking form's fields.
var BookingFieldOrder = []string{"name", "email", "phone", "describes", "access-needs", "confidence", "willingness"}

// Validate returns every problem with the booking at once.
func (in BookingInput) Validate() FieldErrors {
	fe := FieldErrors{}
	requiredText(fe, "name", in.Name, MaxBookingName, "Enter your name", "Your name")
	if msg := accountEmailError(in.Email); msg != "" {
		fe.Add("email", msg)
	}
	if in.Phone != "" && !validPhone(in.Phone) {
		fe.Add("phone", "Enter a telephone number, like 01632 960 001 or 07700 900 982")
	}
	if !validOption(Describes, in.Describes) {
		fe.Add("describes", "Select which best describes you")
	}
	if utf8.RuneCountInString(in.AccessNeeds) > MaxBookingAccessNeed {
		fe.Add("access-needs", "Access needs must be 500 characters or fewer")
	}
	if !validOption(ConfidenceScale, in.Confidence) {
		fe.Add("confidence", "Select how confident you feel, from 1 to 5")
	}
	if !validOption(WillingnessScale, in.Willingness) {
		fe.Add("willingness", "Select how willing you are to challenge it, from 1 to 5")
	}
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("name", "Your form expired. Check your answers and send it again")
	}
	return fe
}

// Score turns a validated 1–5 answer into its number.
func Score(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// BookingStatus is where a booking stands.
type BookingStatus string

// The booking statuses. An offered booking holds a place that came free
// until its offer expires; a lapsed one let its offer pass.
const (
	BookingConfirmed BookingStatus = "confirmed"
	BookingWaiting   BookingStatus = "waiting"
	BookingOffered   BookingStatus = "offered"
	BookingCancelled BookingStatus = "cancelled"
	BookingLapsed    BookingStatus = "lapsed"
)

// Label is the status as people say it.
func (b BookingStatus) Label() string {
	switch b {
	case BookingConfirmed:
		return "Place confirmed"
	case BookingWaiting:
		return "On the waiting list"
	case BookingOffered:
		return "Place offered"
	case BookingCancelled:
		return "Cancelled"
	case BookingLapsed:
		return "Offer ended"
	}
	return string(b)
}

// Attendance is what the trainer's register says.
type Attendance string

// Attendance marks; empty means not yet marked.
const (
	AttendanceUnmarked Attendance = ""
	Attended           Attendance = "attended"
	NoShow             Attendance = "no_show"
)

// Booking is one person's booking (or waiting-list place) on a session.
type Booking struct {
	ID             int64
	Reference      string
	SessionID      int64
	Name           string
	Email          string
	Phone          string
	Describes      string
	AccessNeeds    string
	Status         BookingStatus
	WaitingSince   time.Time
	OfferExpiresAt time.Time
	Attendance     Attendance
	Invited        bool
	CreatedAt      time.Time
	// AfterDone and FollowUpDone say whether the questionnaires are answered.
	AfterDone    bool
	FollowUpDone bool
	// Position is the place in the waiting list (1 = next), when waiting.
	Position int
}

// Active reports whether the booking holds or waits for a place.
func (b Booking) Active() bool {
	return b.Status == BookingConfirmed || b.Status == BookingWaiting || b.Status == BookingOffered
}

// CanChange reports whether the booker may still cancel or move: until the
// session starts.
func (b Booking) CanChange(s CourseSession, now time.Time) bool {
	return b.Active() && !s.Cancelled() && !s.Started(now)
}

// CanAccept reports whether an offered place can still be taken.
func (b Booking) CanAccept(now time.Time) bool {
	return b.Status == BookingOffered && now.Before(b.OfferExpiresAt)
}

// DescribesLabel is the booker's answer as shown to staff.
func (b Booking) DescribesLabel() string { return courseOptionLabel(Describes, b.Describes) }

func courseOptionLabel(opts []Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// AfterInput is the end-of-course questionnaire.
type AfterInput struct {
	Confidence, Willingness string
}

// Validate returns every problem with the answers.
func (in AfterInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if !validOption(ConfidenceScale, in.Confidence) {
		fe.Add("confidence", "Select how confident you feel, from 1 to 5")
	}
	if !validOption(WillingnessScale, in.Willingness) {
		fe.Add("willingness", "Select how willing you are to challenge it, from 1 to 5")
	}
	return fe
}

// FollowUpInput is the questionnaire three months after the course.
type FollowUpInput struct {
	Confidence, Willingness, Used, Resolved string
}

// Validate returns every problem with the answers.
func (in FollowUpInput) Validate() FieldErrors {
	fe := AfterInput{in.Confidence, in.Willingness}.Validate()
	if !validOption(YesNoNotSure, in.Used) {
		fe.Add("used", "Select whether you have used what you learnt")
	}
	if !validOption(YesNoNotSure, in.Resolved) {
		fe.Add("resolved", "Select whether it resolved a problem without calling the police")
	}
	return fe
}

// Course timings.
const (
	// DefaultOfferHold is how long a place offered from the waiting list is held.
	DefaultOfferHold = 48 * time.Hour
	// ReminderBefore is when the reminder is sent before a session.
	ReminderBefore = 48 * time.Hour
	// InvitationLifetime is how long a staff invitation's link works.
	InvitationLifetime = 60 * 24 * time.Hour
)

// FollowUpDue is when the three-month follow-up is due for a session that
// ended at end.
func FollowUpDue(end time.Time) time.Time { return end.AddDate(0, 3, 0) }

var courseReferenceRE = regexp.MustCompile(`^CRS-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

// NewCourseReference returns a random booking reference like CRS-7K3Q-9XPD.
func NewCourseReference() string {
	var b strings.Builder
	b.WriteString("CRS-")
	n := big.NewInt(int64(len(referenceAlphabet)))
	for i := range 8 {
		if i == 4 {
			b.WriteByte('-')
		}
		v, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic("portal: no randomness: " + err.Error())
		}
		b.WriteByte(referenceAlphabet[v.Int64()])
	}
	return b.String()
}

// ValidCourseReference reports whether s is a well-formed booking reference.
func ValidCourseReference(s string) bool { return courseReferenceRE.MatchString(s) }

// ValidToken reports whether s looks like a NewToken (43 base64url characters).
func ValidToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// RegisterMark is one attendance mark from the trainer's register.
type RegisterMark struct {
	BookingID  int64
	Attendance Attendance
}

// ValidAttendance reports whether a is a mark the register accepts.
func ValidAttendance(a Attendance) bool {
	return a == AttendanceUnmarked || a == Attended || a == NoShow
}

// When is the session's date and times as people say them, in London:
// "Thursday 14 March 2026, 6:30pm to 8:30pm".
func (s CourseSession) When() string {
	return s.StartsAt.In(london).Format("Monday 2 January 2006") + ", " + s.Times()
}

// Times is the start and end time: "6:30pm to 8:30pm".
func (s CourseSession) Times() string {
	return clock(s.StartsAt) + " to " + clock(s.EndsAt)
}

// ClosesAt is when booking closes, as people say it.
func (s CourseSession) ClosesAt() string {
	return clock(s.BookingClosesAt) + " on " + s.BookingClosesAt.In(london).Format("Monday 2 January 2006")
}

// Venue is the venue's name, address and postcode on separate lines.
func (s CourseSession) Venue() string {
	var parts []string
	for _, p := range []string{s.VenueName, s.VenueAddress, s.VenuePostcode} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "\n")
}

// OfferUntil is when an offered place stops being held, as people say it.
func (b Booking) OfferUntil() string {
	return clock(b.OfferExpiresAt) + " on " + b.OfferExpiresAt.In(london).Format("Monday 2 January 2006")
}

func clock(t time.Time) string {
	t = t.In(london)
	if t.Minute() == 0 {
		return strings.ToLower(t.Format("3pm"))
	}
	return strings.ToLower(t.Format("3:04pm"))
}
