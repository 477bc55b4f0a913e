package portal

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestNormalisePostcode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ox11aa", "OX11AA", true},
		{"OX1 1AA", "OX11AA", true},
		{" ox1  1aa ", "OX11AA", true},
		{"\tSW1A 2AA\u00a0", "SW1A2AA", true},
		{"M1 1AE", "M11AE", true},     // A9 9AA
		{"B33 8TH", "B338TH", true},   // A99 9AA
		{"CR2 6XH", "CR26XH", true},   // AA9 9AA
		{"DN55 1PT", "DN551PT", true}, // AA99 9AA
		{"W1A 0AX", "W1A0AX", true},   // A9A 9AA
		{"EC1A 1BB", "EC1A1BB", true}, // AA9A 9AA
		{"DM1 1AB", "DM11AB", true},   // the demo area
		{"", "", false},
		{"   ", "", false},
		{"OX1", "", false},         // outward code only
		{"OX1 1A", "", false},      // inward code too short
		{"OX1 1AAA", "", false},    // too long
		{"1X1 1AA", "", false},     // starts with a digit
		{"QX1 1AA", "", false},     // Q never starts a postcode
		{"OI1 1AA", "", false},     // I never second
		{"OX1 1AC", "", false},     // C never in the inward code
		{"OX1 1MA", "", false},     // M never in the inward code
		{"W1I 0AX", "", false},     // I not allowed third in A9A
		{"EC1Z 1BB", "", false},    // Z not allowed fourth in AA9A
		{"GIR 0AA", "", false},     // Girobank's special code is not needed
		{"OX1-1AA", "", false},     // punctuation
		{"ＯＸ1 1AA", "", false},     // full-width letters
		{"OX1 1AA\x00", "", false}, // NUL
		{"OX1 1A\xff", "", false},  // invalid UTF-8
		{strings.Repeat(" ", 40), "", false},
		{"'; DROP TABLE postcodes; --", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := NormalisePostcode(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("NormalisePostcode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDisplayPostcode(t *testing.T) {
	for in, want := range map[string]string{"OX11AA": "OX1 1AA", "M11AE": "M1 1AE", "EC1A1BB": "EC1A 1BB", "AB": "AB"} {
		if got := DisplayPostcode(in); got != want {
			t.Errorf("DisplayPostcode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPostcodeLookupValidate(t *testing.T) {
	tests := []struct {
		in, want, msg string
	}{
		{"dm1 1ab", "DM11AB", ""},
		{"", "", "Enter a postcode"},
		{"  ", "", "Enter a postcode"},
		{"not a postcode", "", "Enter a real postcode"},
	}
	for _, tt := range tests {
		pc, fe := PostcodeLookupInput{Postcode: tt.in}.Validate()
		if pc != tt.want || fe["postcode"] != tt.msg {
			t.Errorf("Validate(%q) = %q, %v; want %q, %q", tt.in, pc, fe, tt.want, tt.msg)
		}
	}
}

func TestTeamContactValidate(t *testing.T) {
	tests := []struct {
		name string
		in   TeamContact
		want []string
	}{
		{"all set", TeamContact{"Riverside team", "riverside@demoshire.police.example", "101"}, nil},
		{"email only", TeamContact{"Riverside team", "npt@police.example", ""}, nil},
		{"phone only", TeamContact{"Riverside team", "", "+44 (0)1632 960-001"}, nil},
		{"no name", TeamContact{"", "npt@police.example", ""}, []string{"team_name"}},
		{"no way to contact", TeamContact{"Riverside team", "", ""}, []string{"team_email"}},
		{"nothing", TeamContact{}, []string{"team_name", "team_email"}},
		{"bad email", TeamContact{"T", "not an email", ""}, []string{"team_email"}},
		{"email without domain dot", TeamContact{"T", "a@localhost", ""}, []string{"team_email"}},
		{"two at signs", TeamContact{"T", "a@b@c.example", ""}, []string{"team_email"}},
		{"display name form", TeamContact{"T", "Team <a@b.example>", ""}, []string{"team_email"}},
		{"bad phone", TeamContact{"T", "", "call us"}, []string{"team_phone"}},
		{"phone too short", TeamContact{"T", "", "12"}, []string{"team_phone"}},
		{"plus in the middle", TeamContact{"T", "", "01632+960001"}, []string{"team_phone"}},
		{"long name", TeamContact{strings.Repeat("é", 101), "", "101"}, []string{"team_name"}},
		{"name at the limit", TeamContact{strings.Repeat("é", 100), "", "101"}, nil},
		{"name on two lines", TeamContact{"a\nb", "", "101"}, []string{"team_name"}},
		{"everything wrong", TeamContact{strings.Repeat("x", 101), "x", "y"}, []string{"team_name", "team_email", "team_phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := TeamContactInput{tt.in}.Validate()
			if len(fe) != len(tt.want) {
				t.Fatalf("errors %v, want fields %v", fe, tt.want)
			}
			for _, f := range tt.want {
				if fe[f] == "" {
					t.Fatalf("no error for %s in %v", f, fe)
				}
			}
		})
	}
}

func TestONSPDReader(t *testing.T) {
	file := "\ufeffpcd,pcds,dointr,lat,long,lsoa21\n" +
		"OX1 1AA,OX1 1AA,199801,51.752021,-1.257726,E01028522\n" +
		"OX1 1AB,OX1 1AB,199801,99.999999,0.000000,E01028522\n" + // no grid reference
		"OX1 1AD,OX1 1AD,199801,,,\n" + // blank
		"BAD,not a postcode,199801,51.75,-1.25,\n" +
		"OX1 1AE,OX1 1AE,199801,51.7,abc,\n" +
		"short,row\n" +
		"M1 1AE,m1 1ae,199801,53.476,-2.234,\n"
	r, err := NewONSPDReader(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var got []PostcodePoint
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	want := []PostcodePoint{{"OX11AA", 51.752021, -1.257726}, {"M11AE", 53.476, -2.234}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("points %v, want %v", got, want)
	}
	if r.Skipped != 5 {
		t.Fatalf("skipped %d, want 5", r.Skipped)
	}
}

func TestONSPDReaderHeader(t *testing.T) {
	if _, err := NewONSPDReader(strings.NewReader("PCDS,LAT,LONG\n")); err != nil {
		t.Fatalf("upper-case header: %v", err)
	}
	_, err := NewONSPDReader(strings.NewReader("pcd,lat\n"))
	if err == nil || !strings.Contains(err.Error(), "long, pcds") {
		t.Fatalf("missing columns: %v", err)
	}
	if _, err := NewONSPDReader(strings.NewReader("")); err == nil {
		t.Fatal("empty file accepted")
	}
}

// feature builds a GeoJSON feature for the boundary tests.
func feature(code, geometry string, extra ...string) string {
	props := fmt.Sprintf(`"force_code":"demo","force_name":"Demoshire Police","lpa_code":"north","lpa_name":"North",`+
		`"code":%q,"name":"Name of %s","la_code":"la","la_name":"Council"`, code, code)
	for _, e := range extra {
		props += "," + e
	}
	return fmt.Sprintf(`{"type":"Feature","properties":{%s},"geometry":%s}`, props, geometry)
}

const square = `{"type":"Polygon","coordinates":[[[-1.5,52.0],[-1.4,52.0],[-1.4,52.1],[-1.5,52.1],[-1.5,52.0]]]}`

func collection(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

func TestParseBoundaries(t *testing.T) {
	multi := `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}`
	tests := []struct {
		name    string
		feature string
		reason  string // "" for a good feature
	}{
		{"polygon", feature("a", square), ""},
		{"multipolygon", feature("a", multi), ""},
		{"team contact", feature("a", square, `"team_name":"T"`, `"team_email":"t@p.example"`, `"team_phone":"101"`), ""},
		{"numeric code", strings.Replace(feature("a", square), `"code":"a"`, `"code":12345`, 1), ""},
		{"missing properties", `{"type":"Feature","properties":{"code":"a"},"geometry":` + square + `}`,
			"missing properties: force_code, force_name, lpa_code, lpa_name, name, la_code, la_name"},
		{"no properties", `{"type":"Feature","geometry":` + square + `}`, "missing properties"},
		{"not a feature", `{"type":"Point"}`, "is not a GeoJSON Feature"},
		{"no geometry", feature("a", "null"), "has no geometry"},
		{"point", feature("a", `{"type":"Point","coordinates":[0,0]}`), `geometry is "Point"`},
		{"open ring", feature("a", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`), "ring 1 is not closed"},
		{"short ring", feature("a", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`), "has 3 points"},
		{"latitude out of range", feature("a", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,91],[0,0]]]}`), "point 3 (1, 91) is out of range"},
		{"longitude out of range", feature("a", `{"type":"Polygon","coordinates":[[[0,0],[181,0],[1,1],[0,0]]]}`), "out of range"},
		{"position without latitude", feature("a", `{"type":"Polygon","coordinates":[[[0],[1,0],[1,1],[0]]]}`), "no longitude and latitude"},
		{"no rings", feature("a", `{"type":"Polygon","coordinates":[]}`), "polygon 1 has no rings"},
		{"no polygons", feature("a", `{"type":"MultiPolygon","coordinates":[]}`), "no polygons"},
		{"bad coordinates", feature("a", `{"type":"Polygon","coordinates":"x"}`), "not a list of rings"},
		{"bad code", feature("a b", square), "code must be letters"},
		{"bad team email", feature("a", square, `"team_email":"nope"`), "team_email is not valid"},
		{"object property", feature("a", square, `"team_name":{"x":1}`), "property team_name is not text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feats, problems, err := ParseBoundaries(collection(tt.feature))
			if err != nil {
				t.Fatal(err)
			}
			if tt.reason == "" {
				if len(problems) > 0 || len(feats) != 1 {
					t.Fatalf("problems %v", problems)
				}
				return
			}
			if len(problems) != 1 || !strings.Contains(problems[0].Reason, tt.reason) || problems[0].Index != 0 {
				t.Fatalf("problems %v, want one at index 0 with %q", problems, tt.reason)
			}
		})
	}
}

func TestParseBoundariesReportsEveryBadFeature(t *testing.T) {
	data := collection(
		feature("good", square),
		feature("open", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`),
		feature("good2", square),
		feature("good", square), // duplicate code
		strings.Replace(feature("renamed", square), `"lpa_name":"North"`, `"lpa_name":"Northern"`, 1),
	)
	feats, problems, err := ParseBoundaries(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != 2 || feats[0].Code != "good" || feats[1].Code != "good2" || feats[1].Index != 2 {
		t.Fatalf("good features %+v", feats)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		"feature 1 (open): polygon 1 ring 1 is not closed: its last point must equal its first",
		"feature 3 (good): code good is already used by feature 0",
		"feature 4 (renamed): lpa_code north is described differently by an earlier feature",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var asErr error = problems
	if !strings.Contains(asErr.Error(), "3 invalid feature(s)") {
		t.Fatalf("error text %q", asErr)
	}
}

func TestParseBoundariesFile(t *testing.T) {
	for name, data := range map[string]string{
		"not json":    "{",
		"not a fc":    `{"type":"Feature"}`,
		"no features": `{"type":"FeatureCollection","features":[]}`,
	} {
		if _, _, err := ParseBoundaries([]byte(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestBoundaryFeatureGeoJSON(t *testing.T) {
	feats, _, _ := ParseBoundaries(collection(feature("a", square)))
	want := `{"type":"MultiPolygon","coordinates":[[[[-1.5,52],[-1.4,52],[-1.4,52.1],[-1.5,52.1],[-1.5,52]]]]}`
	if got := feats[0].GeoJSON(); got != want {
		t.Fatalf("GeoJSON = %s", got)
	}
	if feats[0].HasTeam {
		t.Fatal("HasTeam without team properties")
	}
}

func TestLookupErrorsAreDistinct(t *testing.T) {
	if errors.Is(ErrOutsideArea, ErrUnknownPostcode) || errors.Is(ErrOutsideArea, ErrNotFound) || errors.Is(ErrUnknownPostcode, ErrNotFound) {
		t.Fatal("lookup results must be told apart")
	}
}
