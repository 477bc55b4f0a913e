package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Problem-solving cases, worked through OSARA: the cases list (with overdue
// supervisory reviews), starting a case and the case page. The changes to a
// case are in staff_case_changes.go, interventions and letters in
// staff_case_interventions.go and staff_case_letters.go, and supervisory
// reviews in staff_case_reviews.go. Every view and every change is audited
// with the case's reference, never its content.

// errCaseClosed answers a change to a closed case.
var errCaseClosed = statusError{http.StatusConflict, "This case is closed",
	"A closed case cannot be changed. Reopen the case first."}

// errInOtherCase answers linking a report that another case took first.
var errInOtherCase = statusError{http.StatusConflict, "This report is already part of another case",
	"Someone linked the report to another case while you were working. Go back to the report to see its case."}

// casesPage is the list of cases in the user's areas.
type casesPage struct {
	Page
	Cases   []portal.Case
	Status  string // "open", "closed" or "all"
	Overdue bool
	Filters []caseFilterLink
}

type caseFilterLink struct {
	Label, Href string
	Current     bool
}

func (h *Handler) listCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := &casesPage{Page: Page{Title: "Cases", Staff: true}, Status: q.Get("status"), Overdue: q.Get("overdue") == "1"}
	f := db.CaseFilter{Overdue: p.Overdue}
	switch p.Status {
	case "closed":
		f.Status = portal.CaseClosed
	case "all":
	default:
		p.Status, f.Status = "open", portal.CaseOpen
	}
	if p.Overdue {
		p.Title = "Cases with an overdue review"
	}
	base := h.routeURL("staff.cases")
	for _, l := range []struct{ label, query, status string }{
		{"Open", "", "open"}, {"Overdue reviews", "?overdue=1", ""}, {"Closed", "?status=closed", "closed"}, {"All", "?status=all", "all"},
	} {
		current := l.status == p.Status && !p.Overdue || l.status == "" && p.Overdue
		p.Filters = append(p.Filters, caseFilterLink{Label: l.label, Href: base + l.query, Current: current})
	}
	var err error
	if p.Cases, err = h.store.Cases(r.Context(), currentUser(r).Scope, f); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_cases", p)
}

// newCasePage is the "start a case" form.
type newCasePage struct {
	Page
	Form   portal.CaseInput
	LPAs   []portal.LPA
	Risks  []portal.Risk
	Report *portal.StaffReport // the report the case starts from, if any
	Max    int
}

func (h *Handler) showNewCase(w http.ResponseWriter, r *http.Request) error {
	in := portal.CaseInput{IdempotencyKey: newIdempotencyKey(), Risk: string(portal.RiskMedium)}
	var rep *portal.StaffReport
	if ref := r.URL.Query().Get("report"); ref != "" {
		got, err := h.caseStartReport(r, ref)
		if err != nil {
			return err
		}
		if err := h.audit(r, "report.view", "report", got.Reference, map[string]string{"page": "start case"}); err != nil {
			return err
		}
		rep = &got
		in.ReportRef, in.NeighbourhoodCode, in.Risk = got.Reference, got.NeighbourhoodCode, string(got.Risk)
		in.Title = got.CategoryName + " reported in " + got.NeighbourhoodName
	}
	return h.renderNewCase(w, r, http.StatusOK, in, rep, nil)
}

// caseStartReport is the report a case is started from, if the user's
// scope covers it; anything else is 404.
func (h *Handler) caseStartReport(r *http.Request, ref string) (portal.StaffReport, error) {
	ref, ok := portal.NormaliseReference(ref)
	if !ok {
		return portal.StaffReport{}, errNotFound
	}
	return h.store.StaffReport(r.Context(), ref, currentUser(r).Scope)
}

func (h *Handler) renderNewCase(w http.ResponseWriter, r *http.Request, status int, in portal.CaseInput, rep *portal.StaffReport, fe portal.FieldErrors) error {
	lpas, err := h.store.LPAsInScope(r.Context(), currentUser(r).Scope)
	if err != nil {
		return err
	}
	p := &newCasePage{Page: Page{Title: "Start a case", Staff: true}, Form: in, LPAs: lpas, Risks: portal.Risks,
		Report: rep, Max: portal.MaxCaseText}
	p.setErrors(fe, "report", "title", "neighbourhood", "risk", "objective")
	return h.render(w, r, status, "staff_case_new", p)
}

func (h *Handler) createCase(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, u := r.Context(), currentUser(r)
	in := portal.CaseInput{IdempotencyKey: formValue(r, "idempotency_key"), Title: formValue(r, "title"),
		NeighbourhoodCode: formValue(r, "neighbourhood"), Risk: formValue(r, "risk"),
		Objective: formValue(r, "objective"), ReportRef: formValue(r, "report")}
	if portal.ValidIdempotencyKey(in.IdempotencyKey) {
		// The same form sent again (a double click): answer with its case.
		ref, err := h.store.CaseByKey(ctx, in.IdempotencyKey, u.Scope)
		if err == nil {
			return h.backToCase(w, r, ref, "", "")
		} else if !errors.Is(err, portal.ErrNotFound) {
			return err
		}
	}
	var rep *portal.StaffReport
	if in.ReportRef != "" {
		got, err := h.caseStartReport(r, in.ReportRef)
		if err != nil {
			return err
		}
		rep = &got
	}
	lpas, err := h.store.LPAsInScope(ctx, u.Scope)
	if err != nil {
		return err
	}
	fe := in.Validate(areaCodes(lpas))
	if rep != nil && rep.CaseReference != "" {
		fe.Add("report", rep.Reference+" is already part of case "+rep.CaseReference+". Start a case without it, or work on that case")
	}
	if fe.Any() {
		in.IdempotencyKey = freshKey(in.IdempotencyKey)
		return h.renderNewCase(w, r, http.StatusUnprocessableEntity, in, rep, fe)
	}
	var ref string
	err = h.store.InTx(ctx, func(tx *db.Tx) error {
		id, got, created, err := tx.CreateCase(ctx, db.NewCase{Key: in.IdempotencyKey, Title: in.Title,
			NeighbourhoodCode: in.NeighbourhoodCode, Risk: portal.Risk(in.Risk), Objective: in.Objective,
			OwnerID: u.ID, NextReview: portal.Risk(in.Risk).NextReview(h.now()), Scope: u.Scope})
		if ref = got; err != nil || !created {
			return err // a replayed form: the case exists, answer as the first time
		}
		details := map[string]string{}
		if rep != nil {
			c := portal.Case{ID: id, Reference: ref}
			if _, err := tx.LinkReport(ctx, c, rep.Reference, u.ID, u.Scope); err != nil {
				return err // linked to another case meanwhile: 409, nothing saved
			}
			details["report"] = rep.Reference
		}
		return tx.Audit(ctx, h.auditEntry(r, "case.create", "case", ref, details))
	})
	if errors.Is(err, db.ErrLinkedElsewhere) {
		return errInOtherCase
	}
	if err != nil {
		return err
	}
	return h.backToCase(w, r, ref, "", "Case "+ref+" started")
}

// areaCodes lists the neighbourhood codes of lpas.
func areaCodes(lpas []portal.LPA) []string {
	var out []string
	for _, l := range lpas {
		for _, n := range l.Neighbourhoods {
			out = append(out, n.Code)
		}
	}
	return out
}

// backToCase answers 303 to the case page (at anchor, if given) with a flash.
func (h *Handler) backToCase(w http.ResponseWriter, r *http.Request, ref, anchor, flash string) error {
	if flash != "" {
		if err := h.flash(w, r, flash); err != nil {
			return err
		}
	}
	target := h.routeURL("staff.case", "ref", ref)
	if anchor != "" {
		target += "#" + url.PathEscape(anchor)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// loadCase reads the case named in the URL if the user's scope covers it;
// anything else is 404, as if it did not exist. A page view (page not "")
// is audited.
func (h *Handler) loadCase(r *http.Request, page string) (portal.Case, error) {
	ref := routeVar(r, "ref")
	if !portal.ValidCaseReference(ref) {
		return portal.Case{}, errNotFound
	}
	c, err := h.store.Case(r.Context(), ref, currentUser(r).Scope)
	if err != nil {
		return c, err
	}
	if page != "" {
		err = h.audit(r, "case.view", "case", c.Reference, map[string]string{"page": page})
	}
	return c, err
}

// caseShowPage is the case, organised by OSARA.
type caseShowPage struct {
	Page
	Case          portal.Case
	Reports       []portal.CaseReport
	Notes         []portal.CaseNote
	Interventions []portal.Intervention
	Ladder        []portal.LadderStep
	Reviews       []portal.CaseReview
	Heatmap       heatmapView
	Plot          plotView
	CanReview     bool
	LinkRef       string
	Note          portal.CaseNoteInput
	MaxNote       int
}

func (h *Handler) showCase(w http.ResponseWriter, r *http.Request) error {
	c, err := h.loadCase(r, "case")
	if err != nil {
		return err
	}
	return h.renderCase(w, r, http.StatusOK, c, caseShowPage{Note: portal.CaseNoteInput{IdempotencyKey: newIdempotencyKey()}}, nil)
}

// renderCase renders the case page; forms carries the inline forms' input
// (linking a report, partner information) and fe their errors.
func (h *Handler) renderCase(w http.ResponseWriter, r *http.Request, status int, c portal.Case, forms caseShowPage, fe portal.FieldErrors) error {
	ctx, u := r.Context(), currentUser(r)
	p := &forms
	p.Page = Page{Title: c.Reference + ": " + c.Title, Staff: true}
	p.Case, p.MaxNote, p.CanReview = c, portal.MaxNoteText, u.Has(portal.RoleSergeant, portal.RoleForceAdmin)
	var err error
	if p.Reports, err = h.store.CaseReports(ctx, c.ID, u.Scope); err != nil {
		return err
	}
	if p.Notes, err = h.store.CaseNotes(ctx, c.ID); err != nil {
		return err
	}
	if p.Interventions, err = h.store.Interventions(ctx, c.ID); err != nil {
		return err
	}
	if p.Reviews, err = h.store.CaseReviews(ctx, c.ID); err != nil {
		return err
	}
	p.Ladder = portal.CaseLadder(p.Interventions)
	p.Heatmap = newHeatmapView(portal.CaseHeatmap(p.Reports, london), "case-heatmap",
		"When the behaviour happens, by day and hour", "reports")
	var places []plotPlace
	for _, rep := range p.Reports {
		if rep.HasLocation {
			places = append(places, plotPlace{Lat: rep.Latitude, Lon: rep.Longitude, Label: rep.Reference})
		}
	}
	p.Plot = newPlotView(places, "case-plot", "Where the linked reports are, relative to each other (north is up)")
	p.setErrors(fe, "link-report", "note-source", "note-body")
	return h.render(w, r, status, "staff_case", p)
}
