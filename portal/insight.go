package portal

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Demand insight for neighbourhood policing teams: when (a day × hour
// heatmap), what (categories by month) and where (hotspots and repeat
// locations) reports come in, for one LPA or neighbourhood. Only counts
// leave the database: no report, and no reporter, is ever shown or plotted.
const (
	// InsightDays is the window of the heatmap and the hotspots.
	InsightDays = 90
	// TrendMonths is how many calendar months the category trend shows,
	// the current one included.
	TrendMonths = 12
	// HotspotMetres and HotspotMinReports are DBSCAN's eps and minpoints: a
	// hotspot is a dense group of at least HotspotMinReports reports, each
	// core report having that many within HotspotMetres.
	HotspotMetres     = 150
	HotspotMinReports = 5
	// HotspotCellMetres is the side of the British National Grid squares
	// reports are counted in before clustering. Clustering squares instead
	// of single reports keeps a busy LPA's hotspots quick to work out; a
	// report's location is seldom more precise (a postcode's point stands
	// for a dozen or more addresses).
	HotspotCellMetres = 50
	// MaxHotspots is how many hotspots and repeat locations are listed.
	MaxHotspots = 10
	// PlaceRoundingMetres is how coarsely a place is described: a 100 m
	// square, never a building.
	PlaceRoundingMetres = 100
)

// AreaKind says whether an insight area is a local policing area or one
// neighbourhood.
type AreaKind string

// The kinds of insight area.
const (
	AreaLPA           AreaKind = "lpa"
	AreaNeighbourhood AreaKind = "neighbourhood"
)

// InsightArea is an area staff may see insight for, with the
// neighbourhoods it covers.
type InsightArea struct {
	Kind           AreaKind
	Code           string
	Name           string
	LPAName        string // the neighbourhood's LPA; empty for an LPA
	Neighbourhoods []int64
}

// Label names the area in pickers and headings.
func (a InsightArea) Label() string {
	if a.Kind == AreaLPA {
		return a.Name + " (local policing area)"
	}
	return a.Name + " neighbourhood, " + a.LPAName
}

// InsightAreas lists the areas scope allows insight for, each LPA followed
// by its neighbourhoods. An LPA is offered only when the scope covers every
// one of its neighbourhoods, so its figures are never silently partial.
func InsightAreas(lpas []LPA, scope Scope) []InsightArea {
	var out []InsightArea
	for _, l := range lpas {
		var ids []int64
		var nbhs []InsightArea
		for _, n := range l.Neighbourhoods {
			if !scope.Covers(n.ID) {
				continue
			}
			ids = append(ids, n.ID)
			nbhs = append(nbhs, InsightArea{Kind: AreaNeighbourhood, Code: n.Code, Name: n.Name,
				LPAName: l.Name, Neighbourhoods: []int64{n.ID}})
		}
		if len(ids) > 0 && len(ids) == len(l.Neighbourhoods) {
			out = append(out, InsightArea{Kind: AreaLPA, Code: l.Code, Name: l.Name, Neighbourhoods: ids})
		}
		out = append(out, nbhs...)
	}
	return out
}

// FindInsightArea returns the area with code, preferring an LPA when an LPA
// and a neighbourhood share a code; ok is false when there is none.
func FindInsightArea(areas []InsightArea, code string) (InsightArea, bool) {
	var found InsightArea
	ok := false
	for _, a := range areas {
		if a.Code == code && (!ok || a.Kind == AreaLPA) {
			found, ok = a, true
		}
	}
	return found, ok
}

// HeatmapSlot turns a slot counted by the database (0 = Monday 00:00 to
// 00:59, up to 167 = Sunday 23:00 to 23:59) into a day and an hour.
func HeatmapSlot(slot int) (time.Weekday, int, bool) {
	if slot < 0 || slot >= 7*24 {
		return 0, 0, false
	}
	return time.Weekday((slot/24 + 1) % 7), slot % 24, true
}

// TrendMonthsTo lists the first day of each of the TrendMonths calendar
// months up to and including now's, oldest first, in now's time zone.
func TrendMonthsTo(now time.Time) []time.Time {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	out := make([]time.Time, TrendMonths)
	for i := range out {
		out[i] = first.AddDate(0, i-TrendMonths+1, 0)
	}
	return out
}

// MonthCount is the number of reports of one category received in one
// month.
type MonthCount struct {
	Month    time.Time // the first day of the month
	Category string
	Count    int
}

// TrendRow is one category's reports by month.
type TrendRow struct {
	Category string
	Counts   []int
	Total    int
}

// CategoryTrend is reports by category and month.
type CategoryTrend struct {
	Months []time.Time
	Rows   []TrendRow // the busiest category first
	Totals []int      // every category, by month
	Total  int
}

// NewCategoryTrend arranges counts into one row per category over months;
// counts outside the months are ignored.
func NewCategoryTrend(months []time.Time, counts []MonthCount) CategoryTrend {
	t := CategoryTrend{Months: months, Totals: make([]int, len(months))}
	index := map[string]int{}
	for i, m := range months {
		index[m.Format("2006-01")] = i
	}
	rows := map[string]*TrendRow{}
	var order []string
	for _, c := range counts {
		i, ok := index[c.Month.Format("2006-01")]
		if !ok {
			continue
		}
		row := rows[c.Category]
		if row == nil {
			row = &TrendRow{Category: c.Category, Counts: make([]int, len(months))}
			rows[c.Category] = row
			order = append(order, c.Category)
		}
		row.Counts[i] += c.Count
		row.Total += c.Count
		t.Totals[i] += c.Count
		t.Total += c.Count
	}
	for _, name := range order {
		t.Rows = append(t.Rows, *rows[name])
	}
	// The busiest category first, then by name.
	slices.SortFunc(t.Rows, func(a, b TrendRow) int {
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		return strings.Compare(a.Category, b.Category)
	})
	return t
}

// Max is the largest monthly total, for scaling a chart.
func (t CategoryTrend) Max() int {
	m := 0
	for _, n := range t.Totals {
		m = max(m, n)
	}
	return m
}

// CategoryCount is how many reports of one category a place had.
type CategoryCount struct {
	Name  string
	Count int
}

// CategoryMix describes the categories of a place's reports, the most
// common first: "Noise (12), Drug use (5) and 2 other categories (3)".
func CategoryMix(cats []CategoryCount, show int) string {
	if len(cats) == 0 {
		return "None"
	}
	var parts []string
	others, otherReports := 0, 0
	for i, c := range cats {
		if i < show {
			parts = append(parts, fmt.Sprintf("%s (%d)", c.Name, c.Count))
			continue
		}
		others++
		otherReports += c.Count
	}
	s := strings.Join(parts, ", ")
	switch others {
	case 0:
		if i := strings.LastIndex(s, ", "); i >= 0 {
			s = s[:i] + " and " + s[i+2:]
		}
		return s
	case 1:
		return fmt.Sprintf("%s and 1 other category (%d)", s, otherReports)
	}
	return fmt.Sprintf("%s and %d other categories (%d)", s, others, otherReports)
}

// Place is where a group of reports is, described coarsely enough that no
// home can be picked out: a postcode district and a 100 m square.
type Place struct {
	District string // the most common postcode district, "DM1"; "" when unknown
	// Easting and Northing are British National Grid metres, rounded to
	// PlaceRoundingMetres.
	Easting, Northing int
	// Latitude and Longitude are the rounded point in WGS84, to 3 decimal
	// places (about 100 m).
	Latitude, Longitude float64
}

// GridReference is the place as a 6-figure Ordnance Survey grid reference
// ("SP 451 563"): the 100 m square it is in.
func (p Place) GridReference() string { return GridReference(p.Easting, p.Northing) }

// Description is the place in words: "DM1, grid reference SP 451 563".
func (p Place) Description() string {
	ref := "grid reference " + p.GridReference()
	if p.District == "" {
		return strings.ToUpper(ref[:1]) + ref[1:]
	}
	return p.District + ", " + ref
}

// LatLon is the rounded point as "52.188, -1.233".
func (p Place) LatLon() string {
	return strconv.FormatFloat(p.Latitude, 'f', 3, 64) + ", " + strconv.FormatFloat(p.Longitude, 'f', 3, 64)
}

// RoundToPlace rounds metres to the PlaceRoundingMetres square's corner
// (the convention of grid references, which name the square a point is in).
func RoundToPlace(m float64) int {
	return int(math.Floor(m/PlaceRoundingMetres)) * PlaceRoundingMetres
}

// GridReference writes British National Grid metres as a 6-figure
// Ordnance Survey grid reference: two letters for the 100 km square, then
// the 100 m square's easting and northing. Points off the grid answer "".
func GridReference(easting, northing int) string {
	if easting < 0 || northing < 0 || easting >= 700000 || northing >= 1300000 {
		return ""
	}
	e100k, n100k := easting/100000, northing/100000
	l1 := (19 - n100k) - (19-n100k)%5 + (e100k+10)/5
	l2 := (19-n100k)*5%25 + e100k%5
	letter := func(i int) byte {
		if i > 7 {
			i++ // the grid's letters skip I
		}
		return byte('A' + i)
	}
	return fmt.Sprintf("%c%c %03d %03d", letter(l1), letter(l2), easting%100000/100, northing%100000/100)
}

// Hotspot is a dense group of reports over the last InsightDays days.
type Hotspot struct {
	Reports       int
	Categories    []CategoryCount // the most common first
	Place         Place
	Neighbourhood string
}

// CategoryMix describes the hotspot's categories, the three commonest by
// name.
func (h Hotspot) CategoryMix() string { return CategoryMix(h.Categories, 3) }

// RepeatLocation is a 100 m square with RepeatLocationReports or more
// reports in the last RepeatLocationDays days.
type RepeatLocation struct {
	Reports       int
	Categories    []CategoryCount
	Place         Place
	Neighbourhood string
	Latest        time.Time
}

// CategoryMix describes the repeat location's categories, the three
// commonest by name.
func (l RepeatLocation) CategoryMix() string { return CategoryMix(l.Categories, 3) }

// MaxExportRows caps one export. An export is written in one response, so
// a larger one is refused with a request to narrow the filters rather than
// left to time out.
const MaxExportRows = 50000

// CanExportPersonal reports whether role may export reporters' contact
// details and the descriptions in reports. Everyone else exports only
// columns that identify no one.
func CanExportPersonal(role Role) bool {
	switch role {
	case RoleSergeant, RoleCaseReviewCoordinator, RoleForceAdmin:
		return true
	}
	return false
}

// ExportColumn is one column of the CSV export.
type ExportColumn struct {
	Header   string
	Personal bool // only for roles that CanExportPersonal
	value    func(ExportRow) string
}

// ExportColumns lists every column in order.
var ExportColumns = []ExportColumn{
	{"Reference", false, func(r ExportRow) string { return r.Reference }},
	{"Received", false, func(r ExportRow) string { return exportTime(r.CreatedAt) }},
	{"Neighbourhood", false, func(r ExportRow) string { return r.Neighbourhood }},
	{"Category", false, func(r ExportRow) string { return r.Category }},
	{"Status", false, func(r ExportRow) string { return r.Status.StaffLabel() }},
	{"Risk", false, func(r ExportRow) string { return r.Risk.Label() }},
	{"Target time", false, func(r ExportRow) string { return exportTime(r.DueAt) }},
	{"Date it happened", false, func(r ExportRow) string { return r.OccurredOn.Format("2006-01-02") }},
	{"Time it happened", false, func(r ExportRow) string { return r.OccurredTime }},
	{"Postcode district", false, func(r ExportRow) string { return r.District }},
	{"Hate motivation", false, func(r ExportRow) string { return hateLabel(r.Hate) }},
	{"Vulnerability mentioned", false, func(r ExportRow) string { return exportYesNo(r.Vulnerable) }},
	{"Anonymous", false, func(r ExportRow) string { return exportYesNo(r.Anonymous) }},
	{"Outcome", false, func(r ExportRow) string { return outcomeLabel(r.Outcome) }},
	{"Closed", false, func(r ExportRow) string { return exportTime(r.ClosedAt) }},
	{"Postcode", true, func(r ExportRow) string { return DisplayPostcode(r.Postcode) }},
	{"Place", true, func(r ExportRow) string { return r.Place }},
	{"What happened", true, func(r ExportRow) string { return r.Description }},
	{"People described", true, func(r ExportRow) string { return r.People }},
	{"Vehicles described", true, func(r ExportRow) string { return r.Vehicles }},
	{"Reporter name", true, func(r ExportRow) string { return r.ReporterName }},
	{"Reporter email", true, func(r ExportRow) string { return r.ReporterEmail }},
	{"Reporter phone", true, func(r ExportRow) string { return r.ReporterPhone }},
}

// ExportHeader is the header row of an export, with or without the
// personal columns.
func ExportHeader(personal bool) []string {
	var out []string
	for _, c := range ExportColumns {
		if personal || !c.Personal {
			out = append(out, c.Header)
		}
	}
	return out
}

// ExportRow is one report as exported. Personal fields are filled only
// when the export includes them; the database leaves them empty otherwise.
type ExportRow struct {
	Reference     string
	CreatedAt     time.Time
	Neighbourhood string
	Category      string
	Status        ReportStatus
	Risk          Risk
	DueAt         time.Time
	OccurredOn    time.Time
	OccurredTime  string
	District      string // the outward part of the postcode: thousands of addresses
	Hate          string
	Vulnerable    bool
	Anonymous     bool
	Outcome       string
	ClosedAt      time.Time

	Postcode      string
	Place         string
	Description   string
	People        string
	Vehicles      string
	ReporterName  string
	ReporterEmail string
	ReporterPhone string
}

// Record is the row's cells, in ExportHeader's order, each made safe for
// spreadsheets (see CSVSafe).
func (r ExportRow) Record(personal bool) []string {
	var out []string
	for _, c := range ExportColumns {
		if personal || !c.Personal {
			out = append(out, CSVSafe(c.value(r)))
		}
	}
	return out
}

// CSVSafe stops a cell being run as a formula when the file is opened in a
// spreadsheet (CSV injection): a cell starting with =, +, -, @, a tab or a
// carriage return gets a leading single quote, so it is shown as text.
// Quoting for the CSV format itself is encoding/csv's job.
func CSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// PostcodeDistrict is the outward part of a postcode ("DM1" of "DM1 1AB"),
// which names an area of thousands of addresses; "" for no postcode.
func PostcodeDistrict(postcode string) string {
	compact := strings.ToUpper(strings.ReplaceAll(postcode, " ", ""))
	if len(compact) < 5 {
		return ""
	}
	return compact[:len(compact)-3]
}

func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2006-01-02 15:04")
}

func exportYesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func hateLabel(h string) string {
	switch h {
	case "yes":
		return "Yes"
	case "not-sure":
		return "Not sure"
	}
	return "No"
}

func outcomeLabel(o string) string {
	if o == "" {
		return ""
	}
	return Outcome(o).Label()
}

// ExportStatuses are the statuses an export can be filtered to.
var ExportStatuses = []ReportStatus{StatusNew, StatusOpen, StatusAwaitingInformation, StatusClosed}

// ExportFilter selects the reports to export, with the triage queue's
// filters and a range of dates received. Empty fields match everything.
type ExportFilter struct {
	Neighbourhood string // a neighbourhood code
	Category      string // a category code
	Status        string
	Risk          string
	From, To      time.Time // dates received, inclusive; zero: open-ended
}

// Summary describes the filter for the audit log: codes and dates only.
func (f ExportFilter) Summary() map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"neighbourhood": f.Neighbourhood, "category": f.Category,
		"status": f.Status, "risk": f.Risk} {
		if v != "" {
			out[k] = v
		}
	}
	if !f.From.IsZero() {
		out["from"] = f.From.Format("2006-01-02")
	}
	if !f.To.IsZero() {
		out["to"] = f.To.Format("2006-01-02")
	}
	return out
}

// ExportInput is the export form as typed.
type ExportInput struct {
	Neighbourhood, Category, Status, Risk string
	FromDay, FromMonth, FromYear          string
	ToDay, ToMonth, ToYear                string
}

// Validate checks the input against the neighbourhoods in the viewer's
// scope and the categories that exist, and returns the filter. A
// neighbourhood outside the scope is refused like one that does not exist.
func (in ExportInput) Validate(neighbourhoods, categories []string, today time.Time) (ExportFilter, FieldErrors) {
	fe := FieldErrors{}
	qf := QueueFilter{Neighbourhood: in.Neighbourhood, Category: in.Category, Risk: in.Risk}
	for k, v := range qf.Validate(neighbourhoods, categories) {
		fe.Add(k, v)
	}
	if in.Status != "" && !slices.Contains(ExportStatuses, ReportStatus(in.Status)) {
		fe.Add("status", "Select a status from the list")
	}
	f := ExportFilter{Neighbourhood: in.Neighbourhood, Category: in.Category, Status: in.Status, Risk: in.Risk}
	var msg string
	if f.From, msg = optionalDate(in.FromDay, in.FromMonth, in.FromYear, "from", today); msg != "" {
		fe.Add("from-day", msg)
	}
	if f.To, msg = optionalDate(in.ToDay, in.ToMonth, in.ToYear, "to", today); msg != "" {
		fe.Add("to-day", msg)
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		fe.Add("to-day", "The date to must be the same as or after the date from")
	}
	return f, fe
}

// optionalDate reads a GOV.UK date input that may be left empty.
func optionalDate(day, month, year, which string, today time.Time) (time.Time, string) {
	day, month, year = strings.TrimSpace(day), strings.TrimSpace(month), strings.TrimSpace(year)
	switch {
	case day == "" && month == "" && year == "":
		return time.Time{}, ""
	case day == "":
		return time.Time{}, "The date " + which + " must include a day"
	case month == "":
		return time.Time{}, "The date " + which + " must include a month"
	case year == "":
		return time.Time{}, "The date " + which + " must include a year"
	}
	d, err1 := strconv.Atoi(day)
	m, err2 := strconv.Atoi(month)
	y, err3 := strconv.Atoi(year)
	if err1 != nil || err2 != nil || err3 != nil || len(year) != 4 {
		return time.Time{}, "The date " + which + " must be a real date"
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, london)
	if t.Day() != d || int(t.Month()) != m || t.Year() != y {
		return time.Time{}, "The date " + which + " must be a real date"
	}
	if t.After(today) {
		return time.Time{}, "The date " + which + " must be today or in the past"
	}
	return t, ""
}
