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
		if j.Live {
			continue
		}
		r.Handle(j.Path, h.wrap(h.comingSoon(j))).Methods(http.MethodGet, http.MethodHead).Name(j.Route)
	}

	// Reporting anti-social behaviour: one question per page, answers kept
	// in the session, check your answers, confirmation.
	get, post := []string{http.MethodGet, http.MethodHead}, []string{http.MethodPost}
	r.Handle("/report", h.wrap(h.showReportStart)).Methods(get...).Name("reports.start")
	r.Handle("/report/safety", h.wrap(h.showSafety)).Methods(get...).Name("reports.safety")
	r.Handle("/report/safety", h.wrap(h.saveSafety)).Methods(post...).Name("reports.safety.save")
	r.Handle("/report/call-999", h.wrap(h.showDanger)).Methods(get...).Name("reports.danger")
	r.Handle("/report/what", h.wrap(h.showCategory)).Methods(get...).Name("reports.category")
	r.Handle("/report/what", h.wrap(h.saveCategory)).Methods(post...).Name("reports.category.save")
	r.Handle("/report/where", h.wrap(h.showWhere)).Methods(get...).Name("reports.where")
	r.Handle("/report/where", h.wrap(h.saveWhere)).Methods(post...).Name("reports.where.save")
	r.Handle("/report/outside-our-area", h.wrap(h.showOutside)).Methods(get...).Name("reports.outside")
	r.Handle("/report/already-reported", h.wrap(h.showSimilar)).Methods(get...).Name("reports.similar")
	r.Handle("/report/already-reported", h.wrap(h.saveSimilar)).Methods(post...).Name("reports.similar.save")
	r.Handle("/report/when", h.wrap(h.showWhen)).Methods(get...).Name("reports.when")
	r.Handle("/report/when", h.wrap(h.saveWhen)).Methods(post...).Name("reports.when.save")
	r.Handle("/report/details", h.wrap(h.showDetails)).Methods(get...).Name("reports.details")
	r.Handle("/report/details", h.wrap(h.saveDetails)).Methods(post...).Name("reports.details.save")
	r.Handle("/report/people", h.wrap(h.showPeople)).Methods(get...).Name("reports.people")
	r.Handle("/report/people", h.wrap(h.savePeople)).Methods(post...).Name("reports.people.save")
	r.Handle("/report/impact", h.wrap(h.showImpact)).Methods(get...).Name("reports.impact")
	r.Handle("/report/impact", h.wrap(h.saveImpact)).Methods(post...).Name("reports.impact.save")
	r.Handle("/report/photos", h.wrap(h.showPhotos)).Methods(get...).Name("reports.photos")
	r.Handle("/report/photos", h.wrap(h.savePhotos)).Methods(post...).Name("reports.photos.save")
	r.Handle("/report/photos/{id:[0-9]+}", h.wrap(h.serveDraftPhoto)).Methods(get...).Name("reports.photo")
	r.Handle("/report/about-you", h.wrap(h.showAboutYou)).Methods(get...).Name("reports.about-you")
	r.Handle("/report/about-you", h.wrap(h.saveAboutYou)).Methods(post...).Name("reports.about-you.save")
	r.Handle("/report/check", h.wrap(h.showCheck)).Methods(get...).Name("reports.check")
	r.Handle("/report/check", h.wrap(h.submitReport)).Methods(post...).Name("reports.submit")
	r.Handle("/report/sent", h.wrap(h.showConfirmation)).Methods(get...).Name("reports.confirmation")

	// Following a report: by reference and email, or from "Your account".
	r.Handle("/track", h.wrap(h.showTrackForm)).Methods(get...).Name("reports.track")
	r.Handle("/track", h.wrap(h.findReport)).Methods(post...).Name("reports.track.find")
	r.Handle("/track/{ref}", h.wrap(h.showTrackedReport)).Methods(get...).Name("reports.tracked")
	r.Handle("/track/{ref}/information", h.wrap(h.addInformation)).Methods(post...).Name("reports.information")
	r.Handle("/track/{ref}/again", h.wrap(h.happenedAgain)).Methods(post...).Name("reports.again")
	r.Handle("/track/{ref}/photos/{id:[0-9]+}", h.wrap(h.serveReportPhoto)).Methods(get...).Name("reports.tracked.photo")

	// Staff.
	r.Handle("/staff/sign-in", h.wrap(h.showStaffSignIn)).Methods(http.MethodGet, http.MethodHead).Name("staff.signin")
	r.Handle("/staff/sign-in", h.wrap(h.staffSignIn)).Methods(http.MethodPost).Name("staff.signin.post")

	// @geography routes (neighbourhood lookup, staff neighbourhood pages)
	// Finding a neighbourhood policing team by postcode (a GET form) or by
	// browsing areas; staff keep their teams' public contact details.
	r.Handle("/neighbourhoods", h.wrap(h.findNeighbourhood)).Methods(http.MethodGet, http.MethodHead).Name("neighbourhoods.find")
	r.Handle("/neighbourhoods/{code:[A-Za-z0-9][A-Za-z0-9_-]{0,63}}", h.wrap(h.showNeighbourhood)).Methods(http.MethodGet, http.MethodHead).Name("neighbourhoods.show")
	r.Handle("/local-policing-areas", h.wrap(h.listNeighbourhoods)).Methods(http.MethodGet, http.MethodHead).Name("neighbourhoods.list")
	r.Handle("/staff/neighbourhoods", h.requireStaff(h.wrap(h.listStaffNeighbourhoods))).Methods(http.MethodGet, http.MethodHead).Name("staff.neighbourhoods")
	r.Handle("/staff/neighbourhoods/{code:[A-Za-z0-9][A-Za-z0-9_-]{0,63}}", h.requireStaff(h.wrap(h.showStaffNeighbourhood))).Methods(http.MethodGet, http.MethodHead).Name("staff.neighbourhood")
	r.Handle("/staff/neighbourhoods/{code:[A-Za-z0-9][A-Za-z0-9_-]{0,63}}", h.requireStaff(h.wrap(h.updateStaffNeighbourhood))).Methods(http.MethodPost).Name("staff.neighbourhood.update")

	// @mail routes (development mailbox)
	// The development mailbox is registered only when DEV=1: in production
	// these paths do not exist (404).
	if h.cfg.Dev {
		r.Handle("/dev/mail", h.wrap(h.listDevMail)).Methods(http.MethodGet, http.MethodHead).Name("devmail.list")
		r.Handle("/dev/mail/{id:[0-9]+}", h.wrap(h.showDevMail)).Methods(http.MethodGet, http.MethodHead).Name("devmail.show")
		r.Handle("/dev/mail/{id:[0-9]+}/html", h.wrap(h.showDevMailHTML)).Methods(http.MethodGet, http.MethodHead).Name("devmail.html")
	}

	// @staff-auth routes (staff sign-in, MFA, passwords, sign out)
	// Staff second factor (set up on first sign-in, then asked every time),
	// the staff home, and signing out here or everywhere.
	r.Handle("/staff/mfa/setup", h.wrap(h.showMFASetup)).Methods(http.MethodGet, http.MethodHead).Name("staff.mfa.setup")
	r.Handle("/staff/mfa/setup", h.wrap(h.confirmMFASetup)).Methods(http.MethodPost).Name("staff.mfa.setup.confirm")
	r.Handle("/staff/mfa/skip", h.wrap(h.skipMFA)).Methods(http.MethodPost).Name("staff.mfa.skip")
	r.Handle("/staff/mfa", h.wrap(h.showMFA)).Methods(http.MethodGet, http.MethodHead).Name("staff.mfa")
	r.Handle("/staff/mfa", h.wrap(h.checkMFA)).Methods(http.MethodPost).Name("staff.mfa.check")
	r.Handle("/staff", h.requireStaff(h.wrap(h.showStaffHome))).Methods(http.MethodGet, http.MethodHead).Name("staff.home")
	r.Handle("/staff/sign-out", h.wrap(h.staffSignOut)).Methods(http.MethodPost).Name("staff.signout")
	r.Handle("/staff/sign-out-everywhere", h.requireStaff(h.wrap(h.staffSignOutEverywhere))).Methods(http.MethodPost).Name("staff.signout.everywhere")
	// Staff passwords: reset by an emailed link, or first set from an invitation.
	r.Handle("/staff/password/forgot", h.wrap(h.showForgotPassword)).Methods(http.MethodGet, http.MethodHead).Name("staff.password.forgot")
	r.Handle("/staff/password/forgot", h.wrap(h.sendPasswordReset)).Methods(http.MethodPost).Name("staff.password.forgot.send")
	r.Handle("/staff/password/check-your-email", h.wrap(h.showPasswordSent)).Methods(http.MethodGet, http.MethodHead).Name("staff.password.sent")
	r.Handle("/staff/password/reset/{token:[A-Za-z0-9_-]{43}}", h.wrap(h.showPasswordReset)).Methods(http.MethodGet, http.MethodHead).Name("staff.password.reset")
	r.Handle("/staff/password/reset/{token:[A-Za-z0-9_-]{43}}", h.wrap(h.savePasswordReset)).Methods(http.MethodPost).Name("staff.password.reset.save")
	r.Handle(passwordSetPath+"{token:[A-Za-z0-9_-]{43}}", h.wrap(h.showPasswordSet)).Methods(http.MethodGet, http.MethodHead).Name("staff.password.set")
	r.Handle(passwordSetPath+"{token:[A-Za-z0-9_-]{43}}", h.wrap(h.savePasswordSet)).Methods(http.MethodPost).Name("staff.password.set.save")

	// @accounts routes (residents' accounts, volunteers, admin pages)
	// Residents' accounts: sign-in by emailed link (bound to the asking
	// browser), "Your account", data download, deletion, volunteering.
	r.Handle("/account/sign-in", h.wrap(h.showResidentSignIn)).Methods(http.MethodGet, http.MethodHead).Name("account.signin")
	r.Handle("/account/sign-in", h.wrap(h.sendSignInLink)).Methods(http.MethodPost).Name("account.signin.send")
	r.Handle("/account/sign-in/check-your-email", h.wrap(h.showCheckEmail)).Methods(http.MethodGet, http.MethodHead).Name("account.signin.sent")
	r.Handle("/account/sign-in/{token:[A-Za-z0-9_-]{43}}", h.wrap(h.showSignInLink)).Methods(http.MethodGet, http.MethodHead).Name("account.signin.link")
	r.Handle("/account/sign-in/{token:[A-Za-z0-9_-]{43}}", h.wrap(h.useSignInLink)).Methods(http.MethodPost).Name("account.signin.use")
	r.Handle("/account/sign-out", h.wrap(h.signOutResident)).Methods(http.MethodPost).Name("account.signout")
	r.Handle("/account/signed-out", h.wrap(h.showSignedOut)).Methods(http.MethodGet, http.MethodHead).Name("account.signedout")
	r.Handle("/account/deleted", h.wrap(h.showAccountDeleted)).Methods(http.MethodGet, http.MethodHead).Name("account.deleted")
	r.Handle("/account", h.requireResident(h.showAccount)).Methods(http.MethodGet, http.MethodHead).Name("account.home")
	r.Handle("/account/data.json", h.requireResident(h.downloadAccountData)).Methods(http.MethodGet, http.MethodHead).Name("account.data")
	r.Handle("/account/delete", h.requireResident(h.confirmDeleteAccount)).Methods(http.MethodGet, http.MethodHead).Name("account.delete.confirm")
	r.Handle("/account/delete", h.requireResident(h.deleteAccount)).Methods(http.MethodPost).Name("account.delete")
	r.Handle("/account/volunteer", h.requireResident(h.showVolunteerForm)).Methods(http.MethodGet, http.MethodHead).Name("account.volunteer")
	r.Handle("/account/volunteer", h.requireResident(h.createVolunteerRequest)).Methods(http.MethodPost).Name("account.volunteer.create")

	// Force administrators: staff accounts, volunteer checks, the audit log.
	r.Handle("/admin/staff", h.forceAdmin(h.listStaff)).Methods(http.MethodGet, http.MethodHead).Name("admin.staff")
	r.Handle("/admin/staff/invite", h.forceAdmin(h.showInviteForm)).Methods(http.MethodGet, http.MethodHead).Name("admin.staff.invite")
	r.Handle("/admin/staff/invite", h.forceAdmin(h.inviteStaff)).Methods(http.MethodPost).Name("admin.staff.invite.create")
	r.Handle("/admin/staff/{id:[0-9]{1,18}}", h.forceAdmin(h.showStaffMember)).Methods(http.MethodGet, http.MethodHead).Name("admin.staff.member")
	r.Handle("/admin/staff/{id:[0-9]{1,18}}", h.forceAdmin(h.updateStaffMember)).Methods(http.MethodPost).Name("admin.staff.update")
	r.Handle("/admin/staff/{id:[0-9]{1,18}}/disable", h.forceAdmin(h.disableStaffMember)).Methods(http.MethodPost).Name("admin.staff.disable")
	r.Handle("/admin/staff/{id:[0-9]{1,18}}/enable", h.forceAdmin(h.enableStaffMember)).Methods(http.MethodPost).Name("admin.staff.enable")
	r.Handle("/admin/volunteers", h.forceAdmin(h.listVolunteers)).Methods(http.MethodGet, http.MethodHead).Name("admin.volunteers")
	r.Handle("/admin/volunteers/{id:[0-9]{1,18}}/verify", h.forceAdmin(h.verifyVolunteer)).Methods(http.MethodPost).Name("admin.volunteers.verify")
	r.Handle("/admin/volunteers/{id:[0-9]{1,18}}/decline", h.forceAdmin(h.declineVolunteer)).Methods(http.MethodPost).Name("admin.volunteers.decline")
	r.Handle("/admin/audit", h.forceAdmin(h.showAuditLog)).Methods(http.MethodGet, http.MethodHead).Name("admin.audit")

	// @open311 routes
	// Open311 GeoReport v2 for partner systems: JSON or XML by extension;
	// errors in the specification's form (h.api, not h.wrap).
	const o311 = "/open311/v2/"
	const format = ".{format:json|xml}"
	r.Handle(o311+"discovery"+format, h.api(h.showDiscovery)).Methods(get...).Name("open311.discovery")
	r.Handle(o311+"services"+format, h.api(h.listServices)).Methods(get...).Name("open311.services")
	r.Handle(o311+"services/{code:[A-Za-z0-9_-]{1,64}}"+format, h.api(h.showServiceDefinition)).Methods(get...).Name("open311.service")
	r.Handle(o311+"requests"+format, h.api(h.listServiceRequests)).Methods(get...).Name("open311.requests")
	r.Handle(o311+"requests"+format, h.api(h.createServiceRequest)).Methods(post...).Name("open311.requests.create")
	r.Handle(o311+"requests/{id:[A-Za-z0-9-]{1,20}}"+format, h.api(h.showServiceRequest)).Methods(get...).Name("open311.request")

	return r
}

// routeVar is the one place that reads mux's path variables.
func routeVar(r *http.Request, name string) string { return mux.Vars(r)[name] }
