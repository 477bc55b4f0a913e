// Package loadgen is what the load generators of `make bench` share:
// concurrent keep-alive clients on loopback, timed and fixed-count runs,
// latency percentiles and the verdict against the bare reference server.
package loadgen

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one scenario's outcome.
type Result struct {
	Name     string
	OK, Errs int
	FirstErr error
	Elapsed  time.Duration
	lat      []time.Duration // successful requests, sorted when done
}

// RPS is successful requests per second.
func (r Result) RPS() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

// Pct is the latency below which a share p of successful requests fell.
func (r Result) Pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat))*p+0.999999) - 1
	return r.lat[max(0, min(i, len(r.lat)-1))]
}

func (r *Result) add(d time.Duration, err error) {
	if err != nil {
		r.Errs++
		if r.FirstErr == nil {
			r.FirstErr = err
		}
		return
	}
	r.OK++
	r.lat = append(r.lat, d)
}

// Timed runs do from clients goroutines for warmup (untimed), then for d
// (timed).
func Timed(name string, clients int, warmup, d time.Duration, do func() error) Result {
	loop(clients, warmup, do, nil)
	res := Result{Name: name}
	var mu sync.Mutex
	start := time.Now()
	loop(clients, d, do, func(d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.add(d, err)
	})
	res.Elapsed = time.Since(start)
	slices.Sort(res.lat)
	return res
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

// Fire calls do(i) once for every i below n from clients goroutines and
// times the whole; the first warm calls are the untimed warm-up.
func Fire(name string, clients, warm, n int, do func(i int) error) Result {
	run := func(from, to int, res *Result) {
		var next atomic.Int64
		next.Store(int64(from))
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < to; i = int(next.Add(1)) - 1 {
					t := time.Now()
					err := do(i)
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
	run(0, warm, nil)
	res := Result{Name: name}
	start := time.Now()
	run(warm, n, &res)
	res.Elapsed = time.Since(start)
	slices.Sort(res.lat)
	return res
}

// NewClient is an HTTP client for clients concurrent keep-alive
// connections that does not follow redirects (scenarios check them).
func NewClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.MaxConnsPerHost = clients*4, clients*2, 0
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Loopback reports whether every URL is on 127.0.0.1 or localhost.
func Loopback(urls ...string) error {
	for _, u := range urls {
		if pu, err := url.Parse(u); err != nil || (pu.Hostname() != "127.0.0.1" && pu.Hostname() != "localhost") {
			return fmt.Errorf("only loopback targets are allowed, not %q", u)
		}
	}
	return nil
}

// Print writes one result line.
func Print(r Result) {
	fmt.Printf("%-42s %7d ok %5d errors %9.1f req/s   p50 %7.2f ms   p99 %7.2f ms\n", r.Name, r.OK, r.Errs, r.RPS(),
		ms(r.Pct(0.50)), ms(r.Pct(0.99)))
	if r.FirstErr != nil {
		fmt.Printf("    first error: %v\n", r.FirstErr)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Verdict prints the ratios to bare and the goals (at least half the bare
// server's throughput, p99 under 100 ms) of the goal scenarios, and the
// ratios alone of the informational ones. It returns 1 when a request
// failed, or when a goal was missed and strict is set.
func Verdict(strict bool, bare Result, goals, info []Result) int {
	fmt.Println()
	code := 0
	for _, r := range append(append([]Result{bare}, goals...), info...) {
		if r.Errs > 0 {
			fmt.Println("FAILED: some requests failed (see first errors above)")
			code = 1
			break
		}
	}
	ratio := func(r Result) float64 {
		if bare.RPS() == 0 {
			return 0
		}
		return r.RPS() / bare.RPS()
	}
	missed := false
	for _, r := range goals {
		fmt.Printf("%-42s %.2f× bare throughput (goal ≥ 0.50: %s), p99 %.2f ms (goal < 100: %s)\n",
			r.Name, ratio(r), pass(ratio(r) >= 0.5), ms(r.Pct(0.99)), pass(r.Pct(0.99) < 100*time.Millisecond))
		missed = missed || ratio(r) < 0.5 || r.Pct(0.99) >= 100*time.Millisecond
	}
	for _, r := range info {
		fmt.Printf("%-42s %.2f× bare throughput, p99 %.2f ms (for information)\n", r.Name, ratio(r), ms(r.Pct(0.99)))
	}
	if missed && strict {
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

// Prepare makes total items (such as sessions holding a complete form)
// from clients goroutines, untimed, stopping at the first error.
func Prepare[T any](clients, total int, build func(i int) (T, error)) ([]T, error) {
	out := make([]T, total)
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < total; i = int(next.Add(1)) - 1 {
				item, err := build(i)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				out[i] = item
			}
		})
	}
	wg.Wait()
	return out, first
}

// Browser is one resident's browser: its own cookies (the session), the
// last CSRF token seen, and forms posted as a same-origin page would.
type Browser struct {
	HC    *http.Client
	Base  string
	Token string
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// NewBrowser is a browser with an empty cookie jar on the transport tr
// (shared, so connections are reused), not following redirects.
func NewBrowser(tr http.RoundTripper, base string) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{Base: base, HC: &http.Client{Transport: tr, Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Get fetches a page that must answer 200, keeps its CSRF token and
// returns its body.
func (b *Browser) Get(path string) (string, error) {
	resp, err := b.HC.Get(b.Base + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	if m := tokenRE.FindSubmatch(body); m != nil {
		b.Token = strings.ReplaceAll(string(m[1]), "&#43;", "+")
	}
	return string(body), nil
}

// Post sends a form with the token, which must answer 303, and returns
// where it redirects.
func (b *Browser) Post(path string, v url.Values) (string, error) {
	v.Set("csrf_token", b.Token)
	req, err := http.NewRequest(http.MethodPost, b.Base+path, strings.NewReader(v.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.Base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.HC.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST %s: status %d: %.300s", path, resp.StatusCode, body)
	}
	return resp.Header.Get("Location"), nil
}
