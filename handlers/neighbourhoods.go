package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// h.cfg.Limits.PostcodeLookups caps postcode lookups per client address: generous
// for people, a brake on scraping the directory through the site.

// findNeighbourhoodPage is the "find your neighbourhood policing team" form.
type findNeighbourhoodPage struct {
	Page
	Postcode string
}

// outsideAreaPage says a postcode is policed by another force.
type outsideAreaPage struct {
	Page
	Postcode string
	PoliceUK string
}

// lpaListPage lists every neighbourhood by local policing area.
type lpaListPage struct {
	Page
	LPAs []portal.LPA
}

// findNeighbourhood shows the postcode form or, given ?postcode=, the
// answer. It is a GET form: the lookup changes nothing and its result can
// be bookmarked and shared.
func (h *Handler) findNeighbourhood(w http.ResponseWriter, r *http.Request) error {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return errBadRequest
	}
	page := &findNeighbourhoodPage{Page: Page{Title: "Find your neighbourhood policing team"}}
	if !query.Has("postcode") {
		return h.render(w, r, http.StatusOK, "neighbourhoods_find", page)
	}
	page.Postcode = strings.TrimSpace(query.Get("postcode"))
	if !portal.CleanText(page.Postcode) {
		return errBadRequest
	}
	postcode, fe := portal.PostcodeLookupInput{Postcode: page.Postcode}.Validate()
	if fe.Any() {
		page.setErrors(fe, "postcode")
		return h.render(w, r, http.StatusUnprocessableEntity, "neighbourhoods_find", page)
	}
	if err := h.allow(r, h.cfg.Limits.PostcodeLookups, clientAddr(r)); err != nil {
		return err
	}
	n, err := h.store.NeighbourhoodForPostcode(r.Context(), postcode)
	display := portal.DisplayPostcode(postcode)
	switch {
	case errors.Is(err, portal.ErrUnknownPostcode):
		page.setErrors(portal.FieldErrors{"postcode": "We could not find " + display + ". Check the postcode and try again"}, "postcode")
		return h.render(w, r, http.StatusUnprocessableEntity, "neighbourhoods_find", page)
	case errors.Is(err, portal.ErrOutsideArea):
		return h.render(w, r, http.StatusOK, "neighbourhoods_outside", &outsideAreaPage{
			Page: Page{Title: display + " is outside our area"}, Postcode: display, PoliceUK: portal.PoliceUKAreaURL})
	case err != nil:
		return err
	}
	return h.renderNeighbourhood(w, r, n, display, "Your neighbourhood policing team")
}

// showNeighbourhood shows one neighbourhood's team, from the list.
func (h *Handler) showNeighbourhood(w http.ResponseWriter, r *http.Request) error {
	n, err := h.store.NeighbourhoodByCode(r.Context(), routeVar(r, "code"))
	if err != nil {
		return err
	}
	return h.renderNeighbourhood(w, r, n, "", n.Name+" neighbourhood policing team")
}

// listNeighbourhoods lets people without a postcode browse by area.
func (h *Handler) listNeighbourhoods(w http.ResponseWriter, r *http.Request) error {
	lpas, err := h.store.LPAs(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "neighbourhoods_list", &lpaListPage{
		Page: Page{Title: "Neighbourhoods by local policing area"}, LPAs: lpas})
}

// staffNeighbourhoodPage is the form for a neighbourhood's team contact.
type staffNeighbourhoodPage struct {
	Page
	Neighbourhood portal.Neighbourhood
	Form          portal.TeamContact
	MaxName       int
}

// listStaffNeighbourhoods shows the neighbourhoods in the staff member's scope.
func (h *Handler) listStaffNeighbourhoods(w http.ResponseWriter, r *http.Request) error {
	lpas, err := h.store.LPAsInScope(r.Context(), currentUser(r).Scope)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_neighbourhoods", &lpaListPage{
		Page: Page{Title: "Your neighbourhoods", Staff: true}, LPAs: lpas})
}

// showStaffNeighbourhood shows the team contact form. A neighbourhood out
// of the staff member's scope answers 404, exactly like a missing one.
func (h *Handler) showStaffNeighbourhood(w http.ResponseWriter, r *http.Request) error {
	n, err := h.store.NeighbourhoodInScope(r.Context(), routeVar(r, "code"), currentUser(r).Scope)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_neighbourhood", newStaffNeighbourhoodPage(n, n.Team))
}

func newStaffNeighbourhoodPage(n portal.Neighbourhood, form portal.TeamContact) *staffNeighbourhoodPage {
	return &staffNeighbourhoodPage{Page: Page{Title: n.Name + ": team contact details", Staff: true},
		Neighbourhood: n, Form: form, MaxName: portal.MaxTeamName}
}

// updateStaffNeighbourhood saves a team's contact details and audits the
// change, in one transaction. Sending the same details again changes
// nothing and audits nothing.
func (h *Handler) updateStaffNeighbourhood(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, user, code := r.Context(), currentUser(r), routeVar(r, "code")
	in := portal.TeamContactInput{TeamContact: portal.TeamContact{
		Name: formValue(r, "team_name"), Email: formValue(r, "team_email"), Phone: formValue(r, "team_phone")}}
	if fe := in.Validate(); fe.Any() {
		n, err := h.store.NeighbourhoodInScope(ctx, code, user.Scope)
		if err != nil {
			return err
		}
		page := newStaffNeighbourhoodPage(n, in.TeamContact)
		page.setErrors(fe, "team_name", "team_email", "team_phone")
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_neighbourhood", page)
	}
	err := h.store.InTx(ctx, func(tx *db.Tx) error {
		ch, err := tx.UpdateTeamContact(ctx, code, user.Scope, in.TeamContact)
		if err != nil || len(ch.Fields) == 0 {
			return err
		}
		return tx.Audit(ctx, h.auditEntry(r, "neighbourhood.update", "neighbourhood",
			strconv.FormatInt(ch.NeighbourhoodID, 10), map[string]string{"fields": strings.Join(ch.Fields, ",")}))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, "Team contact details saved"); err != nil {
		return err
	}
	target, err := h.router.Get("staff.neighbourhood").URL("code", code)
	if err != nil {
		return err
	}
	http.Redirect(w, r, target.String(), http.StatusSeeOther)
	return nil
}
