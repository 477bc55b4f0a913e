package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// InsightQuery is what an insight question is asked about: the area's
// neighbourhoods, and the viewer's scope, which the SQL applies as well (an
// area outside the scope counts nothing).
type InsightQuery struct {
	Scope          portal.Scope
	Neighbourhoods []int64
	Since          time.Time // reports received from then on
}

func (q InsightQuery) args(more map[string]any) map[string]any {
	ids := q.Neighbourhoods
	if ids == nil {
		ids = []int64{}
	}
	more["ids"] = pq.Array(ids)
	more["since"] = q.Since
	return scopeArgs(q.Scope, more)
}

// insightWhere selects an area's reports within the viewer's scope.
const insightWhere = `r.neighbourhood_id = ANY(:ids) AND (:all OR r.neighbourhood_id = ANY(:areas))`

// insightRead runs fn in a read-only transaction without JIT compilation
// (PostGIS's clustering functions carry costs that make PostgreSQL compile
// these short queries, which takes longer than running them) and with
// more memory for grouping than the default. Merge joins are off: the
// planner cannot see inside the CTEs, and a hash join of the grid squares
// is always the cheaper plan here.
func (s *Store) insightRead(ctx context.Context, op string, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrap(op+": begin", err)
	}
	defer tx.Rollback()
	// Enough memory to group an LPA's 90 days in a hash table rather than
	// sort them on disk.
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '32MB'; SET LOCAL enable_mergejoin = off`); err != nil {
		return wrap(op, err)
	}
	if err := fn(tx); err != nil {
		return wrap(op, err)
	}
	return wrap(op+": commit", tx.Commit())
}

// DemandHeatmap counts an area's reports by day of the week and hour of the
// day they happened (when the reporter gave a time, else when the report
// arrived), in Europe/London.
func (s *Store) DemandHeatmap(ctx context.Context, q InsightQuery) (portal.Heatmap, error) {
	var rows []struct {
		Slot  int `db:"insight_slot"`
		Count int `db:"n"`
	}
	err := s.insightRead(ctx, "demand heatmap", func(tx *sqlx.Tx) error {
		return namedSelect(ctx, tx, &rows, heatmapSQL, q.args(map[string]any{}))
	})
	var h portal.Heatmap
	for _, r := range rows {
		if day, hour, ok := portal.HeatmapSlot(r.Slot); ok {
			h.Add(day, hour, r.Count)
		}
	}
	return h, err
}

const heatmapSQL = `
	SELECT r.insight_slot, count(*) AS n
	  FROM reports r
	 WHERE ` + insightWhere + ` AND r.created_at >= :since
	 GROUP BY r.insight_slot`

// CategoryTrend counts an area's reports by category and the month they
// arrived in (Europe/London), from the month of q.Since on.
func (s *Store) CategoryTrend(ctx context.Context, q InsightQuery) ([]portal.MonthCount, error) {
	var rows []struct {
		Month    time.Time `db:"insight_month"`
		Category string    `db:"name"`
		Count    int       `db:"n"`
	}
	err := s.insightRead(ctx, "category trend", func(tx *sqlx.Tx) error {
		return namedSelect(ctx, tx, &rows, trendSQL, q.args(map[string]any{}))
	})
	out := make([]portal.MonthCount, len(rows))
	for i, r := range rows {
		out[i] = portal.MonthCount{Month: r.Month, Category: r.Category, Count: r.Count}
	}
	return out, err
}

const trendSQL = `
	SELECT t.insight_month, c.name, t.n
	  FROM (SELECT r.insight_month, r.category_id, count(*) AS n
	          FROM reports r
	         WHERE ` + insightWhere + `
	           AND r.insight_month >= CAST(date_trunc('month', timezone('Europe/London', CAST(:since AS timestamptz))) AS date)
	         GROUP BY r.insight_month, r.category_id) t
	  JOIN categories c ON c.id = t.category_id
	 ORDER BY t.insight_month, c.name`

// Hotspots finds an area's dense groups of reports since q.Since with
// DBSCAN (ST_ClusterDBSCAN), eps portal.HotspotMetres and minpoints
// portal.HotspotMinReports, on the British National Grid, biggest first.
//
// Reports are counted in portal.HotspotCellMetres squares first, and the
// squares are clustered with their counts as weights, which is DBSCAN
// over the squares' centres: a square is a core when the squares within eps
// hold minpoints reports between them; cores within eps of each other form
// one hotspot (ST_ClusterDBSCAN with minpoints 1 over the cores); a square
// that is not a core joins the hotspot of its nearest core within eps, and
// is noise otherwise. Clustering single reports costs far more at a busy
// LPA's volume (about a second for 60,000 reports, against tens of
// milliseconds) for no real gain in precision.
func (s *Store) Hotspots(ctx context.Context, q InsightQuery) ([]portal.Hotspot, error) {
	r := portal.HotspotMetres / portal.HotspotCellMetres
	groups, err := s.placeGroups(ctx, "hotspots", hotspotSQL, q.args(map[string]any{
		"cell": portal.HotspotCellMetres, "r": r, "r2": r * r, "minpoints": portal.HotspotMinReports,
		"max": portal.MaxHotspots}))
	out := make([]portal.Hotspot, len(groups))
	for i, g := range groups {
		out[i] = portal.Hotspot{Reports: g.Reports, Categories: g.categories(), Place: g.place(),
			Neighbourhood: g.Neighbourhood}
	}
	return out, err
}

// RepeatLocations lists an area's 100 m squares of the British National
// Grid with portal.RepeatLocationReports or more reports since q.Since,
// the busiest first.
func (s *Store) RepeatLocations(ctx context.Context, q InsightQuery) ([]portal.RepeatLocation, error) {
	groups, err := s.placeGroups(ctx, "repeat locations", repeatSQL, q.args(map[string]any{
		"cell": portal.PlaceRoundingMetres, "min": portal.RepeatLocationReports, "max": portal.MaxHotspots}))
	out := make([]portal.RepeatLocation, len(groups))
	for i, g := range groups {
		out[i] = portal.RepeatLocation{Reports: g.Reports, Categories: g.categories(), Place: g.place(),
			Neighbourhood: g.Neighbourhood, Latest: g.Latest}
	}
	return out, err
}

// placeGroup is a hotspot or a repeat location as the SQL describes it.
type placeGroup struct {
	Reports       int            `db:"reports"`
	Easting       float64        `db:"e"`
	Northing      float64        `db:"n"`
	Latitude      float64        `db:"lat"`
	Longitude     float64        `db:"lon"`
	District      string         `db:"district"`
	Neighbourhood string         `db:"neighbourhood"`
	CatNames      pq.StringArray `db:"cat_names"`
	CatCounts     pq.Int64Array  `db:"cat_counts"`
	Latest        time.Time      `db:"latest"`
}

func (g placeGroup) categories() []portal.CategoryCount {
	out := make([]portal.CategoryCount, len(g.CatNames))
	for i, name := range g.CatNames {
		out[i] = portal.CategoryCount{Name: name, Count: int(g.CatCounts[i])}
	}
	return out
}

func (g placeGroup) place() portal.Place {
	return portal.Place{District: g.District, Easting: portal.RoundToPlace(g.Easting),
		Northing: portal.RoundToPlace(g.Northing), Latitude: g.Latitude, Longitude: g.Longitude}
}

func (s *Store) placeGroups(ctx context.Context, op, query string, args map[string]any) ([]placeGroup, error) {
	var groups []placeGroup
	err := s.insightRead(ctx, op, func(tx *sqlx.Tx) error {
		return namedSelect(ctx, tx, &groups, query, args)
	})
	return groups, err
}

func namedSelect(ctx context.Context, tx *sqlx.Tx, dest any, query string, args map[string]any) error {
	q, a, err := tx.BindNamed(query, args)
	if err != nil {
		return err
	}
	return tx.SelectContext(ctx, dest, q, a...)
}

// cellsSQL counts an area's reports since :since in :cell metre squares
// of the grid, by category, postcode and neighbourhood. Integer division
// is the floor here: the grid has no negative coordinates (a point off it
// is left out).
const cellsSQL = `
	WITH pts AS (
		SELECT r.bng_e / CAST(:cell AS int) AS ix, r.bng_n / CAST(:cell AS int) AS iy,
		       r.category_id, r.neighbourhood_id, r.postcode,
		       count(*) AS w, sum(r.bng_e) AS se, sum(r.bng_n) AS sn, max(r.created_at) AS latest
		  FROM reports r
		 WHERE ` + insightWhere + ` AND r.created_at >= :since AND r.bng_e >= 0 AND r.bng_n >= 0
		 GROUP BY 1, 2, 3, 4, 5
	), cells AS (
		SELECT ix, iy, CAST(sum(w) AS int) AS w FROM pts GROUP BY ix, iy
	)`

// groupDetailsSQL describes groups of cells (member: ix, iy, gid) with
// their reports, centre, commonest district (or the nearest postcode's),
// neighbourhood and categories, the :max biggest first.
const groupDetailsSQL = `
	, tagged AS (
		SELECT p.*, m.gid FROM pts p JOIN member m USING (ix, iy)
	), totals AS (
		SELECT gid, CAST(sum(w) AS int) AS reports, CAST(sum(se) AS float8) / sum(w) AS e,
		       CAST(sum(sn) AS float8) / sum(w) AS n, max(latest) AS latest
		  FROM tagged GROUP BY gid
		 ORDER BY reports DESC, gid LIMIT :max
	), districts AS (
		SELECT DISTINCT ON (x.gid) x.gid, x.district
		  FROM (SELECT t.gid, left(t.postcode, length(t.postcode) - 3) AS district, sum(t.w) AS n
		          FROM tagged t JOIN totals USING (gid) WHERE length(t.postcode) >= 5
		         GROUP BY 1, 2) x
		 ORDER BY x.gid, x.n DESC, x.district
	), nbhs AS (
		SELECT DISTINCT ON (x.gid) x.gid, nb.name
		  FROM (SELECT t.gid, t.neighbourhood_id, sum(t.w) AS n FROM tagged t JOIN totals USING (gid)
		         GROUP BY t.gid, t.neighbourhood_id) x
		  JOIN neighbourhoods nb ON nb.id = x.neighbourhood_id
		 ORDER BY x.gid, x.n DESC, nb.name
	), cats AS (
		SELECT x.gid, array_agg(c.name ORDER BY x.n DESC, c.name) AS cat_names, array_agg(x.n ORDER BY x.n DESC, c.name) AS cat_counts
		  FROM (SELECT t.gid, t.category_id, CAST(sum(t.w) AS bigint) AS n FROM tagged t JOIN totals USING (gid)
		         GROUP BY t.gid, t.category_id) x
		  JOIN categories c ON c.id = x.category_id
		 GROUP BY x.gid
	), placed AS (
		SELECT t.*, ST_Transform(ST_SetSRID(ST_MakePoint(floor(t.e / 100) * 100 + 50, floor(t.n / 100) * 100 + 50), 27700), 4326) AS pt
		  FROM totals t
	)
	SELECT p.reports, p.e, p.n, p.latest,
	       CAST(round(CAST(ST_Y(p.pt) AS numeric), 3) AS float8) AS lat, CAST(round(CAST(ST_X(p.pt) AS numeric), 3) AS float8) AS lon,
	       coalesce(d.district,
	                (SELECT CASE WHEN length(pc.postcode) >= 5 THEN left(pc.postcode, length(pc.postcode) - 3) ELSE '' END
	                   FROM postcodes pc ORDER BY pc.location <-> p.pt LIMIT 1), '') AS district,
	       coalesce(nb.name, '') AS neighbourhood, c.cat_names, c.cat_counts
	  FROM placed p
	  LEFT JOIN districts d USING (gid)
	  LEFT JOIN nbhs nb USING (gid)
	  JOIN cats c USING (gid)
	 ORDER BY p.reports DESC, p.gid`

// hotspotSQL is grid-weighted DBSCAN (see Hotspots). Distances are in
// cells: :r is eps over the cell size, :r2 its square.
const hotspotSQL = cellsSQL + `
	, offsets AS (
		SELECT dx, dy FROM generate_series(-CAST(:r AS int), CAST(:r AS int)) dx,
		                   generate_series(-CAST(:r AS int), CAST(:r AS int)) dy
		 WHERE dx * dx + dy * dy <= CAST(:r2 AS int)
	), core AS (
		SELECT a.ix, a.iy FROM cells a CROSS JOIN offsets o JOIN cells b ON b.ix = a.ix + o.dx AND b.iy = a.iy + o.dy
		 GROUP BY a.ix, a.iy HAVING sum(b.w) >= CAST(:minpoints AS int)
	), clustered AS (
		SELECT ix, iy, ST_ClusterDBSCAN(ST_MakePoint(ix, iy), CAST(:r AS float8), 1) OVER () AS gid FROM core
	), border AS (
		SELECT DISTINCT ON (a.ix, a.iy) a.ix, a.iy, k.gid
		  FROM cells a CROSS JOIN offsets o JOIN clustered k ON k.ix = a.ix + o.dx AND k.iy = a.iy + o.dy
		 WHERE NOT EXISTS (SELECT 1 FROM core c WHERE c.ix = a.ix AND c.iy = a.iy)
		 ORDER BY a.ix, a.iy, o.dx * o.dx + o.dy * o.dy, k.gid
	), member AS (
		SELECT ix, iy, gid FROM clustered UNION ALL SELECT ix, iy, gid FROM border
	)` + groupDetailsSQL

// repeatSQL groups by 100 m square: a square with :min reports or more is
// a repeat location.
const repeatSQL = cellsSQL + `
	, member AS (
		SELECT ix, iy, CAST(row_number() OVER (ORDER BY ix, iy) AS int) AS gid FROM cells WHERE w >= CAST(:min AS int)
	)` + groupDetailsSQL

// ExplainInsight runs EXPLAIN (ANALYZE, BUFFERS) on one of the insight
// queries ("heatmap", "trend", "hotspots" or "repeat-locations") as asked
// by q, for the benchmark's report.
func (s *Store) ExplainInsight(ctx context.Context, which string, q InsightQuery) (string, error) {
	r := portal.HotspotMetres / portal.HotspotCellMetres
	queries := map[string]struct {
		sql  string
		args map[string]any
	}{
		"heatmap": {heatmapSQL, map[string]any{}},
		"trend":   {trendSQL, map[string]any{}},
		"hotspots": {hotspotSQL, map[string]any{"cell": portal.HotspotCellMetres, "r": r, "r2": r * r,
			"minpoints": portal.HotspotMinReports, "max": portal.MaxHotspots}},
		"repeat-locations": {repeatSQL, map[string]any{"cell": portal.PlaceRoundingMetres,
			"min": portal.RepeatLocationReports, "max": portal.MaxHotspots}},
	}
	query, ok := queries[which]
	if !ok {
		return "", fmt.Errorf("db: explain: no insight query %q", which)
	}
	var lines []string
	err := s.insightRead(ctx, "explain "+which, func(tx *sqlx.Tx) error {
		return namedSelect(ctx, tx, &lines, `EXPLAIN (ANALYZE, BUFFERS) `+query.sql, q.args(query.args))
	})
	return strings.Join(lines, "\n"), err
}

// ExportQuery is an export of reports: the viewer's scope, the filter, and
// whether the personal columns are included (portal.CanExportPersonal).
type ExportQuery struct {
	Scope    portal.Scope
	Filter   portal.ExportFilter
	Personal bool
}

// exportRow is a report as the export reads it. Personal columns come back
// empty unless the export includes them: they never leave the database
// otherwise.
type exportRow struct {
	Reference     string         `db:"reference"`
	CreatedAt     time.Time      `db:"created_at"`
	Neighbourhood string         `db:"neighbourhood"`
	Category      string         `db:"category"`
	Status        string         `db:"status"`
	Risk          string         `db:"risk"`
	DueAt         sql.NullTime   `db:"due_at"`
	OccurredOn    time.Time      `db:"occurred_on"`
	OccurredTime  sql.NullString `db:"occurred_time"`
	District      string         `db:"district"`
	Postcode      string         `db:"postcode"`
	Hate          string         `db:"hate"`
	Vulnerable    bool           `db:"vulnerable"`
	Anonymous     bool           `db:"anonymous"`
	Outcome       string         `db:"outcome"`
	ClosedAt      sql.NullTime   `db:"closed_at"`
	Place         string         `db:"place"`
	Description   string         `db:"description"`
	People        string         `db:"people"`
	Vehicles      string         `db:"vehicles"`
	ReporterName  string         `db:"reporter_name"`
	ReporterEmail string         `db:"reporter_email"`
	ReporterPhone string         `db:"reporter_phone"`
}

func (r exportRow) row() portal.ExportRow {
	return portal.ExportRow{Reference: r.Reference, CreatedAt: r.CreatedAt, Neighbourhood: r.Neighbourhood,
		Category: r.Category, Status: portal.ReportStatus(r.Status), Risk: portal.Risk(r.Risk),
		DueAt: r.DueAt.Time, OccurredOn: r.OccurredOn, OccurredTime: r.OccurredTime.String, District: r.District, Postcode: r.Postcode,
		Hate: r.Hate, Vulnerable: r.Vulnerable, Anonymous: r.Anonymous, Outcome: r.Outcome,
		ClosedAt: r.ClosedAt.Time, Place: r.Place, Description: r.Description, People: r.People,
		Vehicles: r.Vehicles, ReporterName: r.ReporterName, ReporterEmail: r.ReporterEmail,
		ReporterPhone: r.ReporterPhone}
}

// exportFrom is the filtered, scoped set of reports of an export.
const exportFrom = `
	  FROM reports r
	  JOIN neighbourhoods n ON n.id = r.neighbourhood_id
	  JOIN categories c ON c.id = r.category_id
	 WHERE (:all OR r.neighbourhood_id = ANY(:areas))
	   AND (:neighbourhood = '' OR n.code = :neighbourhood)
	   AND (:category = '' OR c.code = :category)
	   AND (:status = '' OR r.status = :status)
	   AND (:risk = '' OR r.risk = :risk)
	   AND (CAST(:from AS timestamptz) IS NULL OR r.created_at >= CAST(:from AS timestamptz))
	   AND (CAST(:to AS timestamptz) IS NULL OR r.created_at < CAST(:to AS timestamptz))`

const exportSQL = `
	SELECT r.reference, r.created_at, n.name AS neighbourhood, c.name AS category, r.status, r.risk, r.due_at,
	       r.occurred_on, left(CAST(r.occurred_time AS text), 5) AS occurred_time,
	       CASE WHEN length(r.postcode) >= 5 THEN left(r.postcode, length(r.postcode) - 3) ELSE '' END AS district,
	       CASE WHEN :personal THEN r.postcode ELSE '' END AS postcode,
	       r.hate, r.vulnerability <> '' AS vulnerable, r.anonymous, r.outcome, r.closed_at,
	       CASE WHEN :personal THEN r.place ELSE '' END AS place,
	       CASE WHEN :personal THEN r.description ELSE '' END AS description,
	       CASE WHEN :personal THEN r.people ELSE '' END AS people,
	       CASE WHEN :personal THEN r.vehicles ELSE '' END AS vehicles,
	       CASE WHEN :personal THEN r.reporter_name ELSE '' END AS reporter_name,
	       CASE WHEN :personal THEN r.reporter_email ELSE '' END AS reporter_email,
	       CASE WHEN :personal THEN r.reporter_phone ELSE '' END AS reporter_phone` + exportFrom + `
	 ORDER BY r.created_at, r.id`

func (q ExportQuery) args() map[string]any {
	f := q.Filter
	var from, to any
	if !f.From.IsZero() {
		from = f.From
	}
	if !f.To.IsZero() {
		to = f.To.AddDate(0, 0, 1) // the whole of the last day
	}
	return scopeArgs(q.Scope, map[string]any{"personal": q.Personal, "neighbourhood": f.Neighbourhood,
		"category": f.Category, "status": f.Status, "risk": f.Risk, "from": from, "to": to})
}

// ExportReports counts the reports an export selects, calls before with
// the count, and then, unless before returned an error, calls each for
// every report, oldest first. Counting and reading happen in one snapshot,
// so the count (which before records in the audit log, before any report
// is read) is exactly what is exported. It returns the count.
func (s *Store) ExportReports(ctx context.Context, q ExportQuery, before func(count int) error, each func(portal.ExportRow) error) (int, error) {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return 0, wrap("export: begin", err)
	}
	defer tx.Rollback()
	var count int
	if err := namedGet(ctx, tx, &count, `SELECT count(*)`+exportFrom, q.args()); err != nil {
		return 0, wrap("export: count", err)
	}
	if err := before(count); err != nil {
		return count, err
	}
	query, args, err := tx.BindNamed(exportSQL, q.args())
	if err != nil {
		return count, wrap("export", err)
	}
	rows, err := tx.QueryxContext(ctx, query, args...)
	if err != nil {
		return count, wrap("export", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r exportRow
		if err := rows.StructScan(&r); err != nil {
			return count, wrap("export: scan", err)
		}
		if err := each(r.row()); err != nil {
			return count, err
		}
	}
	if err := rows.Err(); err != nil {
		return count, wrap("export: read", err)
	}
	return count, wrap("export: commit", tx.Commit())
}

func namedGet(ctx context.Context, tx *sqlx.Tx, dest any, query string, args map[string]any) error {
	q, a, err := tx.BindNamed(query, args)
	if err != nil {
		return err
	}
	return tx.GetContext(ctx, dest, q, a...)
}

// OpenExplained opens a Store (a small pool) on whose connections PostgreSQL's
// auto_explain module reports every statement's plan, with EXPLAIN
// (ANALYZE, BUFFERS) figures, to plan. The benchmark uses it to show where
// a slow page spends its time. Loading the module needs a superuser.
func OpenExplained(ctx context.Context, dbURL string, plan func(string)) (*Store, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, fmt.Errorf("db: parse DATABASE_URL: %w", err)
	}
	q := u.Query()
	q.Set("options", "-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0"+
		" -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on -c auto_explain.log_timing=on"+
		" -c auto_explain.log_nested_statements=on -c auto_explain.log_level=notice")
	u.RawQuery = q.Encode()
	connector, err := pq.NewConnector(u.String())
	if err != nil {
		return nil, fmt.Errorf("db: parse DATABASE_URL: %w", err)
	}
	connector.Dialer(dialer{})
	sqldb := sql.OpenDB(pq.ConnectorWithNoticeHandler(connector, func(e *pq.Error) { plan(e.Message) }))
	sqldb.SetMaxOpenConns(4)
	s := &Store{db: sqlx.NewDb(sqldb, "postgres")}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, wrap("connect with auto_explain", err)
	}
	return s, nil
}
