package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// consultationScope limits consultations (aliased c) to those a staff
// scope covers entirely, in SQL.
const consultationScope = `(:all OR (c.area_level <> 'force' AND c.neighbourhood_ids <@ CAST(:areas AS integer[])))`

// publicColumns are a consultation's columns without its response count,
// which public pages never show: counting costs a scan of the responses
// on every page a respondent opens.
const publicColumns = `c.id, c.kind, c.state, c.title, c.summary, c.body, c.area_level, c.area_code,
	c.area_name, c.neighbourhood_ids, c.opens_at, c.closes_at, c.comments_enabled, c.published_at,
	c.closed_at, c.results_published_at, c.we_did, c.we_did_at, 0 AS responses`

// consultationColumns are the columns staff pages read, with the count.
const consultationColumns = `c.id, c.kind, c.state, c.title, c.summary, c.body, c.area_level, c.area_code,
	c.area_name, c.neighbourhood_ids, c.opens_at, c.closes_at, c.comments_enabled, c.published_at,
	c.closed_at, c.results_published_at, c.we_did, c.we_did_at,
	(SELECT count(*) FROM consultation_responses r WHERE r.consultation_id = c.id) AS responses`

type consultationRow struct {
	ID               int64         `db:"id"`
	Kind             string        `db:"kind"`
	State            string        `db:"state"`
	Title            string        `db:"title"`
	Summary          string        `db:"summary"`
	Body             string        `db:"body"`
	AreaLevel        string        `db:"area_level"`
	AreaCode         string        `db:"area_code"`
	AreaName         string        `db:"area_name"`
	NeighbourhoodIDs pq.Int64Array `db:"neighbourhood_ids"`
	OpensAt          time.Time     `db:"opens_at"`
	ClosesAt         time.Time     `db:"closes_at"`
	CommentsEnabled  bool          `db:"comments_enabled"`
	PublishedAt      sql.NullTime  `db:"published_at"`
	ClosedAt         sql.NullTime  `db:"closed_at"`
	ResultsPublished sql.NullTime  `db:"results_published_at"`
	WeDid            string        `db:"we_did"`
	WeDidAt          sql.NullTime  `db:"we_did_at"`
	Responses        int           `db:"responses"`
}

func (r consultationRow) consultation() portal.Consultation {
	return portal.Consultation{ID: r.ID, Kind: portal.ConsultationKind(r.Kind), State: portal.ConsultationState(r.State),
		Title: r.Title, Summary: r.Summary, Body: r.Body, AreaLevel: portal.AreaLevel(r.AreaLevel),
		AreaCode: r.AreaCode, AreaName: r.AreaName, NeighbourhoodIDs: []int64(r.NeighbourhoodIDs),
		OpensAt: r.OpensAt, ClosesAt: r.ClosesAt, CommentsEnabled: r.CommentsEnabled,
		PublishedAt: r.PublishedAt.Time, ClosedAt: r.ClosedAt.Time, ResultsPublished: r.ResultsPublished.Time,
		WeDid: r.WeDid, WeDidAt: r.WeDidAt.Time, Responses: r.Responses}
}

func consultationList(rows []consultationRow) []portal.Consultation {
	out := make([]portal.Consultation, len(rows))
	for i, r := range rows {
		out[i] = r.consultation()
	}
	return out
}

// areaSource resolves an area level and code to its name and
// neighbourhoods, for INSERT … SELECT.
const areaSource = `(
	SELECT f.name AS area_name, array_agg(n.id ORDER BY n.id) AS ids
	  FROM forces f JOIN lpas l ON l.force_id = f.id JOIN neighbourhoods n ON n.lpa_id = l.id
	 WHERE :level = 'force' AND f.code = :code GROUP BY f.name
	UNION ALL
	SELECT l.name, array_agg(n.id ORDER BY n.id)
	  FROM lpas l JOIN neighbourhoods n ON n.lpa_id = l.id
	 WHERE :level = 'lpa' AND l.code = :code GROUP BY l.name
	UNION ALL
	SELECT n.name, ARRAY[n.id] FROM neighbourhoods n WHERE :level = 'neighbourhood' AND n.code = :code
) a`

// areaInScope is true when the scope may author for the resolved area.
const areaInScope = `(:all OR (:level <> 'force' AND a.ids <@ CAST(:areas AS integer[])))`

func consultationArgs(f portal.ConsultationFields, scope portal.Scope) map[string]any {
	return scopeArgs(scope, map[string]any{"kind": string(f.Kind), "title": f.Title, "summary": f.Summary,
		"body": f.Body, "level": string(f.AreaLevel), "code": f.AreaCode, "opens": f.OpensAt,
		"closes": f.ClosesAt, "comments": f.CommentsEnabled})
}

// CreateConsultation adds a draft consultation for an area the scope covers
// entirely; another area answers portal.ErrNotFound.
func (t *Tx) CreateConsultation(ctx context.Context, f portal.ConsultationFields, scope portal.Scope, by int64) (int64, error) {
	args := consultationArgs(f, scope)
	args["by"] = by
	var id int64
	err := getNamed(ctx, t.tx, &id, `
		INSERT INTO consultations (kind, title, summary, body, area_level, area_code, area_name,
		       neighbourhood_ids, opens_at, closes_at, comments_enabled, created_by)
		SELECT :kind, :title, :summary, :body, :level, :code, a.area_name, a.ids, :opens, :closes,
		       :comments, NULLIF(:by, 0)
		  FROM `+areaSource+` WHERE `+areaInScope+`
		RETURNING id`, args)
	return id, wrap("create consultation", err)
}

// UpdateConsultation changes a draft's details; a published or closed
// consultation answers portal.ErrConflict.
func (t *Tx) UpdateConsultation(ctx context.Context, id int64, f portal.ConsultationFields, scope portal.Scope) error {
	c, err := t.ConsultationInScope(ctx, id, scope)
	if err != nil {
		return err
	}
	if c.State != portal.ConsultationDraft {
		return fmt.Errorf("db: update consultation: %w", portal.ErrConflict)
	}
	args := consultationArgs(f, scope)
	args["id"] = id
	n, err := execNamed(ctx, t.tx, `
		UPDATE consultations c
		   SET kind = :kind, title = :title, summary = :summary, body = :body, area_level = :level,
		       area_code = :code, area_name = a.area_name, neighbourhood_ids = a.ids, opens_at = :opens,
		       closes_at = :closes, comments_enabled = :comments, updated_at = now()
		  FROM `+areaSource+`
		 WHERE c.id = :id AND c.state = 'draft' AND `+areaInScope, args)
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	return wrap("update consultation", err)
}

// ConsultationInScope returns a consultation the staff scope covers;
// another area's answers portal.ErrNotFound.
func (s *Store) ConsultationInScope(ctx context.Context, id int64, scope portal.Scope) (portal.Consultation, error) {
	return consultationInScope(ctx, s.db, id, scope)
}

// ConsultationInScope is Store.ConsultationInScope inside a transaction,
// locking the row against concurrent changes.
func (t *Tx) ConsultationInScope(ctx context.Context, id int64, scope portal.Scope) (portal.Consultation, error) {
	return consultationInScope(ctx, t.tx, id, scope)
}

func consultationInScope(ctx context.Context, x execer, id int64, scope portal.Scope) (portal.Consultation, error) {
	var r consultationRow
	err := getNamed(ctx, x, &r, `SELECT `+consultationColumns+` FROM consultations c
		WHERE c.id = :id AND `+consultationScope, scopeArgs(scope, map[string]any{"id": id}))
	return r.consultation(), wrap("consultation in scope", err)
}

// StaffConsultations lists the consultations a scope covers, newest first.
func (s *Store) StaffConsultations(ctx context.Context, scope portal.Scope) ([]portal.Consultation, error) {
	var rows []consultationRow
	err := selectNamed(ctx, s.db, &rows, `SELECT `+consultationColumns+` FROM consultations c
		WHERE `+consultationScope+` ORDER BY c.created_at DESC, c.id DESC`, scopeArgs(scope, map[string]any{}))
	return consultationList(rows), wrap("staff consultations", err)
}

// PublicConsultation returns a published or closed consultation, without
// its response count; drafts answer portal.ErrNotFound.
func (s *Store) PublicConsultation(ctx context.Context, id int64) (portal.Consultation, error) {
	var r consultationRow
	err := s.db.GetContext(ctx, &r, `SELECT `+publicColumns+` FROM consultations c
		WHERE c.id = $1 AND c.state <> 'draft'`, id)
	return r.consultation(), wrap("public consultation", err)
}

// PublicConsultations lists published and closed consultations (without
// response counts), soonest
// closing first; neighbourhoodID > 0 keeps those covering it.
func (s *Store) PublicConsultations(ctx context.Context, neighbourhoodID int64) ([]portal.Consultation, error) {
	var rows []consultationRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+publicColumns+` FROM consultations c
		WHERE c.state <> 'draft' AND ($1 = 0 OR c.neighbourhood_ids @> ARRAY[$1::integer])
		ORDER BY c.closes_at DESC, c.id DESC LIMIT 200`, neighbourhoodID)
	return consultationList(rows), wrap("public consultations", err)
}

// PublishConsultation publishes a draft with at least one question.
func (t *Tx) PublishConsultation(ctx context.Context, id int64, scope portal.Scope, now time.Time) error {
	return t.transition(ctx, id, scope, "publish consultation", func(c *portal.Consultation, questions int) error {
		return c.Publish(questions, now)
	})
}

// CloseConsultation closes a published consultation early.
func (t *Tx) CloseConsultation(ctx context.Context, id int64, scope portal.Scope, now time.Time) error {
	return t.transition(ctx, id, scope, "close consultation", func(c *portal.Consultation, _ int) error {
		return c.Close(now)
	})
}

// transition locks a consultation, applies a portal state change and
// stores the result.
func (t *Tx) transition(ctx context.Context, id int64, scope portal.Scope, op string,
	change func(*portal.Consultation, int) error) error {
	if _, err := t.tx.ExecContext(ctx, `SELECT 1 FROM consultations WHERE id = $1 FOR UPDATE`, id); err != nil {
		return wrap(op, err)
	}
	c, err := t.ConsultationInScope(ctx, id, scope)
	if err != nil {
		return err
	}
	var questions int
	err = t.tx.GetContext(ctx, &questions, `SELECT count(*) FROM consultation_questions WHERE consultation_id = $1`, id)
	if err != nil {
		return wrap(op, err)
	}
	if err := change(&c, questions); err != nil {
		return fmt.Errorf("db: %s: %w", op, err)
	}
	_, err = t.tx.ExecContext(ctx, `
		UPDATE consultations SET state = $2, published_at = $3, closed_at = $4, closes_at = $5, updated_at = now()
		 WHERE id = $1`, id, string(c.State), nullTime(c.PublishedAt), nullTime(c.ClosedAt), c.ClosesAt)
	return wrap(op, err)
}

// SetWeDid records "we asked, you said, we did" on a consultation that has
// closed.
func (t *Tx) SetWeDid(ctx context.Context, id int64, scope portal.Scope, text string, now time.Time) error {
	n, err := execNamed(ctx, t.tx, `
		UPDATE consultations c SET we_did = :text, we_did_at = :now, updated_at = now()
		 WHERE c.id = :id AND c.state <> 'draft' AND (c.state = 'closed' OR c.closes_at <= :now)
		   AND `+consultationScope, scopeArgs(scope, map[string]any{"id": id, "text": text, "now": now}))
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	return wrap("set we did", err)
}

// WeDidFeed lists the latest "we asked, you said, we did" updates, newest
// first, for the Atom feed and neighbourhood pages (neighbourhoodID 0: all).
func (s *Store) WeDidFeed(ctx context.Context, neighbourhoodID int64, limit int) ([]portal.Consultation, error) {
	var rows []consultationRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+publicColumns+` FROM consultations c
		WHERE c.state <> 'draft' AND c.we_did_at IS NOT NULL
		  AND ($1 = 0 OR c.neighbourhood_ids @> ARRAY[$1::integer])
		ORDER BY c.we_did_at DESC, c.id DESC LIMIT $2`, neighbourhoodID, limit)
	return consultationList(rows), wrap("we did feed", err)
}

// Forces lists the forces (code and name), for force-wide consultations.
func (s *Store) Forces(ctx context.Context) ([]portal.Option, error) {
	var rows []struct {
		Code string `db:"code"`
		Name string `db:"name"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT code, name FROM forces ORDER BY name`)
	out := make([]portal.Option, len(rows))
	for i, r := range rows {
		out[i] = portal.Option{Value: r.Code, Label: r.Name}
	}
	return out, wrap("forces", err)
}
