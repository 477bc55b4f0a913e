// Package mail renders Beacon's emails from templates and delivers the
// outbox over SMTP. Emails carry links and notices, never report content.
package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"

	"github.com/beacon-portal/beacon/portal"
	"github.com/beacon-portal/beacon/templates"
)

// Renderer turns a named email template and its data into a message.
//
// Each email is templates/email/NAME.txt (required; it defines "subject"
// and "body") and optionally NAME.html (defines "body", wrapped in the
// shared HTML layout, which adds the subject as the title and heading).
// Templates see .Data (the caller's data) and .BaseURL; the layout also
// sees .Subject.
type Renderer struct {
	baseURL string
	text    map[string]*texttemplate.Template
	html    map[string]*htmltemplate.Template
}

// NewRenderer parses every email template once.
func NewRenderer(baseURL string) (*Renderer, error) {
	r := &Renderer{baseURL: strings.TrimRight(baseURL, "/"),
		text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	files, err := fs.Glob(templates.FS, "email/*.txt")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "email/"), ".txt")
		t, err := texttemplate.ParseFS(templates.FS, f)
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s: %w", f, err)
		}
		r.text[name] = t
		hf := "email/" + name + ".html"
		if _, err := fs.Stat(templates.FS, hf); err == nil {
			ht, err := htmltemplate.ParseFS(templates.FS, "email/_layout.html", hf)
			if err != nil {
				return nil, fmt.Errorf("mail: parse %s: %w", hf, err)
			}
			r.html[name] = ht
		}
	}
	return r, nil
}

// Render builds the email called name for the recipient to.
func (r *Renderer) Render(name, to string, data any) (portal.Email, error) {
	t, ok := r.text[name]
	if !ok {
		return portal.Email{}, fmt.Errorf("mail: no email template %q", name)
	}
	view := struct {
		Data    any
		BaseURL string
		Subject string // for the HTML layout's title and heading
	}{Data: data, BaseURL: r.baseURL}
	var subject, text, html bytes.Buffer
	if err := t.ExecuteTemplate(&subject, "subject", view); err != nil {
		return portal.Email{}, fmt.Errorf("mail: render %s subject: %w", name, err)
	}
	view.Subject = strings.TrimSpace(subject.String())
	if err := t.ExecuteTemplate(&text, "body", view); err != nil {
		return portal.Email{}, fmt.Errorf("mail: render %s: %w", name, err)
	}
	if ht, ok := r.html[name]; ok {
		if err := ht.ExecuteTemplate(&html, "layout", view); err != nil {
			return portal.Email{}, fmt.Errorf("mail: render %s html: %w", name, err)
		}
	}
	return portal.Email{To: to, Subject: strings.TrimSpace(subject.String()),
		Text: strings.TrimSpace(text.String()) + "\n", HTML: html.String()}, nil
}

// Names lists the email templates (for the test that renders them all).
func (r *Renderer) Names() []string {
	var out []string
	for n := range r.text {
		out = append(out, n)
	}
	return out
}
