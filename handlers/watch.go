package handlers

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Neighbourhood Watch schemes: verified volunteers apply to register one,
// force administrators decide, residents join, coordinators write to
// members (one email each, no addresses shown) and see anonymised trends.

// schemeID reads the {id} of a scheme route.
func schemeID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return 0, errNotFound
	}
	return id, nil
}

// watchPage is a scheme's page.
type watchPage struct {
	Page
	Scheme      portal.Scheme
	Member      bool
	Coordinator bool
	Messages    []db.WatchMessage
}

// showScheme shows an approved scheme to anyone; a pending or declined one
// only to its coordinator and force administrators (others get 404).
func (h *Handler) showScheme(w http.ResponseWriter, r *http.Request) error {
	id, err := schemeID(r)
	if err != nil {
		return err
	}
	s, err := h.store.Scheme(r.Context(), id)
	if err != nil {
		return err
	}
	u := currentUser(r)
	own := u != nil && (u.ID == s.CoordinatorID || u.Has(portal.RoleForceAdmin))
	if s.Status != portal.SchemeApproved && !own {
		return errNotFound
	}
	p := &watchPage{Page: Page{Title: s.Name}, Scheme: s, Coordinator: s.CanCoordinate(u)}
	if u != nil && !u.IsStaff() {
		if p.Member, err = h.store.IsMember(r.Context(), id, u.ID); err != nil {
			return err
		}
	}
	if p.Coordinator {
		if p.Messages, err = h.store.WatchMessages(r.Context(), id, 10); err != nil {
			return err
		}
	}
	return h.render(w, r, http.StatusOK, "watch_show", p)
}

func (h *Handler) joinScheme(w http.ResponseWriter, r *http.Request) error {
	id, err := schemeID(r)
	if err != nil {
		return err
	}
	if err := h.store.JoinScheme(r.Context(), id, currentUser(r).ID); err != nil {
		return err
	}
	if err := h.flash(w, r, "You have joined the scheme. You will get its coordinator’s messages by email"); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "watch.show", "id", routeVar(r, "id"))
}

func (h *Handler) leaveScheme(w http.ResponseWriter, r *http.Request) error {
	id, err := schemeID(r)
	if err != nil {
		return err
	}
	if err := h.store.LeaveScheme(r.Context(), id, currentUser(r).ID); err != nil {
		return err
	}
	if err := h.flash(w, r, "You have left the scheme"); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "watch.show", "id", routeVar(r, "id"))
}

// mySchemesPage lists the schemes a resident runs or belongs to.
type mySchemesPage struct {
	Page
	Schemes   []portal.Scheme
	Volunteer bool
}

func (h *Handler) listMySchemes(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	list, err := h.store.SchemesOf(r.Context(), u.ID)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "watch_mine", &mySchemesPage{Page: Page{Title: "Your Neighbourhood Watch schemes"},
		Schemes: list, Volunteer: u.IsVolunteer()})
}

// schemeFormPage is the application to register a scheme.
type schemeFormPage struct {
	Page
	Form portal.SchemeInput
	Max  int
}

func (h *Handler) renderSchemeForm(w http.ResponseWriter, r *http.Request, status int, in portal.SchemeInput, fe portal.FieldErrors) error {
	p := &schemeFormPage{Page: Page{Title: "Register a Neighbourhood Watch scheme"}, Form: in, Max: portal.MaxMeetingDetails}
	p.setErrors(fe, "name", "area-by", "postcodes", "polygon", "meeting")
	return h.render(w, r, status, "watch_apply", p)
}

func (h *Handler) showSchemeForm(w http.ResponseWriter, r *http.Request) error {
	if !currentUser(r).IsVolunteer() {
		return errForbidden
	}
	return h.renderSchemeForm(w, r, http.StatusOK, portal.SchemeInput{IdempotencyKey: newIdempotencyKey(), AreaBy: "postcodes"}, nil)
}

func (h *Handler) createScheme(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	if !u.IsVolunteer() {
		return errForbidden
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.SchemeInput{IdempotencyKey: formValue(r, "idempotency_key"), Name: formValue(r, "name"),
		AreaBy: formValue(r, "area-by"), Postcodes: formValue(r, "postcodes"), Polygon: formValue(r, "polygon"),
		MeetingDetails: formValue(r, "meeting")}
	postcodes, fe := in.Validate()
	if fe.Any() {
		if !portal.ValidIdempotencyKey(in.IdempotencyKey) {
			in.IdempotencyKey = newIdempotencyKey()
		}
		return h.renderSchemeForm(w, r, http.StatusUnprocessableEntity, in, fe)
	}
	polygon := ""
	if in.AreaBy == "polygon" {
		polygon, _ = portal.ParsePolygon(in.Polygon)
		postcodes = nil
	}
	err := h.store.InTx(r.Context(), func(tx *db.Tx) error {
		_, err := tx.CreateScheme(r.Context(), in, postcodes, polygon, u.ID)
		return err
	})
	switch {
	case errors.Is(err, portal.ErrUnknownPostcode):
		return h.renderSchemeForm(w, r, http.StatusUnprocessableEntity, in,
			portal.FieldErrors{"postcodes": "We could not find one or more of these postcodes. Check them and try again"})
	case errors.Is(err, portal.ErrOutsideArea):
		field := "postcodes"
		if in.AreaBy == "polygon" {
			field = "polygon"
		}
		return h.renderSchemeForm(w, r, http.StatusUnprocessableEntity, in,
			portal.FieldErrors{field: "The area is outside our neighbourhoods. Check it and try again"})
	case err != nil:
		return err
	}
	if err := h.flash(w, r, "Application sent. We will email you when it has been checked"); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "watch.mine")
}

// coordinated loads a scheme the current user coordinates; anyone else
// gets 404, exactly as for a missing scheme.
func (h *Handler) coordinated(r *http.Request) (portal.Scheme, error) {
	id, err := schemeID(r)
	if err != nil {
		return portal.Scheme{}, err
	}
	s, err := h.store.Scheme(r.Context(), id)
	if err != nil {
		return s, err
	}
	if !s.CanCoordinate(currentUser(r)) {
		return s, errNotFound
	}
	return s, nil
}

// watchMessagePage is a coordinator writing to members.
type watchMessagePage struct {
	Page
	Scheme portal.Scheme
	Form   portal.WatchMessageInput
	Max    int
}

func (h *Handler) renderWatchMessage(w http.ResponseWriter, r *http.Request, status int, s portal.Scheme, in portal.WatchMessageInput, fe portal.FieldErrors) error {
	p := &watchMessagePage{Page: Page{Title: "Write to your members"}, Scheme: s, Form: in, Max: portal.MaxWatchBody}
	p.setErrors(fe, "subject", "body")
	return h.render(w, r, status, "watch_message", p)
}

func (h *Handler) showWatchMessage(w http.ResponseWriter, r *http.Request) error {
	s, err := h.coordinated(r)
	if err != nil {
		return err
	}
	return h.renderWatchMessage(w, r, http.StatusOK, s, portal.WatchMessageInput{IdempotencyKey: newIdempotencyKey()}, nil)
}

// watchEmail is a coordinator's message as each member receives it.
type watchEmail struct {
	Scheme, Subject, Body, SchemeURL string
	Paragraphs                       []string
}

// sendWatchMessage records the message and queues one email per member in
// one transaction: each email has a single recipient, so no member sees
// another's address, and the coordinator never sees any.
func (h *Handler) sendWatchMessage(w http.ResponseWriter, r *http.Request) error {
	s, err := h.coordinated(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.WatchMessageInput{IdempotencyKey: formValue(r, "idempotency_key"), Subject: formValue(r, "subject"),
		Body: formValue(r, "body")}
	if fe := in.Validate(); fe.Any() {
		if !portal.ValidIdempotencyKey(in.IdempotencyKey) {
			in.IdempotencyKey = newIdempotencyKey()
		}
		return h.renderWatchMessage(w, r, http.StatusUnprocessableEntity, s, in, fe)
	}
	data := watchEmail{Scheme: s.Name, Subject: in.Subject, Body: in.Body,
		SchemeURL: h.absURL("watch.show", "id", strconv.FormatInt(s.ID, 10)), Paragraphs: strings.Split(in.Body, "\n\n")}
	var sent int
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		msg, err := tx.RecordWatchMessage(r.Context(), s.ID, currentUser(r).ID, in)
		if err != nil {
			return err
		}
		for _, to := range msg.Recipients {
			m, err := h.mail.Render("watch_message", to, data)
			if err != nil {
				return err
			}
			if err := tx.Enqueue(r.Context(), m); err != nil {
				return err
			}
		}
		sent = len(msg.Recipients)
		return nil
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, "Message sent to "+members(sent)); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "watch.show", "id", strconv.FormatInt(s.ID, 10))
}

func members(n int) string {
	if n == 1 {
		return "1 member"
	}
	return strconv.Itoa(n) + " members"
}

// watchTrendsPage is a scheme's anonymised trends.
type watchTrendsPage struct {
	Page
	Scheme portal.Scheme
	Trends portal.Trends
}

func (h *Handler) showSchemeTrends(w http.ResponseWriter, r *http.Request) error {
	s, err := h.coordinated(r)
	if err != nil {
		return err
	}
	t, err := h.store.SchemeTrends(r.Context(), s.ID, h.now())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "watch_trends", &watchTrendsPage{Page: Page{Title: "Anti-social behaviour in your scheme’s area"},
		Scheme: s, Trends: t})
}

// exportSchemeTrends is the coordinator's CSV download: counts only, with
// the same small-number rule as the page.
func (h *Handler) exportSchemeTrends(w http.ResponseWriter, r *http.Request) error {
	s, err := h.coordinated(r)
	if err != nil {
		return err
	}
	t, err := h.store.SchemeTrends(r.Context(), s.ID, h.now())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="scheme-asb-trends.csv"`)
	cw := csv.NewWriter(w)
	head := []string{"month"}
	for _, ty := range portal.ASBTypes {
		head = append(head, ty.ShortLabel())
	}
	cw.Write(head)
	for _, m := range t.Months {
		row := []string{m.Month.Format("2006-01")}
		for _, ty := range portal.ASBTypes {
			row = append(row, m.Of(ty).String())
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// adminSchemesPage lists schemes for force administrators.
type adminSchemesPage struct {
	Page
	Pending  []portal.Scheme
	Approved []portal.Scheme
}

func (h *Handler) listAdminSchemes(w http.ResponseWriter, r *http.Request) error {
	p := &adminSchemesPage{Page: Page{Title: "Neighbourhood Watch schemes", Staff: true}}
	var err error
	if p.Pending, err = h.store.SchemesByStatus(r.Context(), portal.SchemePending, 100); err != nil {
		return err
	}
	if p.Approved, err = h.store.SchemesByStatus(r.Context(), portal.SchemeApproved, 100); err != nil {
		return err
	}
	if err := h.audit(r, "watch.list", "", "", map[string]string{"pending": strconv.Itoa(len(p.Pending))}); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "watch_admin", p)
}

func (h *Handler) approveScheme(w http.ResponseWriter, r *http.Request) error {
	return h.decideScheme(w, r, portal.SchemeApproved)
}

func (h *Handler) declineScheme(w http.ResponseWriter, r *http.Request) error {
	return h.decideScheme(w, r, portal.SchemeDeclined)
}

// decideScheme records the decision, its audit row and the email to the
// coordinator in one transaction.
func (h *Handler) decideScheme(w http.ResponseWriter, r *http.Request, to portal.SchemeStatus) error {
	id, err := schemeID(r)
	if err != nil {
		return err
	}
	msg := "Scheme approved. The coordinator has been told by email"
	if to == portal.SchemeDeclined {
		msg = "Scheme declined. The coordinator has been told by email"
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		s, err := tx.DecideScheme(r.Context(), id, to, currentUser(r).ID)
		if err != nil {
			return err
		}
		m, err := h.mail.Render("watch_decided", s.CoordinatorEmail, struct {
			Scheme, URL string
			Approved    bool
		}{s.Name, h.absURL("watch.mine"), to == portal.SchemeApproved})
		if err != nil {
			return err
		}
		if err := tx.Enqueue(r.Context(), m); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "watch."+string(to), "watch_scheme", strconv.FormatInt(id, 10), nil))
	})
	if errors.Is(err, portal.ErrConflict) {
		msg, err = "That scheme had already been decided", nil
	}
	if err != nil {
		return err
	}
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "admin.watch")
}
