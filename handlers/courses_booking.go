package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// sessCourseBooked holds the manage token of the booking just made, for
// the confirmation page (the token is never in a URL the server logs).
const sessCourseBooked = "course_booked"

// bookPage is the booking form.
type bookPage struct {
	Page
	Session   portal.CourseSession
	Form      portal.BookingInput
	MaxAccess int
	Invited   bool
}

// Describes is "Which best describes you?" with the answer and error.
func (p *bookPage) Describes() radioQuestion {
	return radioQuestion{Name: "describes", Legend: "Which best describes you?", Options: portal.Describes,
		Value: p.Form.Describes, Error: p.Errors["describes"]}
}

// Scales returns the page's 1–5 questions with answers and errors.
func (p *bookPage) Scales() []radioQuestion {
	return scaleQuestions(p.Form.Confidence, p.Form.Willingness, p.Errors)
}

// courseQuestions are the evaluation questions' wording.
type courseQuestions struct{ Confidence, Willingness, Used, Resolved string }

var questions = courseQuestions{portal.QuestionConfidence, portal.QuestionWillingness,
	portal.QuestionUsed, portal.QuestionResolved}

func newBookPage(s portal.CourseSession, in portal.BookingInput) *bookPage {
	return &bookPage{Page: Page{Title: "Book a place: " + s.CourseTitle}, Session: s, Form: in,
		MaxAccess: portal.MaxBookingAccessNeed, Invited: in.Invite != ""}
}

// bookableSession loads the session of the route, or answers that booking
// has closed.
func (h *Handler) bookableSession(r *http.Request) (portal.CourseSession, bool, error) {
	id, err := sessionID(r)
	if err != nil {
		return portal.CourseSession{}, false, err
	}
	s, err := h.store.Session(r.Context(), id)
	return s, err == nil && s.BookingOpen(h.now()), err
}

func (h *Handler) showBookingForm(w http.ResponseWriter, r *http.Request) error {
	s, open, err := h.bookableSession(r)
	if err != nil {
		return err
	}
	if !open {
		http.Redirect(w, r, h.routeURL("courses.session", "id", strconv.FormatInt(s.ID, 10)), http.StatusSeeOther)
		return nil
	}
	in := portal.BookingInput{IdempotencyKey: newIdempotencyKey(), Invite: inviteParam(r)}
	if in.Invite != "" {
		if inv, err := h.store.InvitationByToken(r.Context(), portal.HashToken(in.Invite), h.now()); err == nil && inv.CourseID == s.CourseID {
			in.Name, in.Email, in.Describes = inv.Name, inv.Email, "reported_asb"
		} else {
			in.Invite = ""
		}
	}
	return h.render(w, r, http.StatusOK, "courses_book", newBookPage(s, in))
}

func bookingInput(r *http.Request) portal.BookingInput {
	in := portal.BookingInput{
		IdempotencyKey: formValue(r, "idempotency_key"), Name: formValue(r, "name"),
		Email: formValue(r, "email"), Phone: formValue(r, "phone"), Describes: formValue(r, "describes"),
		AccessNeeds: formValue(r, "access-needs"), Confidence: formValue(r, "confidence"),
		Willingness: formValue(r, "willingness"), Invite: formValue(r, "invite"),
	}
	if !portal.ValidToken(in.Invite) {
		in.Invite = ""
	}
	return in
}

func (h *Handler) createBooking(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	s, open, err := h.bookableSession(r)
	if err != nil {
		return err
	}
	in := bookingInput(r)
	fe := in.Validate()
	if !open {
		fe.Add("name", "Booking for this session has closed. Choose another session")
	}
	if fe.Any() {
		if !portal.ValidIdempotencyKey(in.IdempotencyKey) {
			in.IdempotencyKey = newIdempotencyKey()
		}
		page := newBookPage(s, in)
		page.setErrors(fe, portal.BookingFieldOrder...)
		return h.render(w, r, http.StatusUnprocessableEntity, "courses_book", page)
	}
	if err := h.allow(r, h.cfg.Limits.CourseBookings, clientAddr(r)); err != nil {
		return err
	}
	token := portal.NewToken()
	nb := db.NewBooking{SessionID: s.ID, Input: in, Reference: portal.NewCourseReference(),
		LinkHash: portal.HashToken(token), Now: h.now()}
	if in.Invite != "" {
		nb.InviteHash = portal.HashToken(in.Invite)
	}
	var got db.Booked
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		var err error
		if got, err = tx.Book(r.Context(), nb); err != nil || got.Replay {
			return err
		}
		return h.enqueueBooked(r, tx, got.Booking, s, token)
	})
	if errors.Is(err, db.ErrBookingClosed) {
		http.Redirect(w, r, h.routeURL("courses.session", "id", strconv.FormatInt(s.ID, 10)), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	if got.Replay { // a double click: show the first answer again
		http.Redirect(w, r, h.routeURL("courses.booked"), http.StatusSeeOther)
		return nil
	}
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	sess.Values[sessCourseBooked] = token
	if err := sess.Save(r, w); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("courses.booked"), http.StatusSeeOther)
	return nil
}

// courseEmail is the data of every course email.
type courseEmail struct {
	Reference string
	Name      string
	Status    string
	Course    string
	When      string
	Venue     string
	Position  int
	Until     string
	URL       string
	FeedURL   string
}

// newCourseEmail describes a booking on a session; the link is a new
// manage-booking token stored with the booking, to the route path (the
// manage page if empty).
func (h *Handler) newCourseEmail(ctx context.Context, tx *db.Tx, bookingID int64, ref, name string, s portal.CourseSession, path string) (courseEmail, error) {
	token := portal.NewToken()
	if err := tx.AddBookingLink(ctx, bookingID, portal.HashToken(token)); err != nil {
		return courseEmail{}, err
	}
	return h.courseEmailFor(ref, name, s, token, path), nil
}

// courseEmailFor describes a booking on a session, linking to the route
// path (or the manage page) with token, or to the course list without one.
func (h *Handler) courseEmailFor(ref, name string, s portal.CourseSession, token, path string) courseEmail {
	data := courseEmail{Reference: ref, Name: name, Course: s.CourseTitle, When: s.When(), Venue: s.Venue(),
		URL: h.absURL("courses.list"), FeedURL: h.absURL("courses.feed")}
	switch {
	case token != "" && path != "":
		data.URL = h.absURL(path, "token", token)
	case token != "":
		data.URL = h.absURL("courses.manage", "token", token)
	}
	return data
}

// enqueueBooked emails a new booking's confirmation (with the session as
// an .ics attachment when a place is confirmed) in the booking's
// transaction.
func (h *Handler) enqueueBooked(r *http.Request, tx *db.Tx, b portal.Booking, s portal.CourseSession, token string) error {
	data := h.courseEmailFor(b.Reference, b.Name, s, token, "")
	data.Status, data.Position = string(b.Status), b.Position
	m, err := h.mail.Render("course_booked", b.Email, data)
	if err != nil {
		return err
	}
	if b.Status == portal.BookingConfirmed {
		return tx.EnqueueWithAttachments(r.Context(), m, h.sessionICS(s))
	}
	return tx.Enqueue(r.Context(), m)
}

// bookedPage is the confirmation page.
type bookedPage struct {
	Page
	Booking   portal.Booking
	Session   portal.CourseSession
	ManageURL string
}

func (h *Handler) showBooked(w http.ResponseWriter, r *http.Request) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	token, _ := sess.Values[sessCourseBooked].(string)
	if token == "" {
		http.Redirect(w, r, h.routeURL("courses.list"), http.StatusSeeOther)
		return nil
	}
	b, err := h.store.BookingByLink(r.Context(), portal.HashToken(token))
	if err != nil {
		return err
	}
	s, err := h.store.Session(r.Context(), b.SessionID)
	if err != nil {
		return err
	}
	title := "Your place is booked"
	if b.Status == portal.BookingWaiting {
		title = "You are on the waiting list"
	}
	return h.render(w, r, http.StatusOK, "courses_booked", &bookedPage{Page: Page{Title: title}, Booking: b,
		Session: s, ManageURL: h.routeURL("courses.manage", "token", token)})
}

// radioQuestion is one radio question of a course form.
type radioQuestion struct {
	Name, Legend, Hint string
	Options            []portal.Option
	Value, Error       string
	Inline             bool
}

// scaleQuestions are the evaluation's 1–5 questions with the answers given.
func scaleQuestions(confidence, willingness string, fe map[string]string) []radioQuestion {
	return []radioQuestion{
		{Name: "confidence", Legend: portal.QuestionConfidence, Hint: "1 is not at all confident, 5 is very confident.",
			Options: portal.ConfidenceScale, Value: confidence, Error: fe["confidence"], Inline: true},
		{Name: "willingness", Legend: portal.QuestionWillingness, Hint: "1 is not at all willing, 5 is very willing.",
			Options: portal.WillingnessScale, Value: willingness, Error: fe["willingness"], Inline: true},
	}
}
