package portal

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed" // the common-password list
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password rules for staff accounts (residents sign in by emailed link).
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// The argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes,
// 1 lane), which keeps a sign-in near 50 ms on a 2-core server while making
// each guess against a stolen hash cost the same memory.
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// DummyPasswordHash is a hash of a random password nobody knows, in the
// current format and parameters. Sign-in verifies against it when an email
// address has no account, so an unknown address costs as long as a known one.
const DummyPasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$YOKXI5YS7leScFMZPcdZCA$8JbqbwhNbAOLbjspry2jAi044yhFFBGK0/6/qKuhh1g"

// ErrBadPasswordHash means a stored hash is not in a format Beacon knows.
var ErrBadPasswordHash = errors.New("portal: unrecognised password hash")

// HashPassword returns an argon2id hash of pw in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash) with a random salt.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("portal: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC-format hash, comparing
// in constant time. The parameters are read from the hash, so hashes made
// with older parameters keep working.
func VerifyPassword(encoded, pw string) (bool, error) {
	p, salt, want, err := parsePasswordHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

type argonParams struct {
	memory, time uint32
	threads      uint8
}

func parsePasswordHash(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, ErrBadPasswordHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, ErrBadPasswordHash
	}
	// Bounds stop a corrupted row from costing the server gigabytes.
	if p.memory < 8*1024 || p.memory > 1<<20 || p.time < 1 || p.time > 10 || p.threads < 1 || p.threads > 8 {
		return p, nil, nil, ErrBadPasswordHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrBadPasswordHash
	}
	return p, salt, key, nil
}

//go:embed common_passwords.txt
var commonPasswordList string

// commonPasswords is the embedded list as a set, built on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 16384)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			set[strings.ToLower(w)] = struct{}{}
		}
	}
	return set
})

// IsCommonPassword reports whether pw is on the list of passwords people
// often use (compared ignoring case): the first ones an attacker tries.
func IsCommonPassword(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}

// NewPassword is a password someone chose for their account.
type NewPassword struct {
	Password string
	Email    string // the account's, which the password must not contain
}

// Validate checks the password policy: 12 to 256 characters, not a common
// password and not containing the email address's name part.
func (in NewPassword) Validate() FieldErrors {
	fe := FieldErrors{}
	n := utf8.RuneCountInString(in.Password)
	local, _, _ := strings.Cut(strings.ToLower(in.Email), "@")
	switch {
	case in.Password == "":
		fe.Add("password", "Enter a password")
	case n < MinPasswordLength:
		fe.Add("password", "Password must be 12 characters or more")
	case n > MaxPasswordLength:
		fe.Add("password", "Password must be 256 characters or fewer")
	case IsCommonPassword(in.Password):
		fe.Add("password", "Choose a different password. This one is on a list of passwords that people often use")
	// A name part shorter than 3 letters would rule out too much to be useful.
	case len(local) >= 3 && strings.Contains(strings.ToLower(in.Password), local):
		fe.Add("password", "Password must not contain your email address")
	}
	return fe
}

// StaffSignIn is what a member of staff types on the sign-in page.
type StaffSignIn struct {
	Email    string
	Password string
}

// BadCredentials is the one message for a wrong email address, a wrong
// password or a disabled account, so the page never reveals which.
const BadCredentials = "Enter a correct email address and password"

// Validate reports missing or malformed answers; whether they are right is
// for the database to say.
func (in StaffSignIn) Validate() FieldErrors {
	fe := FieldErrors{}
	switch {
	case in.Email == "":
		fe.Add("email", "Enter your email address")
	case !IsEmailAddress(in.Email):
		fe.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	switch {
	case in.Password == "":
		fe.Add("password", "Enter your password")
	case utf8.RuneCountInString(in.Password) > MaxPasswordLength:
		fe.Add("password", BadCredentials)
	}
	return fe
}

// TokenPurpose is what an emailed single-use token lets its holder do.
type TokenPurpose string

// The purposes of staff tokens.
const (
	TokenPasswordSet   TokenPurpose = "password_set"   // a new account's first password
	TokenPasswordReset TokenPurpose = "password_reset" // "forgot your password"
)

// PasswordResetLifetime is how long a password reset link works.
const PasswordResetLifetime = time.Hour

// DemoStaffDomain is the email domain of the demo staff accounts created by
// `beacon demo`. In development only, they may skip setting up MFA.
const DemoStaffDomain = "demoshire.police.example"

// IsDemoStaff reports whether email belongs to a demo staff account.
func IsDemoStaff(email string) bool {
	return strings.HasSuffix(strings.ToLower(email), "@"+DemoStaffDomain)
}

// ForgotPassword is a member of staff asking for a password reset link.
type ForgotPassword struct {
	Email string
}

// Validate checks the email address's shape only: whether an account has
// it is never revealed.
func (in ForgotPassword) Validate() FieldErrors {
	fe := FieldErrors{}
	switch {
	case in.Email == "":
		fe.Add("email", "Enter your email address")
	case !IsEmailAddress(in.Email):
		fe.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	return fe
}
