package portal

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Neighbourhood Watch schemes: registered by a verified volunteer, approved
// by a force administrator, joined by residents. Coordinators write to their
// members through Beacon and never see their addresses.

// SchemeStatus is where a scheme's registration stands.
type SchemeStatus string

// The states of a scheme.
const (
	SchemePending  SchemeStatus = "pending"
	SchemeApproved SchemeStatus = "approved"
	SchemeDeclined SchemeStatus = "declined"
)

// Limits on schemes and coordinators' messages.
const (
	MaxSchemeName      = 120
	MaxSchemePostcodes = 200
	MaxMeetingDetails  = 1000
	MaxPolygonJSON     = 50000
	MaxWatchSubject    = 120
	MaxWatchBody       = 5000
)

// Scheme is a Neighbourhood Watch scheme.
type Scheme struct {
	ID               int64
	Name             string
	CoordinatorID    int64
	CoordinatorEmail string // force administrators only
	Postcodes        []string
	MeetingDetails   string
	Status           SchemeStatus
	Neighbourhoods   []string // names of the neighbourhoods its area touches
	Members          int
	CreatedAt        time.Time
}

// SchemeInput is a volunteer's application to register a scheme. The area
// is a list of postcodes (one per line or comma-separated) or a GeoJSON
// Polygon drawn on a map.
type SchemeInput struct {
	IdempotencyKey string
	Name           string
	AreaBy         string // "postcodes" or "polygon"
	Postcodes      string
	Polygon        string
	MeetingDetails string
}

// Validate returns every problem and the compact postcodes given.
func (in SchemeInput) Validate() ([]string, FieldErrors) {
	fe := FieldErrors{}
	requiredLine(fe, "name", in.Name, MaxSchemeName, "Enter the name of the scheme", "The name must be 120 characters or fewer, on one line")
	var pcs []string
	switch in.AreaBy {
	case "postcodes":
		pcs = in.postcodes(fe)
	case "polygon":
		if _, ok := ParsePolygon(in.Polygon); !ok {
			fe.Add("polygon", "Draw the area again: it must be a closed shape of at least 3 points")
		}
	default:
		fe.Add("area-by", "Select how you will describe the scheme's area")
	}
	checkText(fe, "meeting", "Meeting details", in.MeetingDetails, MaxMeetingDetails)
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("name", "Your form expired. Check your answers and send them again")
	}
	return pcs, fe
}

func (in SchemeInput) postcodes(fe FieldErrors) []string {
	fields := strings.FieldsFunc(in.Postcodes, func(r rune) bool { return r == '\n' || r == ',' || r == ';' })
	var out []string
	seen := map[string]bool{}
	for _, f := range fields {
		if strings.TrimSpace(f) == "" {
			continue
		}
		pc, ok := NormalisePostcode(f)
		if !ok {
			fe.Add("postcodes", "“"+strings.TrimSpace(truncate(f, 20))+"” is not a postcode. Enter one postcode on each line")
			return nil
		}
		if !seen[pc] {
			seen[pc] = true
			out = append(out, pc)
		}
	}
	switch {
	case len(out) == 0:
		fe.Add("postcodes", "Enter the postcodes the scheme covers")
	case len(out) > MaxSchemePostcodes:
		fe.Add("postcodes", "Enter 200 postcodes or fewer")
	}
	return out
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// ParsePolygon reads a GeoJSON Polygon (or a Feature holding one) with a
// single closed ring of at least 4 points, all real coordinates, and
// returns it as GeoJSON geometry for PostGIS.
func ParsePolygon(s string) (string, bool) {
	if s == "" || len(s) > MaxPolygonJSON {
		return "", false
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates [][][]float64   `json:"coordinates"`
		Geometry    json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal([]byte(s), &g); err != nil {
		return "", false
	}
	if g.Type == "Feature" {
		return ParsePolygon(string(g.Geometry))
	}
	if g.Type != "Polygon" || len(g.Coordinates) != 1 {
		return "", false
	}
	pts, why := checkRing(g.Coordinates[0])
	if why != "" {
		return "", false
	}
	out, _ := json.Marshal(struct {
		Type        string         `json:"type"`
		Coordinates [][][2]float64 `json:"coordinates"`
	}{"Polygon", [][][2]float64{pts}})
	return string(out), true
}

// WatchMessageInput is a coordinator writing to their members.
type WatchMessageInput struct {
	IdempotencyKey string
	Subject        string
	Body           string
}

// Validate returns every problem with the message.
func (in WatchMessageInput) Validate() FieldErrors {
	fe := FieldErrors{}
	requiredLine(fe, "subject", in.Subject, MaxWatchSubject, "Enter a subject", "The subject must be 120 characters or fewer, on one line")
	if strings.TrimSpace(in.Body) == "" {
		fe.Add("body", "Enter your message")
	}
	checkText(fe, "body", "Your message", in.Body, MaxWatchBody)
	if !ValidIdempotencyKey(in.IdempotencyKey) {
		fe.Add("subject", "Your form expired. Check your message and send it again")
	}
	return fe
}

// CanCoordinate reports whether u may run the scheme: its coordinator,
// while still a verified volunteer.
func (s Scheme) CanCoordinate(u *User) bool {
	return u != nil && u.IsVolunteer() && u.ID == s.CoordinatorID && s.Status == SchemeApproved
}
