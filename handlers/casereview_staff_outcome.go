package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// The later steps on an application: the review's outcome with its
// recommendations, an appeal, and closing (see casereview_staff_steps.go).

// crRecommendationRow is one row of the outcome form; its fields are named
// rec-N-agency, rec-N-action and rec-N-day/-month/-year.
type crRecommendationRow struct {
	N                        int
	Agency, Action           string
	AgencyError, ActionError string
	Due                      dateField
}

// crRecommendationRows is how many rows the outcome form shows at first.
const crRecommendationRows = 2

func (h *Handler) showCROutcomeForm(w http.ResponseWriter, r *http.Request) error {
	a, err := h.crStepForm(r, "outcome", "outcome")
	if err != nil {
		return err
	}
	in := portal.OutcomeInput{Recommendations: make([]portal.RecommendationInput, crRecommendationRows)}
	return h.renderCROutcome(w, r, http.StatusOK, a, in, nil)
}

func (h *Handler) renderCROutcome(w http.ResponseWriter, r *http.Request, status int, a portal.ApplicationRecord, in portal.OutcomeInput, fe portal.FieldErrors) error {
	p := newCRStepPage("Record the outcome of the review", a)
	p.Outcome = in
	order := []string{"summary"}
	for i, rec := range in.Recommendations {
		name := fmt.Sprintf("rec-%d", i)
		p.Rows = append(p.Rows, crRecommendationRow{N: i, Agency: rec.Agency, Action: rec.Action,
			AgencyError: fe[name+"-agency"], ActionError: fe[name+"-action"],
			Due: dateField{Name: name, Legend: "Due date", Hint: "For example, 30 6 2026", Error: fe[name+"-day"], Parts: rec.Due}})
		order = append(order, name+"-agency", name+"-action", name+"-day")
	}
	p.MoreRows = len(p.Rows) < portal.MaxRecommendations
	p.setErrors(fe, order...)
	return h.render(w, r, status, "staff_casereview_outcome", p)
}

// crOutcomeForm reads the outcome form; "Add another recommendation" asks
// for one more row.
func crOutcomeForm(r *http.Request) (in portal.OutcomeInput, addRow bool) {
	rows, _ := strconv.Atoi(formValue(r, "rows"))
	rows = min(max(rows, 1), portal.MaxRecommendations)
	in.Summary = formValue(r, "summary")
	for i := range rows {
		f := func(name string) string { return formValue(r, fmt.Sprintf("rec-%d-%s", i, name)) }
		in.Recommendations = append(in.Recommendations, portal.RecommendationInput{Agency: f("agency"), Action: f("action"),
			Due: portal.DateParts{Day: f("day"), Month: f("month"), Year: f("year")}})
	}
	addRow = formValue(r, "add") != "" && rows < portal.MaxRecommendations
	if addRow {
		in.Recommendations = append(in.Recommendations, portal.RecommendationInput{})
	}
	return in, addRow
}

func (h *Handler) saveCROutcome(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in, addRow := crOutcomeForm(r)
	a, err := h.loadApplication(r, "")
	if err != nil {
		return err
	}
	if !a.Progress.OutcomeAt.IsZero() {
		return h.backToApplication(w, r, a.Reference, "") // sent again
	}
	if !a.Progress.Can("outcome") {
		return errStepNotAllowed
	}
	if addRow {
		return h.renderCROutcome(w, r, http.StatusOK, a, in, nil)
	}
	if fe := in.Validate(a.Progress.MeetingOn); fe.Any() {
		return h.renderCROutcome(w, r, http.StatusUnprocessableEntity, a, in, fe)
	}
	hol, err := h.store.ExtraHolidays(r.Context())
	if err != nil {
		return err
	}
	recs := in.List()
	return h.takeCRStep(w, r, a.Reference, caseReviewStep{action: "outcome",
		done: func(p portal.ApplicationProgress) bool { return !p.OutcomeAt.IsZero() },
		apply: func(tx *db.Tx, a *portal.ApplicationRecord) (string, map[string]string, error) {
			if err := a.Progress.SendOutcome(h.now()); err != nil {
				return "", nil, err
			}
			a.OutcomeSummary = in.Summary
			if err := tx.AddRecommendations(r.Context(), a.ID, recs); err != nil {
				return "", nil, err
			}
			appealBy := a.Progress.AppealDeadline(a.Policy, hol).Format("2 January 2006")
			flash, err := h.emailApplicant(r.Context(), tx, *a, "casereview_outcome", appealBy, "Outcome recorded.")
			return flash, map[string]string{"recommendations": strconv.Itoa(len(recs))}, err
		}})
}

func (h *Handler) showCRAppealForm(w http.ResponseWriter, r *http.Request) error {
	a, err := h.crStepForm(r, "appeal", "appeal")
	if err != nil {
		return err
	}
	return h.renderCRAppeal(w, r, http.StatusOK, a, portal.AppealInput{}, nil)
}

func (h *Handler) renderCRAppeal(w http.ResponseWriter, r *http.Request, status int, a portal.ApplicationRecord, in portal.AppealInput, fe portal.FieldErrors) error {
	hol, err := h.store.ExtraHolidays(r.Context())
	if err != nil {
		return err
	}
	p := newCRStepPage("Record an appeal", a)
	p.Appeal = in
	p.AppealBy, p.WindowClosed = appealWindow(a, hol, h.now())
	p.setErrors(fe, "reason")
	return h.render(w, r, status, "staff_casereview_appeal", p)
}

func (h *Handler) saveCRAppeal(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.AppealInput{Reason: formValue(r, "reason")}
	a, err := h.loadApplication(r, "")
	if err != nil {
		return err
	}
	if !a.Progress.AppealedAt.IsZero() {
		return h.backToApplication(w, r, a.Reference, "") // sent again
	}
	if !a.Progress.Can("appeal") {
		return errStepNotAllowed
	}
	hol, err := h.store.ExtraHolidays(r.Context())
	if err != nil {
		return err
	}
	fe := in.Validate()
	if deadline := a.Progress.AppealDeadline(a.Policy, hol); portal.LondonDate(h.now()).After(deadline) {
		fe.Add("reason", "The appeal window closed on "+deadline.Format("2 January 2006")+", so an appeal cannot be recorded")
	}
	if fe.Any() {
		return h.renderCRAppeal(w, r, http.StatusUnprocessableEntity, a, in, fe)
	}
	return h.takeCRStep(w, r, a.Reference, caseReviewStep{action: "appeal",
		done: func(p portal.ApplicationProgress) bool { return !p.AppealedAt.IsZero() },
		apply: func(_ *db.Tx, a *portal.ApplicationRecord) (string, map[string]string, error) {
			a.AppealReason = in.Reason
			return "Appeal recorded: it is escalated under the area’s appeal route", nil, a.Progress.Appeal(h.now(), a.Policy, hol)
		}})
}

// appealWindow is the last day to appeal, as people write it, and whether
// that day has passed.
func appealWindow(a portal.ApplicationRecord, hol portal.Holidays, now time.Time) (string, bool) {
	deadline := a.Progress.AppealDeadline(a.Policy, hol)
	if deadline.IsZero() {
		return "", true
	}
	return deadline.Format("2 January 2006"), portal.LondonDate(now).After(deadline)
}

func (h *Handler) showCRCloseForm(w http.ResponseWriter, r *http.Request) error {
	a, err := h.crStepForm(r, "close", "close")
	if err != nil {
		return err
	}
	return h.renderCRClose(w, r, http.StatusOK, a, portal.ApplicationCloseInput{}, nil)
}

func (h *Handler) renderCRClose(w http.ResponseWriter, r *http.Request, status int, a portal.ApplicationRecord, in portal.ApplicationCloseInput, fe portal.FieldErrors) error {
	hol, err := h.store.ExtraHolidays(r.Context())
	if err != nil {
		return err
	}
	p := newCRStepPage("Close the application", a)
	p.Close = in
	p.AppealBy, p.WindowClosed = appealWindow(a, hol, h.now())
	p.setErrors(fe, "appeal-outcome")
	return h.render(w, r, status, "staff_casereview_close", p)
}

func (h *Handler) saveCRClose(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.ApplicationCloseInput{AppealOutcome: formValue(r, "appeal-outcome")}
	a, err := h.loadApplication(r, "")
	if err != nil {
		return err
	}
	if a.Progress.Status == portal.ApplicationClosed {
		return h.backToApplication(w, r, a.Reference, "") // sent again
	}
	if !a.Progress.Can("close") {
		return errStepNotAllowed
	}
	if fe := in.Validate(a.Progress.Status); fe.Any() {
		return h.renderCRClose(w, r, http.StatusUnprocessableEntity, a, in, fe)
	}
	return h.takeCRStep(w, r, a.Reference, caseReviewStep{action: "close",
		done: func(p portal.ApplicationProgress) bool { return p.Status == portal.ApplicationClosed },
		apply: func(_ *db.Tx, a *portal.ApplicationRecord) (string, map[string]string, error) {
			if a.Progress.Status == portal.ApplicationAppealed {
				a.AppealOutcome = in.AppealOutcome
			}
			return "Application closed", nil, a.Progress.Close()
		}})
}
