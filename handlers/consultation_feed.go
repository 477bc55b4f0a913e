package handlers

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"time"
)

// weDidFeed is the Atom feed of "we asked, you said, we did" updates.
func (h *Handler) weDidFeed(w http.ResponseWriter, r *http.Request) error {
	list, err := h.store.WeDidFeed(r.Context(), 0, 50)
	if err != nil {
		return err
	}
	feed := AtomFeed{ID: h.tagURI("we-did"), Title: "We asked, you said, we did",
		Updated: atomTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), Author: AtomPerson{Name: "Neighbourhood policing teams"},
		Links: []AtomLink{{Rel: "self", Type: "application/atom+xml", Href: h.absURL("consultations.feed")},
			{Rel: "alternate", Type: "text/html", Href: h.absURL("consultations.list")}}}
	for i, c := range list {
		id := strconv.FormatInt(c.ID, 10)
		feed.Entries = append(feed.Entries, AtomEntry{ID: h.tagURI("consultation/" + id + "/we-did"),
			Title: "We asked: " + c.Title, Updated: atomTime(c.WeDidAt), Published: atomTime(c.WeDidAt),
			Links:   []AtomLink{{Rel: "alternate", Type: "text/html", Href: h.absURL("consultations.show", "id", id) + "#we-did"}},
			Summary: AtomText{Type: "text", Body: c.AreaName + ". " + c.WeDid}})
		if i == 0 {
			feed.Updated = atomTime(c.WeDidAt)
		}
	}
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = w.Write(append([]byte(xml.Header), out...))
	return err
}
