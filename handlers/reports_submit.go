package handlers

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
	"github.com/gorilla/sessions"
)

// maxPhotoUpload is the body limit of the photo upload: one photo plus the
// form around it.
const maxPhotoUpload = portal.MaxPhotoBytes + 64<<10

func (h *Handler) showPhotos(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, "safety", "category", "where", "when", "details", "people", "impact") {
		return err
	}
	p, err := h.newReportPage(r, d, "photos", "Add photos (optional)")
	if err != nil {
		return err
	}
	if p.Photos, err = h.store.DraftPhotoIDs(r.Context(), d.Key); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reports_photos", p)
}

// savePhotos handles the three buttons of the photos page: upload one photo,
// remove one, or continue.
func (h *Handler) savePhotos(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, "safety", "category", "where", "when", "details", "people", "impact") {
		return err
	}
	if r.MultipartForm == nil && r.PostForm == nil {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			if isMaxBytes(err) {
				return h.photoInvalid(w, r, d, "The photo must be smaller than 10MB")
			}
			return errBadRequest
		}
	}
	if r.MultipartForm != nil {
		if err := checkMultipart(r); err != nil {
			return err
		}
	}
	if id := r.PostForm.Get("remove"); id != "" {
		n, _ := strconv.ParseInt(id, 10, 64)
		if err := h.store.DeleteDraftPhoto(r.Context(), d.Key, n); err != nil {
			return err
		}
		http.Redirect(w, r, h.routeURL("reports.photos"), http.StatusSeeOther)
		return nil
	}
	if r.PostForm.Get("action") != "upload" {
		return h.next(w, r, d, "photos", afterPhotos(r))
	}
	file, _, err := r.FormFile("photo")
	if err != nil {
		return h.photoInvalid(w, r, d, "Select a photo")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, portal.MaxPhotoBytes+1))
	if err != nil {
		return err
	}
	if len(data) > portal.MaxPhotoBytes {
		return h.photoInvalid(w, r, d, "The photo must be smaller than 10MB")
	}
	ctype, clean, err := portal.ReencodePhoto(data)
	if err != nil {
		return h.photoInvalid(w, r, d, "The photo must be a JPG or PNG")
	}
	if _, err := h.store.SaveDraftPhoto(r.Context(), d.Key, ctype, clean); errors.Is(err, portal.ErrConflict) {
		return h.photoInvalid(w, r, d, "You can add up to 3 photos")
	} else if err != nil {
		return err
	}
	d.Photos++
	if err := h.saveDraft(w, r, d); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("reports.photos"), http.StatusSeeOther)
	return nil
}

func (h *Handler) photoInvalid(w http.ResponseWriter, r *http.Request, d *portal.ReportDraft, msg string) error {
	return h.stepInvalid(w, r, d, "photos", "Add photos (optional)", "reports_photos", portal.FieldErrors{"photo": msg})
}

// checkMultipart applies parseForm's rules to a multipart form's text fields.
func checkMultipart(r *http.Request) error {
	for k, vs := range r.MultipartForm.Value {
		if !portal.CleanText(k) {
			return errBadRequest
		}
		for _, v := range vs {
			if !portal.CleanText(v) {
				return errBadRequest
			}
		}
	}
	return nil
}

// serveDraftPhoto shows the resident a photo they uploaded to their draft;
// the draft key in their session is what gives access.
func (h *Handler) serveDraftPhoto(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	ctype, data, err := h.store.DraftPhoto(r.Context(), d.Key, id)
	if err != nil {
		return err
	}
	return servePhoto(w, ctype, data)
}

// servePhoto sends an image that was re-encoded by Beacon, with headers that
// stop a browser treating it as anything else.
func servePhoto(w http.ResponseWriter, ctype string, data []byte) error {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err := w.Write(data)
	return err
}

func (h *Handler) showCheck(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	if missing := d.Missing(); missing != "" {
		http.Redirect(w, r, h.routeURL("reports."+missing), http.StatusSeeOther)
		return nil
	}
	p, err := h.newReportPage(r, d, "check", "Check your answers before sending your report")
	if err != nil {
		return err
	}
	if p.Photos, err = h.store.DraftPhotoIDs(r.Context(), d.Key); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reports_check", p)
}

// submitReport stores the report. The draft's key is posted with the form,
// so a second press of the button (or a replayed request) finds the report
// already made and shows the same confirmation.
func (h *Handler) submitReport(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	key := formValue(r, "idempotency_key")
	if !portal.ValidIdempotencyKey(key) {
		return errBadRequest
	}
	if key != d.Key { // the draft is gone: this is a repeat of a submission already made
		return h.confirmRepeat(w, r, key)
	}
	if missing := d.Missing(); missing != "" {
		http.Redirect(w, r, h.routeURL("reports."+missing), http.StatusSeeOther)
		return nil
	}
	if err := h.allow(r, h.cfg.Limits.Reports, clientAddr(r)); err != nil {
		return err
	}
	if d.Anonymous != "yes" && d.Email != "" {
		if err := h.allow(r, h.cfg.Limits.Reports, "email:"+portal.CanonicalEmail(d.Email)); err != nil {
			return err
		}
	}
	nr := db.NewReport{Draft: d, OccurredOn: d.OccurredOn(h.now()), Honeypot: formValue(r, "website") != "",
		AckFor: h.reportAcknowledgement(d)}
	if u := currentUser(r); u != nil && !u.IsStaff() {
		nr.UserID = u.ID
	}
	h.applyOnBehalf(r, d, &nr) // a report made for someone else: on_behalf.go
	h.setInitialRisk(&nr)
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	if sess.ID != "" { // it is, as it holds the draft
		nr.SessionFor = h.sessionAfterReport(sess)
	}
	got, err := h.store.CreateReport(r.Context(), nr)
	if err != nil {
		return err
	}
	if nr.UserID != 0 || (d.Anonymous != "yes" && d.Email != "") {
		h.offerCaseReview(r, got.ID) // best effort, after the report is safely stored
	}
	if !got.SessionSaved { // a copy of a submission already made: got is the original
		return h.confirmed(w, r, got.Reference)
	}
	afterReport(sess.Values, got.Reference)
	if err := h.sessions.setCookie(w, sess); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("reports.confirmation"), http.StatusSeeOther)
	return nil
}

// sessionAfterReport gives CreateReport the session as it must be once the
// report is stored, for it to save in the same statement: one commit for
// the submission rather than two. The request's session itself is changed
// only once the report is stored.
func (h *Handler) sessionAfterReport(sess *sessions.Session) func(string) (db.SessionRecord, error) {
	return func(reference string) (db.SessionRecord, error) {
		return h.sessions.recordAfter(sess, func(v map[any]any) { afterReport(v, reference) })
	}
}

// afterReport changes session values as a stored report does: the draft is
// gone, and the reference waits for the confirmation page.
func afterReport(values map[any]any, reference string) {
	delete(values, sessReportDraft)
	values[sessLastReport] = reference
}

// setInitialRisk sets a new report's risk and target time from the
// resident's answers. Being a repeat victim raises them, but only the
// database knows whether the reporter is one, so both outcomes are worked
// out here and CreateReport picks one in its own statement: no round trip
// to ask first.
func (h *Handler) setInitialRisk(nr *db.NewReport) {
	now := h.now()
	a := portal.AssessInitialRisk(portal.RiskAnswersFromDraft(nr.Draft, false))
	nr.Risk, nr.DueAt = a.Risk, h.cfg.Targets.DueAt(now, a.Risk)
	a = portal.AssessInitialRisk(portal.RiskAnswersFromDraft(nr.Draft, true))
	nr.RepeatRisk, nr.RepeatDueAt = a.Risk, h.cfg.Targets.DueAt(now, a.Risk)
}

// confirmRepeat answers a repeated submission with the original report's
// confirmation.
func (h *Handler) confirmRepeat(w http.ResponseWriter, r *http.Request, key string) error {
	got, err := h.store.ReportByKey(r.Context(), key)
	if errors.Is(err, portal.ErrNotFound) {
		http.Redirect(w, r, h.routeURL("reports.start"), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	return h.confirmed(w, r, got.Reference)
}

func (h *Handler) confirmed(w http.ResponseWriter, r *http.Request, reference string) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	afterReport(sess.Values, reference)
	if err := sess.Save(r, w); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("reports.confirmation"), http.StatusSeeOther)
	return nil
}

// reportAcknowledgement builds the email telling a named reporter their
// report arrived: the reference and a link, never the report's content.
func (h *Handler) reportAcknowledgement(d *portal.ReportDraft) func(string) (*portal.Email, error) {
	if d.Anonymous == "yes" || d.Email == "" {
		return nil
	}
	return func(ref string) (*portal.Email, error) {
		m, err := h.mail.Render("report_acknowledgement", d.Email, struct {
			Reference, TrackURL, Neighbourhood string
		}{ref, h.absURL("reports.track"), d.NeighbourhoodName})
		return &m, err
	}
}

// absURL is a route's absolute URL, for emails.
func (h *Handler) absURL(name string, pairs ...string) string {
	return h.cfg.BaseURL.String() + h.routeURL(name, pairs...)
}

func (h *Handler) showConfirmation(w http.ResponseWriter, r *http.Request) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	ref, _ := sess.Values[sessLastReport].(string)
	if ref == "" {
		http.Redirect(w, r, h.routeURL("reports.start"), http.StatusSeeOther)
		return nil
	}
	got, err := h.store.ReportSummary(r.Context(), ref)
	if err != nil {
		return err
	}
	p := &reportPage{Page: Page{Title: "Report sent"}, Reference: ref, Email: got.HasEmail, Neighbourhood: got.NeighbourhoodName}
	return h.render(w, r, http.StatusOK, "reports_confirmation", p)
}
