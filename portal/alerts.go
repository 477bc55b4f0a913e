package portal

import "time"

// Email alerts: anyone can ask to hear about a neighbourhood, or about every
// neighbourhood within a radius of a postcode.

// AlertKind is what an alert announces.
type AlertKind string

// The kinds of thing alerts announce.
const (
	AlertTeamMessage   AlertKind = "team_message"
	AlertConsultation  AlertKind = "consultation"
	AlertCourseSession AlertKind = "course_session"
)

// AlertKinds lists what a subscriber can choose, in the form's order.
var AlertKinds = []Option{
	{string(AlertTeamMessage), "Messages from the neighbourhood team"},
	{string(AlertConsultation), "New consultations"},
	{string(AlertCourseSession), "New course sessions"},
}

// Radii are the circles offered around a postcode, in metres.
var Radii = []Option{{"500", "Within 0.5 km"}, {"1000", "Within 1 km"}, {"2000", "Within 2 km"}}

// Frequencies are how often alerts are sent.
var Frequencies = []Option{
	{"immediate", "As soon as there is something new"},
	{"weekly", "Once a week, in a summary"},
}

// AlertWindow is how long after asking a subscription can be confirmed.
const AlertWindow = 7 * 24 * time.Hour

// DigestInterval is how often weekly subscribers are emailed.
const DigestInterval = 7 * 24 * time.Hour

// AlertInput is what someone sent through the subscribe form.
type AlertInput struct {
	Email string
	// Area is "neighbourhood" (Neighbourhood is its code) or "radius"
	// (Postcode and Radius, in metres, as text).
	Area          string
	Neighbourhood string
	Postcode      string
	Radius        string
	Kinds         []string
	MinPriority   Level
	Frequency     string
}

// Validate returns every problem with the input and, for a radius, the
// compact postcode and the radius in metres.
func (in AlertInput) Validate() (postcode string, radius int, fe FieldErrors) {
	fe = FieldErrors{}
	if msg := accountEmailError(in.Email); msg != "" {
		fe.Add("email", msg)
	}
	switch in.Area {
	case "neighbourhood":
		if !ValidAreaCode(in.Neighbourhood) {
			fe.Add("neighbourhood", "Select a neighbourhood")
		}
	case "radius":
		postcode, radius = in.validateRadius(fe)
	default:
		fe.Add("area", "Select which area you want alerts about")
	}
	if len(in.Kinds) == 0 {
		fe.Add("kinds", "Select what you want to hear about")
	}
	for _, k := range in.Kinds {
		if !validOption(AlertKinds, k) {
			fe.Add("kinds", "Select what you want to hear about from the list")
		}
	}
	if !in.MinPriority.Valid() {
		fe.Add("priority", "Select which messages you want")
	}
	if !validOption(Frequencies, in.Frequency) {
		fe.Add("frequency", "Select how often you want alerts")
	}
	return postcode, radius, fe
}

func (in AlertInput) validateRadius(fe FieldErrors) (string, int) {
	pc, pfe := PostcodeLookupInput{Postcode: in.Postcode}.Validate()
	if msg, bad := pfe["postcode"]; bad {
		fe.Add("postcode", msg)
	}
	var radius int
	switch in.Radius {
	case "500":
		radius = 500
	case "1000":
		radius = 1000
	case "2000":
		radius = 2000
	default:
		fe.Add("radius", "Select how far from the postcode")
	}
	return pc, radius
}

// Wants reports whether the input chose a kind.
func (in AlertInput) Wants(k AlertKind) bool {
	for _, v := range in.Kinds {
		if v == string(k) {
			return true
		}
	}
	return false
}

// Subscription is a stored alert subscription.
type Subscription struct {
	ID                int64
	Token             string
	Email             string
	NeighbourhoodName string // neighbourhood subscriptions
	Postcode          string // radius subscriptions, compact
	RadiusM           int
	MinPriority       Level
	Frequency         string
	Confirmed         bool
	Unsubscribed      bool
}

// AreaLabel describes the subscription's area in a sentence.
func (s Subscription) AreaLabel() string {
	if s.RadiusM > 0 {
		km := "0.5"
		switch s.RadiusM {
		case 1000:
			km = "1"
		case 2000:
			km = "2"
		}
		return "within " + km + " km of " + DisplayPostcode(s.Postcode)
	}
	return "the " + s.NeighbourhoodName + " neighbourhood"
}

// AlertItem is something alerts announce, with the path of its page.
type AlertItem struct {
	ID       int64
	Kind     AlertKind
	RefID    int64
	Title    string
	Path     string
	Priority Level
	At       time.Time
}
