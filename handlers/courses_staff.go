package handlers

import (
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Staff side of courses: force administrators keep the courses; sergeants
// (for their LPAs) and force administrators keep the sessions; any staff
// member in the session's LPA can see its bookings and take the register.

// courseStaff wraps a handler for any signed-in staff member.
func (h *Handler) courseStaff(fn handlerFunc) http.Handler { return h.requireStaff(h.wrap(fn)) }

// courseManager wraps a handler for sergeants and force administrators.
func (h *Handler) courseManager(fn handlerFunc) http.Handler {
	return h.requireRole(portal.RoleSergeant, portal.RoleForceAdmin)(h.wrap(fn))
}

// staffCoursesPage lists courses and the sessions in the user's areas.
type staffCoursesPage struct {
	Page
	Courses  []portal.Course
	Sessions []portal.CourseSession
	Manager  bool
	Admin    bool
}

func (h *Handler) listStaffCourses(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	now := h.now()
	courses, err := h.store.Courses(r.Context(), now)
	if err != nil {
		return err
	}
	list, err := h.store.Sessions(r.Context(), db.SessionFilter{From: now.AddDate(0, -3, 0), Cancelled: true, Scope: &u.Scope})
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_courses", &staffCoursesPage{Page: Page{Title: "Defusing courses", Staff: true},
		Courses: courses, Sessions: list, Manager: u.Has(portal.RoleSergeant, portal.RoleForceAdmin),
		Admin: u.Has(portal.RoleForceAdmin)})
}

// courseFormPage adds or changes a course.
type courseFormPage struct {
	Page
	ID   int64
	Form portal.CourseInput
}

func courseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return 0, errNotFound
	}
	return id, nil
}

func (h *Handler) showCourseForm(w http.ResponseWriter, r *http.Request) error {
	p := &courseFormPage{Page: Page{Title: "Add a course", Staff: true}}
	if routeVar(r, "id") != "" {
		id, err := courseID(r)
		if err != nil {
			return err
		}
		c, err := h.store.Course(r.Context(), id)
		if err != nil {
			return err
		}
		p.Title, p.ID = "Change a course", id
		p.Form = portal.CourseInput{Title: c.Title, Description: c.Description, Provider: c.Provider, Audience: c.Audience}
	}
	return h.render(w, r, http.StatusOK, "admin_courses_form", p)
}

func (h *Handler) saveCourse(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	var id int64
	if routeVar(r, "id") != "" {
		var err error
		if id, err = courseID(r); err != nil {
			return err
		}
	}
	in := portal.CourseInput{Title: formValue(r, "title"), Description: formValue(r, "description"),
		Provider: formValue(r, "provider"), Audience: formValue(r, "audience")}
	if fe := in.Validate(); fe.Any() {
		p := &courseFormPage{Page: Page{Title: "Add a course", Staff: true}, ID: id, Form: in}
		if id != 0 {
			p.Title = "Change a course"
		}
		p.setErrors(fe, "title", "description", "provider", "audience")
		return h.render(w, r, http.StatusUnprocessableEntity, "admin_courses_form", p)
	}
	err := h.store.InTx(r.Context(), func(tx *db.Tx) error {
		action := "course.update"
		if id == 0 {
			var err error
			if id, err = tx.CreateCourse(r.Context(), in); err != nil {
				return err
			}
			action = "course.create"
		} else if err := tx.UpdateCourse(r.Context(), id, in); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, action, "course", strconv.FormatInt(id, 10), nil))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, "Course saved"); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("staff.courses"), http.StatusSeeOther)
	return nil
}

// textField is one text input of a staff course form.
type textField struct {
	Name, Label, Hint, Value, Error string
	Type, Width                     string
}

func newTextField(errs map[string]string, name, label, hint, value string) textField {
	return textField{Name: name, Label: label, Hint: hint, Value: value, Error: errs[name]}
}

// Field describes a text input of the form, with its error.
func (p *courseFormPage) Field(name, label, hint, value string) textField {
	return newTextField(p.Errors, name, label, hint, value)
}
