package portal

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReviewDatesFollowRisk(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	// 23:30 in London on 30 March is still the 30th, though it is the 31st
	// nowhere near; the review counts from the London date.
	from := time.Date(2026, 3, 30, 23, 30, 0, 0, london)
	tests := []struct {
		risk Risk
		days int
		want string
	}{
		{RiskHigh, 14, "2026-04-13"},
		{RiskMedium, 28, "2026-04-27"},
		{RiskLow, 56, "2026-05-25"},
		{Risk("unknown"), 28, "2026-04-27"},
	}
	for _, tt := range tests {
		t.Run(string(tt.risk), func(t *testing.T) {
			if got := tt.risk.ReviewEvery(); got != tt.days {
				t.Errorf("ReviewEvery = %d, want %d", got, tt.days)
			}
			got := tt.risk.NextReview(from)
			if got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || got.Hour() != 0 {
				t.Errorf("NextReview = %v, want %s at midnight UTC", got, tt.want)
			}
		})
	}
}

func TestCaseInputValidate(t *testing.T) {
	key := strings.Repeat("ab", 16)
	areas := []string{"north-riverside", "north-mill"}
	ok := CaseInput{IdempotencyKey: key, Title: "Noise at Mill Court", NeighbourhoodCode: "north-mill", Risk: "medium", Objective: "Stop it"}
	tests := []struct {
		name string
		edit func(*CaseInput)
		want []string
	}{
		{"valid", func(*CaseInput) {}, nil},
		{"empty", func(in *CaseInput) { *in = CaseInput{IdempotencyKey: key} }, []string{"neighbourhood", "objective", "risk", "title"}},
		{"out of scope", func(in *CaseInput) { in.NeighbourhoodCode = "south-heath" }, []string{"neighbourhood"}},
		{"bad risk", func(in *CaseInput) { in.Risk = "extreme" }, []string{"risk"}},
		{"long title", func(in *CaseInput) { in.Title = strings.Repeat("é", MaxCaseTitle+1) }, []string{"title"}},
		{"title at limit", func(in *CaseInput) { in.Title = strings.Repeat("é", MaxCaseTitle) }, nil},
		{"long objective", func(in *CaseInput) { in.Objective = strings.Repeat("a", MaxCaseText+1) }, []string{"objective"}},
		{"expired", func(in *CaseInput) { in.IdempotencyKey = "x" }, []string{"title"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			fe := in.Validate(areas)
			if got := fe.Fields(nil); !slices.Equal(got, tt.want) {
				t.Errorf("fields %v, want %v (%v)", got, tt.want, fe)
			}
		})
	}
}

func TestCaseReferences(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		ref := NewCaseReference()
		if !ValidCaseReference(ref) {
			t.Fatalf("%q is not a valid reference", ref)
		}
		if seen[ref] {
			t.Fatalf("%q drawn twice in 1000", ref)
		}
		seen[ref] = true
		if strings.ContainsAny(ref[5:], "01IO") {
			t.Fatalf("%q has an ambiguous character", ref)
		}
	}
	for _, bad := range []string{"", "ASB-7K3Q-9XPD", "CASE-7K3Q-9XP", "case-7k3q-9xpd", "CASE-7K3Q-9XPO", "CASE-7K3Q-9XPD "} {
		if ValidCaseReference(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDateParts(t *testing.T) {
	tests := []struct {
		in   DateParts
		want string // date or message
	}{
		{DateParts{"5", "3", "2026"}, "2026-03-05"},
		{DateParts{" 05 ", "03", "2026"}, "2026-03-05"},
		{DateParts{}, "Enter the date issued"},
		{DateParts{"", "3", "2026"}, "The date issued must include a day"},
		{DateParts{"5", "", "2026"}, "The date issued must include a month"},
		{DateParts{"5", "3", ""}, "The date issued must include a year"},
		{DateParts{"31", "2", "2026"}, "The date issued must be a real date"},
		{DateParts{"5", "13", "2026"}, "The date issued must be a real date"},
		{DateParts{"5", "3", "26"}, "The date issued must be a real date"},
		{DateParts{"x", "3", "2026"}, "The date issued must be a real date"},
	}
	for _, tt := range tests {
		d, msg := tt.in.Date("date issued")
		got := msg
		if msg == "" {
			got = d.Format(time.DateOnly)
		}
		if got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.in, got, tt.want)
		}
	}
	if p := PartsOf(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)); p != (DateParts{"5", "3", "2026"}) {
		t.Errorf("PartsOf = %+v", p)
	}
	if !PartsOf(time.Time{}).Empty() {
		t.Error("zero date gives boxes")
	}
}

func TestCaseReviewInputValidate(t *testing.T) {
	key := strings.Repeat("ab", 16)
	today := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   CaseReviewInput
		want []string
	}{
		{"valid", CaseReviewInput{key, "Good progress", DateParts{"2", "4", "2026"}}, nil},
		{"today", CaseReviewInput{key, "Notes", DateParts{"5", "3", "2026"}}, []string{"next-day"}},
		{"past", CaseReviewInput{key, "Notes", DateParts{"1", "3", "2026"}}, []string{"next-day"}},
		{"over a year", CaseReviewInput{key, "Notes", DateParts{"6", "3", "2027"}}, []string{"next-day"}},
		{"no notes", CaseReviewInput{key, " ", DateParts{"2", "4", "2026"}}, []string{"notes"}},
		{"no date", CaseReviewInput{key, "Notes", DateParts{}}, []string{"next-day"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, fe := tt.in.Validate(today)
			if got := fe.Fields(nil); !slices.Equal(got, tt.want) {
				t.Errorf("fields %v, want %v (%v)", got, tt.want, fe)
			}
			if tt.want == nil && next.Format(time.DateOnly) != "2026-04-02" {
				t.Errorf("next = %v", next)
			}
		})
	}
}

func TestSectionsAndClosing(t *testing.T) {
	for _, s := range []string{"objective", "analysis", "response"} {
		sec, ok := ParseCaseSection(s)
		if !ok || sec.Label() == s || sec.Hint() == "" {
			t.Errorf("section %q: %v %q %q", s, ok, sec.Label(), sec.Hint())
		}
	}
	for _, s := range []string{"", "assessment", "lessons", "objective;drop"} {
		if _, ok := ParseCaseSection(s); ok {
			t.Errorf("section %q accepted", s)
		}
	}
	if fe := ValidateSectionText(SectionObjective, " "); fe["text"] == "" {
		t.Error("the objective may be emptied")
	}
	if fe := ValidateSectionText(SectionAnalysis, ""); fe.Any() {
		t.Errorf("analysis may not be emptied: %v", fe)
	}
	if fe := (CaseCloseInput{}).Validate(); fe["assessment"] == "" {
		t.Error("closed without an assessment")
	}
	if fe := (CaseCloseInput{Assessment: "Mediation worked"}).Validate(); fe.Any() {
		t.Errorf("lessons required: %v", fe)
	}
}

func TestCaseNoteInputValidate(t *testing.T) {
	key := strings.Repeat("ab", 16)
	if fe := (CaseNoteInput{key, "Housing provider", "Tenancy warning issued"}).Validate(); fe.Any() {
		t.Errorf("valid note refused: %v", fe)
	}
	fe := (CaseNoteInput{"", "", ""}).Validate()
	if got := fe.Fields(nil); !slices.Equal(got, []string{"note-body", "note-source"}) {
		t.Errorf("fields %v", got)
	}
}

func TestCaseHeatmapSlots(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	reports := []CaseReport{
		// Friday 22:40 as the reporter said.
		{OccurredOn: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), OccurredTime: "22:40",
			CreatedAt: time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)},
		// No time given: when it was reported, in London (BST: 23:30 UTC is 00:30 Sunday).
		{OccurredOn: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
			CreatedAt: time.Date(2026, 6, 6, 23, 30, 0, 0, time.UTC)},
		{OccurredOn: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), OccurredTime: "22:05"},
	}
	h := CaseHeatmap(reports, london)
	if h.Count(time.Friday, 22) != 2 || h.Count(time.Sunday, 0) != 1 || h.Total() != 3 {
		t.Fatalf("heatmap %v", h.Counts)
	}
}
