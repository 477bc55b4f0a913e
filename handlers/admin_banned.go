package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// adminBannedPage lists the banned addresses and domains under the form
// that adds one.
type adminBannedPage struct {
	Page
	Form      portal.BanInput
	Bans      []portal.BannedEmail
	MaxReason int
}

func (h *Handler) listBannedEmails(w http.ResponseWriter, r *http.Request) error {
	return h.renderBannedEmails(w, r, http.StatusOK, portal.BanInput{}, nil)
}

// renderBannedEmails shows the list, with the form's errors if any, and
// records the view: the list holds email addresses.
func (h *Handler) renderBannedEmails(w http.ResponseWriter, r *http.Request, status int, in portal.BanInput, fe portal.FieldErrors) error {
	bans, err := h.store.BannedEmails(r.Context())
	if err != nil {
		return err
	}
	for i := range bans {
		bans[i].CreatedAt = bans[i].CreatedAt.In(london)
	}
	if err := h.audit(r, "banned_email.list", "", "", map[string]string{"results": strconv.Itoa(len(bans))}); err != nil {
		return err
	}
	page := &adminBannedPage{Page: Page{Title: "Banned email addresses", Staff: true}, Form: in, Bans: bans,
		MaxReason: portal.MaxBanReason}
	page.setErrors(fe, "pattern", "reason")
	return h.render(w, r, status, "admin_banned_emails", page)
}

// banKind is what the audit log says about a ban, instead of the address.
func banKind(b portal.BannedEmail) map[string]string {
	if b.Domain() {
		return map[string]string{"kind": "domain"}
	}
	return map[string]string{"kind": "address"}
}

func (h *Handler) banEmail(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.BanInput{Pattern: formValue(r, "pattern"), Reason: formValue(r, "reason")}.Tidy()
	if fe := in.Validate(); fe.Any() {
		return h.renderBannedEmails(w, r, http.StatusUnprocessableEntity, in, fe)
	}
	b := in.Ban()
	var added bool
	err := h.store.InTx(r.Context(), func(tx *db.Tx) error {
		var err error
		if added, err = tx.BanEmail(r.Context(), b); err != nil || !added {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "banned_email.add", "banned_email", b.ID(), banKind(b)))
	})
	if err != nil {
		return err
	}
	msg := "Ban added. Reports from it will be flagged for staff"
	if !added {
		msg = "That address or domain was already banned"
	}
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "admin.banned")
}

func (h *Handler) unbanEmail(w http.ResponseWriter, r *http.Request) error {
	id := routeVar(r, "id")
	if !portal.ValidBannedEmailID(id) {
		return errNotFound
	}
	err := h.store.InTx(r.Context(), func(tx *db.Tx) error {
		b, err := tx.UnbanEmail(r.Context(), id)
		if err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "banned_email.remove", "banned_email", id, banKind(b)))
	})
	msg := "Ban removed. Reports from it will no longer be flagged"
	if errors.Is(err, portal.ErrNotFound) {
		msg, err = "That ban had already been removed", nil // sent twice
	}
	if err != nil {
		return err
	}
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "admin.banned")
}
