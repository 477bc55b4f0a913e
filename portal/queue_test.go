package portal

import (
	"strings"
	"testing"
	"time"
)

func TestQueueFilterValidate(t *testing.T) {
	areas := []string{"north-riverside", "north-mill"}
	cats := []string{"noise", "graffiti"}
	tests := []struct {
		name   string
		f      QueueFilter
		errors []string
	}{
		{"empty", QueueFilter{}, nil},
		{"all set", QueueFilter{Neighbourhood: "north-mill", Category: "noise", Status: "awaiting-information", Risk: "high"}, nil},
		{"out of scope", QueueFilter{Neighbourhood: "south-heath"}, []string{"neighbourhood"}},
		{"unknown category", QueueFilter{Category: "parking"}, []string{"category"}},
		{"closed is not in the queue", QueueFilter{Status: "closed"}, []string{"status"}},
		{"bad risk", QueueFilter{Risk: "urgent"}, []string{"risk"}},
		{"everything wrong", QueueFilter{Neighbourhood: "x", Category: "y", Status: "z", Risk: "w"},
			[]string{"neighbourhood", "category", "status", "risk"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.f.Validate(areas, cats)
			if len(fe) != len(tt.errors) {
				t.Fatalf("errors %v, want %v", fe, tt.errors)
			}
			for _, f := range tt.errors {
				if fe[f] == "" {
					t.Fatalf("no error for %s: %v", f, fe)
				}
			}
		})
	}
	if got := (QueueFilter{}).Statuses(); len(got) != 2 || got[0] != StatusNew || got[1] != StatusOpen {
		t.Fatalf("default statuses %v", got)
	}
	if got := (QueueFilter{Status: "any"}).Statuses(); len(got) != 3 || (QueueFilter{Status: "any"}).Validate(nil, nil).Any() {
		t.Fatalf("any statuses %v", got)
	}
	if got := (QueueFilter{Status: "open"}).Statuses(); len(got) != 1 || got[0] != StatusOpen {
		t.Fatalf("statuses %v", got)
	}
}

func TestParsePage(t *testing.T) {
	for in, want := range map[string]int{"": 1, "1": 1, "7": 7, "0": 1, "-3": 1, "x": 1, "99999999999": 1} {
		if got := ParsePage(in); got != want {
			t.Errorf("ParsePage(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestAgeAndDue(t *testing.T) {
	now := time.Date(2026, 3, 16, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		10 * time.Second: "less than a minute", time.Minute: "1 minute", 59 * time.Minute: "59 minutes",
		time.Hour: "1 hour", 23 * time.Hour: "23 hours", 24 * time.Hour: "1 day", 80 * time.Hour: "3 days",
	} {
		if got := Age(now.Add(-d), now); got != want {
			t.Errorf("Age(%s) = %q, want %q", d, got, want)
		}
	}
	if got := DueLabel(now.Add(4*time.Hour), now); got != "Due in 4 hours" {
		t.Errorf("due: %q", got)
	}
	if got := DueLabel(now.Add(-50*time.Hour), now); got != "Overdue by 2 days" {
		t.Errorf("overdue: %q", got)
	}
	if got := DueLabel(time.Time{}, now); got != "No target" {
		t.Errorf("no target: %q", got)
	}
	item := QueueItem{DueAt: now.Add(-time.Second)}
	if !item.Overdue(now) || (QueueItem{}).Overdue(now) || (QueueItem{DueAt: now.Add(time.Hour)}).Overdue(now) {
		t.Fatal("Overdue")
	}
}

func TestReportFlagsList(t *testing.T) {
	if got := (ReportFlags{}).List(); len(got) != 0 {
		t.Fatalf("no flags: %v", got)
	}
	f := ReportFlags{Hate: true, Vulnerable: true, RepeatVictim: true, RepeatLocation: true, RepeatSubject: true}
	var labels []string
	for _, x := range f.List() {
		labels = append(labels, x.Label)
	}
	if strings.Join(labels, ",") != "Hate,Vulnerable,Repeat victim,Repeat location,Repeat subject" {
		t.Fatalf("labels %v", labels)
	}
	if !f.MayMeetCaseReviewThreshold() || !strings.Contains(f.List()[2].Hint, "Case Review threshold") {
		t.Fatal("repeat victim should point to the case review threshold")
	}
}
