package portal

import "testing"

const testKey = "0123456789abcdef0123456789abcdef"

func TestSchemeInputValidate(t *testing.T) {
	in := SchemeInput{IdempotencyKey: testKey, Name: "Mill Lane NHW", AreaBy: "postcodes", Postcodes: "dm1 1ab\nDM1 2AE, dm1 1ab\n\n"}
	pcs, fe := in.Validate()
	if fe.Any() || len(pcs) != 2 || pcs[0] != "DM11AB" || pcs[1] != "DM12AE" {
		t.Fatalf("%v %v", pcs, fe)
	}
	tests := map[string]struct {
		in    SchemeInput
		field string
	}{
		"no name":      {SchemeInput{IdempotencyKey: testKey, AreaBy: "postcodes", Postcodes: "DM1 1AB"}, "name"},
		"no area":      {SchemeInput{IdempotencyKey: testKey, Name: "x"}, "area-by"},
		"bad postcode": {SchemeInput{IdempotencyKey: testKey, Name: "x", AreaBy: "postcodes", Postcodes: "DM1 1AB\nnot one"}, "postcodes"},
		"no postcodes": {SchemeInput{IdempotencyKey: testKey, Name: "x", AreaBy: "postcodes"}, "postcodes"},
		"bad polygon":  {SchemeInput{IdempotencyKey: testKey, Name: "x", AreaBy: "polygon", Polygon: `{"type":"Point"}`}, "polygon"},
		"open polygon": {SchemeInput{IdempotencyKey: testKey, Name: "x", AreaBy: "polygon", Polygon: `{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0]]]}`}, "polygon"},
		"expired form": {SchemeInput{Name: "x", AreaBy: "postcodes", Postcodes: "DM1 1AB"}, "name"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, fe := tt.in.Validate(); fe[tt.field] == "" {
				t.Fatalf("no error on %s: %v", tt.field, fe)
			}
		})
	}
}

func TestParsePolygon(t *testing.T) {
	feature := `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-1.3,52.1],[-1.29,52.1],[-1.29,52.11],[-1.3,52.1]]]}}`
	g, ok := ParsePolygon(feature)
	if !ok || g != `{"type":"Polygon","coordinates":[[[-1.3,52.1],[-1.29,52.1],[-1.29,52.11],[-1.3,52.1]]]}` {
		t.Fatalf("%v %s", ok, g)
	}
	for _, bad := range []string{"", "[]", `{"type":"Polygon","coordinates":[[[200,0],[0,1],[1,1],[200,0]]]}`} {
		if _, ok := ParsePolygon(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestWatchMessageAndCoordination(t *testing.T) {
	if fe := (WatchMessageInput{IdempotencyKey: testKey, Subject: "Hi", Body: "Meeting moved"}).Validate(); fe.Any() {
		t.Fatal(fe)
	}
	if fe := (WatchMessageInput{IdempotencyKey: testKey}).Validate(); fe["subject"] == "" || fe["body"] == "" {
		t.Fatal(fe)
	}
	vol := &User{ID: 7, VolunteerRole: VolunteerNHWCoordinator, VolunteerVerified: true}
	s := Scheme{CoordinatorID: 7, Status: SchemeApproved}
	if !s.CanCoordinate(vol) {
		t.Fatal("coordinator refused")
	}
	if s.CanCoordinate(&User{ID: 8, VolunteerRole: VolunteerNHWCoordinator, VolunteerVerified: true}) || s.CanCoordinate(nil) {
		t.Fatal("someone else may coordinate")
	}
	vol.VolunteerVerified = false
	if s.CanCoordinate(vol) {
		t.Fatal("unverified coordinator allowed")
	}
	s.Status, vol.VolunteerVerified = SchemePending, true
	if s.CanCoordinate(vol) {
		t.Fatal("pending scheme coordinated")
	}
}
