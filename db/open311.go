package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// ServiceRequestFilter selects reports for the Open311 API; zero fields
// match everything. References, when given, override the other filters
// (as GeoReport v2 says of service_request_id).
type ServiceRequestFilter struct {
	References   []string
	ServiceCodes []string
	From, To     time.Time
	Open, Closed bool // statuses wanted; neither means both
	Limit        int
}

// serviceRequestSQL selects only what the API may show. Coordinates are
// rounded here, so the exact place never leaves the database by this route.
const serviceRequestSQL = `
	SELECT r.reference, r.status, c.code AS category_code, c.name AS category_name,
	       r.created_at, r.updated_at, r.location IS NOT NULL AS has_location,
	       CAST(coalesce(round(CAST(ST_Y(r.location) AS numeric), 3), 0) AS float8) AS lat,
	       CAST(coalesce(round(CAST(ST_X(r.location) AS numeric), 3), 0) AS float8) AS lon,
	       coalesce(nullif(n.team_name, ''), n.name) AS agency
	  FROM reports r
	  JOIN categories c ON c.id = r.category_id
	  JOIN neighbourhoods n ON n.id = r.neighbourhood_id
	 WHERE (cardinality(CAST(:refs AS text[])) = 0 OR r.reference = ANY(:refs))
	   AND (cardinality(CAST(:codes AS text[])) = 0 OR c.code = ANY(:codes))
	   AND (CAST(:from AS timestamptz) IS NULL OR r.created_at >= :from)
	   AND (CAST(:to AS timestamptz) IS NULL OR r.created_at <= :to)
	   AND ((:open AND r.status <> 'closed') OR (:closed AND r.status = 'closed'))
	 ORDER BY r.created_at DESC, r.id DESC
	 LIMIT :limit`

type serviceRequestRow struct {
	Ref         string    `db:"reference"`
	Status      string    `db:"status"`
	CatCode     string    `db:"category_code"`
	CatName     string    `db:"category_name"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
	HasLocation bool      `db:"has_location"`
	Lat         float64   `db:"lat"`
	Lon         float64   `db:"lon"`
	Agency      string    `db:"agency"`
}

// ServiceRequests lists reports as the Open311 API shows them, newest
// first, at most portal.MaxOpen311Requests.
func (s *Store) ServiceRequests(ctx context.Context, f ServiceRequestFilter) ([]portal.ServiceRequest, error) {
	if f.Limit <= 0 || f.Limit > portal.MaxOpen311Requests {
		f.Limit = portal.MaxOpen311Requests
	}
	if len(f.References) > 0 {
		f = ServiceRequestFilter{References: f.References, Limit: f.Limit}
	}
	if !f.Open && !f.Closed {
		f.Open, f.Closed = true, true
	}
	args := map[string]any{
		"refs": pq.Array(append([]string{}, f.References...)), "codes": pq.Array(append([]string{}, f.ServiceCodes...)),
		"from": nullTime(f.From), "to": nullTime(f.To), "open": f.Open, "closed": f.Closed, "limit": f.Limit,
	}
	var rows []serviceRequestRow
	q, qargs, err := s.db.BindNamed(serviceRequestSQL, args)
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, qargs...)
	}
	if err != nil {
		return nil, wrap("service requests", err)
	}
	out := make([]portal.ServiceRequest, len(rows))
	for i, r := range rows {
		out[i] = portal.ServiceRequest{Reference: r.Ref, Status: portal.ReportStatus(r.Status),
			CategoryCode: r.CatCode, CategoryName: r.CatName, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
			HasLocation: r.HasLocation, Lat: r.Lat, Lon: r.Lon, Agency: r.Agency}
	}
	return out, nil
}

// ServiceRequest returns one report as the Open311 API shows it, or
// portal.ErrNotFound.
func (s *Store) ServiceRequest(ctx context.Context, reference string) (portal.ServiceRequest, error) {
	got, err := s.ServiceRequests(ctx, ServiceRequestFilter{References: []string{reference}, Limit: 1})
	if err != nil {
		return portal.ServiceRequest{}, err
	}
	if len(got) == 0 {
		return portal.ServiceRequest{}, wrap("service request", sql.ErrNoRows)
	}
	return got[0], nil
}
