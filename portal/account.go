package portal

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// SignInLinkLifetime is how long a resident's emailed sign-in link works.
const SignInLinkLifetime = 15 * time.Minute

// StaffInviteLifetime is how long a new member of staff's link to set their
// password works.
const StaffInviteLifetime = 7 * 24 * time.Hour

// MaxEmailLength is the longest email address accepted (RFC 5321's limit on
// a forward path).
const MaxEmailLength = 254

// CanonicalEmail trims an email address and lower-cases it, so that one
// person has one account however they type their address.
func CanonicalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// IsEmailAddress reports whether s is a plain email address (no display name,
// no angle brackets) of at most MaxEmailLength characters.
func IsEmailAddress(s string) bool {
	if len(s) > MaxEmailLength || strings.ContainsAny(s, " <>\"\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

// accountEmailError is the message for a missing or malformed email address.
func accountEmailError(s string) string {
	switch {
	case s == "":
		return "Enter your email address"
	case len(s) > MaxEmailLength:
		return "Email address must be 254 characters or fewer"
	case !IsEmailAddress(s):
		return "Enter an email address in the correct format, like name@example.com"
	}
	return ""
}

// SignInRequest is a resident asking for a sign-in link.
type SignInRequest struct {
	Email string
}

// Validate returns every problem with the request.
func (in SignInRequest) Validate() FieldErrors {
	fe := FieldErrors{}
	if msg := accountEmailError(in.Email); msg != "" {
		fe.Add("email", msg)
	}
	return fe
}

// VolunteerStatus is where a volunteer registration stands.
type VolunteerStatus string

// The states of a volunteer registration.
const (
	VolunteerPending  VolunteerStatus = "pending"
	VolunteerVerified VolunteerStatus = "verified"
	VolunteerDeclined VolunteerStatus = "declined"
)

// MaxVolunteerText is the longest organisation or area name accepted.
const MaxVolunteerText = 120

// VolunteerInput is a resident asking to be registered as a volunteer.
type VolunteerInput struct {
	Role         VolunteerRole
	Organisation string
	Area         string
}

// Validate returns every problem with the input.
func (in VolunteerInput) Validate() FieldErrors {
	fe := FieldErrors{}
	valid := false
	for _, r := range VolunteerRoles {
		valid = valid || r == in.Role
	}
	if !valid {
		fe.Add("role", "Select how you volunteer")
	}
	accountText(fe, "organisation", in.Organisation, MaxVolunteerText,
		"Enter the name of your scheme or organisation", "Scheme or organisation name must be 120 characters or fewer")
	accountText(fe, "area", in.Area, MaxVolunteerText,
		"Enter the area you volunteer in", "Area must be 120 characters or fewer")
	return fe
}

// textField checks a required single-line text answer.
func accountText(fe FieldErrors, field, v string, max int, missing, tooLong string) {
	switch {
	case v == "":
		fe.Add(field, missing)
	case utf8.RuneCountInString(v) > max:
		fe.Add(field, tooLong)
	}
}

// VolunteerRequest is a stored volunteer registration.
type VolunteerRequest struct {
	ID           int64
	UserID       int64
	Email        string // the resident's, shown only to force administrators
	Role         VolunteerRole
	Organisation string
	Area         string
	Status       VolunteerStatus
	CreatedAt    time.Time
	DecidedAt    time.Time // zero while pending
}

// Decide moves a pending request to verified or declined; a request that
// was already decided answers ErrConflict.
func (v *VolunteerRequest) Decide(to VolunteerStatus, at time.Time) error {
	if v.Status != VolunteerPending || (to != VolunteerVerified && to != VolunteerDeclined) {
		return ErrConflict
	}
	v.Status, v.DecidedAt = to, at
	return nil
}

// Submission is one thing a resident has sent (a report, an answer to a
// consultation, a booking), as listed on their account page and included in
// their data download. Each feature lists its own.
type Submission struct {
	Reference string    `json:"reference"`
	Summary   string    `json:"summary"`
	Status    string    `json:"status"`
	SentAt    time.Time `json:"sent_at"`
}

// StaffArea is one area a member of staff works in: a whole local policing
// area or a single neighbourhood.
type StaffArea struct {
	LPA  bool // a whole LPA rather than one neighbourhood
	Code string
	Name string
}

// StaffMember is a staff account as force administrators see it.
type StaffMember struct {
	User
	Areas        []StaffArea
	CreatedAt    time.Time
	LastSignInAt time.Time // zero if never
}

// MaxDisplayName is the longest staff name accepted.
const MaxDisplayName = 100

// StaffInput is a force administrator inviting a member of staff or
// changing one's role and areas.
type StaffInput struct {
	IdempotencyKey string
	Email          string
	DisplayName    string
	Role           Role
	LPAs           []string
	Neighbourhoods []string
}

// ValidateInvite returns every problem with an invitation.
func (in StaffInput) ValidateInvite() FieldErrors {
	fe := FieldErrors{}
	if msg := accountEmailError(in.Email); msg != "" {
		fe.Add("email", strings.Replace(msg, "your email", "their email", 1))
	}
	accountText(fe, "name", in.DisplayName, MaxDisplayName,
		"Enter their full name", "Full name must be 100 characters or fewer")
	in.validateRoleAndAreas(fe)
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("email", "Your form expired. Check the details and send it again")
	}
	return fe
}

// ValidateChange returns every problem with a change of role and areas.
func (in StaffInput) ValidateChange() FieldErrors {
	fe := FieldErrors{}
	in.validateRoleAndAreas(fe)
	return fe
}

func (in StaffInput) validateRoleAndAreas(fe FieldErrors) {
	if !in.Role.Staff() {
		fe.Add("role", "Select a role")
	}
	if in.Role.Staff() && in.Role != RoleForceAdmin && len(in.LPAs)+len(in.Neighbourhoods) == 0 {
		fe.Add("areas", "Select at least one area they work in")
	}
}

// Areas are the areas a force administrator's choice amounts to: a force
// administrator covers the whole force, so chosen areas are dropped.
func (in StaffInput) Areas() (lpas, neighbourhoods []string) {
	if in.Role == RoleForceAdmin {
		return []string{}, []string{}
	}
	return accountNonNil(in.LPAs), accountNonNil(in.Neighbourhoods)
}

func accountNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// accountAuditActionRE is what an audit action filter may hold: dotted lower-case
// words, so it cannot smuggle LIKE wildcards.
var accountAuditActionRE = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)*$`)

// AuditQuery is the audit log viewer's filter as typed in. Dates are
// GOV.UK date inputs (day, month, year) in the force's time zone.
type AuditQuery struct {
	ActorEmail string
	Action     string
	TargetType string
	TargetID   string
	From, To   AuditDate
}

// AuditDate is a GOV.UK date input's three boxes.
type AuditDate struct {
	Day, Month, Year string
}

// Empty reports whether no box was filled in.
func (d AuditDate) Empty() bool { return d.Day == "" && d.Month == "" && d.Year == "" }

// Parse returns the date at midnight in loc, or a message naming what is
// wrong. An empty date parses to the zero time.
func (d AuditDate) Parse(loc *time.Location, label string) (time.Time, string) {
	if d.Empty() {
		return time.Time{}, ""
	}
	if d.Day == "" || d.Month == "" || d.Year == "" {
		return time.Time{}, label + " must include a day, month and year"
	}
	day, okD := accountNumber(d.Day, 2)
	month, okM := accountNumber(d.Month, 2)
	year, okY := accountNumber(d.Year, 4)
	if !okD || !okM || !okY || len(d.Year) != 4 {
		return time.Time{}, label + " must be a real date, like 27 3 2025"
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, loc)
	if t.Day() != day || int(t.Month()) != month || year < 2000 {
		return time.Time{}, label + " must be a real date, like 27 3 2025"
	}
	return t, ""
}

func accountNumber(s string, digits int) (int, bool) {
	if s == "" || len(s) > digits {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// AuditRange is a validated audit filter's time range: From inclusive, To
// exclusive (the day after the "to" date), either zero for open-ended.
type AuditRange struct {
	From, To time.Time
}

// Validate checks the filter and returns its time range.
func (q AuditQuery) Validate(loc *time.Location) (AuditRange, FieldErrors) {
	fe := FieldErrors{}
	if q.ActorEmail != "" && !IsEmailAddress(CanonicalEmail(q.ActorEmail)) {
		fe.Add("actor", "Enter an email address in the correct format, like name@example.com")
	}
	if q.Action != "" && (len(q.Action) > 60 || !accountAuditActionRE.MatchString(q.Action)) {
		fe.Add("action", "Action must be lower-case words separated by full stops, like staff.invite")
	}
	if len(q.TargetType) > 40 || len(q.TargetID) > 40 {
		fe.Add("target", "Target type and ID must be 40 characters or fewer")
	}
	var r AuditRange
	var msg string
	if r.From, msg = q.From.Parse(loc, "From date"); msg != "" {
		fe.Add("from", msg)
	}
	if r.To, msg = q.To.Parse(loc, "To date"); msg != "" {
		fe.Add("to", msg)
	}
	if !r.To.IsZero() {
		r.To = r.To.AddDate(0, 0, 1)
	}
	if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
		fe.Add("to", "To date must be the same as or after the from date")
	}
	return r, fe
}

// ResidentAccount is everything the account page shows a resident about
// their own account.
type ResidentAccount struct {
	User
	CreatedAt    time.Time
	LastSignInAt time.Time // zero if never
	// Volunteer is their latest volunteer registration, or nil.
	Volunteer *VolunteerRequest
}
