package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is "starttls" (upgrade a plain connection; refused if the server
	// cannot), "tls" (TLS from the first byte, as on port 465) or "none".
	TLS string
	// Auth is the SASL mechanism, or "" to pick the strongest the server
	// offers (over a connection without TLS, only those that never send the
	// password in the clear).
	Auth    string
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (tests use it to trust their own
	// certificate authority); nil verifies the server against the system's.
	TLSConfig *tls.Config
}

// ParseSMTPURL reads SMTP_URL, which has the form
//
//	smtp://[USER[:PASSWORD]@]HOST[:PORT][?tls=starttls|tls|none][&auth=MECHANISM]
//
// USER and PASSWORD are percent-encoded (an @ in a user name is %40). tls
// defaults to starttls (smtps:// means tls=tls); the port defaults to 587
// for starttls, 465 for tls and 25 for none. auth is one of plain, login,
// cram-md5, scram-sha-1, scram-sha-256, or absent to choose automatically;
// no user means no authentication. Errors never repeat the URL, which holds
// a password.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, errors.New("mail: SMTP_URL: is not a valid URL (percent-encode special characters in the user name and password)")
	}
	c := SMTPConfig{Host: u.Hostname(), TLS: "starttls", Timeout: 15 * time.Second}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		c.TLS = "tls"
	default:
		return SMTPConfig{}, errors.New("mail: SMTP_URL: must start smtp:// or smtps://")
	}
	if c.Host == "" {
		return SMTPConfig{}, errors.New("mail: SMTP_URL: has no host name")
	}
	q := u.Query()
	if v := q.Get("tls"); v != "" {
		c.TLS = v
	}
	if c.TLS != "starttls" && c.TLS != "tls" && c.TLS != "none" {
		return SMTPConfig{}, errors.New(`mail: SMTP_URL: tls must be "starttls", "tls" or "none"`)
	}
	c.Auth = strings.ToUpper(q.Get("auth"))
	if _, ok := authTypes[c.Auth]; !ok {
		return SMTPConfig{}, errors.New("mail: SMTP_URL: auth must be plain, login, cram-md5, scram-sha-1 or scram-sha-256")
	}
	c.Port = map[string]int{"starttls": 587, "tls": 465, "none": 25}[c.TLS]
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port < 1 || c.Port > 65535 {
			return SMTPConfig{}, errors.New("mail: SMTP_URL: the port must be a number from 1 to 65535")
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, nil
}

var authTypes = map[string]gomail.SMTPAuthType{
	"":              gomail.SMTPAuthAutoDiscover,
	"PLAIN":         gomail.SMTPAuthPlain,
	"LOGIN":         gomail.SMTPAuthLogin,
	"CRAM-MD5":      gomail.SMTPAuthCramMD5,
	"SCRAM-SHA-1":   gomail.SMTPAuthSCRAMSHA1,
	"SCRAM-SHA-256": gomail.SMTPAuthSCRAMSHA256,
}

// SMTP delivers messages to a mail server with github.com/wneessen/go-mail,
// one connection per batch.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP returns a transport for the server cfg describes.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &SMTP{cfg: cfg}
}

// NewTransport returns the transport SMTP_URL asks for: SMTP, or, when it is
// empty (allowed in development only), Discard.
func NewTransport(smtpURL string) (Transport, error) {
	if smtpURL == "" {
		return Discard{}, nil
	}
	cfg, err := ParseSMTPURL(smtpURL)
	if err != nil {
		return nil, err
	}
	return NewSMTP(cfg), nil
}

func (s *SMTP) client() (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithoutNoop(), // one connection per batch: no need to probe it before each message
	}
	switch s.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.TLSConfig != nil {
		tc := s.cfg.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = s.cfg.Host
		}
		opts = append(opts, gomail.WithTLSConfig(tc))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(authTypes[s.cfg.Auth]),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// Send delivers msgs over one connection, reporting each message's outcome
// as soon as it is known. Messages not yet sent when ctx ends are reported
// with ErrStopped.
func (s *SMTP) Send(ctx context.Context, msgs []Message, report func(i int, err error)) {
	built := make([]*gomail.Msg, len(msgs))
	pending := 0
	for i, m := range msgs {
		gm, err := m.build()
		if err != nil {
			report(i, err)
			continue
		}
		built[i] = gm
		pending++
	}
	if pending == 0 {
		return
	}
	c, err := s.client()
	if err == nil {
		err = s.sendAll(ctx, c, built, report)
	}
	if err != nil {
		err = connectError(err)
		for i, gm := range built {
			if gm != nil {
				report(i, err)
			}
		}
	}
}

// sendAll dials and sends; on a connection error it returns it, and the
// messages it has not reported yet share it.
func (s *SMTP) sendAll(ctx context.Context, c *gomail.Client, built []*gomail.Msg, report func(int, error)) error {
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return err
	}
	defer c.CloseWithSMTPClient(sc)
	for i, gm := range built {
		if gm == nil {
			continue
		}
		built[i] = nil // reported below, whatever happens
		if ctx.Err() != nil {
			report(i, ErrStopped)
			continue
		}
		serr := c.SendWithSMTPClient(sc, gm)
		if gm.IsDelivered() {
			serr = nil // accepted by the server; a failed RSET afterwards does not matter
		}
		report(i, sendError(serr))
	}
	return nil
}

// DeliveryError is why a message was not delivered, in words that hold no
// personal data (no addresses, no server replies that might quote them), so
// it can be stored and logged.
type DeliveryError struct {
	Reason string
	// Permanent means trying again cannot help (the recipient was refused).
	Permanent bool
}

// Error returns the reason, prefixed with the package name.
func (e *DeliveryError) Error() string { return "mail: " + e.Reason }

func permanent(reason string) error { return &DeliveryError{Reason: reason, Permanent: true} }

// ErrStopped reports a message not attempted because the sender is stopping.
var ErrStopped = &DeliveryError{Reason: "not attempted: the sender was stopping"}

// sendError summarises a go-mail send error by its SMTP stage and codes.
func sendError(err error) error {
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return &DeliveryError{Reason: "smtp: send failed"}
	}
	stage, ok := stages[se.Reason]
	if !ok {
		stage = se.Reason.String()
	}
	reason := "smtp: " + stage
	if code := se.ErrorCode(); code != 0 {
		reason += fmt.Sprintf(" (%d", code)
		if esc := se.EnhancedStatusCode(); esc != "" {
			reason += " " + esc
		}
		reason += ")"
	}
	perm := !se.IsTemp() && se.ErrorCode() >= 500 && se.Reason == gomail.ErrSMTPRcptTo
	if se.Reason == gomail.ErrGetRcpts || se.Reason == gomail.ErrGetSender {
		perm = true
	}
	return &DeliveryError{Reason: reason, Permanent: perm}
}

// stages name the step of the SMTP conversation that failed.
var stages = map[gomail.SendErrReason]string{
	gomail.ErrSMTPMailFrom:  "sender refused",
	gomail.ErrSMTPRcptTo:    "recipient refused",
	gomail.ErrSMTPData:      "message refused",
	gomail.ErrSMTPDataClose: "message refused",
	gomail.ErrWriteContent:  "connection lost while sending",
	gomail.ErrConnCheck:     "connection lost",
	gomail.ErrGetRcpts:      "invalid recipient address",
	gomail.ErrGetSender:     "invalid From address",
}

// connectError summarises a failure to reach or sign in to the server.
func connectError(err error) error {
	msg := err.Error()
	var reason string
	switch {
	case strings.Contains(msg, "SMTP AUTH"), strings.Contains(msg, "AUTH"):
		reason = "smtp: authentication failed"
	case strings.Contains(msg, "STARTTLS"), strings.Contains(msg, "tls"), strings.Contains(msg, "certificate"):
		reason = "smtp: TLS failed"
	case strings.Contains(msg, "refused"):
		reason = "smtp: connection refused"
	case strings.Contains(msg, "timeout"), strings.Contains(msg, "deadline"):
		reason = "smtp: connection timed out"
	default:
		reason = "smtp: could not connect"
	}
	return &DeliveryError{Reason: reason}
}
