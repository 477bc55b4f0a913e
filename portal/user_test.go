package portal

import "testing"

func TestRoles(t *testing.T) {
	for _, r := range StaffRoles {
		if !r.Staff() || r.Label() == string(r) {
			t.Errorf("%s: Staff()=%v Label()=%q", r, r.Staff(), r.Label())
		}
	}
	if RoleResident.Staff() {
		t.Error("resident is not staff")
	}
	var nobody *User
	if nobody.IsStaff() || nobody.Has(RoleForceAdmin) || nobody.IsVolunteer() {
		t.Error("nil user has powers")
	}
	u := &User{Role: RoleResident, VolunteerRole: VolunteerStreetPastor}
	if u.IsVolunteer() {
		t.Error("unverified volunteer counted as volunteer")
	}
	u.VolunteerVerified = true
	if !u.IsVolunteer() {
		t.Error("verified volunteer not counted")
	}
}

func TestScopeCovers(t *testing.T) {
	tests := []struct {
		scope Scope
		id    int64
		want  bool
	}{
		{Scope{All: true}, 7, true},
		{Scope{Neighbourhoods: []int64{1, 2}}, 2, true},
		{Scope{Neighbourhoods: []int64{1, 2}}, 3, false},
		{Scope{}, 1, false},
	}
	for _, tt := range tests {
		if got := tt.scope.Covers(tt.id); got != tt.want {
			t.Errorf("%+v.Covers(%d) = %v", tt.scope, tt.id, got)
		}
	}
}
