package portal

import (
	"testing"
	"time"
)

func TestCountSuppressesSmallNumbers(t *testing.T) {
	for n, want := range map[Count]string{0: "fewer than 5", 1: "fewer than 5", 3: "fewer than 5", 4: "fewer than 5", 5: "5", 12: "12"} {
		if got := n.String(); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
		if n.Suppressed() != (n < 5) {
			t.Errorf("Count(%d).Suppressed() wrong", n)
		}
	}
}

func TestPublicTrendMonths(t *testing.T) {
	months := PublicTrendMonths(time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC))
	if len(months) != 12 || months[0] != time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC) || months[11] != time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("months %v", months)
	}
	tr := Trends{Months: []MonthCounts{{Month: months[0], ByType: map[ASBType]Count{}}}}
	if !tr.Empty() {
		t.Fatal("no counts should be empty")
	}
	tr.Months[0].ByType[ASBNuisance] = 3
	if tr.Empty() || tr.Months[0].Of(ASBNuisance).String() != "fewer than 5" || tr.Months[0].Of(ASBPersonal) != 0 {
		t.Fatal("counts wrong")
	}
}

func TestLevels(t *testing.T) {
	tests := []struct {
		l, min Level
		want   bool
	}{
		{LevelUrgent, LevelInformation, true}, {LevelAdvice, LevelAdvice, true}, {LevelInformation, LevelAdvice, false},
		{LevelAdvice, LevelUrgent, false}, {"bogus", LevelInformation, false}, {LevelUrgent, "bogus", false},
	}
	for _, tt := range tests {
		if got := tt.l.AtLeast(tt.min); got != tt.want {
			t.Errorf("%s.AtLeast(%s) = %v", tt.l, tt.min, got)
		}
	}
}

func TestTeamMessageValidate(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	good := TeamMessageInput{IdempotencyKey: "0123456789abcdef0123456789abcdef", Kind: MessageAdvice, Priority: LevelAdvice,
		Title: "Lock your sheds", Body: "Thefts reported.", Neighbourhoods: []string{"north-mill"}}
	if _, fe := good.Validate(now); fe.Any() {
		t.Fatalf("good input: %v", fe)
	}
	tests := map[string]struct {
		change func(*TeamMessageInput)
		field  string
	}{
		"no kind":        {func(in *TeamMessageInput) { in.Kind = "" }, "kind"},
		"bad level":      {func(in *TeamMessageInput) { in.Priority = "severe" }, "priority"},
		"no title":       {func(in *TeamMessageInput) { in.Title = " " }, "title"},
		"two-line title": {func(in *TeamMessageInput) { in.Title = "a\nb" }, "title"},
		"no body":        {func(in *TeamMessageInput) { in.Body = "" }, "body"},
		"no areas":       {func(in *TeamMessageInput) { in.Neighbourhoods = nil }, "areas"},
		"event no date":  {func(in *TeamMessageInput) { in.Kind = MessageEvent; in.Place = "Hall"; in.Time = "18:30" }, "event-day"},
		"event past": {func(in *TeamMessageInput) {
			in.Kind, in.Place, in.Time, in.Day, in.Month, in.Year = MessageEvent, "Hall", "18:30", "1", "1", "2026"
		}, "event-day"},
		"event no place": {func(in *TeamMessageInput) {
			in.Kind, in.Time, in.Day, in.Month, in.Year = MessageEvent, "18:30", "20", "3", "2026"
		}, "place"},
		"event bad time": {func(in *TeamMessageInput) {
			in.Kind, in.Place, in.Time, in.Day, in.Month, in.Year = MessageEvent, "Hall", "25:99", "20", "3", "2026"
		}, "event-time"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			in := good
			tt.change(&in)
			if _, fe := in.Validate(now); fe[tt.field] == "" {
				t.Fatalf("no error on %s: %v", tt.field, fe)
			}
		})
	}
	ev := good
	ev.Kind, ev.Place, ev.Time, ev.Day, ev.Month, ev.Year = MessageEvent, "Hall", "18.30", "20", "3", "2026"
	at, fe := ev.Validate(now)
	if fe.Any() || at != time.Date(2026, 3, 20, 18, 30, 0, 0, time.UTC) {
		t.Fatalf("event %v %v", at, fe)
	}
}

func TestValidateOnBehalf(t *testing.T) {
	base := func() *ReportDraft {
		return &ReportDraft{ReportFor: "someone-else", Name: "Mrs Jones", Phone: "01632 960 001", ContactPreference: "phone",
			SafeToLeave: "yes", OnBehalf: OnBehalf{Channel: OnBehalfVolunteer, Relationship: "neighbour", Consent: true, UpdatesTo: "resident"}}
	}
	if fe := base().ValidateOnBehalf(false); fe.Any() {
		t.Fatalf("good input: %v", fe)
	}
	if fe := (&ReportDraft{ReportFor: "myself"}).ValidateOnBehalf(false); fe.Any() {
		t.Fatalf("myself: %v", fe)
	}
	tests := map[string]struct {
		change func(*ReportDraft)
		staff  bool
		field  string
	}{
		"no choice":       {func(d *ReportDraft) { d.ReportFor = "" }, false, "report-for"},
		"no consent":      {func(d *ReportDraft) { d.OnBehalf.Consent = false }, false, "consent"},
		"no relationship": {func(d *ReportDraft) { d.OnBehalf.Relationship = "" }, false, "relationship"},
		"no name":         {func(d *ReportDraft) { d.Name = "" }, false, "name"},
		"no updates":      {func(d *ReportDraft) { d.OnBehalf.UpdatesTo = "" }, false, "updates-to"},
		"no contact":      {func(d *ReportDraft) { d.Phone = "" }, false, "phone"},
		"staff channel":   {func(d *ReportDraft) {}, true, "channel"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			d := base()
			tt.change(d)
			if fe := d.ValidateOnBehalf(tt.staff); fe[tt.field] == "" {
				t.Fatalf("no error on %s: %v", tt.field, fe)
			}
		})
	}
	d := base()
	d.Name = ""
	if msg := d.ValidateOnBehalf(false)["name"]; msg != "Enter the name of the person you are reporting for" {
		t.Fatalf("name message %q", msg)
	}
}

func TestPriorityInput(t *testing.T) {
	if fe := (PriorityInput{Title: "Speeding"}).Validate(); fe.Any() {
		t.Fatal(fe)
	}
	if fe := (PriorityInput{}).Validate(); fe["title"] == "" {
		t.Fatal("empty title accepted")
	}
}
