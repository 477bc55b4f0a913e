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
	r.Handle("/admin", h.forceAdmin(func(w http.ResponseWriter, r *http.Request) error {
		http.Redirect(w, r, h.routeURL("admin.staff"), http.StatusSeeOther)
		return nil
	})).Methods(http.MethodGet, http.MethodHead).Name("admin.home")
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

	// The ASB Case Review check for partner websites: JSON, no sign-in.
	r.Handle("/api/v1/case-review/check", http.HandlerFunc(h.checkCaseReview)).Methods(post...).Name("api.casereview.check")

	// @casereview routes (checker, applications, coordinators, statistics, policies)
	// Case review: coordinators. The queue of applications in the areas a
	// coordinator's scope overlaps (force administrators: all), an
	// application's page, one form per step (GET shows it, POST records
	// it), and each area's policy; the public statutory statistics with
	// their CSV; bank holidays for working-day timescales (force admins).
	const crStaff = "/staff/case-reviews/{ref:CR-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}}"
	coordinator := h.caseReviewCoordinator
	r.Handle("/staff/case-reviews", coordinator(h.listCaseReviews)).Methods(get...).Name("staff.casereview.queue")
	r.Handle(crStaff, coordinator(h.showCaseReviewApplication)).Methods(get...).Name("staff.casereview.application")
	r.Handle(crStaff+"/acknowledge", coordinator(h.acknowledgeCRApplication)).Methods(post...).Name("staff.casereview.acknowledge")
	for _, s := range []struct {
		path, name  string
		show, apply handlerFunc
	}{
		{"/decision", "decision", h.showCRDecisionForm, h.saveCRDecision},
		{"/meeting", "meeting", h.showCRMeetingForm, h.saveCRMeeting},
		{"/outcome", "outcome", h.showCROutcomeForm, h.saveCROutcome},
		{"/appeal", "appeal", h.showCRAppealForm, h.saveCRAppeal},
		{"/close", "close", h.showCRCloseForm, h.saveCRClose},
	} {
		r.Handle(crStaff+s.path, coordinator(s.show)).Methods(get...).Name("staff.casereview." + s.name)
		r.Handle(crStaff+s.path, coordinator(s.apply)).Methods(post...).Name("staff.casereview." + s.name + ".save")
	}
	const crPolicy = "/staff/case-reviews/policies/{area:[A-Za-z0-9][A-Za-z0-9_-]{0,63}}"
	r.Handle(crPolicy, coordinator(h.showCaseReviewPolicy)).Methods(get...).Name("staff.casereview.policy")
	r.Handle(crPolicy, coordinator(h.saveCaseReviewPolicy)).Methods(post...).Name("staff.casereview.policy.save")
	const crStats = "/case-review/areas/{area:[A-Za-z0-9][A-Za-z0-9_-]{0,63}}/statistics"
	r.Handle(crStats, h.wrap(h.showCaseReviewStatistics)).Methods(get...).Name("casereview.statistics")
	r.Handle(crStats+".csv", h.wrap(h.downloadCaseReviewStatistics)).Methods(get...).Name("casereview.statistics.csv")
	r.Handle("/admin/bank-holidays", h.forceAdmin(h.listBankHolidays)).Methods(get...).Name("admin.holidays")
	r.Handle("/admin/bank-holidays", h.forceAdmin(h.addBankHoliday)).Methods(post...).Name("admin.holidays.add")
	r.Handle("/admin/bank-holidays/{day:[0-9]{4}-[0-9]{2}-[0-9]{2}}/remove", h.forceAdmin(h.removeBankHoliday)).Methods(post...).Name("admin.holidays.remove")

	// Case review: residents. What it is, each area's published procedure,
	// the checker (one question per page, answers in the session; signed-in
	// residents start from their own reports), applying, and following an
	// application by reference and email.
	const crArea = "/case-review/areas/{area:[A-Za-z0-9][A-Za-z0-9_-]{0,63}}"
	const crIncident = "/case-review/check/incidents/{id:[0-9]{1,4}}"
	const crIncidentStep = crIncident + "/{step:when|reported|problem|hate}"
	const crApplyStep = "/case-review/apply/{step:who|victim|contact|summary}"
	r.Handle("/case-review", h.wrap(h.showCaseReviewStart)).Methods(get...).Name("casereview.start")
	r.Handle(crArea, h.wrap(h.showCaseReviewArea)).Methods(get...).Name("casereview.area")
	r.Handle("/case-review/check", h.wrap(h.startChecker)).Methods(get...).Name("casereview.check")
	r.Handle("/case-review/check/your-reports", h.wrap(h.showYourReports)).Methods(get...).Name("casereview.check.reports")
	r.Handle("/case-review/check/your-reports", h.wrap(h.saveYourReports)).Methods(post...).Name("casereview.check.reports.save")
	r.Handle("/case-review/check/postcode", h.wrap(h.showCRPostcode)).Methods(get...).Name("casereview.check.postcode")
	r.Handle("/case-review/check/postcode", h.wrap(h.saveCRPostcode)).Methods(post...).Name("casereview.check.postcode.save")
	r.Handle("/case-review/check/outside-our-area", h.wrap(h.showCROutside)).Methods(get...).Name("casereview.check.outside")
	r.Handle("/case-review/check/no-policy", h.wrap(h.showCRNoPolicy)).Methods(get...).Name("casereview.check.nopolicy")
	r.Handle("/case-review/check/incidents", h.wrap(h.showIncidents)).Methods(get...).Name("casereview.check.incidents")
	r.Handle("/case-review/check/incidents", h.wrap(h.saveIncidents)).Methods(post...).Name("casereview.check.incidents.save")
	r.Handle(crIncidentStep, h.wrap(h.showIncidentStep)).Methods(get...).Name("casereview.check.incident")
	r.Handle(crIncidentStep, h.wrap(h.saveIncidentStep)).Methods(post...).Name("casereview.check.incident.save")
	r.Handle(crIncident+"/remove", h.wrap(h.removeIncident)).Methods(post...).Name("casereview.check.incident.remove")
	r.Handle("/case-review/check/result", h.wrap(h.showCRResult)).Methods(get...).Name("casereview.check.result")
	r.Handle("/case-review/check/start-again", h.wrap(h.restartChecker)).Methods(post...).Name("casereview.check.restart")
	r.Handle("/track/{ref}/case-review", h.wrap(h.checkFromReport)).Methods(post...).Name("casereview.check.fromreport")
	r.Handle("/case-review/apply", h.wrap(h.startApplication)).Methods(get...).Name("casereview.apply")
	r.Handle(crApplyStep, h.wrap(h.showApplyStep)).Methods(get...).Name("casereview.apply.step")
	r.Handle(crApplyStep, h.wrap(h.saveApplyStep)).Methods(post...).Name("casereview.apply.step.save")
	r.Handle("/case-review/apply/check", h.wrap(h.showApplyCheck)).Methods(get...).Name("casereview.apply.check")
	r.Handle("/case-review/apply/check", h.wrap(h.submitApplication)).Methods(post...).Name("casereview.apply.submit")
	r.Handle("/case-review/apply/sent", h.wrap(h.showApplicationSent)).Methods(get...).Name("casereview.apply.confirmation")
	r.Handle("/case-review/applications", h.wrap(h.showApplicationTrackForm)).Methods(get...).Name("casereview.track")
	r.Handle("/case-review/applications", h.wrap(h.findApplication)).Methods(post...).Name("casereview.track.find")
	r.Handle("/case-review/applications/{ref:CR-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}}", h.wrap(h.showApplication)).Methods(get...).Name("casereview.application")

	// @workspace-queue routes (staff home, triage queue, next item)
	// The triage queue of the user's areas (a GET form of filters) and "Next
	// item", which claims the most urgent unclaimed report and opens it. The
	// staff home (staff.home) is registered with the staff sign-in routes.
	r.Handle("/staff/queue", h.requireStaff(h.wrap(h.listQueue))).Methods(get...).Name("staff.queue")
	r.Handle("/staff/queue/next", h.requireStaff(h.wrap(h.claimNext))).Methods(post...).Name("staff.queue.next")

	// @workspace-report routes (a report as staff work it)
	// A report as staff work it: the page, its photos, and one form per
	// action (GET shows it, POST acts), each scoped to the user's areas.
	const staffReport = "/staff/reports/{ref:ASB-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}}"
	r.Handle(staffReport, h.requireStaff(h.wrap(h.showStaffReport))).Methods(get...).Name("staff.report")
	r.Handle(staffReport+"/photos/{id:[0-9]{1,18}}", h.requireStaff(h.wrap(h.serveStaffReportPhoto))).Methods(get...).Name("staff.report.photo")
	r.Handle(staffReport+"/notes", h.requireStaff(h.wrap(h.addReportNote))).Methods(post...).Name("staff.report.note")
	for _, a := range []struct {
		path, name  string
		show, apply handlerFunc
	}{
		{"/risk", "risk", h.showRiskForm, h.saveRisk},
		{"/assign", "assign", h.showAssignForm, h.saveAssign},
		{"/category", "category", h.showRecategoriseForm, h.saveRecategorise},
		{"/reply", "reply", h.showReplyForm, h.sendReply},
		{"/more-information", "information", h.showInformationForm, h.sendInformationRequest},
		{"/duplicate", "duplicate", h.showDuplicateForm, h.saveDuplicate},
		{"/case", "case", h.showCaseLinkForm, h.saveCaseLink},
		{"/close", "close", h.showCloseForm, h.saveClose},
	} {
		r.Handle(staffReport+a.path, h.requireStaff(h.wrap(a.show))).Methods(get...).Name("staff.report." + a.name)
		r.Handle(staffReport+a.path, h.requireStaff(h.wrap(a.apply))).Methods(post...).Name("staff.report." + a.name + ".save")
	}

	// @workspace-cases routes (problem-solving cases, interventions, letters, reviews)
	// Problem-solving cases (OSARA), scoped to the user's areas: the list with
	// overdue reviews, starting a case (?report=REF starts it from a report),
	// the case page, and one route per change. Supervisory reviews and letter
	// templates are for sergeants and force administrators.
	const casePath = "/staff/cases/{ref:CASE-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}}"
	const ivPath = casePath + "/interventions/{id:[0-9]{1,18}}"
	const letterKinds = "{kind:warning_letter|letter_of_expectation|community_protection_warning|community_protection_notice}"
	staff, sergeant := h.caseStaff, h.caseSupervisor
	r.Handle("/staff/cases", staff(h.listCases)).Methods(get...).Name("staff.cases")
	r.Handle("/staff/cases/new", staff(h.showNewCase)).Methods(get...).Name("staff.case.new")
	r.Handle("/staff/cases/new", staff(h.createCase)).Methods(post...).Name("staff.case.create")
	r.Handle(casePath, staff(h.showCase)).Methods(get...).Name("staff.case")
	r.Handle(casePath+"/{section:objective|analysis|response}", staff(h.showCaseSection)).Methods(get...).Name("staff.case.section")
	r.Handle(casePath+"/{section:objective|analysis|response}", staff(h.saveCaseSection)).Methods(post...).Name("staff.case.section.save")
	r.Handle(casePath+"/reports", staff(h.linkCaseReport)).Methods(post...).Name("staff.case.link")
	r.Handle(casePath+"/reports/unlink", staff(h.unlinkCaseReport)).Methods(post...).Name("staff.case.unlink")
	r.Handle(casePath+"/partner-information", staff(h.addCaseNote)).Methods(post...).Name("staff.case.note")
	r.Handle(casePath+"/close", staff(h.showCloseCase)).Methods(get...).Name("staff.case.close")
	r.Handle(casePath+"/close", staff(h.closeCase)).Methods(post...).Name("staff.case.close.save")
	r.Handle(casePath+"/reopen", staff(h.reopenCase)).Methods(post...).Name("staff.case.reopen")
	r.Handle(casePath+"/interventions/new", staff(h.showNewIntervention)).Methods(get...).Name("staff.case.intervention.new")
	r.Handle(casePath+"/interventions/new", staff(h.createIntervention)).Methods(post...).Name("staff.case.intervention.create")
	r.Handle(ivPath, staff(h.showIntervention)).Methods(get...).Name("staff.case.intervention")
	r.Handle(ivPath, staff(h.updateIntervention)).Methods(post...).Name("staff.case.intervention.update")
	r.Handle(ivPath+"/letter", staff(h.showLetter)).Methods(get...).Name("staff.case.letter")
	r.Handle(ivPath+"/letter", staff(h.saveLetter)).Methods(post...).Name("staff.case.letter.save")
	r.Handle(ivPath+"/letter/print", staff(h.showLetterPrint)).Methods(get...).Name("staff.case.letter.print")
	r.Handle(casePath+"/review", sergeant(h.showCaseReview)).Methods(get...).Name("staff.case.review")
	r.Handle(casePath+"/review", sergeant(h.saveCaseReview)).Methods(post...).Name("staff.case.review.save")
	r.Handle("/staff/letter-templates", sergeant(h.listLetterTemplates)).Methods(get...).Name("staff.letters")
	r.Handle("/staff/letter-templates/"+letterKinds, sergeant(h.showLetterTemplate)).Methods(get...).Name("staff.letter")
	r.Handle("/staff/letter-templates/"+letterKinds, sergeant(h.saveLetterTemplate)).Methods(post...).Name("staff.letter.save")

	// @workspace-insight routes (demand insight, exports, moderation queue)
	// Demand insight for an area (?area=CODE): when, what and where reports
	// come in; the CSV export of a filtered queue; the general moderation
	// queue of public text.
	r.Handle("/staff/insight", h.requireStaff(h.wrap(h.showInsight))).Methods(get...).Name("staff.insight")
	r.Handle("/staff/insight/trend", h.requireStaff(h.wrap(h.showInsightTrend))).Methods(get...).Name("staff.insight.trend")
	r.Handle("/staff/insight/places", h.requireStaff(h.wrap(h.showInsightPlaces))).Methods(get...).Name("staff.insight.places")
	r.Handle("/staff/export", h.requireStaff(h.wrap(h.showExportForm))).Methods(get...).Name("staff.export")
	r.Handle("/staff/export/reports.csv", h.requireStaff(h.wrap(h.exportReports))).Methods(get...).Name("staff.export.csv")
	r.Handle("/staff/moderation", h.requireStaff(h.wrap(h.listModeration))).Methods(get...).Name("staff.moderation")
	r.Handle("/staff/moderation/{id:[0-9]{1,18}}", h.requireStaff(h.wrap(h.showModerationItem))).Methods(get...).Name("staff.moderation.item")
	r.Handle("/staff/moderation/{id:[0-9]{1,18}}", h.requireStaff(h.wrap(h.decideModeration))).Methods(post...).Name("staff.moderation.decide")

	// @admin-categories routes
	// Force administrators: report categories (added, changed, retired and
	// restored, never deleted) and the banned email list. Bans are named by
	// the SHA-256 of their pattern, so no address appears in a URL.
	const categoryPath = "/admin/categories/{code:[a-z0-9-]{2,40}}"
	r.Handle("/admin/categories", h.forceAdmin(h.listCategories)).Methods(http.MethodGet, http.MethodHead).Name("admin.categories")
	r.Handle("/admin/categories/add", h.forceAdmin(h.showAddCategory)).Methods(http.MethodGet, http.MethodHead).Name("admin.categories.add")
	r.Handle("/admin/categories/add", h.forceAdmin(h.createCategory)).Methods(http.MethodPost).Name("admin.categories.create")
	r.Handle(categoryPath+"/edit", h.forceAdmin(h.showEditCategory)).Methods(http.MethodGet, http.MethodHead).Name("admin.categories.edit")
	r.Handle(categoryPath+"/edit", h.forceAdmin(h.updateCategory)).Methods(http.MethodPost).Name("admin.categories.update")
	r.Handle(categoryPath+"/retire", h.forceAdmin(h.retireCategory)).Methods(http.MethodPost).Name("admin.categories.retire")
	r.Handle(categoryPath+"/restore", h.forceAdmin(h.restoreCategory)).Methods(http.MethodPost).Name("admin.categories.restore")
	r.Handle("/admin/banned-emails", h.forceAdmin(h.listBannedEmails)).Methods(http.MethodGet, http.MethodHead).Name("admin.banned")
	r.Handle("/admin/banned-emails", h.forceAdmin(h.banEmail)).Methods(http.MethodPost).Name("admin.banned.create")
	r.Handle("/admin/banned-emails/{id:[0-9a-f]{64}}/remove", h.forceAdmin(h.unbanEmail)).Methods(http.MethodPost).Name("admin.banned.remove")

	// @courses routes
	// Defusing courses: find a session (by postcode, area or month), book a
	// place or join the waiting list, and manage the booking through an
	// emailed link; the public calendar feed. Staff keep courses (force
	// administrators) and sessions (sergeants and force administrators, in
	// their LPAs), take registers, see the evaluation, and invite reporters
	// from a report or case.
	const courseSession = "/courses/sessions/{id:[0-9]{1,18}}"
	const booking = "/courses/booking/{token:[A-Za-z0-9_-]{43}}"
	r.Handle("/courses", h.wrap(h.listCourses)).Methods(get...).Name("courses.list")
	r.Handle("/courses/calendar.ics", h.wrap(h.courseFeed)).Methods(get...).Name("courses.feed")
	r.Handle(courseSession, h.wrap(h.showCourseSession)).Methods(get...).Name("courses.session")
	r.Handle(courseSession+"/book", h.wrap(h.showBookingForm)).Methods(get...).Name("courses.book")
	r.Handle(courseSession+"/book", h.wrap(h.createBooking)).Methods(post...).Name("courses.book.create")
	r.Handle("/courses/booked", h.wrap(h.showBooked)).Methods(get...).Name("courses.booked")
	r.Handle("/courses/invitation/{token:[A-Za-z0-9_-]{43}}", h.wrap(h.showInvitation)).Methods(get...).Name("courses.invitation")
	r.Handle(booking, h.wrap(h.showManageBooking)).Methods(get...).Name("courses.manage")
	r.Handle(booking+"/cancel", h.wrap(h.showCancelBooking)).Methods(get...).Name("courses.cancel")
	r.Handle(booking+"/cancel", h.wrap(h.cancelBooking)).Methods(post...).Name("courses.cancel.save")
	r.Handle(booking+"/move", h.wrap(h.showMoveBooking)).Methods(get...).Name("courses.move")
	r.Handle(booking+"/move", h.wrap(h.moveBooking)).Methods(post...).Name("courses.move.save")
	r.Handle(booking+"/accept", h.wrap(h.acceptOffer)).Methods(post...).Name("courses.accept")
	r.Handle(booking+"/after", h.wrap(h.showQuestions(false))).Methods(get...).Name("courses.after")
	r.Handle(booking+"/after", h.wrap(h.saveQuestions(false))).Methods(post...).Name("courses.after.save")
	r.Handle(booking+"/follow-up", h.wrap(h.showQuestions(true))).Methods(get...).Name("courses.followup")
	r.Handle(booking+"/follow-up", h.wrap(h.saveQuestions(true))).Methods(post...).Name("courses.followup.save")
	const staffSession = "/staff/courses/sessions/{id:[0-9]{1,18}}"
	r.Handle("/staff/courses", h.courseStaff(h.listStaffCourses)).Methods(get...).Name("staff.courses")
	r.Handle("/admin/courses/new", h.forceAdmin(h.showCourseForm)).Methods(get...).Name("admin.courses.new")
	r.Handle("/admin/courses/new", h.forceAdmin(h.saveCourse)).Methods(post...).Name("admin.courses.create")
	r.Handle("/admin/courses/{id:[0-9]{1,9}}/edit", h.forceAdmin(h.showCourseForm)).Methods(get...).Name("admin.courses.edit")
	r.Handle("/admin/courses/{id:[0-9]{1,9}}/edit", h.forceAdmin(h.saveCourse)).Methods(post...).Name("admin.courses.update")
	r.Handle("/staff/courses/sessions/new", h.courseManager(h.showSessionForm)).Methods(get...).Name("staff.courses.session.new")
	r.Handle("/staff/courses/sessions/new", h.courseManager(h.saveSession)).Methods(post...).Name("staff.courses.session.create")
	r.Handle(staffSession, h.courseStaff(h.showStaffSession)).Methods(get...).Name("staff.courses.session")
	r.Handle(staffSession+"/edit", h.courseManager(h.showSessionForm)).Methods(get...).Name("staff.courses.session.edit")
	r.Handle(staffSession+"/edit", h.courseManager(h.saveSession)).Methods(post...).Name("staff.courses.session.update")
	r.Handle(staffSession+"/cancel", h.courseManager(h.showCancelSession)).Methods(get...).Name("staff.courses.session.cancel")
	r.Handle(staffSession+"/cancel", h.courseManager(h.cancelSession)).Methods(post...).Name("staff.courses.session.cancel.save")
	r.Handle(staffSession+"/register", h.courseStaff(h.showRegister)).Methods(get...).Name("staff.courses.register")
	r.Handle(staffSession+"/register", h.courseStaff(h.saveRegister)).Methods(post...).Name("staff.courses.register.save")
	r.Handle("/staff/courses/evaluation", h.courseStaff(h.showEvaluation)).Methods(get...).Name("staff.courses.evaluation")
	r.Handle("/staff/courses/evaluation.csv", h.courseStaff(h.exportEvaluation)).Methods(get...).Name("staff.courses.evaluation.csv")
	r.Handle("/staff/courses/invite", h.courseStaff(h.showInvite)).Methods(get...).Name("staff.courses.invite")
	r.Handle("/staff/courses/invite", h.courseStaff(h.sendInvite)).Methods(post...).Name("staff.courses.invite.send")

	// @community routes
	// Neighbourhoods and volunteers: a neighbourhood's messages and Atom
	// feed; email alerts (subscribe, confirm and unsubscribe by emailed link,
	// no sign-in; the unsubscribe POST is the RFC 8058 one-click target,
	// exempt from the CSRF token in csrf.go); staff team messages and
	// priorities; Neighbourhood Watch schemes; and the reporting journey's
	// step for reporting on someone's behalf.
	const nbhd = "/neighbourhoods/{code:[A-Za-z0-9][A-Za-z0-9_-]{0,63}}"
	const token = "{token:[A-Za-z0-9_-]{43}}"
	const scheme = "/watch/{id:[0-9]{1,18}}"
	r.Handle(nbhd+"/messages", h.wrap(h.listTeamMessages)).Methods(get...).Name("neighbourhoods.messages")
	r.Handle(nbhd+"/messages.atom", h.wrap(h.showFeed)).Methods(get...).Name("neighbourhoods.feed")
	r.Handle("/messages/{id:[0-9]{1,18}}", h.wrap(h.showTeamMessage)).Methods(get...).Name("messages.show")
	r.Handle("/alerts", h.wrap(h.showAlertsForm)).Methods(get...).Name("alerts.form")
	r.Handle("/alerts", h.wrap(h.createSubscription)).Methods(post...).Name("alerts.create")
	r.Handle("/alerts/check-your-email", h.wrap(h.showAlertsSent)).Methods(get...).Name("alerts.sent")
	r.Handle("/alerts/confirm/"+token, h.wrap(h.showConfirmAlerts)).Methods(get...).Name("alerts.confirm")
	r.Handle("/alerts/confirm/"+token, h.wrap(h.confirmAlerts)).Methods(post...).Name("alerts.confirm.save")
	r.Handle("/alerts/unsubscribe/"+token, h.wrap(h.showUnsubscribe)).Methods(get...).Name("alerts.unsubscribe")
	r.Handle("/alerts/unsubscribe/"+token, h.wrap(h.unsubscribe)).Methods(post...).Name("alerts.unsubscribe.save")
	r.Handle("/staff/messages", h.requireStaff(h.wrap(h.listStaffMessages))).Methods(get...).Name("staff.messages")
	r.Handle("/staff/messages/new", h.requireStaff(h.wrap(h.showNewStaffMessage))).Methods(get...).Name("staff.messages.new")
	r.Handle("/staff/messages/new", h.requireStaff(h.wrap(h.createStaffMessage))).Methods(post...).Name("staff.messages.create")
	r.Handle("/staff"+nbhd+"/priorities", h.requireStaff(h.wrap(h.showPriorities))).Methods(get...).Name("staff.priorities")
	r.Handle("/staff"+nbhd+"/priorities", h.requireStaff(h.wrap(h.addPriority))).Methods(post...).Name("staff.priorities.add")
	r.Handle("/staff"+nbhd+"/priorities/{id:[0-9]{1,18}}/retire", h.requireStaff(h.wrap(h.retirePriority))).Methods(post...).Name("staff.priorities.retire")
	r.Handle(scheme, h.wrap(h.showScheme)).Methods(get...).Name("watch.show")
	r.Handle(scheme+"/join", h.requireResident(h.joinScheme)).Methods(post...).Name("watch.join")
	r.Handle(scheme+"/leave", h.requireResident(h.leaveScheme)).Methods(post...).Name("watch.leave")
	r.Handle(scheme+"/message", h.requireResident(h.showWatchMessage)).Methods(get...).Name("watch.message")
	r.Handle(scheme+"/message", h.requireResident(h.sendWatchMessage)).Methods(post...).Name("watch.message.send")
	r.Handle(scheme+"/trends", h.requireResident(h.showSchemeTrends)).Methods(get...).Name("watch.trends")
	r.Handle(scheme+"/trends.csv", h.requireResident(h.exportSchemeTrends)).Methods(get...).Name("watch.trends.csv")
	r.Handle("/account/watch", h.requireResident(h.listMySchemes)).Methods(get...).Name("watch.mine")
	r.Handle("/account/watch/register", h.requireResident(h.showSchemeForm)).Methods(get...).Name("watch.apply")
	r.Handle("/account/watch/register", h.requireResident(h.createScheme)).Methods(post...).Name("watch.apply.create")
	r.Handle("/admin/watch-schemes", h.forceAdmin(h.listAdminSchemes)).Methods(get...).Name("admin.watch")
	r.Handle("/admin/watch-schemes/{id:[0-9]{1,18}}/approve", h.forceAdmin(h.approveScheme)).Methods(post...).Name("admin.watch.approve")
	r.Handle("/admin/watch-schemes/{id:[0-9]{1,18}}/decline", h.forceAdmin(h.declineScheme)).Methods(post...).Name("admin.watch.decline")
	r.Handle("/report/who-for", h.wrap(h.showOnBehalf)).Methods(get...).Name("reports.on-behalf")
	r.Handle("/report/who-for", h.wrap(h.saveOnBehalf)).Methods(post...).Name("reports.on-behalf.save")

	// @consultations routes
	// Have your say: the list (by postcode or neighbourhood), a
	// consultation's page, one question per page ({n} is its position),
	// optional "about you", check your answers and confirmation; saving
	// answers to come back to by an emailed link; public comments, each
	// approved in the moderation queue, which anyone can flag. Staff
	// (sergeants and force administrators, in their areas) author, preview,
	// publish and close consultations, and see, export and publish results.
	const hys = "/have-your-say/{id:[0-9]{1,18}}"
	const staffHys = "/staff/consultations/{id:[0-9]{1,18}}"
	const staffQ = staffHys + "/questions/{qid:[0-9]{1,18}}"
	manager := h.consultationManager
	r.Handle("/have-your-say", h.wrap(h.listConsultations)).Methods(get...).Name("consultations.list")
	r.Handle("/have-your-say/we-did.atom", h.wrap(h.weDidFeed)).Methods(get...).Name("consultations.feed")
	r.Handle(hys, h.wrap(h.showConsultation)).Methods(get...).Name("consultations.show")
	r.Handle(hys+"/questions/{n:[0-9]{1,4}}", h.wrap(h.showConsultationQuestion)).Methods(get...).Name("consultations.question")
	r.Handle(hys+"/questions/{n:[0-9]{1,4}}", h.wrap(h.saveConsultationAnswer)).Methods(post...).Name("consultations.answer")
	r.Handle(hys+"/about-you", h.wrap(h.showConsultationAbout)).Methods(get...).Name("consultations.about")
	r.Handle(hys+"/about-you", h.wrap(h.saveConsultationAbout)).Methods(post...).Name("consultations.about.save")
	r.Handle(hys+"/check", h.wrap(h.showConsultationCheck)).Methods(get...).Name("consultations.check")
	r.Handle(hys+"/check", h.wrap(h.submitConsultation)).Methods(post...).Name("consultations.submit")
	r.Handle(hys+"/thank-you", h.wrap(h.showConsultationDone)).Methods(get...).Name("consultations.done")
	r.Handle(hys+"/save", h.wrap(h.showSaveForLater)).Methods(get...).Name("consultations.save")
	r.Handle(hys+"/save", h.wrap(h.sendSaveForLater)).Methods(post...).Name("consultations.save.send")
	r.Handle(hys+"/saved", h.wrap(h.showSavedForLater)).Methods(get...).Name("consultations.saved")
	r.Handle(hys+"/return/{token:[A-Za-z0-9_-]{43}}", h.wrap(h.showReturnLink)).Methods(get...).Name("consultations.return")
	r.Handle(hys+"/return/{token:[A-Za-z0-9_-]{43}}", h.wrap(h.useReturnLink)).Methods(post...).Name("consultations.return.use")
	r.Handle(hys+"/comments", h.wrap(h.createComment)).Methods(post...).Name("consultations.comment")
	r.Handle(hys+"/comments/{comment:[0-9]{1,18}}/flag", h.wrap(h.flagComment)).Methods(post...).Name("consultations.comment.flag")
	r.Handle("/staff/consultations", manager(h.listStaffConsultations)).Methods(get...).Name("staff.consultations")
	r.Handle("/staff/consultations/new", manager(h.showConsultationForm)).Methods(get...).Name("staff.consultation.new")
	r.Handle("/staff/consultations/new", manager(h.saveConsultation)).Methods(post...).Name("staff.consultation.create")
	r.Handle(staffHys, manager(h.showStaffConsultation)).Methods(get...).Name("staff.consultation")
	r.Handle(staffHys+"/edit", manager(h.showConsultationForm)).Methods(get...).Name("staff.consultation.edit")
	r.Handle(staffHys+"/edit", manager(h.saveConsultation)).Methods(post...).Name("staff.consultation.update")
	r.Handle(staffHys+"/questions/new", manager(h.showQuestionForm)).Methods(get...).Name("staff.consultation.question.new")
	r.Handle(staffHys+"/questions/new", manager(h.saveQuestion)).Methods(post...).Name("staff.consultation.question.create")
	r.Handle(staffQ, manager(h.showQuestionForm)).Methods(get...).Name("staff.consultation.question")
	r.Handle(staffQ, manager(h.saveQuestion)).Methods(post...).Name("staff.consultation.question.update")
	r.Handle(staffQ+"/delete", manager(h.deleteQuestion)).Methods(post...).Name("staff.consultation.question.delete")
	r.Handle(staffHys+"/preview", manager(h.previewConsultation)).Methods(get...).Name("staff.consultation.preview")
	r.Handle(staffHys+"/preview/{n:[0-9]{1,4}}", manager(h.previewConsultation)).Methods(get...).Name("staff.consultation.preview.question")
	r.Handle(staffHys+"/publish", manager(h.changeConsultationState(true))).Methods(post...).Name("staff.consultation.publish")
	r.Handle(staffHys+"/close", manager(h.changeConsultationState(false))).Methods(post...).Name("staff.consultation.close")
	r.Handle(staffHys+"/results", manager(h.showConsultationResults)).Methods(get...).Name("staff.consultation.results")
	r.Handle(staffHys+"/results.csv", manager(h.exportConsultation)).Methods(get...).Name("staff.consultation.csv")
	r.Handle(staffHys+"/results/publish", manager(h.publishResults)).Methods(post...).Name("staff.consultation.results.publish")
	r.Handle(staffHys+"/we-did", manager(h.saveWeDid)).Methods(post...).Name("staff.consultation.wedid")
	r.Handle(staffHys+"/priorities", manager(h.adoptPriorities)).Methods(post...).Name("staff.consultation.priorities")

	return r
}

// routeVar is the one place that reads mux's path variables.
func routeVar(r *http.Request, name string) string { return mux.Vars(r)[name] }
