package db_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

func newStaff(t *testing.T, store *db.Store, email string) int64 {
	t.Helper()
	id, err := store.CreateUser(context.Background(), db.NewUser{Email: email, Role: portal.RoleOfficer, PasswordHash: "$argon2id$x"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func execSQL(t *testing.T, url, q string, args ...any) {
	t.Helper()
	conn, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func TestAuthTokensAreSingleUseAndExpire(t *testing.T) {
	store, url := dbtest.New(t)
	ctx := context.Background()
	uid := newStaff(t, store, "Sam@Force.example")
	use := func(token string, purpose portal.TokenPurpose) (int64, error) {
		var id int64
		err := store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			id, err = tx.UseAuthToken(ctx, token, purpose)
			return err
		})
		return id, err
	}

	token, err := store.CreateAuthToken(ctx, uid, portal.TokenPasswordReset, time.Hour)
	if err != nil || len(token) != 43 {
		t.Fatalf("token %q, %v: want 32 bytes base64url", token, err)
	}
	if u, err := store.AuthTokenUser(ctx, token, portal.TokenPasswordReset); err != nil || u.ID != uid || u.Email != "sam@force.example" {
		t.Fatalf("AuthTokenUser = %+v, %v", u, err)
	}
	if _, err := store.AuthTokenUser(ctx, token, portal.TokenPasswordSet); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("token for another purpose: %v", err)
	}
	if id, err := use(token, portal.TokenPasswordReset); err != nil || id != uid {
		t.Fatalf("first use = %d, %v", id, err)
	}
	if _, err := use(token, portal.TokenPasswordReset); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("second use: err = %v, want ErrNotFound", err)
	}
	if _, err := store.AuthTokenUser(ctx, token, portal.TokenPasswordReset); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("used token still shown as valid: %v", err)
	}

	expired, _ := store.CreateAuthToken(ctx, uid, portal.TokenPasswordSet, -time.Second)
	if _, err := use(expired, portal.TokenPasswordSet); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("expired token: err = %v", err)
	}

	// A newer link supersedes an older one; setting a password ends both kinds.
	first, _ := store.CreateAuthToken(ctx, uid, portal.TokenPasswordReset, time.Hour)
	second, _ := store.CreateAuthToken(ctx, uid, portal.TokenPasswordReset, time.Hour)
	if _, err := store.AuthTokenUser(ctx, first, portal.TokenPasswordReset); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("superseded token still valid: %v", err)
	}
	set, _ := store.CreateAuthToken(ctx, uid, portal.TokenPasswordSet, time.Hour)
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetPassword(ctx, uid, "$argon2id$new") }); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{second, set} {
		if _, err := store.AuthTokenUser(ctx, tok, portal.TokenPasswordReset); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("token outlived a password change: %v", err)
		}
	}
	if c, err := store.StaffCredentials(ctx, "SAM@force.example"); err != nil || c.PasswordHash != "$argon2id$new" || c.UserID != uid {
		t.Fatalf("StaffCredentials = %+v, %v", c, err)
	}

	// A disabled account's links stop working.
	live, _ := store.CreateAuthToken(ctx, uid, portal.TokenPasswordReset, time.Hour)
	execSQL(t, url, `UPDATE users SET disabled_at = now() WHERE id = $1`, uid)
	if _, err := use(live, portal.TokenPasswordReset); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("disabled account's token: err = %v", err)
	}
}

func TestAuthTokenUsedOnceUnderRace(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	uid := newStaff(t, store, "race@force.example")
	token, _ := store.CreateAuthToken(ctx, uid, portal.TokenPasswordReset, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 10 {
		wg.Go(func() {
			err := store.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.UseAuthToken(ctx, token, portal.TokenPasswordReset)
				return err
			})
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("token used %d times, want once", wins)
	}
}

func TestStaffCredentialsOnlyForStaff(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.CreateUser(ctx, db.NewUser{Email: "res@example.org", Role: portal.RoleResident}); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"res@example.org", "nobody@example.org"} {
		if _, err := store.StaffCredentials(ctx, email); !errors.Is(err, portal.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", email, err)
		}
	}
}

func TestMFASetupAndCodes(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	uid := newStaff(t, store, "mfa@force.example")
	if s, err := store.TOTPSecret(ctx, uid); err != nil || s != "" {
		t.Fatalf("new user's secret = %q, %v", s, err)
	}
	if err := store.SetTOTPSecret(ctx, uid, "SECRETONE"); err != nil {
		t.Fatal(err)
	}
	codes := []string{"ACDEF-GHJKM", "NPQRT-UVWXY"}
	hashes := [][]byte{portal.RecoveryCodeHash(codes[0]), portal.RecoveryCodeHash(codes[1])}
	enable := func(secret string) error {
		return store.InTx(ctx, func(tx *db.Tx) error { return tx.EnableMFA(ctx, uid, secret, 100, hashes) })
	}
	if err := enable("STALESECRET"); !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("enable with a stale secret: %v", err)
	}
	if err := enable("SECRETONE"); err != nil {
		t.Fatal(err)
	}
	if err := enable("SECRETONE"); !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("enable twice: %v", err)
	}
	if err := store.SetTOTPSecret(ctx, uid, "SECRETTWO"); !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("secret replaced after MFA was on: %v", err)
	}
	if u, _ := store.User(ctx, uid); !u.MFAEnabled {
		t.Fatal("MFA not shown as enabled")
	}

	// Time steps: the one used at set-up and older ones are refused.
	for _, tt := range []struct {
		step int64
		want bool
	}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}} {
		if ok, err := store.UseTOTPStep(ctx, uid, tt.step); err != nil || ok != tt.want {
			t.Fatalf("UseTOTPStep(%d) = %v, %v; want %v", tt.step, ok, err, tt.want)
		}
	}

	// Recovery codes work once each, typed in any form.
	if n, _ := store.RecoveryCodesLeft(ctx, uid); n != 2 {
		t.Fatalf("%d codes left, want 2", n)
	}
	if ok, _ := store.UseRecoveryCode(ctx, uid, portal.RecoveryCodeHash("acdef ghjkm")); !ok {
		t.Fatal("recovery code refused")
	}
	if ok, _ := store.UseRecoveryCode(ctx, uid, portal.RecoveryCodeHash(codes[0])); ok {
		t.Fatal("recovery code accepted twice")
	}
	if ok, _ := store.UseRecoveryCode(ctx, uid+1, portal.RecoveryCodeHash(codes[1])); ok {
		t.Fatal("another user's recovery code accepted")
	}
	if n, _ := store.RecoveryCodesLeft(ctx, uid); n != 1 {
		t.Fatalf("%d codes left, want 1", n)
	}
}

func TestLimitedAndResetMatchAllow(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	l := portal.Limit{Name: "signin-test", Max: 2, Window: time.Hour}
	check := func(want bool) {
		t.Helper()
		wait, err := store.Limited(ctx, l, "key")
		if err != nil {
			t.Fatal(err)
		}
		if (wait > 0) != want {
			t.Fatalf("Limited = %v, want limited %v", wait, want)
		}
		if want && (wait <= 59*time.Minute || wait > time.Hour) {
			t.Fatalf("wait %v, want about an hour", wait)
		}
	}
	check(false)
	store.Allow(ctx, l, "key")
	check(false)
	store.Allow(ctx, l, "key")
	check(true)
	if ok, _, _ := store.Allow(ctx, l, "key"); ok {
		t.Fatal("Allow disagrees with Limited")
	}
	if err := store.ResetLimit(ctx, l, "key"); err != nil {
		t.Fatal(err)
	}
	check(false)
	if ok, _, _ := store.Allow(ctx, l, "key"); !ok {
		t.Fatal("reset did not clear Allow's counter")
	}
}

func TestResolveAreaCodes(t *testing.T) {
	store, url := dbtest.New(t)
	seedGeography(t, url)
	lpas, nbs, unknown, err := store.ResolveAreaCodes(context.Background(), []string{"north", "north-riverside", "atlantis", "south"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lpas, []string{"north", "south"}) || !slices.Equal(nbs, []string{"north-riverside"}) || !slices.Equal(unknown, []string{"atlantis"}) {
		t.Fatalf("lpas %v, neighbourhoods %v, unknown %v", lpas, nbs, unknown)
	}
}

// seedGeography adds a force with LPAs north and south and a neighbourhood
// in each, as the demo data has.
func seedGeography(t *testing.T, url string) {
	t.Helper()
	execSQL(t, url, `
		INSERT INTO forces (code, name) VALUES ('test', 'Test Police');
		INSERT INTO local_authorities (code, name) VALUES ('la', 'Test Council');
		INSERT INTO lpas (force_id, code, name) SELECT id, 'north', 'North' FROM forces;
		INSERT INTO lpas (force_id, code, name) SELECT id, 'south', 'South' FROM forces;
		INSERT INTO neighbourhoods (lpa_id, local_authority_id, code, name, boundary)
		SELECT l.id, a.id, l.code || '-riverside', 'Riverside', ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326))
		  FROM lpas l, local_authorities a`)
}
