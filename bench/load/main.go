// Command load is the load generator of `make bench` (scripts/bench.sh): it
// drives a running Beacon and the bare reference server (bench/bare) on
// loopback with concurrent keep-alive clients and prints requests per
// second and latency percentiles for each scenario, then Beacon's ratio to
// the bare server and whether the goals are met.
//
// Scenarios, all creating one ASB report per request:
//
//	open311  POST /open311/v2/requests.json on Beacon with an API key
//	bare     POST /requests.json on bench/bare: one INSERT, nothing else
//	web      POST /report/check on Beacon: the web journey's final
//	         submission. Each submission needs a session holding a complete
//	         draft, so the drafts are prepared first (every step of the
//	         journey walked in its own session, untimed) and then only the
//	         final submissions are timed, all clients firing at once.
//
// open311 and bare run for a fixed time after a warm-up; web fires a fixed
// number of prepared submissions (its first share is the warm-up).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beacon-portal/beacon/db"
)

type config struct {
	beacon, bare, key string
	clients           int
	duration, warmup  time.Duration
	drafts, warmDraft int // per client
	strict            bool
	only              string
}

func main() {
	var c config
	flag.StringVar(&c.beacon, "beacon", "http://127.0.0.1:18080", "Beacon's base URL")
	flag.StringVar(&c.bare, "bare", "http://127.0.0.1:18099", "the bare reference server's base URL")
	flag.StringVar(&c.key, "key", "", "an Open311 API key without a rate limit (beacon apikey create --per-minute 0)")
	flag.IntVar(&c.clients, "c", 32, "concurrent clients")
	flag.DurationVar(&c.duration, "d", 10*time.Second, "measured time of the timed scenarios")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "untimed warm-up before each timed scenario")
	flag.IntVar(&c.drafts, "drafts", 40, "web submissions timed per client")
	flag.IntVar(&c.warmDraft, "warm-drafts", 5, "web submissions per client fired first as warm-up")
	flag.BoolVar(&c.strict, "strict", false, "exit 1 when a goal is missed")
	flag.StringVar(&c.only, "only", "", "run one scenario alone (open311, bare, web or web-email), for profiling")
	flag.Parse()
	for _, u := range []string{c.beacon, c.bare} {
		if pu, err := url.Parse(u); err != nil || (pu.Hostname() != "127.0.0.1" && pu.Hostname() != "localhost") {
			fail("load: only loopback targets are allowed, not %q", u)
		}
	}
	if c.key == "" {
		fail("load: -key is required")
	}
	os.Exit(run(c))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}

func run(c config) int {
	hc := newClient(c.clients)
	fmt.Printf("Loopback load: %d concurrent clients; open311 and bare: %s each after %s warm-up; web: %d prepared submissions per client after %d warm-up.\n\n",
		c.clients, c.duration, c.warmup, c.drafts, c.warmDraft)
	var seq atomic.Int64
	seq.Store(time.Now().UnixNano() % 1e12) // fresh reports on every run against the same database
	if c.only != "" {
		return runOnly(c, hc, &seq)
	}
	o311 := timed("Open311 POST requests.json (Beacon)", c, func() error {
		return postOpen311(hc, c.beacon+"/open311/v2/requests.json", reportForm(c.key, seq.Add(1)))
	})
	printResult(o311)
	bare := timed("bare INSERT (net/http + lib/pq)", c, func() error {
		return postOpen311(hc, c.bare+"/requests.json", reportForm("", seq.Add(1)))
	})
	printResult(bare)
	web, err := webSubmissions(c, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load: web scenario:", err)
		return 1
	}
	printResult(web)
	webMail, err := webSubmissions(c, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load: web scenario with email:", err)
		return 1
	}
	printResult(webMail)
	return verdict(c, bare, []result{o311, web}, []result{webMail})
}

func runOnly(c config, hc *http.Client, seq *atomic.Int64) int {
	var r result
	var err error
	switch c.only {
	case "open311":
		r = timed("Open311 POST requests.json (Beacon)", c, func() error {
			return postOpen311(hc, c.beacon+"/open311/v2/requests.json", reportForm(c.key, seq.Add(1)))
		})
	case "bare":
		r = timed("bare INSERT (net/http + lib/pq)", c, func() error {
			return postOpen311(hc, c.bare+"/requests.json", reportForm("", seq.Add(1)))
		})
	case "web":
		r, err = webSubmissions(c, false)
	case "web-email":
		r, err = webSubmissions(c, true)
	default:
		err = fmt.Errorf("unknown scenario %q", c.only)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 1
	}
	printResult(r)
	return 0
}

// result is one scenario's outcome.
type result struct {
	name    string
	ok      int
	errs    int
	firstEr error
	elapsed time.Duration
	lat     []time.Duration // successful requests, sorted
}

func (r result) rps() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat))*p+0.999999) - 1
	return r.lat[max(0, min(i, len(r.lat)-1))]
}

// timed runs do from c.clients goroutines for the warm-up (untimed), then
// for c.duration (timed).
func timed(name string, c config, do func() error) result {
	loop(c.clients, c.warmup, do, nil)
	res := result{name: name}
	var mu sync.Mutex
	start := time.Now()
	loop(c.clients, c.duration, do, func(d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.add(d, err)
	})
	res.elapsed = time.Since(start)
	slices.Sort(res.lat)
	return res
}

func (r *result) add(d time.Duration, err error) {
	if err != nil {
		r.errs++
		if r.firstEr == nil {
			r.firstEr = err
		}
		return
	}
	r.ok++
	r.lat = append(r.lat, d)
}

func loop(clients int, d time.Duration, do func() error, record func(time.Duration, error)) {
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				t := time.Now()
				err := do()
				if record != nil {
					record(time.Since(t), err)
				}
			}
		})
	}
	wg.Wait()
}

func newClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost = clients*4, clients*2, 0
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var postcodes = func() []string {
	var all []string
	for _, pcs := range db.DemoPostcodes() {
		all = append(all, pcs...)
	}
	slices.Sort(all)
	return all
}()

// reportForm is a partner's submission, made unique by n so that every
// request creates a report (a repeat would be answered from the first).
func reportForm(key string, n int64) url.Values {
	v := url.Values{
		"service_code":         {"noise"},
		"address_string":       {postcodes[int(n)%len(postcodes)]},
		"description":          {fmt.Sprintf("Load test report %d: loud music and shouting from a flat until 3am, most weekends.", n)},
		"first_name":           {"Bench"},
		"last_name":            {"Resident"},
		"email":                {fmt.Sprintf("bench%d@example.org", n%1000)},
		"attribute[hate]":      {"no"},
		"attribute[impacts][]": {"health", "children"},
	}
	if key != "" {
		v.Set("api_key", key)
	}
	return v
}

var idRE = regexp.MustCompile(`"service_request_id":"ASB-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}"`)

func postOpen311(hc *http.Client, target string, form url.Values) error {
	resp, err := hc.PostForm(target, form)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !idRE.Match(body) {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
	}
	return nil
}

func printResult(r result) {
	fmt.Printf("%-42s %7d ok %5d errors %9.1f req/s   p50 %7.2f ms   p99 %7.2f ms\n", r.name, r.ok, r.errs, r.rps(),
		ms(r.pct(0.50)), ms(r.pct(0.99)))
	if r.firstEr != nil {
		fmt.Printf("    first error: %v\n", r.firstEr)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// verdict prints the ratios and the goals (Beacon at least half the bare
// server's throughput, p99 under 100 ms) for the goal scenarios, and the
// ratios alone for the informational ones.
func verdict(c config, bare result, goals, info []result) int {
	fmt.Println()
	code := 0
	for _, r := range append(append([]result{bare}, goals...), info...) {
		if r.errs > 0 {
			fmt.Println("FAILED: some requests failed (see first errors above)")
			code = 1
			break
		}
	}
	ratio := func(r result) float64 {
		if bare.rps() == 0 {
			return 0
		}
		return r.rps() / bare.rps()
	}
	missed := false
	for _, r := range goals {
		fmt.Printf("%-42s %.2f× bare throughput (goal ≥ 0.50: %s), p99 %.2f ms (goal < 100: %s)\n",
			r.name, ratio(r), pass(ratio(r) >= 0.5), ms(r.pct(0.99)), pass(r.pct(0.99) < 100*time.Millisecond))
		missed = missed || ratio(r) < 0.5 || r.pct(0.99) >= 100*time.Millisecond
	}
	for _, r := range info {
		fmt.Printf("%-42s %.2f× bare throughput, p99 %.2f ms (for information)\n", r.name, ratio(r), ms(r.pct(0.99)))
	}
	if missed && c.strict {
		code = 1
	}
	return code
}

func pass(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// webSubmissions prepares the drafts, then times the final submissions.
// The reporter gives a phone number; with email, the submission also
// queues an acknowledgement email in its transaction.
func webSubmissions(c config, email bool) (result, error) {
	total := c.clients * (c.drafts + c.warmDraft)
	fmt.Fprintf(os.Stderr, "preparing %d web drafts (every journey step, untimed)...\n", total)
	drafts := make([]*draft, total)
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	tr := newClient(c.clients).Transport
	for range c.clients {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < total; i = int(next.Add(1)) - 1 {
				d, err := prepare(tr, c.beacon, i, email)
				if err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					return
				}
				drafts[i] = d
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return result{}, firstErr
	}
	warm, timedDrafts := drafts[:c.clients*c.warmDraft], drafts[c.clients*c.warmDraft:]
	fire(c.clients, warm, nil)
	res := result{name: "web final submission POST /report/check"}
	if email {
		res.name = "web final submission, with email"
	}
	start := time.Now()
	fire(c.clients, timedDrafts, &res)
	res.elapsed = time.Since(start)
	slices.Sort(res.lat)
	return res, nil
}

func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

// fire submits every draft from clients goroutines.
func fire(clients int, drafts []*draft, res *result) {
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(drafts); i = int(next.Add(1)) - 1 {
				t := time.Now()
				err := drafts[i].submit()
				if res != nil {
					mu.Lock()
					res.add(time.Since(t), err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
}

// draft is a browser session holding a complete report, ready to submit.
type draft struct {
	hc    *http.Client
	base  string
	token string
	key   string
}

var (
	tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	keyRE   = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)
)

// prepare walks every step of the reporting journey in a new session.
func prepare(tr http.RoundTripper, base string, n int, email bool) (*draft, error) {
	jar, _ := cookiejar.New(nil)
	d := &draft{base: base, hc: &http.Client{Transport: tr, Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	today := time.Now()
	steps := []struct {
		path   string
		values url.Values
	}{
		{"/report/safety", url.Values{"safety": {"no"}}},
		{"/report/what", url.Values{"category": {"graffiti"}}},
		{"/report/where", url.Values{"postcode": {postcodes[n%len(postcodes)]}, "place": {"By the bus shelter"}}},
		{"/report/when", url.Values{"when-day": {strconv.Itoa(today.Day())}, "when-month": {strconv.Itoa(int(today.Month()))},
			"when-year": {strconv.Itoa(today.Year())}, "happened-before": {"no"}}},
		{"/report/details", url.Values{"description": {fmt.Sprintf("Web load test report %d: tags sprayed on the bus shelter again.", n)}}},
		{"/report/people", url.Values{}},
		{"/report/impact", url.Values{"impacts": {"stopped"}, "hate": {"no"}}},
		{"/report/photos", url.Values{"action": {"continue"}}},
		{"/report/about-you", url.Values{"anonymous": {"no"}, "name": {"Bench Resident"},
			"phone": {"07700 900982"}, "contact-preference": {"phone"}, "safe-to-leave": {"no"}}},
	}
	if email {
		steps[len(steps)-1].values.Set("email", fmt.Sprintf("web%d@example.org", n%1000))
		steps[len(steps)-1].values.Set("contact-preference", "email")
	}
	if _, err := d.get("/report/safety"); err != nil {
		return nil, err
	}
	for _, s := range steps {
		loc, err := d.post(s.path, s.values)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(loc, "/report/already-reported") { // similar reports nearby: make a new one
			if _, err := d.get(loc); err != nil {
				return nil, err
			}
			if _, err := d.post(loc, url.Values{}); err != nil {
				return nil, err
			}
		}
	}
	body, err := d.get("/report/check")
	if err != nil {
		return nil, err
	}
	m := keyRE.FindStringSubmatch(body)
	if m == nil {
		return nil, errors.New("check page has no idempotency key")
	}
	d.key = m[1]
	return d, nil
}

func (d *draft) get(path string) (string, error) {
	resp, err := d.hc.Get(d.base + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	if m := tokenRE.FindSubmatch(b); m != nil {
		d.token = strings.ReplaceAll(string(m[1]), "&#43;", "+")
	}
	return string(b), nil
}

// post sends a step's answers as a same-origin browser form would and
// returns where it redirects.
func (d *draft) post(path string, v url.Values) (string, error) {
	v.Set("csrf_token", d.token)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, d.base+path, strings.NewReader(v.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", d.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := d.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST %s: status %d: %.300s", path, resp.StatusCode, b)
	}
	return resp.Header.Get("Location"), nil
}

// submit is the timed request: the final "Send report" press.
func (d *draft) submit() error {
	loc, err := d.post("/report/check", url.Values{"idempotency_key": {d.key}})
	if err != nil {
		return err
	}
	if loc != "/report/sent" {
		return fmt.Errorf("submit redirected to %q", loc)
	}
	return nil
}
