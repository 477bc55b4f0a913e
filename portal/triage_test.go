package portal

import (
	"strings"
	"testing"
	"time"
)

func TestRiskReviewLevels(t *testing.T) {
	tests := []struct {
		name string
		q    RiskReview
		want Risk
	}{
		{"nothing", RiskReview{}, RiskLow},
		{"health alone", RiskReview{Health: true}, RiskMedium},
		{"vulnerable alone", RiskReview{Vulnerable: true}, RiskMedium},
		{"repeat victim alone", RiskReview{RepeatVictim: true}, RiskMedium},
		{"vulnerable and health", RiskReview{Vulnerable: true, Health: true}, RiskHigh},
		{"hate", RiskReview{Hate: true}, RiskHigh},
		{"unsafe at home", RiskReview{Home: true}, RiskHigh},
		{"repeat victim raises medium", RiskReview{RepeatVictim: true, Health: true}, RiskHigh},
		{"high stays high", RiskReview{RepeatVictim: true, Hate: true}, RiskHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.Computed(); got != tt.want {
				t.Fatalf("Computed() = %s, want %s", got, tt.want)
			}
			if got := tt.q.Final(); got != tt.want {
				t.Fatalf("Final() without override = %s, want %s", got, tt.want)
			}
		})
	}
	q := RiskReview{Hate: true, Override: RiskMedium}
	if q.Computed() != RiskHigh || q.Final() != RiskMedium {
		t.Fatalf("override: computed %s, final %s", q.Computed(), q.Final())
	}
}

const triageTestKey = "0123456789abcdef0123456789abcdef"

func triageRiskInput(answers string, override, reason string) RiskReviewInput {
	in := RiskReviewInput{Key: triageTestKey, Answers: map[string]string{}, Override: override, Reason: reason}
	for i, f := range []string{"repeat", "vulnerable", "health", "home", "hate"} {
		switch answers[i] {
		case 'y':
			in.Answers[f] = "yes"
		case 'n':
			in.Answers[f] = "no"
		}
	}
	return in
}

func TestRiskReviewInputValidate(t *testing.T) {
	tests := []struct {
		name       string
		in         RiskReviewInput
		wantFields []string
		want       Risk
		overridden bool
	}{
		{"all answered, no override", triageRiskInput("nnynn", "", ""), nil, RiskMedium, false},
		{"missing answers", triageRiskInput("n-y-n", "", ""), []string{"vulnerable", "home"}, "", false},
		{"override needs a reason", triageRiskInput("nnnnn", "high", " "), []string{"reason"}, "", false},
		{"override with reason", triageRiskInput("nnnnn", "high", "Threats of violence were made"), nil, RiskHigh, true},
		{"override equal to computed is none", triageRiskInput("nnnny", "high", ""), nil, RiskHigh, false},
		{"unknown override", triageRiskInput("nnnnn", "extreme", ""), []string{"override"}, "", false},
		{"missing answers and override without reason", triageRiskInput("-nnnn", "low", ""), []string{"repeat", "reason"}, "", false},
		{"reason too long", triageRiskInput("nnnnn", "high", strings.Repeat("a", MaxRiskReason+1)), []string{"reason"}, "", false},
		{"expired form", RiskReviewInput{Key: "x", Answers: triageRiskInput("nnnnn", "", "").Answers}, []string{"repeat"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.in.Validate()
			if len(fe) != len(tt.wantFields) {
				t.Fatalf("errors %v, want fields %v", fe, tt.wantFields)
			}
			for _, f := range tt.wantFields {
				if fe[f] == "" {
					t.Fatalf("no error on %s: %v", f, fe)
				}
			}
			if fe.Any() {
				return
			}
			q := tt.in.Review()
			if q.Final() != tt.want || (q.Override != "") != tt.overridden {
				t.Fatalf("review %+v: final %s, want %s (overridden %v)", q, q.Final(), tt.want, tt.overridden)
			}
			if !tt.overridden && q.Reason != "" {
				t.Fatal("a reason was kept without an override")
			}
		})
	}
}

func TestRiskReviewInputFrom(t *testing.T) {
	r := StaffReport{Vulnerability: "I use a wheelchair", HealthAffected: true, Hate: "not-sure"}
	in := RiskReviewInputFrom(r, true)
	want := map[string]string{"repeat": "yes", "vulnerable": "yes", "health": "yes", "home": "no", "hate": "no"}
	for k, v := range want {
		if in.Answers[k] != v {
			t.Fatalf("from the reporter's answers: %s = %q, want %q", k, in.Answers[k], v)
		}
	}
	r.RiskAssessedAt = time.Now()
	r.RiskReview = RiskReview{Home: true, Override: RiskLow, Reason: "Moved away"}
	in = RiskReviewInputFrom(r, true)
	if in.Answers["home"] != "yes" || in.Answers["repeat"] != "no" || in.Override != "low" || in.Reason != "Moved away" {
		t.Fatalf("from the stored review: %+v", in)
	}
}

func TestCloseInputValidate(t *testing.T) {
	for _, o := range CloseOutcomes {
		if fe := (CloseInput{Key: triageTestKey, Outcome: string(o)}).Validate(); fe.Any() {
			t.Errorf("%s: %v", o, fe)
		}
		if o.Label() == string(o) || !strings.HasPrefix(o.PublicText(), "Your report is closed") {
			t.Errorf("%s has no label or public text", o)
		}
	}
	tests := []struct {
		name string
		in   CloseInput
		want []string
	}{
		{"no outcome", CloseInput{Key: triageTestKey}, []string{"outcome"}},
		{"made up", CloseInput{Key: triageTestKey, Outcome: "arrested"}, []string{"outcome"}},
		{"duplicate is marked, not closed", CloseInput{Key: triageTestKey, Outcome: string(OutcomeDuplicate)}, []string{"outcome"}},
		{"long message", CloseInput{Key: triageTestKey, Outcome: "resolved", Message: strings.Repeat("é", MaxReply+1)}, []string{"message"}},
		{"expired", CloseInput{Outcome: "resolved"}, []string{"outcome"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.in.Validate()
			if len(fe) != len(tt.want) {
				t.Fatalf("errors %v, want %v", fe, tt.want)
			}
			for _, f := range tt.want {
				if fe[f] == "" {
					t.Fatalf("no error on %s: %v", f, fe)
				}
			}
		})
	}
	if strings.Contains(OutcomeDuplicate.PublicText(), "ASB-") {
		t.Fatal("the duplicate text must not name another report")
	}
}

func TestTriageInputs(t *testing.T) {
	staff := []Assignee{{ID: 7, Name: "Tom"}}
	if id, fe := (AssignInput{Key: triageTestKey, Assignee: "7"}).Validate(staff); fe.Any() || id != 7 {
		t.Fatalf("assign 7: %d %v", id, fe)
	}
	if id, fe := (AssignInput{Key: triageTestKey, Assignee: "none"}).Validate(staff); fe.Any() || id != 0 {
		t.Fatalf("unassign: %d %v", id, fe)
	}
	if _, fe := (AssignInput{Key: triageTestKey, Assignee: "8"}).Validate(staff); fe["assignee"] == "" {
		t.Fatal("someone outside the neighbourhood was accepted")
	}
	cats := []Category{{Code: "noise"}, {Code: "graffiti"}}
	if fe := (RecategoriseInput{Key: triageTestKey, Category: "noise"}).Validate(cats, "noise"); fe["category"] == "" {
		t.Fatal("the same category was accepted")
	}
	if fe := (RecategoriseInput{Key: triageTestKey, Category: "graffiti"}).Validate(cats, "noise"); fe.Any() {
		t.Fatal(fe)
	}
	if fe := (NoteInput{Key: triageTestKey, Body: " \n "}).Validate(); fe["note"] == "" {
		t.Fatal("an empty note was accepted")
	}
	if fe := (ReplyInput{Key: triageTestKey, Body: strings.Repeat("a", MaxReply+1)}).Validate(); fe["body"] == "" {
		t.Fatal("an over-long reply was accepted")
	}
	for in, want := range map[string]string{"asb 7k3q 9xpd": "", "": "reference", "nonsense": "reference", "ASB-2222-3333": "reference"} {
		ref, fe := (DuplicateInput{Key: triageTestKey, Reference: in}).Validate("ASB-2222-3333")
		if want == "" && (fe.Any() || ref != "ASB-7K3Q-9XPD") {
			t.Fatalf("%q: %q %v", in, ref, fe)
		}
		if want != "" && fe[want] == "" {
			t.Fatalf("%q was accepted", in)
		}
	}
	cases := []CaseLink{{Reference: "CASE-2345-6789"}}
	if fe := (CaseLinkInput{Key: triageTestKey, Case: "CASE-2345-6789"}).Validate(cases); fe.Any() {
		t.Fatal(fe)
	}
	if fe := (CaseLinkInput{Key: triageTestKey, Case: "CASE-9999-9999"}).Validate(cases); fe["case"] == "" {
		t.Fatal("a case not offered was accepted")
	}
}

func TestReplyTemplateFill(t *testing.T) {
	tpl := ReplyTemplate{Body: "Report ((reference)) in ((neighbourhood)) about ((category)). <b>((unknown))</b>"}
	got := tpl.Fill(StaffReport{Reference: "ASB-7K3Q-9XPD", NeighbourhoodName: "Riverside", CategoryName: "Noise"})
	if got != "Report ASB-7K3Q-9XPD in Riverside about Noise. <b>((unknown))</b>" {
		t.Fatalf("Fill = %q", got)
	}
}

func TestStaffReportHelpers(t *testing.T) {
	r := StaffReport{Status: StatusNew, DueAt: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), UnsafeAtHome: true, ChildrenAffected: true,
		Hate: "yes", HateReasons: []string{"race", "religion"}}
	if !r.Overdue(r.DueAt.Add(time.Minute)) || r.Overdue(r.DueAt.Add(-time.Minute)) {
		t.Fatal("Overdue wrong")
	}
	if got := r.Impacts(); len(got) != 2 || got[0] != "I feel unsafe in my home" {
		t.Fatalf("Impacts = %v", got)
	}
	if got := r.HateLabel(); got != "Yes: Race or ethnicity, Religion or belief" {
		t.Fatalf("HateLabel = %q", got)
	}
	if r.Where() != "Not given" {
		t.Fatalf("Where = %q", r.Where())
	}
	if StatusNew.AfterTriage() != StatusOpen || StatusAwaitingInformation.AfterTriage() != StatusAwaitingInformation ||
		StatusClosed.AfterTriage() != StatusClosed {
		t.Fatal("AfterTriage wrong")
	}
	if (StaffReport{Anonymous: true, Email: "a@b.example"}).CanEmail() || !(StaffReport{Email: "a@b.example"}).CanEmail() {
		t.Fatal("CanEmail wrong")
	}
}
