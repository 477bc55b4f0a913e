package handlers

import (
	"errors"
	"net/http"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Supervisory reviews: a sergeant (or force administrator) reviews a case
// and sets the next review date, which defaults from the case's risk (high
// every 14 days, medium 28, low 56). The routes allow only those roles.

// caseStaff lets any member of staff use a case route (the case itself is
// then scoped to their areas).
func (h *Handler) caseStaff(fn handlerFunc) http.Handler { return h.requireStaff(h.wrap(fn)) }

// caseSupervisor lets only sergeants and force administrators use a route.
func (h *Handler) caseSupervisor(fn handlerFunc) http.Handler {
	return h.requireRole(portal.RoleSergeant, portal.RoleForceAdmin)(h.wrap(fn))
}

// caseReviewPage is the supervisory review form.
type caseReviewPage struct {
	Page
	Case    portal.Case
	Form    portal.CaseReviewInput
	Reviews []portal.CaseReview
	Next    dateField
	Every   int
	Max     int
}

func (h *Handler) showCaseReview(w http.ResponseWriter, r *http.Request) error {
	c, err := h.loadCase(r, "review")
	if err != nil {
		return err
	}
	if !c.Open() {
		return errCaseClosed
	}
	in := portal.CaseReviewInput{IdempotencyKey: newIdempotencyKey(), Next: portal.PartsOf(c.Risk.NextReview(h.now()))}
	return h.renderCaseReview(w, r, http.StatusOK, c, in, nil)
}

func (h *Handler) renderCaseReview(w http.ResponseWriter, r *http.Request, status int, c portal.Case, in portal.CaseReviewInput, fe portal.FieldErrors) error {
	reviews, err := h.store.CaseReviews(r.Context(), c.ID)
	if err != nil {
		return err
	}
	p := &caseReviewPage{Page: Page{Title: "Review the case – " + c.Reference, Staff: true}, Case: c, Form: in,
		Reviews: reviews, Every: c.Risk.ReviewEvery(), Max: portal.MaxCaseText}
	p.setErrors(fe, "notes", "next-day")
	p.Next = dateField{Name: "next", Legend: "Next review date",
		Hint:  "Suggested from the case's risk. For example, " + h.now().AddDate(0, 0, c.Risk.ReviewEvery()).Format("2 1 2006"),
		Error: fe["next-day"], Parts: in.Next}
	return h.render(w, r, status, "staff_case_review", p)
}

func (h *Handler) saveCaseReview(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.CaseReviewInput{IdempotencyKey: formValue(r, "idempotency_key"), Notes: formValue(r, "notes"),
		Next: portal.DateParts{Day: formValue(r, "next-day"), Month: formValue(r, "next-month"), Year: formValue(r, "next-year")}}
	next, fe := in.Validate(h.now())
	if fe.Any() {
		c, err := h.loadCase(r, "")
		if err != nil {
			return err
		}
		in.IdempotencyKey = freshKey(in.IdempotencyKey)
		return h.renderCaseReview(w, r, http.StatusUnprocessableEntity, c, in, fe)
	}
	c, err := h.caseChange(r, false, func(tx *db.Tx, c portal.Case) error {
		if err := tx.AddCaseReview(r.Context(), c.ID, currentUser(r).ID, in.IdempotencyKey, in.Notes, next); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "case.review", "case", c.Reference,
			map[string]string{"next_review": next.Format("2006-01-02")}))
	})
	if err != nil && !errors.Is(err, db.ErrReplayed) {
		return err
	}
	return h.backToCase(w, r, c.Reference, "reviews", "Review recorded. Next review due "+next.Format("2 January 2006"))
}
