package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

const (
	testDBURL = "postgres://beacon@db.example:5432/beacon"
	keyA      = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	keyB      = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

	testSMTPURL = "smtp://beacon:s3cret@smtp.example.org:587?tls=starttls"
)

// env is a getenv backed by a map, so tests never read the real environment.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// prod is the smallest valid production environment, plus overrides.
func prod(over map[string]string) map[string]string {
	m := map[string]string{"DATABASE_URL": testDBURL, "SESSION_KEYS": keyA, "SMTP_URL": testSMTPURL}
	for k, v := range over {
		m[k] = v
	}
	return m
}

func TestLoadConfig(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte(keyB+","+keyA+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // substring of the error; "" means success
		check   func(t *testing.T, c Config)
	}{
		{name: "defaults", env: prod(nil), check: func(t *testing.T, c Config) {
			if c.Addr != "127.0.0.1:8080" {
				t.Errorf("Addr = %q", c.Addr)
			}
			if got := c.BaseURL.String(); got != "http://127.0.0.1:8080" {
				t.Errorf("BaseURL = %q", got)
			}
			if c.HTTPS() || c.Dev || c.LogFormat != "json" || c.DataDir != ".data" || c.DBMaxConns != 20 {
				t.Errorf("unexpected defaults: %+v", c)
			}
			if c.RequestTimeout != 5*time.Second || c.ShutdownTimeout != 10*time.Second || c.ShutdownDrain != 0 {
				t.Errorf("unexpected timeouts: %+v", c)
			}
		}},
		{name: "base URL derived from ADDR", env: prod(map[string]string{"ADDR": "127.0.0.1:9090"}), check: func(t *testing.T, c Config) {
			if got := c.BaseURL.String(); got != "http://127.0.0.1:9090" {
				t.Errorf("BaseURL = %q", got)
			}
		}},
		{name: "explicit https base URL, trailing slash trimmed", env: prod(map[string]string{"BASE_URL": "https://beacon.example.org/"}), check: func(t *testing.T, c Config) {
			if got := c.BaseURL.String(); got != "https://beacon.example.org" || !c.HTTPS() {
				t.Errorf("BaseURL = %q, HTTPS %v", got, c.HTTPS())
			}
		}},
		{name: "dev without session keys", env: map[string]string{"DATABASE_URL": testDBURL, "DEV": "1"}, check: func(t *testing.T, c Config) {
			if !c.Dev || len(c.SessionKeys) != 0 || c.LogFormat != "text" {
				t.Errorf("Dev %v, keys %d, LogFormat %q", c.Dev, len(c.SessionKeys), c.LogFormat)
			}
		}},
		{name: "production without session keys", env: map[string]string{"DATABASE_URL": testDBURL, "SMTP_URL": testSMTPURL}, wantErr: "SESSION_KEYS"},
		{name: "DEV=0 is production", env: map[string]string{"DATABASE_URL": testDBURL, "DEV": "0", "SMTP_URL": testSMTPURL}, wantErr: "SESSION_KEYS"},
		{name: "production without SMTP_URL", env: map[string]string{"DATABASE_URL": testDBURL, "SESSION_KEYS": keyA}, wantErr: "SMTP_URL: is required outside development"},
		{name: "bad SMTP_URL scheme", env: prod(map[string]string{"SMTP_URL": "http://u:s3cret@smtp.example.org"}), wantErr: "SMTP_URL: must start smtp://"},
		{name: "bad SMTP_URL tls", env: prod(map[string]string{"SMTP_URL": "smtp://u:s3cret@smtp.example.org?tls=yes"}), wantErr: "SMTP_URL: tls must be"},
		{name: "unparsable SMTP_URL", env: prod(map[string]string{"SMTP_URL": "smtp://u:s3cret@smtp.example.org:x"}), wantErr: "SMTP_URL: is not a valid URL"},
		{name: "dev without SMTP_URL", env: map[string]string{"DATABASE_URL": testDBURL, "DEV": "1", "BASE_URL": "http://127.0.0.1:8080"}, check: func(t *testing.T, c Config) {
			if c.SMTPURL != "" || c.MailFrom != "Beacon <no-reply@localhost>" {
				t.Errorf("SMTPURL %q, MailFrom %q", c.SMTPURL, c.MailFrom)
			}
		}},
		{name: "MAIL_FROM default from BASE_URL", env: prod(map[string]string{"BASE_URL": "https://beacon.example.org:8443/x"}), check: func(t *testing.T, c Config) {
			if c.MailFrom != "Beacon <no-reply@beacon.example.org>" || c.SMTPURL != testSMTPURL {
				t.Errorf("MailFrom %q, SMTPURL %q", c.MailFrom, c.SMTPURL)
			}
		}},
		{name: "MAIL_FROM set", env: prod(map[string]string{"MAIL_FROM": "Thames Valley Beacon <beacon@tvp.example.org>"}), check: func(t *testing.T, c Config) {
			if c.MailFrom != "Thames Valley Beacon <beacon@tvp.example.org>" {
				t.Errorf("MailFrom %q", c.MailFrom)
			}
		}},
		{name: "bad MAIL_FROM", env: prod(map[string]string{"MAIL_FROM": "Beacon"}), wantErr: "MAIL_FROM"},
		{name: "missing DATABASE_URL", env: map[string]string{"SESSION_KEYS": keyA}, wantErr: "DATABASE_URL"},
		{name: "non-postgres DATABASE_URL", env: prod(map[string]string{"DATABASE_URL": "mysql://x@y/z"}), wantErr: "DATABASE_URL"},
		{name: "short session key", env: prod(map[string]string{"SESSION_KEYS": "tooshort"}), wantErr: "SESSION_KEYS: each key must be at least 32"},
		{name: "one short key among good ones", env: prod(map[string]string{"SESSION_KEYS": keyA + ",short"}), wantErr: "SESSION_KEYS"},
		{name: "bad LOG_FORMAT", env: prod(map[string]string{"LOG_FORMAT": "xml"}), wantErr: "LOG_FORMAT"},
		{name: "text LOG_FORMAT", env: prod(map[string]string{"LOG_FORMAT": "text"}), check: func(t *testing.T, c Config) {
			if c.LogFormat != "text" {
				t.Errorf("LogFormat = %q", c.LogFormat)
			}
		}},
		{name: "bad DEV", env: prod(map[string]string{"DEV": "yes please"}), wantErr: "DEV"},
		{name: "BASE_URL without scheme", env: prod(map[string]string{"BASE_URL": "beacon.example.org"}), wantErr: "BASE_URL"},
		{name: "BASE_URL ftp", env: prod(map[string]string{"BASE_URL": "ftp://beacon.example.org"}), wantErr: "BASE_URL"},
		{name: "BASE_URL unparsable", env: prod(map[string]string{"BASE_URL": "http://[::1"}), wantErr: "BASE_URL"},
		{name: "bad TRUSTED_PROXIES address", env: prod(map[string]string{"TRUSTED_PROXIES": "10.0.0.1,not-an-ip"}), wantErr: `TRUSTED_PROXIES: "not-an-ip"`},
		{name: "bad TRUSTED_PROXIES range", env: prod(map[string]string{"TRUSTED_PROXIES": "10.0.0.0/33"}), wantErr: "TRUSTED_PROXIES"},
		{name: "bad REQUEST_TIMEOUT", env: prod(map[string]string{"REQUEST_TIMEOUT": "5"}), wantErr: "REQUEST_TIMEOUT"},
		{name: "zero REQUEST_TIMEOUT", env: prod(map[string]string{"REQUEST_TIMEOUT": "0s"}), wantErr: "REQUEST_TIMEOUT"},
		{name: "negative SHUTDOWN_TIMEOUT", env: prod(map[string]string{"SHUTDOWN_TIMEOUT": "-1s"}), wantErr: "SHUTDOWN_TIMEOUT"},
		{name: "bad SHUTDOWN_DRAIN", env: prod(map[string]string{"SHUTDOWN_DRAIN": "soon"}), wantErr: "SHUTDOWN_DRAIN"},
		{name: "bad DB_MAX_CONNS", env: prod(map[string]string{"DB_MAX_CONNS": "many"}), wantErr: "DB_MAX_CONNS"},
		{name: "zero DB_MAX_CONNS", env: prod(map[string]string{"DB_MAX_CONNS": "0"}), wantErr: "DB_MAX_CONNS"},
		{name: "durations parsed", env: prod(map[string]string{"REQUEST_TIMEOUT": "2s", "SHUTDOWN_TIMEOUT": "1m", "SHUTDOWN_DRAIN": "500ms"}), check: func(t *testing.T, c Config) {
			if c.RequestTimeout != 2*time.Second || c.ShutdownTimeout != time.Minute || c.ShutdownDrain != 500*time.Millisecond {
				t.Errorf("timeouts %v %v %v", c.RequestTimeout, c.ShutdownTimeout, c.ShutdownDrain)
			}
		}},
		{name: "keys newest first", env: prod(map[string]string{"SESSION_KEYS": keyB + ", " + keyA}), check: func(t *testing.T, c Config) {
			assertKeys(t, c.SessionKeys, keyB, keyA)
		}},
		{name: "SESSION_KEYS_FILE", env: map[string]string{"DATABASE_URL": testDBURL, "SMTP_URL": testSMTPURL, "SESSION_KEYS_FILE": keyFile}, check: func(t *testing.T, c Config) {
			assertKeys(t, c.SessionKeys, keyB, keyA)
		}},
		{name: "SESSION_KEYS and SESSION_KEYS_FILE", env: prod(map[string]string{"SESSION_KEYS_FILE": keyFile}), wantErr: "not both"},
		{name: "SESSION_KEYS_FILE missing", env: map[string]string{"DATABASE_URL": testDBURL, "SESSION_KEYS_FILE": keyFile + ".missing"}, wantErr: "SESSION_KEYS_FILE"},
		{name: "trusted proxies", env: prod(map[string]string{"TRUSTED_PROXIES": "10.1.2.3, 192.168.7.9/16,::1,fd00::/8"}), check: func(t *testing.T, c Config) {
			want := []netip.Prefix{
				netip.MustParsePrefix("10.1.2.3/32"),
				netip.MustParsePrefix("192.168.0.0/16"),
				netip.MustParsePrefix("::1/128"),
				netip.MustParsePrefix("fd00::/8"),
			}
			if len(c.TrustedProxies) != len(want) {
				t.Fatalf("TrustedProxies = %v, want %v", c.TrustedProxies, want)
			}
			for i := range want {
				if c.TrustedProxies[i] != want[i] {
					t.Errorf("TrustedProxies[%d] = %v, want %v", i, c.TrustedProxies[i], want[i])
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "config: ") {
					t.Errorf("err = %q, want the config: prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// TestLoadConfigJoinsErrors checks that several bad variables are all named,
// so an operator fixes them in one go.
func TestLoadConfigJoinsErrors(t *testing.T) {
	_, err := loadConfig(env(prod(map[string]string{"DEV": "maybe", "SHUTDOWN_DRAIN": "x", "BASE_URL": "nope"})))
	if err == nil {
		t.Fatal("no error")
	}
	for _, name := range []string{"DEV", "SHUTDOWN_DRAIN", "BASE_URL"} {
		if !strings.Contains(err.Error(), "config: "+name+":") {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

// TestLoadConfigNeverEchoesSecrets checks that a rejected key is not
// repeated in the error, which ends up in logs.
func TestLoadConfigNeverEchoesSecrets(t *testing.T) {
	const secretish = "s3cret-but-short"
	_, err := loadConfig(env(prod(map[string]string{"SESSION_KEYS": secretish})))
	if err == nil || strings.Contains(err.Error(), secretish) {
		t.Fatalf("err = %v", err)
	}
	for _, bad := range []string{"smtp://u:" + secretish + "@host:x", "smtp://u:" + secretish + "%zz@host", "ftp://u:" + secretish + "@host"} {
		_, err := loadConfig(env(prod(map[string]string{"SMTP_URL": bad})))
		if err == nil || strings.Contains(err.Error(), secretish) {
			t.Fatalf("SMTP_URL %q: err = %v", bad, err)
		}
	}
}

func assertKeys(t *testing.T, got [][]byte, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], []byte(want[i])) {
			t.Errorf("key %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestDevSessionKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // not yet created
	first, err := devSessionKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) < 32 {
		t.Fatalf("key is %d bytes, want at least 32", len(first))
	}
	info, err := os.Stat(filepath.Join(dir, "session.key"))
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("session.key mode = %o, want 600", mode)
	}
	second, err := devSessionKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("second call returned a different key: %q then %q", first, second)
	}
	other, err := devSessionKey(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first, other) {
		t.Error("two data directories got the same key: keys are not random")
	}
}

func TestTargetDaysVariable(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://x@localhost/beacon", "DEV": "1"}
	c, err := loadConfig(func(k string) string { return env[k] })
	if err != nil || c.Targets != (portal.Targets{High: 1, Medium: 2, Low: 5}) {
		t.Fatalf("default targets %+v %v", c.Targets, err)
	}
	env["TARGET_DAYS"] = "high=2, low=10"
	if c, err = loadConfig(func(k string) string { return env[k] }); err != nil || c.Targets != (portal.Targets{High: 2, Medium: 2, Low: 10}) {
		t.Fatalf("targets %+v %v", c.Targets, err)
	}
	for _, bad := range []string{"urgent=1", "high=0", "high", "low=x"} {
		env["TARGET_DAYS"] = bad
		if _, err := loadConfig(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "TARGET_DAYS") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestRateLimitsVariable(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://x@localhost/beacon", "DEV": "1",
		"RATE_LIMITS": "signin-email=5/30m, reports=0/1h"}
	c, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.SignInEmail.Max != 5 || c.Limits.SignInEmail.Window != 30*time.Minute || !c.Limits.Reports.Unlimited() {
		t.Fatalf("limits %+v %+v", c.Limits.SignInEmail, c.Limits.Reports)
	}
	for _, bad := range []string{"nope=1/1h", "reports=1", "reports=x/1h", "reports=1/forever", "reports=-1/1h"} {
		env["RATE_LIMITS"] = bad
		if _, err := loadConfig(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "RATE_LIMITS") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
