package handlers

import (
	"errors"
	"net/http"
	"slices"

	"github.com/beacon-portal/beacon/portal"
)

// The public side of the ASB Case Review: what it is and who can ask, each
// area's published procedure (s104(3), Schedule 4 para 3), the proactive
// notice to residents whose own reports may meet the threshold, and the
// applicant's view of their application.

// sessTrackedApplications lists the applications this browser may follow
// (it made them, or proved the reference and email).
const sessTrackedApplications = "tracked_case_reviews"

// crAreaPage is the start page and an area's procedure page.
type crAreaPage struct {
	Page
	Areas     []portal.CaseReviewArea
	Area      portal.CaseReviewArea
	Version   portal.PolicyVersion
	Routes    []string
	StatsURL  string
	Statutory int
}

func (h *Handler) showCaseReviewStart(w http.ResponseWriter, r *http.Request) error {
	areas, err := h.store.CaseReviewAreas(r.Context(), h.now())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "casereview_start", &crAreaPage{
		Page: Page{Title: "Ask for an ASB case review"}, Areas: areas, Statutory: portal.StatutoryMaxComplaints})
}

// showCaseReviewArea publishes an area's procedure: the policy in force in
// words, the timescales, the point of contact and the appeal route.
func (h *Handler) showCaseReviewArea(w http.ResponseWriter, r *http.Request) error {
	area, v, err := h.store.PublicCaseReviewPolicy(r.Context(), routeVar(r, "area"), h.now())
	if err != nil {
		return err
	}
	p := &crAreaPage{Page: Page{Title: "ASB case review in " + area.Name}, Area: area, Version: v,
		Statutory: portal.StatutoryMaxComplaints}
	for _, o := range v.Policy.RouteOptions() {
		p.Routes = append(p.Routes, o.Label)
	}
	// The statistics page is linked once it is registered.
	if route := h.router.Get("casereview.statistics"); route != nil {
		if u, err := route.URL("area", area.Code); err == nil {
			p.StatsURL = u.String()
		}
	}
	return h.render(w, r, http.StatusOK, "casereview_area", p)
}

// offerCaseReview tells a reporter, once per problem, that their own reports
// may meet their area's threshold: one query, and only when it is met, a
// transaction marking the reports and queueing the email. It runs after the
// report is safely stored, so a failure is logged and never fails the
// submission.
func (h *Handler) offerCaseReview(r *http.Request, reportID int64) {
	ev, err := h.store.CaseReviewEvidence(r.Context(), reportID, h.now())
	if err == nil && ev.ShouldNotify(h.crToday()) {
		var m portal.Email
		m, err = h.mail.Render("casereview_notice", ev.Recipient, caseReviewNoticeEmail{
			Area: ev.AreaName, StartURL: h.absURL("casereview.start"), TrackURL: h.absURL("reports.track"),
			AreaURL: h.absURL("casereview.area", "area", ev.Policy.Area)})
		if err == nil {
			ids := make([]int64, len(ev.Problem.Reports))
			for i, rep := range ev.Problem.Reports {
				ids[i] = rep.ID
			}
			_, err = h.store.NotifyCaseReview(r.Context(), ids, m)
		}
	}
	if err != nil {
		h.log.Warn("case review notice not evaluated", "request_id", requestID(r.Context()), "err", err)
	}
}

// caseReviewNoticeEmail is the data of the proactive notice email.
type caseReviewNoticeEmail struct {
	Area, StartURL, TrackURL, AreaURL string
}

// caseReviewNotice is the tracking page's panel: whether the reporter has
// been told their reports may meet the threshold, and where.
type caseReviewNotice struct {
	Show bool
	Area string
}

// reportCaseReviewNotice says whether to show the notice on a report's
// tracking page.
func (h *Handler) reportCaseReviewNotice(r *http.Request, reportID int64) (caseReviewNotice, error) {
	area, err := h.store.CaseReviewNoticeArea(r.Context(), reportID)
	if errors.Is(err, portal.ErrNotFound) {
		return caseReviewNotice{}, nil
	}
	return caseReviewNotice{Show: err == nil, Area: area}, err
}

// applicationPage is the applicant's view and the form to find it.
type applicationPage struct {
	Page
	Form        portal.TrackInput
	App         portal.ApplicationRecord
	Milestones  []applicantMilestone
	RouteLabel  string
	Agencies    []string
	AppealUntil string
}

// applicantMilestone is a milestone in the applicant's words.
type applicantMilestone struct {
	portal.Milestone
	Title string
}

// applicantMilestoneTitles name each milestone as the applicant reads it.
var applicantMilestoneTitles = map[portal.MilestoneKind]string{
	portal.MilestoneAcknowledge: "We acknowledge your application",
	portal.MilestoneDecision:    "Decision on whether the threshold is met",
	portal.MilestoneMeeting:     "The case review meeting",
	portal.MilestoneOutcome:     "You are told the outcome of the review",
	portal.MilestoneAppeal:      "Last day to appeal",
}

func (h *Handler) showApplicationTrackForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "casereview_track", &applicationPage{Page: Page{Title: "Follow your case review application"}})
}

// findApplication checks the reference and email together and answers the
// same for a wrong reference and a wrong email, so the form cannot be used
// to learn which references exist.
func (h *Handler) findApplication(w http.ResponseWriter, r *http.Request) error {
	in := portal.TrackInput{Reference: formValue(r, "reference"), Email: formValue(r, "email")}
	invalid := func(fe portal.FieldErrors) error {
		p := &applicationPage{Page: Page{Title: "Follow your case review application"}, Form: in}
		p.setErrors(fe, "reference", "email")
		return h.render(w, r, http.StatusUnprocessableEntity, "casereview_track", p)
	}
	ref, ok := portal.NormaliseApplicationReference(in.Reference)
	fe := portal.FieldErrors{}
	if in.Reference == "" {
		fe.Add("reference", "Enter your application reference")
	} else if !ok {
		fe.Add("reference", "Enter the reference as it appears in your email, like CR-7K3Q-9XPD")
	}
	if in.Email == "" {
		fe.Add("email", "Enter the email address you gave with your application")
	}
	if fe.Any() {
		return invalid(fe)
	}
	if err := h.allow(r, h.cfg.Limits.Lookups, clientAddr(r)); err != nil {
		return err
	}
	match, err := h.store.MatchApplicant(r.Context(), ref, in.Email)
	if err != nil {
		return err
	}
	if !match {
		return invalid(portal.FieldErrors{"reference": "We could not find an application with that reference and email address. Check both and try again"})
	}
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	if tracked, _ := sess.Values[sessTrackedApplications].([]string); !slices.Contains(tracked, ref) {
		sess.Values[sessTrackedApplications] = append(tracked, ref)
	}
	if err := sess.Save(r, w); err != nil {
		return err
	}
	return h.crRedirect(w, r, "casereview.application", "ref", ref)
}

// mayFollowApplication reports whether this browser may see the
// application: the signed-in applicant, or a session that made it or
// proved its reference and email. Anyone else gets 404.
func (h *Handler) mayFollowApplication(r *http.Request, ref string) (bool, error) {
	if _, err := r.Cookie(h.sessions.name); err == nil {
		sess, err := h.session(r)
		if err != nil {
			return false, err
		}
		if tracked, _ := sess.Values[sessTrackedApplications].([]string); slices.Contains(tracked, ref) {
			return true, nil
		}
	}
	if u := currentUser(r); u != nil && u.Role == portal.RoleResident {
		return h.store.IsApplicant(r.Context(), ref, u.ID)
	}
	return false, nil
}

// showApplication is the applicant's view: status, milestones with
// countdowns in working days, and the decision and outcome once recorded.
func (h *Handler) showApplication(w http.ResponseWriter, r *http.Request) error {
	ref, ok := portal.NormaliseApplicationReference(routeVar(r, "ref"))
	if !ok {
		return errNotFound
	}
	if ok, err := h.mayFollowApplication(r, ref); err != nil {
		return err
	} else if !ok {
		return errNotFound
	}
	app, err := h.store.StaffCaseReviewApplication(r.Context(), ref, portal.Scope{All: true})
	if err != nil {
		return err
	}
	hol, err := h.store.ExtraHolidays(r.Context())
	if err != nil {
		return err
	}
	p := &applicationPage{Page: Page{Title: "Your case review application " + ref}, App: app}
	for _, m := range app.Progress.Milestones(app.Policy, hol, h.now()) {
		p.Milestones = append(p.Milestones, applicantMilestone{Milestone: m, Title: applicantMilestoneTitles[m.Kind]})
	}
	if app.DecisionRoute != "" {
		p.RouteLabel = app.Policy.RouteLabel(portal.RouteKind(app.DecisionRoute))
	}
	for _, a := range app.MeetingAgencies {
		p.Agencies = append(p.Agencies, portal.OptionLabel(portal.Agencies, a))
	}
	if d := app.Progress.AppealDeadline(app.Policy, hol); !d.IsZero() && app.Progress.Status != portal.ApplicationAppealed &&
		app.Progress.Status != portal.ApplicationClosed {
		p.AppealUntil = d.Format("2 January 2006")
	}
	return h.render(w, r, http.StatusOK, "casereview_application", p)
}
