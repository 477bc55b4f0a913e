package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// statusError is an error that answers with a particular status and page.
type statusError struct {
	status  int
	heading string
	message string
}

func (e statusError) Error() string { return fmt.Sprintf("handlers: %d %s", e.status, e.heading) }

var (
	errBadRequest = statusError{http.StatusBadRequest, "There is a problem with your request",
		"Something in what was sent could not be read. Go back, check what you typed and try again."}
	errTooLarge = statusError{http.StatusRequestEntityTooLarge, "What you sent is too large",
		"Go back and send something smaller."}
	errCSRF = statusError{http.StatusForbidden, "Your form could not be sent",
		"The form was open for too long, or it did not come from this website. Go back, refresh the page and try again."}
	errForbidden = statusError{http.StatusForbidden, "You cannot do that",
		"You do not have permission to see this page or make this change."}
	errMethodNotAllowed = statusError{http.StatusMethodNotAllowed, "You cannot do that here",
		"This page does not accept that kind of request. Go back and try again."}
	errNotFound = statusError{http.StatusNotFound, "Page not found",
		"If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."}
	errUnavailable = statusError{http.StatusServiceUnavailable, "Sorry, the service is unavailable",
		"Nothing you sent has been lost or saved twice. Try again in a few seconds."}
	errInternal = statusError{http.StatusInternalServerError, "Sorry, there is a problem with the service",
		"Try again later. If you were sending a form, check whether it arrived before sending it again."}
)

// rateLimited answers 429 with Retry-After.
type rateLimited struct{ retryAfter time.Duration }

func (e rateLimited) Error() string { return "handlers: rate limited" }

// handlerFunc is an HTTP handler that returns its error instead of writing
// it, so no handler can write an error and forget to return.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap is the one place where errors become responses: sentinel errors get
// their pages, anything else is logged once and answered with the 500 page.
func (h *Handler) wrap(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.serveError(w, r, err)
		}
	})
}

// serveError renders the page for err.
func (h *Handler) serveError(w http.ResponseWriter, r *http.Request, err error) {
	var se statusError
	var rl rateLimited
	switch {
	case errors.As(err, &se):
	case errors.As(err, &rl):
		secs := max(int(rl.retryAfter.Round(time.Second)/time.Second), 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		se = statusError{http.StatusTooManyRequests, "Too many attempts",
			"You have tried this too many times. Wait " + humanWait(secs) + " and try again."}
	case errors.Is(err, portal.ErrNotFound):
		se = errNotFound
	case errors.Is(err, portal.ErrForbidden):
		se = errForbidden
	case errors.Is(err, portal.ErrUnavailable):
		w.Header().Set("Retry-After", "2")
		se = errUnavailable
		h.log.Warn("database unavailable", "request_id", requestID(r.Context()), "err", err)
	default:
		se = errInternal
		h.log.Error("request failed", "request_id", requestID(r.Context()), "err", err)
	}
	h.renderError(w, r, se)
}

func humanWait(secs int) string {
	switch {
	case secs < 60:
		return "a minute"
	case secs < 3600:
		return strconv.Itoa((secs+59)/60) + " minutes"
	default:
		return strconv.Itoa((secs+3599)/3600) + " hours"
	}
}
