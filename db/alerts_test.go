package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// cmStore is a store with the demo geography loaded.
func cmStore(t *testing.T) (*db.Store, string) {
	t.Helper()
	store, url := dbtest.New(t)
	if _, err := store.LoadDemoGeography(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store, url
}

// hex32 makes a distinct idempotency key from n.
func hex32(n int) string {
	const digits = "0123456789abcdef"
	b := []byte("00000000000000000000000000000000")
	for i := 31; n > 0 && i >= 0; i-- {
		b[i] = digits[n%16]
		n /= 16
	}
	return string(b)
}

// cmSubscribe creates a subscription, confirmed unless told otherwise.
func cmSubscribe(t *testing.T, store *db.Store, ns db.NewSubscription, confirm bool) portal.Subscription {
	t.Helper()
	ctx := context.Background()
	ns.Token = portal.NewToken()
	if ns.Kinds.Frequency == "" {
		ns.Kinds = portal.AlertInput{Kinds: []string{"team_message"}, MinPriority: portal.LevelInformation, Frequency: "immediate"}
	}
	var sub portal.Subscription
	err := store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		sub, err = tx.CreateSubscription(ctx, ns)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if confirm {
		if sub, err = store.ConfirmSubscription(ctx, sub.Token); err != nil {
			t.Fatal(err)
		}
	}
	return sub
}

// cmPublish publishes a team message to neighbourhoods and returns how
// many subscriptions its alert was queued for.
func cmPublish(t *testing.T, store *db.Store, n int, level portal.Level, codes ...string) int {
	t.Helper()
	ctx := context.Background()
	in := portal.TeamMessageInput{IdempotencyKey: hex32(n), Kind: portal.MessageAdvice, Priority: level,
		Title: "Message", Body: "Body", Neighbourhoods: codes}
	var queued int
	err := store.InTx(ctx, func(tx *db.Tx) error {
		pub, err := tx.PublishTeamMessage(ctx, in, time.Time{}, portal.Scope{All: true}, 0)
		if err != nil {
			return err
		}
		queued, err = tx.PublishAlert(ctx, portal.AlertItem{Kind: portal.AlertTeamMessage, RefID: pub.ID, Title: in.Title,
			Path: "/messages/1", Priority: level}, pub.Areas)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return queued
}

// cmClaim claims every immediate alert and marks them sent.
func cmClaim(t *testing.T, store *db.Store) []db.PendingAlert {
	t.Helper()
	ctx := context.Background()
	var got []db.PendingAlert
	err := store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if got, err = tx.ClaimImmediateAlerts(ctx, 100); err != nil {
			return err
		}
		return tx.MarkAlertsSent(ctx, got)
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSubscriptionIsInactiveUntilConfirmed(t *testing.T) {
	store, _ := cmStore(t)
	ctx := context.Background()
	sub := cmSubscribe(t, store, db.NewSubscription{Email: "Resident@Example.org", NeighbourhoodCode: "north-mill"}, false)
	if sub.Confirmed || sub.Email != "resident@example.org" || sub.AreaLabel() != "the Mill neighbourhood" {
		t.Fatalf("new subscription %+v", sub)
	}
	if n := cmPublish(t, store, 1, portal.LevelUrgent, "north-mill"); n != 0 {
		t.Fatalf("unconfirmed subscription queued %d alerts", n)
	}
	if _, err := store.ConfirmSubscription(ctx, sub.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ConfirmSubscription(ctx, sub.Token); err != nil {
		t.Fatalf("confirming twice: %v", err)
	}
	if n := cmPublish(t, store, 2, portal.LevelInformation, "north-mill"); n != 1 {
		t.Fatalf("confirmed subscription queued %d alerts", n)
	}
	got := cmClaim(t, store)
	if len(got) != 1 || got[0].Subscription.Token != sub.Token || got[0].Item.Kind != portal.AlertTeamMessage {
		t.Fatalf("claimed %+v", got)
	}
	if again := cmClaim(t, store); len(again) != 0 {
		t.Fatalf("claimed twice: %+v", again)
	}

	// Unsubscribing ends it and drops what was waiting.
	cmPublish(t, store, 3, portal.LevelInformation, "north-mill")
	if err := store.Unsubscribe(ctx, sub.Token); err != nil {
		t.Fatal(err)
	}
	if err := store.Unsubscribe(ctx, sub.Token); err != nil {
		t.Fatalf("unsubscribing twice: %v", err)
	}
	if got := cmClaim(t, store); len(got) != 0 {
		t.Fatalf("unsubscribed still claimed %+v", got)
	}
	if n := cmPublish(t, store, 4, portal.LevelUrgent, "north-mill"); n != 0 {
		t.Fatalf("unsubscribed queued %d", n)
	}
	if _, err := store.ConfirmSubscription(ctx, sub.Token); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("re-confirming after unsubscribe: %v", err)
	}
	if err := store.Unsubscribe(ctx, portal.NewToken()); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
}

func TestConfirmationLinkExpires(t *testing.T) {
	store, url := cmStore(t)
	sub := cmSubscribe(t, store, db.NewSubscription{Email: "late@example.org", NeighbourhoodCode: "north-mill"}, false)
	execSQL(t, url, `UPDATE alert_subscriptions SET created_at = now() - interval '8 days' WHERE token = $1`, sub.Token)
	if _, err := store.ConfirmSubscription(context.Background(), sub.Token); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("expired link: %v", err)
	}
	if err := store.PruneSubscriptions(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Subscription(context.Background(), sub.Token); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unconfirmed subscription kept: %v", err)
	}
}

func TestRadiusSubscriptionNearBoundaryGetsBothNeighbourhoods(t *testing.T) {
	store, url := cmStore(t)
	ctx := context.Background()
	// A postcode in Castle about 400 metres from its border with Riverside.
	execSQL(t, url, `INSERT INTO postcodes (postcode, location, demo) VALUES ('DM27ZZ', ST_SetSRID(ST_MakePoint(-1.316, 52.1135), 4326), true)`)
	n, err := store.NeighbourhoodForPostcode(ctx, "DM27ZZ")
	if err != nil || n.Code != "north-castle" {
		t.Fatalf("test postcode is in %q (%v), want north-castle", n.Code, err)
	}
	near := cmSubscribe(t, store, db.NewSubscription{Email: "near@example.org", Postcode: "DM27ZZ", RadiusM: 1000}, true)
	cmSubscribe(t, store, db.NewSubscription{Email: "small@example.org", Postcode: "DM27ZZ", RadiusM: 500}, true)
	if near.AreaLabel() != "within 1 km of DM2 7ZZ" {
		t.Fatalf("label %q", near.AreaLabel())
	}
	for i, code := range []string{"north-riverside", "north-castle"} {
		cmPublish(t, store, 10+i, portal.LevelInformation, code)
	}
	cmPublish(t, store, 12, portal.LevelInformation, "south-heath") // far away
	got := map[string]int{}
	for _, a := range cmClaim(t, store) {
		got[a.Subscription.Email]++
	}
	if got["near@example.org"] != 2 {
		t.Fatalf("1 km circle near the border got %d alerts, want 2 (both neighbourhoods): %v", got["near@example.org"], got)
	}
	if got["small@example.org"] != 2 {
		t.Fatalf("0.5 km circle 400 m from the border got %d alerts, want 2: %v", got["small@example.org"], got)
	}

	// A circle that touches no neighbourhood is refused, as is an unknown postcode.
	err = store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CreateSubscription(ctx, db.NewSubscription{Token: portal.NewToken(), Email: "x@example.org",
			Postcode: "DM91AA", RadiusM: 500, Kinds: portal.AlertInput{Kinds: []string{"team_message"}, MinPriority: "information", Frequency: "weekly"}})
		return err
	})
	if !errors.Is(err, portal.ErrOutsideArea) {
		t.Fatalf("outside circle: %v", err)
	}
	err = store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CreateSubscription(ctx, db.NewSubscription{Token: portal.NewToken(), Email: "x@example.org",
			Postcode: "DM77ZZ", RadiusM: 500, Kinds: portal.AlertInput{Kinds: []string{"team_message"}, MinPriority: "information", Frequency: "weekly"}})
		return err
	})
	if !errors.Is(err, portal.ErrUnknownPostcode) {
		t.Fatalf("unknown postcode: %v", err)
	}
}

func TestAlertPreferencesAndDigest(t *testing.T) {
	store, _ := cmStore(t)
	ctx := context.Background()
	urgentOnly := cmSubscribe(t, store, db.NewSubscription{Email: "urgent@example.org", NeighbourhoodCode: "south-market",
		Kinds: portal.AlertInput{Kinds: []string{"team_message"}, MinPriority: portal.LevelUrgent, Frequency: "immediate"}}, true)
	coursesOnly := cmSubscribe(t, store, db.NewSubscription{Email: "courses@example.org", NeighbourhoodCode: "south-market",
		Kinds: portal.AlertInput{Kinds: []string{"course_session"}, MinPriority: portal.LevelInformation, Frequency: "immediate"}}, true)
	weekly := cmSubscribe(t, store, db.NewSubscription{Email: "weekly@example.org", NeighbourhoodCode: "south-market",
		Kinds: portal.AlertInput{Kinds: []string{"team_message"}, MinPriority: portal.LevelInformation, Frequency: "weekly"}}, true)
	_, _ = urgentOnly, coursesOnly
	cmPublish(t, store, 20, portal.LevelAdvice, "south-market")
	cmPublish(t, store, 21, portal.LevelUrgent, "south-market")
	got := map[string]int{}
	for _, a := range cmClaim(t, store) {
		got[a.Subscription.Email]++
	}
	if got["urgent@example.org"] != 1 || got["courses@example.org"] != 0 || got["weekly@example.org"] != 0 {
		t.Fatalf("immediate alerts %v", got)
	}

	claim := func(now time.Time) []db.PendingAlert {
		var alerts []db.PendingAlert
		err := store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			alerts, err = tx.ClaimDigest(ctx, now)
			if errors.Is(err, portal.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			return tx.MarkDigestSent(ctx, alerts, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		return alerts
	}
	if d := claim(time.Now()); len(d) != 0 {
		t.Fatalf("digest before its week: %+v", d)
	}
	later := time.Now().Add(portal.DigestInterval + time.Hour)
	d := claim(later)
	if len(d) != 2 || d[0].Subscription.Token != weekly.Token {
		t.Fatalf("digest %+v", d)
	}
	if d := claim(later); len(d) != 0 {
		t.Fatalf("digest sent twice: %+v", d)
	}
	cmPublish(t, store, 22, portal.LevelInformation, "south-market")
	if d := claim(later.Add(time.Hour)); len(d) != 0 {
		t.Fatal("second digest within the week")
	}
	if d := claim(later.Add(portal.DigestInterval + time.Hour)); len(d) != 1 {
		t.Fatalf("next week's digest %+v", d)
	}
}
