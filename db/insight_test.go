package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// insightFixture is the demo geography with staff of different scopes and
// a way to place reports exactly.
type insightFixture struct {
	store               *db.Store
	conn                *sql.DB
	riverside, castle   int64
	north               []int64 // the LPA's neighbourhoods
	pcso, sergeant, all portal.User
	n                   int
}

func newInsightFixture(t *testing.T) *insightFixture {
	t.Helper()
	store, url := dbtest.New(t)
	if _, err := store.LoadDemoGeography(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := &insightFixture{store: store, conn: rawDB(t, url)}
	for code, id := range map[string]*int64{"north-riverside": &f.riverside, "north-castle": &f.castle} {
		if err := f.conn.QueryRow(`SELECT id FROM neighbourhoods WHERE code = $1`, code).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.conn.QueryRow(`SELECT array_agg(n.id ORDER BY n.id) FROM neighbourhoods n JOIN lpas l ON l.id = n.lpa_id
		WHERE l.code = 'north'`).Scan(pq.Array(&f.north)); err != nil {
		t.Fatal(err)
	}
	f.pcso = triageStaff(t, store, "pcso@insight.example", portal.RolePCSO, nil, []string{"north-riverside"})
	f.sergeant = triageStaff(t, store, "sergeant@insight.example", portal.RoleSergeant, []string{"north"}, nil)
	f.all = portal.User{Role: portal.RoleForceAdmin, Scope: portal.Scope{All: true}}
	return f
}

// insightReport is a report to place: where, when, what.
type insightReport struct {
	nbh          int64
	lat, lon     float64
	postcode     string
	category     string
	created      time.Time
	occurredTime string // HH:MM, or "" for none
	email        string // "" for anonymous
	status       string
}

func (f *insightFixture) add(t *testing.T, r insightReport) string {
	t.Helper()
	f.n++
	if r.category == "" {
		r.category = "noise"
	}
	if r.status == "" {
		r.status = "new"
	}
	ref := portal.NewReference()
	var occurred any
	if r.occurredTime != "" {
		occurred = r.occurredTime
	}
	_, err := f.conn.Exec(`
		WITH p AS (INSERT INTO problems DEFAULT VALUES RETURNING id)
		INSERT INTO reports (reference, idempotency_key, problem_id, category_id, neighbourhood_id, location, postcode,
		       occurred_on, occurred_time, description, anonymous, reporter_name, reporter_email, status, created_at)
		SELECT $1, $2, p.id, c.id, $3, ST_SetSRID(ST_MakePoint($5, $4), 4326), $6,
		       ($7::timestamptz AT TIME ZONE 'Europe/London')::date, $8::time, 'Shouting =SUM(A1) at night',
		       $9 = '', CASE WHEN $9 = '' THEN '' ELSE 'Sam Resident' END, $9, $10, $7
		  FROM p, categories c WHERE c.code = $11`,
		ref, fmt.Sprintf("insight-%d", f.n), r.nbh, r.lat, r.lon, r.postcode, r.created, occurred, r.email, r.status, r.category)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func (f *insightFixture) query(u portal.User, nbhs []int64, since time.Time) db.InsightQuery {
	return db.InsightQuery{Scope: u.Scope, Neighbourhoods: nbhs, Since: since}
}

// A point near the demo postcode DM1 1AB, in Riverside.
const baseLat, baseLon = 52.187981, -1.232851

func TestHotspotsClusterClosePointsOnly(t *testing.T) {
	f := newInsightFixture(t)
	ctx := context.Background()
	now := time.Now()
	// Ten reports within about 50 m of each other: one hotspot.
	for i := range 10 {
		cat := "noise"
		if i%3 == 0 {
			cat = "drug-use"
		}
		f.add(t, insightReport{nbh: f.riverside, lat: baseLat + float64(i)*0.00004, lon: baseLon + float64(i%3)*0.00005,
			postcode: "DM11AB", category: cat, created: now.Add(-time.Duration(i) * 24 * time.Hour)})
	}
	// Ten scattered reports, each about 550 m from the next: no hotspot.
	for i := range 10 {
		f.add(t, insightReport{nbh: f.riverside, lat: baseLat - 0.01 - float64(i)*0.005, lon: baseLon + 0.01,
			created: now.Add(-time.Hour)})
	}
	// Four close reports, one short of a hotspot.
	for i := range 4 {
		f.add(t, insightReport{nbh: f.riverside, lat: baseLat + 0.03 + float64(i)*0.00002, lon: baseLon, created: now.Add(-time.Hour)})
	}
	// Ten close reports, but too long ago.
	for i := range 10 {
		f.add(t, insightReport{nbh: f.riverside, lat: baseLat + 0.05 + float64(i)*0.00002, lon: baseLon,
			created: now.AddDate(0, 0, -portal.InsightDays-5)})
	}
	hs, err := f.store.Hotspots(ctx, f.query(f.pcso, []int64{f.riverside}, now.AddDate(0, 0, -portal.InsightDays)))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 {
		t.Fatalf("hotspots %+v, want exactly one", hs)
	}
	h := hs[0]
	if h.Reports != 10 || h.Neighbourhood != "Riverside" || h.Place.District != "DM1" {
		t.Errorf("hotspot %+v", h)
	}
	if len(h.Categories) != 2 || h.Categories[0] != (portal.CategoryCount{Name: "Noise", Count: 6}) ||
		h.Categories[1] != (portal.CategoryCount{Name: "Drug use or dealing in public", Count: 4}) {
		t.Errorf("categories %+v", h.Categories)
	}
	if !strings.HasPrefix(h.Place.GridReference(), "SP ") || h.Place.Easting%100 != 0 || h.Place.Northing%100 != 0 {
		t.Errorf("place %+v (%s)", h.Place, h.Place.GridReference())
	}
	if d := h.Place.Latitude - baseLat; d < -0.002 || d > 0.002 {
		t.Errorf("latitude %v, far from %v", h.Place.Latitude, baseLat)
	}

	// The plan runs; the benchmark prints it.
	plan, err := f.store.ExplainInsight(ctx, "hotspots", f.query(f.pcso, []int64{f.riverside}, now.AddDate(0, 0, -90)))
	if err != nil || !strings.Contains(plan, "Execution Time") {
		t.Fatalf("explain: %v\n%s", err, plan)
	}
}

func TestHotspotWithoutPostcodesNamesTheNearestDistrict(t *testing.T) {
	f := newInsightFixture(t)
	now := time.Now()
	for i := range 6 {
		f.add(t, insightReport{nbh: f.riverside, lat: baseLat + float64(i)*0.00003, lon: baseLon, created: now.Add(-time.Hour)})
	}
	hs, err := f.store.Hotspots(context.Background(), f.query(f.all, []int64{f.riverside}, now.AddDate(0, 0, -90)))
	if err != nil || len(hs) != 1 || hs[0].Place.District != "DM1" || hs[0].Reports != 6 {
		t.Fatalf("hotspots %+v, %v", hs, err)
	}
}

func TestRepeatLocations(t *testing.T) {
	f := newInsightFixture(t)
	now := time.Now()
	since := now.AddDate(0, 0, -portal.RepeatLocationDays)
	// Three reports in the same 100 m square within 30 days: a repeat location.
	for i := range 3 {
		f.add(t, insightReport{nbh: f.castle, lat: baseLat + 0.00001*float64(i), lon: baseLon - 0.1, postcode: "DM21AB",
			created: now.Add(-time.Duration(i+1) * 24 * time.Hour)})
	}
	// Two elsewhere, and three old ones: neither.
	f.add(t, insightReport{nbh: f.castle, lat: baseLat + 0.02, lon: baseLon - 0.1, created: now})
	f.add(t, insightReport{nbh: f.castle, lat: baseLat + 0.02, lon: baseLon - 0.1, created: now})
	for range 3 {
		f.add(t, insightReport{nbh: f.castle, lat: baseLat + 0.04, lon: baseLon - 0.1, created: now.AddDate(0, 0, -40)})
	}
	got, err := f.store.RepeatLocations(context.Background(), f.query(f.sergeant, f.north, since))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Reports != 3 || got[0].Neighbourhood != "Castle" || got[0].Place.District != "DM2" ||
		got[0].CategoryMix() != "Noise (3)" || got[0].Latest.Before(now.Add(-25*time.Hour)) {
		t.Fatalf("repeat locations %+v", got)
	}
}

func TestHeatmapAndTrend(t *testing.T) {
	f := newInsightFixture(t)
	ctx := context.Background()
	london, _ := time.LoadLocation("Europe/London")
	now := time.Now().In(london)
	// A Saturday in the last 90 days, at 21:30 as the reporter said.
	sat := now.AddDate(0, 0, -10)
	for sat.Weekday() != time.Saturday {
		sat = sat.AddDate(0, 0, -1)
	}
	f.add(t, insightReport{nbh: f.riverside, lat: baseLat, lon: baseLon, occurredTime: "21:30",
		created: time.Date(sat.Year(), sat.Month(), sat.Day(), 23, 0, 0, 0, london)})
	// No time given: the arrival counts, in UK time (00:30 BST on a Tuesday is 23:30 UTC on Monday).
	tue := now.AddDate(0, 0, -20)
	for tue.Weekday() != time.Tuesday {
		tue = tue.AddDate(0, 0, -1)
	}
	arrived := time.Date(tue.Year(), tue.Month(), tue.Day(), 0, 30, 0, 0, london)
	f.add(t, insightReport{nbh: f.riverside, lat: baseLat, lon: baseLon, created: arrived})
	// Another neighbourhood, and an old report.
	f.add(t, insightReport{nbh: f.castle, lat: baseLat, lon: baseLon, created: now.Add(-time.Hour), category: "graffiti"})
	f.add(t, insightReport{nbh: f.riverside, lat: baseLat, lon: baseLon, created: now.AddDate(0, 0, -200)})

	hm, err := f.store.DemandHeatmap(ctx, f.query(f.sergeant, f.north, now.AddDate(0, 0, -90)))
	if err != nil {
		t.Fatal(err)
	}
	if hm.Total() != 3 || hm.Count(time.Saturday, 21) != 1 || hm.Count(time.Tuesday, 0) != 1 {
		t.Fatalf("heatmap total %d, Sat 21h %d, Tue 0h %d", hm.Total(), hm.Count(time.Saturday, 21), hm.Count(time.Tuesday, 0))
	}

	months := portal.TrendMonthsTo(now)
	counts, err := f.store.CategoryTrend(ctx, f.query(f.sergeant, f.north, months[0]))
	if err != nil {
		t.Fatal(err)
	}
	tr := portal.NewCategoryTrend(months, counts)
	if tr.Total != 4 || len(tr.Rows) != 2 || tr.Rows[0].Category != "Noise" || tr.Rows[0].Total != 3 {
		t.Fatalf("trend %+v", tr)
	}
}

func TestInsightAndExportAreScopedInSQL(t *testing.T) {
	f := newInsightFixture(t)
	ctx := context.Background()
	now := time.Now()
	for i := range 6 {
		f.add(t, insightReport{nbh: f.castle, lat: baseLat + float64(i)*0.00001, lon: baseLon - 0.1, postcode: "DM21AB",
			created: now.Add(-time.Hour), email: "sam@example.org", status: "open"})
	}
	mine := f.add(t, insightReport{nbh: f.riverside, lat: baseLat, lon: baseLon, postcode: "DM11AB", created: now.Add(-time.Hour)})
	since := now.AddDate(0, 0, -90)

	// A PCSO of Riverside asking about Castle (or the whole LPA) counts only Riverside.
	q := f.query(f.pcso, []int64{f.castle}, since)
	if hm, err := f.store.DemandHeatmap(ctx, q); err != nil || hm.Total() != 0 {
		t.Errorf("heatmap of another neighbourhood: %d, %v", hm.Total(), err)
	}
	if hs, err := f.store.Hotspots(ctx, q); err != nil || len(hs) != 0 {
		t.Errorf("hotspots of another neighbourhood: %+v, %v", hs, err)
	}
	if rl, err := f.store.RepeatLocations(ctx, q); err != nil || len(rl) != 0 {
		t.Errorf("repeat locations of another neighbourhood: %+v, %v", rl, err)
	}
	if mc, err := f.store.CategoryTrend(ctx, q); err != nil || len(mc) != 0 {
		t.Errorf("trend of another neighbourhood: %+v, %v", mc, err)
	}
	if hm, _ := f.store.DemandHeatmap(ctx, f.query(f.pcso, f.north, since)); hm.Total() != 1 {
		t.Errorf("PCSO's LPA heatmap counts %d, want only their 1", hm.Total())
	}
	// The sergeant of the LPA sees Castle's hotspot.
	if hs, err := f.store.Hotspots(ctx, f.query(f.sergeant, f.north, since)); err != nil || len(hs) != 1 || hs[0].Reports != 6 {
		t.Errorf("sergeant's hotspots %+v, %v", hs, err)
	}

	// Exports: the PCSO gets their neighbourhood's report only, even asking for Castle.
	refs := func(u portal.User, filter portal.ExportFilter, personal bool) ([]portal.ExportRow, int) {
		var rows []portal.ExportRow
		audited := -1
		n, err := f.store.ExportReports(ctx, db.ExportQuery{Scope: u.Scope, Filter: filter, Personal: personal},
			func(count int) error { audited = count; return nil },
			func(r portal.ExportRow) error { rows = append(rows, r); return nil })
		if err != nil || n != len(rows) || audited != n {
			t.Fatalf("export: %d rows, count %d, before %d, %v", len(rows), n, audited, err)
		}
		return rows, n
	}
	if rows, _ := refs(f.pcso, portal.ExportFilter{}, false); len(rows) != 1 || rows[0].Reference != mine {
		t.Errorf("PCSO export %+v", rows)
	}
	if rows, _ := refs(f.pcso, portal.ExportFilter{Neighbourhood: "north-castle"}, false); len(rows) != 0 {
		t.Errorf("PCSO export of Castle %+v", rows)
	}
	// Filters, and personal columns only when asked for.
	rows, _ := refs(f.sergeant, portal.ExportFilter{Neighbourhood: "north-castle", Status: "open", Category: "noise",
		From: now.AddDate(0, 0, -1), To: now}, false)
	if len(rows) != 6 || rows[0].ReporterEmail != "" || rows[0].Description != "" || rows[0].Postcode != "" || rows[0].District != "DM2" {
		t.Errorf("anonymous export %+v", rows)
	}
	rows, _ = refs(f.sergeant, portal.ExportFilter{Neighbourhood: "north-castle"}, true)
	if len(rows) != 6 || rows[0].ReporterEmail != "sam@example.org" || rows[0].Postcode != "DM21AB" || !strings.HasPrefix(rows[0].Description, "Shouting") {
		t.Errorf("personal export %+v", rows)
	}
	for _, filter := range []portal.ExportFilter{{Status: "closed"}, {Risk: "high"}, {Category: "graffiti"},
		{From: now.AddDate(0, 0, 1)}, {To: now.AddDate(0, 0, -2)}} {
		if rows, _ := refs(f.all, filter, false); len(rows) != 0 {
			t.Errorf("filter %+v: %d rows", filter, len(rows))
		}
	}
	// before can stop the export before anything is read.
	stop := fmt.Errorf("too many")
	read := 0
	if _, err := f.store.ExportReports(ctx, db.ExportQuery{Scope: f.all.Scope}, func(int) error { return stop },
		func(portal.ExportRow) error { read++; return nil }); err != stop || read != 0 {
		t.Errorf("stopped export: %v, %d read", err, read)
	}
}
