package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// The general moderation queue: public text written by residents waits
// here, oldest first, until a member of staff approves it, rejects it with
// a reason, or edits it and records what they took out. Items belong to a
// neighbourhood (staff see those in their areas) or to none (sergeants and
// force administrators see those). Every view and decision is audited.

// ModerationHook is told of a decision on an item of its kind inside the
// transaction that records the decision, so the feature can publish, hide
// or replace its text in the same commit. Returning an error undoes the
// decision.
type ModerationHook func(ctx context.Context, tx *db.Tx, item portal.ModerationItem) error

// moderationKinds is the registry of kinds, filled at start-up by the
// features that send text for moderation (like database/sql's drivers).
var moderationKinds = struct {
	sync.RWMutex
	m map[string]registeredKind
}{m: map[string]registeredKind{}}

type registeredKind struct {
	portal.ModerationKind
	decided ModerationHook
}

// RegisterModerationKind plugs a kind of public text into the moderation
// queue: its label on the queue, and the hook told of each decision (nil:
// the feature reads decisions from the database itself). A feature calls
// it from an init function; the queue page needs no change.
func RegisterModerationKind(kind portal.ModerationKind, decided ModerationHook) {
	moderationKinds.Lock()
	defer moderationKinds.Unlock()
	moderationKinds.m[kind.Name] = registeredKind{kind, decided}
}

// moderationKind finds a kind; an unknown one (its feature removed) is
// still shown and can be decided, with a plain label and no hook.
func moderationKind(name string) registeredKind {
	moderationKinds.RLock()
	defer moderationKinds.RUnlock()
	if k, ok := moderationKinds.m[name]; ok {
		return k
	}
	return registeredKind{ModerationKind: portal.ModerationKind{Name: name, Label: "Public text (" + name + ")"}}
}

func labelled(items []portal.ModerationItem) []moderationRow {
	out := make([]moderationRow, len(items))
	for i, it := range items {
		it.KindLabel = moderationKind(it.Kind).Label
		out[i] = moderationRow{ModerationItem: it, Excerpt: excerpt(it.Body, 120)}
	}
	return out
}

// moderationRow is an item as the queue lists it.
type moderationRow struct {
	portal.ModerationItem
	Excerpt string
}

// excerpt is the start of s, cut at a word, for lists.
func excerpt(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)[:max]
	for i := len(runes) - 1; i > max/2; i-- {
		if runes[i] == ' ' || runes[i] == '\n' {
			runes = runes[:i]
			break
		}
	}
	return string(runes) + "…"
}

// moderationQueuePage is the queue.
type moderationQueuePage struct {
	Page
	Pending []moderationRow
	Decided []moderationRow
}

// moderationItemPage is one item with the decision form.
type moderationItemPage struct {
	Page
	Item    portal.ModerationItem
	Form    portal.ModerationDecision
	Max     int
	MaxNote int
	Notice  string // why the decision sent was not saved
}

// recentlyDecided is how many decided items the queue lists below the
// waiting ones.
const recentlyDecided = 20

func moderationScope(u *portal.User) db.ModerationScope {
	return db.ModerationScope{Scope: u.Scope, Unplaced: portal.ModeratesUnplaced(u.Role)}
}

// listModeration shows what waits, oldest first, and what was decided last.
func (h *Handler) listModeration(w http.ResponseWriter, r *http.Request) error {
	pending, done, err := h.store.ModerationQueue(r.Context(), moderationScope(currentUser(r)), recentlyDecided)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_moderation", &moderationQueuePage{
		Page: Page{Title: "Moderation queue", Staff: true}, Pending: labelled(pending), Decided: labelled(done)})
}

// moderationItem loads the item in the URL if the user's scope covers it;
// otherwise 404, as if it did not exist.
func (h *Handler) moderationItem(r *http.Request) (portal.ModerationItem, error) {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return portal.ModerationItem{}, errNotFound
	}
	item, err := h.store.ModerationItem(r.Context(), id, moderationScope(currentUser(r)))
	item.KindLabel = moderationKind(item.Kind).Label
	return item, err
}

func newModerationItemPage(item portal.ModerationItem, form portal.ModerationDecision) *moderationItemPage {
	if form.EditedBody == "" {
		form.EditedBody = item.Body
	}
	return &moderationItemPage{Page: Page{Title: item.KindLabel + " to moderate", Staff: true}, Item: item,
		Form: form, Max: portal.MaxModerationBody, MaxNote: portal.MaxModerationReason}
}

// showModerationItem shows an item and, while it waits, the decision form.
func (h *Handler) showModerationItem(w http.ResponseWriter, r *http.Request) error {
	item, err := h.moderationItem(r)
	if err != nil {
		return err
	}
	if err := h.audit(r, "moderation.view", "moderation_item", strconv.FormatInt(item.ID, 10),
		map[string]string{"kind": item.Kind}); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "staff_moderation_item", newModerationItemPage(item, portal.ModerationDecision{}))
}

// decideModeration records a decision, tells the item's feature and audits
// it, in one transaction. A decision already made the same way by the same
// person (a double click) answers as the first did; one made by someone
// else first is reported, and nothing changes.
func (h *Handler) decideModeration(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	item, err := h.moderationItem(r)
	if err != nil {
		return err
	}
	d := portal.ModerationDecision{Action: portal.ModerationAction(formValue(r, "action")),
		Reason: formValue(r, "reason"), EditedBody: formValue(r, "edited-body"), RedactionNote: formValue(r, "redaction-note")}
	if item.Pending() {
		if fe := d.Validate(item); fe.Any() {
			page := newModerationItemPage(item, d)
			page.setErrors(fe, "action", "reason", "edited-body", "redaction-note")
			return h.render(w, r, http.StatusUnprocessableEntity, "staff_moderation_item", page)
		}
	}
	u := currentUser(r)
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		decided, err := tx.DecideModeration(r.Context(), item.ID, moderationScope(u), d, u.ID)
		if err != nil {
			return err
		}
		if hook := moderationKind(item.Kind).decided; hook != nil {
			if err := hook(r.Context(), tx, decided); err != nil {
				return err
			}
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "moderation."+string(d.Action), "moderation_item",
			strconv.FormatInt(item.ID, 10), map[string]string{"kind": item.Kind}))
	})
	switch {
	case errors.Is(err, portal.ErrConflict):
		return h.alreadyDecided(w, r, item.ID, d)
	case err != nil:
		return err
	}
	return h.moderationDone(w, r, d.Action)
}

// alreadyDecided answers a decision on an item decided in the meantime:
// the same decision by the same person (a double click) as the first was
// answered; anything else with the item as it now is, and a notice.
func (h *Handler) alreadyDecided(w http.ResponseWriter, r *http.Request, id int64, d portal.ModerationDecision) error {
	item, err := h.store.ModerationItem(r.Context(), id, moderationScope(currentUser(r)))
	if err != nil {
		return err
	}
	if item.DecidedByID == currentUser(r).ID && item.Status == d.Action.Status() {
		return h.moderationDone(w, r, d.Action)
	}
	item.KindLabel = moderationKind(item.Kind).Label
	page := newModerationItemPage(item, portal.ModerationDecision{})
	page.Notice = "Someone else decided this while you were looking at it. Your decision has not been saved."
	return h.render(w, r, http.StatusConflict, "staff_moderation_item", page)
}

func (h *Handler) moderationDone(w http.ResponseWriter, r *http.Request, a portal.ModerationAction) error {
	msg := map[portal.ModerationAction]string{portal.ModerationApprove: "Approved and published",
		portal.ModerationEdit: "Edited and published", portal.ModerationReject: "Rejected"}[a]
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	return h.redirectTo(w, r, "staff.moderation")
}

// redirectTo answers 303 See Other to a named route.
func (h *Handler) redirectTo(w http.ResponseWriter, r *http.Request, route string, pairs ...string) error {
	u, err := h.router.Get(route).URL(pairs...)
	if err != nil {
		return err
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
	return nil
}
