package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// submissionSource is one kind of thing residents send us while signed in.
// Each feature that takes submissions from residents adds one in
// submissionSources; its items then appear on the account page under their
// own heading and in the resident's data download under Key.
type submissionSource struct {
	Key     string // JSON key in the data download, e.g. "reports"
	Heading string // heading on the account page, e.g. "Reports of anti-social behaviour"
	// Route names the page showing one item; it takes the variable "ref".
	// Empty: items are listed without links.
	Route string
	List  func(ctx context.Context, userID int64) ([]portal.Submission, error)
}

// submissionSources lists every kind of submission a resident can make.
func (h *Handler) submissionSources() []submissionSource {
	return []submissionSource{
		{Key: "reports", Heading: "Reports of anti-social behaviour", Route: "reports.tracked", List: h.store.ResidentReports},
	}
}

// accountSection is one source's items as the account page shows them.
type accountSection struct {
	Heading string
	Items   []accountItem
}

type accountItem struct {
	portal.Submission
	Href string
}

// accountPage is "Your account".
type accountPage struct {
	Page
	Account  portal.ResidentAccount
	Sections []accountSection
}

func (h *Handler) showAccount(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	acc, err := h.store.ResidentAccount(r.Context(), u.ID)
	if err != nil {
		return err
	}
	acc.CreatedAt = acc.CreatedAt.In(london)
	page := &accountPage{Page: Page{Title: "Your account"}, Account: acc}
	for _, src := range h.submissionSources() {
		subs, err := src.List(r.Context(), u.ID)
		if err != nil {
			return err
		}
		if len(subs) == 0 {
			continue
		}
		sec := accountSection{Heading: src.Heading}
		for _, s := range subs {
			item := accountItem{Submission: s}
			if src.Route != "" {
				item.Href = h.routeURL(src.Route, "ref", s.Reference)
			}
			sec.Items = append(sec.Items, item)
		}
		page.Sections = append(page.Sections, sec)
	}
	return h.render(w, r, http.StatusOK, "account_home", page)
}

// accountExport is everything Beacon holds about a resident, for "Download
// your data" (the right of access).
type accountExport struct {
	GeneratedAt time.Time `json:"generated_at"`
	Account     struct {
		Email        string     `json:"email"`
		CreatedAt    time.Time  `json:"created_at"`
		LastSignInAt *time.Time `json:"last_sign_in_at"`
	} `json:"account"`
	Volunteer   *volunteerExport               `json:"volunteer"`
	Submissions map[string][]portal.Submission `json:"submissions"`
}

type volunteerExport struct {
	Role         string     `json:"role"`
	Organisation string     `json:"organisation"`
	Area         string     `json:"area"`
	Status       string     `json:"status"`
	RequestedAt  time.Time  `json:"requested_at"`
	DecidedAt    *time.Time `json:"decided_at"`
}

// downloadAccountData sends the resident their data as a JSON file. It is
// their own data, so nothing is audited and nothing personal is logged.
func (h *Handler) downloadAccountData(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	acc, err := h.store.ResidentAccount(r.Context(), u.ID)
	if err != nil {
		return err
	}
	var out accountExport
	out.GeneratedAt = time.Now().UTC()
	out.Account.Email, out.Account.CreatedAt = acc.Email, acc.CreatedAt
	out.Account.LastSignInAt = acctTimeOrNil(acc.LastSignInAt)
	if v := acc.Volunteer; v != nil {
		out.Volunteer = &volunteerExport{Role: v.Role.Label(), Organisation: v.Organisation, Area: v.Area,
			Status: string(v.Status), RequestedAt: v.CreatedAt, DecidedAt: acctTimeOrNil(v.DecidedAt)}
	}
	out.Submissions = map[string][]portal.Submission{}
	for _, src := range h.submissionSources() {
		if out.Submissions[src.Key], err = src.List(r.Context(), u.ID); err != nil {
			return err
		}
	}
	body, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="beacon-your-data.json"`)
	_, err = w.Write(append(body, '\n'))
	return err
}

func acctTimeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (h *Handler) confirmDeleteAccount(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "account_delete", &basicPage{Page{Title: "Delete your account"}})
}

// deleteAccount deletes the resident's account and signs them out. Their
// sessions go with the account; what they sent us stays with the teams
// working on it, no longer linked to them.
func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	err := h.store.DeleteResident(r.Context(), currentUser(r).ID)
	if err != nil && !errors.Is(err, portal.ErrNotFound) { // not found: a double click already deleted it
		return err
	}
	if err := h.signOut(w, r); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "account.deleted")
}

// volunteerPage is the form for registering as a volunteer.
type volunteerPage struct {
	Page
	Form  portal.VolunteerInput
	Roles []portal.VolunteerRole
}

func newVolunteerPage(in portal.VolunteerInput) *volunteerPage {
	return &volunteerPage{Page: Page{Title: "Register as a volunteer"}, Form: in, Roles: portal.VolunteerRoles}
}

// volunteerAsked reports whether the resident already volunteers or is
// waiting for a decision, in which case the form is not offered.
func (h *Handler) volunteerAsked(r *http.Request) (bool, error) {
	acc, err := h.store.ResidentAccount(r.Context(), currentUser(r).ID)
	if err != nil {
		return false, err
	}
	return acc.IsVolunteer() || acc.Volunteer != nil && acc.Volunteer.Status == portal.VolunteerPending, nil
}

func (h *Handler) showVolunteerForm(w http.ResponseWriter, r *http.Request) error {
	if asked, err := h.volunteerAsked(r); err != nil || asked {
		if err != nil {
			return err
		}
		return h.acctRedirect(w, r, "account.home")
	}
	return h.render(w, r, http.StatusOK, "account_volunteer", newVolunteerPage(portal.VolunteerInput{}))
}

func (h *Handler) createVolunteerRequest(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := portal.VolunteerInput{
		Role:         portal.VolunteerRole(formValue(r, "role")),
		Organisation: formValue(r, "organisation"),
		Area:         formValue(r, "area"),
	}
	if fe := in.Validate(); fe.Any() {
		page := newVolunteerPage(in)
		page.setErrors(fe, "role", "organisation", "area")
		return h.render(w, r, http.StatusUnprocessableEntity, "account_volunteer", page)
	}
	if err := h.allow(r, h.cfg.Limits.Forms, clientAddr(r)); err != nil {
		return err
	}
	if asked, err := h.volunteerAsked(r); err != nil || asked {
		if err != nil {
			return err
		}
		return h.acctRedirect(w, r, "account.home") // a double click: the first one counted
	}
	if _, err := h.store.RequestVolunteer(r.Context(), currentUser(r).ID, in); err != nil {
		return err
	}
	if err := h.flash(w, r, "We have received your request to register as a volunteer"); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "account.home")
}
