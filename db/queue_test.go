package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// queueFixture is a database with the demo geography, a PCSO of
// north-riverside, an officer of LPA north and a force admin.
type queueFixture struct {
	store                  *db.Store
	conn                   *sql.DB
	pcso, officer, admin   portal.User
	riverside, castle, all portal.Scope
	n                      int
}

func newQueueFixture(t *testing.T) *queueFixture {
	t.Helper()
	store, url := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	f := &queueFixture{store: store, conn: rawDB(t, url), all: portal.Scope{All: true}}
	f.pcso = triageStaff(t, store, "q-pcso@force.example", portal.RolePCSO, nil, []string{"north-riverside"})
	f.officer = triageStaff(t, store, "q-officer@force.example", portal.RoleOfficer, []string{"north"}, nil)
	f.admin = triageStaff(t, store, "q-admin@force.example", portal.RoleForceAdmin, nil, nil)
	f.riverside = f.pcso.Scope
	castle, err := store.NeighbourhoodByCode(ctx, "north-castle")
	if err != nil {
		t.Fatal(err)
	}
	f.castle = portal.Scope{Neighbourhoods: []int64{castle.ID}}
	return f
}

// qReport describes a report for a queue test.
type qReport struct {
	nbh      string
	risk     portal.Risk
	age      time.Duration // how long ago it arrived
	due      time.Duration // when it is due, from now (negative: overdue); 0: none
	status   portal.ReportStatus
	email    string
	userID   int64
	lat, lon float64
	vehicles string
	people   string
	hate     string
	category string
}

// add stores a report as described and returns its ID and reference.
func (f *queueFixture) add(t *testing.T, r qReport) (int64, string) {
	t.Helper()
	f.n++
	if r.nbh == "" {
		r.nbh = "north-riverside"
	}
	if r.hate == "" {
		r.hate = "no"
	}
	if r.category == "" {
		r.category = "noise"
	}
	d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0x9e0e0000+f.n), CategoryCode: r.category,
		Postcode: strings.ReplaceAll(db.DemoPostcodes()[r.nbh][0], " ", ""), NeighbourhoodCode: r.nbh,
		Latitude: r.lat, Longitude: r.lon, Description: "Shouting", People: r.people, Vehicles: r.vehicles,
		HappenedBefore: "no", Hate: r.hate, Anonymous: "yes"}
	if r.email != "" {
		d.Anonymous, d.Name, d.Email, d.ContactPreference, d.SafeToLeave = "no", "Sam Resident", r.email, "email", "yes"
	}
	nr := db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -1), Risk: r.risk, UserID: r.userID}
	if r.due != 0 {
		nr.DueAt = time.Now().Add(r.due)
	}
	got, err := f.store.CreateReport(context.Background(), nr)
	if err != nil {
		t.Fatal(err)
	}
	if r.status == "" {
		r.status = portal.StatusNew
	}
	if _, err := f.conn.Exec(`UPDATE reports SET created_at = now() - make_interval(secs => $2), status = $3 WHERE id = $1`,
		got.ID, r.age.Seconds(), string(r.status)); err != nil {
		t.Fatal(err)
	}
	return got.ID, got.Reference
}

func refs(items []portal.QueueItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Reference)
	}
	return out
}

func TestQueueOrderScopeAndFilters(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	_, lowOld := f.add(t, qReport{risk: portal.RiskLow, age: 72 * time.Hour})
	_, highNew := f.add(t, qReport{risk: portal.RiskHigh, age: time.Hour, due: time.Hour})
	_, highOld := f.add(t, qReport{risk: portal.RiskHigh, age: 5 * time.Hour, due: -time.Hour})
	_, medium := f.add(t, qReport{risk: portal.RiskMedium, age: 2 * time.Hour, category: "graffiti"})
	_, open := f.add(t, qReport{risk: portal.RiskLow, age: time.Hour, status: portal.StatusOpen})
	_, waiting := f.add(t, qReport{risk: portal.RiskHigh, status: portal.StatusAwaitingInformation})
	f.add(t, qReport{risk: portal.RiskHigh, status: portal.StatusClosed})
	_, castle := f.add(t, qReport{nbh: "north-castle", risk: portal.RiskHigh, age: 10 * time.Hour})
	_, heath := f.add(t, qReport{nbh: "south-heath", risk: portal.RiskHigh, age: 20 * time.Hour})

	list := func(scope portal.Scope, filter portal.QueueFilter) []string {
		t.Helper()
		got, err := f.store.Queue(ctx, scope, f.pcso.ID, filter)
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != len(got.Items) {
			t.Fatalf("total %d for %d items", got.Total, len(got.Items))
		}
		return refs(got.Items)
	}
	want := func(got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("queue\n got %v\nwant %v", got, want)
		}
	}
	want(list(f.riverside, portal.QueueFilter{}), highOld, highNew, medium, lowOld, open)
	want(list(f.all, portal.QueueFilter{}), heath, castle, highOld, highNew, medium, lowOld, open)
	want(list(f.officer.Scope, portal.QueueFilter{}), castle, highOld, highNew, medium, lowOld, open)
	want(list(f.castle, portal.QueueFilter{}), castle)
	// A PCSO never sees another neighbourhood, even by naming it.
	want(list(f.riverside, portal.QueueFilter{Neighbourhood: "south-heath"}))
	want(list(f.officer.Scope, portal.QueueFilter{Neighbourhood: "north-castle"}), castle)
	want(list(f.riverside, portal.QueueFilter{Category: "graffiti"}), medium)
	want(list(f.riverside, portal.QueueFilter{Risk: "high"}), highOld, highNew)
	want(list(f.riverside, portal.QueueFilter{Status: "open"}), open)
	want(list(f.riverside, portal.QueueFilter{Status: "awaiting-information"}), waiting)
	want(list(f.riverside, portal.QueueFilter{Status: "any"}), highOld, highNew, waiting, medium, lowOld, open)
	want(list(portal.Scope{}, portal.QueueFilter{}))

	got, err := f.store.Queue(ctx, f.riverside, f.pcso.ID, portal.QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	first := got.Items[0]
	if first.Risk != portal.RiskHigh || first.CategoryName != "Noise" || first.NeighbourhoodName != "Riverside" ||
		first.Status != portal.StatusNew || first.DueAt.IsZero() || !first.Overdue(time.Now()) || got.Items[1].Overdue(time.Now()) {
		t.Fatalf("first item %+v", first)
	}
}

func TestQueuePaging(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	var all []string
	for i := range portal.QueuePageSize + 5 {
		_, ref := f.add(t, qReport{risk: portal.RiskLow, age: time.Duration(100-i) * time.Hour})
		all = append(all, ref)
	}
	f.add(t, qReport{nbh: "north-castle", risk: portal.RiskLow})
	p1, err := f.store.Queue(ctx, f.riverside, f.pcso.ID, portal.QueueFilter{Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := f.store.Queue(ctx, f.riverside, f.pcso.ID, portal.QueueFilter{Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p1.Total != 30 || p2.Total != 30 || !slices.Equal(append(refs(p1.Items), refs(p2.Items)...), all) {
		t.Fatalf("pages: %d %v / %d %v", p1.Total, refs(p1.Items), p2.Total, refs(p2.Items))
	}
	p9, err := f.store.Queue(ctx, f.riverside, f.pcso.ID, portal.QueueFilter{Page: 9})
	if err != nil || len(p9.Items) != 0 || p9.Total != 30 || p9.More {
		t.Fatalf("page 9: %+v %v", p9, err)
	}

	// A backlog past the cap is counted as "more than" it.
	if _, err := f.conn.Exec(`
		INSERT INTO reports (reference, idempotency_key, problem_id, category_id, neighbourhood_id, occurred_on, description, anonymous)
		SELECT 'ASB-' || string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', (g::bigint / (32 ^ i)::bigint % 32)::int + 1, 1), '' ORDER BY i)
		           FILTER (WHERE i < 4) || '-' ||
		       string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', (g::bigint / (32 ^ i)::bigint % 32)::int + 1, 1), '' ORDER BY i)
		           FILTER (WHERE i >= 4),
		       'bulk-' || g, r.problem_id, r.category_id, r.neighbourhood_id, r.occurred_on, r.description, true
		  FROM generate_series(1, $1) g CROSS JOIN generate_series(0, 7) i
		  CROSS JOIN (SELECT problem_id, category_id, neighbourhood_id, occurred_on, description FROM reports
		               WHERE neighbourhood_id = (SELECT id FROM neighbourhoods WHERE code = 'north-riverside') LIMIT 1) r
		 GROUP BY g, r.problem_id, r.category_id, r.neighbourhood_id, r.occurred_on, r.description`,
		portal.QueueCountCap); err != nil {
		t.Fatal(err)
	}
	for _, page := range []int{1, 2} {
		big, err := f.store.Queue(ctx, f.riverside, f.pcso.ID, portal.QueueFilter{Page: page})
		if err != nil || big.Total != portal.QueueCountCap || !big.More || len(big.Items) != portal.QueuePageSize {
			t.Fatalf("capped count, page %d: total %d more %v items %d %v", page, big.Total, big.More, len(big.Items), err)
		}
	}
}

// The queue reads its items' flags in its own statement: they must be the
// flags the report page shows.
func TestQueueItemsCarryTheirFlags(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	const lat, lon = 52.1850, -1.2400
	for i := range 3 {
		f.add(t, qReport{lat: lat, lon: lon, age: time.Duration(3-i) * time.Hour, email: "flags@example.org"})
	}
	f.add(t, qReport{hate: "yes", risk: portal.RiskHigh})
	f.add(t, qReport{vehicles: "a van, AB12 CDE", age: time.Minute})
	got, err := f.store.Queue(ctx, f.riverside, f.pcso.ID, portal.QueueFilter{})
	if err != nil || len(got.Items) != 5 || got.Total != 5 {
		t.Fatalf("queue %+v %v", got, err)
	}
	flagged := 0
	for _, it := range got.Items {
		want := f.flags(t, f.riverside, it.ID)
		if it.Flags != want {
			t.Errorf("%s: flags %+v in the queue, %+v on its page", it.Reference, it.Flags, want)
		}
		if want.Hate || want.RepeatLocation || want.RepeatVictim {
			flagged++
		}
	}
	if flagged != 2 { // the hate report, and the third at the same place from the same reporter
		t.Errorf("%d flagged reports, want 2", flagged)
	}
}

func TestWorkCountsAreScoped(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	f.add(t, qReport{age: 50 * time.Hour, due: -2 * time.Hour})
	f.add(t, qReport{age: 2 * time.Hour, due: 5 * time.Hour})
	mineID, _ := f.add(t, qReport{status: portal.StatusOpen, age: 3 * time.Hour, due: -time.Minute})
	f.add(t, qReport{status: portal.StatusAwaitingInformation, age: 10 * time.Hour})
	f.add(t, qReport{status: portal.StatusClosed, age: 100 * time.Hour, due: -time.Hour})
	f.add(t, qReport{nbh: "north-castle", age: 200 * time.Hour, due: -time.Hour})
	f.add(t, qReport{nbh: "south-heath", age: 300 * time.Hour})
	if _, err := f.conn.Exec(`UPDATE reports SET assigned_to = $2 WHERE id = $1`, mineID, f.pcso.ID); err != nil {
		t.Fatal(err)
	}

	counts := func(u portal.User) portal.WorkCounts {
		t.Helper()
		c, err := f.store.WorkCounts(ctx, u.Scope, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	near := func(got time.Time, ago time.Duration) bool {
		d := time.Since(got) - ago
		return d > -time.Minute && d < time.Minute
	}
	c := counts(f.pcso)
	if c.New.Count != 2 || c.New.Overdue != 1 || !near(c.New.Oldest, 50*time.Hour) ||
		c.Open.Count != 1 || c.Open.Overdue != 1 || c.AwaitingInformation.Count != 1 || c.AwaitingInformation.Overdue != 0 ||
		c.Mine.Count != 1 || c.Mine.Overdue != 1 {
		t.Fatalf("PCSO counts %+v", c)
	}
	if c := counts(f.officer); c.New.Count != 3 || c.New.Overdue != 2 || !near(c.New.Oldest, 200*time.Hour) || c.Mine.Count != 0 {
		t.Fatalf("officer counts %+v", c)
	}
	if c := counts(f.admin); c.New.Count != 4 || !near(c.New.Oldest, 300*time.Hour) {
		t.Fatalf("admin counts %+v", c)
	}
	if c := counts(portal.User{ID: f.pcso.ID}); c != (portal.WorkCounts{}) {
		t.Fatalf("no scope counts %+v", c)
	}
}

// claimAs runs ClaimNext for a user as the handler does.
func (f *queueFixture) claimAs(u portal.User, filter portal.QueueFilter) (string, error) {
	var ref string
	err := f.store.InTx(context.Background(), func(tx *db.Tx) error {
		var err error
		ref, err = tx.ClaimNext(context.Background(), u.Scope, u.ID, filter)
		return err
	})
	return ref, err
}

func TestClaimNextTakesTheMostUrgentInScope(t *testing.T) {
	f := newQueueFixture(t)
	_, low := f.add(t, qReport{risk: portal.RiskLow, age: 10 * time.Hour})
	_, high := f.add(t, qReport{risk: portal.RiskHigh, age: time.Hour})
	f.add(t, qReport{nbh: "south-heath", risk: portal.RiskHigh, age: 20 * time.Hour})
	f.add(t, qReport{risk: portal.RiskHigh, status: portal.StatusAwaitingInformation})

	if ref, err := f.claimAs(f.pcso, portal.QueueFilter{}); err != nil || ref != high {
		t.Fatalf("first claim %q %v, want %s", ref, err, high)
	}
	if ref, err := f.claimAs(f.officer, portal.QueueFilter{}); err != nil || ref != low {
		t.Fatalf("second claim %q %v, want %s", ref, err, low)
	}
	if _, err := f.claimAs(f.officer, portal.QueueFilter{}); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("nothing left for the north: %v", err)
	}
	// Finding nothing keeps the officer's claim; taking a new report
	// releases the PCSO's earlier one, which the officer can then take.
	_, medium := f.add(t, qReport{risk: portal.RiskMedium})
	if ref, err := f.claimAs(f.pcso, portal.QueueFilter{}); err != nil || ref != medium {
		t.Fatalf("third claim %q %v, want %s", ref, err, medium)
	}
	if ref, err := f.claimAs(f.officer, portal.QueueFilter{Risk: "high"}); err != nil || ref != high {
		t.Fatalf("released high %q %v", ref, err)
	}
	got, err := f.store.Queue(context.Background(), f.riverside, f.pcso.ID, portal.QueueFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range got.Items {
		switch it.Reference {
		case high:
			if it.ClaimedBy != "q-officer" || it.ClaimedByMe {
				t.Fatalf("claimed high %+v", it)
			}
		case medium:
			if !it.ClaimedByMe {
				t.Fatalf("claimed medium %+v", it)
			}
		case low:
			if it.ClaimedBy != "" {
				t.Fatalf("low still claimed %+v", it)
			}
		}
	}
	mine, err := f.store.Queue(context.Background(), f.riverside, f.pcso.ID, portal.QueueFilter{Mine: true})
	if err != nil || !slices.Equal(refs(mine.Items), []string{medium}) {
		t.Fatalf("mine %v %v", refs(mine.Items), err)
	}
}

func TestTwoOfficersNeverClaimTheSameReport(t *testing.T) {
	f := newQueueFixture(t)
	const reports, officers = 12, 16
	for round := range 3 {
		for i := range reports {
			f.add(t, qReport{risk: []portal.Risk{portal.RiskHigh, portal.RiskLow}[i%2], age: time.Duration(i) * time.Minute})
		}
		var users []portal.User
		for i := range officers {
			users = append(users, triageStaff(t, f.store, fmt.Sprintf("racer%d-%d@force.example", round, i),
				portal.RoleOfficer, []string{"north"}, nil))
		}
		var wg sync.WaitGroup
		var none atomic.Int32
		got := make([]string, officers)
		start := make(chan struct{})
		for i, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ref, err := f.claimAs(u, portal.QueueFilter{})
				switch {
				case errors.Is(err, portal.ErrNotFound):
					none.Add(1)
				case err != nil:
					t.Error(err)
				}
				got[i] = ref
			}()
		}
		close(start)
		wg.Wait()
		seen := map[string]bool{}
		for _, ref := range got {
			if ref != "" && seen[ref] {
				t.Fatalf("round %d: %s claimed twice: %v", round, ref, got)
			}
			seen[ref] = true
		}
		if int(none.Load()) != officers-reports {
			t.Fatalf("round %d: %d of %d officers found nothing, want %d: %v", round, none.Load(), officers, officers-reports, got)
		}
		var claimed int
		if err := f.conn.QueryRow(`SELECT count(DISTINCT claimed_by) FROM reports WHERE claimed_by IS NOT NULL`).Scan(&claimed); err != nil || claimed != reports*(round+1) {
			t.Fatalf("round %d: %d claimants %v", round, claimed, err)
		}
	}
}

func TestClaimLapsesAfter30MinutesUnlessRefreshed(t *testing.T) {
	f := newQueueFixture(t)
	ctx := context.Background()
	id, ref := f.add(t, qReport{risk: portal.RiskHigh})
	if got, err := f.claimAs(f.pcso, portal.QueueFilter{}); err != nil || got != ref {
		t.Fatalf("claim %q %v", got, err)
	}
	if _, err := f.claimAs(f.officer, portal.QueueFilter{}); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("a live claim was taken: %v", err)
	}
	shift := func(d time.Duration) {
		t.Helper()
		if _, err := f.conn.Exec(`UPDATE reports SET claimed_at = now() - make_interval(secs => $2) WHERE id = $1`, id, d.Seconds()); err != nil {
			t.Fatal(err)
		}
	}
	// 29 minutes without activity: still held. The claimant acts: refreshed.
	shift(29 * time.Minute)
	if err := f.store.RefreshClaim(ctx, id, f.officer.ID); err != nil { // not the claimant: no effect
		t.Fatal(err)
	}
	if err := f.store.RefreshClaim(ctx, id, f.pcso.ID); err != nil {
		t.Fatal(err)
	}
	shift(0)
	var at time.Time
	if err := f.conn.QueryRow(`SELECT claimed_at FROM reports WHERE id = $1`, id).Scan(&at); err != nil || time.Since(at) > time.Minute {
		t.Fatalf("claimed_at %v %v", at, err)
	}
	shift(29 * time.Minute)
	if _, err := f.claimAs(f.officer, portal.QueueFilter{}); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("claim lapsed early: %v", err)
	}
	// 31 minutes without activity: lapsed, and the claimant can no longer refresh it.
	shift(31 * time.Minute)
	if err := f.store.RefreshClaim(ctx, id, f.pcso.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := f.claimAs(f.officer, portal.QueueFilter{}); err != nil || got != ref {
		t.Fatalf("lapsed claim not given to the next officer: %q %v", got, err)
	}
	var by int64
	if err := f.conn.QueryRow(`SELECT claimed_by FROM reports WHERE id = $1`, id).Scan(&by); err != nil || by != f.officer.ID {
		t.Fatalf("claimed by %d %v", by, err)
	}
}
