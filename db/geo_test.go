package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// rawDB opens a plain connection for assertions the Store has no method for.
func rawDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func count(t *testing.T, conn *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestDemoGeography(t *testing.T) {
	store, url := dbtest.New(t)
	ctx := context.Background()
	got, err := store.LoadDemoGeography(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := db.DemoGeography{Force: "Demoshire Police", LPAs: 2, Neighbourhoods: 6, Postcodes: 50}
	if got != want {
		t.Fatalf("loaded %+v, want %+v", got, want)
	}
	conn := rawDB(t, url)
	var before string
	conn.QueryRow(`SELECT max(updated_at)::text FROM neighbourhoods`).Scan(&before)
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatalf("second load: %v", err)
	}
	var after string
	conn.QueryRow(`SELECT max(updated_at)::text FROM neighbourhoods`).Scan(&after)
	if before != after {
		t.Fatal("loading the demo again changed neighbourhoods")
	}
	for table, want := range map[string]int{"forces": 1, "lpas": 2, "local_authorities": 2, "neighbourhoods": 6} {
		if n := count(t, conn, `SELECT count(*) FROM `+table); n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
	if n := count(t, conn, `SELECT count(*) FROM postcodes WHERE demo`); n != 50 {
		t.Errorf("demo postcodes: %d, want 50", n)
	}
	// The neighbourhoods tile the force: no overlaps, no gaps between them.
	if n := count(t, conn, `SELECT count(*) FROM neighbourhoods a JOIN neighbourhoods b ON a.id < b.id
		WHERE ST_Overlaps(a.boundary, b.boundary) OR ST_Area(ST_Intersection(a.boundary, b.boundary)) > 0`); n != 0 {
		t.Errorf("%d overlapping pairs", n)
	}
	if n := count(t, conn, `SELECT ST_NumInteriorRings(ST_GeometryN(ST_Union(boundary), 1)) + ST_NumGeometries(ST_Union(boundary)) FROM neighbourhoods`); n != 1 {
		t.Errorf("the force's area has holes or separate pieces")
	}
}

func TestNeighbourhoodLookups(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	byCode := db.DemoPostcodes()
	if len(byCode) != 6 {
		t.Fatalf("demo postcodes cover %d neighbourhoods, want 6", len(byCode))
	}
	for code, postcodes := range byCode {
		for _, pc := range postcodes {
			compact, ok := portal.NormalisePostcode(pc)
			if !ok {
				t.Fatalf("demo postcode %q is malformed", pc)
			}
			n, err := store.NeighbourhoodForPostcode(ctx, compact)
			if err != nil || n.Code != code {
				t.Fatalf("%s: %+v, %v; want %s", pc, n, err, code)
			}
			// And the same by the postcode's point.
			p, err := store.Postcode(ctx, compact)
			if err != nil {
				t.Fatal(err)
			}
			if at, err := store.NeighbourhoodAt(ctx, p.Lat, p.Lon); err != nil || at != n {
				t.Fatalf("%s at (%v, %v): %+v, %v; want %+v", pc, p.Lat, p.Lon, at, err, n)
			}
		}
	}
	n, _ := store.NeighbourhoodForPostcode(ctx, "DM11AB")
	want := portal.Neighbourhood{ID: n.ID, Code: "north-riverside", Name: "Riverside",
		LPACode: "north", LPAName: "North Demoshire",
		LocalAuthorityCode: "demo-north", LocalAuthorityName: "North Demoshire District Council",
		Team: portal.TeamContact{Name: "Riverside neighbourhood policing team",
			Email: "riverside.npt@demoshire.police.example", Phone: "101"}}
	if n != want {
		t.Fatalf("DM1 1AB: %+v\nwant %+v", n, want)
	}

	outside, _ := portal.NormalisePostcode(db.DemoOutsidePostcode)
	if _, err := store.NeighbourhoodForPostcode(ctx, outside); !errors.Is(err, portal.ErrOutsideArea) {
		t.Fatalf("outside postcode: %v, want ErrOutsideArea", err)
	}
	if _, err := store.NeighbourhoodForPostcode(ctx, "DM71AB"); !errors.Is(err, portal.ErrUnknownPostcode) {
		t.Fatalf("unknown postcode: %v, want ErrUnknownPostcode", err)
	}
	if _, err := store.Postcode(ctx, "DM71AB"); !errors.Is(err, portal.ErrUnknownPostcode) {
		t.Fatalf("unknown postcode location: %v", err)
	}
	if _, err := store.NeighbourhoodAt(ctx, 50.0, -3.0); !errors.Is(err, portal.ErrOutsideArea) {
		t.Fatalf("point at sea: %v, want ErrOutsideArea", err)
	}
	// A point on the border of two neighbourhoods belongs to one of them.
	if at, err := store.NeighbourhoodAt(ctx, 52.095, -1.60); err != nil || at.Code != "north-mill" {
		t.Fatalf("border point: %+v, %v", at, err)
	}
}

func TestLPAsAndScope(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	lpas, err := store.LPAs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lpas {
		var ns []string
		for _, n := range l.Neighbourhoods {
			ns = append(ns, n.Name)
		}
		got = append(got, l.Name+": "+strings.Join(ns, ", "))
	}
	want := []string{"North Demoshire: Castle, Mill, Riverside", "South Demoshire: Harbour, Heath, Market"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LPAs %v, want %v", got, want)
	}

	castle, err := store.NeighbourhoodByCode(ctx, "north-castle")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.NeighbourhoodByCode(ctx, "nowhere"); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("missing code: %v", err)
	}
	scope := portal.Scope{Neighbourhoods: []int64{castle.ID}}
	if _, err := store.NeighbourhoodInScope(ctx, "north-castle", scope); err != nil {
		t.Fatal(err)
	}
	if _, err := store.NeighbourhoodInScope(ctx, "north-mill", scope); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("out of scope: %v, want ErrNotFound", err)
	}
	if _, err := store.NeighbourhoodInScope(ctx, "north-mill", portal.Scope{}); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("empty scope: %v, want ErrNotFound", err)
	}
	scoped, err := store.LPAsInScope(ctx, scope)
	if err != nil || len(scoped) != 1 || len(scoped[0].Neighbourhoods) != 1 || scoped[0].Neighbourhoods[0].Code != "north-castle" {
		t.Fatalf("LPAs in scope: %+v, %v", scoped, err)
	}
	if none, err := store.LPAsInScope(ctx, portal.Scope{}); err != nil || len(none) != 0 {
		t.Fatalf("LPAs in empty scope: %+v, %v", none, err)
	}
}

func TestUpdateTeamContact(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	castle, _ := store.NeighbourhoodByCode(ctx, "north-castle")
	scope := portal.Scope{Neighbourhoods: []int64{castle.ID}}
	c := portal.TeamContact{Name: "Castle team", Email: "castle@demoshire.police.example", Phone: "101"}
	update := func(code string, scope portal.Scope) (db.TeamContactChange, error) {
		var ch db.TeamContactChange
		err := store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			ch, err = tx.UpdateTeamContact(ctx, code, scope, c)
			return err
		})
		return ch, err
	}
	ch, err := update("north-castle", scope)
	if err != nil || ch.NeighbourhoodID != castle.ID || !reflect.DeepEqual(ch.Fields, []string{"team_name", "team_email"}) {
		t.Fatalf("update: %+v, %v", ch, err)
	}
	if got, _ := store.NeighbourhoodByCode(ctx, "north-castle"); got.Team != c {
		t.Fatalf("team %+v, want %+v", got.Team, c)
	}
	if ch, err := update("north-castle", scope); err != nil || len(ch.Fields) != 0 {
		t.Fatalf("repeat: %+v, %v; want no change", ch, err)
	}
	if _, err := update("north-mill", scope); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("out of scope: %v, want ErrNotFound", err)
	}
	if _, err := update("nowhere", portal.Scope{All: true}); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("missing: %v, want ErrNotFound", err)
	}
	mill, _ := store.NeighbourhoodByCode(ctx, "north-mill")
	if mill.Team.Name != "Mill neighbourhood policing team" {
		t.Fatalf("another neighbourhood changed: %+v", mill.Team)
	}
	// Re-importing boundaries without team details keeps what staff set.
	feats, _, _ := portal.ParseBoundaries(boundaryFile(
		fmt.Sprintf(featureTpl, "north-castle", "Castle", "north", "North Demoshire", "demo-north", "North Demoshire District Council", square(0)),
	))
	if res, err := store.ImportBoundaries(ctx, feats); err != nil || res.Updated != 1 {
		t.Fatalf("re-import: %+v, %v", res, err)
	}
	if got, _ := store.NeighbourhoodByCode(ctx, "north-castle"); got.Team != c {
		t.Fatalf("re-import replaced the team: %+v", got.Team)
	}
}

const featureTpl = `{"type":"Feature","properties":{"force_code":"demo","force_name":"Demoshire Police",` +
	`"code":%q,"name":%q,"lpa_code":%q,"lpa_name":%q,"la_code":%q,"la_name":%q},"geometry":%s}`

// square is a small valid polygon, the i-th of a row of them.
func square(i int) string {
	x := -1.5 + float64(i)*0.01
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]g,52],[%[2]g,52],[%[2]g,52.01],[%[1]g,52.01],[%[1]g,52]]]}`, x, x+0.01)
}

func boundaryFile(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",\n") + `]}`)
}

func TestImportBoundaries(t *testing.T) {
	store, url := dbtest.New(t)
	ctx := context.Background()
	conn := rawDB(t, url)
	multi := `{"type":"MultiPolygon","coordinates":[[[[-1,52],[-0.99,52],[-0.99,52.01],[-1,52]]],[[[-0.9,52],[-0.89,52],[-0.89,52.01],[-0.9,52]]]]}`
	file := boundaryFile(
		fmt.Sprintf(featureTpl, "a", "Alpha", "lpa1", "LPA One", "la1", "Council One", square(0)),
		fmt.Sprintf(featureTpl, "b", "Bravo", "lpa1", "LPA One", "la1", "Council One", square(1)),
		fmt.Sprintf(featureTpl, "c", "Charlie", "lpa2", "LPA Two", "la2", "Council Two", multi),
	)
	load := func(data []byte) (db.BoundaryImport, error) {
		feats, problems, err := portal.ParseBoundaries(data)
		if err != nil || len(problems) > 0 {
			t.Fatalf("parse: %v %v", problems, err)
		}
		return store.ImportBoundaries(ctx, feats)
	}
	if res, err := load(file); err != nil || res != (db.BoundaryImport{Added: 3}) {
		t.Fatalf("first import: %+v, %v", res, err)
	}
	if res, err := load(file); err != nil || res != (db.BoundaryImport{Unchanged: 3}) {
		t.Fatalf("second import: %+v, %v", res, err)
	}
	if n := count(t, conn, `SELECT count(*) FROM neighbourhoods WHERE updated_at > created_at`); n != 0 {
		t.Fatalf("an identical re-import touched %d rows", n)
	}
	if n := count(t, conn, `SELECT count(*) FROM neighbourhoods WHERE ST_GeometryType(boundary) = 'ST_MultiPolygon' AND ST_SRID(boundary) = 4326`); n != 3 {
		t.Fatalf("%d of 3 boundaries stored as MultiPolygon 4326", n)
	}
	if n := count(t, conn, `SELECT ST_NumGeometries(boundary) FROM neighbourhoods WHERE code = 'c'`); n != 2 {
		t.Fatalf("MultiPolygon has %d parts, want 2", n)
	}
	renamed := boundaryFile(
		fmt.Sprintf(featureTpl, "a", "Alpha Renamed", "lpa1", "LPA One", "la1", "Council One", square(0)),
		fmt.Sprintf(featureTpl, "b", "Bravo", "lpa2", "LPA Two", "la1", "Council One", square(1)),
		fmt.Sprintf(featureTpl, "c", "Charlie", "lpa2", "LPA Two", "la2", "Council Two", square(5)),
	)
	if res, err := load(renamed); err != nil || res != (db.BoundaryImport{Updated: 3}) {
		t.Fatalf("changed import: %+v, %v", res, err)
	}
	b, _ := store.NeighbourhoodByCode(ctx, "b")
	if b.LPACode != "lpa2" {
		t.Fatalf("b moved to %s, want lpa2", b.LPACode)
	}
	if at, err := store.NeighbourhoodAt(ctx, 52.005, -1.445); err != nil || at.Code != "c" {
		t.Fatalf("moved boundary: %+v, %v", at, err)
	}
}

func TestImportBoundariesRejectsInvalidGeometry(t *testing.T) {
	store, url := dbtest.New(t)
	ctx := context.Background()
	bowtie := `{"type":"Polygon","coordinates":[[[-1,52],[-0.9,52.1],[-0.9,52],[-1,52.1],[-1,52]]]}`
	holeOutside := `{"type":"Polygon","coordinates":[[[-1,52],[-0.9,52],[-0.9,52.1],[-1,52]],[[0,0],[0.1,0],[0.1,0.1],[0,0]]]}`
	feats, problems, err := portal.ParseBoundaries(boundaryFile(
		fmt.Sprintf(featureTpl, "good", "Good", "lpa", "LPA", "la", "Council", square(0)),
		fmt.Sprintf(featureTpl, "bowtie", "Bowtie", "lpa", "LPA", "la", "Council", bowtie),
		fmt.Sprintf(featureTpl, "good2", "Good 2", "lpa", "LPA", "la", "Council", square(2)),
		fmt.Sprintf(featureTpl, "hole", "Hole", "lpa", "LPA", "la", "Council", holeOutside),
	))
	if err != nil || len(problems) > 0 {
		t.Fatalf("portal checks: %v %v", problems, err)
	}
	checked, err := store.CheckBoundaries(ctx, feats)
	if err != nil {
		t.Fatal(err)
	}
	if len(checked) != 2 || checked[0].Index != 1 || checked[0].Code != "bowtie" || checked[1].Index != 3 ||
		!strings.Contains(checked[0].Reason, "Self-intersection") {
		t.Fatalf("problems %v", checked)
	}
	_, err = store.ImportBoundaries(ctx, feats)
	var fp portal.FeatureProblems
	if !errors.As(err, &fp) || len(fp) != 2 {
		t.Fatalf("import: %v, want 2 feature problems", err)
	}
	conn := rawDB(t, url)
	for _, table := range []string{"forces", "lpas", "local_authorities", "neighbourhoods"} {
		if n := count(t, conn, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("%s has %d rows after a failed import", table, n)
		}
	}
}

func pt(pc string, lat, lon float64) portal.PostcodePoint {
	return portal.PostcodePoint{Postcode: pc, Lat: lat, Lon: lon}
}

// points is a PostcodeSource over a slice.
type points []portal.PostcodePoint

func (p *points) Next() (portal.PostcodePoint, error) {
	if len(*p) == 0 {
		return portal.PostcodePoint{}, io.EOF
	}
	next := (*p)[0]
	*p = (*p)[1:]
	return next, nil
}

func TestImportPostcodes(t *testing.T) {
	store, url := dbtest.New(t)
	ctx := context.Background()
	conn := rawDB(t, url)
	src := points{
		pt("OX11AA", 51.75, -1.25), pt("OX11AB", 51.76, -1.26), pt("OX11AD", 51.77, -1.27),
		pt("OX11AE", 51.78, -1.28), pt("OX11AA", 51.9, -1.3), // a repeat in a later batch wins
		pt("OX11AF", 51.79, -1.29), pt("OX11AF", 51.79, -1.29), // a repeat in the same batch is merged
	}
	var progress []int
	n, err := store.ImportPostcodes(ctx, &src, db.PostcodeImportOptions{BatchSize: 3, Progress: func(n int) { progress = append(progress, n) }})
	if err != nil || n != 7 {
		t.Fatalf("import: %d, %v", n, err)
	}
	if !reflect.DeepEqual(progress, []int{3, 6, 7}) {
		t.Fatalf("progress %v", progress)
	}
	if got := count(t, conn, `SELECT count(*) FROM postcodes WHERE NOT demo`); got != 5 {
		t.Fatalf("%d postcodes, want 5", got)
	}
	p, err := store.Postcode(ctx, "OX11AA")
	if err != nil || p.Lat != 51.9 || p.Lon != -1.3 {
		t.Fatalf("OX1 1AA at %+v, %v", p, err)
	}
	// Loading again is harmless; marking as demo updates the flag.
	again := points{pt("OX11AB", 51.76, -1.26)}
	if _, err := store.ImportPostcodes(ctx, &again, db.PostcodeImportOptions{Demo: true}); err != nil {
		t.Fatal(err)
	}
	if got := count(t, conn, `SELECT count(*) FROM postcodes WHERE demo`); got != 1 {
		t.Fatalf("%d demo postcodes, want 1", got)
	}
	empty := points{}
	if n, err := store.ImportPostcodes(ctx, &empty, db.PostcodeImportOptions{}); err != nil || n != 0 {
		t.Fatalf("empty import: %d, %v", n, err)
	}
}

// failing fails after a few rows, as a truncated or unreadable file would.
type failing struct{ n int }

func (f *failing) Next() (portal.PostcodePoint, error) {
	f.n++
	if f.n > 4 {
		return portal.PostcodePoint{}, errors.New("read error")
	}
	return portal.PostcodePoint{Postcode: fmt.Sprintf("OX1%dAA", f.n), Lat: 51, Lon: -1}, nil
}

func TestImportPostcodesKeepsWholeBatchesOnError(t *testing.T) {
	store, url := dbtest.New(t)
	n, err := store.ImportPostcodes(context.Background(), &failing{}, db.PostcodeImportOptions{BatchSize: 3})
	if err == nil || n != 3 {
		t.Fatalf("import: %d, %v; want 3 and an error", n, err)
	}
	if got := count(t, rawDB(t, url), `SELECT count(*) FROM postcodes`); got != 3 {
		t.Fatalf("%d postcodes, want the first batch of 3", got)
	}
}
