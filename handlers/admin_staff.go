package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// forceAdmin wraps a force administrator's page: anyone else signed in gets
// 403, and a visitor who is not signed in is sent to the staff sign-in.
func (h *Handler) forceAdmin(fn handlerFunc) http.Handler {
	return h.requireRole(portal.RoleForceAdmin)(h.wrap(fn))
}

// adminStaffListPage lists staff accounts with a filter.
type adminStaffListPage struct {
	Page
	Staff  []portal.StaffMember
	Roles  []portal.Role
	Query  string
	Role   string
	Status string
}

func (h *Handler) listStaff(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page := &adminStaffListPage{Page: Page{Title: "Staff", Staff: true}, Roles: portal.StaffRoles,
		Query: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), Status: q.Get("status")}
	if !portal.CleanText(page.Query) || len(page.Query) > 254 ||
		page.Role != "" && !portal.Role(page.Role).Staff() ||
		!slices.Contains([]string{"", "active", "disabled"}, page.Status) {
		return errBadRequest
	}
	var err error
	page.Staff, err = h.store.ListStaff(r.Context(), db.StaffFilter{Query: page.Query, Role: portal.Role(page.Role), Status: page.Status})
	if err != nil {
		return err
	}
	if err := h.audit(r, "staff.list", "", "", map[string]string{"results": strconv.Itoa(len(page.Staff))}); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "admin_staff", page)
}

// adminAreaChoice is one checkbox of the area picker.
type adminAreaChoice struct {
	Code, Name string
	Checked    bool
}

// adminAreaGroup is an LPA's checkbox followed by its neighbourhoods'.
type adminAreaGroup struct {
	adminAreaChoice
	Neighbourhoods []adminAreaChoice
}

// adminStaffPage is the invitation form, and the staff member's page with
// the form that changes their role and areas.
type adminStaffPage struct {
	Page
	Form   portal.StaffInput
	Roles  []portal.Role
	Areas  []adminAreaGroup
	Member *portal.StaffMember // nil when inviting
	Self   bool                // the member is the admin looking at the page
}

func (h *Handler) newAdminStaffPage(r *http.Request, title string, in portal.StaffInput) (*adminStaffPage, error) {
	groups, err := h.store.LPAs(r.Context())
	if err != nil {
		return nil, err
	}
	page := &adminStaffPage{Page: Page{Title: title, Staff: true}, Form: in, Roles: portal.StaffRoles}
	for _, g := range groups {
		c := adminAreaGroup{adminAreaChoice: adminAreaChoice{g.Code, g.Name, slices.Contains(in.LPAs, g.Code)}}
		for _, n := range g.Neighbourhoods {
			c.Neighbourhoods = append(c.Neighbourhoods, adminAreaChoice{n.Code, n.Name, slices.Contains(in.Neighbourhoods, n.Code)})
		}
		page.Areas = append(page.Areas, c)
	}
	return page, nil
}

func (h *Handler) showInviteForm(w http.ResponseWriter, r *http.Request) error {
	page, err := h.newAdminStaffPage(r, "Invite a member of staff", portal.StaffInput{IdempotencyKey: newIdempotencyKey()})
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "admin_staff_member", page)
}

// adminStaffForm reads the role and area answers shared by both staff forms.
func adminStaffForm(r *http.Request) portal.StaffInput {
	return portal.StaffInput{
		IdempotencyKey: formValue(r, "idempotency_key"),
		Email:          formValue(r, "email"),
		DisplayName:    formValue(r, "name"),
		Role:           portal.Role(formValue(r, "role")),
		LPAs:           r.PostForm["lpas"],
		Neighbourhoods: r.PostForm["neighbourhoods"],
	}
}

var adminStaffFields = []string{"email", "name", "role", "areas"}

func (h *Handler) inviteStaff(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	in := adminStaffForm(r)
	fe := in.ValidateInvite()
	if !fe.Any() {
		if id, err := h.store.StaffInvitedWithKey(r.Context(), in.IdempotencyKey); err == nil {
			return h.acctRedirect(w, r, "admin.staff.member", "id", strconv.FormatInt(id, 10)) // sent twice
		}
		id, err := h.createInvitation(r, in)
		switch {
		case errors.Is(err, portal.ErrConflict):
			if id, err := h.store.StaffInvitedWithKey(r.Context(), in.IdempotencyKey); err == nil {
				return h.acctRedirect(w, r, "admin.staff.member", "id", strconv.FormatInt(id, 10))
			}
			fe.Add("email", "There is already an account with this email address")
		case errors.Is(err, portal.ErrNotFound):
			fe.Add("areas", "Select areas from the list")
		case err != nil:
			return err
		default:
			if err := h.flash(w, r, "Invitation sent to "+in.DisplayName); err != nil {
				return err
			}
			return h.acctRedirect(w, r, "admin.staff.member", "id", strconv.FormatInt(id, 10))
		}
	}
	if !portal.ValidIdempotencyKey(in.IdempotencyKey) {
		in.IdempotencyKey = newIdempotencyKey()
	}
	page, err := h.newAdminStaffPage(r, "Invite a member of staff", in)
	if err != nil {
		return err
	}
	page.setErrors(fe, adminStaffFields...)
	return h.render(w, r, http.StatusUnprocessableEntity, "admin_staff_member", page)
}

// createInvitation creates the account, its areas, the link to set a
// password, the email and the audit row in one transaction.
func (h *Handler) createInvitation(r *http.Request, in portal.StaffInput) (int64, error) {
	var id int64
	lpas, nbhs := in.Areas()
	err := h.store.InTx(r.Context(), func(tx *db.Tx) error {
		var err error
		id, err = tx.CreateUser(r.Context(), db.NewUser{Email: portal.CanonicalEmail(in.Email), Role: in.Role, DisplayName: in.DisplayName})
		if err != nil {
			return err
		}
		if err := tx.SetStaffAreas(r.Context(), id, lpas, nbhs); err != nil {
			return err
		}
		token, err := tx.CreateAuthToken(r.Context(), id, portal.TokenPasswordSet, portal.StaffInviteLifetime)
		if err != nil {
			return err
		}
		m, err := h.mail.Render("admin_invite", portal.CanonicalEmail(in.Email), struct {
			Name, Role, URL string
			Days            int
		}{in.DisplayName, in.Role.Label(), h.passwordSetURL(token), int(portal.StaffInviteLifetime.Hours() / 24)})
		if err != nil {
			return err
		}
		if err := tx.Enqueue(r.Context(), m); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "staff.invite", "user", strconv.FormatInt(id, 10), map[string]string{
			"role": string(in.Role), "lpas": strings.Join(lpas, ","), "neighbourhoods": strings.Join(nbhs, ","),
			"key": in.IdempotencyKey}))
	})
	return id, err
}

// adminStaffMember loads the member named in the URL; residents' IDs are not found.
func (h *Handler) adminStaffMember(r *http.Request) (portal.StaffMember, error) {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return portal.StaffMember{}, errNotFound
	}
	return h.store.StaffMember(r.Context(), id)
}

func (h *Handler) adminMemberPage(r *http.Request, m portal.StaffMember, in portal.StaffInput) (*adminStaffPage, error) {
	page, err := h.newAdminStaffPage(r, m.Name(), in)
	if err != nil {
		return nil, err
	}
	m.CreatedAt, m.LastSignInAt = m.CreatedAt.In(london), m.LastSignInAt.In(london)
	page.Member, page.Self = &m, m.ID == currentUser(r).ID
	return page, nil
}

// adminMemberInput is the member's current role and areas, to fill the form.
func adminMemberInput(m portal.StaffMember) portal.StaffInput {
	in := portal.StaffInput{Role: m.Role}
	for _, a := range m.Areas {
		if a.LPA {
			in.LPAs = append(in.LPAs, a.Code)
		} else {
			in.Neighbourhoods = append(in.Neighbourhoods, a.Code)
		}
	}
	return in
}

func (h *Handler) showStaffMember(w http.ResponseWriter, r *http.Request) error {
	m, err := h.adminStaffMember(r)
	if err != nil {
		return err
	}
	page, err := h.adminMemberPage(r, m, adminMemberInput(m))
	if err != nil {
		return err
	}
	if err := h.audit(r, "staff.view", "user", strconv.FormatInt(m.ID, 10), nil); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "admin_staff_member", page)
}

func (h *Handler) updateStaffMember(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	m, err := h.adminStaffMember(r)
	if err != nil {
		return err
	}
	in := adminStaffForm(r)
	fe := in.ValidateChange()
	if m.ID == currentUser(r).ID {
		fe.Add("role", "You cannot change your own role or areas. Ask another force administrator")
	}
	if !fe.Any() {
		err = h.changeRoleAndAreas(r, m, in)
		if errors.Is(err, portal.ErrNotFound) {
			fe.Add("areas", "Select areas from the list")
		} else if err != nil {
			return err
		}
	}
	if fe.Any() {
		page, err := h.adminMemberPage(r, m, in)
		if err != nil {
			return err
		}
		page.setErrors(fe, adminStaffFields...)
		return h.render(w, r, http.StatusUnprocessableEntity, "admin_staff_member", page)
	}
	if err := h.flash(w, r, "Role and areas updated"); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "admin.staff.member", "id", strconv.FormatInt(m.ID, 10))
}

// changeRoleAndAreas writes the change and its audit row, which records the
// role and area codes before and after (codes, not personal data).
func (h *Handler) changeRoleAndAreas(r *http.Request, m portal.StaffMember, in portal.StaffInput) error {
	before := adminMemberInput(m)
	lpas, nbhs := in.Areas()
	return h.store.InTx(r.Context(), func(tx *db.Tx) error {
		if _, err := tx.SetStaffRole(r.Context(), m.ID, in.Role); err != nil {
			return err
		}
		if err := tx.SetStaffAreas(r.Context(), m.ID, lpas, nbhs); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, "staff.update", "user", strconv.FormatInt(m.ID, 10), map[string]string{
			"role_before": string(m.Role), "role_after": string(in.Role),
			"lpas_before": strings.Join(before.LPAs, ","), "lpas_after": strings.Join(lpas, ","),
			"neighbourhoods_before": strings.Join(before.Neighbourhoods, ","), "neighbourhoods_after": strings.Join(nbhs, ","),
		}))
	})
}

func (h *Handler) disableStaffMember(w http.ResponseWriter, r *http.Request) error {
	return h.adminSetDisabled(w, r, true)
}

func (h *Handler) enableStaffMember(w http.ResponseWriter, r *http.Request) error {
	return h.adminSetDisabled(w, r, false)
}

// adminSetDisabled disables (signing them out everywhere) or re-enables a
// member of staff. Nobody can disable themselves, so a force always keeps
// an administrator who can undo a mistake.
func (h *Handler) adminSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	m, err := h.adminStaffMember(r)
	if err != nil {
		return err
	}
	if m.ID == currentUser(r).ID {
		page, err := h.adminMemberPage(r, m, adminMemberInput(m))
		if err != nil {
			return err
		}
		page.setErrors(portal.FieldErrors{"status": "You cannot disable your own account. Ask another force administrator"})
		return h.render(w, r, http.StatusUnprocessableEntity, "admin_staff_member", page)
	}
	action, msg := "staff.enable", "Account enabled. They can sign in again"
	if disabled {
		action, msg = "staff.disable", "Account disabled. They have been signed out everywhere"
	}
	err = h.store.InTx(r.Context(), func(tx *db.Tx) error {
		if err := tx.SetStaffDisabled(r.Context(), m.ID, disabled); err != nil {
			return err
		}
		return tx.Audit(r.Context(), h.auditEntry(r, action, "user", strconv.FormatInt(m.ID, 10), nil))
	})
	if err != nil {
		return err
	}
	if err := h.flash(w, r, msg); err != nil {
		return err
	}
	return h.acctRedirect(w, r, "admin.staff.member", "id", strconv.FormatInt(m.ID, 10))
}
