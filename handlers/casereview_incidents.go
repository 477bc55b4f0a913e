package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// The checker's incidents: four questions about each one, a list to review,
// change and remove them, "add another", and the result.

// incidentStepTitles are the questions asked about each incident.
var incidentStepTitles = map[string]string{
	"when":     "When did it happen?",
	"reported": "Who did you report it to, and when?",
	"problem":  "Which problem was it part of?",
	"hate":     "Do you think it happened because of who you are?",
}

// incidentFieldOrder is each question's fields, for the error summary.
var incidentFieldOrder = map[string][]string{
	"when":     {"occurred-day"},
	"reported": {"agency", "reported-day", "agency-ref"},
	"problem":  {"problem", "problem-name"},
	"hate":     {"hate"},
}

// crToday is today's date in England and Wales, as the rules engine counts.
func (h *Handler) crToday() time.Time { return portal.LondonDate(h.now()) }

// loadIncident finds the incident named in the URL in the resident's
// answers, with its position; an unknown one is 404.
func (h *Handler) loadIncident(r *http.Request) (*portal.CaseReviewDraft, *portal.CheckerIncident, int, error) {
	d, err := h.crDraft(r)
	if err != nil {
		return nil, nil, 0, err
	}
	id, _ := strconv.Atoi(routeVar(r, "id"))
	for k := range d.Incidents {
		if d.Incidents[k].ID == id {
			return d, &d.Incidents[k], k + 1, nil
		}
	}
	return nil, nil, 0, errNotFound
}

// incidentPage fills a question page about one incident.
func (h *Handler) incidentPage(r *http.Request, d *portal.CaseReviewDraft, inc *portal.CheckerIncident, n int, step string) *crPage {
	back := h.routeURL("casereview.check.incidents")
	if k := slices.Index(portal.IncidentSteps, step); k > 0 {
		back = h.routeURL("casereview.check.incident", "id", strconv.Itoa(inc.ID), "step", portal.IncidentSteps[k-1])
	}
	p := h.newCRPage(r, d, incidentStepTitles[step], back)
	if p.Change {
		p.Back = h.routeURL("casereview.check.incidents")
	}
	p.Incident, p.Number = inc, n
	if slices.Contains(d.Problems(), inc.Problem) {
		p.Choice = inc.Problem
	}
	return p
}

func (h *Handler) showIncidentStep(w http.ResponseWriter, r *http.Request) error {
	d, inc, n, err := h.loadIncident(r)
	if err != nil {
		return err
	}
	if d.Area == "" {
		return h.crRedirect(w, r, "casereview.check")
	}
	step := routeVar(r, "step")
	if missing := inc.Missing(); missing != "" &&
		slices.Index(portal.IncidentSteps, step) > slices.Index(portal.IncidentSteps, missing) {
		return h.crRedirect(w, r, "casereview.check.incident", "id", strconv.Itoa(inc.ID), "step", missing)
	}
	return h.render(w, r, http.StatusOK, "casereview_incident_"+step, h.incidentPage(r, d, inc, n, step))
}

// saveIncidentStep answers one question about an incident, then asks the
// next unanswered one, or returns to the list.
func (h *Handler) saveIncidentStep(w http.ResponseWriter, r *http.Request) error {
	d, inc, n, err := h.loadIncident(r)
	if err != nil {
		return err
	}
	if d.Area == "" {
		return h.crRedirect(w, r, "casereview.check")
	}
	step := routeVar(r, "step")
	edit := *inc
	edit.Completed = slices.Clone(inc.Completed)
	today := h.crToday()
	var fe portal.FieldErrors
	choice, name := formValue(r, "problem"), formValue(r, "problem-name")
	switch step {
	case "when":
		edit.Occurred = portal.DateParts{Day: formValue(r, "occurred-day"), Month: formValue(r, "occurred-month"), Year: formValue(r, "occurred-year")}
		fe = edit.ValidateWhen(today)
	case "reported":
		edit.Agency, edit.AgencyRef = formValue(r, "agency"), formValue(r, "agency-ref")
		edit.Reported = portal.DateParts{Day: formValue(r, "reported-day"), Month: formValue(r, "reported-month"), Year: formValue(r, "reported-year")}
		fe = edit.ValidateReported(today)
	case "problem":
		fe = d.ChooseProblem(&edit, choice, name)
	case "hate":
		edit.Hate = formValue(r, "hate")
		fe = edit.ValidateHate()
	}
	if fe.Any() {
		p := h.incidentPage(r, d, &edit, n, step)
		p.Choice, p.ProblemName = choice, name
		p.setErrors(fe, incidentFieldOrder[step]...)
		return h.render(w, r, http.StatusUnprocessableEntity, "casereview_incident_"+step, p)
	}
	edit.Complete(step)
	*inc = edit
	if err := h.saveCRDraft(w, r, d); err != nil {
		return err
	}
	if missing := inc.Missing(); missing != "" && r.PostForm.Get("change") != "1" {
		return h.crRedirect(w, r, "casereview.check.incident", "id", strconv.Itoa(inc.ID), "step", missing)
	}
	return h.crRedirect(w, r, "casereview.check.incidents")
}

// removeIncident takes an incident out of the resident's answers.
func (h *Handler) removeIncident(w http.ResponseWriter, r *http.Request) error {
	d, inc, n, err := h.loadIncident(r)
	if err != nil {
		return err
	}
	d.RemoveIncident(inc.ID)
	if err := h.saveCRDraft(w, r, d); err != nil {
		return err
	}
	if err := h.flash(w, r, "Incident "+strconv.Itoa(n)+" has been removed"); err != nil {
		return err
	}
	return h.crRedirect(w, r, "casereview.check.incidents")
}

func (h *Handler) incidentsPage(r *http.Request, d *portal.CaseReviewDraft) *crPage {
	back := h.routeURL("casereview.check.postcode")
	if d.FromReports {
		back = h.routeURL("casereview.check.reports")
	}
	return h.newCRPage(r, d, "Incidents you have told us about", back)
}

func (h *Handler) showIncidents(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	if d.Area == "" {
		return h.crRedirect(w, r, "casereview.check")
	}
	return h.render(w, r, http.StatusOK, "casereview_incidents", h.incidentsPage(r, d))
}

// saveIncidents answers "do you need to add another incident?": yes starts
// one; no goes to the result once every incident is finished.
func (h *Handler) saveIncidents(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	if d.Area == "" {
		return h.crRedirect(w, r, "casereview.check")
	}
	answer := formValue(r, "add-another")
	invalid := func(msg string) error {
		p := h.incidentsPage(r, d)
		p.AddAnother = answer
		p.setErrors(portal.FieldErrors{"add-another": msg}, "add-another")
		return h.render(w, r, http.StatusUnprocessableEntity, "casereview_incidents", p)
	}
	switch {
	case answer == "yes":
		i := d.AddIncident()
		if i == nil {
			return invalid("You can add up to " + strconv.Itoa(portal.MaxCheckerIncidents) + " incidents")
		}
		if err := h.saveCRDraft(w, r, d); err != nil {
			return err
		}
		return h.crRedirect(w, r, "casereview.check.incident", "id", strconv.Itoa(i.ID), "step", "when")
	case answer != "no":
		return invalid("Select yes if you need to add another incident")
	case len(d.Finished()) == 0:
		return invalid("Add at least one incident")
	}
	if u := d.Unfinished(); u != nil {
		return invalid("Finish incident " + strconv.Itoa(slices.IndexFunc(d.Incidents, func(i portal.CheckerIncident) bool { return i.ID == u.ID })+1) +
			", or remove it")
	}
	return h.crRedirect(w, r, "casereview.check.result")
}

// resultTitles head the result page.
var resultTitles = map[string]string{
	"met":     "Your answers meet the threshold for a case review",
	"not_met": "Your answers do not meet the threshold yet",
	"refer":   "The council may decide to hold a review",
}

// showCRResult runs the area's rules on the resident's incidents and
// explains the answer: which rule was met or what is missing, and why each
// excluded complaint does not count.
func (h *Handler) showCRResult(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	if d.Area == "" {
		return h.crRedirect(w, r, "casereview.check")
	}
	if d.Unfinished() != nil || len(d.Finished()) == 0 {
		return h.crRedirect(w, r, "casereview.check.incidents")
	}
	policy, _, err := h.store.CaseReviewPolicy(r.Context(), d.Area, h.now())
	if errors.Is(err, portal.ErrNotFound) {
		return h.crRedirect(w, r, "casereview.check.nopolicy")
	}
	if err != nil {
		return err
	}
	today := h.crToday()
	cs := d.Complaints()
	if err := portal.ValidateComplaints(cs, today); err != nil {
		return h.crRedirect(w, r, "casereview.check.incidents")
	}
	res := policy.Check(cs, today)
	p := h.newCRPage(r, d, resultTitles[res.Result], h.routeURL("casereview.check.incidents"))
	p.Result, p.Policy = res, policy
	for _, o := range policy.RouteOptions() {
		p.Routes = append(p.Routes, o.Label)
	}
	for k, inc := range d.Finished() {
		c := res.Complaints[k]
		p.Outcomes = append(p.Outcomes, incidentOutcome{Number: k + 1, Incident: inc, Qualifying: c.Qualifying, Reason: c.Reason})
		p.NotSure = p.NotSure || inc.Hate == "not-sure"
	}
	return h.render(w, r, http.StatusOK, "casereview_result", p)
}
