package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings: the defaults every authenticator app supports.
const (
	totpIssuer = "Beacon"
	totpPeriod = 30
	// totpSkew accepts the code of the step before and after the current
	// one, for phones whose clocks drift.
	totpSkew = 1
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPSecret makes a new random authenticator secret (160 bits, base32).
func NewTOTPSecret() (string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: "new"})
	if err != nil {
		return "", err
	}
	return key.Secret(), nil
}

// TOTPKeyURL is the otpauth:// URL an authenticator app reads from the QR
// code: the secret, labelled with the service and the account's email.
func TOTPKeyURL(secret, email string) (string, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return "", err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: email, Secret: raw,
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", err
	}
	return key.URL(), nil
}

// GroupSecret splits a secret into groups of 4 characters, easier to copy
// into an app by hand.
func GroupSecret(secret string) string {
	var b strings.Builder
	for i, r := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MatchTOTP checks a 6-digit code against secret at now, allowing one step
// of clock drift either way. It returns the time step the code belongs to,
// so that the caller can refuse a code already used (the step must be newer
// than the last one accepted).
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = NormaliseCode(code)
	if !IsTOTPCode(code) {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	for _, s := range []int64{current - totpSkew, current, current + totpSkew} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// NormaliseCode removes the spaces and hyphens people type or paste in codes
// and upper-cases the letters.
func NormaliseCode(code string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(code))
}

// IsTOTPCode reports whether a normalised code looks like an authenticator
// app's code (6 digits) rather than a recovery code.
func IsTOTPCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// RecoveryCodeCount is how many recovery codes a member of staff gets.
const RecoveryCodeCount = 10

// recoveryAlphabet has no letters or digits that are easy to confuse
// (0/O, 1/I/L, 5/S, 2/Z, 8/B), which matters for codes typed from paper.
const recoveryAlphabet = "ACDEFGHJKMNPQRTUVWXY34679"

// NewRecoveryCodes makes RecoveryCodeCount single-use codes, shown to the
// user once as XXXXX-XXXXX (10 characters: about 46 bits each).
func NewRecoveryCodes() ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		var b strings.Builder
		for b.Len() < 11 {
			if b.Len() == 5 {
				b.WriteByte('-')
			}
			c, err := randomSymbol()
			if err != nil {
				return nil, err
			}
			b.WriteByte(c)
		}
		codes[i] = b.String()
	}
	return codes, nil
}

// randomSymbol picks a letter of recoveryAlphabet uniformly, rejecting the
// bytes that would favour its first letters.
func randomSymbol() (byte, error) {
	limit := 256 - 256%len(recoveryAlphabet)
	var one [1]byte
	for {
		if _, err := rand.Read(one[:]); err != nil {
			return 0, err
		}
		if int(one[0]) < limit {
			return recoveryAlphabet[int(one[0])%len(recoveryAlphabet)], nil
		}
	}
}

// IsRecoveryCode reports whether a normalised code has the recovery code shape.
func IsRecoveryCode(code string) bool {
	if len(code) != 10 {
		return false
	}
	for _, c := range code {
		if !strings.ContainsRune(recoveryAlphabet, c) {
			return false
		}
	}
	return true
}

// RecoveryCodeHash is what is stored for a recovery code: the SHA-256 of
// its normalised form, so "abcde fghjk" matches "ABCDE-FGHJK". The codes
// are random, so a fast hash is enough.
func RecoveryCodeHash(code string) []byte {
	sum := sha256.Sum256([]byte(NormaliseCode(code)))
	return sum[:]
}

// MFACode is what someone types on the second-factor pages.
type MFACode struct {
	Code string
	// AllowRecovery accepts a recovery code as well as an app's code.
	AllowRecovery bool
}

// Validate checks the code's shape; whether it is right is checked later.
func (in MFACode) Validate() FieldErrors {
	fe := FieldErrors{}
	c := NormaliseCode(in.Code)
	switch {
	case c == "" && in.AllowRecovery:
		fe.Add("code", "Enter the 6-digit code from your authenticator app, or a recovery code")
	case c == "":
		fe.Add("code", "Enter the 6-digit code from your authenticator app")
	case IsTOTPCode(c), in.AllowRecovery && IsRecoveryCode(c):
	case in.AllowRecovery:
		fe.Add("code", "Enter a 6-digit code, or a recovery code like ACDEF-GHJKM")
	default:
		fe.Add("code", "The code must be 6 digits")
	}
	return fe
}

// WrongMFACode is the message for a code that is well formed but wrong,
// expired or already used.
const WrongMFACode = "The code is not correct or has already been used. Check your authenticator app and try again"
