package portal

import (
	"encoding/csv"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExportColumnsByRole(t *testing.T) {
	personalCols := []string{"Postcode", "Place", "What happened", "People described", "Vehicles described",
		"Reporter name", "Reporter email", "Reporter phone"}
	for _, tt := range []struct {
		role Role
		want bool
	}{
		{RolePCSO, false}, {RoleOfficer, false}, {RoleResident, false}, {Role(""), false},
		{RoleSergeant, true}, {RoleCaseReviewCoordinator, true}, {RoleForceAdmin, true},
	} {
		t.Run(string(tt.role), func(t *testing.T) {
			if got := CanExportPersonal(tt.role); got != tt.want {
				t.Fatalf("CanExportPersonal = %v, want %v", got, tt.want)
			}
			header := ExportHeader(CanExportPersonal(tt.role))
			for _, c := range personalCols {
				if slices.Contains(header, c) != tt.want {
					t.Errorf("header %v: has %q = %v, want %v", header, c, !tt.want, tt.want)
				}
			}
			if !slices.Contains(header, "Reference") || !slices.Contains(header, "Postcode district") {
				t.Errorf("header %v lacks the anonymous columns", header)
			}
		})
	}
}

func TestExportRecordLeavesOutPersonalData(t *testing.T) {
	row := ExportRow{Reference: "ASB-2222-2222", CreatedAt: time.Date(2026, 6, 1, 20, 30, 0, 0, time.UTC),
		Neighbourhood: "Riverside", Category: "Noise", Status: StatusClosed, Risk: RiskHigh,
		OccurredOn: time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), OccurredTime: "23:15", District: "DM1",
		Postcode: "DM11AB", Hate: "not-sure", Vulnerable: true, Outcome: "advice-given",
		Description: "Loud music", People: "A tall man", Vehicles: "AB12 CDE",
		ReporterName: "Alex Smith", ReporterEmail: "alex@example.com", ReporterPhone: "07700 900123"}
	anon := strings.Join(row.Record(false), "|")
	for _, secret := range []string{"Alex", "alex@example.com", "07700", "Loud music", "tall man", "AB12", "DM1 1AB"} {
		if strings.Contains(anon, secret) {
			t.Errorf("anonymous record %q contains %q", anon, secret)
		}
	}
	if want := "ASB-2222-2222|2026-06-01 21:30|Riverside|Noise|Closed|High||2026-05-31|23:15|DM1|Not sure|Yes|No|Advice given"; !strings.HasPrefix(anon, want) {
		t.Errorf("record = %q, want it to start %q", anon, want)
	}
	full := row.Record(true)
	if len(full) != len(ExportHeader(true)) || len(row.Record(false)) != len(ExportHeader(false)) {
		t.Fatal("records and headers differ in length")
	}
	for _, want := range []string{"Alex Smith", "alex@example.com", "07700 900123", "Loud music", "DM1 1AB"} {
		if !slices.Contains(full, want) {
			t.Errorf("full record %v lacks %q", full, want)
		}
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"Noise":                     "Noise",
		"=HYPERLINK(\"http://x\")":  "'=HYPERLINK(\"http://x\")",
		"+44 7700 900123":           "'+44 7700 900123",
		"-2+3":                      "'-2+3",
		"@SUM(A1)":                  "'@SUM(A1)",
		"\t=1":                      "'\t=1",
		"\r=1":                      "'\r=1",
		"a=1":                       "a=1",
		"2026-06-01":                "2026-06-01",
		"'already quoted":           "'already quoted",
		"Café = nice":               "Café = nice",
		"=cmd|' /C calc'!A0":        "'=cmd|' /C calc'!A0",
		"  =not at the start, kept": "  =not at the start, kept",
	} {
		if got := CSVSafe(in); got != want {
			t.Errorf("CSVSafe(%q) = %q, want %q", in, got, want)
		}
	}
	// Through encoding/csv, a hostile description stays one inert cell.
	row := ExportRow{Reference: "ASB-2222-2222", Description: "=1+1\n\"quoted\", and more", ReporterName: "@bob"}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(row.Record(true))
	w.Flush()
	back, err := csv.NewReader(strings.NewReader(b.String())).Read()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(back, "'=1+1\n\"quoted\", and more") || !slices.Contains(back, "'@bob") {
		t.Fatalf("round trip = %q", back)
	}
}

func TestExportInputValidate(t *testing.T) {
	today := time.Date(2026, 6, 15, 10, 0, 0, 0, london)
	nbhs, cats := []string{"north-riverside"}, []string{"noise"}
	tests := []struct {
		name string
		in   ExportInput
		errs []string
	}{
		{"empty is everything", ExportInput{}, nil},
		{"all set", ExportInput{Neighbourhood: "north-riverside", Category: "noise", Status: "closed", Risk: "high",
			FromDay: "1", FromMonth: "5", FromYear: "2026", ToDay: "31", ToMonth: "5", ToYear: "2026"}, nil},
		{"out of scope", ExportInput{Neighbourhood: "south-heath"}, []string{"neighbourhood"}},
		{"unknown things", ExportInput{Category: "x", Status: "lost", Risk: "extreme"}, []string{"category", "status", "risk"}},
		{"half a date", ExportInput{FromDay: "1", FromYear: "2026"}, []string{"from-day"}},
		{"not a date", ExportInput{ToDay: "31", ToMonth: "2", ToYear: "2026"}, []string{"to-day"}},
		{"future", ExportInput{FromDay: "1", FromMonth: "1", FromYear: "2027"}, []string{"from-day"}},
		{"backwards", ExportInput{FromDay: "2", FromMonth: "5", FromYear: "2026", ToDay: "1", ToMonth: "5", ToYear: "2026"}, []string{"to-day"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, fe := tt.in.Validate(nbhs, cats, today)
			var got []string
			for k := range fe {
				got = append(got, k)
			}
			slices.Sort(got)
			want := slices.Clone(tt.errs)
			slices.Sort(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("errors %v, want %v", fe, want)
			}
			if tt.name == "all set" {
				if f.From.Format("2006-01-02") != "2026-05-01" || f.To.Format("2006-01-02") != "2026-05-31" {
					t.Errorf("dates %v to %v", f.From, f.To)
				}
				sum := f.Summary()
				if sum["neighbourhood"] != "north-riverside" || sum["from"] != "2026-05-01" || sum["risk"] != "high" {
					t.Errorf("summary %v", sum)
				}
			}
		})
	}
}

func TestInsightAreas(t *testing.T) {
	lpas := []LPA{
		{Code: "north", Name: "North", Neighbourhoods: []Neighbourhood{{ID: 1, Code: "n1", Name: "One"}, {ID: 2, Code: "n2", Name: "Two"}}},
		{Code: "south", Name: "South", Neighbourhoods: []Neighbourhood{{ID: 3, Code: "s1", Name: "Three"}}},
	}
	codes := func(areas []InsightArea) []string {
		var out []string
		for _, a := range areas {
			out = append(out, string(a.Kind)+":"+a.Code)
		}
		return out
	}
	for _, tt := range []struct {
		scope Scope
		want  []string
	}{
		{Scope{All: true}, []string{"lpa:north", "neighbourhood:n1", "neighbourhood:n2", "lpa:south", "neighbourhood:s1"}},
		{Scope{Neighbourhoods: []int64{1, 2}}, []string{"lpa:north", "neighbourhood:n1", "neighbourhood:n2"}},
		// One neighbourhood of an LPA: that neighbourhood only, never a partial LPA.
		{Scope{Neighbourhoods: []int64{2}}, []string{"neighbourhood:n2"}},
		{Scope{}, nil},
	} {
		got := InsightAreas(lpas, tt.scope)
		if !reflect.DeepEqual(codes(got), tt.want) {
			t.Errorf("scope %+v: %v, want %v", tt.scope, codes(got), tt.want)
		}
	}
	areas := InsightAreas(lpas, Scope{All: true})
	if a, ok := FindInsightArea(areas, "north"); !ok || !reflect.DeepEqual(a.Neighbourhoods, []int64{1, 2}) || a.Label() != "North (local policing area)" {
		t.Errorf("north = %+v, %v", a, ok)
	}
	if a, ok := FindInsightArea(areas, "n2"); !ok || a.Label() != "Two neighbourhood, North" {
		t.Errorf("n2 = %+v", a)
	}
	if _, ok := FindInsightArea(areas, "nowhere"); ok {
		t.Error("found an area that does not exist")
	}
}

func TestHeatmapSlot(t *testing.T) {
	for slot, want := range map[int]struct {
		day  time.Weekday
		hour int
	}{0: {time.Monday, 0}, 23: {time.Monday, 23}, 24: {time.Tuesday, 0}, 5*24 + 21: {time.Saturday, 21}, 167: {time.Sunday, 23}} {
		day, hour, ok := HeatmapSlot(slot)
		if !ok || day != want.day || hour != want.hour {
			t.Errorf("slot %d = %v %d %v", slot, day, hour, ok)
		}
	}
	for _, bad := range []int{-1, 168} {
		if _, _, ok := HeatmapSlot(bad); ok {
			t.Errorf("slot %d accepted", bad)
		}
	}
}

func TestCategoryTrend(t *testing.T) {
	months := TrendMonthsTo(time.Date(2026, 3, 15, 12, 0, 0, 0, london))
	if len(months) != TrendMonths || months[0].Format("2006-01-02") != "2025-04-01" || months[11].Format("2006-01-02") != "2026-03-01" {
		t.Fatalf("months %v", months)
	}
	tr := NewCategoryTrend(months, []MonthCount{
		{Month: months[0], Category: "Noise", Count: 2},
		{Month: months[11], Category: "Noise", Count: 3},
		{Month: months[11], Category: "Graffiti", Count: 7},
		{Month: months[0].AddDate(0, -1, 0), Category: "Noise", Count: 100}, // too old: ignored
	})
	if tr.Total != 12 || tr.Totals[0] != 2 || tr.Totals[11] != 10 || tr.Max() != 10 {
		t.Fatalf("trend %+v", tr)
	}
	if len(tr.Rows) != 2 || tr.Rows[0].Category != "Graffiti" || tr.Rows[1].Total != 5 {
		t.Fatalf("rows %+v", tr.Rows)
	}
}

func TestGridReferenceAndPlace(t *testing.T) {
	for _, tt := range []struct {
		e, n int
		want string
	}{
		{530034, 179655, "TQ 300 796"}, // Big Ben
		{449312, 248055, "SP 493 480"},
		{216677, 771282, "NN 166 712"}, // Ben Nevis
		{-1, 0, ""},
	} {
		if got := GridReference(tt.e, tt.n); got != tt.want {
			t.Errorf("GridReference(%d, %d) = %q, want %q", tt.e, tt.n, got, tt.want)
		}
	}
	p := Place{District: "DM1", Easting: RoundToPlace(449399.9), Northing: RoundToPlace(248000.1), Latitude: 52.1294, Longitude: -1.28}
	if p.Easting != 449300 || p.Northing != 248000 {
		t.Errorf("rounded to %d, %d", p.Easting, p.Northing)
	}
	if got := p.Description(); got != "DM1, grid reference SP 493 480" {
		t.Errorf("description %q", got)
	}
	if got := p.LatLon(); got != "52.129, -1.280" {
		t.Errorf("lat/lon %q", got)
	}
	if got := (Place{Easting: 449300, Northing: 248000}).Description(); got != "Grid reference SP 493 480" {
		t.Errorf("no district: %q", got)
	}
}

func TestCategoryMix(t *testing.T) {
	cats := []CategoryCount{{"Noise", 5}, {"Graffiti", 3}, {"Begging", 2}, {"Drug use", 1}, {"Vandalism", 1}}
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "None"},
		{1, "Noise (5)"},
		{2, "Noise (5) and Graffiti (3)"},
		{4, "Noise (5), Graffiti (3), Begging (2) and 1 other category (1)"},
		{5, "Noise (5), Graffiti (3), Begging (2) and 2 other categories (2)"},
	} {
		if got := CategoryMix(cats[:tt.n], 3); got != tt.want {
			t.Errorf("%d: %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := PostcodeDistrict("dm1 1ab"); got != "DM1" {
		t.Errorf("district %q", got)
	}
	if got := PostcodeDistrict(""); got != "" {
		t.Errorf("district of nothing %q", got)
	}
}
