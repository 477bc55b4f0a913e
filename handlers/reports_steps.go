package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/portal"
)

func (h *Handler) fillWhere(r *http.Request, p *reportPage) error {
	p.Describe = r.URL.Query().Get("describe") == "1" || r.PostForm.Get("describe") == "1"
	var err error
	if !p.Describe {
		if h.cfg.Map.On() {
			p.Map = h.cfg.Map
			p.MapLat, p.MapLon, err = h.store.MapCentre(r.Context())
		}
		return err
	}
	p.LPAs, err = h.store.LPAs(r.Context())
	return err
}

func (h *Handler) showWhere(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	if !h.needs(w, r, d, "safety", "category") {
		return nil
	}
	p, err := h.newReportPage(r, d, "where", "Where did it happen?")
	if err != nil {
		return err
	}
	if err := h.fillWhere(r, p); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reports_where", p)
}

func (h *Handler) saveWhere(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	if !h.needs(w, r, d, "safety", "category") {
		return nil
	}
	describe := r.PostForm.Get("describe") == "1"
	d.Postcode, d.Place, d.NeighbourhoodCode, d.NeighbourhoodName = formValue(r, "postcode"), formValue(r, "place"), "", ""
	d.Latitude, d.Longitude = 0, 0
	if describe {
		d.Postcode = ""
		d.NeighbourhoodCode = formValue(r, "neighbourhood")
	} else if la, lo, ok := portal.ParsePin(formValue(r, "lat"), formValue(r, "lng")); ok && h.cfg.Map.On() {
		d.Latitude, d.Longitude = la, lo
	}
	invalid := func(fe portal.FieldErrors) error {
		return h.stepInvalid(w, r, d, "where", "Where did it happen?", "reports_where", fe, "postcode", "place", "neighbourhood")
	}
	if fe := d.ValidateWhere(describe); fe.Any() {
		return invalid(fe)
	}
	if describe {
		n, err := h.store.NeighbourhoodByCode(r.Context(), d.NeighbourhoodCode)
		if errors.Is(err, portal.ErrNotFound) {
			return invalid(portal.FieldErrors{"neighbourhood": "Select the area where it happened"})
		}
		if err != nil {
			return err
		}
		d.NeighbourhoodName = n.Name
		return h.next(w, r, d, "where", "reports.when")
	}
	if d.Pinned() {
		return h.savePin(w, r, d, invalid)
	}
	pc, _ := portal.NormalisePostcode(d.Postcode)
	n, err := h.store.NeighbourhoodForPostcode(r.Context(), pc)
	switch {
	case errors.Is(err, portal.ErrUnknownPostcode):
		return invalid(portal.FieldErrors{"postcode": "We could not find that postcode. Check it, or describe the place instead"})
	case errors.Is(err, portal.ErrOutsideArea):
		if err := h.saveDraft(w, r, d); err != nil {
			return err
		}
		http.Redirect(w, r, h.routeURL("reports.outside"), http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	d.Postcode, d.NeighbourhoodCode, d.NeighbourhoodName = pc, n.Code, n.Name
	return h.nextAfterWhere(w, r, d)
}

// nextAfterWhere offers similar reports near the postcode when there are
// some (and the report is not already joined to a problem), else goes on
// to "when".
func (h *Handler) nextAfterWhere(w http.ResponseWriter, r *http.Request, d *portal.ReportDraft) error {
	if d.Postcode != "" && d.ProblemID == 0 {
		similar, err := h.store.SimilarNearby(r.Context(), d.CategoryCode, d.Postcode)
		if err != nil {
			return err
		}
		if len(similar) > 0 {
			return h.next(w, r, d, "where", "reports.similar")
		}
	}
	return h.next(w, r, d, "where", "reports.when")
}

// savePin places the report at the map's pin: its neighbourhood is the one
// containing the point, and a postcode given as well is kept (and checked)
// for the record and for finding similar reports.
func (h *Handler) savePin(w http.ResponseWriter, r *http.Request, d *portal.ReportDraft, invalid func(portal.FieldErrors) error) error {
	n, err := h.store.NeighbourhoodAt(r.Context(), d.Latitude, d.Longitude)
	switch {
	case errors.Is(err, portal.ErrOutsideArea):
		if err := h.saveDraft(w, r, d); err != nil {
			return err
		}
		http.Redirect(w, r, h.routeURL("reports.outside"), http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	d.NeighbourhoodCode, d.NeighbourhoodName = n.Code, n.Name
	if d.Postcode != "" {
		d.Postcode, _ = portal.NormalisePostcode(d.Postcode)
		switch _, err := h.store.NeighbourhoodForPostcode(r.Context(), d.Postcode); {
		case errors.Is(err, portal.ErrUnknownPostcode):
			return invalid(portal.FieldErrors{"postcode": "We could not find that postcode. Check it, or leave it out: your pin shows the place"})
		case err != nil && !errors.Is(err, portal.ErrOutsideArea):
			return err
		}
	}
	return h.nextAfterWhere(w, r, d)
}

// showOutside tells a resident their place is policed by another force.
func (h *Handler) showOutside(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "reports_outside", &reportPage{Page: Page{Title: "This place is outside our area"}})
}

// showSimilar offers recent similar reports nearby, anonymised, so a
// resident can add their own complaint to a problem already reported.
func (h *Handler) showSimilar(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	if !h.needs(w, r, d, "safety", "category", "where") {
		return nil
	}
	p, err := h.newReportPage(r, d, "similar", "Has this already been reported?")
	if err != nil {
		return err
	}
	if p.Similar, err = h.store.SimilarNearby(r.Context(), d.CategoryCode, d.Postcode); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reports_similar", p)
}

func (h *Handler) saveSimilar(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil {
		return err
	}
	if !h.needs(w, r, d, "safety", "category", "where") {
		return nil
	}
	d.ProblemID = 0
	if v := formValue(r, "problem"); v != "" {
		id, _ := strconv.ParseInt(v, 10, 64)
		similar, err := h.store.SimilarNearby(r.Context(), d.CategoryCode, d.Postcode)
		if err != nil {
			return err
		}
		for _, s := range similar {
			if s.ProblemID == id {
				d.ProblemID = id
			}
		}
	}
	return h.next(w, r, d, "similar", "reports.when")
}

func (h *Handler) showWhen(w http.ResponseWriter, r *http.Request) error {
	return h.showStep(w, r, "when", "When did it happen?", "safety", "category", "where")
}

func (h *Handler) saveWhen(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, "safety", "category", "where") {
		return err
	}
	d.Day, d.Month, d.Year = formValue(r, "when-day"), formValue(r, "when-month"), formValue(r, "when-year")
	d.Time, d.HappenedBefore = formValue(r, "time"), formValue(r, "happened-before")
	d.HowOften, d.SinceWhen = formValue(r, "how-often"), formValue(r, "since-when")
	if d.HappenedBefore != "yes" {
		d.HowOften, d.SinceWhen = "", ""
	}
	if fe := d.ValidateWhen(h.now()); fe.Any() {
		return h.stepInvalid(w, r, d, "when", "When did it happen?", "reports_when", fe, "when-day", "time", "happened-before", "how-often", "since-when")
	}
	return h.next(w, r, d, "when", "reports.details")
}

func (h *Handler) showDetails(w http.ResponseWriter, r *http.Request) error {
	return h.showStep(w, r, "details", "Tell us what happened", "safety", "category", "where", "when")
}

func (h *Handler) saveDetails(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, "safety", "category", "where", "when") {
		return err
	}
	d.Description = formValue(r, "description")
	if fe := d.ValidateDetails(); fe.Any() {
		return h.stepInvalid(w, r, d, "details", "Tell us what happened", "reports_details", fe)
	}
	return h.next(w, r, d, "details", "reports.people")
}

func (h *Handler) showPeople(w http.ResponseWriter, r *http.Request) error {
	return h.showStep(w, r, "people", "People or vehicles involved", "safety", "category", "where", "when", "details")
}

func (h *Handler) savePeople(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, "safety", "category", "where", "when", "details") {
		return err
	}
	d.People, d.Vehicles = formValue(r, "people"), formValue(r, "vehicles")
	if fe := d.ValidatePeople(); fe.Any() {
		return h.stepInvalid(w, r, d, "people", "People or vehicles involved", "reports_people", fe, "people", "vehicles")
	}
	return h.next(w, r, d, "people", "reports.impact")
}

func (h *Handler) showImpact(w http.ResponseWriter, r *http.Request) error {
	return h.showStep(w, r, "impact", "How is it affecting you?", "safety", "category", "where", "when", "details", "people")
}

func (h *Handler) saveImpact(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, "safety", "category", "where", "when", "details", "people") {
		return err
	}
	d.Impacts = formValues(r, "impacts")
	d.Hate = formValue(r, "hate")
	d.HateReasons = nil
	if d.Hate == "yes" {
		d.HateReasons = formValues(r, "hate-reasons")
	}
	d.Vulnerability = formValue(r, "vulnerability")
	if fe := d.ValidateImpact(); fe.Any() {
		return h.stepInvalid(w, r, d, "impact", "How is it affecting you?", "reports_impact", fe, "impacts", "hate", "hate-reasons", "vulnerability")
	}
	return h.next(w, r, d, "impact", "reports.photos")
}

func (h *Handler) showAboutYou(w http.ResponseWriter, r *http.Request) error {
	if d, err := h.draft(r); err != nil || d.IsOnBehalf() { // the resident's details are on the on-behalf step
		if err != nil {
			return err
		}
		return h.acctRedirect(w, r, "reports.on-behalf")
	}
	return h.showStep(w, r, "about-you", "About you", "safety", "category", "where", "when", "details", "people", "impact", "photos")
}

func (h *Handler) saveAboutYou(w http.ResponseWriter, r *http.Request) error {
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, "safety", "category", "where", "when", "details", "people", "impact", "photos") {
		return err
	}
	d.Anonymous = formValue(r, "anonymous")
	d.Name, d.Email, d.Phone = formValue(r, "name"), formValue(r, "email"), formValue(r, "phone")
	d.ContactPreference, d.SafeToLeave = formValue(r, "contact-preference"), formValue(r, "safe-to-leave")
	if fe := d.ValidateAboutYou(); fe.Any() {
		return h.stepInvalid(w, r, d, "about-you", "About you", "reports_about_you", fe,
			"anonymous", "name", "email", "phone", "contact-preference", "safe-to-leave")
	}
	return h.next(w, r, d, "about-you", "reports.check")
}

// showStep renders a simple step page once its prerequisites are answered.
func (h *Handler) showStep(w http.ResponseWriter, r *http.Request, step, title string, needs ...string) error {
	d, err := h.draft(r)
	if err != nil || !h.needs(w, r, d, needs...) {
		return err
	}
	p, err := h.newReportPage(r, d, step, title)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "reports_"+stepTemplate(step), p)
}

func stepTemplate(step string) string {
	if step == "about-you" {
		return "about_you"
	}
	return step
}

// formValues is every value posted for a checkbox field, trimmed.
func formValues(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.PostForm[name] {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
