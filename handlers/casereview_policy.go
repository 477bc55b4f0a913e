package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// An area's ASB Case Review policy, edited by its coordinators (for areas
// their scope overlaps) and by force administrators. Saving never changes a
// version: it adds the next one, effective from a chosen date, so an
// application is always judged by the version it was made under.

// caseReviewPolicyPage is the policy form with the area's versions.
type caseReviewPolicyPage struct {
	Page
	Area      portal.CaseReviewArea
	Form      portal.PolicyInput
	Effective dateField
	Versions  []portal.PolicyVersion
	InForce   int // the version in force today; 0 if none
	Counts    []string
	Days      []policyField
	Texts     []policyField
	Max       int
}

// policyField is one of the policy form's number or text fields.
type policyField struct {
	Name, Label, Hint, Value, Error string
}

// policyArea is the area named in the URL if the user's scope overlaps it;
// anything else is 404, as if it did not exist.
func (h *Handler) policyArea(r *http.Request) (portal.CaseReviewArea, error) {
	areas, err := h.store.CaseReviewAreasInScope(r.Context(), currentUser(r).Scope, h.now())
	if err != nil {
		return portal.CaseReviewArea{}, err
	}
	code := routeVar(r, "area")
	i := slices.IndexFunc(areas, func(a portal.CaseReviewArea) bool { return a.Code == code })
	if i < 0 {
		return portal.CaseReviewArea{}, errNotFound
	}
	return areas[i], nil
}

func (h *Handler) showCaseReviewPolicy(w http.ResponseWriter, r *http.Request) error {
	area, err := h.policyArea(r)
	if err != nil {
		return err
	}
	versions, err := h.store.CaseReviewPolicyVersions(r.Context(), area.Code)
	if err != nil {
		return err
	}
	current := portal.PolicyVersion{Policy: portal.DefaultCaseReviewPolicy(area.Code)}
	if v := policyInForce(versions, h.now()); v > 0 {
		current = versions[slices.IndexFunc(versions, func(p portal.PolicyVersion) bool { return p.Policy.Version == v })]
	}
	if err := h.audit(r, "casereview.policy.view", "local_authority", area.Code, nil); err != nil {
		return err
	}
	return h.renderPolicy(w, r, http.StatusOK, area, versions, portal.NewPolicyInput(current, h.now()), nil)
}

// policyInForce is the number of the version in force today: the latest to take
// effect on or before today (the database's rule for the check); 0 if none.
func policyInForce(versions []portal.PolicyVersion, today time.Time) int {
	today = portal.LondonDate(today)
	var best *portal.PolicyVersion
	for i, v := range versions {
		from := v.Policy.EffectiveFrom
		if from.After(today) {
			continue
		}
		if best == nil || from.After(best.Policy.EffectiveFrom) ||
			from.Equal(best.Policy.EffectiveFrom) && v.Policy.Version > best.Policy.Version {
			best = &versions[i]
		}
	}
	if best == nil {
		return 0
	}
	return best.Policy.Version
}

func (h *Handler) renderPolicy(w http.ResponseWriter, r *http.Request, status int, area portal.CaseReviewArea,
	versions []portal.PolicyVersion, in portal.PolicyInput, fe portal.FieldErrors) error {
	p := &caseReviewPolicyPage{Page: Page{Title: "Case review policy: " + area.Name, Staff: true}, Area: area, Form: in,
		Versions: versions, InForce: policyInForce(versions, h.now()), Max: portal.MaxCaseReviewText,
		Effective: dateField{Name: "effective", Legend: "Date the new version applies from",
			Hint:  "Today or later. Applications made before then keep the version they were made under. For example, 1 4 2027",
			Error: fe["effective-day"], Parts: in.Effective}}
	p.Days = []policyField{
		{"acknowledge_days", "Acknowledge an application, from the day it is received", "", in.AcknowledgeDays, fe["acknowledge_days"]},
		{"decision_days", "Decide whether the threshold is met, from the day it is received", "", in.DecisionDays, fe["decision_days"]},
		{"review_days", "Hold the review meeting, from the decision", "", in.ReviewDays, fe["review_days"]},
		{"outcome_days", "Send the outcome, from the meeting", "", in.OutcomeDays, fe["outcome_days"]},
		{"appeal_days", "Appeal, from the decision that the threshold is not met, or from the outcome", "", in.AppealDays, fe["appeal_days"]},
	}
	p.Texts = []policyField{
		{"contact", "Point of contact for applications", "Who to contact and how: name or team, email address, telephone number.", in.Contact, fe["contact"]},
		{"appeal_route", "How an applicant can appeal", "Who to write to, and by when.", in.AppealRoute, fe["appeal_route"]},
		{"procedure", "The procedure (optional)", "How applications are made and handled, in plain English.", in.Procedure, fe["procedure"]},
	}
	for n := 1; n <= portal.StatutoryMaxComplaints; n++ {
		p.Counts = append(p.Counts, strconv.Itoa(n))
	}
	p.setErrors(fe, portal.PolicyFieldOrder...)
	return h.render(w, r, status, "staff_casereview_policy", p)
}

// crPolicyForm reads the policy form.
func crPolicyForm(r *http.Request) portal.PolicyInput {
	return portal.PolicyInput{StatutoryN: formValue(r, "statutory_n"), HateRoute: formValue(r, "hate_route"),
		Multi: formValue(r, "multi"), MultiM: formValue(r, "multi_m"), MultiK: formValue(r, "multi_k"),
		DiscretionaryRole: formValue(r, "discretionary_role"), AcknowledgeDays: formValue(r, "acknowledge_days"),
		DecisionDays: formValue(r, "decision_days"), ReviewDays: formValue(r, "review_days"),
		OutcomeDays: formValue(r, "outcome_days"), AppealDays: formValue(r, "appeal_days"),
		Contact: formValue(r, "contact"), AppealRoute: formValue(r, "appeal_route"), Procedure: formValue(r, "procedure"),
		Effective: portal.DateParts{Day: formValue(r, "effective-day"), Month: formValue(r, "effective-month"),
			Year: formValue(r, "effective-year")}}
}

func (h *Handler) saveCaseReviewPolicy(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	area, err := h.policyArea(r)
	if err != nil {
		return err
	}
	ctx, in := r.Context(), crPolicyForm(r)
	p, fe := in.Policy(area.Code, h.now())
	if fe.Any() {
		versions, err := h.store.CaseReviewPolicyVersions(ctx, area.Code)
		if err != nil {
			return err
		}
		return h.renderPolicy(w, r, http.StatusUnprocessableEntity, area, versions, in, fe)
	}
	version := 0
	err = h.store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.LockCaseReviewArea(ctx, area.Code); err != nil {
			return err
		}
		latest, ok, err := tx.LatestPolicyVersion(ctx, area.Code)
		if err != nil || ok && latest.Same(p, in.Procedure) {
			version = latest.Policy.Version // the same form sent again: nothing new
			return err
		}
		if version, err = tx.SavePolicyVersion(ctx, p, in.Procedure, currentUser(r).ID); err != nil {
			return err
		}
		return tx.Audit(ctx, h.auditEntry(r, "casereview.policy.save", "local_authority", area.Code, map[string]string{
			"version": strconv.Itoa(version), "effective_from": p.EffectiveFrom.Format("2006-01-02")}))
	})
	if err != nil {
		return err
	}
	msg := "Version " + strconv.Itoa(version) + " saved. It applies from " + p.EffectiveFrom.Format("2 January 2006")
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("staff.casereview.policy", "area", area.Code), http.StatusSeeOther)
	return nil
}
