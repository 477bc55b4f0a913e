package portal

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The force's geography: force → local policing area (LPA) →
// neighbourhood, each neighbourhood in one local authority area, and the
// postcode directory used to find a neighbourhood from an address.

// Lookup results that are not failures of the service: the UI answers each
// with its own page or field error.
var (
	// ErrOutsideArea means a place lies outside every neighbourhood of the
	// force, so another force polices it.
	ErrOutsideArea = errors.New("outside the force's area")
	// ErrUnknownPostcode means a well-formed postcode is not in the
	// postcode directory.
	ErrUnknownPostcode = errors.New("unknown postcode")
)

// PoliceUKAreaURL is police.uk's "find your area" page, where people whose
// address is outside this force's area are sent.
const PoliceUKAreaURL = "https://www.police.uk/pu/your-area/"

// TeamContact is how the public reaches a neighbourhood policing team.
type TeamContact struct {
	Name  string
	Email string
	Phone string
}

// Empty reports whether no contact details are set.
func (c TeamContact) Empty() bool { return c.Name == "" && c.Email == "" && c.Phone == "" }

// Neighbourhood is one neighbourhood policing area with the names of the
// LPA and local authority it belongs to.
type Neighbourhood struct {
	ID                 int64
	Code               string
	Name               string
	LPACode            string
	LPAName            string
	LocalAuthorityCode string
	LocalAuthorityName string
	Team               TeamContact
}

// LPA is a local policing area and its neighbourhoods.
type LPA struct {
	ID             int64
	Code           string
	Name           string
	Neighbourhoods []Neighbourhood
}

// Limits on team contact details.
const (
	MaxTeamName  = 100
	MaxTeamEmail = 254
	MaxTeamPhone = 30
)

// TeamContactInput is what a member of staff sent to change a team's
// public contact details.
type TeamContactInput struct {
	TeamContact
}

// Validate returns every problem with the input at once. A team needs a
// name and at least one way to contact it.
func (in TeamContactInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if in.Name == "" {
		fe.Add("team_name", "Enter the team's name")
	}
	if in.Email == "" && in.Phone == "" {
		fe.Add("team_email", "Enter an email address or a phone number for the team")
	}
	in.TeamContact.check(fe)
	return fe
}

// check adds the format problems of whatever details are set.
func (c TeamContact) check(fe FieldErrors) {
	if !CleanText(c.Name) || utf8.RuneCountInString(c.Name) > MaxTeamName || strings.ContainsAny(c.Name, "\r\n") {
		fe.Add("team_name", "The team's name must be 100 characters or fewer, on one line")
	}
	if c.Email != "" && !validTeamEmail(c.Email) {
		fe.Add("team_email", "Enter an email address in the correct format, like team@police.example")
	}
	if c.Phone != "" && !validPhone(c.Phone) {
		fe.Add("team_phone", "Enter a phone number, like 101 or 01632 960 001")
	}
}

// validTeamEmail reports whether s looks like an email address: one @, a local
// part and a domain with a dot, no spaces. Whether it receives mail is only
// known by sending to it.
func validTeamEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(s) > MaxTeamEmail || !CleanText(s) || strings.Contains(domain, "@") {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == ',' }) {
		return false
	}
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.Contains(domain, "..")
}

// validPhone accepts UK and international numbers as people write them:
// digits with spaces, brackets, hyphens and a leading +, 3 to 15 digits
// (101 and 999 are phone numbers too).
func validPhone(s string) bool {
	if len(s) > MaxTeamPhone {
		return false
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '(' || r == ')' || r == '-':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= 3 && digits <= 15
}

// postcodeRE is the UK postcode format in compact form: the outward code
// (A9, A99, AA9, AA99, A9A, AA9A, with the letters each position allows)
// then the inward code (9AA, never C, I, K, M, O or V).
var postcodeRE = regexp.MustCompile(`^(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])[0-9][ABD-HJLNP-UW-Z]{2}$`)

// NormalisePostcode returns a postcode in compact upper-case form
// ("OX11AA") however it was typed ("ox1 1aa", " OX1  1AA "), or false if it
// is not a UK postcode in form.
func NormalisePostcode(s string) (string, bool) {
	if len(s) > 20 {
		return "", false
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\u00a0':
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	pc := b.String()
	if !postcodeRE.MatchString(pc) {
		return "", false
	}
	return pc, true
}

// DisplayPostcode formats a compact postcode as people write it: "OX1 1AA".
func DisplayPostcode(compact string) string {
	if len(compact) < 5 {
		return compact
	}
	return compact[:len(compact)-3] + " " + compact[len(compact)-3:]
}

// PostcodeLookupInput is the "find your neighbourhood" form.
type PostcodeLookupInput struct {
	Postcode string
}

// Validate checks the postcode's form and returns it compact.
func (in PostcodeLookupInput) Validate() (string, FieldErrors) {
	fe := FieldErrors{}
	if strings.TrimSpace(in.Postcode) == "" {
		fe.Add("postcode", "Enter a postcode")
		return "", fe
	}
	pc, ok := NormalisePostcode(in.Postcode)
	if !ok {
		fe.Add("postcode", "Enter a real postcode")
	}
	return pc, fe
}

// PostcodePoint is one postcode and where it is (WGS84 degrees).
type PostcodePoint struct {
	Postcode string // compact form
	Lat, Lon float64
}

// validCoords reports whether lat/lon are real coordinates.
func validCoords(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// ONSPDReader reads postcodes from a file in the layout of the ONS
// Postcode Directory: a header row naming the columns, of which pcds
// (the postcode), lat and long are used and the rest ignored. Rows that are
// not usable (blank coordinates, ONSPD's 99.999999 for "no grid
// reference", a malformed postcode) are skipped and counted.
type ONSPDReader struct {
	r            *csv.Reader
	pc, lat, lon int
	// Skipped counts the rows skipped so far.
	Skipped int
}

// NewONSPDReader reads the header row and finds the columns by name.
func NewONSPDReader(r io.Reader) (*ONSPDReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("portal: postcode file has no header row: %w", err)
	}
	o := &ONSPDReader{r: cr, pc: -1, lat: -1, lon: -1}
	for i, name := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))) {
		case "pcds":
			o.pc = i
		case "lat":
			o.lat = i
		case "long":
			o.lon = i
		}
	}
	var missing []string
	for name, i := range map[string]int{"pcds": o.pc, "lat": o.lat, "long": o.lon} {
		if i < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("portal: postcode file header lacks the column(s) %s", strings.Join(missing, ", "))
	}
	return o, nil
}

// Next returns the next usable postcode, or io.EOF after the last.
func (o *ONSPDReader) Next() (PostcodePoint, error) {
	for {
		rec, err := o.r.Read()
		if err == io.EOF {
			return PostcodePoint{}, io.EOF
		}
		if err != nil {
			return PostcodePoint{}, fmt.Errorf("portal: postcode file: %w", err)
		}
		if p, ok := o.parse(rec); ok {
			return p, nil
		}
		o.Skipped++
	}
}

func (o *ONSPDReader) parse(rec []string) (PostcodePoint, bool) {
	if o.pc >= len(rec) || o.lat >= len(rec) || o.lon >= len(rec) {
		return PostcodePoint{}, false
	}
	pc, ok := NormalisePostcode(rec[o.pc])
	if !ok {
		return PostcodePoint{}, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(rec[o.lat]), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(rec[o.lon]), 64)
	if err1 != nil || err2 != nil || !validCoords(lat, lon) {
		return PostcodePoint{}, false
	}
	return PostcodePoint{Postcode: pc, Lat: lat, Lon: lon}, true
}

// BoundaryFeature is one neighbourhood from a GeoJSON boundary file, with
// the force, LPA and local authority it belongs to.
type BoundaryFeature struct {
	Index                int // position in the file's features, from 0
	ForceCode, ForceName string
	LPACode, LPAName     string
	Code, Name           string
	LACode, LAName       string
	Team                 TeamContact
	// HasTeam is true when the file gives team contact details; without
	// them, a re-import keeps the details staff have set.
	HasTeam bool
	// Polygons is the boundary as a MultiPolygon: polygons, each a list of
	// rings (the first the outer edge), each a closed list of [lon, lat].
	Polygons [][][][2]float64
}

// GeoJSON is the boundary as a GeoJSON MultiPolygon geometry.
func (f BoundaryFeature) GeoJSON() string {
	b, _ := json.Marshal(struct {
		Type        string           `json:"type"`
		Coordinates [][][][2]float64 `json:"coordinates"`
	}{"MultiPolygon", f.Polygons})
	return string(b)
}

// FeatureProblem is why one feature of a boundary file cannot be loaded.
type FeatureProblem struct {
	Index  int
	Code   string
	Reason string
}

func (p FeatureProblem) String() string {
	if p.Code != "" {
		return fmt.Sprintf("feature %d (%s): %s", p.Index, p.Code, p.Reason)
	}
	return fmt.Sprintf("feature %d: %s", p.Index, p.Reason)
}

// FeatureProblems lists every bad feature of a file; as an error it means
// nothing was loaded.
type FeatureProblems []FeatureProblem

func (ps FeatureProblems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("portal: %d invalid feature(s): %s", len(ps), strings.Join(lines, "; "))
}

// Sort orders the problems by feature index, so that problems found by
// different checks read in file order.
func (ps FeatureProblems) Sort() {
	slices.SortStableFunc(ps, func(a, b FeatureProblem) int { return a.Index - b.Index })
}

// codeRE is what area codes may look like: they appear in URLs.
var codeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ValidAreaCode reports whether s can be a force, LPA, local authority or
// neighbourhood code.
func ValidAreaCode(s string) bool { return codeRE.MatchString(s) }

type rawFeature struct {
	Type       string                     `json:"type"`
	Properties map[string]json.RawMessage `json:"properties"`
	Geometry   *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

// ParseBoundaries reads a GeoJSON FeatureCollection of neighbourhoods and
// checks every feature. It returns the good features and the problems of
// all the bad ones; err is for a file that is not a FeatureCollection at all.
func ParseBoundaries(data []byte) ([]BoundaryFeature, FeatureProblems, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, nil, fmt.Errorf("portal: boundary file is not JSON: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, nil, errors.New("portal: boundary file is not a GeoJSON FeatureCollection")
	}
	if len(fc.Features) == 0 {
		return nil, nil, errors.New("portal: boundary file has no features")
	}
	var feats []BoundaryFeature
	var problems FeatureProblems
	names := newNameBook()
	for i, raw := range fc.Features {
		f, reasons := parseFeature(i, raw)
		reasons = append(reasons, names.check(f)...)
		if len(reasons) > 0 {
			problems = append(problems, FeatureProblem{Index: i, Code: f.Code, Reason: strings.Join(reasons, "; ")})
			continue
		}
		feats = append(feats, f)
	}
	return feats, problems, nil
}

// requiredProperties are the properties every feature must name.
var requiredProperties = []string{"force_code", "force_name", "lpa_code", "lpa_name", "code", "name", "la_code", "la_name"}

func parseFeature(i int, data json.RawMessage) (BoundaryFeature, []string) {
	f := BoundaryFeature{Index: i}
	var raw rawFeature
	if err := json.Unmarshal(data, &raw); err != nil || raw.Type != "Feature" {
		return f, []string{"is not a GeoJSON Feature"}
	}
	props := map[string]string{}
	var reasons, missing []string
	for k, v := range raw.Properties {
		if s, ok := propertyString(v); ok {
			props[k] = s
		} else {
			reasons = append(reasons, fmt.Sprintf("property %s is not text", k))
		}
	}
	for _, k := range requiredProperties {
		if props[k] == "" {
			missing = append(missing, k)
		}
	}
	f.ForceCode, f.ForceName = props["force_code"], props["force_name"]
	f.LPACode, f.LPAName = props["lpa_code"], props["lpa_name"]
	f.Code, f.Name = props["code"], props["name"]
	f.LACode, f.LAName = props["la_code"], props["la_name"]
	f.Team = TeamContact{Name: props["team_name"], Email: props["team_email"], Phone: props["team_phone"]}
	f.HasTeam = !f.Team.Empty()
	if len(missing) > 0 {
		reasons = append(reasons, "missing properties: "+strings.Join(missing, ", "))
	}
	reasons = append(reasons, checkFeatureText(f)...)
	polys, geomReasons := parseGeometry(raw)
	f.Polygons = polys
	return f, append(reasons, geomReasons...)
}

// propertyString accepts text, numbers (codes are sometimes numeric) and
// null (as absent).
func propertyString(v json.RawMessage) (string, bool) {
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return strings.TrimSpace(s), true
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), true
	}
	return "", bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

func checkFeatureText(f BoundaryFeature) []string {
	var reasons []string
	for _, c := range []struct{ name, v string }{{"force_code", f.ForceCode}, {"lpa_code", f.LPACode}, {"code", f.Code}, {"la_code", f.LACode}} {
		if c.v != "" && !ValidAreaCode(c.v) {
			reasons = append(reasons, c.name+" must be letters, digits, hyphens or underscores (at most 64)")
		}
	}
	for _, n := range []struct{ name, v string }{{"force_name", f.ForceName}, {"lpa_name", f.LPAName}, {"name", f.Name}, {"la_name", f.LAName}} {
		if !CleanText(n.v) || utf8.RuneCountInString(n.v) > 200 {
			reasons = append(reasons, n.name+" must be text of 200 characters or fewer")
		}
	}
	fe := FieldErrors{}
	f.Team.check(fe)
	for _, k := range fe.Fields([]string{"team_name", "team_email", "team_phone"}) {
		reasons = append(reasons, k+" is not valid")
	}
	return reasons
}

func parseGeometry(raw rawFeature) ([][][][2]float64, []string) {
	g := raw.Geometry
	if g == nil {
		return nil, []string{"has no geometry"}
	}
	var polys [][][][]float64
	switch g.Type {
	case "Polygon":
		var p [][][]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, []string{"Polygon coordinates are not a list of rings"}
		}
		polys = [][][][]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return nil, []string{"MultiPolygon coordinates are not a list of polygons"}
		}
	default:
		return nil, []string{fmt.Sprintf("geometry is %q, not Polygon or MultiPolygon", g.Type)}
	}
	return checkPolygons(polys)
}

func checkPolygons(polys [][][][]float64) ([][][][2]float64, []string) {
	if len(polys) == 0 {
		return nil, []string{"geometry has no polygons"}
	}
	var reasons []string
	out := make([][][][2]float64, len(polys))
	for pi, p := range polys {
		if len(p) == 0 {
			reasons = append(reasons, fmt.Sprintf("polygon %d has no rings", pi+1))
		}
		for ri, ring := range p {
			pts, why := checkRing(ring)
			if why != "" {
				reasons = append(reasons, fmt.Sprintf("polygon %d ring %d %s", pi+1, ri+1, why))
			}
			out[pi] = append(out[pi], pts)
		}
	}
	return out, reasons
}

func checkRing(ring [][]float64) ([][2]float64, string) {
	if len(ring) < 4 {
		return nil, fmt.Sprintf("has %d points; a ring needs at least 4", len(ring))
	}
	pts := make([][2]float64, len(ring))
	for i, pos := range ring {
		if len(pos) < 2 {
			return nil, fmt.Sprintf("point %d has no longitude and latitude", i+1)
		}
		lon, lat := pos[0], pos[1]
		if !validCoords(lat, lon) {
			return nil, fmt.Sprintf("point %d (%g, %g) is out of range: longitude must be -180 to 180, latitude -90 to 90", i+1, lon, lat)
		}
		pts[i] = [2]float64{lon, lat}
	}
	if pts[0] != pts[len(pts)-1] {
		return nil, "is not closed: its last point must equal its first"
	}
	return pts, ""
}

// nameBook checks that codes mean the same thing throughout a file.
type nameBook struct {
	neighbourhoods map[string]int
	forces, lpas   map[string]string
	las            map[string]string
}

func newNameBook() *nameBook {
	return &nameBook{neighbourhoods: map[string]int{}, forces: map[string]string{}, lpas: map[string]string{}, las: map[string]string{}}
}

func (b *nameBook) check(f BoundaryFeature) []string {
	var reasons []string
	if f.Code != "" {
		if first, dup := b.neighbourhoods[f.Code]; dup {
			reasons = append(reasons, fmt.Sprintf("code %s is already used by feature %d", f.Code, first))
		} else {
			b.neighbourhoods[f.Code] = f.Index
		}
	}
	same := func(book map[string]string, kind, code, meaning string) {
		if code == "" {
			return
		}
		if prev, ok := book[code]; ok && prev != meaning {
			reasons = append(reasons, fmt.Sprintf("%s %s is described differently by an earlier feature", kind, code))
		} else if !ok {
			book[code] = meaning
		}
	}
	same(b.forces, "force_code", f.ForceCode, f.ForceName)
	same(b.lpas, "lpa_code", f.LPACode, f.LPAName+"\x00"+f.ForceCode)
	same(b.las, "la_code", f.LACode, f.LAName)
	return reasons
}
