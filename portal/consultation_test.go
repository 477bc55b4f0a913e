package portal

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestConsultationPhase(t *testing.T) {
	opens := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	c := Consultation{State: ConsultationPublished, OpensAt: opens, ClosesAt: opens.AddDate(0, 0, 14)}
	tests := []struct {
		name  string
		state ConsultationState
		now   time.Time
		want  Phase
	}{
		{"draft", ConsultationDraft, opens.Add(time.Hour), PhaseDraft},
		{"before opening", ConsultationPublished, opens.Add(-time.Second), PhaseUpcoming},
		{"at opening", ConsultationPublished, opens, PhaseOpen},
		{"at closing", ConsultationPublished, c.ClosesAt, PhaseClosed},
		{"closed early", ConsultationClosed, opens.Add(time.Hour), PhaseClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.State = tt.state
			if got := c.Phase(tt.now); got != tt.want {
				t.Errorf("Phase = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConsultationTransitions(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	c := Consultation{State: ConsultationDraft, OpensAt: now, ClosesAt: now.AddDate(0, 0, 7)}
	if err := c.Publish(0, now); !errors.Is(err, ErrConflict) {
		t.Errorf("publishing with no questions: %v, want ErrConflict", err)
	}
	if err := c.Close(now); !errors.Is(err, ErrConflict) {
		t.Errorf("closing a draft: %v, want ErrConflict", err)
	}
	if err := c.Publish(2, now); err != nil || c.State != ConsultationPublished {
		t.Fatalf("publish: %v, state %q", err, c.State)
	}
	if err := c.Publish(2, now); !errors.Is(err, ErrConflict) {
		t.Errorf("publishing twice: %v", err)
	}
	if c.CanPublishResults(now.Add(time.Hour)) {
		t.Error("results publishable while open")
	}
	early := now.Add(time.Hour)
	if err := c.Close(early); err != nil || !c.ClosesAt.Equal(early) || c.Phase(early) != PhaseClosed {
		t.Errorf("close early: %v, closes %v", err, c.ClosesAt)
	}
	if !c.CanPublishResults(early) || c.CanEditQuestions() {
		t.Error("after closing: results should be publishable, questions not editable")
	}
}

func TestConsultationCanManage(t *testing.T) {
	c := Consultation{AreaLevel: LevelLPA, NeighbourhoodIDs: []int64{1, 2}}
	force := Consultation{AreaLevel: LevelForce, NeighbourhoodIDs: []int64{1, 2, 3}}
	tests := []struct {
		name string
		c    Consultation
		u    *User
		want bool
	}{
		{"nobody", c, nil, false},
		{"sergeant covering all", c, &User{Role: RoleSergeant, Scope: Scope{Neighbourhoods: []int64{1, 2, 3}}}, true},
		{"sergeant covering some", c, &User{Role: RoleSergeant, Scope: Scope{Neighbourhoods: []int64{1}}}, false},
		{"officer", c, &User{Role: RoleOfficer, Scope: Scope{Neighbourhoods: []int64{1, 2}}}, false},
		{"admin", force, &User{Role: RoleForceAdmin, Scope: Scope{All: true}}, true},
		{"sergeant, force-wide", force, &User{Role: RoleSergeant, Scope: Scope{Neighbourhoods: []int64{1, 2, 3}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.CanManage(tt.u); got != tt.want {
				t.Errorf("CanManage = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConsultationInputParse(t *testing.T) {
	valid := ConsultationInput{Kind: "general", Title: "Parking near schools", Summary: "Tell us",
		AreaLevel: "lpa", AreaCode: "L1", OpensDate: "2026-05-01", OpensTime: "09:00",
		ClosesDate: "2026-05-15", ClosesTime: "17:00"}
	tests := []struct {
		name  string
		edit  func(*ConsultationInput)
		field string
	}{
		{"valid", func(*ConsultationInput) {}, ""},
		{"kind", func(in *ConsultationInput) { in.Kind = "poll" }, "kind"},
		{"title", func(in *ConsultationInput) { in.Title = "" }, "title"},
		{"summary", func(in *ConsultationInput) { in.Summary = "" }, "summary"},
		{"area", func(in *ConsultationInput) { in.AreaCode = "" }, "area"},
		{"priorities need a neighbourhood", func(in *ConsultationInput) { in.Kind = "priorities" }, "area"},
		{"closing before opening", func(in *ConsultationInput) { in.ClosesDate = "2026-04-01" }, "closes-date"},
		{"bad date", func(in *ConsultationInput) { in.OpensDate = "2026-02-30" }, "opens-date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid
			tt.edit(&in)
			f, fe := in.Parse(time.UTC)
			if tt.field == "" {
				if fe.Any() {
					t.Fatalf("unexpected errors %v", fe)
				}
				if f.OpensAt.Hour() != 9 || f.ClosesAt.Day() != 15 {
					t.Errorf("times %v %v", f.OpensAt, f.ClosesAt)
				}
				return
			}
			if _, ok := fe[tt.field]; !ok {
				t.Errorf("no error for %q: %v", tt.field, fe)
			}
		})
	}
}

func TestQuestionInputParse(t *testing.T) {
	earlier := []Question{
		{ID: 7, Position: 1, Kind: QuestionSingle, Options: []string{"Yes", "No"}},
		{ID: 8, Position: 2, Kind: QuestionLongText},
	}
	tests := []struct {
		name  string
		in    QuestionInput
		field string
	}{
		{"single", QuestionInput{Kind: "single", Prompt: "Q", Options: "A\nB\n\n"}, ""},
		{"rank", QuestionInput{Kind: "rank", Prompt: "Q", Options: "A\nB\nC", MaxRank: "2"}, ""},
		{"text with condition", QuestionInput{Kind: "long_text", Prompt: "Why?", ShowIfQID: "7", ShowIfValue: "Yes"}, ""},
		{"kind", QuestionInput{Kind: "essay", Prompt: "Q"}, "kind"},
		{"prompt", QuestionInput{Kind: "long_text"}, "prompt"},
		{"one option", QuestionInput{Kind: "multiple", Prompt: "Q", Options: "A"}, "options"},
		{"duplicate option", QuestionInput{Kind: "multiple", Prompt: "Q", Options: "A\nA"}, "options"},
		{"rank too many", QuestionInput{Kind: "rank", Prompt: "Q", Options: "A\nB", MaxRank: "3"}, "max-rank"},
		{"condition on text", QuestionInput{Kind: "rating", Prompt: "Q", ShowIfQID: "8", ShowIfValue: "x"}, "show-if"},
		{"condition unknown value", QuestionInput{Kind: "rating", Prompt: "Q", ShowIfQID: "7", ShowIfValue: "Maybe"}, "show-if"},
		{"condition later question", QuestionInput{Kind: "rating", Prompt: "Q", ShowIfQID: "99", ShowIfValue: "Yes"}, "show-if"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, fe := tt.in.Parse(earlier)
			if tt.field == "" && fe.Any() {
				t.Fatalf("unexpected errors %v", fe)
			}
			if _, ok := fe[tt.field]; tt.field != "" && !ok {
				t.Errorf("no error for %q: %v (question %+v)", tt.field, fe, q)
			}
		})
	}
}

func TestParseAnswer(t *testing.T) {
	single := Question{ID: 1, Kind: QuestionSingle, Required: true, Options: []string{"Yes", "No"}, AllowOther: true}
	multi := Question{ID: 2, Kind: QuestionMultiple, Options: []string{"A", "B", "C"}}
	rank := Question{ID: 3, Kind: QuestionRank, Required: true, Options: []string{"Speeding", "Drugs", "Litter", "Noise"}, MaxRank: 3}
	rating := Question{ID: 4, Kind: QuestionRating}
	short := Question{ID: 5, Kind: QuestionShortText, Required: true}
	tests := []struct {
		name  string
		q     Question
		in    AnswerInput
		want  []string
		field string
	}{
		{"single", single, AnswerInput{Choices: []string{"No"}}, []string{"No"}, ""},
		{"single required", single, AnswerInput{}, nil, "answer"},
		{"single two", single, AnswerInput{Choices: []string{"Yes", "No"}}, nil, "answer"},
		{"single unknown", single, AnswerInput{Choices: []string{"Maybe"}}, nil, "answer"},
		{"other without text", single, AnswerInput{Choices: []string{"other"}}, nil, "other"},
		{"other with text", single, AnswerInput{Choices: []string{"other"}, Other: "Sometimes"}, []string{"other"}, ""},
		{"multiple optional", multi, AnswerInput{}, nil, ""},
		{"multiple", multi, AnswerInput{Choices: []string{"A", "C"}}, []string{"A", "C"}, ""},
		{"multiple duplicate", multi, AnswerInput{Choices: []string{"A", "A"}}, nil, "answer"},
		{"rank", rank, AnswerInput{Rank: []string{"2", "1", "", "3"}}, []string{"Drugs", "Speeding", "Noise"}, ""},
		{"rank partial", rank, AnswerInput{Rank: []string{"", "1", "", ""}}, []string{"Drugs"}, ""},
		{"rank duplicate", rank, AnswerInput{Rank: []string{"1", "1", "", ""}}, nil, "rank-2"},
		{"rank beyond N", rank, AnswerInput{Rank: []string{"1", "2", "3", "4"}}, nil, "rank-4"},
		{"rank not a number", rank, AnswerInput{Rank: []string{"first", "", "", ""}}, nil, "rank-1"},
		{"rank gap", rank, AnswerInput{Rank: []string{"1", "3", "", ""}}, nil, "answer"},
		{"rank required", rank, AnswerInput{Rank: []string{"", "", "", ""}}, nil, "answer"},
		{"rating", rating, AnswerInput{Rating: "5"}, nil, ""},
		{"rating out of range", rating, AnswerInput{Rating: "6"}, nil, "answer"},
		{"text required", short, AnswerInput{}, nil, "answer"},
		{"text too long", short, AnswerInput{Text: string(make([]byte, 201))}, nil, "answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, fe := tt.in.ParseAnswer(tt.q)
			if tt.field != "" {
				if _, ok := fe[tt.field]; !ok {
					t.Errorf("no error for %q: %v", tt.field, fe)
				}
				return
			}
			if fe.Any() {
				t.Fatalf("unexpected errors %v", fe)
			}
			if !slices.Equal(a.Choices, tt.want) || a.QuestionID != tt.q.ID {
				t.Errorf("answer %+v, want choices %v", a, tt.want)
			}
		})
	}
}

func TestRankInputRoundTrip(t *testing.T) {
	q := Question{Kind: QuestionRank, Options: []string{"A", "B", "C"}}
	typed := q.RankInput(Answer{Choices: []string{"C", "A"}})
	if !slices.Equal(typed, []string{"2", "", "1"}) {
		t.Fatalf("RankInput = %v", typed)
	}
	a, fe := AnswerInput{Rank: typed}.ParseAnswer(q)
	if fe.Any() || !slices.Equal(a.Choices, []string{"C", "A"}) {
		t.Errorf("round trip = %v %v", a.Choices, fe)
	}
}

func TestDisplayConditions(t *testing.T) {
	qs := []Question{
		{ID: 1, Position: 1, Kind: QuestionSingle, Required: true, Options: []string{"Yes", "No"}},
		{ID: 2, Position: 2, Kind: QuestionMultiple, Options: []string{"Day", "Night"}, ShowIfQuestionID: 1, ShowIfValue: "Yes"},
		{ID: 3, Position: 3, Kind: QuestionLongText, Required: true, ShowIfQuestionID: 2, ShowIfValue: "Night"},
		{ID: 4, Position: 4, Kind: QuestionRating},
	}
	yes := Answers{1: {QuestionID: 1, Choices: []string{"Yes"}}, 2: {QuestionID: 2, Choices: []string{"Night"}}}
	no := Answers{1: {QuestionID: 1, Choices: []string{"No"}}, 2: {QuestionID: 2, Choices: []string{"Night"}}}
	tests := []struct {
		name      string
		a         Answers
		pos       int
		next      int64
		prevOf    int
		prev      int64
		completes bool
		missing   int64
	}{
		{"yes path goes through every question", yes, 1, 2, 4, 3, false, 3},
		{"no skips the conditional chain", no, 1, 4, 4, 1, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if q, _ := Next(qs, tt.a, tt.pos); q.ID != tt.next {
				t.Errorf("Next = %d, want %d", q.ID, tt.next)
			}
			if q, _ := Previous(qs, tt.a, tt.prevOf); q.ID != tt.prev {
				t.Errorf("Previous = %d, want %d", q.ID, tt.prev)
			}
			kept, missing, ok := Complete(qs, tt.a)
			if ok != tt.completes || missing.ID != tt.missing {
				t.Errorf("Complete = %v, missing %d", ok, missing.ID)
			}
			if ok {
				if _, has := kept[2]; has {
					t.Error("hidden question's answer kept")
				}
			}
		})
	}
	if _, ok := Next(qs, yes, 4); ok {
		t.Error("Next after the last question")
	}
}

func TestRankScores(t *testing.T) {
	q := Question{Kind: QuestionRank, Options: []string{"A", "B", "C"}, MaxRank: 2}
	got := RankScores(q, map[string][]int{"A": {1, 3}, "B": {3, 0}, "C": {0, 1}})
	// A: 1×2 + 3×1 = 5, B: 3×2 = 6, C: 1.
	want := []ChoiceCount{{Value: "B", Count: 3, Points: 6}, {Value: "A", Count: 4, Points: 5}, {Value: "C", Count: 1, Points: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("RankScores = %+v", got)
	}
}

func TestAboutYou(t *testing.T) {
	if fe := (AboutYouInput{}).Validate(); fe.Any() {
		t.Errorf("skipping: %v", fe)
	}
	if fe := (AboutYouInput{AgeBand: "18-24", ReportedASB: "no"}).Validate(); fe.Any() {
		t.Errorf("valid: %v", fe)
	}
	if fe := (AboutYouInput{AgeBand: "old"}).Validate(); fe["age-band"] == "" {
		t.Error("unknown age band accepted")
	}
}
