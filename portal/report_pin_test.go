package portal

import "testing"

func TestParsePin(t *testing.T) {
	for _, tc := range []struct {
		lat, lng string
		ok       bool
	}{
		{"52.187981", "-1.232851", true},
		{"", "", false},
		{"52.1", "", false},
		{"0", "0", false},
		{"48.9", "2.35", false}, // Paris
		{"NaN", "NaN", false},
		{"52.1", "javascript:", false},
	} {
		if _, _, ok := ParsePin(tc.lat, tc.lng); ok != tc.ok {
			t.Errorf("ParsePin(%q, %q) ok = %v, want %v", tc.lat, tc.lng, ok, tc.ok)
		}
	}
}

func TestValidateWherePinStandsForPostcode(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    ReportDraft
		want string
	}{
		{"postcode", ReportDraft{Postcode: "DM1 1AB"}, ""},
		{"nothing", ReportDraft{}, "Enter a postcode"},
		{"pin", ReportDraft{Latitude: 52.19, Longitude: -1.23}, ""},
		{"pin and a bad postcode", ReportDraft{Latitude: 52.19, Longitude: -1.23, Postcode: "nonsense"}, "Enter a real postcode, like AB1 2CD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.ValidateWhere(false)["postcode"]; got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
