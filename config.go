package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/mail"
	"github.com/beacon-portal/beacon/portal"
)

// Config is Beacon's whole configuration, read once from the environment and
// passed explicitly. Secrets may come from files through *_FILE variables.
type Config struct {
	DatabaseURL     string
	Addr            string
	BaseURL         *url.URL
	SessionKeys     [][]byte // newest first: the first signs, all verify
	Dev             bool
	SMTPURL         string // see mail.ParseSMTPURL for the format
	MailFrom        string // From address of every email; default "Beacon <no-reply@BASE_URL's host>"
	LogFormat       string
	TrustedProxies  []netip.Prefix
	RequestTimeout  time.Duration
	ShutdownTimeout time.Duration
	ShutdownDrain   time.Duration
	// CourseOfferHold is how long a course place offered from a waiting
	// list is held (COURSE_OFFER_HOLD, default 48h).
	CourseOfferHold time.Duration
	DBMaxConns      int
	DataDir         string
	// Limits are the rate limits; RATE_LIMIT_* variables override the
	// defaults (0 = unlimited, e.g. for load tests on a scratch database).
	Limits handlers.Limits
	// Targets are the triage target times in working days per risk;
	// TARGET_DAYS="high=1,medium=2,low=5" changes them.
	Targets portal.Targets
	// Map is the report's optional map pin (MAP_TILES_URL, MAP_ATTRIBUTION):
	// off unless a tile server is set.
	Map handlers.MapConfig
}

// configError names the variable at fault so start-up fails with one clear line.
type configError struct {
	name, problem string
}

func (e configError) Error() string { return "config: " + e.name + ": " + e.problem }

// loadConfig reads the environment through getenv (os.Getenv in production,
// a map in tests), applies defaults and validates the result.
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:            "127.0.0.1:8080",
		LogFormat:       "json",
		RequestTimeout:  5 * time.Second,
		ShutdownTimeout: 10 * time.Second,
		DBMaxConns:      20,
		DataDir:         ".data",
		Limits:          handlers.DefaultLimits(),
		Targets:         portal.DefaultTargets(),
	}
	var errs []error
	str := func(name string, dst *string) {
		v, err := secret(getenv, name)
		if err != nil {
			errs = append(errs, err)
		} else if v != "" {
			*dst = v
		}
	}
	var base, keys, proxies string
	str("DATABASE_URL", &c.DatabaseURL)
	str("ADDR", &c.Addr)
	str("BASE_URL", &base)
	str("SESSION_KEYS", &keys)
	str("SMTP_URL", &c.SMTPURL)
	str("MAIL_FROM", &c.MailFrom)
	str("LOG_FORMAT", &c.LogFormat)
	str("TRUSTED_PROXIES", &proxies)
	str("DATA_DIR", &c.DataDir)
	str("MAP_TILES_URL", &c.Map.TilesURL)
	str("MAP_ATTRIBUTION", &c.Map.Attribution)

	dev, err := parseBool("DEV", getenv("DEV"))
	errs = append(errs, err)
	c.Dev = dev
	if c.Dev && getenv("LOG_FORMAT") == "" {
		c.LogFormat = "text"
	}
	errs = append(errs,
		parseDuration("REQUEST_TIMEOUT", getenv("REQUEST_TIMEOUT"), &c.RequestTimeout),
		parseDuration("SHUTDOWN_TIMEOUT", getenv("SHUTDOWN_TIMEOUT"), &c.ShutdownTimeout),
		parseDuration("SHUTDOWN_DRAIN", getenv("SHUTDOWN_DRAIN"), &c.ShutdownDrain),
		parseDuration("COURSE_OFFER_HOLD", getenv("COURSE_OFFER_HOLD"), &c.CourseOfferHold),
		parseInt("DB_MAX_CONNS", getenv("DB_MAX_CONNS"), &c.DBMaxConns),
		parseLimits(getenv, &c.Limits),
		parseTargets(getenv("TARGET_DAYS"), &c.Targets),
	)
	c.BaseURL, err = parseBaseURL(base, c.Addr)
	errs = append(errs, err)
	if c.MailFrom == "" && c.BaseURL != nil {
		c.MailFrom = "Beacon <no-reply@" + mailHost(c.BaseURL.Hostname()) + ">"
	}
	c.SessionKeys, err = parseKeys(keys)
	errs = append(errs, err)
	c.TrustedProxies, err = parseProxies(proxies)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate checks the rules that involve more than one variable.
func (c Config) Validate() error {
	if c.DatabaseURL == "" {
		return configError{"DATABASE_URL", "is required (e.g. postgres://user@host:5432/beacon)"}
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return configError{"DATABASE_URL", "must be a postgres:// URL"}
	}
	if len(c.SessionKeys) == 0 && !c.Dev {
		return configError{"SESSION_KEYS", "is required outside development (generate one with: openssl rand -hex 32)"}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return configError{"LOG_FORMAT", `must be "json" or "text"`}
	}
	if c.DBMaxConns < 1 {
		return configError{"DB_MAX_CONNS", "must be at least 1"}
	}
	if c.RequestTimeout <= 0 {
		return configError{"REQUEST_TIMEOUT", "must be positive"}
	}
	if err := c.Map.Validate(); err != nil {
		return configError{"MAP_TILES_URL", err.Error()}
	}
	return c.validateMail()
}

// validateMail checks SMTP_URL (required outside development: without it
// no email would ever leave) and MAIL_FROM.
func (c Config) validateMail() error {
	if c.SMTPURL == "" && !c.Dev {
		return configError{"SMTP_URL", "is required outside development (e.g. smtp://user:password@smtp.example.org:587?tls=starttls)"}
	}
	if c.SMTPURL != "" {
		if _, err := mail.ParseSMTPURL(c.SMTPURL); err != nil { // the error never repeats the URL
			return configError{"SMTP_URL", strings.TrimPrefix(err.Error(), "mail: SMTP_URL: ")}
		}
	}
	if a, err := netmail.ParseAddress(c.MailFrom); err != nil || a.Address == "" {
		return configError{"MAIL_FROM", `must be an email address such as "Beacon <no-reply@beacon.example.org>"`}
	}
	return nil
}

// mailHost is a host name usable in an email address: an IP address (a
// development BASE_URL) becomes localhost.
func mailHost(host string) string {
	if _, err := netip.ParseAddr(host); err == nil || host == "" {
		return "localhost"
	}
	return host
}

// HTTPS reports whether users reach Beacon over https, which turns on
// Secure cookies, __Host- cookie names and HSTS.
func (c Config) HTTPS() bool { return c.BaseURL.Scheme == "https" }

// secret reads NAME, or the file named by NAME_FILE (trailing newline
// trimmed). Setting both is refused: one of them would be silently ignored.
func secret(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	if file == "" {
		return v, nil
	}
	if v != "" {
		return "", configError{name, "set either " + name + " or " + name + "_FILE, not both"}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", configError{name + "_FILE", "cannot read the file"}
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func parseBool(name, v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, configError{name, "must be true/false or 1/0"}
	}
	return b, nil
}

func parseDuration(name, v string, dst *time.Duration) error {
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return configError{name, "must be a duration such as 5s or 2m"}
	}
	*dst = d
	return nil
}

func parseInt(name, v string, dst *int) error {
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return configError{name, "must be a whole number"}
	}
	*dst = n
	return nil
}

// parseTargets reads TARGET_DAYS, e.g. "high=1,medium=2,low=5"; levels
// left out keep their defaults.
func parseTargets(v string, dst *portal.Targets) error {
	t, err := portal.ParseTargets(v, *dst)
	if err != nil {
		return configError{"TARGET_DAYS", err.Error()}
	}
	*dst = t
	return nil
}

// parseLimits reads RATE_LIMIT_FORMS_PER_HOUR, RATE_LIMIT_REPORTS_PER_HOUR,
// RATE_LIMIT_LOOKUPS_PER_HOUR and RATE_LIMIT_OPEN311_PER_MINUTE.
func parseLimits(getenv func(string) string, l *handlers.Limits) error {
	var errs []error
	for _, v := range []struct {
		name string
		max  *int
	}{
		{"RATE_LIMIT_FORMS_PER_HOUR", &l.Forms.Max}, {"RATE_LIMIT_REPORTS_PER_HOUR", &l.Reports.Max},
		{"RATE_LIMIT_LOOKUPS_PER_HOUR", &l.Lookups.Max}, {"RATE_LIMIT_OPEN311_PER_MINUTE", &l.Open311.Max},
	} {
		if err := parseInt(v.name, getenv(v.name), v.max); err != nil || *v.max < 0 {
			errs = append(errs, configError{v.name, "must be a whole number, 0 for unlimited"})
		}
	}
	if err := parseLimitList(getenv("RATE_LIMITS"), l); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// parseLimitList reads RATE_LIMITS: comma-separated NAME=MAX/WINDOW, such as
// "signin-email=5/15m,reports=0/1h" (MAX 0 = unlimited). Every limit can be
// changed this way; the names are listed in docs/deploy.md.
func parseLimitList(v string, l *handlers.Limits) error {
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, rest, ok1 := strings.Cut(item, "=")
		maxStr, windowStr, ok2 := strings.Cut(rest, "/")
		max, err1 := strconv.Atoi(strings.TrimSpace(maxStr))
		window, err2 := time.ParseDuration(strings.TrimSpace(windowStr))
		if !ok1 || !ok2 || err1 != nil || err2 != nil || max < 0 || window <= 0 {
			return configError{"RATE_LIMITS", fmt.Sprintf("%q must look like NAME=MAX/WINDOW, e.g. reports=10/1h", item)}
		}
		if err := l.Set(strings.TrimSpace(name), max, window); err != nil {
			return configError{"RATE_LIMITS", err.Error()}
		}
	}
	return nil
}

func parseBaseURL(v, addr string) (*url.URL, error) {
	if v == "" {
		v = "http://" + addr
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, configError{"BASE_URL", "must be an absolute http(s) URL such as https://beacon.example.org"}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// parseKeys accepts comma-separated keys of at least 32 characters each.
func parseKeys(v string) ([][]byte, error) {
	var keys [][]byte
	for _, k := range strings.Split(v, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if len(k) < 32 {
			return nil, configError{"SESSION_KEYS", "each key must be at least 32 characters (generate one with: openssl rand -hex 32)"}
		}
		keys = append(keys, []byte(k))
	}
	return keys, nil
}

func parseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				return nil, configError{"TRUSTED_PROXIES", fmt.Sprintf("%q is not an IP address or CIDR range", p)}
			}
			p = netip.PrefixFrom(a, a.BitLen()).String()
		}
		pr, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, configError{"TRUSTED_PROXIES", fmt.Sprintf("%q is not an IP address or CIDR range", p)}
		}
		out = append(out, pr.Masked())
	}
	return out, nil
}

// devSessionKey returns the development session key kept under the data
// directory, creating it on first use so sign-ins survive restarts.
func devSessionKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, "session.key")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	key := hex.EncodeToString(buf)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("config: create %s: %w", dir, err)
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("config: write development session key: %w", err)
	}
	return []byte(key), nil
}
