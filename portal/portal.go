// Package portal is Beacon's domain: its types, rules, state machines and
// validation. It knows nothing of HTTP or SQL, so every rule here can be
// table-tested without a server or a database.
package portal

import (
	"errors"
	"sort"
)

// Sentinel errors shared by every layer. The database layer translates its
// own errors into these; handlers translate these into status codes.
var (
	// ErrNotFound means the thing does not exist or the actor may not know
	// that it does (out-of-scope items answer exactly like missing ones).
	ErrNotFound = errors.New("not found")
	// ErrForbidden means the actor is known but may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict means the change clashes with the current state.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means a dependency (the database) is briefly unreachable;
	// the request may be retried.
	ErrUnavailable = errors.New("temporarily unavailable")
)

// FieldErrors maps a form field's name to a user-facing sentence. Validation
// returns all of a form's errors at once so the user can fix them together.
type FieldErrors map[string]string

// Add records msg for field unless the field already has an error: the first
// problem found is the one the user needs to fix first.
func (fe FieldErrors) Add(field, msg string) {
	if _, ok := fe[field]; !ok {
		fe[field] = msg
	}
}

// Any reports whether there is at least one error.
func (fe FieldErrors) Any() bool { return len(fe) > 0 }

// Error makes FieldErrors usable as an error value.
func (fe FieldErrors) Error() string { return "portal: invalid input" }

// Fields lists the fields with errors in a stable order, for error summaries
// that must not reshuffle between requests.
func (fe FieldErrors) Fields(order []string) []string {
	seen := make(map[string]bool, len(fe))
	var out []string
	for _, f := range order {
		if _, ok := fe[f]; ok {
			out = append(out, f)
			seen[f] = true
		}
	}
	var rest []string
	for f := range fe {
		if !seen[f] {
			rest = append(rest, f)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
