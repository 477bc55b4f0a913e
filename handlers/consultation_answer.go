package handlers

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Answering a consultation: one question per page (display conditions are
// pages, so they work without JavaScript), an optional "about you" page,
// check your answers, and a confirmation. Answers so far live in the
// server-side session; nothing is stored as a response until submitted.

// Session keys for consultations.
const (
	sessConsultationDraft = "consultation_draft:" // + id; string: JSON consultationDraft
	sessConsultationKey   = "consultation_key"    // string: random; its SHA-256 marks this browser's anonymous responses
)

// consultationDraft is a respondent's answers so far.
type consultationDraft struct {
	Key     string               `json:"key"`
	Answers portal.Answers       `json:"answers"`
	About   portal.AboutYouInput `json:"about"`
	Loaded  bool                 `json:"loaded"`
}

func (h *Handler) loadConsultationDraft(r *http.Request, c portal.Consultation) (*consultationDraft, error) {
	sess, err := h.session(r)
	if err != nil {
		return nil, err
	}
	d := &consultationDraft{}
	if s, ok := sess.Values[sessConsultationDraft+strconv.FormatInt(c.ID, 10)].(string); ok {
		_ = json.Unmarshal([]byte(s), d) // a damaged draft starts again
	}
	if d.Key == "" {
		d.Key = newIdempotencyKey()
	}
	if d.Answers == nil {
		d.Answers = portal.Answers{}
	}
	if u := currentUser(r); u != nil && !u.IsStaff() && !d.Loaded {
		// A signed-in resident edits their earlier response.
		a, about, err := h.store.AccountResponse(r.Context(), c.ID, u.ID)
		if err != nil && !errors.Is(err, portal.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			d.Answers, d.About = a, about
		}
		d.Loaded = true
	}
	return d, nil
}

func (h *Handler) saveConsultationDraft(w http.ResponseWriter, r *http.Request, id int64, d *consultationDraft) error {
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	key := sessConsultationDraft + strconv.FormatInt(id, 10)
	if d == nil {
		delete(sess.Values, key)
	} else {
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		sess.Values[key] = string(b)
	}
	return sess.Save(r, w)
}

// sessionHash is this browser session's anonymous respondent mark, made
// (and saved) on first use.
func (h *Handler) sessionHash(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	sess, err := h.session(r)
	if err != nil {
		return nil, err
	}
	k, _ := sess.Values[sessConsultationKey].(string)
	if k == "" {
		k = portal.NewToken()
		sess.Values[sessConsultationKey] = k
		if err := sess.Save(r, w); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256([]byte(k))
	return sum[:], nil
}

// answerable loads an open consultation, its questions and the draft, or
// renders the refusal: not open, or already answered from this browser.
func (h *Handler) answerable(w http.ResponseWriter, r *http.Request) (c portal.Consultation, qs []portal.Question, d *consultationDraft, ok bool, err error) {
	return h.loadAnswerable(w, r, true)
}

// loadAnswerable is answerable; checkResponded false leaves the "already
// answered" check to the statement that stores the response.
func (h *Handler) loadAnswerable(w http.ResponseWriter, r *http.Request, checkResponded bool) (c portal.Consultation, qs []portal.Question, d *consultationDraft, ok bool, err error) {
	id, perr := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if perr != nil {
		return c, nil, nil, false, errNotFound
	}
	if c, qs, err = h.answerableConsultation(r.Context(), id); err != nil {
		return
	}
	if !c.Open(h.now()) {
		return c, nil, nil, false, h.refuseClosed(w, r, c)
	}
	if u := currentUser(r); checkResponded && (u == nil || u.IsStaff()) {
		hash, err := h.sessionHash(w, r)
		if err != nil {
			return c, nil, nil, false, err
		}
		done, err := h.store.SessionResponded(r.Context(), c.ID, hash)
		if err != nil || done {
			return c, nil, nil, false, orRender(err, func() error { return h.refuseResponded(w, r, c) })
		}
	}
	d, err = h.loadConsultationDraft(r, c)
	return c, qs, d, err == nil, err
}

func orRender(err error, render func() error) error {
	if err != nil {
		return err
	}
	return render()
}

func (h *Handler) refuseResponded(w http.ResponseWriter, r *http.Request, c portal.Consultation) error {
	return h.render(w, r, http.StatusConflict, "consultations_closed",
		&consultationPage{Page: Page{Title: "You have already responded"}, C: c, Phase: c.Phase(h.now()), Responded: true})
}

// questionPage is one question of a consultation.
type questionPage struct {
	Page
	C       portal.Consultation
	V       questionView
	Back    string
	Change  bool
	Preview bool
	Next    string
	Total   int
}

func questionAt(qs []portal.Question, r *http.Request) (portal.Question, error) {
	pos, _ := strconv.Atoi(routeVar(r, "n"))
	for _, q := range qs {
		if q.Position == pos {
			return q, nil
		}
	}
	return portal.Question{}, errNotFound
}

func (h *Handler) questionURL(c portal.Consultation, q portal.Question) string {
	return h.routeURL("consultations.question", "id", strconv.FormatInt(c.ID, 10), "n", strconv.Itoa(q.Position))
}

func (h *Handler) newQuestionPage(c portal.Consultation, qs []portal.Question, q portal.Question, d *consultationDraft, v questionView, change bool) *questionPage {
	p := &questionPage{Page: Page{Title: q.Prompt + " – " + c.Title}, C: c, V: v, Change: change, Total: len(qs)}
	switch prev, ok := portal.Previous(qs, d.Answers, q.Position); {
	case change:
		p.Back = consultationPath(h, "consultations.check", c.ID)
	case ok:
		p.Back = h.questionURL(c, prev)
	default:
		p.Back = consultationPath(h, "consultations.show", c.ID)
	}
	return p
}

func (h *Handler) showConsultationQuestion(w http.ResponseWriter, r *http.Request) error {
	c, qs, d, ok, err := h.answerable(w, r)
	if !ok {
		return err
	}
	q, err := questionAt(qs, r)
	if err != nil {
		return err
	}
	if !portal.Shown(qs, d.Answers, q) {
		return h.nextAfter(w, r, c, qs, d, q.Position, false)
	}
	v := newQuestionView(q, d.Answers[q.ID], nil)
	return h.render(w, r, http.StatusOK, "consultations_question",
		h.newQuestionPage(c, qs, q, d, v, r.URL.Query().Get("change") == "1"))
}

// nextAfter redirects to the next question shown after pos; at the end, to
// "about you" (or, when changing an answer, straight to check your answers).
func (h *Handler) nextAfter(w http.ResponseWriter, r *http.Request, c portal.Consultation, qs []portal.Question, d *consultationDraft, pos int, change bool) error {
	target := consultationPath(h, "consultations.about", c.ID)
	for next, ok := portal.Next(qs, d.Answers, pos); ok; next, ok = portal.Next(qs, d.Answers, next.Position) {
		if !change || d.Answers[next.ID].Empty() {
			target = h.questionURL(c, next)
			break
		}
	}
	if change && target == consultationPath(h, "consultations.about", c.ID) {
		target = consultationPath(h, "consultations.check", c.ID)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

func answerFormInput(r *http.Request, q portal.Question) portal.AnswerInput {
	in := portal.AnswerInput{Other: formValue(r, "other")}
	switch q.Kind {
	case portal.QuestionShortText, portal.QuestionLongText:
		in.Text = formValue(r, "answer")
	case portal.QuestionRating:
		in.Rating = formValue(r, "answer")
	case portal.QuestionRank:
		for i := range q.Options {
			in.Rank = append(in.Rank, formValue(r, "rank-"+strconv.Itoa(i+1)))
		}
	default:
		in.Choices = r.PostForm["answer"]
	}
	return in
}

func (h *Handler) saveConsultationAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, qs, d, ok, err := h.answerable(w, r)
	if !ok {
		return err
	}
	q, err := questionAt(qs, r)
	if err != nil {
		return err
	}
	change := formValue(r, "change") == "1"
	in := answerFormInput(r, q)
	save := formValue(r, "save") == "1"
	if save && in.Empty() { // saving before answering this one: keep what was answered before
		return h.redirectTo(w, r, "consultations.save", "id", strconv.FormatInt(c.ID, 10))
	}
	a, fe := in.ParseAnswer(q)
	if fe.Any() {
		typed := portal.Answer{QuestionID: q.ID, Choices: in.Choices, Text: in.Text + in.Other}
		v := newQuestionView(q, typed, fe)
		if q.Kind == portal.QuestionRank {
			for i := range v.Ranks {
				v.Ranks[i].Typed = in.Rank[i]
			}
		}
		p := h.newQuestionPage(c, qs, q, d, v, change)
		order := []string{"answer", "other"}
		for i := range q.Options {
			order = append(order, "rank-"+strconv.Itoa(i+1))
		}
		p.setErrors(fe, order...)
		return h.render(w, r, http.StatusUnprocessableEntity, "consultations_question", p)
	}
	d.Answers[q.ID] = a
	if err := h.saveConsultationDraft(w, r, c.ID, d); err != nil {
		return err
	}
	if save {
		return h.redirectTo(w, r, "consultations.save", "id", strconv.FormatInt(c.ID, 10))
	}
	return h.nextAfter(w, r, c, qs, d, q.Position, change)
}

// aboutYouPage is the optional "about you" page.
type aboutYouPage struct {
	Page
	C        portal.Consultation
	Form     portal.AboutYouInput
	AgeBands []portal.Option
	Reported []portal.Option
	Back     string
}

func (h *Handler) newAboutYouPage(c portal.Consultation, qs []portal.Question, d *consultationDraft, in portal.AboutYouInput) *aboutYouPage {
	p := &aboutYouPage{Page: Page{Title: "About you (optional) – " + c.Title}, C: c, Form: in,
		AgeBands: portal.AgeBands, Reported: portal.ReportedASBAnswers, Back: consultationPath(h, "consultations.show", c.ID)}
	if prev, ok := portal.Previous(qs, d.Answers, 1<<30); ok {
		p.Back = h.questionURL(c, prev)
	}
	return p
}

func (h *Handler) showConsultationAbout(w http.ResponseWriter, r *http.Request) error {
	c, qs, d, ok, err := h.answerable(w, r)
	if !ok {
		return err
	}
	return h.render(w, r, http.StatusOK, "consultations_about", h.newAboutYouPage(c, qs, d, d.About))
}

func (h *Handler) saveConsultationAbout(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, qs, d, ok, err := h.answerable(w, r)
	if !ok {
		return err
	}
	in := portal.AboutYouInput{AgeBand: formValue(r, "age-band"), ReportedASB: formValue(r, "reported-asb")}
	if fe := in.Validate(); fe.Any() {
		p := h.newAboutYouPage(c, qs, d, in)
		p.setErrors(fe, "age-band", "reported-asb")
		return h.render(w, r, http.StatusUnprocessableEntity, "consultations_about", p)
	}
	d.About = in
	if err := h.saveConsultationDraft(w, r, c.ID, d); err != nil {
		return err
	}
	http.Redirect(w, r, consultationPath(h, "consultations.check", c.ID), http.StatusSeeOther)
	return nil
}

// checkPage is "check your answers".
type checkPage struct {
	Page
	C       portal.Consultation
	Rows    []checkRow
	About   []checkRow
	Key     string
	Updates bool
}

// checkRow is one answer on check your answers.
type checkRow struct {
	Question, Answer, Change string
}

func (h *Handler) showConsultationCheck(w http.ResponseWriter, r *http.Request) error {
	c, qs, d, ok, err := h.answerable(w, r)
	if !ok {
		return err
	}
	kept, missing, complete := portal.Complete(qs, d.Answers)
	if !complete {
		http.Redirect(w, r, h.questionURL(c, missing), http.StatusSeeOther)
		return nil
	}
	p := &checkPage{Page: Page{Title: "Check your answers – " + c.Title}, C: c, Key: d.Key}
	u := currentUser(r)
	p.Updates = u != nil && !u.IsStaff()
	for _, q := range qs {
		if portal.Shown(qs, kept, q) {
			p.Rows = append(p.Rows, checkRow{q.Prompt, answerSummary(q, kept[q.ID]), h.questionURL(c, q) + "?change=1"})
		}
	}
	about := consultationPath(h, "consultations.about", c.ID)
	p.About = []checkRow{{"Age", optionLabel(portal.AgeBands, d.About.AgeBand), about},
		{"Reported anti-social behaviour before", optionLabel(portal.ReportedASBAnswers, d.About.ReportedASB), about}}
	return h.render(w, r, http.StatusOK, "consultations_check", p)
}

func optionLabel(opts []portal.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return "Not answered"
}

func (h *Handler) submitConsultation(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, qs, d, ok, err := h.loadAnswerable(w, r, false)
	if !ok {
		return err
	}
	done := consultationPath(h, "consultations.done", c.ID)
	if formValue(r, "website") != "" { // the honeypot: people never see it
		http.Redirect(w, r, done, http.StatusSeeOther)
		return nil
	}
	kept, missing, complete := portal.Complete(qs, d.Answers)
	if !complete { // perhaps sent already: the full check refuses a second response
		if _, _, _, ok, err := h.answerable(w, r); !ok {
			return err
		}
		http.Redirect(w, r, h.questionURL(c, missing), http.StatusSeeOther)
		return nil
	}
	if err := h.allow(r, h.cfg.Limits.Forms, clientAddr(r)); err != nil {
		return err
	}
	in := db.ResponseInput{ConsultationID: c.ID, IdempotencyKey: d.Key, Answers: kept, AboutYou: d.About}
	if u := currentUser(r); u != nil && !u.IsStaff() {
		in.UserID = u.ID
	} else if in.SessionHash, err = h.sessionHash(w, r); err != nil {
		return err
	}
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	draftKey := sessConsultationDraft + strconv.FormatInt(c.ID, 10)
	if sess.ID != "" { // it is, as it holds the answers: saved with the response, one commit
		rec, err := h.sessions.recordAfter(sess, func(v map[any]any) { delete(v, draftKey) })
		if err != nil {
			return err
		}
		in.Session = &rec
	}
	got, err := h.store.SaveResponse(r.Context(), in, h.now())
	switch {
	case errors.Is(err, db.ErrAlreadyResponded):
		return h.refuseResponded(w, r, c)
	case errors.Is(err, portal.ErrConflict):
		return h.refuseClosed(w, r, c)
	case err != nil:
		return err
	}
	if got.SessionSaved {
		delete(sess.Values, draftKey)
		err = h.sessions.setCookie(w, sess)
	} else { // a replay of a response already stored
		err = h.saveConsultationDraft(w, r, c.ID, nil)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, done, http.StatusSeeOther)
	return nil
}

func (h *Handler) showConsultationDone(w http.ResponseWriter, r *http.Request) error {
	c, err := h.publicConsultation(r)
	if err != nil {
		return err
	}
	u := currentUser(r)
	return h.render(w, r, http.StatusOK, "consultations_done",
		&consultationPage{Page: Page{Title: "Thank you for having your say"}, C: c, Phase: c.Phase(h.now()),
			Edit: u != nil && !u.IsStaff()})
}
