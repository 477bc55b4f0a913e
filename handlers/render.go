package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/beacon-portal/beacon/portal"
	"github.com/beacon-portal/beacon/templates"
	"github.com/gorilla/csrf"
)

// Page is what every page template can rely on. Each page's data is a small
// struct embedding Page, so templates are typed rather than map[string]any.
type Page struct {
	Title     string
	CSRFField template.HTML // gorilla/csrf's hidden input: library output, not user input
	CSRFToken string
	Flash     string
	Path      string
	Lang      string
	Dev       bool
	// Staff pages hide the resident-facing "Exit this page" control.
	Staff bool
	// User is the signed-in user, or nil.
	User      *portal.User
	RequestID string
	// Errors and ErrorOrder drive the error summary on forms.
	Errors     map[string]string
	ErrorOrder []string
}

func (p *Page) page() *Page { return p }

// pageData is any per-page struct that embeds Page.
type pageData interface{ page() *Page }

// basicPage is for pages that need nothing but the common fields.
type basicPage struct{ Page }

// templateCache holds each page parsed with the layout and partials.
type templateCache struct {
	fsys  fs.FS
	funcs template.FuncMap
	dev   bool
	mu    sync.Mutex
	pages map[string]*template.Template
}

func newTemplateCache(devDir string, funcs template.FuncMap) (*templateCache, error) {
	tc := &templateCache{fsys: templateFS(devDir, templates.FS), funcs: funcs, dev: devDir != ""}
	pages, err := tc.parseAll()
	if err != nil {
		return nil, err
	}
	tc.pages = pages
	return tc, nil
}

func (tc *templateCache) parseAll() (map[string]*template.Template, error) {
	files, err := fs.Glob(tc.fsys, "pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("handlers: list templates: %w", err)
	}
	pages := make(map[string]*template.Template, len(files))
	for _, f := range files {
		t, err := template.New("").Funcs(tc.funcs).ParseFS(tc.fsys, "layouts/*.html", "partials/*.html", f)
		if err != nil {
			return nil, fmt.Errorf("handlers: parse %s: %w", f, err)
		}
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return pages, nil
}

func (tc *templateCache) get(name string) (*template.Template, error) {
	if tc.dev {
		pages, err := tc.parseAll()
		if err != nil {
			return nil, err
		}
		tc.mu.Lock()
		tc.pages = pages
		tc.mu.Unlock()
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	t, ok := tc.pages[name]
	if !ok {
		return nil, fmt.Errorf("handlers: no template %q", name)
	}
	return t, nil
}

// names lists every page template, for the test that renders them all.
func (tc *templateCache) names() []string {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	var out []string
	for n := range tc.pages {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func osDirFS(dir string) fs.FS { return os.DirFS(dir) }

// funcs are the template functions. URLs are always built from route names.
func (h *Handler) funcs() template.FuncMap {
	fm := commonFuncs()
	own := template.FuncMap{
		"url": func(name string, pairs ...string) (string, error) {
			route := h.router.Get(name)
			if route == nil {
				return "", fmt.Errorf("handlers: no route named %q", name)
			}
			u, err := route.URL(pairs...)
			if err != nil {
				return "", err
			}
			return u.String(), nil
		},
		"asset": func(name string) string { return h.assets.url(name) },
		"navItem": func(data pageData, route, label string) (navItem, error) {
			return h.navItem(data, route, label, false)
		},
		// navItemExact is for a section's home, which is current only on
		// itself, not on every page below it.
		"navItemExact": func(data pageData, route, label string) (navItem, error) {
			return h.navItem(data, route, label, true)
		},
	}
	for k, v := range own {
		fm[k] = v
	}
	return fm
}

func (h *Handler) navItem(data pageData, route, label string, exact bool) (navItem, error) {
	u, err := h.router.Get(route).URL()
	if err != nil {
		return navItem{}, err
	}
	href, p := u.String(), data.page().Path
	active := p == href || (!exact && strings.HasPrefix(p, href+"/"))
	return navItem{Href: href, Label: label, Active: active}, nil
}

// navItem is one link of the service navigation.
type navItem struct {
	Href, Label string
	Active      bool
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 page rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) error {
	if err := h.fillPage(w, r, data.page()); err != nil {
		return err
	}
	t, err := h.templates.get(name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		return fmt.Errorf("handlers: render %s: %w", name, err)
	}
	if h.cfg.OnRender != nil {
		h.cfg.OnRender(name)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = buf.WriteTo(w)
	return err
}

// fillPage sets the fields common to every page, taking any flash message
// out of the session.
func (h *Handler) fillPage(w http.ResponseWriter, r *http.Request, p *Page) error {
	p.CSRFField = csrf.TemplateField(r)
	p.CSRFToken = csrf.Token(r)
	p.Path = r.URL.Path
	p.Lang = "en"
	p.Dev = h.cfg.Dev
	p.RequestID = requestID(r.Context())
	p.User = currentUser(r)
	if _, err := r.Cookie(h.sessions.name); err != nil {
		return nil // no session, so no flash: skip the database
	}
	sess, err := h.session(r)
	if err != nil {
		return err
	}
	if flashes := sess.Flashes(); len(flashes) > 0 {
		if s, ok := flashes[0].(string); ok {
			p.Flash = s
		}
		return sess.Save(r, w)
	}
	return nil
}

// errorPage is the data of the error template.
type errorPage struct {
	Page
	Status  int
	Heading string
	Message string
}

// renderError renders the error page for se; if even that fails, plain text.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, se statusError) {
	data := &errorPage{Page: Page{Title: se.heading}, Status: se.status, Heading: se.heading, Message: se.message}
	if err := h.render(w, r, se.status, "system_error", data); err != nil {
		h.log.Error("render error page", "request_id", requestID(r.Context()), "err", err)
		http.Error(w, se.heading, se.status)
	}
}

// timeoutPage is the body http.TimeoutHandler sends when a request runs past
// its deadline; it is rendered once, at start-up, without a request.
func (h *Handler) timeoutPage() string {
	t, err := h.templates.get("system_error")
	if err != nil {
		return errUnavailable.heading
	}
	var buf bytes.Buffer
	data := &errorPage{Page: Page{Title: errUnavailable.heading, Lang: "en"}, Status: http.StatusServiceUnavailable,
		Heading: errUnavailable.heading, Message: "The service took too long to answer. Try again in a few seconds."}
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		return errUnavailable.heading
	}
	return buf.String()
}
