package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/beacon-portal/beacon/portal"
)

// The ASB Case Review checker: GOV.UK question pages, one thing per page,
// answers kept in the session. Postcode → area → incidents one at a time →
// a result that explains itself. Signed-in residents start from their own
// reports. No sign-in is needed.

const sessCaseReview = "case_review_draft"

// crPage is the data of every checker and application page.
type crPage struct {
	Page
	Draft       *portal.CaseReviewDraft
	Incident    *portal.CheckerIncident
	Number      int  // the incident's position in the list, from 1
	Change      bool // came from a summary: return there
	Back        string
	Problems    []portal.ResidentProblem
	Choice      string // the problem question's answer as posted
	ProblemName string
	Agencies    []portal.Option
	HateAnswers []portal.Option
	VictimKinds []portal.Option
	AddAnother  string
	Postcode    string
	Result      portal.CheckResult
	Policy      portal.CaseReviewPolicy
	Routes      []string
	Outcomes    []incidentOutcome
	NotSure     bool // an incident's hate answer was "not sure"
	Max         int
}

// incidentOutcome is one incident on the result page, with the engine's view.
type incidentOutcome struct {
	Number     int
	Incident   portal.CheckerIncident
	Qualifying bool
	Reason     string
}

// crDraft returns the resident's checker answers from their session,
// starting new ones (with a fresh idempotency key) when there are none.
func (h *Handler) crDraft(r *http.Request) (*portal.CaseReviewDraft, error) {
	sess, err := h.session(r)
	if err != nil {
		return nil, err
	}
	if d, ok := sess.Values[sessCaseReview].(*portal.CaseReviewDraft); ok && d != nil {
		return d, nil
	}
	d := &portal.CaseReviewDraft{Key: newIdempotencyKey()}
	if u := currentUser(r); u != nil && !u.IsStaff() {
		d.Email, d.Name = u.Email, u.DisplayName
	}
	return d, nil
}

func (h *Handler) saveCRDraft(w http.ResponseWriter, r *http.Request, d *portal.CaseReviewDraft) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	sess.Values[sessCaseReview] = d
	return sess.Save(r, w)
}

// crRedirect answers 303 See Other to a named route.
func (h *Handler) crRedirect(w http.ResponseWriter, r *http.Request, name string, pairs ...string) error {
	http.Redirect(w, r, h.routeURL(name, pairs...), http.StatusSeeOther)
	return nil
}

func (h *Handler) newCRPage(r *http.Request, d *portal.CaseReviewDraft, title, back string) *crPage {
	p := &crPage{Page: Page{Title: title}, Draft: d, Back: back, Agencies: portal.Agencies,
		HateAnswers: portal.HateAnswers, VictimKinds: portal.VictimKinds, Max: portal.MaxApplicationSummary,
		Change: r.URL.Query().Get("change") == "1" || r.PostForm.Get("change") == "1"}
	return p
}

// residentProblems lists a signed-in resident's reports by problem; nil for
// everyone else.
func (h *Handler) residentProblems(r *http.Request) ([]portal.ResidentProblem, error) {
	u := currentUser(r)
	if u == nil || u.Role != portal.RoleResident {
		return nil, nil
	}
	return h.store.ResidentProblems(r.Context(), u.ID)
}

// startChecker sends the resident to where they are: back to their
// incidents, to their own reports when signed in, or to the postcode.
func (h *Handler) startChecker(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	if d.Area != "" && len(d.Incidents) > 0 {
		return h.crRedirect(w, r, "casereview.check.incidents")
	}
	problems, err := h.residentProblems(r)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return h.crRedirect(w, r, "casereview.check.reports")
	}
	return h.crRedirect(w, r, "casereview.check.postcode")
}

func (h *Handler) showYourReports(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	p := h.newCRPage(r, d, "Which problem do you want to check?", h.routeURL("casereview.start"))
	if p.Problems, err = h.residentProblems(r); err != nil {
		return err
	}
	if len(p.Problems) == 0 {
		return h.crRedirect(w, r, "casereview.check.postcode")
	}
	return h.render(w, r, http.StatusOK, "casereview_reports", p)
}

// saveYourReports starts the checker from one of the resident's problems,
// or sends them to the postcode question for a problem not reported here.
func (h *Handler) saveYourReports(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	problems, err := h.residentProblems(r)
	if err != nil {
		return err
	}
	choice := formValue(r, "problem")
	if choice == "other" {
		return h.crRedirect(w, r, "casereview.check.postcode")
	}
	k := slices.IndexFunc(problems, func(p portal.ResidentProblem) bool { return strconv.FormatInt(p.ProblemID, 10) == choice })
	if k < 0 {
		p := h.newCRPage(r, d, "Which problem do you want to check?", h.routeURL("casereview.start"))
		p.Problems = problems
		p.setErrors(portal.FieldErrors{"problem": "Select the problem you want to check, or that it is not listed"}, "problem")
		return h.render(w, r, http.StatusUnprocessableEntity, "casereview_reports", p)
	}
	d.StartFromProblem(problems[k])
	return h.toIncidents(w, r, d)
}

// toIncidents saves the draft once its area is known and goes on to the
// incidents (the first question of a first one), or to the "no policy" page
// when the area has none.
func (h *Handler) toIncidents(w http.ResponseWriter, r *http.Request, d *portal.CaseReviewDraft) error {
	_, _, err := h.store.CaseReviewPolicy(r.Context(), d.Area, h.now())
	noPolicy := errors.Is(err, portal.ErrNotFound)
	if err != nil && !noPolicy {
		return err
	}
	var first *portal.CheckerIncident
	if !noPolicy && len(d.Incidents) == 0 {
		first = d.AddIncident()
	}
	if err := h.saveCRDraft(w, r, d); err != nil {
		return err
	}
	switch {
	case noPolicy:
		return h.crRedirect(w, r, "casereview.check.nopolicy")
	case first != nil:
		return h.crRedirect(w, r, "casereview.check.incident", "id", strconv.Itoa(first.ID), "step", "when")
	}
	return h.crRedirect(w, r, "casereview.check.incidents")
}

func (h *Handler) showCRPostcode(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	p := h.newCRPage(r, d, "What is the postcode where the problem is happening?", h.routeURL("casereview.start"))
	p.Postcode = portal.DisplayPostcode(d.Postcode)
	return h.render(w, r, http.StatusOK, "casereview_postcode", p)
}

// saveCRPostcode finds the local authority area, whose policy applies.
func (h *Handler) saveCRPostcode(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	typed := formValue(r, "postcode")
	invalid := func(fe portal.FieldErrors) error {
		p := h.newCRPage(r, d, "What is the postcode where the problem is happening?", h.routeURL("casereview.start"))
		p.Postcode = typed
		p.setErrors(fe, "postcode")
		return h.render(w, r, http.StatusUnprocessableEntity, "casereview_postcode", p)
	}
	pc, fe := portal.PostcodeLookupInput{Postcode: typed}.Validate()
	if fe.Any() {
		return invalid(fe)
	}
	if err := h.allow(r, h.cfg.Limits.PostcodeLookups, clientAddr(r)); err != nil {
		return err
	}
	n, err := h.store.NeighbourhoodForPostcode(r.Context(), pc)
	switch {
	case errors.Is(err, portal.ErrUnknownPostcode):
		return invalid(portal.FieldErrors{"postcode": "We could not find that postcode. Check it and try again"})
	case errors.Is(err, portal.ErrOutsideArea):
		return h.crRedirect(w, r, "casereview.check.outside")
	case err != nil:
		return err
	}
	d.Postcode, d.Area, d.AreaName = pc, n.LocalAuthorityCode, n.LocalAuthorityName
	return h.toIncidents(w, r, d)
}

// showCROutside tells a resident their place is policed by another force.
func (h *Handler) showCROutside(w http.ResponseWriter, r *http.Request) error {
	p := &crPage{Page: Page{Title: "This place is outside our area"}, Back: h.routeURL("casereview.check.postcode")}
	return h.render(w, r, http.StatusOK, "casereview_outside", p)
}

// showCRNoPolicy tells a resident their area has not published a policy.
func (h *Handler) showCRNoPolicy(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	if d.Area == "" {
		return h.crRedirect(w, r, "casereview.check")
	}
	p := h.newCRPage(r, d, "We cannot check this area yet", h.routeURL("casereview.check.postcode"))
	return h.render(w, r, http.StatusOK, "casereview_no_policy", p)
}

// restartChecker clears the answers (an application in progress too).
func (h *Handler) restartChecker(w http.ResponseWriter, r *http.Request) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	delete(sess.Values, sessCaseReview)
	if err := sess.Save(r, w); err != nil {
		return err
	}
	return h.crRedirect(w, r, "casereview.check")
}

// checkFromReport starts the checker from a tracked report: the reporter
// proved the reference and email (or is signed in), so their own reports
// about its problem are filled in.
func (h *Handler) checkFromReport(w http.ResponseWriter, r *http.Request) error {
	t, err := h.trackedReport(r)
	if err != nil {
		return err
	}
	ev, err := h.store.CaseReviewEvidence(r.Context(), t.ID, h.now())
	if err != nil {
		return err
	}
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	if !ev.HasPolicy || len(ev.Problem.Reports) == 0 {
		return h.crRedirect(w, r, "casereview.check")
	}
	d.StartFromProblem(ev.Problem)
	return h.toIncidents(w, r, d)
}
