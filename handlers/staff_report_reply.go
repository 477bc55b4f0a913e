package handlers

import (
	"context"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Telling the reporter: replies, requests for more information and closing.
// Each is public on the reporter's tracking page, and a reporter who gave
// an email address is emailed that there is an update (never its text).

// replyPage is the reply form, and the form asking for more information.
type replyPage struct {
	reportFormPage
	Information bool // asking for more information rather than replying
	Templates   []portal.ReplyTemplate
	TemplateID  int64
	Body        string
	Max         int
}

// replyTemplate fills the form from the template chosen with ?template=ID
// (a GET form, so choosing one works without JavaScript).
func (h *Handler) replyTemplate(r *http.Request, rep portal.StaffReport, templates []portal.ReplyTemplate) (int64, string) {
	id, _ := strconv.ParseInt(r.URL.Query().Get("template"), 10, 64)
	for _, t := range templates {
		if t.ID == id {
			return id, t.Fill(rep)
		}
	}
	return 0, ""
}

func (h *Handler) showReplyForm(w http.ResponseWriter, r *http.Request) error {
	return h.showReply(w, r, false)
}

func (h *Handler) showInformationForm(w http.ResponseWriter, r *http.Request) error {
	return h.showReply(w, r, true)
}

func (h *Handler) showReply(w http.ResponseWriter, r *http.Request, information bool) error {
	page := "reply"
	if information {
		page = "information"
	}
	rep, err := h.staffReport(r, page)
	if err != nil {
		return err
	}
	if information && rep.Closed() {
		return errReportClosed
	}
	return h.renderReply(w, r, http.StatusOK, rep, information, portal.ReplyInput{Key: newIdempotencyKey()}, nil)
}

func (h *Handler) renderReply(w http.ResponseWriter, r *http.Request, status int, rep portal.StaffReport, information bool, in portal.ReplyInput, fe portal.FieldErrors) error {
	title, statuses := "Reply to the reporter", []portal.ReportStatus{rep.Status}
	if rep.Status == portal.StatusNew || rep.Status == portal.StatusOpen {
		statuses = []portal.ReportStatus{portal.StatusNew, portal.StatusOpen} // replying is what triages it
	}
	if information {
		title, statuses = "Ask for more information", []portal.ReportStatus{portal.StatusAwaitingInformation}
	}
	templates, err := h.store.ReplyTemplates(r.Context(), rep.CategoryCode, statuses...)
	if err != nil {
		return err
	}
	p := &replyPage{reportFormPage: newReportFormPage(title, rep, in.Key), Information: information,
		Templates: templates, Body: in.Body, Max: portal.MaxReply}
	if status == http.StatusOK {
		p.TemplateID, p.Body = h.replyTemplate(r, rep, templates)
	}
	p.setErrors(fe, "body")
	return h.render(w, r, status, "staff_report_reply", p)
}

func (h *Handler) sendReply(w http.ResponseWriter, r *http.Request) error {
	return h.saveReply(w, r, false)
}

func (h *Handler) sendInformationRequest(w http.ResponseWriter, r *http.Request) error {
	return h.saveReply(w, r, true)
}

func (h *Handler) saveReply(w http.ResponseWriter, r *http.Request, information bool) error {
	rep, err := h.staffReport(r, "")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.ReplyInput{Key: formValue(r, "idempotency_key"), Body: formValue(r, "body")}
	done, action, kind := replyFlash(rep, information), "report.reply", "reply"
	if information {
		action, kind = "report.information_request", "information-request"
	}
	if replayed, err := h.replayed(w, r, rep, in.Key, done); replayed || err != nil {
		return err
	}
	if fe := in.Validate(); fe.Any() {
		in.Key = freshKey(in.Key)
		return h.renderReply(w, r, http.StatusUnprocessableEntity, rep, information, in, fe)
	}
	return h.doReportAction(w, r, rep, reportAction{key: in.Key, audit: action, allowClosed: !information,
		details: map[string]string{"emailed": strconv.FormatBool(rep.CanEmail())},
		event:   db.ReportEventInput{Kind: "reply", Public: true, Body: in.Body}, flash: done,
		apply: func(ctx context.Context, tx *db.Tx, status portal.ReportStatus) error {
			var err error
			switch {
			case information && status != portal.StatusAwaitingInformation:
				err = setReportStatus(ctx, tx, rep, portal.StatusAwaitingInformation)
			case !information:
				err = markTriaged(ctx, tx, rep, status)
			}
			if err != nil {
				return err
			}
			return h.emailUpdate(ctx, tx, rep, kind)
		}})
}

// replyFlash says what happened to a reply, including whether the reporter
// was emailed about it.
func replyFlash(rep portal.StaffReport, information bool) string {
	what := "Your reply has been sent"
	if information {
		what = "Your request for more information has been sent"
	}
	switch {
	case rep.CanEmail():
		return what + ". The reporter has been emailed that there is an update"
	case rep.Anonymous:
		return what + " and recorded on the report. The reporter is anonymous, so they have not been emailed"
	}
	return what + " and recorded on the report. The reporter gave no email address, so they have not been emailed"
}

// reportUpdateEmail is what the "there is an update" email says: the
// reference, where to read the update and what kind it is, never its text.
type reportUpdateEmail struct {
	Reference string
	TrackURL  string
	Kind      string // reply, information-request or closed
}

// emailUpdate queues the "there is an update" email in the transaction of
// the change, if the reporter gave an email address.
func (h *Handler) emailUpdate(ctx context.Context, tx *db.Tx, rep portal.StaffReport, kind string) error {
	if !rep.CanEmail() {
		return nil
	}
	m, err := h.mail.Render("report_update", rep.Email, reportUpdateEmail{Reference: rep.Reference,
		TrackURL: h.absURL("reports.track"), Kind: kind})
	if err != nil {
		return err
	}
	return tx.Enqueue(ctx, m)
}

// closePage is the form that closes a report with an outcome.
type closePage struct {
	reportFormPage
	Outcomes   []portal.Outcome
	Templates  []portal.ReplyTemplate
	TemplateID int64
	Form       portal.CloseInput
	Max        int
}

func (h *Handler) showCloseForm(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "close")
	if err != nil {
		return err
	}
	if rep.Closed() {
		return errReportClosed
	}
	return h.renderClose(w, r, http.StatusOK, rep, portal.CloseInput{Key: newIdempotencyKey()}, nil)
}

func (h *Handler) renderClose(w http.ResponseWriter, r *http.Request, status int, rep portal.StaffReport, in portal.CloseInput, fe portal.FieldErrors) error {
	templates, err := h.store.ReplyTemplates(r.Context(), rep.CategoryCode, portal.StatusClosed)
	if err != nil {
		return err
	}
	p := &closePage{reportFormPage: newReportFormPage("Close the report", rep, in.Key), Outcomes: portal.CloseOutcomes,
		Templates: templates, Form: in, Max: portal.MaxReply}
	if status == http.StatusOK {
		p.TemplateID, p.Form.Message = h.replyTemplate(r, rep, templates)
	}
	p.setErrors(fe, "outcome", "message")
	return h.render(w, r, status, "staff_report_close", p)
}

func (h *Handler) saveClose(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.staffReport(r, "")
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.CloseInput{Key: formValue(r, "idempotency_key"), Outcome: formValue(r, "outcome"), Message: formValue(r, "message")}
	done := "The report has been closed"
	if rep.CanEmail() {
		done += ". The reporter has been emailed that there is an update"
	}
	if replayed, err := h.replayed(w, r, rep, in.Key, done); replayed || err != nil {
		return err
	}
	if fe := in.Validate(); fe.Any() {
		in.Key = freshKey(in.Key)
		return h.renderClose(w, r, http.StatusUnprocessableEntity, rep, in, fe)
	}
	outcome := portal.Outcome(in.Outcome)
	return h.doReportAction(w, r, rep, reportAction{key: in.Key, audit: "report.close",
		details: map[string]string{"outcome": in.Outcome, "emailed": strconv.FormatBool(rep.CanEmail())},
		event:   db.ReportEventInput{Kind: "status", Public: true, Body: outcome.PublicText()}, flash: done,
		apply: func(ctx context.Context, tx *db.Tx, _ portal.ReportStatus) error {
			return h.closeReport(ctx, tx, rep, outcome, 0, in.Message)
		}})
}

// closeReport closes a report, adds the optional message to the reporter
// and emails them. The caller has written the timeline entry that records
// the action; for a duplicate, the reporter's entry is written here.
func (h *Handler) closeReport(ctx context.Context, tx *db.Tx, rep portal.StaffReport, outcome portal.Outcome, duplicateOf int64, message string) error {
	if err := tx.CloseReport(ctx, rep.ID, outcome, duplicateOf); err != nil {
		return err
	}
	if outcome == portal.OutcomeDuplicate {
		if err := tx.AddReportEvent(ctx, db.ReportEventInput{ReportID: rep.ID, Kind: "status", Public: true,
			Body: outcome.PublicText()}); err != nil {
			return err
		}
	}
	if message != "" {
		if err := tx.AddReportEvent(ctx, db.ReportEventInput{ReportID: rep.ID, Kind: "reply", Public: true,
			Body: message}); err != nil {
			return err
		}
	}
	return h.emailUpdate(ctx, tx, rep, "closed")
}
