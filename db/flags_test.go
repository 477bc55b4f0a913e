package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

func (f *queueFixture) flags(t *testing.T, scope portal.Scope, id int64) portal.ReportFlags {
	t.Helper()
	got, err := f.store.ReportFlags(context.Background(), scope, id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestThirdReportFromTheSameReporterIsARepeatVictim(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	const email = "repeat@example.org"
	// A report 7 months ago is outside the 6 months.
	f.add(t, qReport{email: email, age: 7 * 30 * 24 * time.Hour})
	first, _ := f.add(t, qReport{email: email, age: 100 * 24 * time.Hour})
	if repeat, err := f.store.RepeatVictimBefore(ctx, "Repeat@Example.org", 0); err != nil || repeat {
		t.Fatalf("one report before: repeat=%v %v", repeat, err)
	}
	second, _ := f.add(t, qReport{email: email, age: 10 * 24 * time.Hour, nbh: "north-castle"})
	f.add(t, qReport{email: "someone.else@example.org", age: time.Hour})
	if repeat, err := f.store.RepeatVictimBefore(ctx, "Repeat@Example.org", 0); err != nil || !repeat {
		t.Fatalf("two reports before: repeat=%v %v", repeat, err)
	}
	third, _ := f.add(t, qReport{email: email, age: time.Hour})
	for id, want := range map[int64]bool{first: false, second: false, third: true} {
		got := f.flags(t, f.all, id)
		if got.RepeatVictim != want || got.MayMeetCaseReviewThreshold() != want {
			t.Errorf("report %d: repeat victim %v, want %v", id, got.RepeatVictim, want)
		}
	}
	// Reports flagged as spam do not count.
	if _, err := f.conn.Exec(`UPDATE reports SET flagged = true WHERE id = $1`, second); err != nil {
		t.Fatal(err)
	}
	if f.flags(t, f.all, third).RepeatVictim {
		t.Fatal("a spam report counted towards the repeat victim flag")
	}

	// The same resident's account counts like their email address.
	resident, err := f.store.CreateUser(ctx, db.NewUser{Email: "account@example.org", Role: portal.RoleResident})
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for i := range 3 {
		last, _ = f.add(t, qReport{userID: resident, age: time.Duration(3-i) * time.Hour})
	}
	if !f.flags(t, f.all, last).RepeatVictim {
		t.Fatal("three anonymous reports from one account: no repeat victim flag")
	}
	if repeat, err := f.store.RepeatVictimBefore(ctx, "", resident); err != nil || !repeat {
		t.Fatalf("account: repeat=%v %v", repeat, err)
	}
	if repeat, err := f.store.RepeatVictimBefore(ctx, "", 0); err != nil || repeat {
		t.Fatalf("nobody: repeat=%v %v", repeat, err)
	}
}

func TestRepeatLocationWithin100MetresIn30Days(t *testing.T) {
	f := newQueueFixture(t)
	const lat, lon = 52.1850, -1.2400
	const metre = 1.0 / 111_000 // degrees of latitude
	// 40 days ago: outside the window. Then two within 100 m, one 150 m away.
	f.add(t, qReport{lat: lat, lon: lon, age: 40 * 24 * time.Hour})
	a, _ := f.add(t, qReport{lat: lat + 30*metre, lon: lon, age: 20 * 24 * time.Hour})
	b, _ := f.add(t, qReport{lat: lat - 40*metre, lon: lon, age: 10 * 24 * time.Hour, nbh: "north-castle"})
	far, _ := f.add(t, qReport{lat: lat + 150*metre, lon: lon, age: 5 * 24 * time.Hour})
	c, _ := f.add(t, qReport{lat: lat, lon: lon, age: time.Hour})
	noLocation, _ := f.add(t, qReport{age: time.Minute})
	for id, want := range map[int64]bool{a: false, b: false, far: false, c: true} {
		if got := f.flags(t, f.all, id).RepeatLocation; got != want {
			t.Errorf("report %d: repeat location %v, want %v", id, got, want)
		}
	}
	if f.flags(t, f.all, noLocation).RepeatLocation {
		t.Error("a report at a postcode far away is a repeat location")
	}
}

// The repeat-location window is read from an index of place and time
// (migration 00024): its edges and spam must be exactly as in the rule.
func TestRepeatLocationWindowEdgesAndSpam(t *testing.T) {
	f := newQueueFixture(t)
	const lat, lon = 52.1850, -1.2400
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	// place adds a report at the place, days and seconds after at (the
	// window's days counted by PostgreSQL, as the rule counts them).
	place := func(days, secs int) int64 {
		t.Helper()
		id, _ := f.add(t, qReport{lat: lat, lon: lon})
		if _, err := f.conn.Exec(`UPDATE reports SET created_at = CAST($2 AS timestamptz) + make_interval(days => $3, secs => $4) WHERE id = $1`,
			id, at, days, secs); err != nil {
			t.Fatal(err)
		}
		return id
	}
	r := place(0, 0)
	place(-portal.RepeatLocationDays, 0) // exactly the window before: outside it
	place(0, 1)                          // after the report: never counts
	in := place(-portal.RepeatLocationDays, 1)
	if f.flags(t, f.all, r).RepeatLocation {
		t.Fatal("two reports in the window (with itself) made a repeat location")
	}
	same := place(0, 0) // arrived at the same instant: inside the window
	if !f.flags(t, f.all, r).RepeatLocation || !f.flags(t, f.all, same).RepeatLocation {
		t.Fatal("three reports in the window: no repeat location")
	}
	if _, err := f.conn.Exec(`UPDATE reports SET flagged = true WHERE id = $1`, in); err != nil {
		t.Fatal(err)
	}
	if f.flags(t, f.all, r).RepeatLocation {
		t.Fatal("a spam report counted towards the repeat location flag")
	}
}

func TestRepeatSubjectByVehicleOrExactDescription(t *testing.T) {
	f := newQueueFixture(t)
	v1, _ := f.add(t, qReport{vehicles: "Silver Ford Focus, reg ab12 cde", age: 60 * 24 * time.Hour})
	v2, _ := f.add(t, qReport{vehicles: "AB12CDE again", age: 30 * 24 * time.Hour})
	other, _ := f.add(t, qReport{vehicles: "A white van, XY51 ZZZ", age: 20 * 24 * time.Hour})
	v3, _ := f.add(t, qReport{vehicles: "the car AB12  CDE and a van XY51 ZZZ", age: time.Hour})
	for id, want := range map[int64]bool{v1: false, v2: false, other: false, v3: true} {
		if got := f.flags(t, f.all, id).RepeatSubject; got != want {
			t.Errorf("vehicle report %d: repeat subject %v, want %v", id, got, want)
		}
	}
	// Descriptions of people match only when they are the same words.
	desc := "Tall man in a red jacket with a brown dog"
	p1, _ := f.add(t, qReport{people: desc, age: 3 * time.Hour})
	f.add(t, qReport{people: "tall man, in a RED jacket with a brown dog!", age: 2 * time.Hour})
	f.add(t, qReport{people: "Tall man in a red coat with a brown dog", age: 90 * time.Minute})
	p3, _ := f.add(t, qReport{people: desc + ".", age: time.Hour})
	short, _ := f.add(t, qReport{people: "Two men", age: 10 * time.Minute})
	f.add(t, qReport{people: "two men", age: 5 * time.Minute})
	short3, _ := f.add(t, qReport{people: "Two men", age: time.Minute})
	for id, want := range map[int64]bool{p1: false, p3: true, short: false, short3: false} {
		if got := f.flags(t, f.all, id).RepeatSubject; got != want {
			t.Errorf("people report %d: repeat subject %v, want %v", id, got, want)
		}
	}
}

func TestFlagsAreScopedAndBatched(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	hate, _ := f.add(t, qReport{hate: "yes"})
	heath, _ := f.add(t, qReport{nbh: "south-heath", hate: "yes"})
	if got := f.flags(t, f.riverside, hate); !got.Hate || got.Vulnerable || got.RepeatVictim {
		t.Fatalf("flags %+v", got)
	}
	if _, err := f.store.ReportFlags(ctx, f.riverside, heath); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("another neighbourhood's report: %v", err)
	}
	if _, err := f.store.ReportFlags(ctx, f.riverside, 999999); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("missing report: %v", err)
	}
	got, err := f.store.ReportsFlags(ctx, f.riverside, []int64{hate, heath})
	if err != nil || len(got) != 1 || !got[hate].Hate {
		t.Fatalf("batch %v %v", got, err)
	}
	if got, err := f.store.ReportsFlags(ctx, f.all, nil); err != nil || len(got) != 0 {
		t.Fatalf("empty batch %v %v", got, err)
	}
}
