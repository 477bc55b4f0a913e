// Command beacon is Beacon's single binary: the web portal and its
// operator commands (serve, migrate, demo, version, healthcheck).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // dates are in Europe/London on any host

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/mail"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Usage: beacon <command>

Commands:
  serve        run the web portal (ADDR, default 127.0.0.1:8080)
  migrate      apply database migrations (safe from several replicas at once)
  demo         load the demo force, areas and staff (idempotent)
  import       import neighbourhoods FILE.geojson | postcodes FILE.csv
  user         user create --email E --role R [--areas CODES]
  apikey       apikey create --name NAME [--per-minute N]
  version      print the version
  healthcheck  exit 0 if the portal on ADDR answers /healthz (for containers)

Configuration comes from the environment: see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "beacon:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand. It takes its environment and output as
// arguments so tests can drive it without touching the process's own.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, "beacon", version)
		return nil
	case "healthcheck":
		return healthcheck(getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve", "migrate", "demo", "import", "user", "apikey":
	default: // before loadConfig, so a typo is not reported as a config error
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, os.Stderr)
	switch args[0] {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "import":
		return importCmd(ctx, cfg, args[1:], stdout)
	case "user":
		return userCmd(ctx, cfg, args[1:], stdout)
	case "apikey":
		return apikeyCmd(ctx, cfg, args[1:], stdout)
	}
	return demo(ctx, cfg, stdout)
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func openStore(ctx context.Context, cfg Config) (*db.Store, error) {
	return db.Open(ctx, cfg.DatabaseURL, db.Options{MaxConns: cfg.DBMaxConns})
}

func migrate(ctx context.Context, cfg Config, stdout io.Writer) error {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	applied, err := store.Migrate(ctx)
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database is up to date")
	}
	return nil
}

func demo(ctx context.Context, cfg Config, stdout io.Writer) error {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := loadDemoGeography(ctx, store, stdout); err != nil {
		return err
	}
	if err := loadDemoTemplates(ctx, store, stdout); err != nil {
		return err
	}
	if err := loadDemoPolicies(ctx, store, stdout); err != nil {
		return err
	}
	if err := loadDemoStaff(ctx, store, stdout); err != nil {
		return err
	}
	if err := loadDemoReports(ctx, store, stdout); err != nil {
		return err
	}
	if err := loadDemoCommunity(ctx, store, stdout); err != nil { // priorities, team messages, a Neighbourhood Watch
		return err
	}
	if err := loadDemoCourses(ctx, store, stdout); err != nil { // courses, sessions and a few bookings
		return err
	}
	if err := loadDemoConsultations(ctx, store, stdout); err != nil { // an open priorities consultation
		return err
	}
	return loadDemoCases(ctx, store, stdout) // last: cases link the demo reports
}

// serve runs the portal until ctx is cancelled (SIGINT or SIGTERM), then
// shuts down gracefully.
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	if len(cfg.SessionKeys) == 0 { // development only: Validate requires keys otherwise
		key, err := devSessionKey(cfg.DataDir)
		if err != nil {
			return err
		}
		cfg.SessionKeys = [][]byte{key}
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	hcfg := handlers.Config{
		BaseURL: cfg.BaseURL, SessionKeys: cfg.SessionKeys, Dev: cfg.Dev,
		TrustedProxies: cfg.TrustedProxies, RequestTimeout: cfg.RequestTimeout,
		Limits: cfg.Limits, Targets: cfg.Targets, CourseOfferHold: cfg.CourseOfferHold, Map: cfg.Map,
	}
	if cfg.Dev {
		if _, err := os.Stat("templates/layouts"); err == nil {
			hcfg.TemplatesDir = "templates"
		}
	}
	h, err := handlers.New(hcfg, store, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (ADDR): %w", cfg.Addr, err)
	}
	go prune(ctx, store, log)
	// Course offers, reminders and follow-ups: safe on every replica.
	go h.RunCourseJobs(ctx, time.Minute)
	go h.RunAlerts(ctx, time.Minute) // email alerts: immediate and weekly digests, safe on every replica
	// The outbox sender runs beside the server and stops with it, finishing
	// (within a few seconds) the batch it is sending.
	transport, err := mail.NewTransport(cfg.SMTPURL)
	if err != nil {
		ln.Close()
		return err
	}
	sender := mail.NewSender(store, transport, mail.SenderConfig{From: cfg.MailFrom,
		Host: cfg.BaseURL.Hostname(), KeepBodies: cfg.Dev, ListenURL: cfg.DatabaseURL}, log)
	senderDone := make(chan struct{})
	go func() { defer close(senderDone); sender.Run(ctx) }()
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL.String(), "version", version)
	err = runServer(ctx, newServer(h.Handler(), log), ln, h, cfg.ShutdownDrain, cfg.ShutdownTimeout)
	<-senderDone
	return err
}

func newServer(handler http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// readiness is turned off before shutdown begins.
type readiness interface{ SetReady(bool) }

// runServer serves on ln until ctx ends. Then readiness turns off, the
// server waits drain (so load balancers notice), stops accepting new
// connections, and lets in-flight requests finish within timeout.
func runServer(ctx context.Context, srv *http.Server, ln net.Listener, ready readiness, drain, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	ready.SetReady(false)
	time.Sleep(drain)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// prune deletes expired sessions, rate-limit counters and saved
// consultation answers every minute.
func prune(ctx context.Context, store *db.Store, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := store.PruneExpired(ctx); err != nil && ctx.Err() == nil {
				log.Warn("prune expired rows", "err", err)
			}
			if err := store.PruneSavedAnswers(ctx); err != nil && ctx.Err() == nil {
				log.Warn("prune saved consultation answers", "err", err)
			}
		}
	}
}

// healthcheck is for container health checks in images without curl.
func healthcheck(getenv func(string) string) error {
	addr := getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	if strings.HasPrefix(addr, "0.0.0.0:") || strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1:" + addr[strings.LastIndex(addr, ":")+1:]
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: status %d", resp.StatusCode)
	}
	return nil
}
