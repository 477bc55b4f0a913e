package handlers

import (
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Letters: a warning letter, letter of expectation, CPW or CPN starts from
// its template with the placeholders filled in (portal.FillLetter, plain
// text), is edited and saved on the intervention, then printed from a page
// whose print styles leave only the letter. Sergeants and administrators
// keep the templates.

// caseLetterPage edits an intervention's letter before printing.
type caseLetterPage struct {
	Page
	Case         portal.Case
	Intervention portal.Intervention
	Letter       string
	Prompts      []string // [square-bracketed prompts] still to replace
	Max          int
}

func (h *Handler) letterIntervention(r *http.Request, page string) (portal.Case, portal.Intervention, error) {
	c, iv, err := h.caseIntervention(r, page)
	if err == nil && !iv.Kind.HasLetter() {
		err = errNotFound
	}
	return c, iv, err
}

func (h *Handler) showLetter(w http.ResponseWriter, r *http.Request) error {
	c, iv, err := h.letterIntervention(r, "letter")
	if err != nil {
		return err
	}
	return h.renderLetter(w, r, http.StatusOK, c, iv, iv.LetterBody, nil)
}

func (h *Handler) renderLetter(w http.ResponseWriter, r *http.Request, status int, c portal.Case, iv portal.Intervention, letter string, fe portal.FieldErrors) error {
	p := &caseLetterPage{Page: Page{Title: "Check the letter – " + c.Reference, Staff: true}, Case: c, Intervention: iv,
		Letter: letter, Prompts: portal.LetterPrompts(letter), Max: portal.MaxLetterText}
	p.setErrors(fe, "letter")
	return h.render(w, r, status, "staff_case_letter", p)
}

// saveLetter stores the edited letter on the intervention, then shows it
// ready to print.
func (h *Handler) saveLetter(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, iv, err := h.letterIntervention(r, "")
	if err != nil {
		return err
	}
	letter := formValue(r, "letter")
	if fe := portal.ValidateLetter(letter); fe.Any() {
		return h.renderLetter(w, r, http.StatusUnprocessableEntity, c, iv, letter, fe)
	}
	_, err = h.caseChange(r, false, func(tx *db.Tx, c portal.Case) error {
		changed, err := tx.SaveLetter(r.Context(), c.ID, iv.ID, letter)
		if err != nil || !changed {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "case.letter.save", "case", c.Reference,
			map[string]string{"intervention": strconv.FormatInt(iv.ID, 10), "kind": string(iv.Kind)}))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, "Letter saved"); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("staff.case.letter.print", "ref", c.Reference, "id", strconv.FormatInt(iv.ID, 10)), http.StatusSeeOther)
	return nil
}

// showLetterPrint shows the letter alone, to print.
func (h *Handler) showLetterPrint(w http.ResponseWriter, r *http.Request) error {
	c, iv, err := h.letterIntervention(r, "letter print")
	if err != nil {
		return err
	}
	p := &caseLetterPage{Page: Page{Title: iv.Kind.Label() + " – " + c.Reference, Staff: true}, Case: c, Intervention: iv,
		Letter: iv.LetterBody, Prompts: portal.LetterPrompts(iv.LetterBody)}
	return h.render(w, r, http.StatusOK, "staff_case_letter_print", p)
}

// letterTemplatesPage lists the letter templates.
type letterTemplatesPage struct {
	Page
	Templates []portal.LetterTemplate
}

func (h *Handler) listLetterTemplates(w http.ResponseWriter, r *http.Request) error {
	tpls, err := h.store.LetterTemplates(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_case_letter_templates",
		&letterTemplatesPage{Page: Page{Title: "Letter templates", Staff: true}, Templates: tpls})
}

// letterTemplatePage edits one letter template.
type letterTemplatePage struct {
	Page
	Kind         portal.InterventionKind
	Form         portal.LetterTemplateInput
	Placeholders []portal.Option
	Max          int
}

func letterKind(r *http.Request) (portal.InterventionKind, error) {
	k := portal.InterventionKind(routeVar(r, "kind"))
	if !k.HasLetter() {
		return "", errNotFound
	}
	return k, nil
}

func (h *Handler) showLetterTemplate(w http.ResponseWriter, r *http.Request) error {
	k, err := letterKind(r)
	if err != nil {
		return err
	}
	tpl, err := h.store.LetterTemplate(r.Context(), k)
	if err != nil {
		return err
	}
	return h.renderLetterTemplate(w, r, http.StatusOK, k, portal.LetterTemplateInput{Title: tpl.Title, Body: tpl.Body}, nil)
}

func (h *Handler) renderLetterTemplate(w http.ResponseWriter, r *http.Request, status int, k portal.InterventionKind, in portal.LetterTemplateInput, fe portal.FieldErrors) error {
	p := &letterTemplatePage{Page: Page{Title: k.Label() + ": letter template", Staff: true}, Kind: k, Form: in,
		Placeholders: portal.Placeholders, Max: portal.MaxLetterText}
	p.setErrors(fe, "title", "body")
	return h.render(w, r, status, "staff_case_letter_template", p)
}

func (h *Handler) saveLetterTemplate(w http.ResponseWriter, r *http.Request) error {
	k, err := letterKind(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.LetterTemplateInput{Title: formValue(r, "title"), Body: formValue(r, "body")}
	if fe := in.Validate(); fe.Any() {
		return h.renderLetterTemplate(w, r, http.StatusUnprocessableEntity, k, in, fe)
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		changed, err := tx.SaveLetterTemplate(r.Context(), portal.LetterTemplate{Kind: k, Title: in.Title, Body: in.Body})
		if err != nil || !changed {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "letter_template.update", "letter_template", string(k), nil))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, k.Label()+" template saved"); err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("staff.letters"), http.StatusSeeOther)
	return nil
}
