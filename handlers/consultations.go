package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// "Have your say": the public list of consultations (open, upcoming and
// closed, filtered by postcode or neighbourhood) and each consultation's
// page, with published results and "we asked, you said, we did".

// consultationsPage is the "Have your say" list.
type consultationsPage struct {
	Page
	Postcode       string
	Neighbourhood  string
	Area           string
	Neighbourhoods []portal.Neighbourhood
	Open           []portal.Consultation
	Upcoming       []portal.Consultation
	Closed         []portal.Consultation
}

func (h *Handler) listConsultations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := &consultationsPage{Page: Page{Title: "Have your say"}, Postcode: q.Get("postcode"), Neighbourhood: q.Get("neighbourhood")}
	lpas, err := h.store.LPAs(r.Context())
	if err != nil {
		return err
	}
	var nID int64
	for _, l := range lpas {
		for _, n := range l.Neighbourhoods {
			p.Neighbourhoods = append(p.Neighbourhoods, n)
			if n.Code == p.Neighbourhood && p.Postcode == "" {
				nID, p.Area = n.ID, n.Name
			}
		}
	}
	fe := portal.FieldErrors{}
	if p.Postcode != "" {
		n, err := h.neighbourhoodForPostcode(r, p.Postcode, fe)
		if err != nil {
			return err
		}
		nID, p.Area = n.ID, n.Name
	}
	status := http.StatusOK
	if fe.Any() {
		p.setErrors(fe, "postcode")
		status = http.StatusUnprocessableEntity
	}
	list, err := h.store.PublicConsultations(r.Context(), nID)
	if err != nil {
		return err
	}
	now := h.now()
	for _, c := range list {
		switch c.Phase(now) {
		case portal.PhaseOpen:
			p.Open = append(p.Open, c)
		case portal.PhaseUpcoming:
			p.Upcoming = append(p.Upcoming, c)
		default:
			p.Closed = append(p.Closed, c)
		}
	}
	return h.render(w, r, status, "consultations_list", p)
}

// neighbourhoodForPostcode finds a postcode's neighbourhood, adding a
// field error when it cannot.
func (h *Handler) neighbourhoodForPostcode(r *http.Request, postcode string, fe portal.FieldErrors) (portal.Neighbourhood, error) {
	pc, ok := portal.NormalisePostcode(postcode)
	if !ok {
		fe.Add("postcode", "Enter a real postcode, like DM1 1AB")
		return portal.Neighbourhood{}, nil
	}
	if err := h.allow(r, h.cfg.Limits.PostcodeLookups, clientAddr(r)); err != nil {
		return portal.Neighbourhood{}, err
	}
	n, err := h.store.NeighbourhoodForPostcode(r.Context(), pc)
	switch {
	case errors.Is(err, portal.ErrUnknownPostcode):
		fe.Add("postcode", "We could not find that postcode. Check it and try again")
	case errors.Is(err, portal.ErrOutsideArea):
		fe.Add("postcode", "That postcode is outside our area. Choose a neighbourhood from the list instead")
	case err != nil:
		return portal.Neighbourhood{}, err
	}
	return n, nil
}

// publicConsultation is the route's consultation if it is published or
// closed; drafts answer 404.
func (h *Handler) publicConsultation(r *http.Request) (portal.Consultation, error) {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return portal.Consultation{}, errNotFound
	}
	return h.store.PublicConsultation(r.Context(), id)
}

// consultationPage is one consultation's public page.
type consultationPage struct {
	Page
	C          portal.Consultation
	Phase      portal.Phase
	Results    []portal.QuestionResult
	Responded  bool
	Edit       bool
	Comments   []portal.Comment
	Comment    portal.CommentInput // as typed, when it is sent back with errors
	CommentKey string
}

func (h *Handler) showConsultation(w http.ResponseWriter, r *http.Request) error {
	c, err := h.publicConsultation(r)
	if err != nil {
		return err
	}
	p, err := h.newConsultationPage(r, c)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "consultations_show", p)
}

// newConsultationPage gathers a consultation's public page: its published
// results, its published comments and whether the signed-in resident has
// already responded.
func (h *Handler) newConsultationPage(r *http.Request, c portal.Consultation) (*consultationPage, error) {
	p := &consultationPage{Page: Page{Title: c.Title}, C: c, Phase: c.Phase(h.now()), CommentKey: newIdempotencyKey()}
	var err error
	if !c.ResultsPublished.IsZero() {
		if p.Results, err = h.store.Results(r.Context(), c.ID, db.ResultsView{}); err != nil {
			return nil, err
		}
	}
	if c.CommentsEnabled {
		if p.Comments, err = h.store.PublishedComments(r.Context(), c.ID); err != nil {
			return nil, err
		}
	}
	if u := currentUser(r); u != nil && !u.IsStaff() {
		_, _, err := h.store.AccountResponse(r.Context(), c.ID, u.ID)
		if err != nil && !errors.Is(err, portal.ErrNotFound) {
			return nil, err
		}
		p.Edit = err == nil
	}
	return p, nil
}

// refuseClosed renders the clear "you cannot answer now" page for a
// consultation that is not open (409 Conflict).
func (h *Handler) refuseClosed(w http.ResponseWriter, r *http.Request, c portal.Consultation) error {
	return h.render(w, r, http.StatusConflict, "consultations_closed",
		&consultationPage{Page: Page{Title: "This consultation is not open"}, C: c, Phase: c.Phase(h.now())})
}
