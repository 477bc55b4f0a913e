package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// rendered records every template rendered by any test in this package;
// TestMain fails the run if a template was never rendered.
var rendered = struct {
	sync.Mutex
	names map[string]bool
	all   []string
}{names: map[string]bool{}}

func record(cfg *handlers.Config) {
	cfg.OnRender = func(name string) {
		rendered.Lock()
		rendered.names[name] = true
		rendered.Unlock()
	}
}

func newServer(t *testing.T, opts ...handlerstest.Option) *handlerstest.Server {
	t.Helper()
	s := handlerstest.New(t, append([]handlerstest.Option{record}, opts...)...)
	rendered.Lock()
	rendered.all = s.Handler.TemplateNames()
	rendered.Unlock()
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && testing.CoverMode() == "" && len(rendered.all) > 0 && !isFiltered() {
		var missing []string
		for _, n := range rendered.all {
			if !rendered.names[n] {
				missing = append(missing, n)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			println("templates never rendered by any test:", strings.Join(missing, ", "))
			code = 1
		}
	}
	os.Exit(code)
}

// isFiltered reports whether -run selects a subset, in which case not every
// template is expected to render.
func isFiltered() bool {
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.run") {
			return true
		}
	}
	return false
}

func TestPublicPages(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/", 200, "Report anti-social behaviour"},
		{"/cookies", 200, "Strictly necessary cookies"},
		{"/accessibility", 200, "Accessibility statement"},
		{"/privacy", 200, "Privacy notice"},
		{"/feedback", 200, "Give feedback on this service"},
		{"/report", 200, "Start now"},
		{"/have-your-say", 200, "Tell your neighbourhood policing team what matters to you"},
		{"/courses", 200, "Free courses on defusing conflict"},
		{"/case-review", 200, "ASB case review"},
		{"/staff/sign-in", 200, "Sign in"},
		{"/no-such-page", 404, "Page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c.Get(tt.path).Status(t, tt.status).Contains(t, tt.want, "Exit this page", "Skip to main content")
		})
	}
}

func TestReportingPagesCarryEmergencyNotice(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	for _, p := range []string{"/", "/report"} {
		c.Get(p).Status(t, 200).Contains(t, "call 999", "call 101", "Crimestoppers on", "0800 555 111")
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	for _, p := range []string{"/", "/feedback", "/no-such-page"} {
		r := c.Get(p)
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe code: %q", p, csp)
		}
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "same-origin",
			"Cache-Control":          "no-store",
			"X-Frame-Options":        "DENY",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", p, h, got, want)
			}
		}
		if r.Header.Get("Permissions-Policy") == "" {
			t.Errorf("%s: no Permissions-Policy", p)
		}
		if r.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain http", p)
		}
	}
}

func TestHSTSAndSecureCookiesUnderHTTPS(t *testing.T) {
	s := newServer(t, func(c *handlers.Config) { c.BaseURL, _ = url.Parse("https://beacon.example.org") })
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/feedback", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=") {
		t.Fatalf("HSTS = %q", got)
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "upgrade-insecure-requests") {
		t.Fatal("CSP lacks upgrade-insecure-requests under https")
	}
	for _, c := range resp.Cookies() {
		if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || !c.HttpOnly || c.Path != "/" {
			t.Fatalf("cookie %s: want __Host- prefix, Secure, HttpOnly, Path=/; got %+v", c.Name, c)
		}
	}
}

var assetRE = regexp.MustCompile(`/static/([0-9a-f]{12})/beacon\.css`)

func TestAssetsAreHashedAndImmutable(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	m := assetRE.FindStringSubmatch(c.Get("/").Body)
	if m == nil {
		t.Fatal("home page has no hashed stylesheet URL")
	}
	r := c.Get(m[0]).Status(t, 200)
	if got := r.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Fatalf("Cache-Control = %q", got)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
	if got := c.Get("/static/000000000000/beacon.css").Status(t, 200).Header.Get("Cache-Control"); got != "no-cache" {
		t.Fatalf("stale hash: Cache-Control = %q, want no-cache", got)
	}
	c.Get("/static/"+m[1]+"/missing.css").Status(t, 404)
	if r := c.Get("/static/" + m[1] + "/../../go.mod"); r.StatusCode == 200 {
		t.Fatal("path traversal served a file")
	}
	c.Get("/static/"+m[1]+"/SOURCES.sha256").Status(t, 404)
	if r := c.Get("/static/"+m[1]+"/beacon.mjs").Status(t, 200); !strings.Contains(r.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("beacon.mjs Content-Type = %q", r.Header.Get("Content-Type"))
	}
}

func TestGzip(t *testing.T) {
	s := newServer(t)
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/accessibility", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
}

func TestCSRF(t *testing.T) {
	s := newServer(t)
	valid := url.Values{"rating": {"satisfied"}, "idempotency_key": {strings.Repeat("1a", 16)}}
	post := func(c *handlerstest.Client, mutate func(*http.Request), values url.Values) *handlerstest.Response {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/feedback", strings.NewReader(values.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.URL)
		mutate(req)
		return c.Do(req)
	}
	withToken := func(c *handlerstest.Client) url.Values {
		v := url.Values{}
		for k, vs := range valid {
			v[k] = vs
		}
		v.Set("csrf_token", c.Token)
		return v
	}
	t.Run("no token", func(t *testing.T) {
		c := s.Client(t)
		c.Get("/feedback")
		post(c, func(*http.Request) {}, valid).Status(t, 403).Contains(t, "Your form could not be sent")
	})
	t.Run("wrong token", func(t *testing.T) {
		c := s.Client(t)
		c.Get("/feedback")
		v := withToken(c)
		v.Set("csrf_token", "bm90IGEgdG9rZW4gYXQgYWxsIGJ1dCBsb25nIGVub3VnaCB0byBsb29rIGxpa2Ugb25lIQ==")
		post(c, func(*http.Request) {}, v).Status(t, 403)
	})
	t.Run("token from another session", func(t *testing.T) {
		other := s.Client(t)
		other.Get("/feedback")
		c := s.Client(t)
		c.Get("/feedback")
		v := withToken(c)
		v.Set("csrf_token", other.Token)
		post(c, func(*http.Request) {}, v).Status(t, 403)
	})
	t.Run("foreign origin", func(t *testing.T) {
		c := s.Client(t)
		c.Get("/feedback")
		post(c, func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, withToken(c)).Status(t, 403)
	})
	t.Run("cross-site fetch", func(t *testing.T) {
		c := s.Client(t)
		c.Get("/feedback")
		post(c, func(r *http.Request) {
			r.Header.Del("Origin")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		}, withToken(c)).Status(t, 403)
	})
	t.Run("token in header", func(t *testing.T) {
		c := s.Client(t)
		c.Get("/feedback")
		tok := c.Token
		post(c, func(r *http.Request) { r.Header.Set("X-CSRF-Token", tok) }, valid).Status(t, 303)
	})
	t.Run("valid", func(t *testing.T) {
		c := s.Client(t)
		c.Get("/feedback")
		post(c, func(*http.Request) {}, withToken(c)).Status(t, 303)
	})
}

func TestFeedbackJourney(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	c.Get("/feedback").Status(t, 200)
	key := regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`).FindStringSubmatch(c.Get("/feedback").Body)
	if key == nil {
		t.Fatal("form has no idempotency key")
	}
	long := strings.Repeat("word ", 300)
	r := c.PostForm("/feedback", url.Values{"idempotency_key": {key[1]}, "comments": {long + "<script>x</script>"}}).Status(t, 422)
	r.Contains(t, "There is a problem", "Select how you feel about the service", "must be 1,200 characters or fewer",
		`href="#rating"`, "&lt;script&gt;x&lt;/script&gt;", "<title>Error: ")
	if strings.Contains(r.Body, "<script>x</script>") {
		t.Fatal("comments echoed unescaped")
	}
	form := url.Values{"idempotency_key": {key[1]}, "rating": {"very-satisfied"}, "comments": {"Clear and quick"}}
	r = c.PostForm("/feedback", form).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != "/" {
		t.Fatalf("Location = %q", loc)
	}
	c.Get("/").Status(t, 200).Contains(t, "Thank you for your feedback")
	if strings.Contains(c.Get("/").Body, "Thank you for your feedback") {
		t.Fatal("flash shown twice")
	}
	// The same submission again (a double click) stores nothing new.
	c.PostForm("/feedback", form).Status(t, 303)
	if n, err := s.Store.FeedbackCount(context.Background()); err != nil || n != 1 {
		t.Fatalf("feedback rows = %d (%v), want 1", n, err)
	}
}

func TestConcurrentDuplicateSubmissions(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	c.Get("/feedback")
	form := url.Values{"idempotency_key": {strings.Repeat("c3", 16)}, "rating": {"satisfied"}, "csrf_token": {c.Token}}
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = c.PostForm("/feedback", form).StatusCode
		}()
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusSeeOther {
			t.Fatalf("submission %d: status %d", i, code)
		}
	}
	if n, _ := s.Store.FeedbackCount(context.Background()); n != 1 {
		t.Fatalf("feedback rows = %d, want 1", n)
	}
}

func TestHostileInput(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	c.Get("/feedback")
	for name, v := range map[string]string{"nul": "a\x00b", "invalid utf-8": "bad \xff\xfe"} {
		t.Run(name, func(t *testing.T) {
			c.PostForm("/feedback", url.Values{"rating": {"satisfied"}, "comments": {v}, "idempotency_key": {strings.Repeat("d4", 16)}}).Status(t, 400)
		})
	}
	t.Run("oversize", func(t *testing.T) {
		c.PostForm("/feedback", url.Values{"comments": {strings.Repeat("x", 2<<20)}}).Status(t, 413)
	})
	t.Run("too many fields", func(t *testing.T) {
		v := url.Values{}
		for i := range 10000 {
			v.Set("f"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)), "1")
		}
		c.PostForm("/feedback", v).Status(t, 413)
	})
}

func TestRateLimitSharedByTwoReplicas(t *testing.T) {
	limit := func(c *handlers.Config) { c.Limits.Forms = portal.Limit{Name: "forms", Max: 3, Window: 3600e9} }
	first := newServer(t, limit)
	second := handlerstest.NewWithStore(t, first.Store, first.DBURL, record, limit)
	var statuses []int
	for i := range 5 {
		srv := first
		if i%2 == 1 {
			srv = second
		}
		c := srv.Client(t)
		c.Get("/feedback")
		r := c.PostForm("/feedback", url.Values{"rating": {"satisfied"}, "idempotency_key": {newKey(i)}})
		statuses = append(statuses, r.StatusCode)
		if r.StatusCode == 429 {
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			r.Contains(t, "Too many attempts")
		}
	}
	want := []int{303, 303, 303, 429, 429}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("statuses %v, want %v", statuses, want)
		}
	}
}

func newKey(i int) string { return strings.Repeat(string(rune('a'+i)), 32) }

func TestHealthAndReadiness(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	c.Get("/healthz").Status(t, 200)
	c.Get("/readyz").Status(t, 200)
	s.Handler.SetReady(false)
	c.Get("/readyz").Status(t, 503).Contains(t, "shutting down")
}

func TestMethodNotAllowed(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	req, _ := http.NewRequest(http.MethodDelete, s.URL+"/cookies", nil)
	req.Header.Set("Origin", s.URL)
	c.Get("/feedback")
	req.Header.Set("X-CSRF-Token", c.Token)
	c.Do(req).Status(t, 405)
}

func TestNoInternalsInResponses(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	for _, p := range []string{"/", "/no-such", "/static/x/y", "/feedback"} {
		body := c.Get(p).Body
		for _, bad := range []string{"pq:", "SQLSTATE", "panic", "goroutine", "/root/", ".go:"} {
			if strings.Contains(body, bad) {
				t.Fatalf("%s: response contains %q", p, bad)
			}
		}
	}
}
