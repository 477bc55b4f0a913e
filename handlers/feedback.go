package handlers

import (
	"net/http"

	"github.com/beacon-portal/beacon/portal"
)

// feedbackPage is the service feedback form linked from the phase banner.
type feedbackPage struct {
	Page
	Form    portal.FeedbackInput
	Ratings []portal.Option
	Max     int
}

func newFeedbackPage(in portal.FeedbackInput) *feedbackPage {
	return &feedbackPage{Page: Page{Title: "Give feedback on this service"}, Form: in,
		Ratings: portal.Ratings, Max: portal.MaxFeedbackComments}
}

func (h *Handler) showFeedbackForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "public_feedback",
		newFeedbackPage(portal.FeedbackInput{IdempotencyKey: newIdempotencyKey()}))
}

func (h *Handler) createFeedback(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.FeedbackInput{
		IdempotencyKey: formValue(r, "idempotency_key"),
		Rating:         formValue(r, "rating"),
		Comments:       formValue(r, "comments"),
	}
	if fe := in.Validate(); fe.Any() {
		if !portal.ValidIdempotencyKey(in.IdempotencyKey) {
			in.IdempotencyKey = newIdempotencyKey()
		}
		page := newFeedbackPage(in)
		page.setErrors(fe, "rating", "comments")
		return h.render(w, r, http.StatusUnprocessableEntity, "public_feedback", page)
	}
	if err := h.allow(r, h.cfg.Limits.Forms, clientAddr(r)); err != nil {
		return err
	}
	if _, err := h.store.CreateFeedback(r.Context(), in); err != nil {
		return err
	}
	if err := h.flash(w, r, "Thank you for your feedback"); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
