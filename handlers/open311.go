package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/beacon-portal/beacon/portal"
)

// Open311 GeoReport v2 for partner systems, under /open311/v2/. Partners
// authenticate with an API key (api_key), not cookies, so these routes are
// exempt from the CSRF token (see csrf.go) but not from the cross-origin
// check: a browser cannot be made to post here from another site. Reading
// is open to anyone at the public API rate; writing needs a key.

// open311Changeset dates the API's definition, for discovery.
const open311Changeset = "2026-01-01T00:00:00Z"

func (h *Handler) showDiscovery(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.apiRead(r); err != nil {
		return err
	}
	d := discovery{
		Changeset:  open311Changeset,
		Contact:    "Ask the force's Beacon administrators: " + h.cfg.BaseURL.String(),
		KeyService: "API keys for partner systems are issued by the force's Beacon administrators",
		Endpoints: []discoveryEndpoint{{
			Specification: "http://wiki.open311.org/GeoReport_v2", URL: h.cfg.BaseURL.String() + "/open311/v2",
			Changeset: open311Changeset, Type: "production", Formats: []string{"text/xml", "application/json"},
		}},
	}
	return h.writeAPI(w, r, http.StatusOK, d, d)
}

func (h *Handler) listServices(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.apiRead(r); err != nil {
		return err
	}
	cats, err := h.apiCategories(r.Context())
	if err != nil {
		return err
	}
	list := make([]service, len(cats))
	for i, c := range cats {
		desc := c.Hint
		if desc == "" {
			desc = c.Name
		}
		list[i] = service{Code: c.Code, Name: c.Name, Description: desc, Metadata: len(portal.Open311Attributes) > 0,
			Type: "realtime", Keywords: portal.Open311Keywords(c), Group: c.Type.Label()}
	}
	return h.writeAPI(w, r, http.StatusOK, list, servicesXML{Services: list})
}

func (h *Handler) showServiceDefinition(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.apiRead(r); err != nil {
		return err
	}
	cats, err := h.apiCategories(r.Context())
	if err != nil {
		return err
	}
	code := routeVar(r, "code")
	if (&portal.ReportDraft{CategoryCode: code}).ValidateCategory(cats).Any() {
		return apiBadRequest("service_code is not one of the codes listed by services.json")
	}
	def := serviceDefinition{Code: code}
	for i, a := range portal.Open311Attributes {
		sa := serviceAttribute{Variable: true, Code: a.Code, Datatype: a.Datatype, Required: a.Required,
			DatatypeDescription: a.DatatypeDescription, Order: i + 1, Description: a.Description}
		for _, v := range a.Values {
			sa.Values = append(sa.Values, serviceValue{Key: v.Value, Name: v.Label})
		}
		def.Attributes = append(def.Attributes, sa)
	}
	return h.writeAPI(w, r, http.StatusOK, def, def)
}

// apiClient identifies and rate-limits the caller. With a key, the key's
// own limit applies; without one (allowed only where required is false),
// the public API limit per client address. A bad key also counts against
// the client address, so guessing keys is throttled too.
func (h *Handler) apiClient(r *http.Request, secret string, required bool) (*portal.APIKey, error) {
	if secret == "" {
		if required {
			return nil, errAPIKey
		}
		return nil, h.allow(r, h.cfg.Limits.Open311, clientAddr(r))
	}
	key, err := h.apiKey(r.Context(), secret)
	if errors.Is(err, portal.ErrNotFound) {
		if err := h.allow(r, h.cfg.Limits.Open311, clientAddr(r)); err != nil {
			return nil, err
		}
		return nil, errAPIKey
	}
	if err != nil {
		return nil, err
	}
	if err := h.allow(r, key.Limit(), strconv.FormatInt(key.ID, 10)); err != nil {
		return nil, err
	}
	return &key, nil
}

// apiRead checks a GET's query string and identifies its caller (a key is
// optional for reading).
func (h *Handler) apiRead(r *http.Request) (url.Values, error) {
	q, err := apiQuery(r)
	if err != nil {
		return nil, err
	}
	_, err = h.apiClient(r, q.Get("api_key"), false)
	return q, err
}

// apiQuery is the query string of a GET, refusing hostile bytes as parseForm
// does for posted forms.
func apiQuery(r *http.Request) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errBadRequest
	}
	for k, vs := range q {
		if !portal.CleanText(k) {
			return nil, errBadRequest
		}
		for _, v := range vs {
			if !portal.CleanText(v) {
				return nil, errBadRequest
			}
		}
	}
	return q, nil
}
