package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// The staff home and the triage queue: what waits in a staff member's
// areas, ordered by harm, and "Next item", which claims the most urgent
// report nobody holds. (The initial risk of a report arriving, which
// decides its place in the queue, is set in reports_submit.go.)

// staffHomePage is the first page after signing in: what waits in the
// staff member's areas, and their account.
type staffHomePage struct {
	Page
	Areas              int
	RecoveryCodes      int
	Queues             []queueSummary
	CaseReviewsOverdue int
}

// queueSummary is one row of the staff home's table of queues.
type queueSummary struct {
	Label, Href    string
	Count, Overdue int
	Oldest         string // how long the oldest has waited; "" when none
}

func (h *Handler) showStaffHome(w http.ResponseWriter, r *http.Request) error {
	ctx, u := r.Context(), currentUser(r)
	left, err := h.store.RecoveryCodesLeft(ctx, u.ID)
	if err != nil {
		return err
	}
	counts, err := h.store.WorkCounts(ctx, u.Scope, u.ID)
	if err != nil {
		return err
	}
	reviews, err := h.store.OverdueCaseReviews(ctx, u.Scope)
	if err != nil {
		return err
	}
	p := &staffHomePage{Page: Page{Title: "Staff home", Staff: true}, Areas: len(u.Scope.Neighbourhoods),
		RecoveryCodes: left, CaseReviewsOverdue: reviews}
	for _, q := range []struct {
		label string
		c     portal.QueueCount
		query url.Values
	}{
		{"New reports to triage", counts.New, url.Values{"status": {string(portal.StatusNew)}}},
		{"Open reports", counts.Open, url.Values{"status": {string(portal.StatusOpen)}}},
		{"Awaiting information from the reporter", counts.AwaitingInformation, url.Values{"status": {string(portal.StatusAwaitingInformation)}}},
		{"Claimed by or assigned to you", counts.Mine, url.Values{"status": {portal.QueueAnyStatus}, "mine": {"1"}}},
	} {
		s := queueSummary{Label: q.label, Href: h.routeURL("staff.queue") + "?" + q.query.Encode(),
			Count: q.c.Count, Overdue: q.c.Overdue}
		if q.c.Count > 0 {
			s.Oldest = portal.Age(q.c.Oldest, h.now())
		}
		p.Queues = append(p.Queues, s)
	}
	return h.render(w, r, http.StatusOK, "staff_home", p)
}

// queuePage is the triage queue with its filters.
type queuePage struct {
	Page
	Filter     portal.QueueFilter
	LPAs       []portal.LPA
	Categories []portal.Category
	Statuses   []portal.Option
	Risks      []portal.Risk
	Rows       []queueRowView
	Total      int
	More       bool // more than Total match
	From, To   int
	Pages      []pageLink
	Prev, Next string
	// Filtered is true when any filter is set, to offer clearing them.
	Filtered bool
	// NoneToClaim says "Next item" found nothing to claim.
	NoneToClaim bool
}

// queueRowView is one report in the queue, ready to show.
type queueRowView struct {
	portal.QueueItem
	Href, Age, Due string
	Overdue        bool
}

// pageLink is one numbered link of the pagination.
type pageLink struct {
	Number  int
	Href    string
	Current bool
}

// queueStatusOptions are the status filter's choices.
var queueStatusOptions = []portal.Option{
	{Value: "", Label: "New and open"},
	{Value: string(portal.StatusNew), Label: "New"},
	{Value: string(portal.StatusOpen), Label: "Open"},
	{Value: string(portal.StatusAwaitingInformation), Label: "Awaiting information"},
	{Value: portal.QueueAnyStatus, Label: "Any status except closed"},
}

// queueFilter reads the queue's filter from a query string or form.
func queueFilter(v url.Values) portal.QueueFilter {
	return portal.QueueFilter{Neighbourhood: v.Get("neighbourhood"), Category: v.Get("category"),
		Status: v.Get("status"), Risk: v.Get("risk"), Mine: v.Get("mine") == "1", Page: portal.ParsePage(v.Get("page"))}
}

// query writes a filter back as a query string (without the page).
func filterQuery(f portal.QueueFilter) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"neighbourhood": f.Neighbourhood, "category": f.Category, "status": f.Status, "risk": f.Risk} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Mine {
		v.Set("mine", "1")
	}
	return v
}

func (h *Handler) listQueue(w http.ResponseWriter, r *http.Request) error {
	ctx, u := r.Context(), currentUser(r)
	f := queueFilter(r.URL.Query())
	p, err := h.newQueuePage(ctx, u, f)
	if err != nil {
		return err
	}
	p.NoneToClaim = r.URL.Query().Get("claimed") == "none"
	if fe := h.validateQueueFilter(p); fe.Any() {
		p.setErrors(fe, "neighbourhood", "category", "status", "risk")
		return h.render(w, r, http.StatusUnprocessableEntity, "staff_queue", p)
	}
	got, err := h.store.Queue(ctx, u.Scope, u.ID, f)
	if err != nil {
		return err
	}
	h.fillQueueRows(p, got)
	return h.render(w, r, http.StatusOK, "staff_queue", p)
}

// newQueuePage loads the filter's choices: the neighbourhoods in the
// user's scope (by LPA) and the categories.
func (h *Handler) newQueuePage(ctx context.Context, u *portal.User, f portal.QueueFilter) (*queuePage, error) {
	lpas, err := h.store.LPAsInScope(ctx, u.Scope)
	if err != nil {
		return nil, err
	}
	cats, err := h.store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	return &queuePage{Page: Page{Title: "Triage queue", Staff: true}, Filter: f, LPAs: lpas, Categories: cats,
		Statuses: queueStatusOptions, Risks: portal.Risks, Filtered: len(filterQuery(f)) > 0}, nil
}

// validateQueueFilter checks the filter against the page's choices: a
// neighbourhood outside the user's scope is refused like an unknown one.
func (h *Handler) validateQueueFilter(p *queuePage) portal.FieldErrors {
	var areas, cats []string
	for _, l := range p.LPAs {
		for _, n := range l.Neighbourhoods {
			areas = append(areas, n.Code)
		}
	}
	for _, c := range p.Categories {
		cats = append(cats, c.Code)
	}
	return p.Filter.Validate(areas, cats)
}

// fillQueueRows puts a page of the queue and its pagination on the page.
func (h *Handler) fillQueueRows(p *queuePage, got db.QueuePage) {
	now := h.now()
	for _, it := range got.Items {
		p.Rows = append(p.Rows, queueRowView{QueueItem: it, Href: h.routeURL("staff.report", "ref", it.Reference),
			Age: portal.Age(it.CreatedAt, now), Due: portal.DueLabel(it.DueAt, now), Overdue: it.Overdue(now)})
	}
	p.Total, p.More = got.Total, got.More
	page := max(p.Filter.Page, 1)
	if len(p.Rows) > 0 {
		p.From = (page-1)*portal.QueuePageSize + 1
		p.To = p.From + len(p.Rows) - 1
	}
	pages := (got.Total + portal.QueuePageSize - 1) / portal.QueuePageSize
	if got.More && len(got.Items) == portal.QueuePageSize {
		pages = max(pages, page+1) // past the count's cap: there is always a next page
	}
	link := func(n int) string {
		v := filterQuery(p.Filter)
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return h.routeURL("staff.queue")
		}
		return h.routeURL("staff.queue") + "?" + v.Encode()
	}
	if pages <= 1 {
		return
	}
	for n := max(1, page-2); n <= min(pages, page+2); n++ {
		p.Pages = append(p.Pages, pageLink{Number: n, Href: link(n), Current: n == page})
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
}

// claimNext claims the most urgent report nobody holds (within the
// queue's filter) and opens it. Pressing it twice by mistake costs
// nothing: the second press releases the first claim and takes the next.
func (h *Handler) claimNext(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	ctx, u := r.Context(), currentUser(r)
	f := queueFilter(r.PostForm)
	f.Mine, f.Page = false, 1
	p, err := h.newQueuePage(ctx, u, f)
	if err != nil {
		return err
	}
	if h.validateQueueFilter(p).Any() {
		return errBadRequest // the filter comes from hidden fields of the queue page
	}
	var ref string
	err = h.store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if ref, err = tx.ClaimNext(ctx, u.Scope, u.ID, f); err != nil {
			return err
		}
		return tx.Audit(ctx, h.auditEntry(r, "report.claim", "report", ref, map[string]string{"via": "next item"}))
	})
	if errors.Is(err, portal.ErrNotFound) {
		v := filterQuery(f)
		v.Set("claimed", "none")
		http.Redirect(w, r, h.routeURL("staff.queue")+"?"+v.Encode(), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, h.routeURL("staff.report", "ref", ref), http.StatusSeeOther)
	return nil
}
