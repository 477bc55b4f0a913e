package portal

import "slices"

// Role is what a user may do. Staff roles are scoped to areas; residents
// have the resident role and may also hold a verified volunteer role.
type Role string

// The roles, from the most local to the force-wide.
const (
	RolePCSO                  Role = "pcso"
	RoleOfficer               Role = "officer"
	RoleSergeant              Role = "sergeant"
	RoleCaseReviewCoordinator Role = "case_review_coordinator"
	RoleForceAdmin            Role = "force_admin"
	RoleResident              Role = "resident"
)

// StaffRoles lists the staff roles in the order forms show them.
var StaffRoles = []Role{RolePCSO, RoleOfficer, RoleSergeant, RoleCaseReviewCoordinator, RoleForceAdmin}

// Label is the role's name as people say it.
func (r Role) Label() string {
	switch r {
	case RolePCSO:
		return "PCSO"
	case RoleOfficer:
		return "Police officer"
	case RoleSergeant:
		return "Sergeant"
	case RoleCaseReviewCoordinator:
		return "Case review coordinator"
	case RoleForceAdmin:
		return "Force administrator"
	case RoleResident:
		return "Resident"
	}
	return string(r)
}

// Staff reports whether r is a staff role.
func (r Role) Staff() bool { return slices.Contains(StaffRoles, r) }

// VolunteerRole is a resident's volunteering role, verified by a force admin.
type VolunteerRole string

// The volunteer roles.
const (
	VolunteerNHWCoordinator VolunteerRole = "nhw_coordinator"
	VolunteerStreetPastor   VolunteerRole = "street_pastor"
	VolunteerOther          VolunteerRole = "other_volunteer"
)

// VolunteerRoles lists the volunteer roles in the order forms show them.
var VolunteerRoles = []VolunteerRole{VolunteerNHWCoordinator, VolunteerStreetPastor, VolunteerOther}

// Label is the volunteer role's name as people say it.
func (v VolunteerRole) Label() string {
	switch v {
	case VolunteerNHWCoordinator:
		return "Neighbourhood Watch coordinator"
	case VolunteerStreetPastor:
		return "Street Pastor"
	case VolunteerOther:
		return "Other volunteer"
	}
	return string(v)
}

// Scope is the set of neighbourhoods a staff member works in. Database
// queries filter on it in SQL; All is true for force admins.
type Scope struct {
	All            bool
	Neighbourhoods []int64
}

// Covers reports whether the scope includes a neighbourhood.
func (s Scope) Covers(neighbourhoodID int64) bool {
	return s.All || slices.Contains(s.Neighbourhoods, neighbourhoodID)
}

// User is a signed-in person: staff or resident.
type User struct {
	ID                int64
	Email             string
	Role              Role
	DisplayName       string
	MFAEnabled        bool
	HasPassword       bool
	VolunteerRole     VolunteerRole
	VolunteerVerified bool
	Disabled          bool
	Scope             Scope
}

// IsStaff reports whether the user is a member of staff.
func (u *User) IsStaff() bool { return u != nil && u.Role.Staff() }

// IsVolunteer reports whether the user is a verified volunteer.
func (u *User) IsVolunteer() bool { return u != nil && u.VolunteerRole != "" && u.VolunteerVerified }

// Has reports whether the user holds one of the roles.
func (u *User) Has(roles ...Role) bool { return u != nil && slices.Contains(roles, u.Role) }

// Name is what to call the user on screen.
func (u *User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Email
}
