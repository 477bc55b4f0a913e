package handlers

import (
	"errors"
	"net/http"
	"slices"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Applying for an ASB Case Review: the checker's area and incidents, then
// who is applying (the victim, or someone on their behalf with consent),
// who the victim is, contact details and a summary; check your answers;
// an idempotent submit; a confirmation with a CR- reference.

// Session keys of the confirmation page.
const (
	sessLastApplication      = "last_case_review"
	sessLastApplicationEmail = "last_case_review_email"
	sessLastApplicationArea  = "last_case_review_area"
)

// applyStepTitles are the application's questions.
var applyStepTitles = map[string]string{
	"who":     "Who are you applying for?",
	"victim":  "Who is the victim?",
	"contact": "Your contact details",
	"summary": "Tell us about the problem",
}

// applyFieldOrder is each question's fields, for the error summary.
var applyFieldOrder = map[string][]string{
	"who":     {"for-whom", "relationship", "consent"},
	"victim":  {"victim-kind", "victim-name"},
	"contact": {"name", "email", "phone"},
	"summary": {"summary"},
}

// applyDraft returns the resident's answers once the checker has the area
// and finished incidents; until then it sends them back to the checker.
func (h *Handler) applyDraft(w http.ResponseWriter, r *http.Request) (*portal.CaseReviewDraft, bool, error) {
	d, err := h.crDraft(r)
	if err != nil {
		return nil, false, err
	}
	switch {
	case d.Area == "":
		return nil, false, h.crRedirect(w, r, "casereview.check")
	case d.Unfinished() != nil || len(d.Finished()) == 0:
		return nil, false, h.crRedirect(w, r, "casereview.check.incidents")
	}
	return d, true, nil
}

// startApplication goes to the first unanswered question.
func (h *Handler) startApplication(w http.ResponseWriter, r *http.Request) error {
	d, ok, err := h.applyDraft(w, r)
	if !ok {
		return err
	}
	if missing := d.MissingStep(); missing != "" {
		return h.crRedirect(w, r, "casereview.apply.step", "step", missing)
	}
	return h.crRedirect(w, r, "casereview.apply.check")
}

func (h *Handler) applyPage(r *http.Request, d *portal.CaseReviewDraft, step string) *crPage {
	back := h.routeURL("casereview.check.result")
	if k := slices.Index(portal.ApplicationSteps, step); k > 0 {
		back = h.routeURL("casereview.apply.step", "step", portal.ApplicationSteps[k-1])
	}
	p := h.newCRPage(r, d, applyStepTitles[step], back)
	if p.Change {
		p.Back = h.routeURL("casereview.apply.check")
	}
	return p
}

func (h *Handler) showApplyStep(w http.ResponseWriter, r *http.Request) error {
	d, ok, err := h.applyDraft(w, r)
	if !ok {
		return err
	}
	step := routeVar(r, "step")
	if missing := d.MissingStep(); missing != "" &&
		slices.Index(portal.ApplicationSteps, step) > slices.Index(portal.ApplicationSteps, missing) {
		return h.crRedirect(w, r, "casereview.apply.step", "step", missing)
	}
	return h.render(w, r, http.StatusOK, "casereview_apply_"+step, h.applyPage(r, d, step))
}

// saveApplyStep answers one question of the application.
func (h *Handler) saveApplyStep(w http.ResponseWriter, r *http.Request) error {
	d, ok, err := h.applyDraft(w, r)
	if !ok {
		return err
	}
	step := routeVar(r, "step")
	edit := *d
	edit.Completed = slices.Clone(d.Completed)
	var fe portal.FieldErrors
	switch step {
	case "who":
		edit.ForWhom, edit.Relationship, edit.Consent = formValue(r, "for-whom"), formValue(r, "relationship"), formValue(r, "consent") == "yes"
		if edit.ForWhom != "other" {
			edit.Relationship, edit.Consent = "", false
		}
		fe = edit.ValidateWho()
	case "victim":
		edit.VictimKind, edit.VictimName = formValue(r, "victim-kind"), formValue(r, "victim-name")
		fe = edit.ValidateVictim()
	case "contact":
		edit.Name, edit.Email, edit.Phone = formValue(r, "name"), formValue(r, "email"), formValue(r, "phone")
		fe = edit.ValidateContact()
	case "summary":
		edit.Summary = formValue(r, "summary")
		fe = edit.ValidateSummary()
	}
	if fe.Any() {
		p := h.applyPage(r, &edit, step)
		p.setErrors(fe, applyFieldOrder[step]...)
		return h.render(w, r, http.StatusUnprocessableEntity, "casereview_apply_"+step, p)
	}
	edit.CompleteStep(step)
	*d = edit
	if err := h.saveCRDraft(w, r, d); err != nil {
		return err
	}
	if missing := d.MissingStep(); missing != "" && r.PostForm.Get("change") != "1" {
		return h.crRedirect(w, r, "casereview.apply.step", "step", missing)
	}
	return h.crRedirect(w, r, "casereview.apply.check")
}

func (h *Handler) showApplyCheck(w http.ResponseWriter, r *http.Request) error {
	d, ok, err := h.applyDraft(w, r)
	if !ok {
		return err
	}
	if missing := d.MissingStep(); missing != "" {
		return h.crRedirect(w, r, "casereview.apply.step", "step", missing)
	}
	p := h.newCRPage(r, d, "Check your answers before sending your application", h.routeURL("casereview.apply.step", "step", "summary"))
	return h.render(w, r, http.StatusOK, "casereview_apply_check", p)
}

// submitApplication stores the application. The draft's key is posted with
// the form, so a second press of the button (or a replayed request) finds
// the application already made and shows the same confirmation.
func (h *Handler) submitApplication(w http.ResponseWriter, r *http.Request) error {
	d, err := h.crDraft(r)
	if err != nil {
		return err
	}
	key := formValue(r, "idempotency_key")
	if !portal.ValidIdempotencyKey(key) {
		return errBadRequest
	}
	if key != d.Key {
		return h.applicationRepeat(w, r, key)
	}
	d, ok, err := h.applyDraft(w, r)
	if !ok {
		return err
	}
	if missing := d.MissingStep(); missing != "" {
		return h.crRedirect(w, r, "casereview.apply.step", "step", missing)
	}
	if err := h.allow(r, h.cfg.Limits.Forms, clientAddr(r)); err != nil {
		return err
	}
	policy, policyID, err := h.store.CaseReviewPolicy(r.Context(), d.Area, h.now())
	if errors.Is(err, portal.ErrNotFound) {
		return h.crRedirect(w, r, "casereview.check.nopolicy")
	}
	if err != nil {
		return err
	}
	na := db.NewCaseReviewApplication{Draft: d, PolicyID: policyID, ReceivedOn: h.crToday(),
		AckFor: h.applicationAcknowledgement(d, policy)}
	if u := currentUser(r); u != nil && u.Role == portal.RoleResident {
		na.UserID = u.ID
	}
	ref, err := h.store.CreateCaseReviewApplication(r.Context(), na)
	if err != nil {
		return err
	}
	return h.applicationSent(w, r, ref, d.Email != "", d.Area)
}

// applicationRepeat answers a repeated submission with the original
// application's confirmation.
func (h *Handler) applicationRepeat(w http.ResponseWriter, r *http.Request, key string) error {
	ref, err := h.store.CaseReviewApplicationByKey(r.Context(), key)
	if errors.Is(err, portal.ErrNotFound) {
		return h.crRedirect(w, r, "casereview.start")
	}
	if err != nil {
		return err
	}
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	if last, _ := sess.Values[sessLastApplication].(string); last == ref {
		return h.crRedirect(w, r, "casereview.apply.confirmation")
	}
	return h.crRedirect(w, r, "casereview.start")
}

// applicationSent forgets the answers and lets this browser follow the
// application.
func (h *Handler) applicationSent(w http.ResponseWriter, r *http.Request, ref string, email bool, area string) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	delete(sess.Values, sessCaseReview)
	sess.Values[sessLastApplication] = ref
	sess.Values[sessLastApplicationEmail] = email
	sess.Values[sessLastApplicationArea] = area
	if tracked, _ := sess.Values[sessTrackedApplications].([]string); !slices.Contains(tracked, ref) {
		sess.Values[sessTrackedApplications] = append(tracked, ref)
	}
	if err := sess.Save(r, w); err != nil {
		return err
	}
	return h.crRedirect(w, r, "casereview.apply.confirmation")
}

// applicationSentPage is the confirmation with the reference.
type applicationSentPage struct {
	Page
	Reference string
	Email     bool
	Area      string
}

func (h *Handler) showApplicationSent(w http.ResponseWriter, r *http.Request) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	ref, _ := sess.Values[sessLastApplication].(string)
	if ref == "" {
		return h.crRedirect(w, r, "casereview.start")
	}
	email, _ := sess.Values[sessLastApplicationEmail].(bool)
	area, _ := sess.Values[sessLastApplicationArea].(string)
	return h.render(w, r, http.StatusOK, "casereview_apply_sent",
		&applicationSentPage{Page: Page{Title: "Application sent"}, Reference: ref, Email: email, Area: area})
}

// applicationAcknowledgement builds the email telling the applicant their
// application arrived: the reference, the timescales and a link, never the
// application's content.
func (h *Handler) applicationAcknowledgement(d *portal.CaseReviewDraft, p portal.CaseReviewPolicy) func(string) (*portal.Email, error) {
	if d.Email == "" {
		return nil
	}
	return func(ref string) (*portal.Email, error) {
		m, err := h.mail.Render("casereview_acknowledgement", d.Email, caseReviewAckEmail{
			Reference: ref, Area: d.AreaName, URL: h.absURL("casereview.application", "ref", ref),
			TrackURL: h.absURL("casereview.track"), AcknowledgeDays: p.AcknowledgeDays, DecisionDays: p.DecisionDays})
		return &m, err
	}
}

// caseReviewAckEmail is the data of the acknowledgement email.
type caseReviewAckEmail struct {
	Reference, Area, URL, TrackURL string
	AcknowledgeDays, DecisionDays  int
}
