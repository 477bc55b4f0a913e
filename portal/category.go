package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what force administrators may write into a category.
const (
	MaxCategoryName   = 100
	MaxCategoryHint   = 250
	MaxCategoryNotice = 500
	MaxCategoryOrder  = 99999
)

// CategoryRecord is a category as force administrators manage it: with its
// place in its group and whether residents are offered it. A retired
// (inactive) category is never deleted, because reports refer to it.
type CategoryRecord struct {
	Category
	SortOrder int
	Active    bool
}

// ShortLabel is the type's name on the administrators' pages, where the
// resident-facing heading (Label) would be too long.
func (t ASBType) ShortLabel() string {
	switch t {
	case ASBPersonal:
		return "Personal"
	case ASBNuisance:
		return "Nuisance"
	case ASBEnvironmental:
		return "Environmental"
	case ASBSexualPredatory:
		return "Sexual or predatory"
	}
	return string(t)
}

// NextCategoryOrder suggests a position for a new category: after every
// existing one, leaving a gap of 10 as the seeded categories do.
func NextCategoryOrder(cats []CategoryRecord) int {
	next := 10
	for _, c := range cats {
		if c.SortOrder+10 > next {
			next = c.SortOrder + 10
		}
	}
	return min(next, MaxCategoryOrder)
}

// CategoryInput is the form that adds or changes a category. Order is kept
// as typed so that a mistake can be shown back to the administrator.
type CategoryInput struct {
	Code   string
	Type   string
	Name   string
	Hint   string
	Notice string
	Order  string
}

// categoryCodeRE is lowercase words joined by single hyphens; the database
// also limits codes to 2 to 40 characters.
var categoryCodeRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Tidy collapses runs of spaces and line breaks in the texts (residents see
// them inside a radio button's hint, where line breaks would be lost).
func (in CategoryInput) Tidy() CategoryInput {
	squash := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	in.Code, in.Type, in.Order = strings.TrimSpace(in.Code), strings.TrimSpace(in.Type), strings.TrimSpace(in.Order)
	in.Name, in.Hint, in.Notice = squash(in.Name), squash(in.Hint), squash(in.Notice)
	return in
}

// Validate returns every problem with the form at once. The code is checked
// only when the category is new: it never changes afterwards.
func (in CategoryInput) Validate(isNew bool) FieldErrors {
	fe := FieldErrors{}
	if isNew {
		switch n := len(in.Code); {
		case n == 0:
			fe.Add("code", "Enter a code")
		case !categoryCodeRE.MatchString(in.Code):
			fe.Add("code", "Code must only include lowercase letters, numbers and hyphens between words, like street-drinking")
		case n < 2 || n > 40:
			fe.Add("code", "Code must be between 2 and 40 characters")
		}
	}
	if !validASBType(in.Type) {
		fe.Add("type", "Select the type of anti-social behaviour")
	}
	if in.Name == "" {
		fe.Add("name", "Enter a name")
	}
	categoryText(fe, "name", "Name", in.Name, MaxCategoryName)
	categoryText(fe, "hint", "Hint", in.Hint, MaxCategoryHint)
	categoryText(fe, "notice", "Notice", in.Notice, MaxCategoryNotice)
	if in.Order == "" {
		fe.Add("order", "Enter a position in the list, like 45")
	} else if n, err := strconv.Atoi(in.Order); err != nil {
		fe.Add("order", "Position must be a whole number, like 45")
	} else if n < 0 || n > MaxCategoryOrder {
		fe.Add("order", "Position must be between 0 and 99999")
	}
	return fe
}

func validASBType(t string) bool {
	for _, v := range ASBTypes {
		if string(v) == t {
			return true
		}
	}
	return false
}

func categoryText(fe FieldErrors, field, label, v string, limit int) {
	if utf8.RuneCountInString(v) > limit {
		fe.Add(field, label+" must be "+strconv.Itoa(limit)+" characters or fewer")
	}
}

// Record is the valid input as a category (active for a new one).
func (in CategoryInput) Record() CategoryRecord {
	order, _ := strconv.Atoi(in.Order)
	return CategoryRecord{
		Category:  Category{Code: in.Code, Type: ASBType(in.Type), Name: in.Name, Hint: in.Hint, Notice: in.Notice},
		SortOrder: order, Active: true,
	}
}

// CategoryInputFrom fills the change form with a category's current values.
func CategoryInputFrom(c CategoryRecord) CategoryInput {
	return CategoryInput{Code: c.Code, Type: string(c.Type), Name: c.Name, Hint: c.Hint, Notice: c.Notice,
		Order: strconv.Itoa(c.SortOrder)}
}

// Changes names the fields that differ between two versions of a category,
// for the audit log (which records what changed, not the words).
func (c CategoryRecord) Changes(after CategoryRecord) []string {
	var out []string
	add := func(field string, differ bool) {
		if differ {
			out = append(out, field)
		}
	}
	add("type", c.Type != after.Type)
	add("name", c.Name != after.Name)
	add("hint", c.Hint != after.Hint)
	add("notice", c.Notice != after.Notice)
	add("order", c.SortOrder != after.SortOrder)
	return out
}

// SameAs reports whether two versions of a category say the same thing, so
// a form sent twice (a double click) is recognised as one change.
func (c CategoryRecord) SameAs(o CategoryRecord) bool {
	return c.Code == o.Code && len(c.Changes(o)) == 0
}

// MaxBanReason is the longest reason accepted for a ban.
const MaxBanReason = 200

// BannedEmail is an email address, or a whole domain ("@example.com"),
// whose reports are accepted silently but flagged for staff, as FixMyStreet
// does with abusive senders. The sender is never told.
type BannedEmail struct {
	Pattern   string
	Reason    string
	CreatedAt time.Time
}

// Domain reports whether the ban covers a whole domain.
func (b BannedEmail) Domain() bool { return strings.HasPrefix(b.Pattern, "@") }

// ID names the ban without revealing it: the hex SHA-256 of the pattern.
// URLs and the audit log use it, since an email address is personal data.
func (b BannedEmail) ID() string { return BannedEmailID(b.Pattern) }

// BannedEmailID is the ID of a ban on pattern.
func BannedEmailID(pattern string) string {
	sum := sha256.Sum256([]byte(pattern))
	return hex.EncodeToString(sum[:])
}

// ValidBannedEmailID reports whether id looks like a ban's ID.
func ValidBannedEmailID(id string) bool {
	if len(id) != 64 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// BanInput is the form that adds a ban.
type BanInput struct {
	Pattern string
	Reason  string
}

// Tidy lowercases the pattern (bans match however the sender types their
// address) and collapses spaces in the reason.
func (in BanInput) Tidy() BanInput {
	in.Pattern = CanonicalEmail(in.Pattern)
	in.Reason = strings.Join(strings.Fields(in.Reason), " ")
	return in
}

// hostnameRE is a DNS name with at least two labels (ASCII; international
// domains in their xn-- form).
var hostnameRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Validate returns every problem with the form at once; call it on tidied
// input.
func (in BanInput) Validate() FieldErrors {
	fe := FieldErrors{}
	p := in.Pattern
	switch {
	case p == "":
		fe.Add("pattern", "Enter an email address or a domain")
	case len(p) > MaxEmailLength:
		fe.Add("pattern", "Email address or domain must be 254 characters or fewer")
	case strings.HasPrefix(p, "@"):
		if !hostnameRE.MatchString(p[1:]) {
			fe.Add("pattern", "Enter a domain in the correct format, like @example.com")
		}
	case !strings.Contains(p, "@") && hostnameRE.MatchString(p):
		fe.Add("pattern", "To ban a whole domain, start it with @, like @"+p)
	case !IsEmailAddress(p) || !hostnameRE.MatchString(p[strings.LastIndex(p, "@")+1:]):
		fe.Add("pattern", "Enter an email address in the correct format, like name@example.com, or a domain, like @example.com")
	}
	if utf8.RuneCountInString(in.Reason) > MaxBanReason {
		fe.Add("reason", "Reason must be 200 characters or fewer")
	}
	return fe
}

// Ban is the valid input as a ban.
func (in BanInput) Ban() BannedEmail { return BannedEmail{Pattern: in.Pattern, Reason: in.Reason} }
