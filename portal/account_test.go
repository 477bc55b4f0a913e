package portal

import (
	"strings"
	"testing"
	"time"
)

func TestIsEmailAddress(t *testing.T) {
	for s, want := range map[string]bool{
		"name@example.com":               true,
		"first.last+tag@sub.example.org": true,
		"":                               false,
		"name":                           false,
		"name@localhost":                 false,
		"name@example.":                  false,
		"Name <name@example.com>":        false,
		"name @example.com":              false,
		`"quoted"@example.com`:           false,
		"a@b.c\r\nBcc: x@y.z":            false,
		strings.Repeat("a", 250) + "@example.com": false,
	} {
		if got := IsEmailAddress(s); got != want {
			t.Errorf("IsEmailAddress(%q) = %v, want %v", s, got, want)
		}
	}
	if got := CanonicalEmail("  Name@Example.COM "); got != "name@example.com" {
		t.Errorf("CanonicalEmail = %q", got)
	}
}

func TestSignInRequestValidate(t *testing.T) {
	tests := []struct {
		email, want string
	}{
		{"name@example.com", ""},
		{"", "Enter your email address"},
		{"nope", "Enter an email address in the correct format, like name@example.com"},
		{strings.Repeat("a", 255) + "@example.com", "Email address must be 254 characters or fewer"},
	}
	for _, tt := range tests {
		if got := (SignInRequest{tt.email}).Validate()["email"]; got != tt.want {
			t.Errorf("Validate(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
}

func TestVolunteerInputValidate(t *testing.T) {
	tests := []struct {
		name string
		in   VolunteerInput
		want []string
	}{
		{"valid", VolunteerInput{VolunteerStreetPastor, "Town Pastors", "Centre"}, nil},
		{"empty", VolunteerInput{}, []string{"role", "organisation", "area"}},
		{"unknown role", VolunteerInput{"sheriff", "X", "Y"}, []string{"role"}},
		{"long", VolunteerInput{VolunteerOther, strings.Repeat("é", 121), strings.Repeat("é", 120)}, []string{"organisation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.in.Validate()
			if len(fe) != len(tt.want) {
				t.Fatalf("errors %v, want fields %v", fe, tt.want)
			}
			for _, f := range tt.want {
				if fe[f] == "" {
					t.Fatalf("no error for %s in %v", f, fe)
				}
			}
		})
	}
}

func TestVolunteerRequestDecide(t *testing.T) {
	now := time.Now()
	v := VolunteerRequest{Status: VolunteerPending}
	if err := v.Decide(VolunteerPending, now); err != ErrConflict {
		t.Fatalf("deciding to pending: %v", err)
	}
	if err := v.Decide(VolunteerVerified, now); err != nil || v.Status != VolunteerVerified || !v.DecidedAt.Equal(now) {
		t.Fatalf("verify: %v %+v", err, v)
	}
	if err := v.Decide(VolunteerDeclined, now); err != ErrConflict {
		t.Fatalf("deciding twice: %v", err)
	}
}

func TestStaffInputValidate(t *testing.T) {
	key := strings.Repeat("ab", 16)
	tests := []struct {
		name   string
		in     StaffInput
		invite []string
		change []string
	}{
		{"valid", StaffInput{key, "pc@example.org", "Pat Cole", RolePCSO, []string{"N"}, nil}, nil, nil},
		{"neighbourhood only", StaffInput{key, "pc@example.org", "Pat", RoleOfficer, nil, []string{"N1"}}, nil, nil},
		{"admin needs no areas", StaffInput{key, "a@example.org", "Ali", RoleForceAdmin, nil, nil}, nil, nil},
		{"empty", StaffInput{IdempotencyKey: key}, []string{"email", "name", "role"}, []string{"role"}},
		{"no areas", StaffInput{key, "pc@example.org", "Pat", RoleSergeant, nil, nil}, []string{"areas"}, []string{"areas"}},
		{"resident role", StaffInput{key, "pc@example.org", "Pat", RoleResident, []string{"N"}, nil}, []string{"role"}, []string{"role"}},
		{"long name", StaffInput{key, "pc@example.org", strings.Repeat("x", 101), RolePCSO, []string{"N"}, nil}, []string{"name"}, nil},
		{"bad key", StaffInput{"x", "pc@example.org", "Pat", RolePCSO, []string{"N"}, nil}, []string{"email"}, nil},
	}
	check := func(t *testing.T, fe FieldErrors, want []string) {
		t.Helper()
		if len(fe) != len(want) {
			t.Fatalf("errors %v, want fields %v", fe, want)
		}
		for _, f := range want {
			if fe[f] == "" {
				t.Fatalf("no error for %s in %v", f, fe)
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, tt.in.ValidateInvite(), tt.invite)
			check(t, tt.in.ValidateChange(), tt.change)
		})
	}
	if fe := (StaffInput{IdempotencyKey: key}).ValidateInvite(); fe["email"] != "Enter their email address" {
		t.Errorf("email message %q", fe["email"])
	}
	l, n := StaffInput{Role: RoleForceAdmin, LPAs: []string{"A"}, Neighbourhoods: []string{"B"}}.Areas()
	if len(l) != 0 || len(n) != 0 || l == nil || n == nil {
		t.Errorf("force admin areas = %v %v", l, n)
	}
}

func TestAuditQueryValidate(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	date := func(d, m, y string) AuditDate { return AuditDate{d, m, y} }
	tests := []struct {
		name     string
		q        AuditQuery
		want     []string
		from, to string // RFC 3339 in London, when valid
	}{
		{"empty", AuditQuery{}, nil, "", ""},
		{"prefix", AuditQuery{Action: "staff"}, nil, "", ""},
		{"dotted", AuditQuery{Action: "staff.invite", ActorEmail: "A@Example.org"}, nil, "", ""},
		{"wildcard", AuditQuery{Action: "staff%"}, []string{"action"}, "", ""},
		{"upper case", AuditQuery{Action: "Staff"}, []string{"action"}, "", ""},
		{"bad actor", AuditQuery{ActorEmail: "nobody"}, []string{"actor"}, "", ""},
		{"long target", AuditQuery{TargetID: strings.Repeat("1", 41)}, []string{"target"}, "", ""},
		{"range", AuditQuery{From: date("1", "3", "2025"), To: date("31", "3", "2025")}, nil,
			"2025-03-01T00:00:00Z", "2025-04-01T00:00:00+01:00"},
		{"one day", AuditQuery{From: date("30", "3", "2025"), To: date("30", "3", "2025")}, nil,
			"2025-03-30T00:00:00Z", "2025-03-31T00:00:00+01:00"},
		{"not a date", AuditQuery{From: date("31", "2", "2025")}, []string{"from"}, "", ""},
		{"letters", AuditQuery{From: date("1", "x", "2025")}, []string{"from"}, "", ""},
		{"two-digit year", AuditQuery{From: date("1", "1", "25")}, []string{"from"}, "", ""},
		{"partial", AuditQuery{To: date("1", "", "2025")}, []string{"to"}, "", ""},
		{"backwards", AuditQuery{From: date("2", "3", "2025"), To: date("1", "3", "2025")}, []string{"to"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fe := tt.q.Validate(london)
			if len(fe) != len(tt.want) {
				t.Fatalf("errors %v, want fields %v", fe, tt.want)
			}
			for _, f := range tt.want {
				if fe[f] == "" {
					t.Fatalf("no error for %s in %v", f, fe)
				}
			}
			if tt.from != "" && r.From.Format(time.RFC3339) != tt.from || tt.to != "" && r.To.Format(time.RFC3339) != tt.to {
				t.Fatalf("range %v – %v, want %s – %s", r.From, r.To, tt.from, tt.to)
			}
		})
	}
}
