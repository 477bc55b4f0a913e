package handlers

import (
	"strconv"

	"github.com/beacon-portal/beacon/portal"
)

// questionView is one question as its page shows it, with the answer so
// far (or as typed) filled in. Input ids start with the field name the
// error summary links to: "answer" for the first input.
type questionView struct {
	Q       portal.Question
	Choices []inputView
	Other   string
	Text    string
	Ratings []inputView
	Ranks   []inputView
	Max     int
}

// inputView is one radio, checkbox or rank box.
type inputView struct {
	ID, Name, Value, Label string
	Checked                bool
	Typed                  string
	Error                  string
}

func newQuestionView(q portal.Question, a portal.Answer, fe portal.FieldErrors) questionView {
	v := questionView{Q: q, Other: a.Text, Text: a.Text}
	for i, o := range q.Choices() {
		v.Choices = append(v.Choices, inputView{ID: inputID("answer", i), Name: "answer", Value: o.Value,
			Label: o.Label, Checked: a.Includes(o.Value)})
	}
	for i := 1; i <= 5; i++ {
		s := strconv.Itoa(i)
		v.Ratings = append(v.Ratings, inputView{ID: inputID("answer", i-1), Name: "answer", Value: s,
			Label: ratingLabel(i), Checked: a.Rating == i})
	}
	typed := q.RankInput(a)
	for i, o := range q.Options {
		name := "rank-" + strconv.Itoa(i+1)
		v.Ranks = append(v.Ranks, inputView{ID: name, Name: name, Label: o, Typed: typed[i], Error: fe[name]})
	}
	switch q.Kind {
	case portal.QuestionShortText:
		v.Max = portal.MaxShortAnswer
	case portal.QuestionLongText:
		v.Max = portal.MaxLongAnswer
	}
	return v
}

func inputID(field string, i int) string {
	if i == 0 {
		return field
	}
	return field + "-" + strconv.Itoa(i+1)
}

func ratingLabel(i int) string {
	switch i {
	case 1:
		return "1 – very poor"
	case 5:
		return "5 – very good"
	}
	return strconv.Itoa(i)
}

// answerSummary is an answer as check your answers shows it.
func answerSummary(q portal.Question, a portal.Answer) string {
	switch {
	case a.Empty():
		return "Not answered"
	case q.Kind == portal.QuestionRating:
		return strconv.Itoa(a.Rating) + " out of 5"
	case q.Kind == portal.QuestionRank:
		s := ""
		for i, c := range a.Choices {
			if i > 0 {
				s += ", "
			}
			s += strconv.Itoa(i+1) + ". " + c
		}
		return s
	case q.Kind.HasOptions():
		s := ""
		for i, c := range a.Choices {
			if i > 0 {
				s += ", "
			}
			if c == portal.OtherValue {
				c = "Other: " + a.Text
			}
			s += c
		}
		return s
	}
	return a.Text
}
