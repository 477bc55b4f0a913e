package db

import (
	"context"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// Anonymised trends: monthly counts of reports by ASB type. Only counts
// leave the database; the small-number rule is applied by portal.Count
// wherever they are shown. Reports flagged as abuse or merged as duplicates
// are not counted.

// trendsSQL counts the twelve months from :from (the first of the oldest
// month, London time) to now. The area is a neighbourhood (:n) or an
// approved scheme's area (:scheme).
const trendsSQL = `
	SELECT date_trunc('month', r.created_at AT TIME ZONE 'Europe/London') AS month, c.asb_type, count(*) AS n
	  FROM reports r JOIN categories c ON c.id = r.category_id
	 WHERE r.created_at >= CAST(:from AS timestamp) AT TIME ZONE 'Europe/London'
	   AND NOT r.flagged AND r.duplicate_of IS NULL
	   AND (CAST(:n AS bigint) = 0 OR r.neighbourhood_id = :n)
	   AND (CAST(:scheme AS bigint) = 0 OR ST_Intersects(r.location,
	        (SELECT w.area FROM watch_schemes w WHERE w.id = :scheme AND w.status = 'approved')))
	 GROUP BY 1, 2`

// NeighbourhoodTrends counts a neighbourhood's reports by month and type
// for the twelve months ending with now's.
func (s *Store) NeighbourhoodTrends(ctx context.Context, neighbourhoodID int64, now time.Time) (portal.Trends, error) {
	return s.trends(ctx, map[string]any{"n": neighbourhoodID, "scheme": 0}, now)
}

// SchemeTrends counts the reports located inside an approved scheme's
// area by month and type for the twelve months ending with now's.
func (s *Store) SchemeTrends(ctx context.Context, schemeID int64, now time.Time) (portal.Trends, error) {
	return s.trends(ctx, map[string]any{"n": 0, "scheme": schemeID}, now)
}

func (s *Store) trends(ctx context.Context, args map[string]any, now time.Time) (portal.Trends, error) {
	months := portal.PublicTrendMonths(now)
	args["from"] = months[0].Format("2006-01-02")
	var rows []struct {
		Month time.Time `db:"month"`
		Type  string    `db:"asb_type"`
		N     int       `db:"n"`
	}
	q, bound, err := s.db.BindNamed(trendsSQL, args)
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, bound...)
	}
	if err != nil {
		return portal.Trends{}, wrap("trends", err)
	}
	out := portal.Trends{Months: make([]portal.MonthCounts, len(months))}
	index := map[string]int{}
	for i, m := range months {
		out.Months[i] = portal.MonthCounts{Month: m, ByType: map[portal.ASBType]portal.Count{}}
		index[m.Format("2006-01")] = i
	}
	for _, r := range rows {
		if i, ok := index[r.Month.Format("2006-01")]; ok {
			out.Months[i].ByType[portal.ASBType(r.Type)] += portal.Count(r.N)
		}
	}
	return out, nil
}
