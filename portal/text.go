package portal

import (
	"strings"
	"unicode/utf8"
)

// CleanText reports whether s can be stored and shown as user text:
// valid UTF-8 with no NUL bytes (PostgreSQL rejects both, and a resident's
// typo must never become a server error).
func CleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
