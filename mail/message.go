package mail

import (
	"bytes"
	"strings"

	"github.com/beacon-portal/beacon/db"
	gomail "github.com/wneessen/go-mail"
)

// Message is one email ready to deliver.
type Message struct {
	// MessageID is the Message-ID without angle brackets.
	MessageID   string
	From        string
	To          string
	Subject     string
	Text        string
	HTML        string
	Headers     map[string]string
	Attachments []db.Attachment
}

// reservedHeaders are set from the message's own fields; extra headers may
// not override them.
var reservedHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "subject": true, "date": true,
	"message-id": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true, "sender": true, "reply-to": true, "return-path": true,
}

// build turns m into a go-mail message. An error here is permanent: the
// message can never be sent as it is.
func (m Message) build() (*gomail.Msg, error) {
	gm := gomail.NewMsg()
	if err := gm.From(m.From); err != nil {
		return nil, permanent("invalid From address")
	}
	if err := gm.To(m.To); err != nil {
		return nil, permanent("invalid recipient address")
	}
	gm.Subject(m.Subject)
	gm.SetMessageIDWithValue(m.MessageID)
	gm.SetDate()
	gm.SetGenHeader("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	for k, v := range m.Headers {
		if !validHeaderName(k) || reservedHeaders[strings.ToLower(k)] || strings.ContainsAny(v, "\r\n") {
			return nil, permanent("invalid extra header")
		}
		gm.SetGenHeader(gomail.Header(k), v)
	}
	gm.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		err := gm.AttachReader(a.Filename, bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
		if err != nil {
			return nil, permanent("invalid attachment")
		}
	}
	return gm, nil
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}
