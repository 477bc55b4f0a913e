package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// A report as staff work it: everything the resident sent, the timeline
// with internal notes, and the actions (each on a page of its own, in
// staff_report_actions.go and staff_report_reply.go). Every view and every
// change is audited with the report's reference, never its content.

// errReportClosed answers an action that a closed report no longer allows.
var errReportClosed = statusError{http.StatusConflict, "This report is closed",
	"A closed report cannot be changed. You can still add an internal note or reply to the reporter."}

// staffReportPage is the report page.
type staffReportPage struct {
	Page
	Report     portal.StaffReport
	Flags      []portal.Flag
	CaseReview bool // the reporter's reports may meet the ASB Case Review threshold
	Now        time.Time
	CaseURL    string // "" when there are no cases pages
	NewCaseURL string
	NoteKey    string
	Note       string
	MaxNote    int
}

// reportFormPage is what every action page has: the report and the form's
// idempotency key.
type reportFormPage struct {
	Page
	Report portal.StaffReport
	Key    string
}

func newReportFormPage(title string, rep portal.StaffReport, key string) reportFormPage {
	return reportFormPage{Page: Page{Title: title + " – " + rep.Reference, Staff: true}, Report: rep, Key: key}
}

// staffReport loads the report named in the URL if the user's scope covers
// it; anything else is 404, as if it did not exist. A page view (page not
// "") is audited.
func (h *Handler) staffReport(r *http.Request, page string) (portal.StaffReport, error) {
	ref, ok := portal.NormaliseReference(routeVar(r, "ref"))
	if !ok {
		return portal.StaffReport{}, errNotFound
	}
	u := currentUser(r)
	rep, err := h.store.StaffReport(r.Context(), ref, u.Scope)
	if err != nil {
		return rep, err
	}
	if page != "" {
		if err := h.audit(r, "report.view", "report", rep.Reference, map[string]string{"page": page}); err != nil {
			return rep, err
		}
		if err := h.store.RefreshClaim(r.Context(), rep.ID, u.ID); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (h *Handler) showStaffReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "report")
	if err != nil {
		return err
	}
	return h.renderStaffReport(w, r, http.StatusOK, rep, portal.NoteInput{Key: newIdempotencyKey()}, nil)
}

func (h *Handler) renderStaffReport(w http.ResponseWriter, r *http.Request, status int, rep portal.StaffReport, note portal.NoteInput, fe portal.FieldErrors) error {
	flags, err := h.store.ReportFlags(r.Context(), currentUser(r).Scope, rep.ID)
	if err != nil {
		return err
	}
	p := &staffReportPage{Page: Page{Title: "Report " + rep.Reference, Staff: true}, Report: rep, Now: h.now(),
		Flags: flags.List(), CaseReview: flags.MayMeetCaseReviewThreshold(),
		NoteKey: note.Key, Note: note.Body, MaxNote: portal.MaxNote, NewCaseURL: h.newCaseURL(rep)}
	if rep.CaseReference != "" {
		p.CaseURL = h.optionalURL("staff.case", "ref", rep.CaseReference)
	}
	p.setErrors(fe, "note")
	return h.render(w, r, status, "staff_report", p)
}

// newCaseURL starts a case from the report, or is "" without the cases pages.
func (h *Handler) newCaseURL(rep portal.StaffReport) string {
	u := h.optionalURL("staff.case.new")
	if u == "" {
		return ""
	}
	return u + "?" + url.Values{"report": {rep.Reference}}.Encode()
}

// optionalURL builds the URL of a route that another part of the workspace
// provides, or "" while it does not exist yet.
func (h *Handler) optionalURL(name string, pairs ...string) string {
	route := h.router.Get(name)
	if route == nil {
		return ""
	}
	u, err := route.URL(pairs...)
	if err != nil {
		return ""
	}
	return u.String()
}

func (h *Handler) serveStaffReportPhoto(w http.ResponseWriter, r *http.Request) error {
	ref, ok := portal.NormaliseReference(routeVar(r, "ref"))
	if !ok {
		return errNotFound
	}
	id, _ := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	ctype, data, err := h.store.StaffReportPhoto(r.Context(), ref, id, currentUser(r).Scope)
	if err != nil {
		return err
	}
	if err := h.audit(r, "report.photo.view", "report", ref, map[string]string{"photo": strconv.FormatInt(id, 10)}); err != nil {
		return err
	}
	return servePhoto(w, ctype, data)
}

// addReportNote adds an internal note: staff only, never on the tracking page.
func (h *Handler) addReportNote(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.NoteInput{Key: formValue(r, "idempotency_key"), Body: formValue(r, "note")}
	const done = "Your note has been added"
	if replayed, err := h.replayed(w, r, rep, in.Key, done); replayed || err != nil {
		return err
	}
	if fe := in.Validate(); fe.Any() {
		in.Key = freshKey(in.Key)
		return h.renderStaffReport(w, r, http.StatusUnprocessableEntity, rep, in, fe)
	}
	return h.doReportAction(w, r, rep, reportAction{key: in.Key, audit: "report.note", allowClosed: true,
		event: db.ReportEventInput{Kind: "note", Body: in.Body}, flash: done})
}

// freshKey keeps a form's idempotency key for the re-rendered form unless
// it was not one Beacon made.
func freshKey(k string) string {
	if portal.ValidIdempotencyKey(k) {
		return k
	}
	return newIdempotencyKey()
}

// reportAction is one staff change to a report: the timeline entry that
// records it (carrying the form's idempotency key), any further changes,
// and the audit row, all in one transaction.
type reportAction struct {
	key         string
	audit       string
	details     map[string]string
	event       db.ReportEventInput
	allowClosed bool
	apply       func(ctx context.Context, tx *db.Tx, status portal.ReportStatus) error
	flash       string
}

// doReportAction runs an action and answers 303 to the report page with a
// flash. A form sent again (its key already used) answers the same without
// acting twice.
func (h *Handler) doReportAction(w http.ResponseWriter, r *http.Request, rep portal.StaffReport, a reportAction) error {
	ctx, u := r.Context(), currentUser(r)
	err := h.store.InTx(ctx, func(tx *db.Tx) error {
		status, err := tx.LockReport(ctx, rep.ID, u.Scope)
		if err != nil {
			return err
		}
		if status == portal.StatusClosed && !a.allowClosed {
			return errReportClosed
		}
		a.event.ReportID, a.event.ActorID, a.event.Key = rep.ID, u.ID, a.key
		if err := tx.AddReportEvent(ctx, a.event); err != nil {
			return err
		}
		if a.apply != nil {
			if err := a.apply(ctx, tx, status); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, h.auditEntry(r, a.audit, "report", rep.Reference, a.details))
	})
	if err != nil && !errors.Is(err, db.ErrReplayed) {
		return err
	}
	// Acting keeps the user's claim on the report alive, as viewing does.
	if err := h.store.RefreshClaim(ctx, rep.ID, u.ID); err != nil {
		return err
	}
	return h.backToReport(w, r, rep, a.flash)
}

// replayed answers a form that was already acted on (a double click, or
// the browser sending it again) as the first copy was answered.
func (h *Handler) replayed(w http.ResponseWriter, r *http.Request, rep portal.StaffReport, key, flash string) (bool, error) {
	if !portal.ValidIdempotencyKey(key) {
		return false, nil
	}
	done, err := h.store.ReportActionDone(r.Context(), key)
	if err != nil || !done {
		return false, err
	}
	return true, h.backToReport(w, r, rep, flash)
}

func (h *Handler) backToReport(w http.ResponseWriter, r *http.Request, rep portal.StaffReport, flash string) error {
	if err := h.flash(w, r, flash); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("staff.report", "ref", rep.Reference), http.StatusSeeOther)
	return nil
}

// markTriaged moves a new report to open when staff first act on it, telling
// the reporter on their timeline.
func markTriaged(ctx context.Context, tx *db.Tx, rep portal.StaffReport, status portal.ReportStatus) error {
	next := status.AfterTriage()
	if next == status {
		return nil
	}
	return setReportStatus(ctx, tx, rep, next)
}

// setReportStatus changes the status and adds the public timeline entry saying so.
func setReportStatus(ctx context.Context, tx *db.Tx, rep portal.StaffReport, next portal.ReportStatus) error {
	if err := tx.SetReportStatus(ctx, rep.ID, next); err != nil {
		return err
	}
	return tx.AddReportEvent(ctx, db.ReportEventInput{ReportID: rep.ID, Kind: "status", Public: true,
		Body: portal.StatusUpdate(next)})
}
