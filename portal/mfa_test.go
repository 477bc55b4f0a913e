package portal

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestMatchTOTP(t *testing.T) {
	secret, err := NewTOTPSecret()
	if err != nil || len(secret) != 32 {
		t.Fatalf("secret %q, %v", secret, err)
	}
	url, err := TOTPKeyURL(secret, "sam@force.example")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "otpauth://totp/Beacon:sam@force.example?") || !strings.Contains(url, secret) {
		t.Fatalf("url %q", url)
	}
	now := time.Unix(1_700_000_015, 0) // 15 s into step 56666667
	step := now.Unix() / 30
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		wantOK   bool
		wantStep int64
	}{
		{"current", code(now), true, step},
		{"previous step (clock drift)", code(now.Add(-30 * time.Second)), true, step - 1},
		{"next step", code(now.Add(30 * time.Second)), true, step + 1},
		{"two steps old", code(now.Add(-60 * time.Second)), false, 0},
		{"with a space", code(now)[:3] + " " + code(now)[3:], true, step},
		{"letters", "abcdef", false, 0},
		{"too short", "12345", false, 0},
		{"empty", "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MatchTOTP(secret, tt.code, now)
			if ok != tt.wantOK || got != tt.wantStep {
				t.Fatalf("MatchTOTP = %d, %v; want %d, %v", got, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

func TestGroupSecret(t *testing.T) {
	if got := GroupSecret("ABCDEFGHIJ"); got != "ABCD EFGH IJ" {
		t.Fatalf("GroupSecret = %q", got)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, err := NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != RecoveryCodeCount {
		t.Fatalf("%d codes", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 11 || c[5] != '-' || !IsRecoveryCode(NormaliseCode(c)) {
			t.Fatalf("code %q has the wrong shape", c)
		}
		if seen[c] {
			t.Fatalf("duplicate code %q", c)
		}
		seen[c] = true
	}
	c := codes[0]
	for _, typed := range []string{c, strings.ToLower(c), strings.ReplaceAll(c, "-", ""), " " + c[:5] + " " + c[6:] + " "} {
		if !bytes.Equal(RecoveryCodeHash(typed), RecoveryCodeHash(c)) {
			t.Errorf("%q does not normalise to %q", typed, c)
		}
	}
	if bytes.Equal(RecoveryCodeHash(codes[0]), RecoveryCodeHash(codes[1])) {
		t.Fatal("two codes hash alike")
	}
}

func TestMFACodeValidate(t *testing.T) {
	tests := []struct {
		name string
		in   MFACode
		want string
	}{
		{"app code", MFACode{Code: "123 456"}, ""},
		{"recovery code where allowed", MFACode{Code: "acdef-ghjkm", AllowRecovery: true}, ""},
		{"recovery code where not allowed", MFACode{Code: "ACDEF-GHJKM"}, "6 digits"},
		{"empty", MFACode{}, "Enter the 6-digit code"},
		{"empty, recovery allowed", MFACode{AllowRecovery: true}, "or a recovery code"},
		{"nonsense", MFACode{Code: "12ab", AllowRecovery: true}, "like ACDEF-GHJKM"},
		{"confusable letters", MFACode{Code: "OOOOO-IIIII", AllowRecovery: true}, "like ACDEF-GHJKM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.Validate()["code"]
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("message %q, want %q", got, tt.want)
			}
		})
	}
}
