package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// The case review check API: partner websites (and Beacon's own tests) ask
// whether a list of complaints meets an area's ASB Case Review threshold.
// JSON in and out, no sign-in, rate limited per client.

// maxCheckComplaints bounds one request's work.
const maxCheckComplaints = 200

type checkRequest struct {
	Area            string           `json:"area"`
	ApplicationDate string           `json:"application_date"`
	Complaints      []checkComplaint `json:"complaints"`
}

type checkComplaint struct {
	Incident    string `json:"incident"`
	Problem     string `json:"problem"`
	OccurredOn  string `json:"occurred_on"`
	ReportedOn  string `json:"reported_on"`
	Agency      string `json:"agency"`
	Complainant string `json:"complainant"`
	Hate        bool   `json:"hate"`
}

type checkResponse struct {
	Area                string                   `json:"area"`
	PolicyVersion       int                      `json:"policy_version"`
	Result              string                   `json:"result"`
	Route               *string                  `json:"route"`
	QualifyingIncidents int                      `json:"qualifying_incidents"`
	Complaints          []portal.ComplaintResult `json:"complaints"`
	Explanation         string                   `json:"explanation"`
}

// jsonError is the API's error body: what is wrong, and where.
type jsonError struct {
	status int
	Error  string `json:"error"`
	Field  string `json:"field,omitempty"`
}

func (h *Handler) checkCaseReview(w http.ResponseWriter, r *http.Request) {
	res, jerr := h.runCheck(w, r)
	if jerr != nil {
		writeJSON(w, jerr.status, jerr)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (h *Handler) runCheck(w http.ResponseWriter, r *http.Request) (*checkResponse, *jsonError) {
	if err := h.allow(r, h.cfg.Limits.API, clientAddr(r)); err != nil {
		var rl rateLimited
		if errors.As(err, &rl) {
			secs := max(int(rl.retryAfter/time.Second), 1)
			w.Header().Set("Retry-After", fmt.Sprint(secs))
			return nil, &jsonError{status: http.StatusTooManyRequests, Error: fmt.Sprintf("too many requests: wait %d seconds and try again", secs)}
		}
		return nil, h.internalJSON(r, err)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil, &jsonError{status: http.StatusUnsupportedMediaType, Error: "send JSON with Content-Type: application/json"}
	}
	req, jerr := decodeCheck(r.Body)
	if jerr != nil {
		return nil, jerr
	}
	application := h.now()
	if req.ApplicationDate != "" {
		t, err := time.Parse(time.DateOnly, req.ApplicationDate)
		if err != nil {
			return nil, &jsonError{status: 400, Error: "give the date as YYYY-MM-DD", Field: "application_date"}
		}
		application = t
	}
	application = time.Date(application.Year(), application.Month(), application.Day(), 0, 0, 0, 0, time.UTC)
	complaints, jerr := toComplaints(req.Complaints)
	if jerr != nil {
		return nil, jerr
	}
	if err := portal.ValidateComplaints(complaints, application); err != nil {
		var ce portal.CheckInputError
		if errors.As(err, &ce) {
			return nil, &jsonError{status: 400, Error: ce.Message, Field: ce.Field}
		}
		return nil, h.internalJSON(r, err)
	}
	policy, _, err := h.store.CaseReviewPolicy(r.Context(), req.Area, application)
	if errors.Is(err, portal.ErrNotFound) {
		return nil, &jsonError{status: http.StatusNotFound, Error: "no case review policy for that area", Field: "area"}
	}
	if err != nil {
		return nil, h.internalJSON(r, err)
	}
	out := policy.Check(complaints, application)
	resp := &checkResponse{Area: policy.Area, PolicyVersion: policy.Version, Result: out.Result,
		QualifyingIncidents: out.QualifyingIncidents, Complaints: out.Complaints, Explanation: out.Explanation}
	if out.Route != "" {
		route := string(out.Route)
		resp.Route = &route
	}
	return resp, nil
}

// decodeCheck reads the request strictly: unknown fields, trailing data and
// hostile bytes are refused with the field at fault where it is known.
func decodeCheck(body io.Reader) (checkRequest, *jsonError) {
	var req checkRequest
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	var typeErr *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return req, &jsonError{status: http.StatusRequestEntityTooLarge, Error: "the request is too large"}
	case errors.As(err, &typeErr):
		return req, &jsonError{status: 400, Error: "wrong type of value", Field: typeErr.Field}
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field"):
		return req, &jsonError{status: 400, Error: err.Error()[len("json: "):]}
	case err != nil:
		return req, &jsonError{status: 400, Error: "the body is not valid JSON"}
	case dec.More():
		return req, &jsonError{status: 400, Error: "the body must hold one JSON object"}
	}
	if strings.TrimSpace(req.Area) == "" {
		return req, &jsonError{status: 400, Error: "say which area's policy to check against", Field: "area"}
	}
	if len(req.Complaints) > maxCheckComplaints {
		return req, &jsonError{status: 400, Error: fmt.Sprintf("give at most %d complaints", maxCheckComplaints), Field: "complaints"}
	}
	for _, s := range []string{req.Area, req.ApplicationDate} {
		if !portal.CleanText(s) {
			return req, &jsonError{status: 400, Error: "the body holds bytes that are not text"}
		}
	}
	return req, nil
}

func toComplaints(in []checkComplaint) ([]portal.Complaint, *jsonError) {
	out := make([]portal.Complaint, len(in))
	for i, c := range in {
		for _, s := range []string{c.Incident, c.Problem, c.Agency, c.Complainant} {
			if !portal.CleanText(s) {
				return nil, &jsonError{status: 400, Error: "the body holds bytes that are not text", Field: fmt.Sprintf("complaints[%d]", i)}
			}
		}
		out[i] = portal.Complaint{Incident: c.Incident, Problem: c.Problem, Agency: c.Agency,
			Complainant: c.Complainant, Hate: c.Hate}
		var err error
		if c.OccurredOn != "" {
			if out[i].OccurredOn, err = time.Parse(time.DateOnly, c.OccurredOn); err != nil {
				return nil, &jsonError{status: 400, Error: "give the date as YYYY-MM-DD", Field: fmt.Sprintf("complaints[%d].occurred_on", i)}
			}
		}
		if c.ReportedOn != "" {
			if out[i].ReportedOn, err = time.Parse(time.DateOnly, c.ReportedOn); err != nil {
				return nil, &jsonError{status: 400, Error: "give the date as YYYY-MM-DD", Field: fmt.Sprintf("complaints[%d].reported_on", i)}
			}
		}
	}
	return out, nil
}

func (h *Handler) internalJSON(r *http.Request, err error) *jsonError {
	if errors.Is(err, portal.ErrUnavailable) {
		return &jsonError{status: http.StatusServiceUnavailable, Error: "the service is briefly unavailable: try again in a few seconds"}
	}
	h.log.Error("request failed", "request_id", requestID(r.Context()), "err", err)
	return &jsonError{status: http.StatusInternalServerError, Error: "sorry, there is a problem with the service"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
