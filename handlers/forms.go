package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/beacon-portal/beacon/portal"
)

// maxFormFields caps the number of fields in one form post.
const maxFormFields = 1000

// parseForm reads a posted form. Hostile bytes (NUL, invalid UTF-8) answer
// 400 before they can reach PostgreSQL, which would refuse them with a 5xx;
// a body over the limit answers 413.
func parseForm(r *http.Request) error {
	if r.PostForm != nil {
		return nil // already parsed and checked
	}
	if err := r.ParseForm(); err != nil {
		r.PostForm = nil
		if isMaxBytes(err) || strings.Contains(err.Error(), "exceeded limit") {
			return errTooLarge
		}
		return errBadRequest
	}
	if len(r.PostForm) > maxFormFields {
		return errTooLarge
	}
	for k, vs := range r.PostForm {
		if !portal.CleanText(k) {
			return errBadRequest
		}
		for _, v := range vs {
			if !portal.CleanText(v) {
				return errBadRequest
			}
		}
	}
	return nil
}

// formValue is a posted field, trimmed, with Windows line endings made plain
// so that character counts match what the user sees.
func formValue(r *http.Request, name string) string {
	return strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get(name), "\r\n", "\n"))
}

// newIdempotencyKey is placed in each form so that the same submission sent
// twice is stored once.
func newIdempotencyKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// setErrors puts validation errors on the page in the order of the form.
func (p *Page) setErrors(fe portal.FieldErrors, order ...string) {
	p.Errors = fe
	p.ErrorOrder = fe.Fields(order)
	if len(fe) > 0 {
		p.Title = "Error: " + p.Title
	}
}

// allow applies a rate limit to the request's client address.
func (h *Handler) allow(r *http.Request, l portal.Limit, key string) error {
	ok, wait, err := h.store.Allow(r.Context(), l, key)
	if err != nil {
		return err
	}
	if !ok {
		h.log.Info("rate limited", "request_id", requestID(r.Context()), "limit", l.Name)
		return rateLimited{wait}
	}
	return nil
}
