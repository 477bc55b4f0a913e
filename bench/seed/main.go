// Command seed fills a scratch Beacon database with fictional reports for
// `make bench` (scripts/bench-workspace.sh): by default 1,000,000 reports
// over the last two years across the demo neighbourhoods, generated inside
// PostgreSQL with INSERT … SELECT generate_series, so nothing crosses the
// network but the statements.
//
// The spread is meant to look like a force's demand rather than noise:
// categories weighted as ASB reports are (noise and rowdy behaviour common,
// spiking concerns rare), more reports on Friday and Saturday and in the
// evening, locations at demo postcode points (a report by postcode) or
// jittered up to ~250 m around them (a pin on the map) and always inside the
// neighbourhood's boundary, a few busy postcodes, older reports closed and
// recent ones new or open, a fifth anonymous, and repeat reporters.
//
// The database must be migrated and hold the demo geography (`beacon
// migrate`, `beacon demo`). The reports table's secondary indexes are
// dropped while loading and rebuilt afterwards (much faster than
// maintaining them row by row), then the tables are analysed. For scratch
// databases only: never point it at a real one.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	_ "github.com/lib/pq"
)

func main() {
	dbURL := flag.String("db", os.Getenv("DATABASE_URL"), "PostgreSQL URL of the scratch database")
	n := flag.Int("n", 1_000_000, "reports to add")
	days := flag.Int("days", 730, "spread the reports over this many days before today")
	chunk := flag.Int("chunk", 50_000, "reports per INSERT statement")
	workers := flag.Int("workers", 2, "statements run at once")
	flag.Parse()
	if *dbURL == "" {
		log.Fatal("seed: set -db or DATABASE_URL")
	}
	ctx := context.Background()
	conn, err := sql.Open("postgres", *dbURL)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(*workers + 1)
	start := time.Now()
	if err := seed(ctx, conn, *n, *days, *chunk, *workers); err != nil {
		log.Fatalf("seed: %v", err)
	}
	fmt.Printf("seeded %d reports in %s\n", *n, time.Since(start).Round(time.Second))
}

func seed(ctx context.Context, conn *sql.DB, n, days, chunk, workers int) error {
	var nbhs int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM neighbourhoods`).Scan(&nbhs); err != nil {
		return err
	}
	if nbhs == 0 {
		return errors.New("no neighbourhoods: run `beacon migrate` and `beacon demo` first")
	}
	var problemBase, reportBase int64
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM problems`).Scan(&problemBase); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM reports`).Scan(&reportBase); err != nil {
		return err
	}
	for _, q := range setupSQL {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("set up: %w", err)
		}
	}
	defer conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS bench_seed_points, bench_seed_picks`)
	indexes, err := dropIndexes(ctx, conn)
	if err != nil {
		return err
	}
	t := time.Now()
	if err := load(ctx, conn, n, days, chunk, workers, problemBase, reportBase); err != nil {
		return err
	}
	log.Printf("seed: rows inserted in %s; rebuilding %d indexes", time.Since(t).Round(time.Second), len(indexes))
	t = time.Now()
	if err := rebuild(ctx, conn, indexes, workers); err != nil {
		return err
	}
	log.Printf("seed: indexes rebuilt in %s; analysing", time.Since(t).Round(time.Second))
	_, err = conn.ExecContext(ctx, `VACUUM (ANALYZE) reports, report_events, problems`)
	return err
}

// setupSQL prepares the weighted choices: demo postcode points with their
// neighbourhood (a few are busier than the rest), and arrays to draw
// categories, weekdays and hours from.
var setupSQL = []string{
	`DROP TABLE IF EXISTS bench_seed_points, bench_seed_picks`,
	`CREATE UNLOGGED TABLE bench_seed_points AS
	 SELECT row_number() OVER (ORDER BY p.postcode)::int AS i, p.postcode, p.location,
	        n.id AS neighbourhood_id, n.boundary,
	        CASE WHEN row_number() OVER (ORDER BY p.postcode) % 7 = 0 THEN 6 ELSE 1 END AS weight
	   FROM postcodes p JOIN neighbourhoods n ON ST_Intersects(n.boundary, p.location)
	  WHERE p.demo`,
	`CREATE UNLOGGED TABLE bench_seed_picks AS SELECT
	   (SELECT array_agg(i ORDER BY i) FROM bench_seed_points, generate_series(1, weight)) AS points,
	   (SELECT array_agg(c.id ORDER BY c.id) FROM categories c, generate_series(1,
	        CASE c.code WHEN 'noise' THEN 16 WHEN 'rowdy-behaviour' THEN 14 WHEN 'neighbour-nuisance' THEN 10
	             WHEN 'vehicle-nuisance' THEN 8 WHEN 'drug-use' THEN 8 WHEN 'harassment' THEN 7
	             WHEN 'vandalism' THEN 6 WHEN 'fly-tipping' THEN 6 WHEN 'threatening-behaviour' THEN 5
	             WHEN 'street-drinking' THEN 4 WHEN 'graffiti' THEN 4 WHEN 'misuse-of-public-space' THEN 4
	             WHEN 'begging' THEN 2 WHEN 'sexual-comments' THEN 2 WHEN 'catcalling' THEN 2
	             WHEN 'following-loitering' THEN 1 WHEN 'targeting-vulnerable' THEN 1 ELSE 1 END)
	     WHERE c.active) AS categories,
	   -- ISO weekday 1 (Monday) to 7, Friday and Saturday busiest.
	   ARRAY[1,1,1,2,2,2,3,3,3,4,4,4,4,5,5,5,5,5,5,6,6,6,6,6,6,6,7,7,7,7] AS weekdays,
	   -- Hours of the day, evenings busiest, small hours quiet.
	   ARRAY[0,0,0,1,1,2,3,5,6,7,8,8,9,9,10,10,11,11,12,12,13,13,14,14,15,15,15,16,16,16,16,
	         17,17,17,17,18,18,18,18,18,19,19,19,19,19,20,20,20,20,20,21,21,21,21,21,22,22,22,22,23,23,23] AS hours,
	   ARRAY['Loud music from a flat late into the night, most nights this week.',
	         'A group gathers by the shops shouting and throwing bottles.',
	         'Motorbikes are ridden on the footpath and across the playing field.',
	         'People are using drugs in the stairwell and leaving needles.',
	         'Rubbish has been dumped in the lane behind the houses again.',
	         'Someone keeps shouting abuse at us when we leave the house.',
	         'The bus shelter has been smashed and covered in graffiti.',
	         'Men drinking on the bench are shouting at people walking past.',
	         'A man has been following women from the station in the evening.',
	         'Cars are racing up and down the road after midnight.'] AS descriptions,
	   ARRAY['Alex','Sam','Jo','Chris','Pat','Robin','Jamie','Taylor','Morgan','Casey'] AS first_names,
	   ARRAY['Smith','Jones','Patel','Williams','Khan','Brown','Taylor','Davies','Evans','Wilson'] AS last_names,
	   ARRAY['advice-given','resolved','referred-council','referred-housing','referred-agency','no-further-action'] AS outcomes`,
}

// insertSQL adds reports $1..$2 (offsets from the existing maximum ids),
// chunk $6 of $7: each chunk covers its own stretch of the $3 days, oldest
// first, and is inserted in time order, so the table ends up in the order
// reports arrive in, as in real use. Report references are the row number
// in Beacon's 32-letter alphabet, so they are unique and valid; every tenth
// report follows up the one before it (same problem).
const insertSQL = `
WITH g AS (
	SELECT g AS n, random() AS r_pt, random() AS r_cat, random() AS r_week, random() AS r_dow,
	       random() AS r_hour, random() AS r_min, random() AS r_jit, random() AS r_lat, random() AS r_lon,
	       random() AS r_status, random() AS r_risk, random() AS r_anon, random() AS r_time, random() AS r_lag,
	       random() AS r_close, random() AS r_pc, random() AS r_desc
	  FROM generate_series($1::bigint, $2::bigint) g
), picked AS (
	SELECT g.*, pk.*, pt.postcode AS pc, pt.location AS pc_location, pt.neighbourhood_id, pt.boundary,
	       pk.weekdays[1 + floor(g.r_dow * array_length(pk.weekdays, 1))::int] AS dow,
	       floor(($3::int / 7) * (1 - ($6::float8 + g.r_week) / $7::float8))::int AS week
	  FROM g CROSS JOIN bench_seed_picks pk
	  JOIN bench_seed_points pt ON pt.i = pk.points[1 + floor(g.r_pt * array_length(pk.points, 1))::int]
), timed AS (
	SELECT p.*,
	       ((current_date - p.week * 7 - ((extract(isodow FROM current_date)::int - p.dow + 7) % 7))::timestamp
	         + make_interval(hours => p.hours[1 + floor(p.r_hour * array_length(p.hours, 1))::int],
	                         mins => floor(p.r_min * 60)::int)) AS local_at
	  FROM picked p
), dated AS (
	SELECT t.*,
	       least((t.local_at AT TIME ZONE 'Europe/London'), now() - make_interval(mins => 5 + floor(t.r_min * 600)::int)) AS created,
	       CASE WHEN t.r_jit < 0.3 THEN t.pc_location
	            ELSE ST_SetSRID(ST_MakePoint(ST_X(t.pc_location) + (t.r_lon - 0.5) * 0.007,
	                                         ST_Y(t.pc_location) + (t.r_lat - 0.5) * 0.0045), 4326) END AS pin
	  FROM timed t
), shaped AS (
	SELECT d.*, (d.created AT TIME ZONE 'Europe/London') AS created_local,
	       extract(epoch FROM now() - d.created) / 86400 AS age,
	       CASE WHEN d.r_risk < 0.07 THEN 'high'
	            WHEN d.r_risk < 0.30 THEN 'medium' ELSE 'low' END AS risk
	  FROM dated d
), final AS (
	SELECT s.*,
	       CASE WHEN s.age > 45 THEN CASE WHEN s.r_status < 0.97 THEN 'closed' ELSE 'open' END
	            WHEN s.age > 14 THEN CASE WHEN s.r_status < 0.6 THEN 'closed' WHEN s.r_status < 0.9 THEN 'open' ELSE 'awaiting-information' END
	            ELSE CASE WHEN s.r_status < 0.5 THEN 'new' WHEN s.r_status < 0.85 THEN 'open'
	                      WHEN s.r_status < 0.9 THEN 'awaiting-information' ELSE 'closed' END END AS status
	  FROM shaped s
)
INSERT INTO reports (id, reference, idempotency_key, problem_id, category_id, neighbourhood_id, location,
       postcode, place, occurred_on, occurred_time, happened_before, description, hate, vulnerability,
       unsafe_at_home, health_affected, anonymous, reporter_name, reporter_email, reporter_phone,
       contact_preference, status, risk, due_at, outcome, closed_at, created_at, updated_at)
SELECT $5::bigint + $1::bigint - 1 + row_number() OVER (ORDER BY f.created, f.n),
       'ASB-' || bench_ref(f.n >> 20) || '-' || bench_ref(f.n),
       'bench-' || f.n,
       $4::bigint + f.n - CASE WHEN f.n % 10 = 0 AND f.n > 1 THEN 1 ELSE 0 END,
       f.categories[1 + floor(f.r_cat * array_length(f.categories, 1))::int],
       f.neighbourhood_id,
       CASE WHEN ST_Intersects(f.boundary, f.pin) THEN f.pin ELSE f.pc_location END,
       CASE WHEN f.r_pc < 0.7 THEN f.pc ELSE '' END,
       '',
       CASE WHEN f.r_time < 0.75 THEN (f.created_local - make_interval(mins => floor(f.r_lag * 180)::int))::date
            ELSE (f.created_local - make_interval(days => floor(f.r_lag * 3)::int))::date END,
       CASE WHEN f.r_time < 0.75 THEN date_trunc('minute', f.created_local - make_interval(mins => floor(f.r_lag * 180)::int))::time END,
       f.n % 4 = 0,
       f.descriptions[1 + floor(f.r_desc * array_length(f.descriptions, 1))::int],
       CASE WHEN f.r_risk < 0.03 THEN 'yes' ELSE 'no' END,
       CASE WHEN f.r_risk >= 0.03 AND f.r_risk < 0.07 THEN 'Lives alone with a long-term illness' ELSE '' END,
       f.r_risk < 0.15, f.r_risk < 0.2,
       f.r_anon < 0.2,
       CASE WHEN f.r_anon < 0.2 THEN '' ELSE f.first_names[1 + f.n % 10] || ' ' || f.last_names[1 + (f.n / 10) % 10] END,
       CASE WHEN f.r_anon < 0.2 THEN '' ELSE 'resident' || (f.n % 150000) || '@example.com' END,
       CASE WHEN f.r_anon >= 0.2 AND f.r_anon < 0.45 THEN '07700 900' || lpad((f.n % 1000)::text, 3, '0') ELSE '' END,
       CASE WHEN f.r_anon < 0.2 THEN '' ELSE 'email' END,
       f.status, f.risk,
       f.created + CASE f.risk WHEN 'high' THEN interval '1 day' WHEN 'medium' THEN interval '2 days' ELSE interval '7 days' END,
       CASE WHEN f.status = 'closed' THEN f.outcomes[1 + floor(f.r_close * array_length(f.outcomes, 1))::int] ELSE '' END,
       CASE WHEN f.status = 'closed' THEN least(now(), f.created + make_interval(hours => 2 + floor(f.r_close * 480)::int)) END,
       f.created,
       CASE WHEN f.status = 'closed' THEN least(now(), f.created + make_interval(hours => 2 + floor(f.r_close * 480)::int)) ELSE f.created END
  FROM final f
 ORDER BY f.created, f.n`

// eventsSQL adds each new report's timeline: received, and closed for the
// closed ones.
const eventsSQL = `
INSERT INTO report_events (report_id, at, kind, public, body)
SELECT r.id, e.at, e.kind, true, e.body
  FROM reports r
 CROSS JOIN LATERAL (VALUES (r.created_at, 'submitted', ''), (r.closed_at, 'status', 'closed')) AS e(at, kind, body)
 WHERE r.id BETWEEN $1 AND $2 AND e.at IS NOT NULL`

func load(ctx context.Context, conn *sql.DB, n, days, chunk, workers int, problemBase, reportBase int64) error {
	// bench_ref writes the low 20 bits of n as four letters of Beacon's
	// reference alphabet (no 0, 1, I or O).
	if _, err := conn.ExecContext(ctx, `
		CREATE OR REPLACE FUNCTION bench_ref(n bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
		  SELECT string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((n >> (5 * k)) & 31)::int + 1, 1), '' ORDER BY k DESC)
		    FROM generate_series(0, 3) k $$`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `DROP FUNCTION IF EXISTS bench_ref(bigint)`)
	if _, err := conn.ExecContext(ctx, `
		INSERT INTO problems (id, created_at) SELECT $1::bigint + g, now() FROM generate_series(1, $2::bigint) g`,
		problemBase, n); err != nil {
		return fmt.Errorf("problems: %w", err)
	}
	g := newGroup(workers)
	chunks := (n + chunk - 1) / chunk
	for k := range chunks {
		lo, hi := k*chunk+1, min((k+1)*chunk, n)
		g.Go(func() error {
			if _, err := conn.ExecContext(ctx, insertSQL, lo, hi, days, problemBase, reportBase, k, chunks); err != nil {
				return fmt.Errorf("reports %d-%d: %w", lo, hi, err)
			}
			if _, err := conn.ExecContext(ctx, eventsSQL, reportBase+int64(lo), reportBase+int64(hi)); err != nil {
				return fmt.Errorf("events %d-%d: %w", lo, hi, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, q := range []string{
		`SELECT setval('problems_id_seq', (SELECT max(id) FROM problems))`,
		`SELECT setval('reports_id_seq', (SELECT max(id) FROM reports))`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// index is a secondary index dropped while loading.
type index struct{ name, def string }

// dropIndexes drops the indexes of reports and report_events that no
// constraint needs, returning their definitions to rebuild.
func dropIndexes(ctx context.Context, conn *sql.DB) ([]index, error) {
	rows, err := conn.QueryContext(ctx, `
		SELECT i.indexname, i.indexdef FROM pg_indexes i
		 WHERE i.schemaname = 'public' AND i.tablename IN ('reports', 'report_events')
		   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
		 ORDER BY i.indexname`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.def); err != nil {
			return nil, err
		}
		out = append(out, ix)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ix := range out {
		if _, err := conn.ExecContext(ctx, `DROP INDEX `+quoteIdent(ix.name)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func rebuild(ctx context.Context, conn *sql.DB, indexes []index, workers int) error {
	g := newGroup(workers)
	for _, ix := range indexes {
		g.Go(func() error {
			c, err := conn.Conn(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			if _, err := c.ExecContext(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
				return err
			}
			if _, err := c.ExecContext(ctx, ix.def); err != nil {
				return fmt.Errorf("rebuild %s: %w", ix.name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// group runs functions with at most n at once and keeps the first error.
type group struct {
	wg    sync.WaitGroup
	slots chan struct{}
	once  sync.Once
	err   error
}

func newGroup(n int) *group { return &group{slots: make(chan struct{}, max(n, 1))} }

// Go runs fn when a slot is free.
func (g *group) Go(fn func() error) {
	g.slots <- struct{}{}
	g.wg.Add(1)
	go func() {
		defer func() { <-g.slots; g.wg.Done() }()
		if err := fn(); err != nil {
			g.once.Do(func() { g.err = err })
		}
	}()
}

// Wait waits for every function and returns the first error.
func (g *group) Wait() error {
	g.wg.Wait()
	return g.err
}
