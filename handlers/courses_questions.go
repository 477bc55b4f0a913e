package handlers

import (
	"errors"
	"net/http"

	"github.com/beacon-portal/beacon/portal"
)

// The evaluation questionnaires: the same two questions as at booking at
// the end of the course, and three months later with two more.

// questionsPage is either questionnaire.
type questionsPage struct {
	Page
	Token    string
	Session  portal.CourseSession
	FollowUp bool
	Form     portal.FollowUpInput
}

// Questions are the questionnaire's radio questions with answers and errors.
func (p *questionsPage) Questions() []radioQuestion {
	qs := scaleQuestions(p.Form.Confidence, p.Form.Willingness, p.Errors)
	if p.FollowUp {
		qs = append(qs,
			radioQuestion{Name: "used", Legend: portal.QuestionUsed, Options: portal.YesNoNotSure, Value: p.Form.Used, Error: p.Errors["used"]},
			radioQuestion{Name: "resolved", Legend: portal.QuestionResolved, Options: portal.YesNoNotSure, Value: p.Form.Resolved, Error: p.Errors["resolved"]})
	}
	return qs
}

func (h *Handler) newQuestionsPage(m managed, followUp bool, in portal.FollowUpInput) *questionsPage {
	title := "How do you feel now the course is over?"
	if followUp {
		title = "Three months on: how are you getting on?"
	}
	return &questionsPage{Page: Page{Title: title}, Token: m.token, Session: m.session, FollowUp: followUp, Form: in}
}

// questionnaireDue loads the booking and reports whether the questionnaire
// may be answered now.
func (h *Handler) questionnaireDue(r *http.Request, followUp bool) (managed, bool, error) {
	m, err := h.managedBooking(r)
	if err != nil {
		return m, false, err
	}
	p := h.newManagePage(m, "")
	if followUp {
		return m, p.FollowUpDue, nil
	}
	return m, p.AfterDue, nil
}

func (h *Handler) showQuestions(followUp bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		m, due, err := h.questionnaireDue(r, followUp)
		if err != nil {
			return err
		}
		if !due {
			return h.backToBooking(w, r, m.token, "")
		}
		return h.render(w, r, http.StatusOK, "courses_questions", h.newQuestionsPage(m, followUp, portal.FollowUpInput{}))
	}
}

func (h *Handler) saveQuestions(followUp bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(r); err != nil {
			return err
		}
		m, due, err := h.questionnaireDue(r, followUp)
		if err != nil {
			return err
		}
		if !due {
			return h.backToBooking(w, r, m.token, "")
		}
		in := portal.FollowUpInput{Confidence: formValue(r, "confidence"), Willingness: formValue(r, "willingness"),
			Used: formValue(r, "used"), Resolved: formValue(r, "resolved")}
		var fe portal.FieldErrors
		if followUp {
			fe = in.Validate()
		} else {
			fe = portal.AfterInput{Confidence: in.Confidence, Willingness: in.Willingness}.Validate()
		}
		if fe.Any() {
			p := h.newQuestionsPage(m, followUp, in)
			p.setErrors(fe, "confidence", "willingness", "used", "resolved")
			return h.render(w, r, http.StatusUnprocessableEntity, "courses_questions", p)
		}
		if followUp {
			err = h.store.SaveFollowUp(r.Context(), m.booking.ID, in)
		} else {
			err = h.store.SaveAfterCourse(r.Context(), m.booking.ID, portal.AfterInput{Confidence: in.Confidence, Willingness: in.Willingness})
		}
		if err != nil && !errors.Is(err, portal.ErrConflict) {
			return err
		}
		return h.backToBooking(w, r, m.token, "Thank you for your answers")
	}
}
