package main

import (
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/portal"
)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestAPIKeyCommands(t *testing.T) {
	beacon, conn := importEnv(t)

	out, err := beacon("apikey", "create", "--name", "Council CRM")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	secret := lastLine(out)
	prefix, _, ok := portal.ParseAPIKey(secret)
	if !ok || !strings.Contains(out, "60 requests a minute") {
		t.Fatalf("create printed:\n%s", out)
	}
	out, err = beacon("apikey", "create", "--name", "Load test", "--per-minute", "0")
	if err != nil || !strings.Contains(out, "unlimited") {
		t.Fatalf("create unlimited: %v\n%s", err, out)
	}
	if _, _, ok := portal.ParseAPIKey(lastLine(out)); !ok {
		t.Fatalf("last line is not a key:\n%s", out)
	}
	if n := rowCount(t, conn, `SELECT count(*) FROM api_keys WHERE per_minute = 0`); n != 1 {
		t.Fatalf("%d unlimited keys", n)
	}

	out, err = beacon("apikey", "list")
	if err != nil || !strings.Contains(out, prefix) || !strings.Contains(out, "Council CRM") || strings.Contains(out, secret) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, err = beacon("apikey", "revoke", "--prefix", prefix)
	if err != nil || !strings.Contains(out, "Revoked") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if _, err := beacon("apikey", "revoke", "--prefix", prefix); err == nil || !strings.Contains(err.Error(), "no working key") {
		t.Fatalf("second revoke: %v", err)
	}
	out, _ = beacon("apikey", "list")
	if !strings.Contains(out, "revoked") {
		t.Fatalf("list after revoke:\n%s", out)
	}
	if n := rowCount(t, conn, `SELECT count(*) FROM audit_log WHERE action LIKE 'apikey.%' AND details->>'via' = 'command line'`); n != 3 {
		t.Fatalf("%d audit rows, want 3", n)
	}

	for _, args := range [][]string{
		{"apikey"},
		{"apikey", "create"},
		{"apikey", "create", "--name", "X", "--per-minute", "-1"},
		{"apikey", "create", "--name", "X", "--per-minute", "lots"},
		{"apikey", "revoke"},
		{"apikey", "revoke", "--prefix", "nothex!!"},
		{"apikey", "rotate"},
		{"apikey", "list", "extra"},
	} {
		if _, err := beacon(args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestRateLimitConfig(t *testing.T) {
	cfg, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://x@h/db", "DEV": "1",
		"RATE_LIMIT_REPORTS_PER_HOUR": "0", "RATE_LIMIT_OPEN311_PER_MINUTE": "120"}))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Limits.Reports.Unlimited() || cfg.Limits.Open311.Max != 120 || cfg.Limits.Forms.Max != 60 {
		t.Fatalf("limits %+v", cfg.Limits)
	}
	for _, bad := range []string{"-1", "many"} {
		_, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://x@h/db", "DEV": "1", "RATE_LIMIT_FORMS_PER_HOUR": bad}))
		if err == nil || !strings.Contains(err.Error(), "RATE_LIMIT_FORMS_PER_HOUR") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}
