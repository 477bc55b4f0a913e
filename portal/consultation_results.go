package portal

import (
	"sort"
	"strconv"
)

// ChoiceCount is how many respondents chose an option (for rank
// questions, Points is its weighted score: first place earns the most).
type ChoiceCount struct {
	Value   string
	Count   int
	Points  int
	Percent int
}

// QuestionResult is the tally of one question.
type QuestionResult struct {
	Question Question
	Answered int
	Counts   []ChoiceCount
	Texts    []string
}

// MaxCount is the largest count or score, for scaling bar charts.
func (r QuestionResult) MaxCount() int {
	m := 0
	for _, c := range r.Counts {
		m = max(m, c.Count, c.Points)
	}
	return m
}

// RankScores orders a rank question's options by points: an option placed
// p-th (from 1) of a limit of N earns N-p+1 points (a Borda count). byPos
// maps each option to how many placed it at each position (index 0 = 1st).
// Ties keep the question's option order.
func RankScores(q Question, byPos map[string][]int) []ChoiceCount {
	limit := q.RankLimit()
	out := make([]ChoiceCount, 0, len(q.Options))
	for _, o := range q.Options {
		c := ChoiceCount{Value: o}
		for p, n := range byPos[o] {
			if p < limit {
				c.Points += n * (limit - p)
				c.Count += n
			}
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Points > out[j].Points })
	return out
}

// Percentages fills in each count's share of answered (rounded down).
func Percentages(counts []ChoiceCount, answered int) []ChoiceCount {
	for i := range counts {
		if answered > 0 {
			counts[i].Percent = counts[i].Count * 100 / answered
		}
	}
	return counts
}

// Tally builds a question's result from the database's counts: byPos maps
// each chosen value (an option, "other", or a rating "1" to "5") to how many
// chose it at each position (index 0 = first; only rank questions use more).
func Tally(q Question, answered int, byPos map[string][]int, texts []string) QuestionResult {
	r := QuestionResult{Question: q, Answered: answered, Texts: texts}
	switch q.Kind {
	case QuestionRank:
		r.Counts = RankScores(q, byPos)
	case QuestionSingle, QuestionMultiple:
		for _, o := range q.Choices() {
			r.Counts = append(r.Counts, ChoiceCount{Value: o.Label, Count: sum(byPos[o.Value])})
		}
	case QuestionRating:
		for i := 1; i <= 5; i++ {
			v := strconv.Itoa(i)
			r.Counts = append(r.Counts, ChoiceCount{Value: v, Count: sum(byPos[v])})
		}
	}
	r.Counts = Percentages(r.Counts, answered)
	return r
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

// HasChart reports whether the result is counts (not only free text).
func (r QuestionResult) HasChart() bool { return len(r.Counts) > 0 }

// Top is the n highest-scoring options of a rank result: a priorities
// consultation's new priorities.
func (r QuestionResult) Top(n int) []string {
	var out []string
	for _, c := range r.Counts {
		if len(out) == n || c.Points == 0 {
			break
		}
		out = append(out, c.Value)
	}
	return out
}
