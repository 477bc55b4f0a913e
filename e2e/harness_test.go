package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

//go:embed testdata/axe.min.js
var axeSource string

// allocOpts start Debian's Chromium headless, with the network features
// that would call out to the internet turned off.
var allocOpts []chromedp.ExecAllocatorOption

func TestMain(m *testing.M) {
	path, err := chromiumPath()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	allocOpts = []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1024),
	}
	os.Exit(m.Run())
}

// chromiumPath finds Debian's chromium (installed by `make test`), or the
// browser named by CHROMIUM. Browser tests never skip: no browser is a failure.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no chromium found: run `make test`, which installs Debian's chromium, or set CHROMIUM")
}

// Browser is one test's browser, on its own server and database.
type Browser struct {
	t   *testing.T
	ctx context.Context
	Srv *handlerstest.Server
}

// newBrowser starts a Beacon server on a fresh database and opens a tab.
func newBrowser(t *testing.T, opts ...handlerstest.Option) *Browser {
	t.Helper()
	srv := handlerstest.New(t, opts...)
	return openTab(t, srv)
}

// openTab starts a browser of its own (so no cookies are shared between
// tests) against srv.
func openTab(t *testing.T, srv *handlerstest.Server) *Browser {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("e2e: open tab: %v", err)
	}
	return &Browser{t: t, ctx: ctx, Srv: srv}
}

// Run runs chromedp actions, failing the test on error.
func (b *Browser) Run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("e2e: %v", err)
	}
}

// DisableJavaScript stops this browser loading Beacon's scripts, for the
// no-JavaScript journeys. All of Beacon's JavaScript is in files (the CSP
// forbids inline scripts), so blocking them is exactly a browser without
// JavaScript for the page, while axe can still be run from DevTools.
func (b *Browser) DisableJavaScript() {
	b.t.Helper()
	b.Run(network.Enable(), network.SetBlockedURLs([]string{"*.js", "*.mjs"}))
}

// Visit opens path and waits for the page's main content.
func (b *Browser) Visit(path string) {
	b.t.Helper()
	b.Run(chromedp.Navigate(b.Srv.URL+path), chromedp.WaitVisible("#main-content", chromedp.ByID))
}

// Navigate runs actions that load a new page (a click on a link or button,
// Enter on a form) and waits until the new page has loaded, not just until
// the old one is still visible.
func (b *Browser) Navigate(actions ...chromedp.Action) {
	b.t.Helper()
	var ok bool
	b.Run(chromedp.Evaluate(`window.__beaconOldPage = true`, &ok))
	b.Run(actions...)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var loaded bool
		// Errors are expected while the old page is torn down: try again.
		err := chromedp.Run(b.ctx, chromedp.Evaluate(
			`typeof window.__beaconOldPage === 'undefined' && document.readyState === 'complete'`, &loaded))
		if err == nil && loaded {
			b.Run(chromedp.WaitVisible("#main-content", chromedp.ByID))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("e2e: no new page loaded after navigating from %s", b.Path())
}

// Text returns the visible text of the first element matching sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	var s string
	b.Run(chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// Path is the current URL's path.
func (b *Browser) Path() string {
	b.t.Helper()
	var s string
	b.Run(chromedp.Evaluate(`location.pathname`, &s))
	return s
}

// Title is the document title.
func (b *Browser) Title() string {
	b.t.Helper()
	var s string
	b.Run(chromedp.Title(&s))
	return s
}

// Tab presses Tab n times.
func (b *Browser) Tab(n int) {
	b.t.Helper()
	for range n {
		b.Run(chromedp.KeyEvent(kb.Tab))
	}
}

// Press sends one key (kb.Enter, " " ...) to the focused element.
func (b *Browser) Press(key string) {
	b.t.Helper()
	b.Run(chromedp.KeyEvent(key))
}

// Type types text into the focused element, key by key.
func (b *Browser) Type(text string) {
	b.t.Helper()
	b.Run(input.InsertText(text))
}

// Focused describes the focused element as "tag#id" plus its text, so tests
// can follow keyboard focus.
func (b *Browser) Focused() string {
	b.t.Helper()
	var s string
	b.Run(chromedp.Evaluate(`(() => { const e = document.activeElement; return e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || e.value || '').trim().slice(0, 60) : '' })()`, &s))
	return s
}

// TabTo presses Tab until the focused element's description contains want
// (at most 60 presses), as a keyboard user would.
func (b *Browser) TabTo(want string) {
	b.t.Helper()
	for range 60 {
		b.Run(chromedp.KeyEvent(kb.Tab))
		if strings.Contains(b.Focused(), want) {
			return
		}
	}
	b.t.Fatalf("e2e: could not reach %q by keyboard on %s", want, b.Path())
}

type axeResult struct {
	Violations []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
}

// auditA11y runs axe-core (WCAG 2.2 A and AA rules plus best practices) on
// the current page and fails the test on any violation.
func auditA11y(t *testing.T, b *Browser) {
	t.Helper()
	var loaded bool
	b.Run(chromedp.Evaluate(`typeof axe !== 'undefined'`, &loaded))
	if !loaded {
		b.Run(chromedp.Evaluate(axeSource+";true", &loaded))
	}
	var raw string
	script := `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','best-practice']}}).then(r => JSON.stringify({violations: r.violations}))`
	b.Run(chromedp.Evaluate(script, &raw, func(p *runtimeEvaluateParams) *runtimeEvaluateParams { return p.WithAwaitPromise(true) }))
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("e2e: axe result: %v", err)
	}
	for _, v := range res.Violations {
		for _, n := range v.Nodes {
			t.Errorf("axe on %s: %s (%s) at %v: %s", b.Path(), v.ID, v.Help, n.Target, n.HTML)
		}
	}
}
