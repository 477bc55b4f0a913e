package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/beacon-portal/beacon/portal"
)

// sessTracked lists the references this browser has proved it may follow
// (reference plus the reporter's email).
const sessTracked = "tracked_reports"

type trackPage struct {
	Page
	Form        portal.TrackInput
	Report      portal.TrackedReport
	Information string
	Max         int
	// CaseReview is the notice that the reporter may apply for an ASB case review.
	CaseReview caseReviewNotice
}

func (h *Handler) showTrackForm(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "reports_track", &trackPage{Page: Page{Title: "Follow your report"}})
}

// findReport checks the reference and email together and answers the same
// for a wrong reference, a wrong email and an anonymous report, so the form
// cannot be used to learn which references exist.
func (h *Handler) findReport(w http.ResponseWriter, r *http.Request) error {
	in := portal.TrackInput{Reference: formValue(r, "reference"), Email: formValue(r, "email")}
	ref, fe := in.Validate()
	invalid := func(fe portal.FieldErrors) error {
		p := &trackPage{Page: Page{Title: "Follow your report"}, Form: in}
		p.setErrors(fe, "reference", "email")
		return h.render(w, r, http.StatusUnprocessableEntity, "reports_track", p)
	}
	if fe.Any() {
		return invalid(fe)
	}
	if err := h.allow(r, h.cfg.Limits.Lookups, clientAddr(r)); err != nil {
		return err
	}
	ok, err := h.store.MatchReporter(r.Context(), ref, in.Email)
	if err != nil {
		return err
	}
	if !ok {
		return invalid(portal.FieldErrors{"reference": "We could not find a report with that reference and email address. Check both and try again"})
	}
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	tracked, _ := sess.Values[sessTracked].([]string)
	if !slices.Contains(tracked, ref) {
		sess.Values[sessTracked] = append(tracked, ref)
	}
	if err := sess.Save(r, w); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("reports.tracked", "ref", ref), http.StatusSeeOther)
	return nil
}

// trackedReport loads the report named in the URL if this browser may see
// it: the reporter proved the reference and email in this session, or is
// the signed-in resident who made it. Anyone else gets 404, as if it did
// not exist.
func (h *Handler) trackedReport(r *http.Request) (portal.TrackedReport, error) {
	ref, ok := portal.NormaliseReference(routeVar(r, "ref"))
	if !ok {
		return portal.TrackedReport{}, errNotFound
	}
	t, err := h.store.TrackedReport(r.Context(), ref)
	if err != nil {
		return t, err
	}
	if u := currentUser(r); u != nil && t.UserID == u.ID {
		return t, nil
	}
	if _, err := r.Cookie(h.sessions.name); err == nil {
		sess, err := h.session(r)
		if err != nil {
			return t, err
		}
		if tracked, _ := sess.Values[sessTracked].([]string); slices.Contains(tracked, ref) {
			return t, nil
		}
	}
	return portal.TrackedReport{}, errNotFound
}

func (h *Handler) showTrackedReport(w http.ResponseWriter, r *http.Request) error {
	t, err := h.trackedReport(r)
	if err != nil {
		return err
	}
	notice, err := h.reportCaseReviewNotice(r, t.ID)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reports_tracked", &trackPage{Page: Page{Title: "Your report " + t.Reference},
		Report: t, Max: portal.MaxInformation, CaseReview: notice})
}

func (h *Handler) addInformation(w http.ResponseWriter, r *http.Request) error {
	t, err := h.trackedReport(r)
	if err != nil {
		return err
	}
	info := formValue(r, "information")
	if fe := portal.ValidateInformation(info); fe.Any() {
		p := &trackPage{Page: Page{Title: "Your report " + t.Reference}, Report: t, Information: info, Max: portal.MaxInformation}
		p.setErrors(fe, "information")
		return h.render(w, r, http.StatusUnprocessableEntity, "reports_tracked", p)
	}
	if err := h.allow(r, h.cfg.Limits.Forms, clientAddr(r)); err != nil {
		return err
	}
	if err := h.store.AddInformation(r.Context(), t.ID, info); err != nil {
		return err
	}
	if err := h.flash(w, r, "Your information has been added to your report"); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("reports.tracked", "ref", t.Reference), http.StatusSeeOther)
	return nil
}

// happenedAgain starts a new report about the same problem.
func (h *Handler) happenedAgain(w http.ResponseWriter, r *http.Request) error {
	t, err := h.trackedReport(r)
	if err != nil {
		return err
	}
	if err := h.saveDraft(w, r, t.AgainDraft(newIdempotencyKey())); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("reports.safety"), http.StatusSeeOther)
	return nil
}

func (h *Handler) serveReportPhoto(w http.ResponseWriter, r *http.Request) error {
	t, err := h.trackedReport(r)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	ctype, data, err := h.store.ReportPhoto(r.Context(), t.ID, id)
	if errors.Is(err, portal.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return servePhoto(w, ctype, data)
}
