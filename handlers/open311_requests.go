package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// open311FieldOrder is the order errors are listed in, following the form.
var open311FieldOrder = []string{"service_code", "lat", "address_string", "requested_datetime",
	"attribute[occurred_on]", "attribute[happened_before]", "description", "attribute[hate]",
	"attribute[hate_reasons]", "attribute[impacts]", "first_name", "email", "phone", "attribute[safe_to_leave]"}

// createServiceRequest makes a report from a partner's POST. It goes
// through the web form's validation and the same store call; the
// idempotency key (the Idempotency-Key header, or a hash of the request)
// makes a retried POST answer with the report it already made.
func (h *Handler) createServiceRequest(w http.ResponseWriter, r *http.Request) error {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return apiBadRequest("Send the request as application/x-www-form-urlencoded, as GeoReport v2 says")
	}
	if err := parseForm(r); err != nil {
		return err
	}
	key, err := h.apiClient(r, r.PostForm.Get("api_key"), true)
	if err != nil {
		return err
	}
	idem := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(idem) > portal.MaxIdempotencyHeader || !portal.CleanText(idem) {
		return apiBadRequest("The Idempotency-Key header must be at most 255 characters")
	}
	cats, err := h.apiCategories(r.Context())
	if err != nil {
		return err
	}
	today := h.now()
	d, fe := open311Input(r.PostForm).Draft(cats, today)
	if fe.Any() {
		return fieldErrors(fe)
	}
	d.Key = portal.Open311Key(key.ID, idem, r.PostForm, today)
	nr := db.NewReport{Draft: d, OccurredOn: d.OccurredOn(today)}
	h.setInitialRisk(&nr)
	// The draft names no neighbourhood: CreateReport finds it from the
	// postcode or point in its own statement. Only when it finds none is
	// it worth a second look, to tell the partner why.
	got, err := h.store.CreateReport(r.Context(), nr)
	if errors.Is(err, portal.ErrNotFound) {
		if lerr := h.locate(r, d); lerr != nil {
			return lerr
		}
	}
	if err != nil {
		return err
	}
	out := []createdRequest{{ID: got.Reference, Notice: h.serviceNotice(got.NeighbourhoodName)}}
	return h.writeAPI(w, r, http.StatusOK, out, createdRequestsXML{Requests: out})
}

// serviceNotice is for the partner to pass on. Beacon sends no email for a
// partner's report: the partner tells its user, who can follow the report
// on Beacon with the reference and the email address given.
func (h *Handler) serviceNotice(neighbourhood string) string {
	return "Report received. The " + neighbourhood + " neighbourhood policing team will look at it. " +
		"The reporter can follow it at " + h.absURL("reports.track") + " with this reference and their email address. " +
		"This service is not for emergencies: if anyone is in immediate danger or a crime is happening now, call 999."
}

// open311Input reads the standard GeoReport fields and attribute[code]
// (or attribute[code][] for lists).
func open311Input(form url.Values) portal.Open311Request {
	v := func(name string) string { return strings.TrimSpace(strings.ReplaceAll(form.Get(name), "\r\n", "\n")) }
	in := portal.Open311Request{ServiceCode: v("service_code"), Lat: v("lat"), Long: v("long"),
		AddressString: v("address_string"), Description: v("description"), FirstName: v("first_name"),
		LastName: v("last_name"), Email: v("email"), Phone: v("phone"), RequestedDatetime: v("requested_datetime"),
		Attributes: map[string][]string{}}
	for k, vs := range form {
		code, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		code = strings.TrimSuffix(strings.TrimSuffix(code, "[]"), "]")
		for _, s := range vs {
			if s = strings.TrimSpace(s); s != "" {
				in.Attributes[code] = append(in.Attributes[code], s)
			}
		}
	}
	return in
}

func fieldErrors(fe portal.FieldErrors) apiError {
	var list []string
	for _, f := range fe.Fields(open311FieldOrder) {
		list = append(list, fe[f])
	}
	return apiBadRequest(list...)
}

// locate finds the neighbourhood from the coordinates or the postcode.
func (h *Handler) locate(r *http.Request, d *portal.ReportDraft) error {
	var n portal.Neighbourhood
	var err error
	if d.Postcode != "" {
		n, err = h.store.NeighbourhoodForPostcode(r.Context(), d.Postcode)
	} else {
		n, err = h.store.NeighbourhoodAt(r.Context(), d.Latitude, d.Longitude)
	}
	switch {
	case errors.Is(err, portal.ErrUnknownPostcode):
		return apiBadRequest("address_string: the postcode was not found; check it, or give lat and long")
	case errors.Is(err, portal.ErrOutsideArea):
		return apiBadRequest("The location is outside this force's area: another police force covers it (find it at " +
			portal.PoliceUKAreaURL + ")")
	case err != nil:
		return err
	}
	d.NeighbourhoodCode, d.NeighbourhoodName = n.Code, n.Name
	return nil
}

// listServiceRequests is GET requests.json|xml: reports' public outline,
// newest first, the last 90 days unless dates are given.
func (h *Handler) listServiceRequests(w http.ResponseWriter, r *http.Request) error {
	q, err := h.apiRead(r)
	if err != nil {
		return err
	}
	f, err := h.serviceRequestFilter(r, q)
	if err != nil {
		return err
	}
	list, err := h.store.ServiceRequests(r.Context(), f)
	if err != nil {
		return err
	}
	out := serviceRequestsOut(list)
	return h.writeAPI(w, r, http.StatusOK, out, serviceRequestsXML{Requests: out})
}

// serviceRequestFilter reads GeoReport's search parameters.
func (h *Handler) serviceRequestFilter(r *http.Request, q url.Values) (db.ServiceRequestFilter, error) {
	var f db.ServiceRequestFilter
	var problems []string
	for _, s := range commaList(q.Get("service_request_id")) {
		ref, ok := portal.NormaliseReference(s)
		if !ok || len(f.References) >= portal.MaxOpen311Requests {
			problems = append(problems, "service_request_id must be up to 1,000 references like ASB-7K3Q-9XPD, separated by commas")
			break
		}
		f.References = append(f.References, ref)
	}
	if codes := commaList(q.Get("service_code")); len(codes) > 0 {
		cats, err := h.apiCategories(r.Context())
		if err != nil {
			return f, err
		}
		for _, c := range codes {
			if (&portal.ReportDraft{CategoryCode: c}).ValidateCategory(cats).Any() {
				problems = append(problems, "service_code is not one of the codes listed by services.json")
				break
			}
		}
		f.ServiceCodes = codes
	}
	for _, s := range commaList(q.Get("status")) {
		switch s {
		case "open":
			f.Open = true
		case "closed":
			f.Closed = true
		default:
			problems = append(problems, "status must be open or closed")
		}
	}
	var ok bool
	if f.From, ok = w3cParam(q.Get("start_date")); !ok {
		problems = append(problems, "start_date must be a W3C date and time like 2026-11-20T00:00:00Z")
	}
	if f.To, ok = w3cParam(q.Get("end_date")); !ok {
		problems = append(problems, "end_date must be a W3C date and time like 2026-11-20T23:59:59Z")
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		problems = append(problems, "end_date must be after start_date")
	}
	if len(problems) > 0 {
		return f, apiBadRequest(problems...)
	}
	switch {
	case f.From.IsZero() && f.To.IsZero():
		f.From = h.now().Add(-portal.Open311DefaultPeriod)
	case f.From.IsZero():
		f.From = f.To.Add(-portal.Open311DefaultPeriod)
	}
	return f, nil
}

// commaList splits a comma-separated parameter, dropping blanks.
func commaList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func w3cParam(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// showServiceRequest is GET requests/{id}.json|xml.
func (h *Handler) showServiceRequest(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.apiRead(r); err != nil {
		return err
	}
	notFound := apiError{http.StatusNotFound, []string{"service_request_id was not found"}}
	ref, ok := portal.NormaliseReference(routeVar(r, "id"))
	if !ok {
		return notFound
	}
	sr, err := h.store.ServiceRequest(r.Context(), ref)
	if errors.Is(err, portal.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	out := serviceRequestsOut([]portal.ServiceRequest{sr})
	return h.writeAPI(w, r, http.StatusOK, out, serviceRequestsXML{Requests: out})
}
