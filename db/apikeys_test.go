package db_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

func TestAPIKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	store, dbURL := dbtest.New(t)
	key, secret, err := store.CreateAPIKey(ctx, "Council CRM", 30, portal.AuditEntry{Details: map[string]string{"via": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if key.ID == 0 || key.Name != "Council CRM" || key.PerMinute != 30 || !strings.HasPrefix(secret, "bk_"+key.Prefix+"_") {
		t.Fatalf("created %+v %q", key, secret)
	}
	got, err := store.APIKeyBySecret(ctx, secret)
	if err != nil || got.ID != key.ID || !got.RevokedAt.IsZero() {
		t.Fatalf("by secret: %+v %v", got, err)
	}

	// Only the hash is stored: the secret appears nowhere in the table.
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var hash []byte
	var prefix string
	if err := conn.QueryRow(`SELECT key_hash, prefix FROM api_keys WHERE id = $1`, key.ID).Scan(&hash, &prefix); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hash, portal.HashAPIKey(secret)) || prefix != key.Prefix || bytes.Contains(hash, []byte(secret)) {
		t.Fatalf("stored hash %x prefix %q", hash, prefix)
	}

	// The last character changed to one it is not (always a different key).
	last := "A"
	if strings.HasSuffix(secret, "A") {
		last = "B"
	}
	for _, bad := range []string{"", "bk_nonsense", secret[:len(secret)-1] + last} {
		if _, err := store.APIKeyBySecret(ctx, bad); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("%q: %v, want ErrNotFound", bad, err)
		}
	}

	if _, err := store.RevokeAPIKey(ctx, key.Prefix, portal.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.APIKeyBySecret(ctx, secret); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("revoked key: %v", err)
	}
	if _, err := store.RevokeAPIKey(ctx, key.Prefix, portal.AuditEntry{}); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}

	_, second, err := store.CreateAPIKey(ctx, "Bulk import", 0, portal.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := store.APIKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].Name != "Bulk import" || keys[0].PerMinute != 0 || keys[1].RevokedAt.IsZero() {
		t.Fatalf("list %+v %v", keys, err)
	}
	if k, err := store.APIKeyBySecret(ctx, second); err != nil || !k.Limit().Unlimited() {
		t.Fatalf("unlimited key %+v %v", k, err)
	}

	log, err := store.AuditLog(ctx, db.AuditFilter{TargetType: "api_key"})
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(log); strings.Join(got, ",") != "apikey.create,apikey.revoke,apikey.create" {
		t.Fatalf("audit %v", got)
	}
	for _, r := range log {
		for _, v := range r.Details {
			if strings.Contains(secret, v) && len(v) > 8 {
				t.Fatalf("audit details hold the secret: %v", r.Details)
			}
		}
	}

	if _, _, err := store.CreateAPIKey(ctx, "", 60, portal.AuditEntry{}); err == nil {
		t.Fatal("created a key without a name")
	}
	if _, _, err := store.CreateAPIKey(ctx, "Negative", -1, portal.AuditEntry{}); err == nil {
		t.Fatal("created a key with a negative limit")
	}
}

func TestServiceRequestsShowOnlyPublicFields(t *testing.T) {
	ctx := context.Background()
	store, dbURL := dbtest.New(t)
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	pc := strings.ReplaceAll(db.DemoPostcodes()["north-riverside"][0], " ", "")
	today := time.Now()
	mk := func(key, category string) string {
		d := &portal.ReportDraft{Key: key, CategoryCode: category, Postcode: pc, NeighbourhoodCode: "north-riverside",
			Description: "private words", HappenedBefore: "no", Hate: "no", Anonymous: "yes"}
		got, err := store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: today})
		if err != nil {
			t.Fatal(err)
		}
		return got.Reference
	}
	noise := mk(strings.Repeat("a", 32), "noise")
	graffiti := mk(strings.Repeat("b", 32), "graffiti")
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`UPDATE reports SET status = 'closed', created_at = now() - interval '100 days' WHERE reference = $1`, graffiti); err != nil {
		t.Fatal(err)
	}

	sr, err := store.ServiceRequest(ctx, noise)
	if err != nil {
		t.Fatal(err)
	}
	if sr.Reference != noise || sr.CategoryCode != "noise" || sr.Status != portal.StatusNew || !sr.HasLocation ||
		sr.Lat != portal.RoundCoordinate(sr.Lat) || sr.Lon != portal.RoundCoordinate(sr.Lon) || sr.Agency == "" {
		t.Fatalf("service request %+v", sr)
	}
	if _, err := store.ServiceRequest(ctx, "ASB-2222-2222"); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	refs := func(f db.ServiceRequestFilter) string {
		t.Helper()
		list, err := store.ServiceRequests(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range list {
			out = append(out, r.Reference)
		}
		return strings.Join(out, ",")
	}
	month := time.Now().AddDate(0, 0, -30)
	for name, tt := range map[string]struct {
		f    db.ServiceRequestFilter
		want string
	}{
		"all":                 {db.ServiceRequestFilter{}, noise + "," + graffiti},
		"recent":              {db.ServiceRequestFilter{From: month}, noise},
		"old":                 {db.ServiceRequestFilter{To: month}, graffiti},
		"open":                {db.ServiceRequestFilter{Open: true}, noise},
		"closed":              {db.ServiceRequestFilter{Closed: true}, graffiti},
		"code":                {db.ServiceRequestFilter{ServiceCodes: []string{"graffiti"}}, graffiti},
		"references override": {db.ServiceRequestFilter{References: []string{graffiti}, From: month, Open: true}, graffiti},
		"limit":               {db.ServiceRequestFilter{Limit: 1}, noise},
	} {
		if got := refs(tt.f); got != tt.want {
			t.Errorf("%s: got %q, want %q", name, got, tt.want)
		}
	}
}
