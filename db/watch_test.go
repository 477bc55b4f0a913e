package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// cmVolunteer creates a resident verified as a volunteer by admin.
func cmVolunteer(t *testing.T, store *db.Store, email string, admin int64) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := store.CreateUser(ctx, db.NewUser{Email: email, Role: portal.RoleResident})
	if err != nil {
		t.Fatal(err)
	}
	req, err := store.RequestVolunteer(ctx, id, portal.VolunteerInput{Role: portal.VolunteerNHWCoordinator, Organisation: "NHW", Area: "Mill"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.DecideVolunteer(ctx, req, portal.VolunteerVerified, admin)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// cmScheme registers and approves a scheme over Riverside postcodes.
func cmScheme(t *testing.T, store *db.Store, coordinator, admin int64) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		in := portal.SchemeInput{IdempotencyKey: hex32(900), Name: "Riverside Lanes", AreaBy: "postcodes"}
		if id, err = tx.CreateScheme(ctx, in, []string{"DM11AB", "DM12AE", "DM13AH"}, "", coordinator); err != nil {
			return err
		}
		_, err = tx.DecideScheme(ctx, id, portal.SchemeApproved, admin)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSchemeLifecycleAndMessages(t *testing.T) {
	store, _ := cmStore(t)
	ctx := context.Background()
	admin := newStaff(t, store, "admin@police.example")
	coord := cmVolunteer(t, store, "coord@example.org", admin)

	// Unknown postcodes and areas outside the force are refused.
	err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CreateScheme(ctx, portal.SchemeInput{IdempotencyKey: hex32(1), Name: "x"}, []string{"DM11AB", "DM77ZZ"}, "", coord)
		return err
	})
	if !errors.Is(err, portal.ErrUnknownPostcode) {
		t.Fatalf("unknown postcode: %v", err)
	}
	err = store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CreateScheme(ctx, portal.SchemeInput{IdempotencyKey: hex32(2), Name: "x"}, nil,
			`{"type":"Polygon","coordinates":[[[0,0],[0,0.01],[0.01,0.01],[0,0]]]}`, coord)
		return err
	})
	if !errors.Is(err, portal.ErrOutsideArea) {
		t.Fatalf("polygon outside: %v", err)
	}

	id := cmScheme(t, store, coord, admin)
	s, err := store.Scheme(ctx, id)
	if err != nil || s.Status != portal.SchemeApproved || strings.Join(s.Neighbourhoods, ",") != "Riverside" {
		t.Fatalf("scheme %+v %v", s, err)
	}
	riverside, _ := store.NeighbourhoodByCode(ctx, "north-riverside")
	in, err := store.SchemesIn(ctx, riverside.ID)
	if err != nil || len(in) != 1 {
		t.Fatalf("schemes in Riverside: %v %v", in, err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.DecideScheme(ctx, id, portal.SchemeDeclined, admin)
		return err
	}); !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("deciding twice: %v", err)
	}

	var members []int64
	for _, e := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		m, err := store.CreateUser(ctx, db.NewUser{Email: e, Role: portal.RoleResident})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.JoinScheme(ctx, id, m); err != nil {
			t.Fatal(err)
		}
		if err := store.JoinScheme(ctx, id, m); err != nil {
			t.Fatalf("joining twice: %v", err)
		}
		members = append(members, m)
	}
	if err := store.LeaveScheme(ctx, id, members[2]); err != nil {
		t.Fatal(err)
	}
	if err := store.JoinScheme(ctx, 999999, members[0]); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("joining a missing scheme: %v", err)
	}

	msg := portal.WatchMessageInput{IdempotencyKey: hex32(3), Subject: "Meeting", Body: "Tuesday"}
	send := func(by int64) (db.SentWatchMessage, error) {
		var out db.SentWatchMessage
		err := store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			out, err = tx.RecordWatchMessage(ctx, id, by, msg)
			return err
		})
		return out, err
	}
	if _, err := send(members[0]); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("a member sent as coordinator: %v", err)
	}
	out, err := send(coord)
	if err != nil || out.Replayed || strings.Join(out.Recipients, ",") != "a@example.org,b@example.org" {
		t.Fatalf("sent %+v %v", out, err)
	}
	again, err := send(coord)
	if err != nil || !again.Replayed || len(again.Recipients) != 0 || again.ID != out.ID {
		t.Fatalf("replay %+v %v", again, err)
	}
	list, err := store.WatchMessages(ctx, id, 10)
	if err != nil || len(list) != 1 || list[0].Recipients != 2 {
		t.Fatalf("sent list %+v %v", list, err)
	}
	mine, err := store.SchemesOf(ctx, members[0])
	if err != nil || len(mine) != 1 {
		t.Fatalf("member's schemes %v %v", mine, err)
	}
}
