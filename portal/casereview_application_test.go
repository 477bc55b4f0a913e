package portal

import (
	"strings"
	"testing"
	"time"
)

func TestApplicationReferences(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		r := NewApplicationReference()
		if got, ok := NormaliseApplicationReference(r); !ok || got != r {
			t.Fatalf("NewApplicationReference made %q, which normalises to %q, %v", r, got, ok)
		}
		if seen[r] {
			t.Fatalf("duplicate reference %s", r)
		}
		seen[r] = true
	}
	for in, want := range map[string]string{
		"cr-7k3q-9xpd":  "CR-7K3Q-9XPD",
		" CR 7K3Q 9XPD": "CR-7K3Q-9XPD",
		"7k3q9xpd":      "CR-7K3Q-9XPD",
		"CRAB-CDEF":     "CR-CRAB-CDEF", // a code that starts with CR, typed without the prefix
		"CR-7K3Q-9XP0":  "",             // 0 is not in the alphabet
		"ASB-7K3Q-9XPD": "",
		"CR-7K3Q":       "",
	} {
		got, ok := NormaliseApplicationReference(in)
		if (want == "") == ok || (ok && got != want) {
			t.Errorf("NormaliseApplicationReference(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func crParts(s string) DateParts {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return PartsOf(t)
}

func TestIncidentValidation(t *testing.T) {
	today := time.Date(2026, 11, 21, 15, 0, 0, 0, london)
	tests := []struct {
		name  string
		inc   CheckerIncident
		check func(*CheckerIncident) FieldErrors
		field string // "" = valid
		want  string
	}{
		{"when: empty", CheckerIncident{}, crWhenCheck(today), "occurred-day", "Enter the date it happened"},
		{"when: no month", CheckerIncident{Occurred: DateParts{"3", "", "2026"}}, crWhenCheck(today), "occurred-day", "must include a month"},
		{"when: not real", CheckerIncident{Occurred: DateParts{"31", "2", "2026"}}, crWhenCheck(today), "occurred-day", "real date"},
		{"when: tomorrow", CheckerIncident{Occurred: crParts("2026-11-22")}, crWhenCheck(today), "occurred-day", "today or in the past"},
		{"when: today", CheckerIncident{Occurred: crParts("2026-11-21")}, crWhenCheck(today), "", ""},
		{"when: after the report", CheckerIncident{Occurred: crParts("2026-11-10"), Reported: crParts("2026-11-05"),
			Completed: []string{"when", "reported"}}, crWhenCheck(today), "occurred-day", "before the date you reported it (5 November 2026)"},
		{"reported: nothing", CheckerIncident{Occurred: crParts("2026-11-01")}, crReportedCheck(today), "agency", "Select who you reported it to"},
		{"reported: no date", CheckerIncident{Occurred: crParts("2026-11-01"), Agency: "council"}, crReportedCheck(today), "reported-day", "Enter the date you reported it"},
		{"reported: before it happened", CheckerIncident{Occurred: crParts("2026-11-01"), Reported: crParts("2026-10-31"), Agency: "council"},
			crReportedCheck(today), "reported-day", "after the date it happened (1 November 2026)"},
		{"reported: future", CheckerIncident{Occurred: crParts("2026-11-01"), Reported: crParts("2026-11-22"), Agency: "police"},
			crReportedCheck(today), "reported-day", "today or in the past"},
		{"reported: unknown agency", CheckerIncident{Occurred: crParts("2026-11-01"), Reported: crParts("2026-11-02"), Agency: "mi5"},
			crReportedCheck(today), "agency", "Select who"},
		{"reported: long reference", CheckerIncident{Occurred: crParts("2026-11-01"), Reported: crParts("2026-11-02"), Agency: "housing",
			AgencyRef: string(make([]byte, 61))}, crReportedCheck(today), "agency-ref", "60 characters or fewer"},
		{"reported: same day", CheckerIncident{Occurred: crParts("2026-11-01"), Reported: crParts("2026-11-01"), Agency: "housing", AgencyRef: "HX-1"},
			crReportedCheck(today), "", ""},
		{"hate: empty", CheckerIncident{}, (*CheckerIncident).ValidateHate, "hate", "Select yes"},
		{"hate: not sure", CheckerIncident{Hate: "not-sure"}, (*CheckerIncident).ValidateHate, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.check(&tt.inc)
			if tt.field == "" {
				if fe.Any() {
					t.Fatalf("unexpected errors %v", fe)
				}
				return
			}
			if got := fe[tt.field]; !strings.Contains(got, tt.want) {
				t.Fatalf("errors %v; want %s: %q", fe, tt.field, tt.want)
			}
		})
	}
}

func crWhenCheck(today time.Time) func(*CheckerIncident) FieldErrors {
	return func(i *CheckerIncident) FieldErrors { return i.ValidateWhen(today) }
}

func crReportedCheck(today time.Time) func(*CheckerIncident) FieldErrors {
	return func(i *CheckerIncident) FieldErrors { return i.ValidateReported(today) }
}

func crFinished(occurred, reported, agency, problem, hate string) CheckerIncident {
	return CheckerIncident{Occurred: crParts(occurred), Reported: crParts(reported), Agency: agency, Problem: problem,
		Hate: hate, Completed: IncidentSteps}
}

func TestDraftIncidents(t *testing.T) {
	d := &CaseReviewDraft{}
	a := d.AddIncident()
	*a = crFinished("2026-11-01", "2026-11-02", "police", "Noise at no. 4", "no")
	a.ID = 1
	b := d.AddIncident()
	b.Occurred, b.Completed = crParts("2026-11-03"), []string{"when"}
	if d.Unfinished() == nil || d.Unfinished().ID != b.ID || b.Missing() != "reported" {
		t.Fatalf("unfinished = %+v", d.Unfinished())
	}
	if got := d.Complaints(); len(got) != 1 || got[0].Incident != "incident-1" || got[0].Agency != "police" ||
		!got[0].ReportedOn.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("complaints = %+v", got)
	}
	*b = crFinished("2026-11-03", "2026-11-03", "council", "noise at  No. 4", "yes")
	b.ID = 2
	if got := d.Problems(); len(got) != 1 || got[0] != "Noise at no. 4" {
		t.Fatalf("problems = %q (spacing and capitals must not make a new problem)", got)
	}
	if got := d.SameProblem(" NOISE AT NO. 4 "); got != "Noise at no. 4" {
		t.Fatalf("SameProblem = %q", got)
	}
	if got := d.SameProblem("Bins on fire"); got != "Bins on fire" {
		t.Fatalf("SameProblem = %q", got)
	}
	if !d.Complaints()[1].Hate {
		t.Fatal("hate answer lost")
	}
	d.RemoveIncident(1)
	if len(d.Incidents) != 1 || d.Incident(1) != nil || d.Incident(2) == nil {
		t.Fatalf("after remove: %+v", d.Incidents)
	}
	if c := d.AddIncident(); c.ID != 3 {
		t.Fatalf("IDs must not be reused: got %d", c.ID)
	}
	for len(d.Incidents) < MaxCheckerIncidents {
		d.AddIncident()
	}
	if d.AddIncident() != nil {
		t.Fatal("more incidents than allowed")
	}
}

func TestChooseProblem(t *testing.T) {
	d := &CaseReviewDraft{}
	i := d.AddIncident()
	if fe := d.ChooseProblem(i, "", ""); fe["problem-name"] == "" {
		t.Fatalf("first problem without a name: %v", fe)
	}
	if fe := d.ChooseProblem(i, "", string(make([]rune, MaxProblemName+1))); !strings.Contains(fe["problem-name"], "80 characters") {
		t.Fatalf("long name: %v", fe)
	}
	if fe := d.ChooseProblem(i, "", " Noise at no. 4 "); fe.Any() || i.Problem != "Noise at no. 4" {
		t.Fatalf("first problem: %v %q", fe, i.Problem)
	}
	j := d.AddIncident()
	for _, tt := range []struct {
		choice, name, field, want string
	}{
		{"", "", "problem", ""},
		{"Made up", "", "problem", ""},
		{"new", "", "problem-name", ""},
		{"Noise at no. 4", "", "", "Noise at no. 4"},
		{"new", "NOISE AT NO. 4", "", "Noise at no. 4"},
		{"new", "Bins set on fire", "", "Bins set on fire"},
	} {
		j.Problem = ""
		fe := d.ChooseProblem(j, tt.choice, tt.name)
		if (tt.field == "") == fe.Any() || (tt.field != "" && fe[tt.field] == "") || (tt.field == "" && j.Problem != tt.want) {
			t.Errorf("ChooseProblem(%q, %q) = %v, problem %q", tt.choice, tt.name, fe, j.Problem)
		}
	}
}

func TestStartFromProblemAndEvidence(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	// 23:30 on 1 November London time (GMT) is still 1 November; 23:30 UTC
	// on 1 July is 00:30 on 2 July in London (BST).
	p := ResidentProblem{ProblemID: 9, Category: "Noise", Neighbourhood: "Riverside", Area: "demo-north", AreaName: "North",
		Reports: []ResidentProblemReport{
			{ID: 1, Reference: "ASB-AAAA-2222", OccurredOn: day("2026-07-01"), CreatedAt: time.Date(2026, 7, 1, 23, 30, 0, 0, time.UTC), Hate: "no"},
			{ID: 2, Reference: "ASB-AAAA-3333", OccurredOn: day("2026-11-01"), CreatedAt: time.Date(2026, 11, 1, 23, 30, 0, 0, time.UTC), Hate: "not-sure"},
			{ID: 3, Reference: "ASB-AAAA-4444", OccurredOn: day("2026-11-10"), CreatedAt: time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC), Hate: "yes"},
		}}
	d := &CaseReviewDraft{Postcode: "DM11AB"}
	d.StartFromProblem(p)
	if d.Area != "demo-north" || d.Postcode != "" || !d.FromReports || len(d.Incidents) != 3 || d.Unfinished() != nil {
		t.Fatalf("draft = %+v", d)
	}
	first := d.Incidents[0]
	if first.Reported != (DateParts{"2", "7", "2026"}) || first.Agency != "police" || first.ReportRef != "ASB-AAAA-2222" ||
		first.AgencyRef != "ASB-AAAA-2222" || first.Problem != "Noise in Riverside" {
		t.Fatalf("first incident = %+v", first)
	}
	if d.Incidents[1].Reported != (DateParts{"1", "11", "2026"}) || d.Incidents[1].Hate != "not-sure" {
		t.Fatalf("second incident = %+v", d.Incidents[1])
	}
	cs := d.Complaints()
	if cs[0].Incident != "ASB-AAAA-2222" || !cs[2].Hate || cs[1].Hate {
		t.Fatalf("complaints = %+v", cs)
	}

	north, south := DemoPolicies()[0], DemoPolicies()[1]
	today := time.Date(2026, 11, 21, 10, 0, 0, 0, london)
	ev := CaseReviewEvidence{Policy: south, HasPolicy: true, Recipient: "sam@example.org", Problem: p}
	// South needs 2. The July report is still in time (six months beginning
	// with 2 July end on 1 January 2027): 3 qualifying complaints.
	if !ev.ShouldNotify(today) {
		t.Fatal("south: 3 qualifying reports should notify")
	}
	p2 := p
	p2.Reports = p.Reports[1:2]
	ev2 := CaseReviewEvidence{Policy: north, HasPolicy: true, Recipient: "sam@example.org", Problem: p2}
	if ev2.ShouldNotify(today) {
		t.Fatal("north: one report without hate must not notify")
	}
	ev2.Problem.Reports = append(ev2.Problem.Reports, p.Reports[2])
	if !ev2.ShouldNotify(today) {
		t.Fatal("north: a hate report meets the hate route")
	}
	for name, e := range map[string]CaseReviewEvidence{
		"already told": {Policy: south, HasPolicy: true, Recipient: "sam@example.org", Notified: true, Problem: p},
		"no policy":    {Recipient: "sam@example.org", Problem: p},
		"no email":     {Policy: south, HasPolicy: true, Problem: p},
		"no reports":   {Policy: south, HasPolicy: true, Recipient: "sam@example.org"},
	} {
		if e.ShouldNotify(today) {
			t.Errorf("%s: notified", name)
		}
	}
}

func TestApplicationValidation(t *testing.T) {
	tests := []struct {
		name  string
		d     CaseReviewDraft
		check func(*CaseReviewDraft) FieldErrors
		want  map[string]string
	}{
		{"who: nothing", CaseReviewDraft{}, (*CaseReviewDraft).ValidateWho, map[string]string{"for-whom": "Select who"}},
		{"who: self", CaseReviewDraft{ForWhom: "self"}, (*CaseReviewDraft).ValidateWho, nil},
		{"who: other without consent", CaseReviewDraft{ForWhom: "other"}, (*CaseReviewDraft).ValidateWho,
			map[string]string{"relationship": "Enter how you know", "consent": "if they have agreed"}},
		{"who: other with consent", CaseReviewDraft{ForWhom: "other", Relationship: "Her carer", Consent: true}, (*CaseReviewDraft).ValidateWho, nil},
		{"victim: nothing", CaseReviewDraft{}, (*CaseReviewDraft).ValidateVictim,
			map[string]string{"victim-kind": "Select whether", "victim-name": "Enter the name"}},
		{"victim: group", CaseReviewDraft{VictimKind: "community_group", VictimName: "Elm Court Residents"}, (*CaseReviewDraft).ValidateVictim, nil},
		{"contact: nothing", CaseReviewDraft{}, (*CaseReviewDraft).ValidateContact,
			map[string]string{"name": "Enter your name", "email": "Enter an email address or a telephone number"}},
		{"contact: bad email and phone", CaseReviewDraft{Name: "Sam", Email: "sam@", Phone: "call me"}, (*CaseReviewDraft).ValidateContact,
			map[string]string{"email": "correct format", "phone": "Enter a telephone number"}},
		{"contact: phone only", CaseReviewDraft{Name: "Sam", Phone: "01632 960 001"}, (*CaseReviewDraft).ValidateContact, nil},
		{"summary: empty", CaseReviewDraft{}, (*CaseReviewDraft).ValidateSummary, map[string]string{"summary": "Describe the problem"}},
		{"summary: long", CaseReviewDraft{Summary: string(make([]rune, MaxApplicationSummary+1))}, (*CaseReviewDraft).ValidateSummary,
			map[string]string{"summary": "3,000 characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.check(&tt.d)
			if len(fe) != len(tt.want) {
				t.Fatalf("errors %v; want %v", fe, tt.want)
			}
			for f, w := range tt.want {
				if !strings.Contains(fe[f], w) {
					t.Errorf("%s: %q lacks %q", f, fe[f], w)
				}
			}
		})
	}
	d := &CaseReviewDraft{}
	for _, s := range ApplicationSteps {
		if d.MissingStep() != s {
			t.Fatalf("missing = %q, want %q", d.MissingStep(), s)
		}
		d.CompleteStep(s)
	}
	if d.MissingStep() != "" {
		t.Fatal("all steps answered, yet one is missing")
	}
}
