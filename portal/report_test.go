package portal

import (
	"strings"
	"testing"
	"time"
)

var today = time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC)

func TestValidateWhen(t *testing.T) {
	tests := []struct {
		name  string
		d     ReportDraft
		field string // "" for valid
		msg   string
	}{
		{"valid", ReportDraft{Day: "20", Month: "11", Year: "2026", HappenedBefore: "no"}, "", ""},
		{"today", ReportDraft{Day: "21", Month: "11", Year: "2026", HappenedBefore: "no"}, "", ""},
		{"with time", ReportDraft{Day: "1", Month: "1", Year: "2026", Time: "9.30", HappenedBefore: "no"}, "", ""},
		{"empty", ReportDraft{HappenedBefore: "no"}, "when-day", "Enter the date it happened"},
		{"no month", ReportDraft{Day: "1", Year: "2026", HappenedBefore: "no"}, "when-day", "The date must include a month"},
		{"not real", ReportDraft{Day: "31", Month: "2", Year: "2026", HappenedBefore: "no"}, "when-day", "The date must be a real date"},
		{"words", ReportDraft{Day: "one", Month: "2", Year: "2026", HappenedBefore: "no"}, "when-day", "The date must be a real date"},
		{"two-digit year", ReportDraft{Day: "1", Month: "2", Year: "26", HappenedBefore: "no"}, "when-day", "The date must be a real date"},
		{"future", ReportDraft{Day: "22", Month: "11", Year: "2026", HappenedBefore: "no"}, "when-day", "The date must be today or in the past"},
		{"too old", ReportDraft{Day: "20", Month: "11", Year: "2024", HappenedBefore: "no"}, "when-day", "The date must be within the last 2 years"},
		{"bad time", ReportDraft{Day: "1", Month: "1", Year: "2026", Time: "25:00", HappenedBefore: "no"}, "time", "Enter a time like 21:30, or leave it blank"},
		{"before unanswered", ReportDraft{Day: "1", Month: "1", Year: "2026"}, "happened-before", "Select yes if this has happened before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.d.ValidateWhen(today)
			if tt.field == "" {
				if fe.Any() {
					t.Fatalf("unexpected errors %v", fe)
				}
				return
			}
			if fe[tt.field] != tt.msg {
				t.Fatalf("errors %v, want %s: %q", fe, tt.field, tt.msg)
			}
		})
	}
}

func TestOccurredOnAndTime(t *testing.T) {
	d := ReportDraft{Day: "5", Month: "3", Year: "2026", Time: "7:05"}
	if got := d.OccurredOn(today); !got.Equal(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("OccurredOn = %v", got)
	}
	if got := d.OccurredTime(); got != "07:05" {
		t.Fatalf("OccurredTime = %q", got)
	}
}

func TestValidateAboutYou(t *testing.T) {
	tests := []struct {
		name   string
		d      ReportDraft
		fields []string
	}{
		{"anonymous needs nothing", ReportDraft{Anonymous: "yes"}, nil},
		{"unanswered", ReportDraft{}, []string{"anonymous"}},
		{"named by email", ReportDraft{Anonymous: "no", Name: "Sam", Email: "sam@example.org", ContactPreference: "email", SafeToLeave: "yes"}, nil},
		{"named by phone", ReportDraft{Anonymous: "no", Name: "Sam", Phone: "07700 900982", ContactPreference: "phone", SafeToLeave: "no"}, nil},
		{"phone chosen but missing", ReportDraft{Anonymous: "no", Name: "Sam", Email: "sam@example.org", ContactPreference: "phone", SafeToLeave: "no"}, []string{"phone"}},
		{"everything missing", ReportDraft{Anonymous: "no"}, []string{"name", "contact-preference", "safe-to-leave"}},
		{"bad email", ReportDraft{Anonymous: "no", Name: "Sam", Email: "sam@", ContactPreference: "email", SafeToLeave: "yes"}, []string{"email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.d.ValidateAboutYou()
			if len(fe) != len(tt.fields) {
				t.Fatalf("errors %v, want fields %v", fe, tt.fields)
			}
			for _, f := range tt.fields {
				if fe[f] == "" {
					t.Fatalf("no error for %s: %v", f, fe)
				}
			}
		})
	}
}

func TestValidateOtherSteps(t *testing.T) {
	cats := []Category{{Code: "noise"}}
	if fe := (&ReportDraft{CategoryCode: "noise"}).ValidateCategory(cats); fe.Any() {
		t.Fatal(fe)
	}
	if fe := (&ReportDraft{CategoryCode: "nope"}).ValidateCategory(cats); fe["category"] == "" {
		t.Fatal("unknown category accepted")
	}
	if fe := (&ReportDraft{Safety: "maybe"}).ValidateSafety(); fe["safety"] == "" {
		t.Fatal("bad safety answer accepted")
	}
	if fe := (&ReportDraft{Description: strings.Repeat("x", MaxDescription)}).ValidateDetails(); fe.Any() {
		t.Fatal("description at the limit refused")
	}
	if fe := (&ReportDraft{Description: strings.Repeat("x", MaxDescription+1)}).ValidateDetails(); fe["description"] != "What happened must be 5,000 characters or fewer" {
		t.Fatalf("long description: %v", fe)
	}
	if fe := (&ReportDraft{Description: "  "}).ValidateDetails(); fe["description"] == "" {
		t.Fatal("blank description accepted")
	}
	if fe := (&ReportDraft{Hate: "yes"}).ValidateImpact(); fe["hate-reasons"] == "" {
		t.Fatal("hate without reasons accepted")
	}
	if fe := (&ReportDraft{Hate: "no", Impacts: []string{"health", "children"}}).ValidateImpact(); fe.Any() {
		t.Fatal(fe)
	}
	if fe := (&ReportDraft{Hate: "no", Impacts: []string{"bogus"}}).ValidateImpact(); fe["impacts"] == "" {
		t.Fatal("bogus impact accepted")
	}
	if fe := (&ReportDraft{Postcode: "not a postcode"}).ValidateWhere(false); fe["postcode"] == "" {
		t.Fatal("bad postcode accepted")
	}
	if fe := (&ReportDraft{}).ValidateWhere(true); fe["place"] == "" || fe["neighbourhood"] == "" {
		t.Fatalf("describe-the-place without answers: %v", fe)
	}
}

func TestDraftSteps(t *testing.T) {
	d := &ReportDraft{}
	if d.Missing() != "safety" {
		t.Fatal(d.Missing())
	}
	for _, s := range ReportSteps {
		d.Complete(s)
		d.Complete(s)
	}
	if d.Missing() != "" || len(d.Completed) != len(ReportSteps) {
		t.Fatalf("Missing %q, Completed %v", d.Missing(), d.Completed)
	}
}

func TestReferences(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		r := NewReference()
		if _, ok := NormaliseReference(r); !ok {
			t.Fatalf("NewReference made %q, which does not normalise", r)
		}
		if seen[r] {
			t.Fatalf("duplicate reference %s", r)
		}
		seen[r] = true
	}
	for in, want := range map[string]string{
		"asb-7k3q-9xpd":  "ASB-7K3Q-9XPD",
		" ASB 7K3Q 9XPD": "ASB-7K3Q-9XPD",
		"7k3q9xpd":       "ASB-7K3Q-9XPD",
		"ASB-7K3Q-9XP0":  "", // 0 is not in the alphabet
		"ASB-7K3Q":       "",
	} {
		got, ok := NormaliseReference(in)
		if (want == "") == ok || (ok && got != want) {
			t.Errorf("NormaliseReference(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
