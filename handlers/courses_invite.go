package handlers

import (
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Staff invite a reporter to a course from a report (?report=REF) or a case
// (?case=REF). The emailed link opens the course's sessions and pre-fills
// the booking, which is tagged as invited so the evaluation can show
// invited complainants separately.

// invitePage is the invitation form.
type invitePage struct {
	Page
	Report, Case string
	Invitee      db.Invitee
	Courses      []portal.Course
	CourseID     string
	Name, Email  string
	BackURL      string
}

// inviteSource loads who may be invited, from the report or case in the
// query or form, within the user's scope.
func (h *Handler) inviteSource(r *http.Request, report, caseRef string) (db.Invitee, string, error) {
	scope := currentUser(r).Scope
	switch {
	case report != "":
		ref, ok := portal.NormaliseReference(report)
		if !ok {
			return db.Invitee{}, "", errNotFound
		}
		in, err := h.store.ReportInvitee(r.Context(), ref, scope)
		return in, h.routeURL("staff.report", "ref", ref), err
	case portal.ValidCaseReference(caseRef):
		in, err := h.store.CaseInvitee(r.Context(), caseRef, scope)
		return in, h.routeURL("staff.case", "ref", caseRef), err
	}
	return db.Invitee{}, "", errNotFound
}

func (h *Handler) newInvitePage(r *http.Request, report, caseRef string) (*invitePage, error) {
	in, back, err := h.inviteSource(r, report, caseRef)
	if err != nil {
		return nil, err
	}
	all, err := h.store.Courses(r.Context(), h.now())
	if err != nil {
		return nil, err
	}
	p := &invitePage{Page: Page{Title: "Invite to a defusing course", Staff: true}, Report: report, Case: caseRef,
		Invitee: in, Name: in.Name, Email: in.Email, BackURL: back}
	for _, c := range all {
		if c.Upcoming > 0 {
			p.Courses = append(p.Courses, c)
		}
	}
	return p, nil
}

func (h *Handler) showInvite(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := h.newInvitePage(r, q.Get("report"), q.Get("case"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_courses_invite", p)
}

func (h *Handler) sendInvite(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	p, err := h.newInvitePage(r, formValue(r, "report"), formValue(r, "case"))
	if err != nil {
		return err
	}
	p.CourseID, p.Name, p.Email = formValue(r, "course"), formValue(r, "name"), formValue(r, "email")
	fe := portal.FieldErrors{}
	courseID, _ := strconv.ParseInt(p.CourseID, 10, 64)
	if !courseOffered(p.Courses, courseID) {
		fe.Add("course", "Select a course")
	}
	if len([]rune(p.Name)) > portal.MaxBookingName {
		fe.Add("name", "The name must be 100 characters or fewer")
	}
	if !portal.IsEmailAddress(portal.CanonicalEmail(p.Email)) {
		fe.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if fe.Any() {
		p.setErrors(fe, "course", "name", "email")
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_courses_invite", p)
	}
	token := portal.NewToken()
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		if _, err := tx.CreateInvitation(r.Context(), db.NewInvitation{TokenHash: portal.HashToken(token), CourseID: courseID,
			Invitee: p.Invitee, Name: p.Name, Email: p.Email, InvitedBy: currentUser(r).ID,
			ExpiresAt: h.now().Add(portal.InvitationLifetime)}); err != nil {
			return err
		}
		m, err := h.mail.Render("course_invitation", portal.CanonicalEmail(p.Email), courseEmail{Name: p.Name,
			Course: courseTitle(p.Courses, courseID), URL: h.absURL("courses.invitation", "token", token)})
		if err != nil {
			return err
		}
		if err := tx.Enqueue(r.Context(), m); err != nil {
			return err
		}
		target, ttype := p.Invitee.Reference, "report"
		if p.Invitee.CaseID != 0 {
			ttype = "case"
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "course.invite", ttype, target,
			map[string]string{"course": p.CourseID}))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, "Course invitation sent"); err != nil {
		return err
	}
	http.Redirect(w, r, p.BackURL, http.StatusSeeOther)
	return nil
}

func courseOffered(cs []portal.Course, id int64) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

func courseTitle(cs []portal.Course, id int64) string {
	for _, c := range cs {
		if c.ID == id {
			return c.Title
		}
	}
	return ""
}

// invitationPage lists the invited course's sessions, with links that
// carry the invitation into the booking form.
type invitationPage struct {
	Page
	Token    string
	Course   portal.Course
	Sessions []portal.CourseSession
}

func (h *Handler) showInvitation(w http.ResponseWriter, r *http.Request) error {
	token := routeVar(r, "token")
	inv, err := h.store.InvitationByToken(r.Context(), portal.HashToken(token), h.now())
	if err != nil {
		return err
	}
	c, err := h.store.Course(r.Context(), inv.CourseID)
	if err != nil {
		return err
	}
	list, err := h.store.Sessions(r.Context(), db.SessionFilter{CourseID: c.ID, From: h.now()})
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "courses_invitation", &invitationPage{
		Page: Page{Title: "You are invited to " + c.Title}, Token: token, Course: c, Sessions: list})
}

// Field describes a text input of the form, with its error.
func (p *invitePage) Field(name, label, hint, value string) textField {
	return newTextField(p.Errors, name, label, hint, value)
}
