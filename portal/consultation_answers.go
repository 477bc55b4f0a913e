package portal

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// Answer is one respondent's answer to one question. Choices hold single,
// multiple and rank answers (rank in order of preference); Text holds free
// text or the "Other, please say" text; Rating is 1 to 5 (0: none).
type Answer struct {
	QuestionID int64
	Choices    []string
	Text       string
	Rating     int
}

// Empty reports whether nothing was answered.
func (a Answer) Empty() bool { return len(a.Choices) == 0 && a.Text == "" && a.Rating == 0 }

// Includes reports whether the answer chose v.
func (a Answer) Includes(v string) bool { return slices.Contains(a.Choices, v) }

// Answers are a response's answers by question ID.
type Answers map[int64]Answer

// AnswerInput is one question's page, as typed. Rank holds the position
// typed next to each option ("" when not ranked), in option order.
type AnswerInput struct {
	Choices []string
	Other   string
	Text    string
	Rating  string
	Rank    []string
}

// Empty reports whether nothing at all was typed or chosen, as when
// someone saves to come back later before answering this question.
func (in AnswerInput) Empty() bool {
	for _, r := range in.Rank {
		if r != "" {
			return false
		}
	}
	return len(in.Choices) == 0 && in.Other == "" && in.Text == "" && in.Rating == ""
}

// ParseAnswer validates the answer to q and returns it. The field names of
// errors are "answer" (the question), "other" and "rank-N" (option N).
func (in AnswerInput) ParseAnswer(q Question) (Answer, FieldErrors) {
	fe := FieldErrors{}
	a := Answer{QuestionID: q.ID}
	switch q.Kind {
	case QuestionSingle, QuestionMultiple:
		a = in.parseChoice(fe, q)
	case QuestionShortText, QuestionLongText:
		limit := MaxShortAnswer
		if q.Kind == QuestionLongText {
			limit = MaxLongAnswer
		}
		if utf8.RuneCountInString(in.Text) > limit {
			fe.Add("answer", "Your answer must be "+strconv.Itoa(limit)+" characters or fewer")
		}
		a.Text = in.Text
	case QuestionRating:
		if in.Rating != "" {
			n, err := strconv.Atoi(in.Rating)
			if err != nil || n < 1 || n > 5 {
				fe.Add("answer", "Select a rating from 1 to 5")
			}
			a.Rating = n
		}
	case QuestionRank:
		a.Choices = parseRank(fe, q, in.Rank)
	}
	if q.Required && a.Empty() && !fe.Any() {
		fe.Add("answer", requiredMessage(q.Kind))
	}
	a.QuestionID = q.ID
	return a, fe
}

func requiredMessage(k QuestionKind) string {
	switch k {
	case QuestionShortText, QuestionLongText:
		return "Enter your answer"
	case QuestionRank:
		return "Rank at least one option"
	case QuestionRating:
		return "Select a rating from 1 to 5"
	}
	return "Select an answer"
}

func (in AnswerInput) parseChoice(fe FieldErrors, q Question) Answer {
	a := Answer{QuestionID: q.ID}
	valid := q.Choices()
	for _, c := range in.Choices {
		if !validOption(valid, c) || slices.Contains(a.Choices, c) {
			fe.Add("answer", "Select from the options shown")
			continue
		}
		a.Choices = append(a.Choices, c)
	}
	if q.Kind == QuestionSingle && len(a.Choices) > 1 {
		fe.Add("answer", "Select one answer")
	}
	if a.Includes(OtherValue) {
		if in.Other == "" {
			fe.Add("other", "Say what your other answer is")
		}
		if utf8.RuneCountInString(in.Other) > MaxShortAnswer {
			fe.Add("other", "Your other answer must be 200 characters or fewer")
		}
		a.Text = in.Other
	}
	return a
}

// parseRank turns the positions typed beside each option into the options
// in order of preference: positions must be whole numbers from 1 to the
// rank limit, with no number used twice and no gaps.
func parseRank(fe FieldErrors, q Question, typed []string) []string {
	limit := q.RankLimit()
	byPos := make(map[int]string)
	for i, s := range typed {
		if s == "" || i >= len(q.Options) {
			continue
		}
		n, err := strconv.Atoi(s)
		field := "rank-" + strconv.Itoa(i+1)
		switch {
		case err != nil || n < 1 || n > limit:
			fe.Add(field, "Enter a number from 1 to "+strconv.Itoa(limit))
			fe.Add("answer", "Rank up to "+strconv.Itoa(limit)+" options, using each number once")
		case byPos[n] != "":
			fe.Add(field, "You have used "+strconv.Itoa(n)+" more than once")
			fe.Add("answer", "Use each number only once")
		default:
			byPos[n] = q.Options[i]
		}
	}
	out := make([]string, 0, len(byPos))
	for p := 1; p <= len(byPos); p++ {
		o, ok := byPos[p]
		if !ok {
			fe.Add("answer", "Number your choices in order from 1, with no gaps")
			return nil
		}
		out = append(out, o)
	}
	return out
}

// RankInput is the inverse of parseRank: the position typed beside each
// option for an existing answer, so a page shows what was chosen.
func (q Question) RankInput(a Answer) []string {
	out := make([]string, len(q.Options))
	for i, o := range q.Options {
		if p := slices.Index(a.Choices, o); p >= 0 {
			out[i] = strconv.Itoa(p + 1)
		}
	}
	return out
}

// Shown reports whether q is shown given the answers so far: a question
// with a display condition is shown only when the earlier answer includes
// the value (and that earlier question was itself shown).
func Shown(qs []Question, a Answers, q Question) bool {
	if q.ShowIfQuestionID == 0 {
		return true
	}
	i := slices.IndexFunc(qs, func(p Question) bool { return p.ID == q.ShowIfQuestionID })
	if i < 0 {
		return true
	}
	return Shown(qs, a, qs[i]) && a[q.ShowIfQuestionID].Includes(q.ShowIfValue)
}

// Next is the first question after position pos that is shown, or false
// when there is none (the respondent goes to check their answers).
func Next(qs []Question, a Answers, pos int) (Question, bool) {
	for _, q := range qs {
		if q.Position > pos && Shown(qs, a, q) {
			return q, true
		}
	}
	return Question{}, false
}

// Previous is the last shown question before position pos.
func Previous(qs []Question, a Answers, pos int) (Question, bool) {
	for i := len(qs) - 1; i >= 0; i-- {
		if qs[i].Position < pos && Shown(qs, a, qs[i]) {
			return qs[i], true
		}
	}
	return Question{}, false
}

// Complete keeps only the answers to shown questions (an answer to a
// question hidden by a later change is dropped) and reports the first shown
// required question left unanswered.
func Complete(qs []Question, a Answers) (Answers, Question, bool) {
	out := Answers{}
	for _, q := range qs {
		if !Shown(qs, a, q) {
			continue
		}
		ans, ok := a[q.ID]
		if q.Required && (!ok || ans.Empty()) {
			return nil, q, false
		}
		if ok && !ans.Empty() {
			out[q.ID] = ans
		}
	}
	return out, Question{}, true
}

// AgeBands are the optional "about you" age bands.
var AgeBands = []Option{
	{"under-18", "Under 18"}, {"18-24", "18 to 24"}, {"25-34", "25 to 34"}, {"35-44", "35 to 44"},
	{"45-54", "45 to 54"}, {"55-64", "55 to 64"}, {"65-plus", "65 or over"}, {"prefer-not", "Prefer not to say"},
}

// ReportedASBAnswers answer "Have you reported anti-social behaviour before?".
var ReportedASBAnswers = []Option{{"yes", "Yes"}, {"no", "No"}, {"prefer-not", "Prefer not to say"}}

// AboutYouInput is the optional, skippable "about you" page.
type AboutYouInput struct {
	AgeBand     string
	ReportedASB string
}

// Validate accepts empty answers (the page is optional) and known options.
func (in AboutYouInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if in.AgeBand != "" && !validOption(AgeBands, in.AgeBand) {
		fe.Add("age-band", "Select your age band, or leave it blank")
	}
	if in.ReportedASB != "" && !validOption(ReportedASBAnswers, in.ReportedASB) {
		fe.Add("reported-asb", "Select whether you have reported anti-social behaviour before, or leave it blank")
	}
	return fe
}
