package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Staff publish team messages to neighbourhoods in their scope, and keep
// each neighbourhood's priorities. Every change is audited.

// teamMessagesPage lists the messages sent to the staff member's areas.
type teamMessagesPage struct {
	Page
	Messages []portal.TeamMessage
}

func (h *Handler) listStaffMessages(w http.ResponseWriter, r *http.Request) error {
	msgs, err := h.store.TeamMessagesInScope(r.Context(), currentUser(r).Scope, 50)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "team_messages", &teamMessagesPage{
		Page: Page{Title: "Team messages", Staff: true}, Messages: msgs})
}

// teamMessageFormPage is the form for a new message.
type teamMessageFormPage struct {
	Page
	Form   portal.TeamMessageInput
	LPAs   []portal.LPA
	Kinds  []portal.MessageKind
	Levels []portal.Level
	Max    int
}

func (h *Handler) renderMessageForm(w http.ResponseWriter, r *http.Request, status int, in portal.TeamMessageInput, fe portal.FieldErrors) error {
	lpas, err := h.store.LPAsInScope(r.Context(), currentUser(r).Scope)
	if err != nil {
		return err
	}
	p := &teamMessageFormPage{Page: Page{Title: "Send a team message", Staff: true}, Form: in, LPAs: lpas,
		Kinds: portal.MessageKinds, Levels: portal.Levels, Max: portal.MaxMessageBody}
	p.setErrors(fe, "kind", "priority", "title", "body", "event-day", "event-time", "place", "areas")
	return h.render(w, r, status, "team_messages_new", p)
}

func (h *Handler) showNewStaffMessage(w http.ResponseWriter, r *http.Request) error {
	in := portal.TeamMessageInput{IdempotencyKey: newIdempotencyKey()}
	if code := r.URL.Query().Get("neighbourhood"); portal.ValidAreaCode(code) {
		in.Neighbourhoods = []string{code}
	}
	return h.renderMessageForm(w, r, http.StatusOK, in, nil)
}

// createStaffMessage publishes a message, queues its alerts and audits it,
// in one transaction. Areas outside the author's scope are left out in SQL.
func (h *Handler) createStaffMessage(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u := currentUser(r)
	in := portal.TeamMessageInput{IdempotencyKey: formValue(r, "idempotency_key"),
		Kind: portal.MessageKind(formValue(r, "kind")), Priority: portal.Level(formValue(r, "priority")),
		Title: formValue(r, "title"), Body: formValue(r, "body"), Day: formValue(r, "event-day"),
		Month: formValue(r, "event-month"), Year: formValue(r, "event-year"), Time: formValue(r, "event-time"),
		Place: formValue(r, "place"), Neighbourhoods: formValues(r, "neighbourhoods"), LPAs: formValues(r, "lpas")}
	eventAt, fe := in.Validate(h.now())
	if fe.Any() {
		if !portal.ValidIdempotencyKey(in.IdempotencyKey) {
			in.IdempotencyKey = newIdempotencyKey()
		}
		return h.renderMessageForm(w, r, http.StatusUnprocessableEntity, in, fe)
	}
	err := h.store.InTx(r.Context(), func(tx *db.Tx) error {
		pub, err := tx.PublishTeamMessage(r.Context(), in, eventAt, u.Scope, u.ID)
		if err != nil || pub.Replayed {
			return err
		}
		id := strconv.FormatInt(pub.ID, 10)
		queued, err := tx.PublishAlert(r.Context(), portal.AlertItem{Kind: portal.AlertTeamMessage, RefID: pub.ID,
			Title: in.Title, Path: h.routeURL("messages.show", "id", id), Priority: in.Priority}, pub.Areas)
		if err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "message.publish", "team_message", id, map[string]string{
			"neighbourhoods": strconv.Itoa(len(pub.Areas)), "priority": string(in.Priority), "kind": string(in.Kind),
			"alerts": strconv.Itoa(queued)}))
	})
	if errors.Is(err, portal.ErrNotFound) {
		return h.renderMessageForm(w, r, http.StatusUnprocessableEntity, in,
			portal.FieldErrors{"areas": "Select at least one neighbourhood or local policing area you work in"})
	}
	if err != nil {
		return err
	}
	if err := h.flash(w, r, "Message published"); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "staff.messages")
}

// prioritiesPage is a neighbourhood's priorities as staff keep them.
type prioritiesPage struct {
	Page
	Neighbourhood portal.Neighbourhood
	Priorities    []portal.Priority
	Form          portal.PriorityInput
	Max           int
}

func (h *Handler) renderPriorities(w http.ResponseWriter, r *http.Request, status int, in portal.PriorityInput, fe portal.FieldErrors) error {
	n, err := h.store.NeighbourhoodInScope(r.Context(), routeVar(r, "code"), currentUser(r).Scope)
	if err != nil {
		return err
	}
	list, err := h.store.Priorities(r.Context(), n.ID)
	if err != nil {
		return err
	}
	p := &prioritiesPage{Page: Page{Title: n.Name + ": priorities", Staff: true}, Neighbourhood: n, Priorities: list,
		Form: in, Max: portal.MaxPriorityText}
	p.setErrors(fe, "title", "description")
	return h.render(w, r, status, "neighbourhood_priorities", p)
}

func (h *Handler) showPriorities(w http.ResponseWriter, r *http.Request) error {
	return h.renderPriorities(w, r, http.StatusOK, portal.PriorityInput{}, nil)
}

func (h *Handler) addPriority(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	u := currentUser(r)
	in := portal.PriorityInput{Title: formValue(r, "title"), Description: formValue(r, "description")}
	if fe := in.Validate(); fe.Any() {
		return h.renderPriorities(w, r, http.StatusUnprocessableEntity, in, fe)
	}
	n, err := h.store.NeighbourhoodInScope(r.Context(), routeVar(r, "code"), u.Scope)
	if err != nil {
		return err
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		id, err := tx.AddPriority(r.Context(), n.ID, u.Scope, in, u.ID)
		if err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "priority.add", "neighbourhood", strconv.FormatInt(n.ID, 10),
			map[string]string{"priority": strconv.FormatInt(id, 10)}))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, "Priority added"); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "staff.priorities", "code", n.Code)
}

func (h *Handler) retirePriority(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	n, err := h.store.NeighbourhoodInScope(r.Context(), routeVar(r, "code"), u.Scope)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		if err := tx.RetirePriority(r.Context(), id, n.ID, u.Scope); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "priority.retire", "neighbourhood", strconv.FormatInt(n.ID, 10),
			map[string]string{"priority": strconv.FormatInt(id, 10)}))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, "Priority removed"); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "staff.priorities", "code", n.Code)
}
