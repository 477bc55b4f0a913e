package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// questionFormPage adds or changes a question.
type questionFormPage struct {
	Page
	C       portal.Consultation
	QID     int64
	Form    portal.QuestionInput
	Kinds   []portal.QuestionKind
	Earlier []conditionChoice
	ShowIf  string
}

// conditionChoice is one option of the display condition select:
// "questionID:value".
type conditionChoice struct {
	Value, Label string
}

func conditionChoices(earlier []portal.Question) []conditionChoice {
	var out []conditionChoice
	for _, q := range earlier {
		if q.Kind != portal.QuestionSingle && q.Kind != portal.QuestionMultiple {
			continue
		}
		for _, o := range q.Choices() {
			out = append(out, conditionChoice{strconv.FormatInt(q.ID, 10) + ":" + o.Value,
				"Question " + strconv.Itoa(q.Position) + " (" + q.Prompt + ") is answered “" + o.Label + "”"})
		}
	}
	return out
}

// editableConsultation is the route's consultation with its questions, or
// a redirect back when its questions can no longer change.
func (h *Handler) editableConsultation(w http.ResponseWriter, r *http.Request) (portal.Consultation, []portal.Question, bool, error) {
	c, err := h.staffConsultation(r)
	if err != nil {
		return c, nil, false, err
	}
	if !c.CanEditQuestions() {
		return c, nil, false, h.backToConsultation(w, r, c.ID, "Questions cannot change once someone has responded")
	}
	qs, err := h.store.Questions(r.Context(), c.ID)
	return c, qs, err == nil, err
}

func routeQuestion(r *http.Request, qs []portal.Question) (portal.Question, error) {
	if routeVar(r, "qid") == "" {
		return portal.Question{}, nil
	}
	id, _ := strconv.ParseInt(routeVar(r, "qid"), 10, 64)
	for _, q := range qs {
		if q.ID == id {
			return q, nil
		}
	}
	return portal.Question{}, errNotFound
}

func questionInputOf(q portal.Question) portal.QuestionInput {
	in := portal.QuestionInput{Kind: string(q.Kind), Prompt: q.Prompt, Hint: q.Hint, Required: q.Required,
		Options: strings.Join(q.Options, "\n"), AllowOther: q.AllowOther, ShowIfValue: q.ShowIfValue}
	if q.Kind == portal.QuestionRank {
		in.MaxRank = strconv.Itoa(q.MaxRank)
	}
	if q.ShowIfQuestionID != 0 {
		in.ShowIfQID = strconv.FormatInt(q.ShowIfQuestionID, 10)
	}
	return in
}

func (h *Handler) newQuestionFormPage(c portal.Consultation, q portal.Question, qs []portal.Question, in portal.QuestionInput) *questionFormPage {
	title := "Add a question"
	if q.ID != 0 {
		title = "Change question " + strconv.Itoa(q.Position)
	}
	showIf := ""
	if in.ShowIfQID != "" {
		showIf = in.ShowIfQID + ":" + in.ShowIfValue
	}
	return &questionFormPage{Page: Page{Title: title, Staff: true}, C: c, QID: q.ID, Form: in,
		Kinds: portal.QuestionKinds, Earlier: conditionChoices(db.EarlierQuestions(qs, q.Position)), ShowIf: showIf}
}

func (h *Handler) showQuestionForm(w http.ResponseWriter, r *http.Request) error {
	c, qs, ok, err := h.editableConsultation(w, r)
	if !ok {
		return err
	}
	q, err := routeQuestion(r, qs)
	if err != nil {
		return err
	}
	in := portal.QuestionInput{Kind: string(portal.QuestionSingle)}
	if q.ID != 0 {
		in = questionInputOf(q)
	}
	return h.render(w, r, http.StatusOK, "staff_consultation_question", h.newQuestionFormPage(c, q, qs, in))
}

func questionFormInput(r *http.Request) portal.QuestionInput {
	qid, value, _ := strings.Cut(formValue(r, "show-if"), ":")
	return portal.QuestionInput{Kind: formValue(r, "kind"), Prompt: formValue(r, "prompt"), Hint: formValue(r, "hint"),
		Required: formValue(r, "required") == "yes", Options: formValue(r, "options"),
		AllowOther: formValue(r, "allow-other") == "yes", MaxRank: formValue(r, "max-rank"),
		ShowIfQID: qid, ShowIfValue: value}
}

func (h *Handler) saveQuestion(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, qs, ok, err := h.editableConsultation(w, r)
	if !ok {
		return err
	}
	old, err := routeQuestion(r, qs)
	if err != nil {
		return err
	}
	in := questionFormInput(r)
	q, fe := in.Parse(db.EarlierQuestions(qs, old.Position))
	if fe.Any() {
		p := h.newQuestionFormPage(c, old, qs, in)
		p.setErrors(fe, portal.QuestionFieldOrder...)
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_consultation_question", p)
	}
	q.ID = old.ID
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		action := "consultation.question.update"
		if q.ID == 0 {
			var err error
			if q.ID, err = tx.AddQuestion(r.Context(), c.ID, currentUser(r).Scope, q); err != nil {
				return err
			}
			action = "consultation.question.add"
		} else if err := tx.UpdateQuestion(r.Context(), c.ID, currentUser(r).Scope, q); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, action, "consultation", strconv.FormatInt(c.ID, 10),
			map[string]string{"question": strconv.FormatInt(q.ID, 10), "kind": string(q.Kind)}))
	})
	if errors.Is(err, portal.ErrConflict) {
		return h.backToConsultation(w, r, c.ID, "Questions cannot change once someone has responded")
	}
	if err != nil {
		return err
	}
	return h.backToConsultation(w, r, c.ID, "Question saved")
}

func (h *Handler) deleteQuestion(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, qs, ok, err := h.editableConsultation(w, r)
	if !ok {
		return err
	}
	q, err := routeQuestion(r, qs)
	if err != nil {
		return err
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		if err := tx.DeleteQuestion(r.Context(), c.ID, currentUser(r).Scope, q.ID); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "consultation.question.delete", "consultation",
			strconv.FormatInt(c.ID, 10), map[string]string{"question": strconv.FormatInt(q.ID, 10)}))
	})
	if errors.Is(err, portal.ErrConflict) {
		return h.backToConsultation(w, r, c.ID, "Questions cannot change once someone has responded")
	}
	if err != nil {
		return err
	}
	return h.backToConsultation(w, r, c.ID, "Question removed")
}

// previewConsultation shows staff a question page exactly as residents
// will see it, without a form to send; {n} picks the question.
func (h *Handler) previewConsultation(w http.ResponseWriter, r *http.Request) error {
	c, err := h.staffConsultation(r)
	if err != nil {
		return err
	}
	qs, err := h.store.Questions(r.Context(), c.ID)
	if err != nil {
		return err
	}
	if len(qs) == 0 {
		return h.backToConsultation(w, r, c.ID, "Add a question to preview the consultation")
	}
	q := qs[0]
	if routeVar(r, "n") != "" {
		if q, err = questionAt(qs, r); err != nil {
			return err
		}
	}
	d := &consultationDraft{Answers: portal.Answers{}}
	p := h.newQuestionPage(c, qs, q, d, newQuestionView(q, portal.Answer{}, nil), false)
	p.Staff, p.Preview, p.Title = true, true, "Preview: "+q.Prompt
	p.Back = consultationPath(h, "staff.consultation", c.ID)
	if q.Position < len(qs) {
		p.Next = h.routeURL("staff.consultation.preview.question", "id", strconv.FormatInt(c.ID, 10),
			"n", strconv.Itoa(q.Position+1))
	}
	return h.render(w, r, http.StatusOK, "consultations_question", p)
}
