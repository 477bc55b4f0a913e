package mail

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
)

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		raw     string
		want    SMTPConfig
		wantErr string
	}{
		{raw: "smtp://smtp.example.org", want: SMTPConfig{Host: "smtp.example.org", Port: 587, TLS: "starttls"}},
		{raw: "smtps://smtp.example.org", want: SMTPConfig{Host: "smtp.example.org", Port: 465, TLS: "tls"}},
		{raw: "smtp://smtp.example.org?tls=tls", want: SMTPConfig{Host: "smtp.example.org", Port: 465, TLS: "tls"}},
		{raw: "smtp://127.0.0.1:2525?tls=none", want: SMTPConfig{Host: "127.0.0.1", Port: 2525, TLS: "none"}},
		{raw: "smtp://relay?tls=none", want: SMTPConfig{Host: "relay", Port: 25, TLS: "none"}},
		{raw: "smtp://apikey:s%40cr%3At@smtp.example.org:587?tls=starttls&auth=login",
			want: SMTPConfig{Host: "smtp.example.org", Port: 587, TLS: "starttls", Username: "apikey", Password: "s@cr:t", Auth: "LOGIN"}},
		{raw: "smtp://me%40example.org:pw@smtp.example.org",
			want: SMTPConfig{Host: "smtp.example.org", Port: 587, TLS: "starttls", Username: "me@example.org", Password: "pw"}},
		{raw: "http://smtp.example.org", wantErr: "smtp:// or smtps://"},
		{raw: "smtp://:587", wantErr: "no host"},
		{raw: "smtp://smtp.example.org?tls=maybe", wantErr: "tls must be"},
		{raw: "smtp://smtp.example.org?auth=ntlm", wantErr: "auth must be"},
		{raw: "smtp://smtp.example.org:99999", wantErr: "port"},
		{raw: "smtp://user:hunter2@smtp.example.org:port", wantErr: "not a valid URL"},
		{raw: "smtp://user:hunter2%zz@smtp.example.org", wantErr: "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := ParseSMTPURL(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("the error repeats the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Timeout = 0
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// sendOne delivers one message through tr and returns its outcome.
func sendOne(tr Transport, m Message) error {
	var got error = errors.New("not reported")
	tr.Send(context.Background(), []Message{m}, func(_ int, err error) { got = err })
	return got
}

var plainMessage = Message{MessageID: "outbox-1.1@beacon.example.org", From: "Beacon <no-reply@beacon.example.org>",
	To: "resident@example.org", Subject: "Update", Text: "There is an update.\n"}

// STARTTLS with authentication: the password is only sent once the
// connection is encrypted, and a wrong one is reported without echoing it.
func TestSMTPStartTLSWithAuth(t *testing.T) {
	serverTLS, clientTLS := testCA(t)
	srv := newTestSMTP(t)
	srv.TLS, srv.User, srv.Pass = serverTLS, "beacon", "correct horse"
	srv.Start()

	cfg, err := ParseSMTPURL("smtp://beacon:correct%20horse@" + srv.Addr + "?tls=starttls")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLSConfig = clientTLS
	if err := sendOne(NewSMTP(cfg), plainMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	if n := len(srv.Received()); n != 1 {
		t.Fatalf("received %d", n)
	}

	cfg.Password = "wrong horse"
	err = sendOne(NewSMTP(cfg), plainMessage)
	var de *DeliveryError
	if !errors.As(err, &de) || de.Reason != "smtp: authentication failed" || de.Permanent {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "horse") {
		t.Fatalf("the error holds the password: %v", err)
	}
}

// tls=starttls never falls back to plain text when the server offers no
// STARTTLS, and a server certificate that is not trusted is refused.
func TestSMTPRefusesToDowngrade(t *testing.T) {
	plain := startTestSMTP(t)
	cfg, _ := ParseSMTPURL("smtp://" + plain.Addr + "?tls=starttls")
	if err := sendOne(NewSMTP(cfg), plainMessage); err == nil || err.Error() != "mail: smtp: TLS failed" {
		t.Errorf("starttls against a plain server: %v", err)
	}
	serverTLS, _ := testCA(t)
	untrusted := newTestSMTP(t)
	untrusted.TLS = serverTLS
	untrusted.Start()
	cfg, _ = ParseSMTPURL("smtp://" + untrusted.Addr + "?tls=starttls")
	if err := sendOne(NewSMTP(cfg), plainMessage); err == nil || err.Error() != "mail: smtp: TLS failed" {
		t.Errorf("untrusted certificate: %v", err)
	}
	if n := len(plain.Received()) + len(untrusted.Received()); n != 0 {
		t.Errorf("%d messages were sent without TLS", n)
	}
}

// Messages that can never be sent as they are fail permanently, before any
// connection is made.
func TestInvalidMessagesArePermanentFailures(t *testing.T) {
	srv := startTestSMTP(t)
	tr, _ := NewTransport(srv.URL())
	bad := map[string]func(*Message){
		"recipient":       func(m *Message) { m.To = "not an address" },
		"from":            func(m *Message) { m.From = "" },
		"header name":     func(m *Message) { m.Headers = map[string]string{"Bad Name": "x"} },
		"header value":    func(m *Message) { m.Headers = map[string]string{"X-Note": "a\r\nBcc: someone@example.org"} },
		"reserved header": func(m *Message) { m.Headers = map[string]string{"bcc": "someone@example.org"} },
	}
	for name, spoil := range bad {
		m := plainMessage
		spoil(&m)
		var de *DeliveryError
		if err := sendOne(tr, m); !errors.As(err, &de) || !de.Permanent {
			t.Errorf("%s: %v, want a permanent failure", name, err)
		}
	}
	good := plainMessage
	good.Attachments = []db.Attachment{{Filename: "a.txt", ContentType: "text/plain", Data: []byte("a")}}
	if err := sendOne(tr, good); err != nil {
		t.Errorf("good message: %v", err)
	}
	if n := len(srv.Received()); n != 1 {
		t.Errorf("received %d, want only the good message", n)
	}
}
