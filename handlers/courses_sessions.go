package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// sessionFormPage adds or changes a session.
type sessionFormPage struct {
	Page
	ID      int64
	Form    portal.SessionInput
	Courses []portal.Course
	LPAs    []portal.LPA
}

func (h *Handler) newSessionFormPage(r *http.Request, id int64, in portal.SessionInput) (*sessionFormPage, error) {
	u := currentUser(r)
	courses, err := h.store.Courses(r.Context(), h.now())
	if err != nil {
		return nil, err
	}
	lpas, err := h.store.LPAsInScope(r.Context(), u.Scope)
	if err != nil {
		return nil, err
	}
	title := "Add a session"
	if id != 0 {
		title = "Change a session"
	}
	return &sessionFormPage{Page: Page{Title: title, Staff: true}, ID: id, Form: in, Courses: courses, LPAs: lpas}, nil
}

// sessionInputOf fills the form from a stored session.
func sessionInputOf(s portal.CourseSession) portal.SessionInput {
	start, end, closes := s.StartsAt.In(london), s.EndsAt.In(london), s.BookingClosesAt.In(london)
	return portal.SessionInput{CourseID: strconv.FormatInt(s.CourseID, 10), LPACode: s.LPACode,
		VenueName: s.VenueName, VenueAddress: s.VenueAddress, VenuePostcode: s.VenuePostcode,
		Accessibility: s.Accessibility, MapURL: s.MapURL, Date: start.Format("2006-01-02"),
		StartTime: start.Format("15:04"), EndTime: end.Format("15:04"), ClosesDate: closes.Format("2006-01-02"),
		ClosesTime: closes.Format("15:04"), Capacity: strconv.Itoa(s.Capacity)}
}

func (h *Handler) showSessionForm(w http.ResponseWriter, r *http.Request) error {
	var id int64
	in := portal.SessionInput{CourseID: r.URL.Query().Get("course"), StartTime: "18:30", EndTime: "20:30", Capacity: "12"}
	if routeVar(r, "id") != "" {
		s, err := h.staffSession(r)
		if err != nil {
			return err
		}
		id, in = s.ID, sessionInputOf(s)
	}
	p, err := h.newSessionFormPage(r, id, in)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_courses_session_form", p)
}

// staffSession is the route's session if the user's scope covers it.
func (h *Handler) staffSession(r *http.Request) (portal.CourseSession, error) {
	id, err := sessionID(r)
	if err != nil {
		return portal.CourseSession{}, err
	}
	return h.store.SessionInScope(r.Context(), id, currentUser(r).Scope)
}

func sessionFormInput(r *http.Request) portal.SessionInput {
	return portal.SessionInput{CourseID: formValue(r, "course"), LPACode: formValue(r, "lpa"),
		VenueName: formValue(r, "venue"), VenueAddress: formValue(r, "address"), VenuePostcode: formValue(r, "postcode"),
		Accessibility: formValue(r, "accessibility"), MapURL: formValue(r, "map"), Date: formValue(r, "date"),
		StartTime: formValue(r, "start"), EndTime: formValue(r, "end"), ClosesDate: formValue(r, "closes-date"),
		ClosesTime: formValue(r, "closes-time"), Capacity: formValue(r, "capacity")}
}

func (h *Handler) saveSession(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	var id int64
	if routeVar(r, "id") != "" {
		s, err := h.staffSession(r)
		if err != nil {
			return err
		}
		id = s.ID
	}
	in := sessionFormInput(r)
	f, fe := in.Parse(london, h.now(), id == 0)
	if !fe.Any() {
		err := h.store.InTx(r.Context(), func(tx *db.Tx) error { return h.storeSession(r, tx, &id, f) })
		switch {
		case errors.Is(err, portal.ErrConflict):
			fe.Add("capacity", "The number of places cannot be fewer than the places already taken")
		case errors.Is(err, portal.ErrNotFound):
			fe.Add("lpa", "Select a local policing area you work in")
		case err != nil:
			return err
		}
	}
	if fe.Any() {
		p, err := h.newSessionFormPage(r, id, in)
		if err != nil {
			return err
		}
		p.setErrors(fe, portal.SessionFieldOrder...)
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_courses_session_form", p)
	}
	if err := h.flash(w, r, "Session saved"); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("staff.courses.session", "id", strconv.FormatInt(id, 10)), http.StatusSeeOther)
	return nil
}

// storeSession creates or updates a session in tx; new places from a
// higher capacity are offered to the waiting list.
func (h *Handler) storeSession(r *http.Request, tx *db.Tx, id *int64, f portal.SessionFields) error {
	scope, now := currentUser(r).Scope, h.now()
	action := "course.session.update"
	if *id == 0 {
		var err error
		if *id, err = tx.CreateSession(r.Context(), f, scope); err != nil {
			return err
		}
		action = "course.session.create"
	} else {
		if err := tx.UpdateSession(r.Context(), *id, f, scope); err != nil {
			return err
		}
		offers, err := tx.FillPlaces(r.Context(), *id, now, now.Add(h.offerHold()))
		if err != nil {
			return err
		}
		if len(offers) > 0 {
			s, err := tx.SessionInScope(r.Context(), *id, scope)
			if err != nil {
				return err
			}
			for _, o := range offers {
				if err := h.enqueueOffer(r.Context(), tx, o, s); err != nil {
					return err
				}
			}
		}
	}
	return tx.Audit(r.Context(), h.auditEntry(r, action, "course_session", strconv.FormatInt(*id, 10), nil))
}

// staffSessionPage is a session with its bookings.
type staffSessionPage struct {
	Page
	Session  portal.CourseSession
	Bookings []portal.Booking
	Manager  bool
	Ended    bool
}

func (h *Handler) staffSessionPage(r *http.Request, title string) (*staffSessionPage, error) {
	s, err := h.staffSession(r)
	if err != nil {
		return nil, err
	}
	u := currentUser(r)
	bookings, err := h.store.SessionBookings(r.Context(), s.ID, u.Scope)
	if err != nil {
		return nil, err
	}
	if title == "" {
		title = s.CourseTitle
	}
	return &staffSessionPage{Page: Page{Title: title, Staff: true}, Session: s, Bookings: bookings,
		Manager: u.Has(portal.RoleSergeant, portal.RoleForceAdmin), Ended: s.Started(h.now())}, nil
}

func (h *Handler) showStaffSession(w http.ResponseWriter, r *http.Request) error {
	p, err := h.staffSessionPage(r, "")
	if err != nil {
		return err
	}
	if err := h.audit(r, "course.session.view", "course_session", strconv.FormatInt(p.Session.ID, 10), nil); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_courses_session", p)
}

func (h *Handler) showCancelSession(w http.ResponseWriter, r *http.Request) error {
	p, err := h.staffSessionPage(r, "Cancel this session")
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_courses_cancel", p)
}

func (h *Handler) cancelSession(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	s, err := h.staffSession(r)
	if err != nil {
		return err
	}
	var told int
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		contacts, err := tx.CancelSession(r.Context(), s.ID, currentUser(r).Scope, h.now())
		if err != nil {
			return err
		}
		for _, c := range contacts {
			data := h.courseEmailFor(c.Reference, c.Name, s, "", "")
			m, err := h.mail.Render("course_session_cancelled", c.Email, data)
			if err != nil {
				return err
			}
			if err := tx.Enqueue(r.Context(), m); err != nil {
				return err
			}
		}
		told = len(contacts)
		return tx.Audit(r.Context(), h.auditEntry(r, "course.session.cancel", "course_session",
			strconv.FormatInt(s.ID, 10), map[string]string{"told": strconv.Itoa(told)}))
	})
	if err != nil && !errors.Is(err, portal.ErrConflict) {
		return err
	}
	msg := "Session cancelled. " + plural(told, "person has", "people have") + " been emailed"
	if errors.Is(err, portal.ErrConflict) {
		msg = "This session was already cancelled"
	}
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("staff.courses.session", "id", strconv.FormatInt(s.ID, 10)), http.StatusSeeOther)
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func (h *Handler) showRegister(w http.ResponseWriter, r *http.Request) error {
	p, err := h.staffSessionPage(r, "Register")
	if err != nil {
		return err
	}
	if err := h.audit(r, "course.register.view", "course_session", strconv.FormatInt(p.Session.ID, 10), nil); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_courses_register", p)
}

func (h *Handler) saveRegister(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	s, err := h.staffSession(r)
	if err != nil {
		return err
	}
	var marks []portal.RegisterMark
	for k, vs := range r.PostForm {
		idText, ok := strings.CutPrefix(k, "attendance-")
		id, err := strconv.ParseInt(idText, 10, 64)
		if !ok || err != nil || len(vs) != 1 {
			continue
		}
		a := portal.Attendance(strings.TrimSpace(vs[0]))
		if !portal.ValidAttendance(a) {
			return errBadRequest
		}
		marks = append(marks, portal.RegisterMark{BookingID: id, Attendance: a})
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		n, err := tx.MarkAttendance(r.Context(), s.ID, currentUser(r).Scope, marks)
		if err != nil || n == 0 {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "course.register.save", "course_session",
			strconv.FormatInt(s.ID, 10), map[string]string{"marks": strconv.FormatInt(n, 10)}))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, "Register saved"); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("staff.courses.register", "id", strconv.FormatInt(s.ID, 10)), http.StatusSeeOther)
	return nil
}

// Field describes a text input of the form, with its error; typ and width
// are the input's type (text if empty) and GOV.UK width class.
func (p *sessionFormPage) Field(name, label, hint, value, typ, width string) textField {
	f := newTextField(p.Errors, name, label, hint, value)
	f.Type, f.Width = typ, width
	return f
}
