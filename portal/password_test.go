package portal

import (
	"errors"
	"strings"
	"testing"
)

func TestHashAndVerifyPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id with the chosen parameters", h)
	}
	again, _ := HashPassword("correct horse battery")
	if again == h {
		t.Fatal("two hashes of one password are equal: no random salt")
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse battery", true},
		{"Correct horse battery", false},
		{"correct horse battery ", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.pw, func(t *testing.T) {
			ok, err := VerifyPassword(h, tt.pw)
			if err != nil || ok != tt.want {
				t.Fatalf("VerifyPassword = %v, %v; want %v", ok, err, tt.want)
			}
		})
	}
}

func TestVerifyPasswordRejectsBadHashes(t *testing.T) {
	good, _ := HashPassword("x")
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuu5Qx9Zl7cDd7Aq0pJ2p8aH3n7wW2E9i",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"wrong version":  strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":    strings.Replace(good, "m=19456", "m=99999999", 1),
		"zero time":      strings.Replace(good, "t=2", "t=0", 1),
		"bad salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"missing fields": "$argon2id$v=19$m=19456,t=2,p=1$abc",
	} {
		t.Run(name, func(t *testing.T) {
			if ok, err := VerifyPassword(h, "x"); ok || !errors.Is(err, ErrBadPasswordHash) {
				t.Fatalf("VerifyPassword = %v, %v; want ErrBadPasswordHash", ok, err)
			}
		})
	}
}

func TestDummyHashMatchesCurrentParameters(t *testing.T) {
	h, _ := HashPassword("x")
	prefix := func(s string) string { return s[:strings.LastIndex(s[:strings.LastIndex(s, "$")], "$")] }
	if prefix(DummyPasswordHash) != prefix(h) {
		t.Fatalf("DummyPasswordHash has parameters %q, new hashes %q: regenerate it so unknown emails cost the same",
			prefix(DummyPasswordHash), prefix(h))
	}
	if ok, err := VerifyPassword(DummyPasswordHash, ""); err != nil || ok {
		t.Fatalf("dummy hash: %v, %v", ok, err)
	}
}

func TestNewPasswordPolicy(t *testing.T) {
	tests := []struct {
		name, pw, email string
		want            string // part of the message, "" for valid
	}{
		{"valid", "tangerine-lighthouse-42", "sam@force.example", ""},
		{"valid at 12", "zq8#kd0!vmw2", "sam@force.example", ""},
		{"valid at 256", strings.Repeat("é", 256), "sam@force.example", ""},
		{"empty", "", "sam@force.example", "Enter a password"},
		{"11 characters", "zq8#kd0!vmw", "sam@force.example", "12 characters or more"},
		{"257 characters", strings.Repeat("é", 257), "sam@force.example", "256 characters or fewer"},
		{"common", "password1234", "sam@force.example", "often use"},
		{"common any case", "PassWord1234", "sam@force.example", "often use"},
		{"keyboard walk", "qwertyuiop123", "sam@force.example", "often use"},
		{"repeated", "aaaaaaaaaaaaaa", "sam@force.example", "often use"},
		{"contains email name", "my-j.bloggs-pass!", "j.bloggs@force.example", "email address"},
		{"contains email name any case", "My-J.Bloggs-Pass!", "J.Bloggs@force.example", "email address"},
		{"short email name ignored", "ab-is-fine-here!", "ab@force.example", ""},
		{"demo password passes", "demo-password-2026", "admin@demoshire.police.example", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := NewPassword{Password: tt.pw, Email: tt.email}.Validate()
			if tt.want == "" {
				if fe.Any() {
					t.Fatalf("valid password refused: %v", fe)
				}
				return
			}
			if !strings.Contains(fe["password"], tt.want) {
				t.Fatalf("message %q, want it to contain %q", fe["password"], tt.want)
			}
		})
	}
}

func TestCommonPasswordList(t *testing.T) {
	n := len(commonPasswords())
	if n < 2000 {
		t.Fatalf("common password list has %d entries, want a few thousand", n)
	}
	for _, pw := range []string{"123456", "password", "iloveyou", "Liverpool2024", "qwertyuiop"} {
		if !IsCommonPassword(pw) {
			t.Errorf("%q not on the list", pw)
		}
	}
}

func TestStaffSignInValidate(t *testing.T) {
	tests := []struct {
		name   string
		in     StaffSignIn
		fields []string
	}{
		{"valid", StaffSignIn{"sam@force.example", "anything"}, nil},
		{"empty", StaffSignIn{}, []string{"email", "password"}},
		{"bad email", StaffSignIn{"sam", "x"}, []string{"email"}},
		{"huge password", StaffSignIn{"sam@force.example", strings.Repeat("x", 300)}, []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := tt.in.Validate()
			if len(fe) != len(tt.fields) {
				t.Fatalf("errors %v, want fields %v", fe, tt.fields)
			}
			for _, f := range tt.fields {
				if fe[f] == "" {
					t.Fatalf("no error for %s: %v", f, fe)
				}
			}
		})
	}
}

func TestIsDemoStaff(t *testing.T) {
	for email, want := range map[string]bool{
		"admin@demoshire.police.example":     true,
		"PCSO@DEMOSHIRE.POLICE.EXAMPLE":      true,
		"admin@notdemoshire.police.example":  false,
		"demoshire.police.example@evil.test": false,
	} {
		if got := IsDemoStaff(email); got != want {
			t.Errorf("IsDemoStaff(%q) = %v", email, got)
		}
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		HashPassword("tangerine-lighthouse-42")
	}
}
