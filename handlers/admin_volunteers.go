package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// adminVolunteersPage lists volunteer registrations waiting for a decision
// and the most recent decisions.
type adminVolunteersPage struct {
	Page
	Pending []portal.VolunteerRequest
	Decided []portal.VolunteerRequest
}

func (h *Handler) listVolunteers(w http.ResponseWriter, r *http.Request) error {
	page := &adminVolunteersPage{Page: Page{Title: "Volunteers", Staff: true}}
	var err error
	if page.Pending, err = h.store.PendingVolunteers(r.Context()); err != nil {
		return err
	}
	if page.Decided, err = h.store.DecidedVolunteers(r.Context(), 20); err != nil {
		return err
	}
	details := map[string]string{"pending": strconv.Itoa(len(page.Pending)), "decided": strconv.Itoa(len(page.Decided))}
	if err := h.audit(r, "volunteer.list", "", "", details); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "admin_volunteers", page)
}

func (h *Handler) verifyVolunteer(w http.ResponseWriter, r *http.Request) error {
	return h.decideVolunteer(w, r, portal.VolunteerVerified)
}

func (h *Handler) declineVolunteer(w http.ResponseWriter, r *http.Request) error {
	return h.decideVolunteer(w, r, portal.VolunteerDeclined)
}

// decideVolunteer records the decision, its audit row and the email telling
// the resident, in one transaction.
func (h *Handler) decideVolunteer(w http.ResponseWriter, r *http.Request, to portal.VolunteerStatus) error {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	action, email, msg := "volunteer.verify", "account_volunteer_verified", "Volunteer verified. They have been told by email"
	if to == portal.VolunteerDeclined {
		action, email, msg = "volunteer.decline", "account_volunteer_declined", "Request declined. They have been told by email"
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		v, err := tx.DecideVolunteer(r.Context(), id, to, currentUser(r).ID)
		if err != nil {
			return err
		}
		m, err := h.mail.Render(email, v.Email, struct{ Role, URL string }{v.Role.Label(), h.accountLink()})
		if err != nil {
			return err
		}
		if err := tx.Enqueue(r.Context(), m); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, action, "user", strconv.FormatInt(v.UserID, 10),
			map[string]string{"request": strconv.FormatInt(id, 10), "role": string(v.Role)}))
	})
	if errors.Is(err, portal.ErrConflict) {
		msg, err = "That request had already been decided", nil
	}
	if err != nil {
		return err
	}
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "admin.volunteers")
}

// accountLink is the resident's account page, for emails.
func (h *Handler) accountLink() string {
	return h.absURL("account.home")
}
