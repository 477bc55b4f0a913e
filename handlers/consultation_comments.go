package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Public comments on a consultation (when its authors allow them): every
// comment waits in the general moderation queue and appears only once a
// moderator approves it (or an edited version of it). Anyone can flag a
// published comment; three flags from different people hide it and send it
// back to the queue.

func init() {
	RegisterModerationKind(portal.CommentModerationKind, func(ctx context.Context, tx *db.Tx, item portal.ModerationItem) error {
		state, body := portal.CommentDecision(item)
		return tx.DecideComment(ctx, item.RefID, state, body)
	})
}

func (h *Handler) createComment(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.publicConsultation(r)
	if err != nil {
		return err
	}
	if !c.CommentsEnabled {
		return errNotFound
	}
	if !c.Open(h.now()) {
		return h.refuseClosed(w, r, c)
	}
	show := consultationPath(h, "consultations.show", c.ID)
	if formValue(r, "website") != "" { // the honeypot: people never see it
		http.Redirect(w, r, show, http.StatusSeeOther)
		return nil
	}
	in := portal.CommentInput{Body: formValue(r, "comment")}
	if fe := in.Validate(); fe.Any() {
		p, err := h.newConsultationPage(r, c)
		if err != nil {
			return err
		}
		p.Comment = in
		p.setErrors(fe, "comment")
		return h.render(w, r, http.StatusUnprocessableEntity, "consultations_show", p)
	}
	if err := h.allow(r, h.cfg.Limits.Forms, clientAddr(r)); err != nil {
		return err
	}
	nc := db.NewComment{ConsultationID: c.ID, Body: in.Body, IdempotencyKey: formValue(r, "key")}
	if u := currentUser(r); u != nil && !u.IsStaff() {
		nc.UserID = u.ID
	}
	if nc.IdempotencyKey == "" {
		nc.IdempotencyKey = newIdempotencyKey()
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		_, err := tx.CreateComment(r.Context(), nc, h.now())
		return err
	})
	switch {
	case errors.Is(err, portal.ErrConflict):
		return h.refuseClosed(w, r, c)
	case err != nil:
		return err
	}
	if err := h.flash(w, r, "Thank you. Your comment will appear once a moderator has checked it."); err != nil {
		return err
	}
	http.Redirect(w, r, show+"#comments", http.StatusSeeOther)
	return nil
}

// flagger identifies who flags: the account when signed in, else the
// client's address, as a keyed hash (never the address itself). Clearing
// cookies does not make a second person.
func (h *Handler) flagger(r *http.Request) []byte {
	who := "address:" + clientAddr(r)
	if u := currentUser(r); u != nil {
		who = "account:" + strconv.FormatInt(u.ID, 10)
	}
	m := hmac.New(sha256.New, h.cfg.SessionKeys[0])
	m.Write([]byte("comment-flag\x00" + who))
	return m.Sum(nil)
}

func (h *Handler) flagComment(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.publicConsultation(r)
	if err != nil {
		return err
	}
	if !c.CommentsEnabled {
		return errNotFound
	}
	id, err := strconv.ParseInt(routeVar(r, "comment"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := h.allow(r, h.cfg.Limits.Forms, clientAddr(r)); err != nil {
		return err
	}
	// A comment already hidden (or never published) is thanked the same
	// way: the answer says nothing about what others did.
	if _, err := h.store.FlagComment(r.Context(), c.ID, id, h.flagger(r)); err != nil && !errors.Is(err, portal.ErrNotFound) {
		return err
	}
	if err := h.flash(w, r, "Thank you for telling us. A moderator will check the comment."); err != nil {
		return err
	}
	http.Redirect(w, r, consultationPath(h, "consultations.show", c.ID)+"#comments", http.StatusSeeOther)
	return nil
}
