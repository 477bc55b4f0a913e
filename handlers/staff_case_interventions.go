package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// The response stage of a case: interventions recorded on the escalation
// ladder. The form steers toward early intervention: a civil power with no
// earlier step on the case needs a reason. Kinds served as letters start
// their letter from its template, to be checked and printed next.

// caseInterventionPage records an intervention, or updates one.
type caseInterventionPage struct {
	Page
	Case         portal.Case
	Intervention *portal.Intervention // nil when recording a new one
	Form         portal.InterventionInput
	Ladder       []portal.Rung
	Officers     []portal.Assignee
	Statuses     []portal.InterventionStatus
	EarlySteps   bool // the case has an earlier step or mediation already
	Issued       dateField
	Review       dateField
	Max          int
}

// dateField is a GOV.UK date input, drawn by the "date_input"
// template; its boxes are named Name-day, Name-month and Name-year.
type dateField struct {
	Name, Legend, Hint, Error string
	Parts                     portal.DateParts
}

func (h *Handler) showNewIntervention(w http.ResponseWriter, r *http.Request) error {
	c, err := h.loadCase(r, "record intervention")
	if err != nil {
		return err
	}
	if !c.Open() {
		return errCaseClosed
	}
	today := portal.DateOf(h.now())
	in := portal.InterventionInput{IdempotencyKey: newIdempotencyKey(), Kind: r.URL.Query().Get("kind"),
		OfficerID: currentUser(r).ID, Issued: portal.PartsOf(today), Status: string(portal.InterventionActive),
		Review: portal.PartsOf(today.AddDate(0, 0, 28))}
	if !portal.InterventionKind(in.Kind).Valid() {
		in.Kind = ""
	}
	return h.renderIntervention(w, r, http.StatusOK, c, nil, in, nil)
}

func (h *Handler) renderIntervention(w http.ResponseWriter, r *http.Request, status int, c portal.Case, iv *portal.Intervention, in portal.InterventionInput, fe portal.FieldErrors) error {
	ctx := r.Context()
	officers, err := h.store.AssignableStaff(ctx, c.NeighbourhoodID)
	if err != nil {
		return err
	}
	ivs, err := h.store.Interventions(ctx, c.ID)
	if err != nil {
		return err
	}
	title := "Record an intervention"
	if iv != nil {
		title = iv.Kind.Label()
	}
	p := &caseInterventionPage{Page: Page{Title: title + " – " + c.Reference, Staff: true}, Case: c, Intervention: iv,
		Form: in, Ladder: portal.Ladder, Officers: officers, Statuses: portal.InterventionStatuses,
		EarlySteps: !portal.SkipsLadder(ivs, portal.CommunityProtectionWarning), Max: portal.MaxCaseText}
	p.setErrors(fe, "kind", "subject", "officer", "issued-day", "status", "review-day", "notes")
	p.Issued = dateField{Name: "issued", Legend: "Date issued", Hint: "For example, 27 3 2026. For a planned intervention, when it will be issued",
		Error: fe["issued-day"], Parts: in.Issued}
	p.Review = dateField{Name: "review", Legend: "Review date (optional)", Hint: "When to check whether it has worked",
		Error: fe["review-day"], Parts: in.Review}
	return h.render(w, r, status, "staff_case_intervention", p)
}

// interventionForm reads the intervention form.
func interventionForm(r *http.Request) portal.InterventionInput {
	officer, _ := strconv.ParseInt(formValue(r, "officer"), 10, 64)
	return portal.InterventionInput{
		IdempotencyKey: formValue(r, "idempotency_key"), Kind: formValue(r, "kind"), Subject: formValue(r, "subject"),
		OfficerID: officer, Status: formValue(r, "status"), Notes: formValue(r, "notes"),
		Issued: portal.DateParts{Day: formValue(r, "issued-day"), Month: formValue(r, "issued-month"), Year: formValue(r, "issued-year")},
		Review: portal.DateParts{Day: formValue(r, "review-day"), Month: formValue(r, "review-month"), Year: formValue(r, "review-year")},
	}
}

func (h *Handler) createIntervention(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, in := r.Context(), interventionForm(r)
	c, err := h.loadCase(r, "")
	if err != nil {
		return err
	}
	officers, err := h.store.AssignableStaff(ctx, c.NeighbourhoodID)
	if err != nil {
		return err
	}
	ivs, err := h.store.Interventions(ctx, c.ID)
	if err != nil {
		return err
	}
	ids := make([]int64, len(officers))
	for i, o := range officers {
		ids[i] = o.ID
	}
	issued, review, fe := in.Validate(ivs, ids, h.now(), false)
	if fe.Any() {
		in.IdempotencyKey = freshKey(in.IdempotencyKey)
		return h.renderIntervention(w, r, http.StatusUnprocessableEntity, c, nil, in, fe)
	}
	kind := portal.InterventionKind(in.Kind)
	ni := db.NewIntervention{Key: in.IdempotencyKey, Kind: kind, Subject: in.Subject, OfficerID: in.OfficerID,
		IssuedOn: issued, Status: portal.InterventionStatus(in.Status), ReviewOn: review, Notes: in.Notes}
	if kind.HasLetter() {
		tpl, err := h.store.LetterTemplate(ctx, kind)
		if err != nil {
			return err
		}
		officer := officers[slices.IndexFunc(officers, func(o portal.Assignee) bool { return o.ID == in.OfficerID })]
		ni.LetterBody = portal.FillLetter(tpl.Body, portal.LetterValues{Subject: in.Subject, Date: issued,
			Officer: officer.Name, Neighbourhood: c.NeighbourhoodName, CaseReference: c.Reference})
	}
	var id int64
	c, err = h.caseChange(r, false, func(tx *db.Tx, c portal.Case) error {
		added, err := tx.AddIntervention(ctx, c.ID, ni)
		if id = added; err != nil {
			return err
		}
		return tx.Audit(ctx, h.auditEntry(r, "case.intervention.add", "case", c.Reference,
			map[string]string{"intervention": strconv.FormatInt(id, 10), "kind": string(kind)}))
	})
	if errors.Is(err, db.ErrReplayed) {
		return h.backToCase(w, r, c.Reference, "response", "")
	}
	if err != nil {
		return err
	}
	if kind.HasLetter() {
		if err := h.flash(w, r, kind.Label()+" recorded. Check the letter, then print it"); err != nil {
			return err
		}
		http.Redirect(w, r, h.routeURL("staff.case.letter", "ref", c.Reference, "id", strconv.FormatInt(id, 10)), http.StatusSeeOther)
		return nil
	}
	return h.backToCase(w, r, c.Reference, "response", kind.Label()+" recorded")
}

// caseIntervention loads the case and one of its interventions named in the
// URL; a page view (page not "") is audited.
func (h *Handler) caseIntervention(r *http.Request, page string) (portal.Case, portal.Intervention, error) {
	c, err := h.loadCase(r, page)
	if err != nil {
		return c, portal.Intervention{}, err
	}
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return c, portal.Intervention{}, errNotFound
	}
	iv, err := h.store.Intervention(r.Context(), c.ID, id)
	return c, iv, err
}

func (h *Handler) showIntervention(w http.ResponseWriter, r *http.Request) error {
	c, iv, err := h.caseIntervention(r, "intervention")
	if err != nil {
		return err
	}
	if !c.Open() {
		return errCaseClosed
	}
	in := portal.InterventionInput{IdempotencyKey: newIdempotencyKey(), Status: string(iv.Status),
		Issued: portal.PartsOf(iv.IssuedOn), Review: portal.PartsOf(iv.ReviewOn), Notes: iv.Notes}
	return h.renderIntervention(w, r, http.StatusOK, c, &iv, in, nil)
}

// updateIntervention changes an intervention's status, review date and
// notes, such as recording that a CPW was breached.
func (h *Handler) updateIntervention(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, iv, err := h.caseIntervention(r, "")
	if err != nil {
		return err
	}
	in := interventionForm(r)
	in.Issued = portal.PartsOf(iv.IssuedOn)
	_, review, fe := in.Validate(nil, nil, h.now(), true)
	if fe.Any() {
		in.IdempotencyKey = freshKey(in.IdempotencyKey)
		return h.renderIntervention(w, r, http.StatusUnprocessableEntity, c, &iv, in, fe)
	}
	_, err = h.caseChange(r, false, func(tx *db.Tx, c portal.Case) error {
		changed, err := tx.UpdateIntervention(r.Context(), c.ID, iv.ID, portal.InterventionStatus(in.Status), review, in.Notes)
		if err != nil || len(changed) == 0 {
			return err
		}
		details := map[string]string{"intervention": strconv.FormatInt(iv.ID, 10), "kind": string(iv.Kind)}
		if slices.Contains(changed, "status") {
			details["status"] = in.Status
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "case.intervention.update", "case", c.Reference, details))
	})
	if err != nil {
		return err
	}
	return h.backToCase(w, r, c.Reference, "response", iv.Kind.Label()+" updated")
}
