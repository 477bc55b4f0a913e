package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Email alerts: subscribing (double opt-in by emailed link), confirming and
// unsubscribing. Links carry the subscription's token; nobody signs in.

// alertsFormPage is the subscribe form.
type alertsFormPage struct {
	Page
	Form        portal.AlertInput
	LPAs        []portal.LPA
	Kinds       []portal.Option
	Radii       []portal.Option
	Frequencies []portal.Option
	Levels      []portal.Level
}

func (h *Handler) newAlertsForm(r *http.Request, in portal.AlertInput) (*alertsFormPage, error) {
	lpas, err := h.store.LPAs(r.Context())
	if err != nil {
		return nil, err
	}
	return &alertsFormPage{Page: Page{Title: "Get email alerts about your neighbourhood"}, Form: in, LPAs: lpas,
		Kinds: portal.AlertKinds, Radii: portal.Radii, Frequencies: portal.Frequencies, Levels: portal.Levels}, nil
}

// showAlertsForm shows the form; ?neighbourhood=CODE chooses the area.
func (h *Handler) showAlertsForm(w http.ResponseWriter, r *http.Request) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || !portal.CleanText(q.Get("neighbourhood")) {
		return errBadRequest
	}
	in := portal.AlertInput{Kinds: []string{string(portal.AlertTeamMessage)}, MinPriority: portal.LevelInformation,
		Frequency: "immediate"}
	if code := q.Get("neighbourhood"); portal.ValidAreaCode(code) {
		in.Area, in.Neighbourhood = "neighbourhood", code
	}
	p, err := h.newAlertsForm(r, in)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "alerts_form", p)
}

// createSubscription stores an unconfirmed subscription and emails the
// confirmation link. The answer is the same whether or not the address
// already has alerts, so the form reveals nothing about anyone.
func (h *Handler) createSubscription(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.AlertInput{Email: portal.CanonicalEmail(formValue(r, "email")), Area: formValue(r, "area"),
		Neighbourhood: formValue(r, "neighbourhood"), Postcode: formValue(r, "postcode"), Radius: formValue(r, "radius"),
		Kinds: formValues(r, "kinds"), MinPriority: portal.Level(formValue(r, "priority")), Frequency: formValue(r, "frequency")}
	postcode, radius, fe := in.Validate()
	invalid := func(fe portal.FieldErrors) error {
		p, err := h.newAlertsForm(r, in)
		if err != nil {
			return err
		}
		p.setErrors(fe, "email", "area", "neighbourhood", "postcode", "radius", "kinds", "priority", "frequency")
		return h.render(w, r, http.StatusUnprocessableEntity, "alerts_form", p)
	}
	if fe.Any() {
		return invalid(fe)
	}
	if err := h.allow(r, h.cfg.Limits.Forms, clientAddr(r)); err != nil {
		return err
	}
	if err := h.allow(r, h.cfg.Limits.SignInLinkEmail, "alerts:"+in.Email); err != nil {
		return err
	}
	ns := db.NewSubscription{Token: portal.NewToken(), Email: in.Email, Kinds: in}
	if in.Area == "radius" {
		ns.Postcode, ns.RadiusM = postcode, radius
	} else {
		ns.NeighbourhoodCode = in.Neighbourhood
	}
	err := h.store.InTx(r.Context(), func(tx *db.Tx) error {
		sub, err := tx.CreateSubscription(r.Context(), ns)
		if err != nil {
			return err
		}
		m, err := h.mail.Render("alert_confirm", sub.Email, struct{ Area, ConfirmURL string }{
			sub.AreaLabel(), h.absURL("alerts.confirm", "token", sub.Token)})
		if err != nil {
			return err
		}
		return tx.Enqueue(r.Context(), m)
	})
	switch {
	case errors.Is(err, portal.ErrUnknownPostcode):
		return invalid(portal.FieldErrors{"postcode": "We could not find that postcode. Check it and try again"})
	case errors.Is(err, portal.ErrOutsideArea):
		return invalid(portal.FieldErrors{"postcode": "That postcode is not near any of our neighbourhoods. Check it, or find your police force on police.uk"})
	case errors.Is(err, portal.ErrNotFound):
		return invalid(portal.FieldErrors{"neighbourhood": "Select a neighbourhood"})
	case err != nil:
		return err
	}
	return h.acctRedirect(w, r, "alerts.sent")
}

func (h *Handler) showAlertsSent(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "alerts_sent", &basicPage{Page{Title: "Check your email"}})
}

// alertLinkPage is the confirm and unsubscribe pages.
type alertLinkPage struct {
	Page
	Subscription portal.Subscription
	Token        string
	Done         bool
	Expired      bool
}

// showConfirmAlerts asks the subscriber to press a button: a GET never
// changes anything (mail scanners follow links).
func (h *Handler) showConfirmAlerts(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.store.Subscription(r.Context(), routeVar(r, "token"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "alerts_confirm", &alertLinkPage{Page: Page{Title: "Confirm your alerts"},
		Subscription: sub, Token: routeVar(r, "token"), Done: sub.Confirmed, Expired: sub.Unsubscribed})
}

func (h *Handler) confirmAlerts(w http.ResponseWriter, r *http.Request) error {
	token := routeVar(r, "token")
	sub, err := h.store.ConfirmSubscription(r.Context(), token)
	if errors.Is(err, portal.ErrNotFound) {
		if sub, err = h.store.Subscription(r.Context(), token); err != nil {
			return err
		}
		return h.render(w, r, http.StatusOK, "alerts_confirm", &alertLinkPage{Page: Page{Title: "This link has expired"},
			Subscription: sub, Token: token, Expired: true})
	}
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "alerts_confirm", &alertLinkPage{Page: Page{Title: "Your alerts are confirmed"},
		Subscription: sub, Token: token, Done: true})
}

func (h *Handler) showUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.store.Subscription(r.Context(), routeVar(r, "token"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "alerts_unsubscribe", &alertLinkPage{Page: Page{Title: "Stop your alerts"},
		Subscription: sub, Token: routeVar(r, "token"), Done: sub.Unsubscribed})
}

// unsubscribe ends a subscription. It is the target of the one-click
// List-Unsubscribe-Post header (RFC 8058) as well as of the page's button,
// so it needs no session and no CSRF token (see csrf.go): the token in the
// URL is the only authority, and ending alerts is all it can do. It answers
// 200 directly rather than redirecting, as RFC 8058 clients do not follow
// redirects.
func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	token := routeVar(r, "token")
	if err := h.store.Unsubscribe(r.Context(), token); err != nil {
		return err
	}
	sub, err := h.store.Subscription(r.Context(), token)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "alerts_unsubscribe", &alertLinkPage{Page: Page{Title: "You have stopped your alerts"},
		Subscription: sub, Token: token, Done: true})
}

// alertEmail is the data of one immediate alert.
type alertEmail struct {
	Title, KindLabel, Area, URL, UnsubscribeURL string
	Priority                                    portal.Level
}

// digestEmail is the data of a weekly summary.
type digestEmail struct {
	Area, UnsubscribeURL string
	Items                []alertEmail
}

// kindLabel says what an alert is about.
func kindLabel(k portal.AlertKind) string {
	switch k {
	case portal.AlertConsultation:
		return "New consultation"
	case portal.AlertCourseSession:
		return "New course session"
	}
	return "Message from your neighbourhood team"
}

// alertHeaders are the one-click unsubscribe headers of RFC 2369 and
// RFC 8058 for a subscription.
func (h *Handler) alertHeaders(sub portal.Subscription) map[string]string {
	return map[string]string{
		"List-Unsubscribe":      "<" + h.absURL("alerts.unsubscribe", "token", sub.Token) + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
}

func (h *Handler) alertData(a db.PendingAlert) alertEmail {
	return alertEmail{Title: a.Item.Title, KindLabel: kindLabel(a.Item.Kind), Area: a.Subscription.AreaLabel(),
		URL: h.cfg.BaseURL.String() + a.Item.Path, Priority: a.Item.Priority,
		UnsubscribeURL: h.absURL("alerts.unsubscribe", "token", a.Subscription.Token)}
}

// alertBatch is how many immediate alerts one transaction sends.
const alertBatch = 100

// DeliverAlerts turns queued alerts into outbox emails: immediate ones at
// once, weekly ones as one summary per subscriber when their week is up.
// Each batch is claimed with SKIP LOCKED and marked sent in the transaction
// that writes its emails, so several replicas may run it at once and every
// alert is emailed once. It returns how many emails it queued.
func (h *Handler) DeliverAlerts(ctx context.Context) (int, error) {
	sent := 0
	for {
		n, err := h.deliverImmediate(ctx)
		sent += n
		if err != nil || n < alertBatch {
			if err != nil {
				return sent, err
			}
			break
		}
	}
	for {
		done, err := h.deliverDigest(ctx)
		if err != nil || !done {
			return sent, err
		}
		sent++
	}
}

func (h *Handler) deliverImmediate(ctx context.Context) (int, error) {
	n := 0
	err := h.store.InTx(ctx, func(tx *db.Tx) error {
		alerts, err := tx.ClaimImmediateAlerts(ctx, alertBatch)
		if err != nil || len(alerts) == 0 {
			return err
		}
		for _, a := range alerts {
			m, err := h.mail.Render("alert_message", a.Subscription.Email, h.alertData(a))
			if err != nil {
				return err
			}
			m.Headers = h.alertHeaders(a.Subscription)
			if err := tx.Enqueue(ctx, m); err != nil {
				return err
			}
		}
		n = len(alerts)
		return tx.MarkAlertsSent(ctx, alerts)
	})
	return n, err
}

// deliverDigest sends one due weekly summary; done is false when none was due.
func (h *Handler) deliverDigest(ctx context.Context) (done bool, err error) {
	err = h.store.InTx(ctx, func(tx *db.Tx) error {
		alerts, err := tx.ClaimDigest(ctx, h.now())
		if errors.Is(err, portal.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		sub := alerts[0].Subscription
		data := digestEmail{Area: sub.AreaLabel(), UnsubscribeURL: h.absURL("alerts.unsubscribe", "token", sub.Token)}
		for _, a := range alerts {
			data.Items = append(data.Items, h.alertData(a))
		}
		m, err := h.mail.Render("alert_digest", sub.Email, data)
		if err != nil {
			return err
		}
		m.Headers = h.alertHeaders(sub)
		if err := tx.Enqueue(ctx, m); err != nil {
			return err
		}
		done = true
		return tx.MarkDigestSent(ctx, alerts, h.now())
	})
	return done, err
}

// RunAlerts delivers alerts every interval until ctx ends, and prunes
// subscriptions never confirmed. Errors are logged and retried next time.
func (h *Handler) RunAlerts(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := h.DeliverAlerts(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("deliver alerts", "err", err)
		}
		if err := h.store.PruneSubscriptions(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("prune alert subscriptions", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
