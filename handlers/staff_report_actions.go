package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Triage actions on a report: risk assessment, assignment, category,
// duplicates and cases.

// riskPage is the risk assessment form.
type riskPage struct {
	reportFormPage
	Form      portal.RiskReviewInput
	Questions []portal.RiskQuestion
	Risks     []portal.Risk
	Targets   portal.Targets
	MaxReason int
}

func (h *Handler) showRiskForm(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "risk")
	if err != nil {
		return err
	}
	if rep.Closed() {
		return errReportClosed
	}
	flags, err := h.store.ReportFlags(r.Context(), currentUser(r).Scope, rep.ID)
	if err != nil {
		return err
	}
	in := portal.RiskReviewInputFrom(rep, flags.RepeatVictim)
	in.Key = newIdempotencyKey()
	return h.renderRisk(w, r, http.StatusOK, rep, in, nil)
}

func (h *Handler) renderRisk(w http.ResponseWriter, r *http.Request, status int, rep portal.StaffReport, in portal.RiskReviewInput, fe portal.FieldErrors) error {
	p := &riskPage{reportFormPage: newReportFormPage("Assess the risk", rep, in.Key), Form: in,
		Questions: portal.RiskQuestions, Risks: portal.Risks, Targets: h.cfg.Targets, MaxReason: portal.MaxRiskReason}
	p.setErrors(fe, "repeat", "vulnerable", "health", "home", "hate", "override", "reason")
	return h.render(w, r, status, "staff_report_risk", p)
}

func (h *Handler) saveRisk(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.RiskReviewInput{Key: formValue(r, "idempotency_key"), Answers: map[string]string{},
		Override: formValue(r, "override"), Reason: formValue(r, "reason")}
	for _, q := range portal.RiskQuestions {
		in.Answers[q.Field] = formValue(r, q.Field)
	}
	const done = "The risk assessment has been saved"
	if replayed, err := h.replayed(w, r, rep, in.Key, done); replayed || err != nil {
		return err
	}
	if fe := in.Validate(); fe.Any() {
		in.Key = freshKey(in.Key)
		return h.renderRisk(w, r, http.StatusUnprocessableEntity, rep, in, fe)
	}
	q := in.Review()
	body := "Risk assessed as " + q.Final().Label()
	if q.Override != "" {
		body += " (the answers gave " + q.Computed().Label() + "). Reason: " + q.Reason
	}
	due := h.cfg.Targets.DueAt(rep.CreatedAt, q.Final())
	return h.doReportAction(w, r, rep, reportAction{key: in.Key, audit: "report.risk",
		details: map[string]string{"risk": string(q.Final()), "overridden": strconv.FormatBool(q.Override != "")},
		event:   db.ReportEventInput{Kind: "risk", Body: body}, flash: done + ": " + q.Final().Label() + " risk",
		apply: func(ctx context.Context, tx *db.Tx, status portal.ReportStatus) error {
			if err := tx.SetReportRisk(ctx, rep.ID, q, due, currentUser(r).ID); err != nil {
				return err
			}
			return markTriaged(ctx, tx, rep, status)
		}})
}

// assignPage is the form that assigns a report to a member of staff.
type assignPage struct {
	reportFormPage
	Staff    []portal.Assignee
	Assignee string
}

func (h *Handler) showAssignForm(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "assign")
	if err != nil {
		return err
	}
	if rep.Closed() {
		return errReportClosed
	}
	in := portal.AssignInput{Key: newIdempotencyKey()}
	if rep.AssignedTo != 0 {
		in.Assignee = strconv.FormatInt(rep.AssignedTo, 10)
	}
	return h.renderAssign(w, r, http.StatusOK, rep, in, nil)
}

func (h *Handler) renderAssign(w http.ResponseWriter, r *http.Request, status int, rep portal.StaffReport, in portal.AssignInput, fe portal.FieldErrors) error {
	staff, err := h.store.AssignableStaff(r.Context(), rep.NeighbourhoodID)
	if err != nil {
		return err
	}
	p := &assignPage{reportFormPage: newReportFormPage("Assign the report", rep, in.Key), Staff: staff, Assignee: in.Assignee}
	p.setErrors(fe, "assignee")
	return h.render(w, r, status, "staff_report_assign", p)
}

func (h *Handler) saveAssign(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.AssignInput{Key: formValue(r, "idempotency_key"), Assignee: formValue(r, "assignee")}
	const done = "The report's assignment has been saved"
	if replayed, err := h.replayed(w, r, rep, in.Key, done); replayed || err != nil {
		return err
	}
	staff, err := h.store.AssignableStaff(r.Context(), rep.NeighbourhoodID)
	if err != nil {
		return err
	}
	id, fe := in.Validate(staff)
	if fe.Any() {
		in.Key = freshKey(in.Key)
		return h.renderAssign(w, r, http.StatusUnprocessableEntity, rep, in, fe)
	}
	body := "Unassigned"
	for _, s := range staff {
		if s.ID == id {
			body = "Assigned to " + s.Name
		}
	}
	return h.doReportAction(w, r, rep, reportAction{key: in.Key, audit: "report.assign",
		details: map[string]string{"assignee_id": strconv.FormatInt(id, 10)},
		event:   db.ReportEventInput{Kind: "assigned", Body: body}, flash: body,
		apply: func(ctx context.Context, tx *db.Tx, status portal.ReportStatus) error {
			if err := tx.AssignReport(ctx, rep.ID, id); err != nil {
				return err
			}
			return markTriaged(ctx, tx, rep, status)
		}})
}

// categoryPage is the form that changes a report's category.
type categoryPage struct {
	reportFormPage
	Categories []portal.Category
	Category   string
}

func (h *Handler) showRecategoriseForm(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "category")
	if err != nil {
		return err
	}
	if rep.Closed() {
		return errReportClosed
	}
	return h.renderRecategorise(w, r, http.StatusOK, rep, portal.RecategoriseInput{Key: newIdempotencyKey()}, nil)
}

func (h *Handler) renderRecategorise(w http.ResponseWriter, r *http.Request, status int, rep portal.StaffReport, in portal.RecategoriseInput, fe portal.FieldErrors) error {
	cats, err := h.store.Categories(r.Context())
	if err != nil {
		return err
	}
	p := &categoryPage{reportFormPage: newReportFormPage("Change the category", rep, in.Key), Categories: cats, Category: in.Category}
	p.setErrors(fe, "category")
	return h.render(w, r, status, "staff_report_category", p)
}

func (h *Handler) saveRecategorise(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.RecategoriseInput{Key: formValue(r, "idempotency_key"), Category: formValue(r, "category")}
	const done = "The category has been changed"
	if replayed, err := h.replayed(w, r, rep, in.Key, done); replayed || err != nil {
		return err
	}
	cats, err := h.store.Categories(r.Context())
	if err != nil {
		return err
	}
	if fe := in.Validate(cats, rep.CategoryCode); fe.Any() {
		in.Key = freshKey(in.Key)
		return h.renderRecategorise(w, r, http.StatusUnprocessableEntity, rep, in, fe)
	}
	name := in.Category
	for _, c := range cats {
		if c.Code == in.Category {
			name = c.Name
		}
	}
	return h.doReportAction(w, r, rep, reportAction{key: in.Key, audit: "report.category",
		details: map[string]string{"from": rep.CategoryCode, "to": in.Category},
		event:   db.ReportEventInput{Kind: "category", Body: "Changed from " + rep.CategoryName + " to " + name},
		flash:   done + " to " + name,
		apply: func(ctx context.Context, tx *db.Tx, _ portal.ReportStatus) error {
			return tx.SetReportCategory(ctx, rep.ID, in.Category)
		}})
}

// duplicatePage is the form that marks a report as a duplicate of another.
type duplicatePage struct {
	reportFormPage
	Reference string
}

func (h *Handler) showDuplicateForm(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "duplicate")
	if err != nil {
		return err
	}
	if rep.Closed() {
		return errReportClosed
	}
	return h.renderDuplicate(w, r, http.StatusOK, rep, portal.DuplicateInput{Key: newIdempotencyKey()}, nil)
}

func (h *Handler) renderDuplicate(w http.ResponseWriter, r *http.Request, status int, rep portal.StaffReport, in portal.DuplicateInput, fe portal.FieldErrors) error {
	p := &duplicatePage{reportFormPage: newReportFormPage("Mark as a duplicate", rep, in.Key), Reference: in.Reference}
	p.setErrors(fe, "reference")
	return h.render(w, r, status, "staff_report_duplicate", p)
}

// errNotDuplicable explains why a report cannot be the original.
var errNotDuplicable = errors.New("handlers: report is itself a duplicate")

func (h *Handler) saveDuplicate(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.DuplicateInput{Key: formValue(r, "idempotency_key"), Reference: formValue(r, "reference")}
	const done = "The report has been closed as a duplicate"
	if replayed, err := h.replayed(w, r, rep, in.Key, done); replayed || err != nil {
		return err
	}
	ref, fe := in.Validate(rep.Reference)
	invalid := func(fe portal.FieldErrors) error {
		in.Key = freshKey(in.Key)
		return h.renderDuplicate(w, r, http.StatusUnprocessableEntity, rep, in, fe)
	}
	if fe.Any() {
		return invalid(fe)
	}
	err = h.doReportAction(w, r, rep, reportAction{key: in.Key, audit: "report.duplicate",
		details: map[string]string{"duplicate_of": ref},
		event:   db.ReportEventInput{Kind: "duplicate", Body: "Duplicate of " + ref}, flash: done,
		apply: func(ctx context.Context, tx *db.Tx, _ portal.ReportStatus) error {
			orig, origDup, err := tx.ReportIDInScope(ctx, ref, currentUser(r).Scope)
			if err != nil {
				return err
			}
			if origDup != 0 {
				return errNotDuplicable
			}
			return h.closeReport(ctx, tx, rep, portal.OutcomeDuplicate, orig, "")
		}})
	switch {
	case errors.Is(err, portal.ErrNotFound):
		return invalid(portal.FieldErrors{"reference": "We could not find a report with that reference in your areas"})
	case errors.Is(err, errNotDuplicable):
		return invalid(portal.FieldErrors{"reference": "That report is itself closed as a duplicate. Enter the reference of the report it duplicates"})
	}
	return err
}

// casePage is the form that links a report to an open case.
type casePage struct {
	reportFormPage
	Cases      []portal.CaseLink
	Case       string
	NewCaseURL string
}

func (h *Handler) showCaseLinkForm(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "case")
	if err != nil {
		return err
	}
	if rep.Closed() {
		return errReportClosed
	}
	return h.renderCaseLink(w, r, http.StatusOK, rep, portal.CaseLinkInput{Key: newIdempotencyKey(), Case: rep.CaseReference}, nil)
}

func (h *Handler) renderCaseLink(w http.ResponseWriter, r *http.Request, status int, rep portal.StaffReport, in portal.CaseLinkInput, fe portal.FieldErrors) error {
	cases, err := h.store.OpenCasesForReport(r.Context(), rep.NeighbourhoodID, currentUser(r).Scope)
	if err != nil {
		return err
	}
	p := &casePage{reportFormPage: newReportFormPage("Link to a case", rep, in.Key), Cases: cases, Case: in.Case,
		NewCaseURL: h.newCaseURL(rep)}
	p.setErrors(fe, "case")
	return h.render(w, r, status, "staff_report_case", p)
}

func (h *Handler) saveCaseLink(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.CaseLinkInput{Key: formValue(r, "idempotency_key"), Case: formValue(r, "case")}
	const done = "The report has been linked to the case"
	if replayed, err := h.replayed(w, r, rep, in.Key, done); replayed || err != nil {
		return err
	}
	scope := currentUser(r).Scope
	cases, err := h.store.OpenCasesForReport(r.Context(), rep.NeighbourhoodID, scope)
	if err != nil {
		return err
	}
	if fe := in.Validate(cases); fe.Any() {
		in.Key = freshKey(in.Key)
		return h.renderCaseLink(w, r, http.StatusUnprocessableEntity, rep, in, fe)
	}
	return h.doReportAction(w, r, rep, reportAction{key: in.Key, audit: "report.case",
		details: map[string]string{"case": in.Case},
		event:   db.ReportEventInput{Kind: "case", Body: "Linked to case " + in.Case}, flash: done + " " + in.Case,
		apply: func(ctx context.Context, tx *db.Tx, status portal.ReportStatus) error {
			if err := tx.LinkReportToCase(ctx, rep.ID, in.Case, scope); err != nil {
				return err
			}
			return markTriaged(ctx, tx, rep, status)
		}})
}
