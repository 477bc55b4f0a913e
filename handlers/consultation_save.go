package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Save and come back later: a respondent part-way through a consultation
// leaves an email address and gets a link that brings their answers back,
// in any browser, until the consultation closes. The link's token is
// stored only as a hash, the address not at all (the outbox keeps it until
// the email is sent), and the email carries no answers. Following the
// link shows a page with a button, so a mail scanner fetching it changes
// nothing.

// savePage is "Save your answers and come back later".
type savePage struct {
	Page
	C     portal.Consultation
	Email string
	Back  string
}

// resumeURL is where a respondent carries on: the first question shown
// that has no answer yet, else check your answers.
func (h *Handler) resumeURL(c portal.Consultation, qs []portal.Question, a portal.Answers) string {
	for q, ok := portal.Next(qs, a, 0); ok; q, ok = portal.Next(qs, a, q.Position) {
		if a[q.ID].Empty() {
			return h.questionURL(c, q)
		}
	}
	return consultationPath(h, "consultations.check", c.ID)
}

func (h *Handler) showSaveForLater(w http.ResponseWriter, r *http.Request) error {
	c, qs, d, ok, err := h.answerable(w, r)
	if !ok {
		return err
	}
	return h.render(w, r, http.StatusOK, "consultations_save", &savePage{
		Page: Page{Title: "Save your answers and come back later – " + c.Title}, C: c, Back: h.resumeURL(c, qs, d.Answers)})
}

func (h *Handler) sendSaveForLater(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, qs, d, ok, err := h.answerable(w, r)
	if !ok {
		return err
	}
	in := portal.SaveForLaterInput{Email: portal.CanonicalEmail(formValue(r, "email"))}
	if fe := in.Validate(); fe.Any() {
		p := &savePage{Page: Page{Title: "Save your answers and come back later – " + c.Title}, C: c,
			Email: formValue(r, "email"), Back: h.resumeURL(c, qs, d.Answers)}
		p.setErrors(fe, "email")
		return h.render(w, r, http.StatusUnprocessableEntity, "consultations_save", p)
	}
	if err := h.allow(r, h.cfg.Limits.Forms, clientAddr(r)); err != nil {
		return err
	}
	if err := h.allow(r, h.cfg.Limits.SignInLinkEmail, "consultation-save:"+in.Email); err != nil {
		return err
	}
	draft, err := json.Marshal(d)
	if err != nil {
		return err
	}
	token := portal.NewToken()
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		expires, err := tx.SaveAnswersForLater(r.Context(), c.ID, portal.HashToken(token), d.Key, draft, h.now())
		if err != nil {
			return err
		}
		m, err := h.mail.Render("consultation_saved", in.Email, struct{ Title, ReturnURL, Expires string }{
			c.Title, h.absURL("consultations.return", "id", strconv.FormatInt(c.ID, 10), "token", token),
			longDateTime(expires)})
		if err != nil {
			return err
		}
		return tx.Enqueue(r.Context(), m)
	})
	if errors.Is(err, portal.ErrConflict) {
		return h.refuseClosed(w, r, c)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, consultationPath(h, "consultations.saved", c.ID), http.StatusSeeOther)
	return nil
}

func (h *Handler) showSavedForLater(w http.ResponseWriter, r *http.Request) error {
	c, err := h.publicConsultation(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "consultations_saved",
		&consultationPage{Page: Page{Title: "Check your email"}, C: c, Phase: c.Phase(h.now())})
}

// returnPage is the page an emailed link opens.
type returnPage struct {
	Page
	C       portal.Consultation
	Token   string
	Expired bool
}

// savedDraft loads the answers saved under the route's token, or renders
// the page saying the link no longer works (410 Gone).
func (h *Handler) savedDraft(w http.ResponseWriter, r *http.Request, c portal.Consultation) (*consultationDraft, error) {
	b, err := h.store.SavedAnswers(r.Context(), c.ID, portal.HashToken(routeVar(r, "token")), h.now())
	if errors.Is(err, portal.ErrNotFound) {
		return nil, h.render(w, r, http.StatusGone, "consultations_return",
			&returnPage{Page: Page{Title: "This link no longer works"}, C: c, Expired: true})
	}
	if err != nil {
		return nil, err
	}
	d := &consultationDraft{}
	if err := json.Unmarshal(b, d); err != nil {
		return nil, err
	}
	if d.Answers == nil {
		d.Answers = portal.Answers{}
	}
	return d, nil
}

func (h *Handler) showReturnLink(w http.ResponseWriter, r *http.Request) error {
	c, _, _, ok, err := h.answerable(w, r)
	if !ok {
		return err
	}
	d, err := h.savedDraft(w, r, c)
	if d == nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "consultations_return",
		&returnPage{Page: Page{Title: "Carry on with your answers – " + c.Title}, C: c, Token: routeVar(r, "token")})
}

// useReturnLink puts the saved answers in this browser's session and
// carries on where they stopped. The saved copy stays usable until the
// answers are sent or the consultation closes.
func (h *Handler) useReturnLink(w http.ResponseWriter, r *http.Request) error {
	c, qs, _, ok, err := h.answerable(w, r)
	if !ok {
		return err
	}
	d, err := h.savedDraft(w, r, c)
	if d == nil {
		return err
	}
	if err := h.saveConsultationDraft(w, r, c.ID, d); err != nil {
		return err
	}
	http.Redirect(w, r, h.resumeURL(c, qs, d.Answers), http.StatusSeeOther)
	return nil
}
