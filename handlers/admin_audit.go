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

// auditPageSize is how many audit rows one page shows.
const auditPageSize = 50

// adminAuditPage is the audit log viewer.
type adminAuditPage struct {
	Page
	Query      portal.AuditQuery
	Entries    []portal.AuditRecord
	Filtered   bool
	NoActor    bool   // the actor email matched no account
	OlderHref  string // the next page, or empty
	NewestHref string
	Dates      []auditDateField
}

// auditDateField is one of the filter's two GOV.UK date inputs.
type auditDateField struct {
	Field, Legend string
	Value         portal.AuditDate
	Error         string
}

func (p *adminAuditPage) fillDates() {
	p.Dates = []auditDateField{
		{"from", "From", p.Query.From, p.Errors["from"]},
		{"to", "To", p.Query.To, p.Errors["to"]},
	}
}

func auditQueryFrom(v url.Values) portal.AuditQuery {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	return portal.AuditQuery{
		ActorEmail: get("actor"), Action: get("action"), TargetType: get("target-type"), TargetID: get("target-id"),
		From: portal.AuditDate{Day: get("from-day"), Month: get("from-month"), Year: get("from-year")},
		To:   portal.AuditDate{Day: get("to-day"), Month: get("to-month"), Year: get("to-year")},
	}
}

func (h *Handler) showAuditLog(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	for _, vs := range v {
		for _, s := range vs {
			if !portal.CleanText(s) || len(s) > 1000 {
				return errBadRequest
			}
		}
	}
	q := auditQueryFrom(v)
	page := &adminAuditPage{Page: Page{Title: "Audit log", Staff: true}, Query: q}
	page.Filtered = q != (portal.AuditQuery{})
	rng, fe := q.Validate(london)
	if fe.Any() {
		page.setErrors(fe, "actor", "action", "target", "from", "to")
		page.fillDates()
		return h.render(w, r, http.StatusUnprocessableEntity, "admin_audit", page)
	}
	f := db.AuditFilter{Action: q.Action, TargetType: q.TargetType, TargetID: q.TargetID,
		From: rng.From, To: rng.To, Limit: auditPageSize + 1}
	f.BeforeID, _ = strconv.ParseInt(v.Get("before"), 10, 64)
	if q.ActorEmail != "" {
		id, err := h.store.UserIDByEmail(r.Context(), portal.CanonicalEmail(q.ActorEmail))
		if errors.Is(err, portal.ErrNotFound) {
			page.NoActor = true
			return h.renderAuditLog(w, r, page)
		}
		if err != nil {
			return err
		}
		f.ActorID = id
	}
	entries, err := h.store.AuditLog(r.Context(), f)
	if err != nil {
		return err
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		older := url.Values{}
		for k, vs := range v {
			older[k] = vs
		}
		older.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		page.OlderHref = "?" + older.Encode()
	}
	if f.BeforeID > 0 {
		v.Del("before")
		page.NewestHref = "?" + v.Encode()
	}
	for i := range entries {
		entries[i].At = entries[i].At.In(london)
	}
	page.Entries = entries
	return h.renderAuditLog(w, r, page)
}

// renderAuditLog shows the log and records that it was viewed (it shows
// staff email addresses).
func (h *Handler) renderAuditLog(w http.ResponseWriter, r *http.Request, page *adminAuditPage) error {
	if err := h.audit(r, "audit.view", "", "", map[string]string{"results": strconv.Itoa(len(page.Entries))}); err != nil {
		return err
	}
	page.fillDates()
	base := h.routeURL("admin.audit")
	if page.OlderHref != "" {
		page.OlderHref = base + page.OlderHref
	}
	if page.NewestHref != "" {
		page.NewestHref = base + page.NewestHref
	}
	return h.render(w, r, http.StatusOK, "admin_audit", page)
}
