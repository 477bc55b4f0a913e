package handlers

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routes lists every route. Each has methods and a name; templates and
// redirects build URLs from the names, never by hand.
func (h *Handler) routes() *mux.Router {
	r := mux.NewRouter()
	r.Use(nameRoute, h.loadUser)
	r.NotFoundHandler = h.wrap(func(http.ResponseWriter, *http.Request) error { return errNotFound })
	r.MethodNotAllowedHandler = h.wrap(func(w http.ResponseWriter, _ *http.Request) error { return errMethodNotAllowed })

	// Probes for load balancers and orchestrators.
	r.Handle("/healthz", http.HandlerFunc(h.healthz)).Methods(http.MethodGet, http.MethodHead).Name("healthz")
	r.Handle("/readyz", http.HandlerFunc(h.readyz)).Methods(http.MethodGet, http.MethodHead).Name("readyz")

	// Built front-end assets, content-hashed.
	r.Handle("/static/{hash}/{path:.+}", h.wrap(h.serveAsset)).Methods(http.MethodGet, http.MethodHead).Name("static")

	// Public information pages.
	r.Handle("/", h.wrap(h.showHome)).Methods(http.MethodGet, http.MethodHead).Name("home")
	r.Handle("/cookies", h.wrap(h.showCookies)).Methods(http.MethodGet, http.MethodHead).Name("cookies")
	r.Handle("/accessibility", h.wrap(h.showAccessibility)).Methods(http.MethodGet, http.MethodHead).Name("accessibility")
	r.Handle("/privacy", h.wrap(h.showPrivacy)).Methods(http.MethodGet, http.MethodHead).Name("privacy")

	// Feedback on the service, linked from the phase banner.
	r.Handle("/feedback", h.wrap(h.showFeedbackForm)).Methods(http.MethodGet, http.MethodHead).Name("feedback.form")
	r.Handle("/feedback", h.wrap(h.createFeedback)).Methods(http.MethodPost).Name("feedback.create")

	// Resident journeys. Each shows a "coming soon" page until its feature lands.
	for _, j := range journeys {
		r.Handle(j.Path, h.wrap(h.comingSoon(j))).Methods(http.MethodGet, http.MethodHead).Name(j.Route)
	}

	// Staff.
	r.Handle("/staff/sign-in", h.wrap(h.comingSoon(staffSignIn))).Methods(http.MethodGet, http.MethodHead).Name("staff.signin")

	// @geography routes (neighbourhood lookup, staff neighbourhood pages)

	// @mail routes (development mailbox)

	// @staff-auth routes (staff sign-in, MFA, passwords, sign out)

	// @accounts routes (residents' accounts, volunteers, admin pages)

	return r
}

// routeVar is the one place that reads mux's path variables.
func routeVar(r *http.Request, name string) string { return mux.Vars(r)[name] }
