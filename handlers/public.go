package handlers

import "net/http"

// journey is one of the resident journeys offered on the home page.
type journey struct {
	Route, Path string
	Title       string
	Summary     string
}

var journeys = []journey{
	{"reports.start", "/report", "Report anti-social behaviour",
		"Tell your neighbourhood team about behaviour that is causing you or your community harassment, alarm or distress."},
	{"consultations.list", "/have-your-say", "Have your say",
		"Answer neighbourhood consultations, help set your area's policing priorities and see what was done."},
	{"courses.list", "/courses", "Book a free course on defusing conflict",
		"Learn how to calm a situation safely before the police are needed."},
	{"casereview.start", "/case-review", "Check if you can ask for an ASB case review",
		"If anti-social behaviour keeps happening, you may have the right to ask for a review of how it was dealt with."},
}

type homePage struct {
	Page
	Journeys []journey
}

func (h *Handler) showHome(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "public_home", &homePage{Page: Page{Title: "Neighbourhood policing"}, Journeys: journeys})
}

func (h *Handler) showCookies(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "public_cookies", &basicPage{Page{Title: "Cookies"}})
}

func (h *Handler) showAccessibility(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "public_accessibility", &basicPage{Page{Title: "Accessibility statement"}})
}

func (h *Handler) showPrivacy(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "public_privacy", &basicPage{Page{Title: "Privacy notice"}})
}
