package handlers

import (
	"encoding/xml"
	"fmt"
	"github.com/beacon-portal/beacon/db"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// The public neighbourhood page: the team, its priorities and messages,
// anonymised ASB counts, Neighbourhood Watch schemes, and the sections later
// features fill in. Its messages also have their own list and Atom feed.

// recentMessages is how many messages the neighbourhood page shows.
const recentMessages = 5

// neighbourhoodPage shows one neighbourhood; Postcode is set when it was
// found from one.
type neighbourhoodPage struct {
	Page
	Neighbourhood portal.Neighbourhood
	Postcode      string
	Priorities    []portal.Priority
	Messages      []portal.TeamMessage
	Trends        portal.Trends
	Schemes       []portal.Scheme
	// Consultations are those open for answers now; WeDid the latest
	// "you said, we did" updates; Sessions the next courses in the LPA.
	Consultations []portal.Consultation
	WeDid         []portal.Consultation
	Sessions      []portal.CourseSession
}

// renderNeighbourhood gathers everything the page shows.
func (h *Handler) renderNeighbourhood(w http.ResponseWriter, r *http.Request, n portal.Neighbourhood, postcode, title string) error {
	ctx := r.Context()
	p := &neighbourhoodPage{Page: Page{Title: title}, Neighbourhood: n, Postcode: postcode}
	var err error
	if p.Priorities, err = h.store.Priorities(ctx, n.ID); err != nil {
		return err
	}
	if p.Messages, err = h.store.TeamMessages(ctx, n.ID, recentMessages); err != nil {
		return err
	}
	if p.Trends, err = h.store.NeighbourhoodTrends(ctx, n.ID, h.now()); err != nil {
		return err
	}
	if p.Schemes, err = h.store.SchemesIn(ctx, n.ID); err != nil {
		return err
	}
	if err := h.fillEngagement(r, p); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "neighbourhoods_show", p)
}

// fillEngagement adds the neighbourhood's open consultations, "you said, we
// did" updates and upcoming courses.
func (h *Handler) fillEngagement(r *http.Request, p *neighbourhoodPage) error {
	ctx, n, now := r.Context(), p.Neighbourhood, h.now()
	all, err := h.store.PublicConsultations(ctx, n.ID)
	if err != nil {
		return err
	}
	for _, c := range all {
		if c.Open(now) {
			p.Consultations = append(p.Consultations, c)
		}
	}
	if p.WeDid, err = h.store.WeDidFeed(ctx, n.ID, 3); err != nil {
		return err
	}
	p.Sessions, err = h.store.Sessions(ctx, db.SessionFilter{LPACode: n.LPACode, From: now, Limit: 3})
	return err
}

// messagesPage lists a neighbourhood's messages.
type messagesPage struct {
	Page
	Neighbourhood portal.Neighbourhood
	Messages      []portal.TeamMessage
}

// listTeamMessages shows a neighbourhood's messages, newest first.
func (h *Handler) listTeamMessages(w http.ResponseWriter, r *http.Request) error {
	n, err := h.store.NeighbourhoodByCode(r.Context(), routeVar(r, "code"))
	if err != nil {
		return err
	}
	msgs, err := h.store.TeamMessages(r.Context(), n.ID, 100)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "neighbourhood_messages", &messagesPage{
		Page: Page{Title: "Messages from the " + n.Name + " neighbourhood team"}, Neighbourhood: n, Messages: msgs})
}

// messagePage shows one team message.
type messagePage struct {
	Page
	Message portal.TeamMessage
}

// showTeamMessage shows one message; messages are public.
func (h *Handler) showTeamMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	m, err := h.store.TeamMessage(r.Context(), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "neighbourhood_message", &messagePage{Page: Page{Title: m.Title}, Message: m})
}

// AtomFeed is an Atom 1.0 feed (RFC 4287).
type AtomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  AtomPerson  `xml:"author"`
	Links   []AtomLink  `xml:"link"`
	Entries []AtomEntry `xml:"entry"`
}

// AtomPerson is a feed's author.
type AtomPerson struct {
	Name string `xml:"name"`
}

// AtomLink is a link from a feed or entry.
type AtomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

// AtomText is a text construct; html/template's escaping is not involved:
// encoding/xml escapes it.
type AtomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// AtomEntry is one entry of a feed.
type AtomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published,omitempty"`
	Links     []AtomLink `xml:"link"`
	Summary   AtomText   `xml:"summary"`
	Category  []struct {
		Term string `xml:"term,attr"`
	} `xml:"category"`
}

// showFeed is the neighbourhood's Atom feed: its team messages and, each
// month, the anonymised count of ASB reported (small numbers suppressed).
func (h *Handler) showFeed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	n, err := h.store.NeighbourhoodByCode(ctx, routeVar(r, "code"))
	if err != nil {
		return err
	}
	msgs, err := h.store.TeamMessages(ctx, n.ID, 50)
	if err != nil {
		return err
	}
	trends, err := h.store.NeighbourhoodTrends(ctx, n.ID, h.now())
	if err != nil {
		return err
	}
	feed := h.atomFeed(n, msgs, trends)
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = w.Write(append([]byte(xml.Header), out...))
	return err
}

func (h *Handler) atomFeed(n portal.Neighbourhood, msgs []portal.TeamMessage, trends portal.Trends) AtomFeed {
	page := h.absURL("neighbourhoods.show", "code", n.Code)
	feed := AtomFeed{ID: h.tagURI("neighbourhood/" + n.Code), Title: n.Name + " neighbourhood policing team",
		Updated: atomTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), Author: AtomPerson{Name: n.Name + " neighbourhood policing team"},
		Links: []AtomLink{{Rel: "self", Type: "application/atom+xml", Href: h.absURL("neighbourhoods.feed", "code", n.Code)},
			{Rel: "alternate", Type: "text/html", Href: page}}}
	latest := time.Time{}
	for _, m := range msgs {
		e := AtomEntry{ID: h.tagURI("message/" + strconv.FormatInt(m.ID, 10)), Title: m.Title,
			Updated: atomTime(m.PublishedAt), Published: atomTime(m.PublishedAt),
			Links:   []AtomLink{{Rel: "alternate", Type: "text/html", Href: h.absURL("messages.show", "id", strconv.FormatInt(m.ID, 10))}},
			Summary: AtomText{Type: "text", Body: m.Priority.Label() + ". " + m.Kind.Label() + ". " + m.Body}}
		e.Category = append(e.Category, struct {
			Term string `xml:"term,attr"`
		}{string(m.Kind)})
		feed.Entries = append(feed.Entries, e)
		latest = maxTime(latest, m.PublishedAt)
	}
	for _, mc := range trends.Months {
		end := mc.Month.AddDate(0, 1, 0)
		updated := minTime(end, h.now())
		var parts []string
		for _, t := range portal.ASBTypes {
			parts = append(parts, t.ShortLabel()+": "+mc.Of(t).String())
		}
		feed.Entries = append(feed.Entries, AtomEntry{
			ID:      h.tagURI("neighbourhood/" + n.Code + "/asb/" + mc.Month.Format("2006-01")),
			Title:   "Anti-social behaviour reported in " + mc.Month.Format("January 2006"),
			Updated: atomTime(updated), Links: []AtomLink{{Rel: "alternate", Type: "text/html", Href: page + "#asb"}},
			Summary: AtomText{Type: "text", Body: "Reports of anti-social behaviour in " + n.Name + ", by type. " +
				strings.Join(parts, "; ") + ". Numbers under 5 are shown as “fewer than 5” to protect the people involved."}})
		latest = maxTime(latest, updated)
	}
	if !latest.IsZero() {
		feed.Updated = atomTime(latest)
	}
	return feed
}

// tagURI is a permanent Atom id (RFC 4151) for something on this site.
func (h *Handler) tagURI(path string) string {
	return fmt.Sprintf("tag:%s,2025:%s", h.cfg.BaseURL.Hostname(), path)
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
