package handlers

import (
	"errors"
	"net/http"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Changes to a case: its objective, analysis and response texts, the
// reports linked to it, partner information, closing and reopening. Each
// change locks the case, checks it is open and writes its audit row in the
// same transaction; sending a form again changes (and audits) nothing.

// caseChange runs fn on the case named in the URL, locked, in one
// transaction. A closed case refuses the change unless allowClosed.
func (h *Handler) caseChange(r *http.Request, allowClosed bool, fn func(tx *db.Tx, c portal.Case) error) (portal.Case, error) {
	ref := routeVar(r, "ref")
	if !portal.ValidCaseReference(ref) {
		return portal.Case{}, errNotFound
	}
	var c portal.Case
	err := h.store.InTx(r.Context(), func(tx *db.Tx) error {
		var err error
		if c, err = tx.LockCase(r.Context(), ref, currentUser(r).Scope); err != nil {
			return err
		}
		if !c.Open() && !allowClosed {
			return errCaseClosed
		}
		return fn(tx, c)
	})
	return c, err
}

// caseSectionPage edits one text section of a case.
type caseSectionPage struct {
	Page
	Case    portal.Case
	Section portal.CaseSection
	Text    string
	Max     int
}

func (h *Handler) showCaseSection(w http.ResponseWriter, r *http.Request) error {
	sec, ok := portal.ParseCaseSection(routeVar(r, "section"))
	if !ok {
		return errNotFound
	}
	c, err := h.loadCase(r, "edit "+string(sec))
	if err != nil {
		return err
	}
	if !c.Open() {
		return errCaseClosed
	}
	text := map[portal.CaseSection]string{portal.SectionObjective: c.Objective,
		portal.SectionAnalysis: c.Analysis, portal.SectionResponse: c.Response}[sec]
	return h.renderCaseSection(w, r, http.StatusOK, c, sec, text, nil)
}

func (h *Handler) renderCaseSection(w http.ResponseWriter, r *http.Request, status int, c portal.Case, sec portal.CaseSection, text string, fe portal.FieldErrors) error {
	p := &caseSectionPage{Page: Page{Title: sec.Label() + " – " + c.Reference, Staff: true}, Case: c, Section: sec,
		Text: text, Max: portal.MaxCaseText}
	p.setErrors(fe, "text")
	return h.render(w, r, status, "staff_case_section", p)
}

func (h *Handler) saveCaseSection(w http.ResponseWriter, r *http.Request) error {
	sec, ok := portal.ParseCaseSection(routeVar(r, "section"))
	if !ok {
		return errNotFound
	}
	if err := parseForm(r); err != nil {
		return err
	}
	text := formValue(r, "text")
	if fe := portal.ValidateSectionText(sec, text); fe.Any() {
		c, err := h.loadCase(r, "")
		if err != nil {
			return err
		}
		return h.renderCaseSection(w, r, http.StatusUnprocessableEntity, c, sec, text, fe)
	}
	c, err := h.caseChange(r, false, func(tx *db.Tx, c portal.Case) error {
		changed, err := tx.SetCaseSection(r.Context(), c.ID, sec, text)
		if err != nil || !changed {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "case.update", "case", c.Reference, map[string]string{"section": string(sec)}))
	})
	if err != nil {
		return err
	}
	return h.backToCase(w, r, c.Reference, string(sec), sec.Label()+" saved")
}

// linkCaseReport links a report in the user's areas to the case by its
// reference.
func (h *Handler) linkCaseReport(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	raw := formValue(r, "report")
	ref, ok := portal.NormaliseReference(raw)
	fe := portal.FieldErrors{}
	u := currentUser(r)
	c, err := h.caseChange(r, false, func(tx *db.Tx, c portal.Case) error {
		if !ok {
			return nil
		}
		linked, err := tx.LinkReport(r.Context(), c, ref, u.ID, u.Scope)
		if err != nil || !linked {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "case.report.link", "case", c.Reference, map[string]string{"report": ref}))
	})
	switch {
	case err == nil && !ok && raw == "":
		fe.Add("link-report", "Enter the reference of the report to link")
	case err == nil && !ok:
		fe.Add("link-report", "Enter a report reference like ASB-7K3Q-9XPD")
	case errors.Is(err, db.ErrLinkedElsewhere):
		fe.Add("link-report", ref+" is already part of another case. Unlink it there first")
	case errors.Is(err, portal.ErrNotFound) && c.ID != 0:
		fe.Add("link-report", "There is no report "+ref+" in your areas")
	case err != nil:
		return err
	}
	if fe.Any() {
		if c, err = h.loadCase(r, ""); err != nil {
			return err
		}
		forms := caseShowPage{LinkRef: raw, Note: portal.CaseNoteInput{IdempotencyKey: newIdempotencyKey()}}
		return h.renderCase(w, r, http.StatusUnprocessableEntity, c, forms, fe)
	}
	return h.backToCase(w, r, c.Reference, "scanning", "Report "+ref+" linked to the case")
}

// unlinkCaseReport takes a report out of the case.
func (h *Handler) unlinkCaseReport(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ref, ok := portal.NormaliseReference(formValue(r, "report"))
	if !ok {
		return errBadRequest
	}
	u := currentUser(r)
	c, err := h.caseChange(r, false, func(tx *db.Tx, c portal.Case) error {
		done, err := tx.UnlinkReport(r.Context(), c, ref, u.ID, u.Scope)
		if err != nil || !done {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "case.report.unlink", "case", c.Reference, map[string]string{"report": ref}))
	})
	if err != nil {
		return err
	}
	return h.backToCase(w, r, c.Reference, "scanning", "Report "+ref+" is no longer part of the case")
}

// addCaseNote records information from a partner.
func (h *Handler) addCaseNote(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.CaseNoteInput{IdempotencyKey: formValue(r, "idempotency_key"), Source: formValue(r, "source"), Body: formValue(r, "note")}
	if fe := in.Validate(); fe.Any() {
		c, err := h.loadCase(r, "")
		if err != nil {
			return err
		}
		in.IdempotencyKey = freshKey(in.IdempotencyKey)
		return h.renderCase(w, r, http.StatusUnprocessableEntity, c, caseShowPage{Note: in}, fe)
	}
	c, err := h.caseChange(r, false, func(tx *db.Tx, c portal.Case) error {
		if err := tx.AddCaseNote(r.Context(), c.ID, currentUser(r).ID, in); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "case.note", "case", c.Reference, nil))
	})
	if err != nil && !errors.Is(err, db.ErrReplayed) {
		return err
	}
	return h.backToCase(w, r, c.Reference, "partner-information", "Partner information added")
}

// caseClosePage asks for the assessment before a case closes.
type caseClosePage struct {
	Page
	Case portal.Case
	Form portal.CaseCloseInput
	Max  int
}

func (h *Handler) showCloseCase(w http.ResponseWriter, r *http.Request) error {
	c, err := h.loadCase(r, "close")
	if err != nil {
		return err
	}
	if !c.Open() {
		return errCaseClosed
	}
	return h.renderCloseCase(w, r, http.StatusOK, c, portal.CaseCloseInput{Assessment: c.Assessment, Lessons: c.Lessons}, nil)
}

func (h *Handler) renderCloseCase(w http.ResponseWriter, r *http.Request, status int, c portal.Case, in portal.CaseCloseInput, fe portal.FieldErrors) error {
	p := &caseClosePage{Page: Page{Title: "Close the case – " + c.Reference, Staff: true}, Case: c, Form: in, Max: portal.MaxCaseText}
	p.setErrors(fe, "assessment", "lessons")
	return h.render(w, r, status, "staff_case_close", p)
}

func (h *Handler) closeCase(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.CaseCloseInput{Assessment: formValue(r, "assessment"), Lessons: formValue(r, "lessons")}
	if fe := in.Validate(); fe.Any() {
		c, err := h.loadCase(r, "")
		if err != nil {
			return err
		}
		return h.renderCloseCase(w, r, http.StatusUnprocessableEntity, c, in, fe)
	}
	// A closed case answers the same as closing it: the form was sent twice.
	c, err := h.caseChange(r, true, func(tx *db.Tx, c portal.Case) error {
		closed, err := tx.CloseCase(r.Context(), c.ID, in)
		if err != nil || !closed {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "case.close", "case", c.Reference, nil))
	})
	if err != nil {
		return err
	}
	return h.backToCase(w, r, c.Reference, "", "Case closed")
}

// reopenCase reopens a closed case; its next review falls due as for a new
// case.
func (h *Handler) reopenCase(w http.ResponseWriter, r *http.Request) error {
	c, err := h.caseChange(r, true, func(tx *db.Tx, c portal.Case) error {
		reopened, err := tx.ReopenCase(r.Context(), c.ID, c.Risk.NextReview(h.now()))
		if err != nil || !reopened {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "case.reopen", "case", c.Reference, nil))
	})
	if err != nil {
		return err
	}
	return h.backToCase(w, r, c.Reference, "", "Case reopened")
}
