package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Consultations are authored and managed by sergeants and force
// administrators within their areas: details, questions (until the first
// response), preview, publish, close early, results.

// consultationManager wraps a handler for sergeants and force admins.
func (h *Handler) consultationManager(fn handlerFunc) http.Handler {
	return h.requireRole(portal.RoleSergeant, portal.RoleForceAdmin)(h.forgetConsultations(h.wrap(fn)))
}

// staffConsultation is the route's consultation if the user's scope covers
// it; another area's answers 404.
func (h *Handler) staffConsultation(r *http.Request) (portal.Consultation, error) {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return portal.Consultation{}, errNotFound
	}
	return h.store.ConsultationInScope(r.Context(), id, currentUser(r).Scope)
}

func consultationPath(h *Handler, name string, id int64) string {
	return h.routeURL(name, "id", strconv.FormatInt(id, 10))
}

// staffConsultationsPage lists the consultations in the user's areas.
type staffConsultationsPage struct {
	Page
	Consultations []portal.Consultation
}

func (h *Handler) listStaffConsultations(w http.ResponseWriter, r *http.Request) error {
	list, err := h.store.StaffConsultations(r.Context(), currentUser(r).Scope)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_consultations",
		&staffConsultationsPage{Page: Page{Title: "Consultations", Staff: true}, Consultations: list})
}

// consultationFormPage creates or changes a draft's details.
type consultationFormPage struct {
	Page
	ID     int64
	Form   portal.ConsultationInput
	Area   string
	Areas  []areaChoice
	MaxSum int
}

// hysField is one of the consultation form's date and time inputs.
type hysField struct {
	Name, Label, Hint, Value, Type, Width string
}

// DateFields lists the opening and closing inputs in order.
func (p *consultationFormPage) DateFields() []hysField {
	return []hysField{
		{"opens-date", "Opens on", "For example, 2026-03-14", p.Form.OpensDate, "date", "govuk-input--width-10"},
		{"opens-time", "Opens at", "For example, 09:00", p.Form.OpensTime, "time", "govuk-input--width-5"},
		{"closes-date", "Closes on", "For example, 2026-04-14", p.Form.ClosesDate, "date", "govuk-input--width-10"},
		{"closes-time", "Closes at", "For example, 17:00", p.Form.ClosesTime, "time", "govuk-input--width-5"},
	}
}

// areaChoice is one option of the area select: "level:code".
type areaChoice struct {
	Value, Label string
}

func (h *Handler) areaChoices(r *http.Request) ([]areaChoice, error) {
	u := currentUser(r)
	var out []areaChoice
	if u.Scope.All {
		forces, err := h.store.Forces(r.Context())
		if err != nil {
			return nil, err
		}
		for _, f := range forces {
			out = append(out, areaChoice{"force:" + f.Value, f.Label + " (the whole force)"})
		}
	}
	lpas, err := h.store.LPAsInScope(r.Context(), u.Scope)
	if err != nil {
		return nil, err
	}
	for _, l := range lpas {
		out = append(out, areaChoice{"lpa:" + l.Code, l.Name + " (local policing area)"})
		for _, n := range l.Neighbourhoods {
			out = append(out, areaChoice{"neighbourhood:" + n.Code, n.Name + " (neighbourhood in " + l.Name + ")"})
		}
	}
	return out, nil
}

func (h *Handler) newConsultationFormPage(r *http.Request, id int64, in portal.ConsultationInput) (*consultationFormPage, error) {
	areas, err := h.areaChoices(r)
	if err != nil {
		return nil, err
	}
	title := "Create a consultation"
	if id != 0 {
		title = "Change the consultation's details"
	}
	area := ""
	if in.AreaLevel != "" {
		area = in.AreaLevel + ":" + in.AreaCode
	}
	return &consultationFormPage{Page: Page{Title: title, Staff: true}, ID: id, Form: in, Area: area, Areas: areas,
		MaxSum: portal.MaxConsultationSummary}, nil
}

func consultationInputOf(c portal.Consultation) portal.ConsultationInput {
	o, cl := c.OpensAt.In(london), c.ClosesAt.In(london)
	return portal.ConsultationInput{Kind: string(c.Kind), Title: c.Title, Summary: c.Summary, Body: c.Body,
		AreaLevel: string(c.AreaLevel), AreaCode: c.AreaCode, OpensDate: o.Format("2006-01-02"),
		OpensTime: o.Format("15:04"), ClosesDate: cl.Format("2006-01-02"), ClosesTime: cl.Format("15:04"),
		CommentsEnabled: c.CommentsEnabled}
}

func (h *Handler) showConsultationForm(w http.ResponseWriter, r *http.Request) error {
	var id int64
	in := portal.ConsultationInput{Kind: string(portal.ConsultationGeneral), OpensTime: "09:00", ClosesTime: "17:00"}
	if routeVar(r, "id") != "" {
		c, err := h.staffConsultation(r)
		if err != nil {
			return err
		}
		if c.State != portal.ConsultationDraft {
			return h.backToConsultation(w, r, c.ID, "Only a draft's details can be changed")
		}
		id, in = c.ID, consultationInputOf(c)
	}
	p, err := h.newConsultationFormPage(r, id, in)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_consultation_form", p)
}

func consultationFormInput(r *http.Request) portal.ConsultationInput {
	level, code, _ := strings.Cut(formValue(r, "area"), ":")
	return portal.ConsultationInput{Kind: formValue(r, "kind"), Title: formValue(r, "title"),
		Summary: formValue(r, "summary"), Body: formValue(r, "body"), AreaLevel: level, AreaCode: code,
		OpensDate: formValue(r, "opens-date"), OpensTime: formValue(r, "opens-time"),
		ClosesDate: formValue(r, "closes-date"), ClosesTime: formValue(r, "closes-time"),
		CommentsEnabled: formValue(r, "comments") == "yes"}
}

func (h *Handler) saveConsultation(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	var id int64
	if routeVar(r, "id") != "" {
		c, err := h.staffConsultation(r)
		if err != nil {
			return err
		}
		id = c.ID
	}
	in := consultationFormInput(r)
	f, fe := in.Parse(london)
	if !fe.Any() {
		err := h.store.InTx(r.Context(), func(tx *db.Tx) error { return h.storeConsultation(r, tx, &id, f) })
		switch {
		case errors.Is(err, portal.ErrNotFound):
			fe.Add("area", "Select an area you work in")
		case errors.Is(err, portal.ErrConflict):
			fe.Add("title", "This consultation has been published, so its details can no longer change")
		case err != nil:
			return err
		}
	}
	if fe.Any() {
		p, err := h.newConsultationFormPage(r, id, in)
		if err != nil {
			return err
		}
		p.setErrors(fe, portal.ConsultationFieldOrder...)
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_consultation_form", p)
	}
	return h.backToConsultation(w, r, id, "Consultation saved")
}

func (h *Handler) storeConsultation(r *http.Request, tx *db.Tx, id *int64, f portal.ConsultationFields) error {
	u := currentUser(r)
	action := "consultation.update"
	if *id == 0 {
		var err error
		if *id, err = tx.CreateConsultation(r.Context(), f, u.Scope, u.ID); err != nil {
			return err
		}
		action = "consultation.create"
	} else if err := tx.UpdateConsultation(r.Context(), *id, f, u.Scope); err != nil {
		return err
	}
	return tx.Audit(r.Context(), h.auditEntry(r, action, "consultation", strconv.FormatInt(*id, 10),
		map[string]string{"kind": string(f.Kind), "area": string(f.AreaLevel) + ":" + f.AreaCode}))
}

// backToConsultation redirects to the staff consultation page with a flash.
func (h *Handler) backToConsultation(w http.ResponseWriter, r *http.Request, id int64, flash string) error {
	if flash != "" {
		if err := h.flash(w, r, flash); err != nil {
			return err
		}
	}
	http.Redirect(w, r, consultationPath(h, "staff.consultation", id), http.StatusSeeOther)
	return nil
}

// staffConsultationPage is the consultation's management page.
type staffConsultationPage struct {
	Page
	C           portal.Consultation
	Questions   []portal.Question
	Phase       portal.Phase
	CanEdit     bool
	CanResults  bool
	PromptOf    map[int64]string
	PublicPath  string
	CanWeDid    bool
	WeDidMax    int
	WeDidErrors bool
}

func (h *Handler) newStaffConsultationPage(r *http.Request, c portal.Consultation) (*staffConsultationPage, error) {
	qs, err := h.store.Questions(r.Context(), c.ID)
	if err != nil {
		return nil, err
	}
	now := h.now()
	p := &staffConsultationPage{Page: Page{Title: c.Title, Staff: true}, C: c, Questions: qs, Phase: c.Phase(now),
		CanEdit: c.CanEditQuestions(), CanResults: c.CanPublishResults(now), PromptOf: map[int64]string{},
		WeDidMax: portal.MaxWeDid}
	p.CanWeDid = p.CanResults
	for _, q := range qs {
		p.PromptOf[q.ID] = q.Prompt
	}
	return p, nil
}

func (h *Handler) showStaffConsultation(w http.ResponseWriter, r *http.Request) error {
	c, err := h.staffConsultation(r)
	if err != nil {
		return err
	}
	p, err := h.newStaffConsultationPage(r, c)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_consultation", p)
}

// changeConsultationState publishes or closes a consultation.
func (h *Handler) changeConsultationState(publish bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(r); err != nil {
			return err
		}
		c, err := h.staffConsultation(r)
		if err != nil {
			return err
		}
		scope, now := currentUser(r).Scope, h.now()
		action, done, refused := "consultation.close", "Consultation closed", "This consultation is not open"
		if publish {
			action, done, refused = "consultation.publish", "Consultation published", "Add at least one question, and check the closing date is in the future, before publishing"
		}
		err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
			var err error
			if publish {
				err = tx.PublishConsultation(r.Context(), c.ID, scope, now)
			} else {
				err = tx.CloseConsultation(r.Context(), c.ID, scope, now)
			}
			if err != nil {
				return err
			}
			return tx.Audit(r.Context(), h.auditEntry(r, action, "consultation", strconv.FormatInt(c.ID, 10), nil))
		})
		if errors.Is(err, portal.ErrConflict) {
			return h.backToConsultation(w, r, c.ID, refused)
		}
		if err != nil {
			return err
		}
		return h.backToConsultation(w, r, c.ID, done)
	}
}
