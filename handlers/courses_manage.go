package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// A booking is managed through a link with a long random token (only its
// hash is stored): cancel, move, take an offered place, and answer the
// evaluation questionnaires.

// managed is the booking a token opens, with its session.
type managed struct {
	token   string
	booking portal.Booking
	session portal.CourseSession
}

func (h *Handler) managedBooking(r *http.Request) (managed, error) {
	token := routeVar(r, "token")
	if !portal.ValidToken(token) {
		return managed{}, errNotFound
	}
	b, err := h.store.BookingByLink(r.Context(), portal.HashToken(token))
	if err != nil {
		return managed{}, err
	}
	s, err := h.store.Session(r.Context(), b.SessionID)
	return managed{token: token, booking: b, session: s}, err
}

// managePage is the manage-booking page and its action pages.
type managePage struct {
	Page
	Token        string
	Booking      portal.Booking
	Session      portal.CourseSession
	CanChange    bool
	CanAccept    bool
	AfterDue     bool
	FollowUpDue  bool
	Alternatives []portal.CourseSession
	Choice       string
}

func (h *Handler) newManagePage(m managed, title string) *managePage {
	now := h.now()
	b, s := m.booking, m.session
	attended := b.Status == portal.BookingConfirmed && b.Attendance == portal.Attended
	return &managePage{Page: Page{Title: title}, Token: m.token, Booking: b, Session: s,
		CanChange: b.CanChange(s, now), CanAccept: b.CanAccept(now),
		AfterDue:    attended && s.Ended(now) && !b.AfterDone,
		FollowUpDue: attended && !now.Before(portal.FollowUpDue(s.EndsAt)) && !b.FollowUpDone}
}

func (h *Handler) showManageBooking(w http.ResponseWriter, r *http.Request) error {
	m, err := h.managedBooking(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "courses_manage", h.newManagePage(m, "Your booking "+m.booking.Reference))
}

func (h *Handler) showCancelBooking(w http.ResponseWriter, r *http.Request) error {
	m, err := h.managedBooking(r)
	if err != nil {
		return err
	}
	if !m.booking.CanChange(m.session, h.now()) {
		return h.backToBooking(w, r, m.token, "")
	}
	return h.render(w, r, http.StatusOK, "courses_cancel", h.newManagePage(m, "Are you sure you want to cancel?"))
}

// backToBooking redirects to the manage page with an optional flash.
func (h *Handler) backToBooking(w http.ResponseWriter, r *http.Request, token, flash string) error {
	if flash != "" {
		if err := h.flash(w, r, flash); err != nil {
			return err
		}
	}
	http.Redirect(w, r, h.routeURL("courses.manage", "token", token), http.StatusSeeOther)
	return nil
}

func (h *Handler) cancelBooking(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	m, err := h.managedBooking(r)
	if err != nil {
		return err
	}
	now := h.now()
	if !m.booking.CanChange(m.session, now) {
		return h.backToBooking(w, r, m.token, "This booking can no longer be changed")
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		b, err := tx.LockBookingByLink(r.Context(), portal.HashToken(m.token))
		if err != nil {
			return err
		}
		held, err := tx.CancelBooking(r.Context(), b.ID, now)
		if err != nil {
			return err
		}
		if held {
			if err := h.passOnPlace(r, tx, m.session, now); err != nil {
				return err
			}
		}
		data := h.courseEmailFor(b.Reference, b.Name, m.session, "", "")
		mail, err := h.mail.Render("course_cancelled", b.Email, data)
		if err != nil {
			return err
		}
		return tx.Enqueue(r.Context(), mail)
	})
	if errors.Is(err, portal.ErrConflict) {
		return h.backToBooking(w, r, m.token, "This booking was already cancelled")
	}
	if err != nil {
		return err
	}
	return h.backToBooking(w, r, m.token, "Your booking is cancelled")
}

// passOnPlace offers a freed place on s to the first person waiting, and
// emails them, in tx.
func (h *Handler) passOnPlace(r *http.Request, tx *db.Tx, s portal.CourseSession, now time.Time) error {
	offer, err := tx.ReleasePlace(r.Context(), s.ID, now, now.Add(h.offerHold()))
	if err != nil || offer == nil {
		return err
	}
	return h.enqueueOffer(r.Context(), tx, *offer, s)
}

func (h *Handler) enqueueOffer(ctx context.Context, tx *db.Tx, o db.Offer, s portal.CourseSession) error {
	data, err := h.newCourseEmail(ctx, tx, o.BookingID, o.Reference, o.Name, s, "")
	if err != nil {
		return err
	}
	data.Until = portal.Booking{OfferExpiresAt: o.Until}.OfferUntil()
	m, err := h.mail.Render("course_offer", o.Email, data)
	if err != nil {
		return err
	}
	return tx.Enqueue(ctx, m)
}

func (h *Handler) acceptOffer(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	m, err := h.managedBooking(r)
	if err != nil {
		return err
	}
	now := h.now()
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		b, err := tx.LockBookingByLink(r.Context(), portal.HashToken(m.token))
		if err != nil {
			return err
		}
		if err := tx.AcceptOffer(r.Context(), b.ID, now); err != nil {
			return err
		}
		b.Status = portal.BookingConfirmed
		return h.enqueueBooked(r, tx, b, m.session, m.token)
	})
	if errors.Is(err, portal.ErrConflict) {
		return h.backToBooking(w, r, m.token, "Sorry, this offer has ended")
	}
	if err != nil {
		return err
	}
	return h.backToBooking(w, r, m.token, "Your place is confirmed")
}

func (h *Handler) movePage(r *http.Request, m managed, choice string) (*managePage, error) {
	now := h.now()
	list, err := h.store.Sessions(r.Context(), db.SessionFilter{CourseID: m.session.CourseID, From: now})
	if err != nil {
		return nil, err
	}
	p := h.newManagePage(m, "Move to another session")
	for _, s := range list {
		if s.ID != m.session.ID && s.BookingOpen(now) && !s.Full() {
			p.Alternatives = append(p.Alternatives, s)
		}
	}
	p.Choice = choice
	return p, nil
}

func (h *Handler) showMoveBooking(w http.ResponseWriter, r *http.Request) error {
	m, err := h.managedBooking(r)
	if err != nil {
		return err
	}
	if !m.booking.CanChange(m.session, h.now()) {
		return h.backToBooking(w, r, m.token, "")
	}
	p, err := h.movePage(r, m, "")
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "courses_move", p)
}

func (h *Handler) moveBooking(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	m, err := h.managedBooking(r)
	if err != nil {
		return err
	}
	now := h.now()
	if !m.booking.CanChange(m.session, now) {
		return h.backToBooking(w, r, m.token, "This booking can no longer be changed")
	}
	choice := formValue(r, "session")
	to, perr := strconv.ParseInt(choice, 10, 64)
	var target portal.CourseSession
	if perr == nil {
		target, err = h.store.Session(r.Context(), to)
	}
	if perr != nil || errors.Is(err, portal.ErrNotFound) {
		return h.moveRefused(w, r, m, choice, "Select the session you want to move to")
	}
	if err != nil {
		return err
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		b, err := tx.LockBookingByLink(r.Context(), portal.HashToken(m.token))
		if err != nil {
			return err
		}
		held, err := tx.MoveBooking(r.Context(), b, target.ID, now)
		if err != nil {
			return err
		}
		if held {
			if err := h.passOnPlace(r, tx, m.session, now); err != nil {
				return err
			}
		}
		b.Status = portal.BookingConfirmed
		return h.enqueueBooked(r, tx, b, target, m.token)
	})
	if errors.Is(err, portal.ErrConflict) {
		return h.moveRefused(w, r, m, choice, "That session is now full or closed. Choose another")
	}
	if err != nil {
		return err
	}
	return h.backToBooking(w, r, m.token, "Your booking has moved to the new session")
}

func (h *Handler) moveRefused(w http.ResponseWriter, r *http.Request, m managed, choice, msg string) error {
	p, err := h.movePage(r, m, choice)
	if err != nil {
		return err
	}
	p.setErrors(portal.FieldErrors{"session": msg}, "session")
	return h.render(w, r, http.StatusUnprocessableEntity, "courses_move", p)
}
