package portal

import (
	"crypto/rand"
	"encoding/gob"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ASBType is the Home Office type of anti-social behaviour, plus sexual or
// predatory behaviour in public, which Beacon groups separately so it is
// recognised early.
type ASBType string

// The ASB types, in the order the category question shows them.
const (
	ASBPersonal        ASBType = "personal"
	ASBNuisance        ASBType = "nuisance"
	ASBEnvironmental   ASBType = "environmental"
	ASBSexualPredatory ASBType = "sexual_predatory"
)

// ASBTypes lists the types in display order.
var ASBTypes = []ASBType{ASBPersonal, ASBNuisance, ASBEnvironmental, ASBSexualPredatory}

// Label is the type's heading in the category question.
func (t ASBType) Label() string {
	switch t {
	case ASBPersonal:
		return "Behaviour aimed at you or someone you know"
	case ASBNuisance:
		return "Behaviour affecting the community"
	case ASBEnvironmental:
		return "Damage to public spaces or buildings"
	case ASBSexualPredatory:
		return "Sexual or predatory behaviour in public"
	}
	return string(t)
}

// Category is a kind of ASB residents can report; categories are data.
type Category struct {
	ID     int64
	Code   string
	Type   ASBType
	Name   string
	Hint   string
	Notice string
}

// ReportStatus is where a report is in its life.
type ReportStatus string

// The report statuses.
const (
	StatusNew                 ReportStatus = "new"
	StatusOpen                ReportStatus = "open"
	StatusAwaitingInformation ReportStatus = "awaiting-information"
	StatusClosed              ReportStatus = "closed"
)

// Label is the status as residents read it on their tracking page.
func (s ReportStatus) Label() string {
	switch s {
	case StatusNew:
		return "Received"
	case StatusOpen:
		return "Being dealt with"
	case StatusAwaitingInformation:
		return "We need more information"
	case StatusClosed:
		return "Closed"
	}
	return string(s)
}

// Limits on what a report may hold.
const (
	MaxDescription = 5000
	MaxShortText   = 500
	MaxPhotos      = 3
	MaxPhotoBytes  = 10 << 20
)

// Impacts are the harm-centred questions about how the behaviour affects
// the reporter; each one raises the report's priority.
var Impacts = []Option{
	{"unsafe-at-home", "I feel unsafe in my home"},
	{"health", "It is affecting my health, or someone else's"},
	{"children", "Children are affected"},
	{"stopped", "It has stopped me doing things, such as going out"},
}

// HateReasons are the protected characteristics of the hate question.
var HateReasons = []Option{
	{"disability", "Disability"},
	{"race", "Race or ethnicity"},
	{"religion", "Religion or belief"},
	{"sexual-orientation", "Sexual orientation"},
	{"transgender", "Transgender identity"},
	{"other", "Another part of who they are"},
}

// ReportDraft holds a resident's answers while they move through the
// reporting journey; it lives in their session until they submit.
type ReportDraft struct {
	Key               string // idempotency key of the final submission; also keys draft photos
	Safety            string // "yes" (danger now: stop) or "no"
	CategoryCode      string
	Postcode          string
	NeighbourhoodCode string
	NeighbourhoodName string
	Place             string // a description of the place, when there is no postcode or to add detail
	Latitude          float64
	Longitude         float64
	Day, Month, Year  string
	Time              string // HH:MM, optional
	HappenedBefore    string // "yes" or "no"
	HowOften          string
	SinceWhen         string
	Description       string
	People            string
	Vehicles          string
	Impacts           []string
	Hate              string // "yes", "no" or "not-sure"
	HateReasons       []string
	Vulnerability     string
	Anonymous         string // "yes" or "no"
	Name              string
	Email             string
	Phone             string
	ContactPreference string // "email" or "phone"
	SafeToLeave       string // "yes" or "no"
	ProblemID         int64  // set when this report follows an earlier one ("it happened again")
	Photos            int
	Completed         []string // steps answered, so "check your answers" knows the draft is whole
	// ReportFor is "myself" or "someone-else", asked only of verified
	// volunteers and staff; OnBehalf records who the report is for.
	ReportFor string
	OnBehalf  OnBehalf
}

// IsOnBehalf reports whether the draft is a report made for someone else.
func (d *ReportDraft) IsOnBehalf() bool { return d.Has("on-behalf") && d.ReportFor == "someone-else" }

func init() { gob.Register(&ReportDraft{}) }

// Complete marks a step answered.
func (d *ReportDraft) Complete(step string) {
	if !slices.Contains(d.Completed, step) {
		d.Completed = append(d.Completed, step)
	}
}

// Has reports whether a step has been answered.
func (d *ReportDraft) Has(step string) bool { return slices.Contains(d.Completed, step) }

// The journey's steps that must be answered before checking answers.
var ReportSteps = []string{"safety", "category", "where", "when", "details", "people", "impact", "photos", "about-you"}

// Missing returns the first step not yet answered, or "".
func (d *ReportDraft) Missing() string {
	for _, s := range ReportSteps {
		if !d.Has(s) {
			return s
		}
	}
	return ""
}

// ValidateSafety checks the safety question.
func (d *ReportDraft) ValidateSafety() FieldErrors {
	fe := FieldErrors{}
	if d.Safety != "yes" && d.Safety != "no" {
		fe.Add("safety", "Select yes if anyone is in immediate danger or a crime is happening now")
	}
	return fe
}

// ValidateCategory checks the chosen category against those offered.
func (d *ReportDraft) ValidateCategory(cats []Category) FieldErrors {
	fe := FieldErrors{}
	if !slices.ContainsFunc(cats, func(c Category) bool { return c.Code == d.CategoryCode }) {
		fe.Add("category", "Select what happened")
	}
	return fe
}

// ValidateWhere checks the place: a postcode, or a description of the place
// with the neighbourhood chosen from the list.
func (d *ReportDraft) ValidateWhere(describe bool) FieldErrors {
	fe := FieldErrors{}
	checkText(fe, "place", "The description of the place", d.Place, MaxShortText)
	if describe {
		if strings.TrimSpace(d.Place) == "" {
			fe.Add("place", "Describe where it happened")
		}
		if d.NeighbourhoodCode == "" {
			fe.Add("neighbourhood", "Select the area where it happened")
		}
		return fe
	}
	if d.Postcode == "" {
		if !d.Pinned() { // a pin on the map may stand for the postcode
			fe.Add("postcode", "Enter a postcode")
		}
	} else if _, ok := NormalisePostcode(d.Postcode); !ok {
		fe.Add("postcode", "Enter a real postcode, like AB1 2CD")
	}
	return fe
}

// Pinned reports whether the place is a point (a pin on the map, or an
// Open311 partner's coordinates).
func (d *ReportDraft) Pinned() bool { return d.Latitude != 0 || d.Longitude != 0 }

// ParsePin reads the map's hidden lat and lng fields: a point within the
// United Kingdom's bounds, or ok false (no pin, or values that no map
// wrote), when the postcode is needed instead.
func ParsePin(lat, lng string) (la, lo float64, ok bool) {
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(lng, 64)
	if err1 != nil || err2 != nil || !(la >= 49.8 && la <= 60.9 && lo >= -8.7 && lo <= 1.8) { // NaN fails too
		return 0, 0, false
	}
	return la, lo, true
}

// ValidateWhen checks the date (today or earlier, within the last 2 years),
// the optional time and the "has this happened before" answers.
func (d *ReportDraft) ValidateWhen(today time.Time) FieldErrors {
	fe := FieldErrors{}
	if _, msg := d.occurredOn(today); msg != "" {
		fe.Add("when-day", msg)
	}
	if d.Time != "" {
		if _, err := time.Parse("15:04", normaliseTime(d.Time)); err != nil {
			fe.Add("time", "Enter a time like 21:30, or leave it blank")
		}
	}
	switch d.HappenedBefore {
	case "yes":
		checkText(fe, "how-often", "How often it happens", d.HowOften, MaxShortText)
		checkText(fe, "since-when", "When it started", d.SinceWhen, MaxShortText)
	case "no":
	default:
		fe.Add("happened-before", "Select yes if this has happened before")
	}
	return fe
}

// OccurredOn is the date the behaviour happened (valid after ValidateWhen).
func (d *ReportDraft) OccurredOn(today time.Time) time.Time {
	t, _ := d.occurredOn(today)
	return t
}

// OccurredTime is the time of day given, normalised to HH:MM, or "".
func (d *ReportDraft) OccurredTime() string {
	if d.Time == "" {
		return ""
	}
	return normaliseTime(d.Time)
}

func (d *ReportDraft) occurredOn(today time.Time) (time.Time, string) {
	day, month, year := strings.TrimSpace(d.Day), strings.TrimSpace(d.Month), strings.TrimSpace(d.Year)
	switch {
	case day == "" && month == "" && year == "":
		return time.Time{}, "Enter the date it happened"
	case day == "":
		return time.Time{}, "The date must include a day"
	case month == "":
		return time.Time{}, "The date must include a month"
	case year == "":
		return time.Time{}, "The date must include a year"
	}
	dn, err1 := strconv.Atoi(day)
	mn, err2 := strconv.Atoi(month)
	yn, err3 := strconv.Atoi(year)
	if err1 != nil || err2 != nil || err3 != nil || len(year) != 4 {
		return time.Time{}, "The date must be a real date"
	}
	t := time.Date(yn, time.Month(mn), dn, 0, 0, 0, 0, time.UTC)
	if t.Day() != dn || int(t.Month()) != mn || t.Year() != yn {
		return time.Time{}, "The date must be a real date"
	}
	ty, tm, td := today.Date()
	todayUTC := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	if t.After(todayUTC) {
		return time.Time{}, "The date must be today or in the past"
	}
	if t.Before(todayUTC.AddDate(-2, 0, 0)) {
		return time.Time{}, "The date must be within the last 2 years"
	}
	return t, ""
}

func normaliseTime(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), ".", ":")
	if len(s) == 4 && s[1] == ':' {
		s = "0" + s
	}
	return s
}

// ValidateDetails checks the description.
func (d *ReportDraft) ValidateDetails() FieldErrors {
	fe := FieldErrors{}
	if strings.TrimSpace(d.Description) == "" {
		fe.Add("description", "Describe what happened")
	}
	checkText(fe, "description", "What happened", d.Description, MaxDescription)
	return fe
}

// ValidatePeople checks the optional descriptions of people and vehicles.
func (d *ReportDraft) ValidatePeople() FieldErrors {
	fe := FieldErrors{}
	checkText(fe, "people", "The description of people", d.People, 2000)
	checkText(fe, "vehicles", "The vehicle details", d.Vehicles, MaxShortText)
	return fe
}

// ValidateImpact checks the harm questions.
func (d *ReportDraft) ValidateImpact() FieldErrors {
	fe := FieldErrors{}
	for _, v := range d.Impacts {
		if !validOption(Impacts, v) {
			fe.Add("impacts", "Select how it affects you from the list")
		}
	}
	switch d.Hate {
	case "yes":
		if len(d.HateReasons) == 0 {
			fe.Add("hate-reasons", "Select what part of who you are you think it was because of")
		}
		for _, v := range d.HateReasons {
			if !validOption(HateReasons, v) {
				fe.Add("hate-reasons", "Select from the list")
			}
		}
	case "no", "not-sure":
	default:
		fe.Add("hate", "Select yes, no or not sure")
	}
	checkText(fe, "vulnerability", "What you tell us about your circumstances", d.Vulnerability, 2000)
	return fe
}

// ValidateAboutYou checks the reporter's details: none when anonymous,
// otherwise a name and a way to contact them that they prefer.
func (d *ReportDraft) ValidateAboutYou() FieldErrors {
	fe := FieldErrors{}
	switch d.Anonymous {
	case "yes":
		return fe
	case "no":
	default:
		fe.Add("anonymous", "Select whether you want to report anonymously")
		return fe
	}
	if strings.TrimSpace(d.Name) == "" {
		fe.Add("name", "Enter your name")
	}
	checkText(fe, "name", "Your name", d.Name, 200)
	if d.Email != "" && !IsEmailAddress(d.Email) {
		fe.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if d.Phone != "" && !validPhone(d.Phone) {
		fe.Add("phone", "Enter a telephone number, like 01632 960 001 or 07700 900 982")
	}
	switch d.ContactPreference {
	case "email":
		if d.Email == "" {
			fe.Add("email", "Enter your email address, or choose to be contacted by phone")
		}
	case "phone":
		if d.Phone == "" {
			fe.Add("phone", "Enter your telephone number, or choose to be contacted by email")
		}
	default:
		fe.Add("contact-preference", "Select how you would like us to contact you")
	}
	if d.SafeToLeave != "yes" && d.SafeToLeave != "no" {
		fe.Add("safe-to-leave", "Select yes if it is safe to leave you a message")
	}
	return fe
}

func checkText(fe FieldErrors, field, what, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		fe.Add(field, fmt.Sprintf("%s must be %s characters or fewer", what, commas(max)))
	}
}

func commas(n int) string {
	s := strconv.Itoa(n)
	if len(s) <= 3 {
		return s
	}
	return s[:len(s)-3] + "," + s[len(s)-3:]
}

// referenceAlphabet leaves out 0/O and 1/I/L-like look-alikes, so a
// reference read over the phone is unambiguous.
const referenceAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// NewReference returns a random report reference like ASB-7K3Q-9XPD: about
// 40 bits, so references cannot be guessed or enumerated.
func NewReference() string { return newCode("ASB-") }

// newCode returns prefix followed by two groups of four random characters
// from referenceAlphabet, like ASB-7K3Q-9XPD or CR-7K3Q-9XPD.
func newCode(prefix string) string {
	var b strings.Builder
	b.WriteString(prefix)
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

var referenceRE = regexp.MustCompile(`^ASB-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

// NormaliseReference accepts a reference as people type it (lower case,
// spaces, missing dashes, O for 0) and returns the canonical form.
func NormaliseReference(s string) (string, bool) {
	s = strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s))
	s = strings.TrimPrefix(s, "ASB")
	if len(s) != 8 {
		return "", false
	}
	ref := "ASB-" + s[:4] + "-" + s[4:]
	return ref, referenceRE.MatchString(ref)
}
