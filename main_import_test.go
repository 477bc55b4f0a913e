package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db/dbtest"
)

// importEnv runs beacon commands against a fresh migrated database.
func importEnv(t *testing.T) (func(args ...string) (string, error), *sql.DB) {
	t.Helper()
	dbURL := dbtest.NewDatabase(t)
	getenv := env(map[string]string{"DATABASE_URL": dbURL, "DEV": "1"})
	conn, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var out bytes.Buffer
		err := run(ctx, args, getenv, &out)
		return out.String(), err
	}, conn
}

func rowCount(t *testing.T, conn *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportNeighbourhoodsCommand(t *testing.T) {
	beacon, conn := importEnv(t)
	const file = "db/demodata/demoshire.geojson"
	out, err := beacon("import", "neighbourhoods", file)
	if err != nil || out != "neighbourhoods: 6 features: 6 added, 0 updated, 0 unchanged\n" {
		t.Fatalf("first import: %q, %v", out, err)
	}
	out, err = beacon("import", "neighbourhoods", file)
	if err != nil || out != "neighbourhoods: 6 features: 0 added, 0 updated, 6 unchanged\n" {
		t.Fatalf("second import: %q, %v", out, err)
	}
	if n := rowCount(t, conn, `SELECT count(*) FROM neighbourhoods`); n != 6 {
		t.Fatalf("%d neighbourhoods, want 6", n)
	}
}

func TestImportNeighbourhoodsReportsEveryBadFeature(t *testing.T) {
	beacon, conn := importEnv(t)
	feature := func(code, geometry string) string {
		return fmt.Sprintf(`{"type":"Feature","properties":{"force_code":"f","force_name":"Force","lpa_code":"l",`+
			`"lpa_name":"LPA","code":%q,"name":"N","la_code":"a","la_name":"Council"},"geometry":%s}`, code, geometry)
	}
	good := `{"type":"Polygon","coordinates":[[[-1,52],[-0.9,52],[-0.9,52.1],[-1,52]]]}`
	open := `{"type":"Polygon","coordinates":[[[-1,52],[-0.9,52],[-0.9,52.1],[-1,52.1]]]}`
	bowtie := `{"type":"Polygon","coordinates":[[[-1,52],[-0.9,52.1],[-0.9,52],[-1,52.1],[-1,52]]]}`
	path := writeFile(t, "bad.geojson", `{"type":"FeatureCollection","features":[`+strings.Join([]string{
		feature("ok", good), feature("bowtie", bowtie), `{"type":"Feature","properties":{},"geometry":null}`, feature("open", open),
	}, ",")+`]}`)
	out, err := beacon("import", "neighbourhoods", path)
	if err == nil || !strings.Contains(err.Error(), "3 of 4 features are invalid; nothing was imported") {
		t.Fatalf("error %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	wants := []string{"feature 1 (bowtie): geometry is not valid: Self-intersection",
		"feature 2: missing properties: force_code", "feature 3 (open): polygon 1 ring 1 is not closed"}
	if len(lines) != len(wants) {
		t.Fatalf("output:\n%s", out)
	}
	for i, want := range wants {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("line %d: %q, want it to start %q", i, lines[i], want)
		}
	}
	if n := rowCount(t, conn, `SELECT (SELECT count(*) FROM neighbourhoods) + (SELECT count(*) FROM forces)`); n != 0 {
		t.Fatalf("%d rows loaded from a bad file", n)
	}
	if _, err := beacon("import", "neighbourhoods", writeFile(t, "x.geojson", `{"type":"Feature"}`)); err == nil ||
		!strings.Contains(err.Error(), "not a GeoJSON FeatureCollection") {
		t.Fatalf("not a collection: %v", err)
	}
	if _, err := beacon("import", "neighbourhoods", filepath.Join(t.TempDir(), "missing.geojson")); err == nil {
		t.Fatal("missing file imported")
	}
}

func TestImportPostcodesCommand(t *testing.T) {
	beacon, conn := importEnv(t)
	var csv strings.Builder
	csv.WriteString("pcd,pcd2,pcds,dointr,doterm,lat,long,ctry\n")
	for i := range 10 {
		fmt.Fprintf(&csv, "OX1 %dAA,OX1  %dAA,OX1 %dAA,199801,,51.75%d,-1.25%d,E92000001\n", i, i, i, i, i)
	}
	csv.WriteString("OX2 1AA,OX2  1AA,OX2 1AA,199801,,99.999999,0.000000,E92000001\n") // no grid reference
	csv.WriteString("OX2 1AB,OX2  1AB,OX2 1AB,199801,,,,E92000001\n")                  // blank
	csv.WriteString("OX2 1AD,OX2  1AD,not a postcode,199801,,51.7,-1.2,E92000001\n")
	path := writeFile(t, "onspd.csv", csv.String())
	out, err := beacon("import", "postcodes", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "postcodes: loaded 10 in ") || !strings.HasSuffix(out, "; skipped 3 rows without a usable postcode or coordinates\n") ||
		strings.Count(out, "\n") != 1 || strings.Contains(out, "\r") {
		t.Fatalf("output %q: want one summary line", out)
	}
	if _, err := beacon("import", "postcodes", path); err != nil {
		t.Fatalf("again: %v", err)
	}
	if n := rowCount(t, conn, `SELECT count(*) FROM postcodes WHERE NOT demo AND postcode LIKE 'OX1%'`); n != 10 {
		t.Fatalf("%d postcodes, want 10", n)
	}
	_, err = beacon("import", "postcodes", writeFile(t, "bad.csv", "postcode,latitude,longitude\n"))
	if err == nil || !strings.Contains(err.Error(), "lacks the column(s) lat, long, pcds") {
		t.Fatalf("wrong header: %v", err)
	}
}

func TestImportUsage(t *testing.T) {
	beacon, _ := importEnv(t)
	for _, args := range [][]string{{"import"}, {"import", "postcodes"}, {"import", "schools", "x.csv"}} {
		if _, err := beacon(args...); err == nil || !strings.Contains(err.Error(), "usage: beacon import") {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestDemoGeographyCommand(t *testing.T) {
	beacon, conn := importEnv(t)
	for range 2 {
		out, err := beacon("demo")
		if err != nil {
			t.Fatal(err)
		}
		want := "demo geography: Demoshire Police, 2 local policing areas, 6 neighbourhoods, 50 postcodes (try DM1 1AB; DM9 1AA is outside the force)\n"
		if !strings.Contains(out, want) {
			t.Fatalf("output %q lacks %q", out, want)
		}
	}
	if n := rowCount(t, conn, `SELECT count(*) FROM neighbourhoods`); n != 6 {
		t.Fatalf("%d neighbourhoods after two runs, want 6", n)
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(250_000, 25, 100, 10*time.Second)
	if want := "postcodes: 250,000 rows, 25,000 a second, about 30s left"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
}
