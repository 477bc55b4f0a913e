package portal

import (
	"strings"
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPeriodEnd(t *testing.T) {
	tests := []struct {
		start  string
		months int
		want   string
	}{
		{"2026-03-10", 1, "2026-04-09"}, // the period of one month beginning with 10 March ends on 9 April
		{"2026-05-15", 6, "2026-11-14"}, // six months beginning with 15 May ends on 14 November
		{"2026-01-31", 1, "2026-02-28"}, // no 31 February: the last day of that month
		{"2028-01-31", 1, "2028-02-29"}, // leap year
		{"2026-08-31", 6, "2027-02-28"}, // six months on, no 31 February
		{"2026-03-01", 1, "2026-03-31"},
		{"2026-12-15", 1, "2027-01-14"}, // across the year end
		{"2026-05-31", 1, "2026-06-30"}, // no 31 June
	}
	for _, tt := range tests {
		if got := PeriodEnd(d(tt.start), tt.months).Format("2006-01-02"); got != tt.want {
			t.Errorf("PeriodEnd(%s, %d) = %s, want %s", tt.start, tt.months, got, tt.want)
		}
	}
}

func complaint(incident, problem, occurred, reported, who string, hate bool) Complaint {
	return Complaint{Incident: incident, Problem: problem, OccurredOn: d(occurred), ReportedOn: d(reported),
		Agency: "police", Complainant: who, Hate: hate}
}

func demoPolicy(area string) CaseReviewPolicy {
	for _, p := range DemoPolicies() {
		if p.Area == area {
			return p
		}
	}
	panic(area)
}

func TestQualifyingComplaints(t *testing.T) {
	north := demoPolicy("demo-north")
	tests := []struct {
		name        string
		c           Complaint
		application string
		qualifying  bool
		reason      string
	}{
		{"reported the same day", complaint("a", "p", "2026-03-10", "2026-03-10", "me", false), "2026-04-01", true, ""},
		{"last day of the month", complaint("a", "p", "2026-03-10", "2026-04-09", "me", false), "2026-04-10", true, ""},
		{"a day too late", complaint("a", "p", "2026-03-10", "2026-04-10", "me", false), "2026-04-10", false, "reported 31 days after it happened; a complaint must be made within one month"},
		{"31 January, reported 28 February", complaint("a", "p", "2026-01-31", "2026-02-28", "me", false), "2026-03-01", true, ""},
		{"31 January, reported 1 March", complaint("a", "p", "2026-01-31", "2026-03-01", "me", false), "2026-03-01", false, "reported 29 days after it happened; a complaint must be made within one month"},
		{"application on the last day of six months", complaint("a", "p", "2026-05-15", "2026-05-15", "me", false), "2026-11-14", true, ""},
		{"application a day after six months", complaint("a", "p", "2026-05-15", "2026-05-15", "me", false), "2026-11-15", false, "reported more than six months before the application; an application must be made within six months of the complaint"},
		{"40 days late", complaint("a", "p", "2026-08-01", "2026-09-10", "me", false), "2026-09-20", false, "reported 40 days after it happened; a complaint must be made within one month"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := north.Check([]Complaint{tt.c}, d(tt.application))
			got := res.Complaints[0]
			if got.Qualifying != tt.qualifying || got.Reason != tt.reason {
				t.Fatalf("got %+v, want qualifying=%v reason %q", got, tt.qualifying, tt.reason)
			}
		})
	}
}

func TestCheckRoutes(t *testing.T) {
	app := "2026-11-21"
	tests := []struct {
		name       string
		area       string
		complaints []Complaint
		result     string
		route      RouteKind
		incidents  int
	}{
		{"statutory: three qualifying incidents", "demo-north", []Complaint{
			complaint("a", "noise at no. 4", "2026-09-01", "2026-09-02", "me", false),
			complaint("b", "noise at no. 4", "2026-09-10", "2026-09-10", "me", false),
			complaint("c", "noise at no. 4", "2026-10-01", "2026-10-03", "me", false),
		}, "met", RouteStatutory, 3},
		{"two are not enough in the north", "demo-north", []Complaint{
			complaint("a", "noise at no. 4", "2026-09-01", "2026-09-02", "me", false),
			complaint("b", "noise at no. 4", "2026-09-10", "2026-09-10", "me", false),
		}, "not_met", "", 2},
		{"two are enough in the south (N = 2)", "demo-south", []Complaint{
			complaint("a", "noise at no. 4", "2026-09-01", "2026-09-02", "me", false),
			complaint("b", "noise at no. 4", "2026-09-10", "2026-09-10", "me", false),
		}, "met", RouteStatutory, 2},
		{"the same incident to several agencies counts once", "demo-north", []Complaint{
			complaint("a", "noise", "2026-09-01", "2026-09-02", "me", false),
			{Incident: "a", Problem: "noise", OccurredOn: d("2026-09-01"), ReportedOn: d("2026-09-03"), Agency: "council", Complainant: "me"},
			{Incident: "a", Problem: "noise", OccurredOn: d("2026-09-01"), ReportedOn: d("2026-09-04"), Agency: "housing", Complainant: "me"},
		}, "not_met", "", 1},
		{"different problems do not add up", "demo-north", []Complaint{
			complaint("a", "noise at no. 4", "2026-09-01", "2026-09-02", "me", false),
			complaint("b", "graffiti on the bridge", "2026-09-10", "2026-09-10", "me", false),
			complaint("c", "dog fouling", "2026-10-01", "2026-10-03", "me", false),
		}, "not_met", "", 1},
		{"a late complaint does not count", "demo-north", []Complaint{
			complaint("a", "noise", "2026-08-01", "2026-09-10", "me", false),
			complaint("b", "noise", "2026-09-10", "2026-09-10", "me", false),
			complaint("c", "noise", "2026-10-01", "2026-10-03", "me", false),
		}, "not_met", "", 2},
		{"hate route: one qualifying hate incident", "demo-north", []Complaint{
			complaint("a", "abuse in the street", "2026-11-01", "2026-11-02", "me", true),
		}, "met", RouteHate, 1},
		{"hate route is off in the south", "demo-south", []Complaint{
			complaint("a", "abuse in the street", "2026-11-01", "2026-11-02", "me", true),
		}, "not_met", "", 1},
		{"a late hate incident does not qualify", "demo-north", []Complaint{
			complaint("a", "abuse", "2026-08-01", "2026-09-10", "me", true),
		}, "not_met", "", 0},
		{"multi-complainant: five incidents from two people", "demo-north", []Complaint{
			complaint("a", "bikes on the green", "2026-10-01", "2026-10-01", "ann", false),
			complaint("a", "bikes on the green", "2026-10-01", "2026-10-02", "bob", false),
		}, "not_met", "", 1},
		{"statutory is tried first", "demo-north", []Complaint{
			complaint("a", "bikes", "2026-10-01", "2026-10-01", "ann", true),
			complaint("b", "bikes", "2026-10-02", "2026-10-02", "bob", false),
			complaint("c", "bikes", "2026-10-03", "2026-10-03", "ann", false),
		}, "met", RouteStatutory, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateComplaints(tt.complaints, d(app)); err != nil {
				t.Fatal(err)
			}
			res := demoPolicy(tt.area).Check(tt.complaints, d(app))
			if res.Result != tt.result || res.Route != tt.route || res.QualifyingIncidents != tt.incidents {
				t.Fatalf("got %s/%s/%d, want %s/%s/%d: %s", res.Result, res.Route, res.QualifyingIncidents,
					tt.result, tt.route, tt.incidents, res.Explanation)
			}
			if res.Explanation == "" {
				t.Fatal("no explanation")
			}
		})
	}
}

func TestMultiComplainantRoute(t *testing.T) {
	p := CaseReviewPolicy{Area: "x", StatutoryN: 3, MultiM: 2, MultiK: 2}
	// Statutory N raised artificially high would be refused; here the
	// multi-complainant route is looser than statutory to test it alone.
	cs := []Complaint{
		complaint("a", "bikes", "2026-10-01", "2026-10-01", "ann", false),
		complaint("b", "bikes", "2026-10-05", "2026-10-05", "bob", false),
	}
	res := p.Check(cs, d("2026-11-01"))
	if res.Result != "met" || res.Route != RouteMultiComplainant {
		t.Fatalf("got %s/%s", res.Result, res.Route)
	}
	cs[1].Complainant = "Ann " // the same person, however written
	if res := p.Check(cs, d("2026-11-01")); res.Result != "not_met" {
		t.Fatalf("one person counted as two: %s/%s", res.Result, res.Route)
	}
}

func TestDiscretionaryRouteRefers(t *testing.T) {
	p := demoPolicy("demo-south")
	p.DiscretionaryRole = "case review coordinator"
	res := p.Check([]Complaint{complaint("a", "noise", "2026-11-01", "2026-11-02", "me", false)}, d("2026-11-21"))
	if res.Result != "refer" || res.Route != "" || !strings.Contains(res.Explanation, "case review coordinator") {
		t.Fatalf("got %+v", res)
	}
}

func TestPolicyValidation(t *testing.T) {
	p := demoPolicy("demo-north")
	if fe := p.Validate(); fe.Any() {
		t.Fatalf("demo policy refused: %v", fe)
	}
	p.StatutoryN = 4
	if fe := p.Validate(); !strings.Contains(fe["statutory_n"], "cannot be more than 3") {
		t.Fatalf("N = 4 accepted: %v", fe)
	}
	p.StatutoryN, p.MultiM, p.MultiK = 0, 5, 1
	fe := p.Validate()
	if fe["statutory_n"] == "" || fe["multi_k"] == "" {
		t.Fatalf("errors %v", fe)
	}
}

func TestValidateComplaints(t *testing.T) {
	app := d("2026-11-21")
	good := complaint("a", "p", "2026-11-01", "2026-11-02", "me", false)
	tests := []struct {
		name  string
		cs    []Complaint
		field string
	}{
		{"empty", nil, "complaints"},
		{"reported before it happened", []Complaint{good, complaint("b", "p", "2026-11-05", "2026-11-04", "me", false)}, "complaints[1].reported_on"},
		{"reported after the application", []Complaint{complaint("b", "p", "2026-11-05", "2026-11-22", "me", false)}, "complaints[0].reported_on"},
		{"unknown agency", []Complaint{{Incident: "a", Problem: "p", OccurredOn: d("2026-11-01"), ReportedOn: d("2026-11-01"), Agency: "army"}}, "complaints[0].agency"},
		{"no date", []Complaint{{Incident: "a", Problem: "p", ReportedOn: d("2026-11-01"), Agency: "police"}}, "complaints[0].occurred_on"},
		{"no problem", []Complaint{{Incident: "a", OccurredOn: d("2026-11-01"), ReportedOn: d("2026-11-01"), Agency: "police"}}, "complaints[0].problem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateComplaints(tt.cs, app)
			ce, ok := err.(CheckInputError)
			if !ok || ce.Field != tt.field {
				t.Fatalf("err = %v, want field %s", err, tt.field)
			}
		})
	}
	if err := ValidateComplaints([]Complaint{good}, app); err != nil {
		t.Fatal(err)
	}
}
