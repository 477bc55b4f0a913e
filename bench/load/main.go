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
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/beacon-portal/beacon/bench/internal/loadgen"
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
	hc := loadgen.NewClient(c.clients)
	fmt.Printf("Loopback load: %d concurrent clients; open311 and bare: %s each after %s warm-up; web: %d prepared submissions per client after %d warm-up.\n\n",
		c.clients, c.duration, c.warmup, c.drafts, c.warmDraft)
	var seq atomic.Int64
	seq.Store(time.Now().UnixNano() % 1e12) // fresh reports on every run against the same database
	if c.only != "" {
		return runOnly(c, hc, &seq)
	}
	o311 := loadgen.Timed("Open311 POST requests.json (Beacon)", c.clients, c.warmup, c.duration, func() error {
		return postOpen311(hc, c.beacon+"/open311/v2/requests.json", reportForm(c.key, seq.Add(1)))
	})
	loadgen.Print(o311)
	bare := loadgen.Timed("bare INSERT (net/http + lib/pq)", c.clients, c.warmup, c.duration, func() error {
		return postOpen311(hc, c.bare+"/requests.json", reportForm("", seq.Add(1)))
	})
	loadgen.Print(bare)
	web, err := webSubmissions(c, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load: web scenario:", err)
		return 1
	}
	loadgen.Print(web)
	webMail, err := webSubmissions(c, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load: web scenario with email:", err)
		return 1
	}
	loadgen.Print(webMail)
	return loadgen.Verdict(c.strict, bare, []loadgen.Result{o311, web}, []loadgen.Result{webMail})
}

func runOnly(c config, hc *http.Client, seq *atomic.Int64) int {
	var r loadgen.Result
	var err error
	switch c.only {
	case "open311":
		r = loadgen.Timed("Open311 POST requests.json (Beacon)", c.clients, c.warmup, c.duration, func() error {
			return postOpen311(hc, c.beacon+"/open311/v2/requests.json", reportForm(c.key, seq.Add(1)))
		})
	case "bare":
		r = loadgen.Timed("bare INSERT (net/http + lib/pq)", c.clients, c.warmup, c.duration, func() error {
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
	loadgen.Print(r)
	return 0
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

// webSubmissions prepares the drafts, then times the final submissions.
// The reporter gives a phone number; with email, the submission also
// queues an acknowledgement email in its transaction.
func webSubmissions(c config, email bool) (loadgen.Result, error) {
	total := c.clients * (c.drafts + c.warmDraft)
	fmt.Fprintf(os.Stderr, "preparing %d web drafts (every journey step, untimed)...\n", total)
	tr := loadgen.NewClient(c.clients).Transport
	drafts, err := loadgen.Prepare(c.clients, total, func(i int) (*draft, error) { return prepare(tr, c.beacon, i, email) })
	if err != nil {
		return loadgen.Result{}, err
	}
	name := "web final submission POST /report/check"
	if email {
		name = "web final submission, with email"
	}
	return loadgen.Fire(name, c.clients, c.clients*c.warmDraft, total, func(i int) error { return drafts[i].submit() }), nil
}

// draft is a browser session holding a complete report, ready to submit.
type draft struct {
	*loadgen.Browser
	key string
}

var keyRE = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)

// prepare walks every step of the reporting journey in a new session.
func prepare(tr http.RoundTripper, base string, n int, email bool) (*draft, error) {
	d := &draft{Browser: loadgen.NewBrowser(tr, base)}
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
	if _, err := d.Get("/report/safety"); err != nil {
		return nil, err
	}
	for _, s := range steps {
		loc, err := d.Post(s.path, s.values)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(loc, "/report/already-reported") { // similar reports nearby: make a new one
			if _, err := d.Get(loc); err != nil {
				return nil, err
			}
			if _, err := d.Post(loc, url.Values{}); err != nil {
				return nil, err
			}
		}
	}
	body, err := d.Get("/report/check")
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

// submit is the timed request: the final "Send report" press.
func (d *draft) submit() error {
	loc, err := d.Post("/report/check", url.Values{"idempotency_key": {d.key}})
	if err != nil {
		return err
	}
	if loc != "/report/sent" {
		return fmt.Errorf("submit redirected to %q", loc)
	}
	return nil
}
