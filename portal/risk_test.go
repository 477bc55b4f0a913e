package portal

import (
	"strings"
	"testing"
	"time"
)

func TestAssessInitialRisk(t *testing.T) {
	tests := []struct {
		name string
		in   RiskAnswers
		want Risk
	}{
		{"nothing", RiskAnswers{Hate: "no"}, RiskLow},
		{"hate", RiskAnswers{Hate: "yes"}, RiskHigh},
		{"hate not sure", RiskAnswers{Hate: "not-sure"}, RiskMedium},
		{"unsafe at home", RiskAnswers{Hate: "no", UnsafeAtHome: true}, RiskHigh},
		{"health", RiskAnswers{Hate: "no", Health: true}, RiskMedium},
		{"children", RiskAnswers{Hate: "no", Children: true}, RiskMedium},
		{"stopped doing things", RiskAnswers{Hate: "no", StoppedThings: true}, RiskMedium},
		{"vulnerable", RiskAnswers{Hate: "no", Vulnerable: true}, RiskMedium},
		{"vulnerable with an impact", RiskAnswers{Hate: "no", Vulnerable: true, Health: true}, RiskHigh},
		{"happened before", RiskAnswers{Hate: "no", HappenedBefore: true}, RiskMedium},
		{"repeat victim raises low", RiskAnswers{Hate: "no", RepeatVictim: true}, RiskMedium},
		{"repeat victim raises medium", RiskAnswers{Hate: "no", HappenedBefore: true, RepeatVictim: true}, RiskHigh},
		{"repeat victim keeps high", RiskAnswers{Hate: "yes", RepeatVictim: true}, RiskHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AssessInitialRisk(tt.in)
			if got.Risk != tt.want {
				t.Fatalf("risk %s, want %s (%v)", got.Risk, tt.want, got.Reasons)
			}
			if len(got.Reasons) == 0 {
				t.Fatal("no reasons")
			}
			if tt.in.RepeatVictim && !strings.Contains(strings.Join(got.Reasons, " "), "Repeat victim") {
				t.Fatalf("reasons %v do not mention the repeat victim", got.Reasons)
			}
		})
	}
}

func TestRiskAnswersFromDraft(t *testing.T) {
	d := &ReportDraft{Hate: "not-sure", Impacts: []string{"unsafe-at-home", "children"}, Vulnerability: "  ", HappenedBefore: "yes"}
	got := RiskAnswersFromDraft(d, true)
	want := RiskAnswers{Hate: "not-sure", UnsafeAtHome: true, Children: true, HappenedBefore: true, RepeatVictim: true}
	if got != want {
		t.Fatalf("%+v, want %+v", got, want)
	}
}

func TestRiskLevels(t *testing.T) {
	if RiskLow.Raise() != RiskMedium || RiskMedium.Raise() != RiskHigh || RiskHigh.Raise() != RiskHigh {
		t.Fatal("Raise")
	}
	if !RiskHigh.Valid() || Risk("urgent").Valid() || Risk("").Valid() {
		t.Fatal("Valid")
	}
	if RiskHigh.Label() != "High" || RiskLow.Label() != "Low" {
		t.Fatal("Label")
	}
}

func TestTargets(t *testing.T) {
	def := DefaultTargets()
	if def.Days(RiskHigh) != 1 || def.Days(RiskMedium) != 2 || def.Days(RiskLow) != 5 {
		t.Fatalf("defaults %+v", def)
	}
	fri := time.Date(2026, 3, 13, 10, 0, 0, 0, london)
	if got := def.DueAt(fri, RiskHigh); !got.Equal(time.Date(2026, 3, 16, 10, 0, 0, 0, london)) {
		t.Fatalf("high due %s", got)
	}
	if got := def.DueAt(fri, RiskLow); !got.Equal(time.Date(2026, 3, 20, 10, 0, 0, 0, london)) {
		t.Fatalf("low due %s", got)
	}
	tests := []struct {
		in   string
		want Targets
		ok   bool
	}{
		{"", def, true},
		{"high=1,medium=2,low=5", def, true},
		{" HIGH = 2 , low=10", Targets{2, 2, 10}, true},
		{"medium=3", Targets{1, 3, 5}, true},
		{"high=0", def, false},
		{"high=31", def, false},
		{"urgent=1", def, false},
		{"high", def, false},
		{"high=one", def, false},
	}
	for _, tt := range tests {
		got, err := ParseTargets(tt.in, def)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseTargets(%q) = %+v, %v", tt.in, got, err)
		}
	}
	if !(Targets{}).IsZero() || def.IsZero() {
		t.Fatal("IsZero")
	}
}
