package handlers

import (
	"net/http"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Reporting on behalf of someone: verified volunteers, and staff taking a
// report by phone or in person, answer one extra step after the photos —
// who the report is for, their relationship, where updates go and that the
// resident agreed. The resident's details then stand in for "about you".

// mayReportForOthers reports whether u sees the extra step.
func mayReportForOthers(u *portal.User) bool { return u.IsStaff() || u.IsVolunteer() }

// afterPhotos is the step that follows the photos.
func afterPhotos(r *http.Request) string {
	if mayReportForOthers(currentUser(r)) {
		return "reports.on-behalf"
	}
	return "reports.about-you"
}

// onBehalfPage is the "who are you reporting for" step.
type onBehalfPage struct {
	*reportPage
	IsStaff bool
}

func (h *Handler) showOnBehalf(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	if !mayReportForOthers(u) {
		return h.acctRedirect(w, r, "reports.about-you")
	}
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, "safety", "category", "where", "when", "details", "people", "impact", "photos") {
		return err
	}
	shown := *d
	if !d.Has("on-behalf") && !u.IsStaff() && d.Email == u.Email {
		shown.Name, shown.Email = "", "" // prefilled with the volunteer's own details
	}
	return h.renderOnBehalf(w, r, http.StatusOK, &shown, nil)
}

func (h *Handler) renderOnBehalf(w http.ResponseWriter, r *http.Request, status int, d *portal.ReportDraft, fe portal.FieldErrors) error {
	p, err := h.newReportPage(r, d, "on-behalf", "Who are you reporting for?")
	if err != nil {
		return err
	}
	p.Back = h.routeURL("reports.photos")
	if fe != nil {
		p.setErrors(fe, "report-for", "channel", "relationship", "name", "email", "phone",
			"contact-preference", "safe-to-leave", "updates-to", "consent")
	}
	return h.render(w, r, status, "reports_on_behalf", &onBehalfPage{reportPage: p, IsStaff: currentUser(r).IsStaff()})
}

func (h *Handler) saveOnBehalf(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	if !mayReportForOthers(u) {
		return errForbidden
	}
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, "safety", "category", "where", "when", "details", "people", "impact", "photos") {
		return err
	}
	readOnBehalf(r, d, u)
	if fe := d.ValidateOnBehalf(u.IsStaff()); fe.Any() {
		return h.renderOnBehalf(w, r, http.StatusUnprocessableEntity, d, fe)
	}
	d.Complete("on-behalf")
	if d.ReportFor == "myself" {
		if d.Email == "" {
			d.Email, d.Name = u.Email, u.DisplayName
		}
		return h.next(w, r, d, "on-behalf", "reports.about-you")
	}
	d.Complete("about-you")
	return h.next(w, r, d, "on-behalf", "reports.check")
}

// readOnBehalf copies the step's answers into the draft.
func readOnBehalf(r *http.Request, d *portal.ReportDraft, u *portal.User) {
	d.ReportFor = formValue(r, "report-for")
	ob := portal.OnBehalf{Channel: portal.OnBehalfVolunteer, SubmitterEmail: u.Email}
	if u.IsStaff() {
		d.ReportFor = "someone-else"
		ob.Channel = portal.OnBehalfChannel(formValue(r, "channel"))
		ob.SubmitterEmail = ""
	}
	d.OnBehalf = ob
	if d.ReportFor != "someone-else" {
		return
	}
	d.OnBehalf.Relationship = formValue(r, "relationship")
	d.OnBehalf.UpdatesTo = formValue(r, "updates-to")
	if u.IsStaff() {
		d.OnBehalf.UpdatesTo = "resident" // staff do not take the resident's updates
	}
	d.OnBehalf.Consent = formValue(r, "consent") == "yes"
	d.Name, d.Email, d.Phone = formValue(r, "name"), formValue(r, "email"), formValue(r, "phone")
	d.ContactPreference, d.SafeToLeave = formValue(r, "contact-preference"), formValue(r, "safe-to-leave")
}

// applyOnBehalf completes a report made for someone else: it records who
// made it, is kept out of the submitter's own account, and its
// acknowledgement goes to the resident (or to the volunteer when the
// resident asked for that). The submitter must still be allowed to report
// for others when they send it.
func (h *Handler) applyOnBehalf(r *http.Request, d *portal.ReportDraft, nr *db.NewReport) {
	u := currentUser(r)
	if !d.IsOnBehalf() || !mayReportForOthers(u) {
		d.ReportFor = ""
		return
	}
	nr.UserID, nr.OnBehalfBy = 0, u.ID
	nr.OnBehalfNote = onBehalfNote(u, d.OnBehalf)
	to := portal.CanonicalEmail(d.Email)
	if d.OnBehalf.UpdatesTo == "submitter" {
		to = d.OnBehalf.SubmitterEmail
	}
	nr.AckFor = nil
	if to == "" {
		return
	}
	nr.AckFor = func(ref string) (*portal.Email, error) {
		m, err := h.mail.Render("onbehalf_acknowledgement", to, onBehalfAckEmail{Reference: ref,
			TrackURL: h.absURL("reports.track"), Neighbourhood: d.NeighbourhoodName,
			ToSubmitter: d.OnBehalf.UpdatesTo == "submitter", ByStaff: u.IsStaff()})
		return &m, err
	}
}

// onBehalfAckEmail is the acknowledgement of a report made for someone:
// like the usual one, and saying who made it (a volunteer or the police),
// never who the resident is or what they reported.
type onBehalfAckEmail struct {
	Reference, TrackURL, Neighbourhood string
	ToSubmitter, ByStaff               bool
}

// onBehalfNote is the internal note staff see on the report.
func onBehalfNote(u *portal.User, ob portal.OnBehalf) string {
	var b strings.Builder
	b.WriteString("Reported on behalf of the resident ")
	if u.IsStaff() {
		b.WriteString(strings.ToLower(ob.Channel.Label()) + ", taken by " + u.Name() + " (" + u.Role.Label() + ").")
	} else {
		b.WriteString("by " + u.Name() + ", a verified volunteer (" + u.VolunteerRole.Label() + ").")
	}
	b.WriteString(" Relationship to the resident: " + ob.Relationship + ".")
	b.WriteString(" The resident agreed to this report being made for them.")
	if ob.UpdatesTo == "submitter" {
		b.WriteString(" The resident asked for updates to go to the volunteer: the contact email on this report is the volunteer's.")
	} else {
		b.WriteString(" Updates go to the resident's own contact details.")
	}
	return b.String()
}
