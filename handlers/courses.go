package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Free defusing courses: residents find a session by postcode, area or
// month, book a place (or join the waiting list), and manage the booking
// through an emailed link. Staff run courses, sessions and registers, and
// see the evaluation (courses_staff*.go).

// offerHold is how long a place offered from a waiting list is held.
func (h *Handler) offerHold() time.Duration {
	if h.cfg.CourseOfferHold > 0 {
		return h.cfg.CourseOfferHold
	}
	return portal.DefaultOfferHold
}

// courseMonth is one choice of the "when" filter.
type courseMonth struct {
	Value, Label string
	Selected     bool
}

// coursesPage lists upcoming sessions with the filters used.
type coursesPage struct {
	Page
	Postcode string
	LPA      string
	Month    string
	Area     string // the LPA found from the postcode
	LPAs     []portal.LPA
	Months   []courseMonth
	Sessions []portal.CourseSession
	Now      time.Time
}

func (h *Handler) listCourses(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := &coursesPage{Page: Page{Title: "Free courses on defusing conflict"}, Now: h.now(),
		Postcode: strings.TrimSpace(q.Get("postcode")), LPA: q.Get("lpa"), Month: q.Get("month")}
	if !portal.CleanText(p.Postcode) || !portal.CleanText(p.LPA) || !portal.CleanText(p.Month) {
		return errBadRequest
	}
	lpas, err := h.store.LPAs(r.Context())
	if err != nil {
		return err
	}
	p.LPAs = lpas
	f := db.SessionFilter{LPACode: p.LPA, From: p.Now}
	status := http.StatusOK
	fe := portal.FieldErrors{}
	if p.Postcode != "" {
		code, err := h.lpaForPostcode(r, p.Postcode, fe)
		if err != nil {
			return err
		}
		f.LPACode, p.Area = code.Code, code.Name
	}
	p.Months = courseMonths(p.Now, p.Month)
	if from, ok := monthStart(p.Month); ok {
		f.From, f.To = laterOf(from, p.Now), from.AddDate(0, 1, 0)
	}
	if fe.Any() {
		p.setErrors(fe, "postcode")
		status = http.StatusUnprocessableEntity
	} else if p.Sessions, err = h.store.Sessions(r.Context(), f); err != nil {
		return err
	}
	return h.render(w, r, status, "courses_list", p)
}

// lpaForPostcode finds the LPA a postcode is in, adding a field error
// when it cannot.
func (h *Handler) lpaForPostcode(r *http.Request, postcode string, fe portal.FieldErrors) (portal.LPA, error) {
	pc, ok := portal.NormalisePostcode(postcode)
	if !ok {
		fe.Add("postcode", "Enter a real postcode, like DM1 1AB")
		return portal.LPA{}, nil
	}
	if err := h.allow(r, h.cfg.Limits.PostcodeLookups, clientAddr(r)); err != nil {
		return portal.LPA{}, err
	}
	n, err := h.store.NeighbourhoodForPostcode(r.Context(), pc)
	switch {
	case errors.Is(err, portal.ErrUnknownPostcode):
		fe.Add("postcode", "We could not find that postcode. Check it and try again")
	case errors.Is(err, portal.ErrOutsideArea):
		fe.Add("postcode", "That postcode is outside our area. Choose an area from the list instead")
	case err != nil:
		return portal.LPA{}, err
	}
	return portal.LPA{Code: n.LPACode, Name: n.LPAName}, nil
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// courseMonths offers this month and the next five.
func courseMonths(now time.Time, selected string) []courseMonth {
	out := []courseMonth{{Value: "", Label: "Any time", Selected: selected == ""}}
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, london)
	for i := range 6 {
		m := first.AddDate(0, i, 0)
		v := m.Format("2006-01")
		out = append(out, courseMonth{Value: v, Label: m.Format("January 2006"), Selected: v == selected})
	}
	return out
}

func monthStart(v string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01", v, london)
	return t, err == nil
}

// sessionID reads the {id} route variable.
func sessionID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return 0, errNotFound
	}
	return id, nil
}

// sessionPage is one session, for residents.
type sessionPage struct {
	Page
	Session portal.CourseSession
	Open    bool
	Invite  string
}

func (h *Handler) showCourseSession(w http.ResponseWriter, r *http.Request) error {
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	s, err := h.store.Session(r.Context(), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "courses_session", &sessionPage{Page: Page{Title: s.CourseTitle},
		Session: s, Open: s.BookingOpen(h.now()), Invite: inviteParam(r)})
}

// inviteParam is a well-formed invitation token from the query, or "".
func inviteParam(r *http.Request) string {
	if v := r.URL.Query().Get("invite"); portal.ValidToken(v) {
		return v
	}
	return ""
}

// courseFeed is the public iCalendar feed of sessions from a month ago on,
// cancelled ones included so that subscribed calendars drop them.
func (h *Handler) courseFeed(w http.ResponseWriter, r *http.Request) error {
	now := h.now()
	list, err := h.store.Sessions(r.Context(), db.SessionFilter{From: now.AddDate(0, -1, 0), Cancelled: true, Limit: 500})
	if err != nil {
		return err
	}
	events := make([]portal.CalendarEvent, len(list))
	for i, s := range list {
		events[i] = portal.CalendarEvent{Session: s, URL: h.absURL("courses.session", "id", strconv.FormatInt(s.ID, 10))}
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Disposition", `inline; filename="courses.ics"`)
	_, err = w.Write(portal.ICalendar("Defusing courses", h.cfg.BaseURL.Hostname(), now, events))
	return err
}

// sessionICS is one session's calendar file, attached to booking emails.
func (h *Handler) sessionICS(s portal.CourseSession) db.Attachment {
	ev := portal.CalendarEvent{Session: s, URL: h.absURL("courses.session", "id", strconv.FormatInt(s.ID, 10))}
	return db.Attachment{Filename: "course.ics", ContentType: "text/calendar; charset=utf-8; method=PUBLISH",
		Data: portal.ICalendar(s.CourseTitle, h.cfg.BaseURL.Hostname(), h.now(), []portal.CalendarEvent{ev})}
}
