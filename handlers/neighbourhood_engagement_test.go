package handlers_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestNeighbourhoodPageShowsUpcomingCourses(t *testing.T) {
	w := newCourseWorld(t, 12)
	c := w.s.Client(t)
	c.Get("/neighbourhoods/north-riverside").Status(t, 200).
		Contains(t, "Upcoming courses", "Defusing conflict and anti-social behaviour", "Riverside Community Centre",
			fmt.Sprintf(`href="/courses/sessions/%d"`, w.session))
	// A south neighbourhood does not list the north's session.
	page := c.Get("/neighbourhoods/south-harbour").Status(t, 200)
	if strings.Contains(page.Body, "Riverside Community Centre") {
		t.Fatal("a north session is listed in the south")
	}
}

func TestNeighbourhoodPageShowsOpenConsultations(t *testing.T) {
	w := newHysWorld(t)
	w.author(t)
	c := w.s.Client(t)
	c.Get("/neighbourhoods/north-riverside").Status(t, 200).
		Contains(t, "Have your say", fmt.Sprintf(`href="/have-your-say/%d"`, w.id))
}
