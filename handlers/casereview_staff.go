package handlers

import (
	"net/http"
	"slices"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// The ASB Case Review as coordinators run it: the queue of applications in
// the areas their scope overlaps (force administrators see all), and an
// application's page with its milestones. Each step is in
// casereview_staff_steps.go; policies in casereview_policy.go. Every view
// and every change is audited with the application's reference, never
// anyone's details.

// caseReviewCoordinator lets through case review coordinators and force
// administrators; other staff are refused (403).
func (h *Handler) caseReviewCoordinator(fn handlerFunc) http.Handler {
	return h.requireRole(portal.RoleCaseReviewCoordinator, portal.RoleForceAdmin)(h.wrap(fn))
}

// errStepNotAllowed answers a step the application is not ready for (or is
// past).
var errStepNotAllowed = statusError{http.StatusConflict, "This step cannot be recorded now",
	"The application is not at that stage. Go back to the application to see where it is."}

// caseReviewQueuePage is the coordinator's queue.
type caseReviewQueuePage struct {
	Page
	Applications []portal.ApplicationSummary
	Areas        []portal.CaseReviewArea
	Statuses     []portal.ApplicationStatus
	Status, Area string
	Overdue      int
	Today        time.Time
}

func (h *Handler) listCaseReviews(w http.ResponseWriter, r *http.Request) error {
	ctx, u, q := r.Context(), currentUser(r), r.URL.Query()
	p := &caseReviewQueuePage{Page: Page{Title: "Case reviews", Staff: true}, Statuses: portal.ApplicationStatuses,
		Status: q.Get("status"), Area: q.Get("area"), Today: h.now()}
	f := db.CaseReviewQueueFilter{Area: p.Area}
	switch st := portal.ApplicationStatus(p.Status); {
	case p.Status == "all":
	case st.Valid():
		f.Statuses = []portal.ApplicationStatus{st}
	default:
		p.Status = "open"
		f.Statuses = slices.DeleteFunc(slices.Clone(portal.ApplicationStatuses),
			func(s portal.ApplicationStatus) bool { return s == portal.ApplicationClosed })
	}
	var err error
	if p.Areas, err = h.store.CaseReviewAreasInScope(ctx, u.Scope, h.now()); err != nil {
		return err
	}
	if p.Area != "" && !slices.ContainsFunc(p.Areas, func(a portal.CaseReviewArea) bool { return a.Code == p.Area }) {
		p.Area, f.Area = "", ""
	}
	if p.Applications, err = h.store.CaseReviewQueue(ctx, u.Scope, f); err != nil {
		return err
	}
	hol, err := h.store.ExtraHolidays(ctx)
	if err != nil {
		return err
	}
	p.Overdue = scheduleQueue(p.Applications, hol, h.now())
	if err := h.audit(r, "casereview.queue", "casereview", "", map[string]string{"status": p.Status, "area": p.Area}); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_casereview_queue", p)
}

// scheduleQueue works out each application's next milestone and orders the
// queue by it, overdue first and finished last; it returns how many are
// overdue.
func scheduleQueue(apps []portal.ApplicationSummary, hol portal.Holidays, today time.Time) int {
	overdue := 0
	for i := range apps {
		apps[i].Schedule(hol, today)
		if apps[i].HasNext && apps[i].Next.Overdue {
			overdue++
		}
	}
	slices.SortStableFunc(apps, func(a, b portal.ApplicationSummary) int {
		if a.HasNext != b.HasNext {
			if a.HasNext {
				return -1
			}
			return 1
		}
		return a.Next.Due.Compare(b.Next.Due)
	})
	return overdue
}

// loadApplication reads the application named in the URL if the user's
// scope covers its area; anything else is 404, as if it did not exist. A
// page view (page not "") is audited, as it shows personal details.
func (h *Handler) loadApplication(r *http.Request, page string) (portal.ApplicationRecord, error) {
	ref, ok := portal.NormaliseApplicationReference(routeVar(r, "ref"))
	if !ok || ref != routeVar(r, "ref") {
		return portal.ApplicationRecord{}, errNotFound
	}
	a, err := h.store.StaffCaseReviewApplication(r.Context(), ref, currentUser(r).Scope)
	if err != nil {
		return a, err
	}
	if page != "" {
		err = h.audit(r, "casereview.view", "casereview", a.Reference, map[string]string{"page": page})
	}
	return a, err
}

// crApplicationPage is an application as a coordinator works it.
type crApplicationPage struct {
	Page
	App          portal.ApplicationRecord
	Milestones   []portal.Milestone
	Next         portal.Milestone
	HasNext      bool
	Check        portal.CheckResult
	HasCheck     bool
	RouteLabel   string
	AgencyLabels []string
	Timeline     []crTimelineEntry
}

// crTimelineEntry is one thing that happened to an application.
type crTimelineEntry struct {
	At    time.Time
	Event string
}

func (h *Handler) showCaseReviewApplication(w http.ResponseWriter, r *http.Request) error {
	a, err := h.loadApplication(r, "application")
	if err != nil {
		return err
	}
	hol, err := h.store.ExtraHolidays(r.Context())
	if err != nil {
		return err
	}
	p := &crApplicationPage{Page: Page{Title: "Application " + a.Reference, Staff: true}, App: a,
		Milestones: a.Progress.Milestones(a.Policy, hol, h.now()), Timeline: crTimeline(a)}
	p.Next, p.HasNext = a.Progress.NextMilestone(a.Policy, hol, h.now())
	p.Check, p.HasCheck = a.Recommend()
	if a.DecisionRoute != "" {
		p.RouteLabel = a.Policy.RouteLabel(portal.RouteKind(a.DecisionRoute))
	}
	for _, ag := range a.MeetingAgencies {
		p.AgencyLabels = append(p.AgencyLabels, portal.OptionLabel(portal.Agencies, ag))
	}
	return h.render(w, r, http.StatusOK, "staff_casereview_application", p)
}

// crTimeline lists what has happened, in process order, which is
// the order it happened in.
func crTimeline(a portal.ApplicationRecord) []crTimelineEntry {
	pr := a.Progress
	var out []crTimelineEntry
	add := func(t time.Time, event string) {
		if !t.IsZero() {
			out = append(out, crTimelineEntry{t, event})
		}
	}
	add(pr.ReceivedOn, "Application received")
	add(pr.AcknowledgedAt, "Application acknowledged")
	switch pr.Decision {
	case "met":
		add(pr.DecidedAt, "Threshold met: the applicant was told")
	case "not_met":
		add(pr.DecidedAt, "Threshold not met: the applicant was told")
	}
	add(pr.MeetingOn, "Review meeting held")
	add(pr.OutcomeAt, "Outcome sent to the applicant")
	add(pr.AppealedAt, "Appeal received")
	add(a.ClosedAt, "Application closed")
	return out
}
