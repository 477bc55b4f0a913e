package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// TestCreateReportPicksTheRepeatVictimRisk checks the repeat-victim check
// made inside CreateReport's statement: the third report in six months from
// the same address gets RepeatRisk and RepeatDueAt, others Risk and DueAt.
func TestCreateReportPicksTheRepeatVictimRisk(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	due, repeatDue := time.Now().Add(48*time.Hour).Truncate(time.Second), time.Now().Add(24*time.Hour).Truncate(time.Second)
	create := func(n int, email string) (portal.Risk, time.Time) {
		t.Helper()
		d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0x5eed0000+n), CategoryCode: "noise", Postcode: "DM11AB",
			NeighbourhoodCode: "north-riverside", Description: "Shouting", Hate: "no", Anonymous: "no",
			Name: "Sam Resident", Email: email, ContactPreference: "email"}
		got, err := f.store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now(),
			Risk: portal.RiskLow, DueAt: due, RepeatRisk: portal.RiskMedium, RepeatDueAt: repeatDue})
		if err != nil {
			t.Fatal(err)
		}
		var risk portal.Risk
		var at time.Time
		if err := f.conn.QueryRow(`SELECT risk, due_at FROM reports WHERE id = $1`, got.ID).Scan(&risk, &at); err != nil {
			t.Fatal(err)
		}
		return risk, at
	}
	for i, want := range []portal.Risk{portal.RiskLow, portal.RiskLow, portal.RiskMedium} {
		risk, at := create(i, "Again@Example.org")
		wantDue := due
		if want == portal.RiskMedium {
			wantDue = repeatDue
		}
		if risk != want || !at.Equal(wantDue) {
			t.Errorf("report %d: risk %s due %v, want %s due %v", i+1, risk, at, want, wantDue)
		}
	}
	if risk, _ := create(3, "first.time@example.org"); risk != portal.RiskLow {
		t.Errorf("a first report: risk %s, want low", risk)
	}
}

// TestCreateReportFindsTheNeighbourhood checks a draft that names no
// neighbourhood (Open311): CreateReport finds it from the postcode, else
// from the point, and answers ErrNotFound, leaving nothing behind, when the
// place is in no neighbourhood.
func TestCreateReportFindsTheNeighbourhood(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	outside, _ := portal.NormalisePostcode(db.DemoOutsidePostcode)
	for i, tc := range []struct {
		postcode string
		lat, lon float64
		want     string // neighbourhood name; "" for none
	}{
		{postcode: "DM11AB", want: "Riverside"},
		{lat: 52.095, lon: -1.60, want: "Mill"}, // on a border: the first by code, as NeighbourhoodAt
		{postcode: outside},
		{lat: 50.0, lon: -3.0},
	} {
		d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0xf1ed0000+i), CategoryCode: "noise", Postcode: tc.postcode,
			Latitude: tc.lat, Longitude: tc.lon, Description: "Shouting", Hate: "no", Anonymous: "yes"}
		problems := count(t, f.conn, `SELECT count(*) FROM problems`)
		got, err := f.store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now()})
		if tc.want == "" {
			if !errors.Is(err, portal.ErrNotFound) {
				t.Errorf("%+v: %v, want ErrNotFound", tc, err)
			}
			if n := count(t, f.conn, `SELECT count(*) FROM problems`); n != problems {
				t.Errorf("%+v: %d problems made for a report not stored", tc, n-problems)
			}
			continue
		}
		if err != nil || got.NeighbourhoodName != tc.want {
			t.Errorf("%+v: %+v, %v; want %s", tc, got, err, tc.want)
		}
	}
}

// TestOutboxWakesOnlyForAQueuedMessage checks that a report with no
// acknowledgement to send does not wake the mail senders: its statement
// inserts no outbox row, and a NOTIFY would serialise its commit with
// every other submission's.
func TestOutboxWakesOnlyForAQueuedMessage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, dbURL := dbtest.New(t)
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	woke := make(chan struct{}, 10)
	go db.ListenOutbox(ctx, dbURL, func() { woke <- struct{}{} })
	time.Sleep(300 * time.Millisecond) // let it connect and LISTEN
	create := func(n int, ack bool) {
		t.Helper()
		d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0xacc0000+n), CategoryCode: "noise", Postcode: "DM11AB",
			NeighbourhoodCode: "north-riverside", Description: "Shouting", Hate: "no", Anonymous: "yes"}
		nr := db.NewReport{Draft: d, OccurredOn: time.Now()}
		if ack {
			nr.AckFor = func(ref string) (*portal.Email, error) {
				return &portal.Email{To: "r@example.org", Subject: "Report " + ref, Text: "t"}, nil
			}
		}
		if _, err := store.CreateReport(ctx, nr); err != nil {
			t.Fatal(err)
		}
	}
	create(1, false)
	select {
	case <-woke:
		t.Fatal("woken by a report that queued no email")
	case <-time.After(300 * time.Millisecond):
	}
	create(2, true)
	select {
	case <-woke:
	case <-time.After(5 * time.Second):
		t.Fatal("not woken by a report that queued its acknowledgement")
	}
}

// TestCreateReportSavesTheSession checks NewReport.SessionFor: the session
// is saved with a new report, in its statement, and left alone when the
// submission is a copy of one already made.
func TestCreateReportSavesTheSession(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	id := make([]byte, 32)
	id[0] = 7
	d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0x5e55), CategoryCode: "noise", Postcode: "DM11AB",
		NeighbourhoodCode: "north-riverside", Description: "Shouting", Hate: "no", Anonymous: "yes"}
	nr := db.NewReport{Draft: d, OccurredOn: time.Now(), SessionFor: func(ref string) (db.SessionRecord, error) {
		return db.SessionRecord{IDHash: id, Data: []byte("sent " + ref), Expires: time.Now().Add(time.Hour)}, nil
	}}
	first, err := f.store.CreateReport(ctx, nr)
	if err != nil || !first.SessionSaved {
		t.Fatalf("first: %+v, %v", first, err)
	}
	if got, err := f.store.SessionData(ctx, id); err != nil || string(got) != "sent "+first.Reference {
		t.Fatalf("session after the report: %q, %v", got, err)
	}
	again, err := f.store.CreateReport(ctx, nr)
	if err != nil || again.SessionSaved || again.Reference != first.Reference {
		t.Fatalf("again: %+v, %v; want the first report, session not saved", again, err)
	}
	if got, _ := f.store.SessionData(ctx, id); string(got) != "sent "+first.Reference {
		t.Fatalf("session after the copy: %q", got)
	}
	nr.SessionFor, d.Key = nil, fmt.Sprintf("%032x", 0x5e56)
	if other, err := f.store.CreateReport(ctx, nr); err != nil || other.SessionSaved {
		t.Fatalf("without a session: %+v, %v", other, err)
	}
}
