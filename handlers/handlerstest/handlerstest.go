// Package handlerstest drives Beacon's full HTTP stack in tests: a real
// server on a loopback port, a fresh database, and a client that keeps
// cookies and finds CSRF tokens in pages the way a browser would.
package handlerstest

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/handlers"
)

// Server is Beacon running against its own test database.
type Server struct {
	*httptest.Server
	Store   *db.Store
	DBURL   string
	Handler *handlers.Handler
	// Logs collects everything the server logged.
	Logs *LogBuffer
}

// Option adjusts the handler configuration before the server starts.
type Option func(*handlers.Config)

// New starts a server on a fresh database; it stops when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	store, dbURL := dbtest.New(t)
	return NewWithStore(t, store, dbURL, opts...)
}

// NewWithStore starts a server on an existing store (e.g. a second replica
// sharing a database).
func NewWithStore(t testing.TB, store *db.Store, dbURL string, opts ...Option) *Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base, _ := url.Parse("http://" + srv.Listener.Addr().String())
	cfg := handlers.Config{
		BaseURL:        base,
		SessionKeys:    [][]byte{[]byte("test-session-key-0123456789abcdef0123456789")},
		RequestTimeout: 5 * time.Second,
		Limits:         handlers.DefaultLimits(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	logs := &LogBuffer{}
	h, err := handlers.New(cfg, store, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatalf("handlerstest: %v", err)
	}
	srv.Config.Handler = h.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return &Server{Server: srv, Store: store, DBURL: dbURL, Handler: h, Logs: logs}
}

// LogBuffer is a concurrency-safe log sink.
type LogBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Client is a browser-like client: it keeps cookies, does not follow
// redirects (tests assert them), and remembers the last CSRF token seen.
type Client struct {
	t    testing.TB
	srv  *Server
	HTTP *http.Client
	// Token is the csrf_token of the last page fetched that had one.
	Token string
}

// Client returns a new client with an empty cookie jar.
func (s *Server) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, srv: s, HTTP: &http.Client{
		Jar:           jar,
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a fetched page with its body read.
type Response struct {
	*http.Response
	Body string
	logs *LogBuffer
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Get fetches path and remembers its CSRF token.
func (c *Client) Get(path string) *Response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+path, nil)
	return c.Do(req)
}

// PostForm posts values to path with the remembered CSRF token (unless
// values already has one), as a same-origin browser form would.
func (c *Client) PostForm(path string, values url.Values) *Response {
	c.t.Helper()
	if values == nil {
		values = url.Values{}
	}
	if !values.Has("csrf_token") && c.Token != "" {
		values.Set("csrf_token", c.Token)
	}
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}

// Submit fetches the form page, then posts values to action with its token.
func (c *Client) Submit(formPath, action string, values url.Values) *Response {
	c.t.Helper()
	c.Get(formPath)
	return c.PostForm(action, values)
}

// Do sends req and reads the whole body.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("handlerstest: %s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("handlerstest: read body: %v", err)
	}
	if m := tokenRE.FindSubmatch(b); m != nil {
		c.Token = strings.ReplaceAll(string(m[1]), "&#43;", "+")
	}
	return &Response{Response: resp, Body: string(b), logs: c.srv.Logs}
}

// Status fails the test unless the response has status want.
func (r *Response) Status(t testing.TB, want int) *Response {
	t.Helper()
	if r.StatusCode != want {
		body := r.Body
		if len(body) > 2000 {
			body = body[:2000]
		}
		logs := r.logs.String()
		if len(logs) > 3000 {
			logs = logs[len(logs)-3000:]
		}
		t.Fatalf("%s %s: status %d, want %d\n%s\nserver log (end):\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, body, logs)
	}
	return r
}

// Contains fails the test unless the body contains every string.
func (r *Response) Contains(t testing.TB, wants ...string) *Response {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(r.Body, w) {
			t.Fatalf("%s %s: body lacks %q", r.Request.Method, r.Request.URL.Path, w)
		}
	}
	return r
}

// SignIn makes the client signed in as userID (past MFA for staff).
func (c *Client) SignIn(userID int64) {
	c.t.Helper()
	cookie, err := c.srv.Handler.SignedInCookie(userID, true)
	if err != nil {
		c.t.Fatalf("handlerstest: sign in: %v", err)
	}
	u, _ := url.Parse(c.srv.URL)
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{cookie})
}
