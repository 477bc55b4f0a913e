package handlers

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/mail"
)

// The development mailbox shows what the outbox holds, so developers can
// follow emailed links (sign-in, password set-up) without a mail server. Its
// routes exist only when DEV=1: in production they answer 404.

// devMailLimit caps the messages listed.
const devMailLimit = 200

// devMailRow is one message in the mailbox list.
type devMailRow struct {
	ID      int64
	To      string
	Subject string
	Created string
	Status  mailStatus
}

// mailStatus is a message's delivery state as a GOV.UK tag.
type mailStatus struct {
	Label, Class string
}

func statusOf(m db.OutboxMessage) mailStatus {
	switch {
	case !m.SentAt.IsZero():
		return mailStatus{"Sent", "govuk-tag--green"}
	case !m.FailedAt.IsZero():
		return mailStatus{"Failed", "govuk-tag--red"}
	case m.Attempts > 0:
		return mailStatus{"Retrying", "govuk-tag--yellow"}
	}
	return mailStatus{"Waiting", "govuk-tag--grey"}
}

// devTime formats a time for developers: to the second, server time.
func devTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2 Jan 2006 15:04:05")
}

type devMailListPage struct {
	Page
	Messages []devMailRow
	Limit    int
}

func (h *Handler) listDevMail(w http.ResponseWriter, r *http.Request) error {
	ms, err := h.store.OutboxMessages(r.Context(), devMailLimit)
	if err != nil {
		return err
	}
	page := &devMailListPage{Page: Page{Title: "Development mailbox"}, Limit: devMailLimit}
	for _, m := range ms {
		page.Messages = append(page.Messages, devMailRow{ID: m.ID, To: m.Recipient, Subject: m.Subject,
			Created: devTime(m.CreatedAt), Status: statusOf(m)})
	}
	return h.render(w, r, http.StatusOK, "dev_mail_list", page)
}

type devMailPage struct {
	Page
	Message   db.OutboxMessage
	MessageID string
	Created   string
	Sent      string
	Status    mailStatus
	// Body is the plain-text body: paragraphs of lines of parts.
	Body [][][]textPart
}

func (h *Handler) showDevMail(w http.ResponseWriter, r *http.Request) error {
	m, err := h.devMessage(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "dev_mail_message", &devMailPage{
		Page:      Page{Title: "Email " + strconv.FormatInt(m.ID, 10)},
		Message:   m,
		MessageID: "<" + mail.MessageID(m.ID, m.CreatedAt, h.cfg.BaseURL.Hostname()) + ">",
		Created:   devTime(m.CreatedAt), Sent: devTime(m.SentAt), Status: statusOf(m),
		Body: linkify(m.Text),
	})
}

// devMailCSP lets the HTML body show as it would in a mail client: inline
// styles only, no scripts, no requests, and a sandbox (a unique origin, so it
// can reach nothing of Beacon's).
const devMailCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// showDevMailHTML serves an email's HTML body as its own sandboxed document.
func (h *Handler) showDevMailHTML(w http.ResponseWriter, r *http.Request) error {
	m, err := h.devMessage(r)
	if err != nil {
		return err
	}
	if m.HTML == "" {
		return errNotFound
	}
	w.Header().Set("Content-Security-Policy", devMailCSP)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write([]byte(m.HTML))
	return err
}

func (h *Handler) devMessage(r *http.Request) (db.OutboxMessage, error) {
	id, err := strconv.ParseInt(routeVar(r, "id"), 10, 64)
	if err != nil {
		return db.OutboxMessage{}, errNotFound
	}
	return h.store.OutboxMessage(r.Context(), id)
}

// textPart is a piece of a plain-text line: text, or a link when URL is
// set. Templates print both as text and put URL in an href, so nothing in a
// message can become markup.
type textPart struct {
	Text, URL string
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// linkify splits a plain-text body into paragraphs (at blank lines), lines,
// and parts, with http(s) links separated out. Punctuation that ends a
// sentence is not part of a link.
func linkify(body string) [][][]textPart {
	var paras [][][]textPart
	for _, para := range strings.Split(strings.ReplaceAll(strings.TrimSpace(body), "\r\n", "\n"), "\n\n") {
		var lines [][]textPart
		for _, line := range strings.Split(para, "\n") {
			lines = append(lines, linkifyLine(line))
		}
		paras = append(paras, lines)
	}
	return paras
}

func linkifyLine(line string) []textPart {
	var parts []textPart
	last := 0
	for _, loc := range linkRE.FindAllStringIndex(line, -1) {
		url := strings.TrimRight(line[loc[0]:loc[1]], ".,;:!?)'")
		end := loc[0] + len(url)
		if loc[0] > last {
			parts = append(parts, textPart{Text: line[last:loc[0]]})
		}
		parts = append(parts, textPart{Text: url, URL: url})
		last = end
	}
	if last < len(line) {
		parts = append(parts, textPart{Text: line[last:]})
	}
	return parts
}
