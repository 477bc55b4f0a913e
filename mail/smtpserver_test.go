package mail

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testSMTP is a real SMTP server (github.com/emersion/go-smtp) on loopback
// that records what it is sent. It can be stopped and started again on the
// same address, to play a mail server that is down for a while.
type testSMTP struct {
	t    testing.TB
	Addr string
	// User and Pass, when set, are required (PLAIN, over TLS only).
	User, Pass string
	TLS        *tls.Config
	// Reject is a recipient refused with 550.
	Reject string
	// Delay slows down accepting each message.
	Delay time.Duration

	mu       sync.Mutex
	srv      *smtp.Server
	received []received
}

// received is one message as the server got it.
type received struct {
	From string
	To   []string
	Data []byte
}

// newTestSMTP reserves a loopback address; call Start to listen on it.
func newTestSMTP(t testing.TB) *testSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &testSMTP{t: t, Addr: addr}
	t.Cleanup(s.Stop)
	return s
}

// startTestSMTP starts a server at once.
func startTestSMTP(t testing.TB) *testSMTP {
	s := newTestSMTP(t)
	s.Start()
	return s
}

func (s *testSMTP) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.TLSConfig = s.TLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	var ln net.Listener
	var err error
	for range 50 { // the port was free a moment ago; wait if it is still closing
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("test SMTP: listen: %v", err)
	}
	s.srv = srv
	go srv.Serve(ln)
}

func (s *testSMTP) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// URL is an SMTP_URL for this server.
func (s *testSMTP) URL() string {
	if s.TLS != nil {
		return "smtp://" + s.User + ":" + s.Pass + "@" + s.Addr + "?tls=starttls"
	}
	return "smtp://" + s.Addr + "?tls=none"
}

// Received returns a copy of what has arrived so far.
func (s *testSMTP) Received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

// NewSession implements smtp.Backend.
func (s *testSMTP) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &testSession{srv: s}, nil
}

type testSession struct {
	srv    *testSMTP
	authed bool
	msg    received
}

func (ss *testSession) AuthMechanisms() []string {
	if ss.srv.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *testSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.srv.User || pass != ss.srv.Pass {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.User != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.msg = received{From: from}
	return nil
}

func (ss *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == ss.srv.Reject {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user " + to}
	}
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.msg.Data = b
	time.Sleep(ss.srv.Delay)
	ss.srv.mu.Lock()
	ss.srv.received = append(ss.srv.received, ss.msg)
	ss.srv.mu.Unlock()
	return nil
}

func (ss *testSession) Reset()        { ss.msg = received{} }
func (ss *testSession) Logout() error { return nil }

// parsed is a received message taken apart.
type parsed struct {
	Header      netmail.Header
	Text, HTML  string
	Attachments map[string]string // filename → content
}

// parse reads a MIME message into its headers, text and HTML parts and
// attachments, decoding transfer encodings.
func parse(t testing.TB, data []byte) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	p := parsed{Header: m.Header, Attachments: map[string]string{}}
	walkPart(t, &p, m.Header, m.Body)
	return p
}

func walkPart(t testing.TB, p *parsed, h map[string][]string, body io.Reader) {
	t.Helper()
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	mt, params, err := mime.ParseMediaType(get("Content-Type"))
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("read part: %v", err)
			}
			walkPart(t, p, part.Header, part)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if _, dp, err := mime.ParseMediaType(get("Content-Disposition")); err == nil && dp["filename"] != "" {
		p.Attachments[dp["filename"]] = string(b)
		return
	}
	switch mt {
	case "text/plain":
		p.Text = string(b)
	case "text/html":
		p.HTML = string(b)
	}
}

// testCA returns a server certificate for 127.0.0.1 and a client TLS
// configuration that trusts it.
func testCA(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "beacon test SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}
