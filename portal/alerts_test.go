package portal

import "testing"

func TestAlertInputValidate(t *testing.T) {
	good := AlertInput{Email: "a@example.org", Area: "radius", Postcode: "dm1 1ab", Radius: "1000",
		Kinds: []string{"team_message"}, MinPriority: LevelAdvice, Frequency: "weekly"}
	pc, radius, fe := good.Validate()
	if fe.Any() || pc != "DM11AB" || radius != 1000 {
		t.Fatalf("good: %q %d %v", pc, radius, fe)
	}
	tests := map[string]struct {
		change func(*AlertInput)
		field  string
	}{
		"email":         {func(in *AlertInput) { in.Email = "nope" }, "email"},
		"area":          {func(in *AlertInput) { in.Area = "" }, "area"},
		"postcode":      {func(in *AlertInput) { in.Postcode = "zz" }, "postcode"},
		"radius":        {func(in *AlertInput) { in.Radius = "750" }, "radius"},
		"neighbourhood": {func(in *AlertInput) { in.Area, in.Neighbourhood = "neighbourhood", "bad code!" }, "neighbourhood"},
		"no kinds":      {func(in *AlertInput) { in.Kinds = nil }, "kinds"},
		"unknown kind":  {func(in *AlertInput) { in.Kinds = []string{"gossip"} }, "kinds"},
		"priority":      {func(in *AlertInput) { in.MinPriority = "" }, "priority"},
		"frequency":     {func(in *AlertInput) { in.Frequency = "hourly" }, "frequency"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			in := good
			tt.change(&in)
			if _, _, fe := in.Validate(); fe[tt.field] == "" {
				t.Fatalf("no error on %s: %v", tt.field, fe)
			}
		})
	}
	if !good.Wants(AlertTeamMessage) || good.Wants(AlertCourseSession) {
		t.Fatal("Wants")
	}
}

func TestSubscriptionAreaLabel(t *testing.T) {
	if got := (Subscription{Postcode: "DM11AB", RadiusM: 500}).AreaLabel(); got != "within 0.5 km of DM1 1AB" {
		t.Fatal(got)
	}
	if got := (Subscription{NeighbourhoodName: "Mill"}).AreaLabel(); got != "the Mill neighbourhood" {
		t.Fatal(got)
	}
}
