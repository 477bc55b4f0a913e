package portal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Open311 GeoReport v2 lets partner systems (council CRMs, Neighbourhood
// Watch apps, housing providers) send reports into Beacon and follow their
// status. A partner request becomes a ReportDraft and passes the same
// validation as the web form; what the API gives back about a report is
// never more than its reference, category, status, dates, a location
// rounded to about 100 metres and the team dealing with it.

// Open311 attribute codes: the questions of a service definition beyond the
// standard GeoReport fields, posted as attribute[code].
const (
	AttrHate           = "hate"
	AttrHateReasons    = "hate_reasons"
	AttrImpacts        = "impacts"
	AttrHappenedBefore = "happened_before"
	AttrOccurredOn     = "occurred_on"
	AttrSafeToLeave    = "safe_to_leave"
)

// Open311Attribute is one question of a service definition, in the
// GeoReport v2 vocabulary (datatype string, datetime, singlevaluelist,
// multivaluelist ...).
type Open311Attribute struct {
	Code                string
	Datatype            string
	Required            bool
	Description         string
	DatatypeDescription string
	Values              []Option
}

var yesNo = []Option{{"yes", "Yes"}, {"no", "No"}}

// Open311Attributes are the questions every ASB service asks, in order.
// Only the hate question is required: it raises a report's priority, so a
// partner system must ask it as the web form does.
var Open311Attributes = []Open311Attribute{
	{Code: AttrHate, Datatype: "singlevaluelist", Required: true,
		Description:         "Do you think it happened because of who you are, or who someone else is? For example their disability, race, religion, sexual orientation or transgender identity.",
		DatatypeDescription: "yes, no or not-sure",
		Values:              []Option{{"yes", "Yes"}, {"no", "No"}, {"not-sure", "Not sure"}}},
	{Code: AttrHateReasons, Datatype: "multivaluelist",
		Description:         "What do you think it was because of? Required when hate is yes.",
		DatatypeDescription: "one or more keys, as attribute[hate_reasons][]",
		Values:              HateReasons},
	{Code: AttrImpacts, Datatype: "multivaluelist",
		Description:         "How is it affecting the person reporting it? Each answer raises the report's priority.",
		DatatypeDescription: "none or more keys, as attribute[impacts][]",
		Values:              Impacts},
	{Code: AttrHappenedBefore, Datatype: "singlevaluelist",
		Description:         "Has this happened before? Default: no.",
		DatatypeDescription: "yes or no",
		Values:              yesNo},
	{Code: AttrOccurredOn, Datatype: "datetime",
		Description:         "The date it happened, if not today (within the last 2 years). Default: requested_datetime's date, else today.",
		DatatypeDescription: "a date, YYYY-MM-DD"},
	{Code: AttrSafeToLeave, Datatype: "singlevaluelist",
		Description:         "Is it safe for the neighbourhood team to leave the reporter a message? Default: no.",
		DatatypeDescription: "yes or no",
		Values:              yesNo},
}

// Open311Keywords are a category's search words for services.json.
func Open311Keywords(c Category) string {
	words := []string{"anti-social behaviour", "asb"}
	switch c.Type {
	case ASBPersonal:
		words = append(words, "personal")
	case ASBNuisance:
		words = append(words, "nuisance")
	case ASBEnvironmental:
		words = append(words, "environmental")
	case ASBSexualPredatory:
		words = append(words, "sexual", "predatory")
	}
	return strings.Join(words, ",")
}

// Open311Status is a report's status in GeoReport's two words.
func Open311Status(s ReportStatus) string {
	if s == StatusClosed {
		return "closed"
	}
	return "open"
}

// ServiceRequest is everything the Open311 API tells anyone about a report:
// nothing the reporter wrote, nothing about them.
type ServiceRequest struct {
	Reference    string
	Status       ReportStatus
	CategoryCode string
	CategoryName string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// HasLocation is false for reports placed by description alone.
	HasLocation bool
	// Lat and Lon are rounded to 3 decimal places (about 100 metres).
	Lat, Lon float64
	// Agency is the neighbourhood team responsible.
	Agency string
}

// RoundCoordinate rounds a latitude or longitude to 3 decimal places, about
// 100 metres: enough to see where problems are, not whose door it is.
func RoundCoordinate(v float64) float64 { return math.Round(v*1000) / 1000 }

// MaxOpen311Requests is the most service requests one query returns.
const MaxOpen311Requests = 1000

// Open311DefaultPeriod is the period a request search covers when it gives
// no dates.
const Open311DefaultPeriod = 90 * 24 * time.Hour

// Open311Request is a partner system's POST requests.json|xml, as sent.
type Open311Request struct {
	ServiceCode       string
	Lat, Long         string // both, or neither (then AddressString is a postcode)
	AddressString     string
	Description       string
	FirstName         string
	LastName          string
	Email             string
	Phone             string
	RequestedDatetime string
	// Attributes are the attribute[code] values; multivaluelists may also
	// come as attribute[code][].
	Attributes map[string][]string
}

func (in Open311Request) attr(code string) string {
	if vs := in.Attributes[code]; len(vs) > 0 {
		return strings.TrimSpace(vs[0])
	}
	return ""
}

// Draft turns the request into a report draft and checks it with the web
// form's own validation. Errors are keyed by the Open311 parameter at
// fault. The draft's neighbourhood is left for the caller to find from the
// coordinates or the postcode; d.Postcode is normalised when given.
func (in Open311Request) Draft(cats []Category, today time.Time) (*ReportDraft, FieldErrors) {
	d := &ReportDraft{Safety: "no", CategoryCode: in.ServiceCode, Description: in.Description}
	fe := FieldErrors{}
	if d.ValidateCategory(cats).Any() {
		fe.Add("service_code", "service_code is not one of the codes listed by services.json")
	}
	in.where(d, fe)
	in.when(d, fe, today)
	remap(fe, d.ValidateDetails(), map[string]string{"description": "description"})
	d.Hate = in.attr(AttrHate)
	d.HateReasons = in.Attributes[AttrHateReasons]
	if d.Hate != "yes" {
		d.HateReasons = nil
	}
	d.Impacts = in.Attributes[AttrImpacts]
	remap(fe, d.ValidateImpact(), map[string]string{"impacts": "attribute[impacts]",
		"hate": "attribute[hate]", "hate-reasons": "attribute[hate_reasons]"})
	in.aboutYou(d, fe)
	d.Completed = slices.Clone(ReportSteps)
	return d, fe
}

// where reads the location: coordinates (with address_string as an
// optional description of the place), or a postcode in address_string.
func (in Open311Request) where(d *ReportDraft, fe FieldErrors) {
	if in.Lat == "" && in.Long == "" {
		d.Postcode = in.AddressString
		if in.AddressString == "" {
			fe.Add("address_string", "address_string (a postcode) or lat and long must give the location")
			return
		}
		if f := d.ValidateWhere(false); f.Any() {
			fe.Add("address_string", "address_string must be a UK postcode, like AB1 2CD, when lat and long are not given")
			return
		}
		d.Postcode, _ = NormalisePostcode(d.Postcode)
		return
	}
	lat, err1 := strconv.ParseFloat(in.Lat, 64)
	lon, err2 := strconv.ParseFloat(in.Long, 64)
	if err1 != nil || err2 != nil || !validCoords(lat, lon) {
		fe.Add("lat", "lat and long must both be given, as WGS84 decimal degrees")
		return
	}
	d.Latitude, d.Longitude, d.Place = lat, lon, in.AddressString
	if d.Place != "" && d.ValidateWhere(true)["place"] != "" {
		fe.Add("address_string", "address_string must be 500 characters or fewer")
	}
}

// when reads the date it happened: attribute[occurred_on], else the date
// and time of requested_datetime, else today.
func (in Open311Request) when(d *ReportDraft, fe FieldErrors, today time.Time) {
	field := "attribute[occurred_on]"
	date := today
	if v := in.attr(AttrOccurredOn); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			fe.Add(field, field+" must be a date like 2026-11-20")
			return
		}
		date = t
	} else if in.RequestedDatetime != "" {
		field = "requested_datetime"
		t, err := time.Parse(time.RFC3339, in.RequestedDatetime)
		if err != nil {
			fe.Add(field, "requested_datetime must be a W3C date and time like 2026-11-20T21:30:00Z")
			return
		}
		date = t.In(today.Location())
		d.Time = date.Format("15:04")
	}
	d.Day, d.Month, d.Year = strconv.Itoa(date.Day()), strconv.Itoa(int(date.Month())), strconv.Itoa(date.Year())
	d.HappenedBefore = in.attr(AttrHappenedBefore)
	if d.HappenedBefore == "" {
		d.HappenedBefore = "no"
	}
	remap(fe, d.ValidateWhen(today), map[string]string{"when-day": field, "time": "requested_datetime",
		"happened-before": "attribute[happened_before]"})
}

// aboutYou reads the reporter: anonymous unless a name, email or phone is
// given, in which case the web form's rules apply.
func (in Open311Request) aboutYou(d *ReportDraft, fe FieldErrors) {
	if in.FirstName == "" && in.LastName == "" && in.Email == "" && in.Phone == "" {
		d.Anonymous = "yes"
		return
	}
	d.Anonymous = "no"
	d.Name = strings.TrimSpace(in.FirstName + " " + in.LastName)
	d.Email, d.Phone = in.Email, in.Phone
	switch {
	case d.Email != "":
		d.ContactPreference = "email"
	case d.Phone != "":
		d.ContactPreference = "phone"
	}
	d.SafeToLeave = in.attr(AttrSafeToLeave)
	if d.SafeToLeave == "" {
		d.SafeToLeave = "no"
	}
	remap(fe, d.ValidateAboutYou(), map[string]string{"name": "first_name", "email": "email", "phone": "phone",
		"contact-preference": "email", "safe-to-leave": "attribute[safe_to_leave]"})
}

// remap copies the web form's errors under Open311 parameter names.
func remap(dst, src FieldErrors, names map[string]string) {
	for field, msg := range src {
		name, ok := names[field]
		if !ok {
			name = field
		}
		dst.Add(name, name+": "+msg)
	}
}

// Open311Key is the idempotency key of a partner's submission: from the
// Idempotency-Key header when the partner sends one, otherwise from the
// whole request and the day, so a retried POST finds the report it made
// and the same words sent on another day make a new one. Keys are scoped
// to the API key, so two partners cannot collide.
func Open311Key(apiKeyID int64, header string, fields map[string][]string, today time.Time) string {
	h := sha256.New()
	h.Write([]byte("open311\x00" + strconv.FormatInt(apiKeyID, 10) + "\x00"))
	if header != "" {
		h.Write([]byte("header\x00" + header))
	} else {
		h.Write([]byte("fields\x00" + today.Format(time.DateOnly) + "\x00"))
		names := make([]string, 0, len(fields))
		for k := range fields {
			if k != "api_key" {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		for _, k := range names {
			for _, v := range fields[k] {
				h.Write([]byte(strconv.Itoa(len(k)) + ":" + k + strconv.Itoa(len(v)) + ":" + v))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// MaxIdempotencyHeader is the longest Idempotency-Key header accepted.
const MaxIdempotencyHeader = 255

// APIKey is a partner system's Open311 key. Only a hash of the secret is
// kept; the prefix is shown so admins can tell keys apart.
type APIKey struct {
	ID        int64
	Name      string
	Prefix    string
	PerMinute int // 0: unlimited
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key works
}

// Limit is the key's rate limit.
func (k APIKey) Limit() Limit {
	return Limit{Name: "open311-key", Max: k.PerMinute, Window: time.Minute}
}

// The API key format: "bk_" + 8 hex digits of prefix + "_" + 43 characters
// of base64url (256 random bits).
const (
	apiKeyTag       = "bk_"
	apiKeyPrefixLen = 8
	apiKeySecretLen = 43
	apiKeyLen       = len(apiKeyTag) + apiKeyPrefixLen + 1 + apiKeySecretLen
)

// MaxAPIKeyName is the longest name of a key.
const MaxAPIKeyName = 100

// DefaultAPIKeyPerMinute is a new key's rate limit.
const DefaultAPIKeyPerMinute = 60

// ErrInvalidAPIKeyName means a key's name is empty, too long or not text.
var ErrInvalidAPIKeyName = errors.New("portal: an API key's name must be 1 to 100 characters of text on one line")

// ValidateAPIKey checks a new key's name and rate limit.
func ValidateAPIKey(name string, perMinute int) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > MaxAPIKeyName || !CleanText(name) ||
		strings.ContainsAny(name, "\r\n") {
		return ErrInvalidAPIKeyName
	}
	if perMinute < 0 {
		return errors.New("portal: an API key's rate limit must be 0 (unlimited) or more per minute")
	}
	return nil
}

// NewAPIKeySecret makes a new key: the secret to give the partner (once),
// its visible prefix and the hash to store.
func NewAPIKeySecret() (secret, prefix string, hash []byte) {
	b := make([]byte, 4+32)
	if _, err := rand.Read(b); err != nil {
		panic("portal: no randomness: " + err.Error())
	}
	prefix = hex.EncodeToString(b[:4])
	secret = apiKeyTag + prefix + "_" + base64.RawURLEncoding.EncodeToString(b[4:])
	return secret, prefix, HashAPIKey(secret)
}

// ParseAPIKey checks a presented key's form and returns its prefix and hash.
func ParseAPIKey(s string) (prefix string, hash []byte, ok bool) {
	if len(s) != apiKeyLen || !strings.HasPrefix(s, apiKeyTag) || s[len(apiKeyTag)+apiKeyPrefixLen] != '_' {
		return "", nil, false
	}
	prefix = s[len(apiKeyTag) : len(apiKeyTag)+apiKeyPrefixLen]
	if _, err := hex.DecodeString(prefix); err != nil || strings.ToLower(prefix) != prefix {
		return "", nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(s[len(apiKeyTag)+apiKeyPrefixLen+1:])
	if err != nil || len(raw) != 32 {
		return "", nil, false
	}
	return prefix, HashAPIKey(s), true
}

// HashAPIKey is what is stored of a key: SHA-256 is enough for 256 random
// bits (no password stretching needed).
func HashAPIKey(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// ValidAPIKeyPrefix reports whether s looks like a key's prefix.
func ValidAPIKeyPrefix(s string) bool {
	if len(s) != apiKeyPrefixLen {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}
