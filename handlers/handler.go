// Package handlers is Beacon's HTTP layer: routes, middleware, sessions,
// CSRF, rendering and one file per area of the site. It holds no business
// rules (those are in portal) and no SQL (that is in db).
package handlers

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/mail"
	"github.com/beacon-portal/beacon/portal"
	"github.com/gorilla/mux"
)

// Config is what the HTTP layer needs to know about the deployment.
type Config struct {
	BaseURL        *url.URL
	SessionKeys    [][]byte // newest first
	Dev            bool
	TrustedProxies []netip.Prefix
	RequestTimeout time.Duration
	Limits         Limits
	// Targets are the triage target times per risk in working days (zero:
	// portal.DefaultTargets).
	Targets portal.Targets
	// TemplatesDir, when set (development), makes templates load from disk
	// on every render so edits show without a restart.
	TemplatesDir string
	// Now, when set, replaces the clock (tests move time without sleeping).
	Now func() time.Time
	// CourseOfferHold is how long a place offered from a course's waiting
	// list is held (zero: portal.DefaultOfferHold).
	CourseOfferHold time.Duration
	// OnRender, when set, is told the name of each template rendered; tests
	// use it to prove that every template is rendered at least once.
	OnRender func(name string)
	// Map turns on the report's optional map pin.
	Map MapConfig
}

// Limits are the rate limits applied to public forms and sign-in.
type Limits struct {
	// Forms caps unsafe requests to public forms per client address.
	Forms portal.Limit
	// Reports caps report submissions per client address and per email.
	Reports portal.Limit
	// Lookups caps report tracking look-ups per client address, so
	// references cannot be guessed.
	Lookups portal.Limit
	// Open311 caps Open311 API requests made without an API key, per
	// client address (requests with a key use the key's own limit).
	Open311 portal.Limit
	// API caps the public JSON APIs (such as the case review check) per client.
	API portal.Limit
	// PostcodeLookups caps "find your neighbourhood" look-ups per client.
	PostcodeLookups portal.Limit
	// SignInEmail caps staff sign-in attempts per typed email address,
	// whether or not it has an account; SignInIP caps failures per client.
	SignInEmail portal.Limit
	SignInIP    portal.Limit
	// MFA caps second-factor attempts per staff member.
	MFA portal.Limit
	// ResetEmail and ResetIP cap password reset requests.
	ResetEmail portal.Limit
	ResetIP    portal.Limit
	// SignInLinkEmail and SignInLinkIP cap residents' sign-in link requests.
	SignInLinkEmail portal.Limit
	SignInLinkIP    portal.Limit
	// CourseBookings caps course bookings per client address.
	CourseBookings portal.Limit
}

// all lists every limit, for changing one by name.
func (l *Limits) all() []*portal.Limit {
	return []*portal.Limit{&l.Forms, &l.Reports, &l.Lookups, &l.Open311, &l.API, &l.PostcodeLookups,
		&l.SignInEmail, &l.SignInIP, &l.MFA, &l.ResetEmail, &l.ResetIP, &l.SignInLinkEmail, &l.SignInLinkIP, &l.CourseBookings}
}

// Set changes the limit called name (its Name, e.g. "reports"); max 0
// means unlimited.
func (l *Limits) Set(name string, max int, window time.Duration) error {
	for _, lim := range l.all() {
		if lim.Name == name {
			lim.Max, lim.Window = max, window
			return nil
		}
	}
	var names []string
	for _, lim := range l.all() {
		names = append(names, lim.Name)
	}
	return fmt.Errorf("no rate limit called %q (there are: %s)", name, strings.Join(names, ", "))
}

// DefaultLimits are sized for people, not bots.
func DefaultLimits() Limits {
	return Limits{
		Forms:   portal.Limit{Name: "forms", Max: 60, Window: time.Hour},
		Reports: portal.Limit{Name: "reports", Max: 10, Window: time.Hour},
		Lookups: portal.Limit{Name: "lookups", Max: 30, Window: time.Hour},
		Open311: portal.Limit{Name: "open311", Max: 60, Window: time.Minute},

		API:             portal.Limit{Name: "api", Max: 60, Window: time.Minute},
		PostcodeLookups: portal.Limit{Name: "postcode-lookup", Max: 60, Window: time.Minute},
		SignInEmail:     portal.Limit{Name: "signin-email", Max: 10, Window: 15 * time.Minute},
		SignInIP:        portal.Limit{Name: "signin-ip", Max: 50, Window: 15 * time.Minute},
		MFA:             portal.Limit{Name: "signin-mfa", Max: 10, Window: 15 * time.Minute},
		ResetEmail:      portal.Limit{Name: "reset-email", Max: 3, Window: time.Hour},
		ResetIP:         portal.Limit{Name: "reset-ip", Max: 20, Window: time.Hour},
		SignInLinkEmail: portal.Limit{Name: "signin-link-email", Max: 5, Window: time.Hour},
		SignInLinkIP:    portal.Limit{Name: "signin-link-ip", Max: 30, Window: time.Hour},
		CourseBookings:  portal.Limit{Name: "course-bookings", Max: 20, Window: time.Hour},
	}
}

// Handler holds every dependency of the HTTP layer; there are no globals.
type Handler struct {
	cfg       Config
	store     *db.Store
	log       *slog.Logger
	router    *mux.Router
	templates *templateCache
	assets    *assets
	sessions  *sessionStore
	mail      *mail.Renderer
	ready     atomic.Bool
	open311   open311Cache
	// consultations spares respondents' pages a read (consultation_cache.go).
	consultations consultationCache
}

// New builds the handler and parses every template once.
func New(cfg Config, store *db.Store, log *slog.Logger) (*Handler, error) {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 5 * time.Second
	}
	if cfg.Targets.IsZero() {
		cfg.Targets = portal.DefaultTargets()
	}
	if len(cfg.SessionKeys) == 0 {
		return nil, fmt.Errorf("handlers: at least one session key is required")
	}
	h := &Handler{cfg: cfg, store: store, log: log}
	h.ready.Store(true)
	var err error
	if h.assets, err = newAssets(); err != nil {
		return nil, err
	}
	h.sessions = newSessionStore(store, cfg.SessionKeys, cfg.BaseURL.Scheme == "https")
	if h.mail, err = mail.NewRenderer(cfg.BaseURL.String()); err != nil {
		return nil, err
	}
	h.router = h.routes()
	if h.templates, err = newTemplateCache(cfg.TemplatesDir, h.funcs()); err != nil {
		return nil, err
	}
	return h, nil
}

// SetReady turns /readyz on or off; it is turned off first on shutdown so a
// load balancer stops sending new requests before the server closes.
func (h *Handler) SetReady(ok bool) { h.ready.Store(ok) }

// london is the time zone of every date residents and staff see.
var london = mustLoadLocation("Europe/London")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("handlers: time zone " + name + ": " + err.Error())
	}
	return loc
}

// now is the time in England and Wales.
func (h *Handler) now() time.Time {
	if h.cfg.Now != nil {
		return h.cfg.Now().In(london)
	}
	return time.Now().In(london)
}

// TemplateNames lists every page template.
func (h *Handler) TemplateNames() []string { return h.templates.names() }

// https reports whether users reach Beacon over TLS.
func (h *Handler) https() bool { return h.cfg.BaseURL.Scheme == "https" }

// templateFS is where templates come from: the embedded copy, or the disk
// in development.
func templateFS(dir string, embedded fs.FS) fs.FS {
	if dir != "" {
		return osDirFS(dir)
	}
	return embedded
}
