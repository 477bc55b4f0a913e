// Command workspace times the staff workspace's heaviest pages on a
// database seeded by bench/seed (`make bench`, scripts/bench-workspace.sh):
// the triage queue's first page, a report page, and the demand heatmap and
// hotspot list of an LPA, as a sergeant of that LPA.
//
// Beacon runs in this process (handlers.New with the configuration `beacon
// serve` builds: the same middleware, session store, templates and pool)
// behind a real net/http server on 127.0.0.1; one client sends the
// requests one after another over keep-alive HTTP. The sergeant is signed
// in with a real session row (handlers.Handler.SignedInCookie, as after the
// sign-in journey and MFA). Each page is requested -warmup times untimed,
// then -n times timed from sending the request to reading the last byte of
// the response. The median and p95 are printed against the goals (queue
// and report pages p95 < 50 ms, heatmap and hotspots p95 < 200 ms); then
// the slowest page is requested once more on connections with PostgreSQL's
// auto_explain loaded, and the plan of its slowest statement is printed,
// with EXPLAIN (ANALYZE, BUFFERS) figures.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/portal"
)

func main() {
	dbURL := flag.String("db", os.Getenv("DATABASE_URL"), "PostgreSQL URL of the seeded database")
	n := flag.Int("n", 50, "timed requests per page")
	warmup := flag.Int("warmup", 10, "untimed requests per page first")
	lpa := flag.String("lpa", "north", "the LPA whose sergeant asks")
	email := flag.String("as", "sergeant@"+portal.DemoStaffDomain, "the sergeant's email address (from `beacon demo`)")
	strict := flag.Bool("strict", false, "exit 1 if a goal is missed")
	flag.Parse()
	if *dbURL == "" {
		log.Fatal("workspace: set -db or DATABASE_URL")
	}
	ok, err := run(context.Background(), *dbURL, *n, *warmup, *lpa, *email)
	if err != nil {
		log.Fatalf("workspace: %v", err)
	}
	if !ok && *strict {
		os.Exit(1)
	}
}

// page is one page to time, with its goal.
type page struct {
	name, path string
	goal       time.Duration
	times      []time.Duration
	status     int
}

func run(ctx context.Context, dbURL string, n, warmup int, lpa, email string) (bool, error) {
	store, err := db.Open(ctx, dbURL, db.Options{MaxConns: 20})
	if err != nil {
		return false, err
	}
	defer store.Close()
	base, stop, h, err := serve(store)
	if err != nil {
		return false, err
	}
	defer stop()
	uid, err := store.UserIDByEmail(ctx, email)
	if err != nil {
		return false, fmt.Errorf("the demo sergeant %s (run `beacon demo`): %w", email, err)
	}
	cookie, err := h.SignedInCookie(uid, true)
	if err != nil {
		return false, err
	}
	client := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ref, err := reportRef(client, base, cookie)
	if err != nil {
		fmt.Printf("no report page to time: %v\n", err)
		ref = "ASB-2222-2222" // answers 404: reported as not measured
	}
	pages := []*page{
		{name: "triage queue, first page", path: "/staff/queue", goal: 50 * time.Millisecond},
		{name: "report page", path: "/staff/reports/" + ref, goal: 50 * time.Millisecond},
		{name: "heatmap (LPA " + lpa + ")", path: "/staff/insight?area=" + url.QueryEscape(lpa), goal: 200 * time.Millisecond},
		{name: "hotspots (LPA " + lpa + ")", path: "/staff/insight/places?area=" + url.QueryEscape(lpa), goal: 200 * time.Millisecond},
	}
	for _, p := range pages {
		if err := measure(client, base, cookie, p, n, warmup); err != nil {
			return false, err
		}
	}
	total, err := store.ReportCount(ctx)
	if err != nil {
		return false, err
	}
	allOK := report(pages, total, n, warmup)
	slowest := slices.MaxFunc(pages, func(a, b *page) int { return int(percentile(a.times, 95) - percentile(b.times, 95)) })
	explain(ctx, dbURL, uid, slowest, lpa, store)
	return allOK, nil
}

// serve starts Beacon on a loopback port, configured as `beacon serve`
// configures it (production mode: no template reloading).
func serve(store *db.Store) (string, func(), *handlers.Handler, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	base, _ := url.Parse("http://" + ln.Addr().String())
	key := make([]byte, 32)
	rand.Read(key)
	h, err := handlers.New(handlers.Config{BaseURL: base, SessionKeys: [][]byte{key},
		RequestTimeout: 5 * time.Second, Limits: handlers.DefaultLimits()},
		store, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		ln.Close()
		return "", nil, nil, err
	}
	srv := &http.Server{Handler: h.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return base.String(), func() { srv.Close() }, h, nil
}

func get(client *http.Client, base string, cookie *http.Cookie, path string) (int, []byte, time.Duration, error) {
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		return 0, nil, 0, err
	}
	req.AddCookie(cookie)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, body, time.Since(start), err
}

var refRE = regexp.MustCompile(`/staff/reports/(ASB-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})`)

// reportRef picks the report to open: the first the queue links to.
func reportRef(client *http.Client, base string, cookie *http.Cookie) (string, error) {
	status, body, _, err := get(client, base, cookie, "/staff/queue")
	if err != nil {
		return "", err
	}
	if m := refRE.FindSubmatch(body); status == http.StatusOK && m != nil {
		return string(m[1]), nil
	}
	return "", fmt.Errorf("the triage queue answered %d with no report to open", status)
}

func measure(client *http.Client, base string, cookie *http.Cookie, p *page, n, warmup int) error {
	for i := 0; i < warmup+n; i++ {
		status, _, d, err := get(client, base, cookie, p.path)
		if err != nil {
			return fmt.Errorf("%s: %w", p.path, err)
		}
		p.status = status
		if status != http.StatusOK {
			return nil // reported as missing or failing
		}
		if i >= warmup {
			p.times = append(p.times, d)
		}
	}
	return nil
}

func percentile(ds []time.Duration, pc int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*pc + 99) / 100 // nearest rank
	return s[max(i-1, 0)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64)
}

func report(pages []*page, total, n, warmup int) bool {
	fmt.Printf("\nStaff workspace, %d reports in the database: time per request on loopback, one client, %d timed after %d warm-up\n",
		total, n, warmup)
	fmt.Printf("  %-28s %9s %9s %9s %9s  %s\n", "page", "median", "p95", "min", "max", "goal (p95)")
	ok := true
	for _, p := range pages {
		if p.status != http.StatusOK {
			fmt.Printf("  %-28s answered %d: not measured\n", p.name, p.status)
			ok = false
			continue
		}
		p95 := percentile(p.times, 95)
		verdict := "met"
		if p95 >= p.goal {
			verdict, ok = "MISSED", false
		}
		fmt.Printf("  %-28s %7s ms %7s ms %7s ms %7s ms  < %s ms: %s\n", p.name, ms(percentile(p.times, 50)), ms(p95),
			ms(slices.Min(p.times)), ms(slices.Max(p.times)), ms(p.goal), verdict)
	}
	return ok
}

var durationRE = regexp.MustCompile(`duration: ([0-9.]+) ms`)

// explain requests the slowest page once more on connections that explain
// every statement, and prints the plan of the slowest statement.
func explain(ctx context.Context, dbURL string, uid int64, p *page, lpa string, store *db.Store) {
	var mu sync.Mutex
	var plans []string
	es, err := db.OpenExplained(ctx, dbURL, func(s string) {
		mu.Lock()
		plans = append(plans, s)
		mu.Unlock()
	})
	if err != nil {
		fmt.Printf("\nauto_explain is not available (%v); EXPLAIN of the hotspot query instead:\n", err)
		explainHotspots(ctx, store, lpa)
		return
	}
	defer es.Close()
	base, stop, h, err := serve(es)
	if err != nil {
		fmt.Println("explain:", err)
		return
	}
	defer stop()
	cookie, err := h.SignedInCookie(uid, true)
	if err == nil {
		_, _, _, err = get(&http.Client{Timeout: time.Minute}, base, cookie, p.path)
	}
	if err != nil {
		fmt.Println("explain:", err)
		return
	}
	mu.Lock()
	defer mu.Unlock()
	best, bestMS := "", -1.0
	for _, s := range plans {
		if m := durationRE.FindStringSubmatch(s); m != nil {
			if d, _ := strconv.ParseFloat(m[1], 64); d > bestMS {
				best, bestMS = s, d
			}
		}
	}
	fmt.Printf("\nSlowest page by p95: %s (%s). Its slowest statement, EXPLAIN (ANALYZE, BUFFERS) by auto_explain:\n\n%s\n",
		p.name, p.path, strings.TrimSpace(best))
}

func explainHotspots(ctx context.Context, store *db.Store, lpa string) {
	lpas, err := store.LPAs(ctx)
	if err != nil {
		fmt.Println("explain:", err)
		return
	}
	area, ok := portal.FindInsightArea(portal.InsightAreas(lpas, portal.Scope{All: true}), lpa)
	if !ok {
		fmt.Println("explain: no LPA", lpa)
		return
	}
	plan, err := store.ExplainInsight(ctx, "hotspots", db.InsightQuery{Scope: portal.Scope{All: true},
		Neighbourhoods: area.Neighbourhoods, Since: time.Now().AddDate(0, 0, -portal.InsightDays)})
	if err != nil {
		fmt.Println("explain:", err)
		return
	}
	fmt.Println(plan)
}
