package handlers

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// The Open311 GeoReport v2 wire formats. Every response exists in JSON and
// in XML; the XML shapes follow the specification's examples
// (<services><service>…, <service_requests><request>…, <errors><error>…).

// apiError is an Open311 error: the HTTP status is also its code, and each
// description is one problem, so a partner sees every fault at once.
type apiError struct {
	status       int
	descriptions []string
}

func (e apiError) Error() string { return "handlers: open311 " + strconv.Itoa(e.status) }

func apiBadRequest(descriptions ...string) apiError {
	return apiError{http.StatusBadRequest, descriptions}
}

// errAPIKey answers a missing, unknown or revoked key alike, so keys cannot
// be probed.
var errAPIKey = apiError{http.StatusForbidden, []string{"api_key is missing, unknown or revoked: ask the force's administrators for a key"}}

type errorJSON struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

type errorsXML struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []errorJSON `xml:"error"`
}

// api adapts an Open311 handler as wrap does for pages, but answers errors
// in the specification's form (JSON or XML, as the path asked) rather than
// with an HTML page.
func (h *Handler) api(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.serveAPIError(w, r, err)
		}
	})
}

func (h *Handler) serveAPIError(w http.ResponseWriter, r *http.Request, err error) {
	var ae apiError
	var se statusError
	var rl rateLimited
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &rl):
		secs := max(int(rl.retryAfter.Round(time.Second)/time.Second), 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		ae = apiError{http.StatusTooManyRequests, []string{"Too many requests: wait " + strconv.Itoa(secs) + " seconds and try again"}}
	case errors.As(err, &se):
		ae = apiError{se.status, []string{apiStatusText(se)}}
	case errors.Is(err, portal.ErrNotFound):
		ae = apiError{http.StatusNotFound, []string{"Not found"}}
	case errors.Is(err, portal.ErrUnavailable):
		w.Header().Set("Retry-After", "2")
		ae = apiError{http.StatusServiceUnavailable, []string{"The service is briefly unavailable: nothing was saved twice; try again in a few seconds"}}
		h.log.Warn("database unavailable", "request_id", requestID(r.Context()), "err", err)
	default:
		ae = apiError{http.StatusInternalServerError, []string{"Sorry, there is a problem with the service: try again later"}}
		h.log.Error("request failed", "request_id", requestID(r.Context()), "err", err)
	}
	list := make([]errorJSON, len(ae.descriptions))
	for i, d := range ae.descriptions {
		list[i] = errorJSON{ae.status, d}
	}
	if err := h.writeAPI(w, r, ae.status, list, errorsXML{Errors: list}); err != nil {
		h.log.Warn("write open311 error", "request_id", requestID(r.Context()), "err", err)
	}
}

func apiStatusText(se statusError) string {
	switch se.status {
	case http.StatusBadRequest:
		return "The request could not be read: send form-encoded UTF-8 text without NUL bytes"
	case http.StatusRequestEntityTooLarge:
		return "The request is too large"
	}
	return se.heading
}

// apiFormat is the format the path asked for: "json" or "xml".
func apiFormat(r *http.Request) string {
	if routeVar(r, "format") == "xml" {
		return "xml"
	}
	return "json"
}

// writeAPI encodes into a buffer first, so an encoding failure is a clean
// 500 rather than half a document.
func (h *Handler) writeAPI(w http.ResponseWriter, r *http.Request, status int, jsonV, xmlV any) error {
	var buf bytes.Buffer
	ctype := "application/json; charset=utf-8"
	if apiFormat(r) == "xml" {
		ctype = "text/xml; charset=utf-8"
		buf.WriteString(xml.Header)
		if err := xml.NewEncoder(&buf).Encode(xmlV); err != nil {
			return err
		}
		buf.WriteByte('\n')
	} else if err := json.NewEncoder(&buf).Encode(jsonV); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// discovery is discovery.json|xml.
type discovery struct {
	XMLName    xml.Name            `json:"-" xml:"discovery"`
	Changeset  string              `json:"changeset" xml:"changeset"`
	Contact    string              `json:"contact" xml:"contact"`
	KeyService string              `json:"key_service" xml:"key_service"`
	Endpoints  []discoveryEndpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

type discoveryEndpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

// service is one entry of services.json|xml.
type service struct {
	Code        string `json:"service_code" xml:"service_code"`
	Name        string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

type servicesXML struct {
	XMLName  xml.Name  `xml:"services"`
	Services []service `xml:"service"`
}

// serviceDefinition is services/{code}.json|xml.
type serviceDefinition struct {
	XMLName    xml.Name           `json:"-" xml:"service_definition"`
	Code       string             `json:"service_code" xml:"service_code"`
	Attributes []serviceAttribute `json:"attributes" xml:"attributes>attribute"`
}

type serviceAttribute struct {
	Variable            bool           `json:"variable" xml:"variable"`
	Code                string         `json:"code" xml:"code"`
	Datatype            string         `json:"datatype" xml:"datatype"`
	Required            bool           `json:"required" xml:"required"`
	DatatypeDescription string         `json:"datatype_description" xml:"datatype_description"`
	Order               int            `json:"order" xml:"order"`
	Description         string         `json:"description" xml:"description"`
	Values              []serviceValue `json:"values,omitempty" xml:"values>value,omitempty"`
}

type serviceValue struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// createdRequest answers POST requests.json|xml. account_id is always null:
// Beacon does not link partner submissions to resident accounts.
type createdRequest struct {
	ID           string  `json:"service_request_id" xml:"service_request_id"`
	Notice       string  `json:"service_notice" xml:"service_notice"`
	AccountID    *string `json:"account_id" xml:"-"`
	XMLAccountID string  `json:"-" xml:"account_id"`
}

type createdRequestsXML struct {
	XMLName  xml.Name         `xml:"service_requests"`
	Requests []createdRequest `xml:"request"`
}

// serviceRequestOut is one report as GET requests shows it. There is no
// field for the description, the address, the reporter or photos, so no
// code path can leak them.
type serviceRequestOut struct {
	ID        string   `json:"service_request_id" xml:"service_request_id"`
	Status    string   `json:"status" xml:"status"`
	Name      string   `json:"service_name" xml:"service_name"`
	Code      string   `json:"service_code" xml:"service_code"`
	Requested string   `json:"requested_datetime" xml:"requested_datetime"`
	Updated   string   `json:"updated_datetime" xml:"updated_datetime"`
	Agency    string   `json:"agency_responsible" xml:"agency_responsible"`
	Lat       *float64 `json:"lat,omitempty" xml:"lat,omitempty"`
	Long      *float64 `json:"long,omitempty" xml:"long,omitempty"`
}

type serviceRequestsXML struct {
	XMLName  xml.Name            `xml:"service_requests"`
	Requests []serviceRequestOut `xml:"request"`
}

func serviceRequestsOut(list []portal.ServiceRequest) []serviceRequestOut {
	out := make([]serviceRequestOut, len(list))
	for i, sr := range list {
		o := serviceRequestOut{ID: sr.Reference, Status: portal.Open311Status(sr.Status), Name: sr.CategoryName,
			Code: sr.CategoryCode, Requested: w3cTime(sr.CreatedAt), Updated: w3cTime(sr.UpdatedAt), Agency: sr.Agency}
		if sr.HasLocation {
			lat, lon := portal.RoundCoordinate(sr.Lat), portal.RoundCoordinate(sr.Lon)
			o.Lat, o.Long = &lat, &lon
		}
		out[i] = o
	}
	return out
}

// w3cTime is a time as GeoReport writes it, in UK local time with offset.
func w3cTime(t time.Time) string { return t.In(london).Format(time.RFC3339) }
