package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// neighbourhoodRow is a neighbourhood with its LPA and local authority.
type neighbourhoodRow struct {
	ID        int64  `db:"id"`
	Code      string `db:"code"`
	Name      string `db:"name"`
	LPAID     int64  `db:"lpa_id"`
	LPACode   string `db:"lpa_code"`
	LPAName   string `db:"lpa_name"`
	LACode    string `db:"la_code"`
	LAName    string `db:"la_name"`
	TeamName  string `db:"team_name"`
	TeamEmail string `db:"team_email"`
	TeamPhone string `db:"team_phone"`
}

const neighbourhoodColumns = `n.id, n.code, n.name, l.id AS lpa_id, l.code AS lpa_code, l.name AS lpa_name,
	a.code AS la_code, a.name AS la_name, n.team_name, n.team_email, n.team_phone`

const neighbourhoodFrom = ` FROM neighbourhoods n
	JOIN lpas l ON l.id = n.lpa_id
	JOIN local_authorities a ON a.id = n.local_authority_id`

func (r neighbourhoodRow) neighbourhood() portal.Neighbourhood {
	return portal.Neighbourhood{
		ID: r.ID, Code: r.Code, Name: r.Name, LPACode: r.LPACode, LPAName: r.LPAName,
		LocalAuthorityCode: r.LACode, LocalAuthorityName: r.LAName,
		Team: portal.TeamContact{Name: r.TeamName, Email: r.TeamEmail, Phone: r.TeamPhone},
	}
}

// NeighbourhoodAt returns the neighbourhood containing a point (WGS84
// degrees), or portal.ErrOutsideArea. A point exactly on a shared border
// belongs to the neighbourhood whose code sorts first.
func (s *Store) NeighbourhoodAt(ctx context.Context, lat, lon float64) (portal.Neighbourhood, error) {
	var row neighbourhoodRow
	q, args, err := s.db.BindNamed(`SELECT `+neighbourhoodColumns+neighbourhoodFrom+`
		 WHERE ST_Intersects(n.boundary, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
		 ORDER BY n.code
		 LIMIT 1`, map[string]any{"lat": lat, "lon": lon})
	if err == nil {
		err = s.db.GetContext(ctx, &row, q, args...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return portal.Neighbourhood{}, fmt.Errorf("db: neighbourhood at point: %w", portal.ErrOutsideArea)
	}
	if err != nil {
		return portal.Neighbourhood{}, wrap("neighbourhood at point", err)
	}
	return row.neighbourhood(), nil
}

// MapCentre is the middle of the force's neighbourhoods (WGS84 degrees),
// where the report's map opens; the middle of Great Britain when there are
// none yet.
func (s *Store) MapCentre(ctx context.Context) (lat, lon float64, err error) {
	var c struct {
		Lat float64 `db:"lat"`
		Lon float64 `db:"lon"`
	}
	err = s.db.GetContext(ctx, &c, `
		SELECT coalesce(ST_Y(m), 54.0) AS lat, coalesce(ST_X(m), -2.0) AS lon
		  FROM (SELECT ST_Centroid(ST_SetSRID(ST_Extent(boundary)::geometry, 4326)) AS m FROM neighbourhoods) e`)
	return c.Lat, c.Lon, wrap("map centre", err)
}

// NeighbourhoodByCode returns one neighbourhood, or portal.ErrNotFound.
func (s *Store) NeighbourhoodByCode(ctx context.Context, code string) (portal.Neighbourhood, error) {
	return s.NeighbourhoodInScope(ctx, code, portal.Scope{All: true})
}

// NeighbourhoodInScope returns a neighbourhood if scope covers it. One
// outside the scope answers portal.ErrNotFound, exactly like a missing one.
func (s *Store) NeighbourhoodInScope(ctx context.Context, code string, scope portal.Scope) (portal.Neighbourhood, error) {
	var row neighbourhoodRow
	q, args, err := s.db.BindNamed(`SELECT `+neighbourhoodColumns+neighbourhoodFrom+`
		 WHERE n.code = :code AND (:all OR n.id = ANY(:areas))`, scopeArgs(scope, map[string]any{"code": code}))
	if err == nil {
		err = s.db.GetContext(ctx, &row, q, args...)
	}
	if err != nil {
		return portal.Neighbourhood{}, wrap("neighbourhood", err)
	}
	return row.neighbourhood(), nil
}

// LPAs lists every local policing area with its neighbourhoods, by name:
// for public lists and staff area pickers.
func (s *Store) LPAs(ctx context.Context) ([]portal.LPA, error) {
	return s.LPAsInScope(ctx, portal.Scope{All: true})
}

// LPAsInScope lists the LPAs and neighbourhoods a scope covers, by name. An
// LPA appears only if the scope covers at least one of its neighbourhoods.
func (s *Store) LPAsInScope(ctx context.Context, scope portal.Scope) ([]portal.LPA, error) {
	var rows []neighbourhoodRow
	q, args, err := s.db.BindNamed(`SELECT `+neighbourhoodColumns+neighbourhoodFrom+`
		 WHERE :all OR n.id = ANY(:areas)
		 ORDER BY l.name, l.code, n.name, n.code`, scopeArgs(scope, map[string]any{}))
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, wrap("list lpas", err)
	}
	var out []portal.LPA
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.LPAID {
			out = append(out, portal.LPA{ID: r.LPAID, Code: r.LPACode, Name: r.LPAName})
		}
		last := &out[len(out)-1]
		last.Neighbourhoods = append(last.Neighbourhoods, r.neighbourhood())
	}
	return out, nil
}

// scopeArgs adds a scope's named parameters (:all, :areas) to args.
func scopeArgs(scope portal.Scope, args map[string]any) map[string]any {
	areas := scope.Neighbourhoods
	if areas == nil {
		areas = []int64{}
	}
	args["all"] = scope.All
	args["areas"] = pq.Array(areas)
	return args
}

// TeamContactChange is the result of updating a team's contact details.
type TeamContactChange struct {
	NeighbourhoodID int64
	// Fields names the columns that changed; empty when the details were
	// already as given (a repeated submission), so nothing need be audited.
	Fields []string
}

// UpdateTeamContact sets a neighbourhood's public team contact details if
// scope covers the neighbourhood; otherwise portal.ErrNotFound, exactly as
// for a missing one. The row is locked, so the reported change is exact.
func (t *Tx) UpdateTeamContact(ctx context.Context, code string, scope portal.Scope, c portal.TeamContact) (TeamContactChange, error) {
	var old struct {
		ID    int64  `db:"id"`
		Name  string `db:"team_name"`
		Email string `db:"team_email"`
		Phone string `db:"team_phone"`
	}
	q, args, err := t.tx.BindNamed(`SELECT n.id, n.team_name, n.team_email, n.team_phone
		  FROM neighbourhoods n
		 WHERE n.code = :code AND (:all OR n.id = ANY(:areas))
		   FOR UPDATE`, scopeArgs(scope, map[string]any{"code": code}))
	if err == nil {
		err = t.tx.GetContext(ctx, &old, q, args...)
	}
	if err != nil {
		return TeamContactChange{}, wrap("lock neighbourhood", err)
	}
	ch := TeamContactChange{NeighbourhoodID: old.ID}
	for _, f := range []struct{ name, was, is string }{
		{"team_name", old.Name, c.Name}, {"team_email", old.Email, c.Email}, {"team_phone", old.Phone, c.Phone},
	} {
		if f.was != f.is {
			ch.Fields = append(ch.Fields, f.name)
		}
	}
	if len(ch.Fields) == 0 {
		return ch, nil
	}
	_, err = t.tx.ExecContext(ctx, `
		UPDATE neighbourhoods SET team_name = $2, team_email = $3, team_phone = $4, updated_at = now()
		 WHERE id = $1`, old.ID, c.Name, c.Email, c.Phone)
	return ch, wrap("update team contact", err)
}

// BoundaryImport counts what an import of boundaries did.
type BoundaryImport struct {
	Added, Updated, Unchanged int
}

// CheckBoundaries asks PostGIS whether each feature's geometry is valid
// (no self-intersections, holes inside their shells ...) and returns the
// problems of those that are not.
func (s *Store) CheckBoundaries(ctx context.Context, feats []portal.BoundaryFeature) (portal.FeatureProblems, error) {
	return checkBoundaries(ctx, s.db, feats)
}

func checkBoundaries(ctx context.Context, x execer, feats []portal.BoundaryFeature) (portal.FeatureProblems, error) {
	geoms := make([]string, len(feats))
	for i, f := range feats {
		geoms[i] = f.GeoJSON()
	}
	var rows []struct {
		I      int    `db:"i"`
		Reason string `db:"reason"`
	}
	err := x.SelectContext(ctx, &rows, `
		SELECT t.i::int - 1 AS i, ST_IsValidReason(g.geom) AS reason
		  FROM unnest($1::text[]) WITH ORDINALITY AS t(geojson, i),
		       LATERAL (SELECT ST_GeomFromGeoJSON(t.geojson) AS geom) g
		 WHERE NOT ST_IsValid(g.geom)
		 ORDER BY t.i`, pq.Array(geoms))
	if err != nil {
		return nil, wrap("check boundaries", err)
	}
	var problems portal.FeatureProblems
	for _, r := range rows {
		f := feats[r.I]
		problems = append(problems, portal.FeatureProblem{Index: f.Index, Code: f.Code, Reason: "geometry is not valid: " + r.Reason})
	}
	return problems, nil
}

// ImportBoundaries loads neighbourhoods and the forces, LPAs and local
// authorities they name, in one transaction: if any geometry is invalid
// nothing is loaded and the error is portal.FeatureProblems. Rows are
// matched by code, so loading the same file again changes nothing.
// Neighbourhoods missing from the file are kept: reports and staff refer
// to them.
func (s *Store) ImportBoundaries(ctx context.Context, feats []portal.BoundaryFeature) (BoundaryImport, error) {
	var res BoundaryImport
	err := s.InTx(ctx, func(tx *Tx) error {
		problems, err := checkBoundaries(ctx, tx.tx, feats)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return problems
		}
		if err := tx.upsertParents(ctx, feats); err != nil {
			return err
		}
		for _, f := range feats {
			added, changed, err := tx.upsertNeighbourhood(ctx, f)
			if err != nil {
				return err
			}
			switch {
			case added:
				res.Added++
			case changed:
				res.Updated++
			default:
				res.Unchanged++
			}
		}
		return nil
	})
	return res, err
}

// upsertParents creates or renames the forces, local authorities and LPAs.
func (t *Tx) upsertParents(ctx context.Context, feats []portal.BoundaryFeature) error {
	done := map[string]bool{}
	for _, f := range feats {
		for _, st := range []struct {
			key, query string
			args       []any
		}{
			{"force\x00" + f.ForceCode, `INSERT INTO forces (code, name) VALUES ($1, $2)
				ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name WHERE forces.name <> EXCLUDED.name`,
				[]any{f.ForceCode, f.ForceName}},
			{"la\x00" + f.LACode, `INSERT INTO local_authorities (code, name) VALUES ($1, $2)
				ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name WHERE local_authorities.name <> EXCLUDED.name`,
				[]any{f.LACode, f.LAName}},
			{"lpa\x00" + f.LPACode, `INSERT INTO lpas (force_id, code, name)
				VALUES ((SELECT id FROM forces WHERE code = $1), $2, $3)
				ON CONFLICT (code) DO UPDATE SET force_id = EXCLUDED.force_id, name = EXCLUDED.name
				 WHERE (lpas.force_id, lpas.name) IS DISTINCT FROM (EXCLUDED.force_id, EXCLUDED.name)`,
				[]any{f.ForceCode, f.LPACode, f.LPAName}},
		} {
			if done[st.key] {
				continue
			}
			done[st.key] = true
			if _, err := t.tx.ExecContext(ctx, st.query, st.args...); err != nil {
				return wrap("import "+strings.SplitN(st.key, "\x00", 2)[0], err)
			}
		}
	}
	return nil
}

// upsertNeighbourhood inserts or updates one neighbourhood by code; a row
// already as the file describes it is left alone (updated_at unchanged).
// Team contact details are only replaced when the file gives them.
func (t *Tx) upsertNeighbourhood(ctx context.Context, f portal.BoundaryFeature) (added, changed bool, err error) {
	q, args, err := t.tx.BindNamed(`
		INSERT INTO neighbourhoods (lpa_id, local_authority_id, code, name, boundary, team_name, team_email, team_phone)
		VALUES ((SELECT id FROM lpas WHERE code = :lpa), (SELECT id FROM local_authorities WHERE code = :la),
		        :code, :name, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326)),
		        :team_name, :team_email, :team_phone)
		ON CONFLICT (code) DO UPDATE SET
		       lpa_id = EXCLUDED.lpa_id, local_authority_id = EXCLUDED.local_authority_id,
		       name = EXCLUDED.name, boundary = EXCLUDED.boundary,
		       team_name = CASE WHEN :has_team THEN EXCLUDED.team_name ELSE neighbourhoods.team_name END,
		       team_email = CASE WHEN :has_team THEN EXCLUDED.team_email ELSE neighbourhoods.team_email END,
		       team_phone = CASE WHEN :has_team THEN EXCLUDED.team_phone ELSE neighbourhoods.team_phone END,
		       updated_at = now()
		 WHERE (neighbourhoods.lpa_id, neighbourhoods.local_authority_id, neighbourhoods.name)
		       IS DISTINCT FROM (EXCLUDED.lpa_id, EXCLUDED.local_authority_id, EXCLUDED.name)
		    OR ST_AsEWKB(neighbourhoods.boundary) <> ST_AsEWKB(EXCLUDED.boundary)
		    OR (:has_team AND (neighbourhoods.team_name, neighbourhoods.team_email, neighbourhoods.team_phone)
		        IS DISTINCT FROM (EXCLUDED.team_name, EXCLUDED.team_email, EXCLUDED.team_phone))
		RETURNING (xmax = 0) AS added`, map[string]any{
		"lpa": f.LPACode, "la": f.LACode, "code": f.Code, "name": f.Name, "geojson": f.GeoJSON(),
		"team_name": f.Team.Name, "team_email": f.Team.Email, "team_phone": f.Team.Phone, "has_team": f.HasTeam,
	})
	if err == nil {
		err = t.tx.GetContext(ctx, &added, q, args...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil // already as described
	}
	if err != nil {
		return false, false, wrap("import neighbourhood "+f.Code, err)
	}
	return added, !added, nil
}
