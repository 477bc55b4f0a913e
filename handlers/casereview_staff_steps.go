package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// A coordinator's steps on an application: acknowledge, the threshold
// decision and the review meeting here; the outcome, an appeal and closing
// in casereview_staff_outcome.go. Each form's GET shows it (an audited
// view); its POST validates, then changes the application, audits it and
// queues any email to the applicant in one transaction. A step already
// taken (the same form sent twice) answers as the first time did.

// caseReviewStep is one step on an application.
type caseReviewStep struct {
	action string                                // the audit action's last part
	done   func(portal.ApplicationProgress) bool // already taken: a replay
	// apply changes the locked record; it returns the flash and the audit
	// details, and may queue emails in tx.
	apply func(tx *db.Tx, a *portal.ApplicationRecord) (string, map[string]string, error)
}

// takeCRStep runs a step on the application named in the URL, under a lock.
func (h *Handler) takeCRStep(w http.ResponseWriter, r *http.Request, ref string, st caseReviewStep) error {
	ctx, u := r.Context(), currentUser(r)
	flash := ""
	err := h.store.InTx(ctx, func(tx *db.Tx) error {
		a, err := tx.StaffCaseReviewApplication(ctx, ref, u.Scope)
		if err != nil || st.done(a.Progress) {
			return err
		}
		from := a.Progress.Status
		var details map[string]string
		if flash, details, err = st.apply(tx, &a); err != nil {
			return err
		}
		if err := tx.SaveApplicationProgress(ctx, a, from); err != nil {
			return err
		}
		return tx.Audit(ctx, h.auditEntry(r, "casereview."+st.action, "casereview", a.Reference, details))
	})
	var te portal.TransitionError
	switch {
	case errors.As(err, &te), errors.Is(err, portal.ErrAppealWindowClosed), errors.Is(err, db.ErrStaleApplication):
		return errStepNotAllowed
	case err != nil:
		return err
	}
	return h.backToApplication(w, r, ref, flash)
}

// backToApplication answers 303 to the application's page with a flash.
func (h *Handler) backToApplication(w http.ResponseWriter, r *http.Request, ref, flash string) error {
	if flash != "" {
		if err := h.flash(w, r, flash); err != nil {
			return err
		}
	}
	http.Redirect(w, r, h.routeURL("staff.casereview.application", "ref", ref), http.StatusSeeOther)
	return nil
}

// caseReviewEmail is the data of the emails to applicants: where to read
// the news, never the details of the application.
type caseReviewEmail struct {
	Reference string
	URL       string
	AppealBy  string // the last day to appeal, "" when there is nothing to appeal
}

// emailApplicant queues an email to the applicant in tx and says so in the
// flash; an applicant who gave no email address must be told another way.
func (h *Handler) emailApplicant(ctx context.Context, tx *db.Tx, a portal.ApplicationRecord, name, appealBy, done string) (string, error) {
	if a.ApplicantEmail == "" {
		return done + " The applicant gave no email address: tell them by phone or letter.", nil
	}
	m, err := h.mail.Render(name, a.ApplicantEmail, caseReviewEmail{Reference: a.Reference,
		URL: h.absURL("casereview.application", "ref", a.Reference), AppealBy: appealBy})
	if err != nil {
		return "", err
	}
	return done + " The applicant has been emailed.", tx.Enqueue(ctx, m)
}

// caseReviewStepPage is the form of one step, with the application.
type caseReviewStepPage struct {
	Page
	App      portal.ApplicationRecord
	Agencies []portal.Option
	Max      int
	// The threshold decision.
	Decision portal.ThresholdDecisionInput
	Routes   []portal.Option
	Check    portal.CheckResult
	HasCheck bool
	// The review meeting.
	Meeting     portal.ReviewMeetingInput
	MeetingDate dateField
	// The outcome.
	Outcome  portal.OutcomeInput
	Rows     []crRecommendationRow
	MoreRows bool
	// An appeal, and closing.
	Appeal       portal.AppealInput
	AppealBy     string
	WindowClosed bool
	Close        portal.ApplicationCloseInput
}

func newCRStepPage(title string, a portal.ApplicationRecord) *caseReviewStepPage {
	return &caseReviewStepPage{Page: Page{Title: title, Staff: true}, App: a, Agencies: portal.Agencies,
		Max: portal.MaxCaseReviewText}
}

// crStepForm loads the application for a step's form, refusing a step it is
// not ready for; view names the page for the audit log ("" for a POST,
// which is audited with its change).
func (h *Handler) crStepForm(r *http.Request, action, view string) (portal.ApplicationRecord, error) {
	a, err := h.loadApplication(r, view)
	if err == nil && !a.Progress.Can(action) {
		err = errStepNotAllowed
	}
	return a, err
}

func (h *Handler) acknowledgeCRApplication(w http.ResponseWriter, r *http.Request) error {
	a, err := h.loadApplication(r, "")
	if err != nil {
		return err
	}
	return h.takeCRStep(w, r, a.Reference, caseReviewStep{action: "acknowledge",
		done: func(p portal.ApplicationProgress) bool { return !p.AcknowledgedAt.IsZero() },
		apply: func(_ *db.Tx, a *portal.ApplicationRecord) (string, map[string]string, error) {
			return "Application acknowledged", nil, a.Progress.Acknowledge(h.now())
		}})
}

func (h *Handler) showCRDecisionForm(w http.ResponseWriter, r *http.Request) error {
	a, err := h.crStepForm(r, "decide", "decision")
	if err != nil {
		return err
	}
	return h.renderCRDecision(w, r, http.StatusOK, a, portal.ThresholdDecisionInput{}, nil)
}

func (h *Handler) renderCRDecision(w http.ResponseWriter, r *http.Request, status int, a portal.ApplicationRecord, in portal.ThresholdDecisionInput, fe portal.FieldErrors) error {
	p := newCRStepPage("Record the threshold decision", a)
	p.Decision, p.Routes = in, a.Policy.RouteOptions()
	p.Check, p.HasCheck = a.Recommend()
	p.setErrors(fe, "decision", "route", "reasons")
	return h.render(w, r, status, "staff_casereview_decision", p)
}

func (h *Handler) saveCRDecision(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.ThresholdDecisionInput{Decision: formValue(r, "decision"), Route: formValue(r, "route"), Reasons: formValue(r, "reasons")}
	a, err := h.loadApplication(r, "")
	if err != nil {
		return err
	}
	if a.Progress.Decision != "" {
		return h.backToApplication(w, r, a.Reference, "") // sent again
	}
	if !a.Progress.Can("decide") {
		return errStepNotAllowed
	}
	if fe := in.Validate(a.Policy); fe.Any() {
		return h.renderCRDecision(w, r, http.StatusUnprocessableEntity, a, in, fe)
	}
	hol, err := h.store.ExtraHolidays(r.Context())
	if err != nil {
		return err
	}
	u := currentUser(r)
	return h.takeCRStep(w, r, a.Reference, caseReviewStep{action: "decide",
		done: func(p portal.ApplicationProgress) bool { return p.Decision != "" },
		apply: func(tx *db.Tx, a *portal.ApplicationRecord) (string, map[string]string, error) {
			if err := a.Progress.Decide(in.Decision == "met", h.now()); err != nil {
				return "", nil, err
			}
			a.DecisionRoute, a.DecisionReasons, a.DecidedByID = in.Route, in.Reasons, u.ID
			appealBy := ""
			if in.Decision == "not_met" {
				appealBy = a.Progress.AppealDeadline(a.Policy, hol).Format("2 January 2006")
			}
			flash, err := h.emailApplicant(r.Context(), tx, *a, "casereview_decision", appealBy, "Threshold decision recorded.")
			return flash, map[string]string{"decision": in.Decision, "route": in.Route}, err
		}})
}

func (h *Handler) showCRMeetingForm(w http.ResponseWriter, r *http.Request) error {
	a, err := h.crStepForm(r, "meeting", "review meeting")
	if err != nil {
		return err
	}
	return h.renderCRMeeting(w, r, http.StatusOK, a, portal.ReviewMeetingInput{}, nil)
}

func (h *Handler) renderCRMeeting(w http.ResponseWriter, r *http.Request, status int, a portal.ApplicationRecord, in portal.ReviewMeetingInput, fe portal.FieldErrors) error {
	p := newCRStepPage("Record the review meeting", a)
	p.Meeting = in
	p.MeetingDate = dateField{Name: "meeting", Legend: "Date of the meeting", Hint: "For example, 27 3 2026",
		Error: fe["meeting-day"], Parts: in.Meeting}
	p.setErrors(fe, "meeting-day", "agencies", "victim-invited", "not-invited-why")
	return h.render(w, r, status, "staff_casereview_meeting", p)
}

func (h *Handler) saveCRMeeting(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.ReviewMeetingInput{
		Meeting:  portal.DateParts{Day: formValue(r, "meeting-day"), Month: formValue(r, "meeting-month"), Year: formValue(r, "meeting-year")},
		Agencies: r.PostForm["agencies"], VictimInvited: formValue(r, "victim-invited"), NotInvitedWhy: formValue(r, "not-invited-why")}
	a, err := h.loadApplication(r, "")
	if err != nil {
		return err
	}
	if !a.Progress.MeetingOn.IsZero() {
		return h.backToApplication(w, r, a.Reference, "") // sent again
	}
	if !a.Progress.Can("meeting") {
		return errStepNotAllowed
	}
	if fe := in.Validate(a.Progress.DecidedAt, h.now()); fe.Any() {
		return h.renderCRMeeting(w, r, http.StatusUnprocessableEntity, a, in, fe)
	}
	return h.takeCRStep(w, r, a.Reference, caseReviewStep{action: "meeting",
		done: func(p portal.ApplicationProgress) bool { return !p.MeetingOn.IsZero() },
		apply: func(_ *db.Tx, a *portal.ApplicationRecord) (string, map[string]string, error) {
			meeting, _ := in.Meeting.Date("date")
			a.MeetingAgencies, a.VictimInvited, a.VictimNotInvitedWhy = in.Agencies, in.VictimInvited, ""
			if in.VictimInvited == "no" {
				a.VictimNotInvitedWhy = in.NotInvitedWhy
			}
			return "Review meeting recorded", map[string]string{"agencies": strings.Join(in.Agencies, ","),
				"victim_invited": in.VictimInvited}, a.Progress.HoldReview(meeting)
		}})
}
