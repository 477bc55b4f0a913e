package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// Categories lists the active categories in display order.
func (s *Store) Categories(ctx context.Context) ([]portal.Category, error) {
	var rows []struct {
		ID     int64  `db:"id"`
		Code   string `db:"code"`
		Type   string `db:"asb_type"`
		Name   string `db:"name"`
		Hint   string `db:"hint"`
		Notice string `db:"notice"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT id, code, asb_type, name, hint, notice FROM categories
		 WHERE active ORDER BY sort_order, name`)
	if err != nil {
		return nil, wrap("categories", err)
	}
	out := make([]portal.Category, len(rows))
	for i, r := range rows {
		out[i] = portal.Category{ID: r.ID, Code: r.Code, Type: portal.ASBType(r.Type), Name: r.Name, Hint: r.Hint, Notice: r.Notice}
	}
	return out, nil
}

// NewReport is a report ready to store: the resident's answers, who sent it
// and the acknowledgement to email them.
type NewReport struct {
	Draft      *portal.ReportDraft
	OccurredOn time.Time
	UserID     int64
	// Honeypot is set when the hidden field only robots fill in was filled:
	// the report is accepted silently and flagged for staff.
	Honeypot bool
	// Risk and DueAt are the initial risk and target time, worked out by the
	// caller from portal policy (empty Risk: low; zero DueAt: no target).
	Risk  portal.Risk
	DueAt time.Time
	// RepeatRisk and RepeatDueAt, when RepeatRisk is set, replace them if
	// the reporter turns out to be a repeat victim (see RepeatVictimBefore).
	// The caller works out both outcomes so that the check runs in the
	// insert's own statement rather than in a round trip before it.
	RepeatRisk  portal.Risk
	RepeatDueAt time.Time
	// OnBehalfBy is the volunteer or member of staff who made the report
	// for the resident (Draft.OnBehalf says how, and with what consent);
	// OnBehalfNote is the internal note that shows this to staff.
	OnBehalfBy   int64
	OnBehalfNote string
	// AckFor builds the acknowledgement email once the reference is known
	// (nil, or a nil result: none, as for anonymous reports). It is queued
	// in the same transaction. Its text must not contain the report's content.
	AckFor func(reference string) (*portal.Email, error)
	// SessionFor, when set, gives the resident's session as it must be once
	// the report is stored (the draft gone, the reference kept for the
	// confirmation page). It is saved in the same statement, so the
	// submission commits once, and only when the report is new:
	// SubmittedReport.SessionSaved says whether it was.
	SessionFor func(reference string) (SessionRecord, error)
}

// SubmittedReport is what the reporter is told after submitting.
type SubmittedReport struct {
	ID                int64
	Reference         string
	NeighbourhoodName string
	SessionSaved      bool // NewReport.SessionFor's session was saved
}

// CreateReport stores a report, its photos (moved from the draft), its
// first timeline entry and the acknowledgement email in ONE statement, so
// all of them happen or none does, at the cost of a single round trip.
// The same statement finds the neighbourhood when the draft names none
// (Open311: from the postcode, else the point) and whether the reporter is
// a repeat victim. The draft's key makes it idempotent: the same submission
// sent again (a double click, a replayed request, a concurrent copy)
// returns the original report and changes nothing. An unknown or retired
// category, or a place in no neighbourhood, answers portal.ErrNotFound.
func (s *Store) CreateReport(ctx context.Context, nr NewReport) (SubmittedReport, error) {
	for attempt := 0; ; attempt++ {
		out, err := s.insertReport(ctx, nr)
		if isUniqueViolation(err, "reports_reference_key") && attempt < 3 {
			continue // a new random reference clashed with an old one: draw again
		}
		return out, err
	}
}

func (s *Store) insertReport(ctx context.Context, nr NewReport) (SubmittedReport, error) {
	params := reportParams(nr, nr.Draft.ProblemID)
	ack := portal.Email{}
	if nr.AckFor != nil {
		m, err := nr.AckFor(params["reference"].(string))
		if err != nil {
			return SubmittedReport{}, err
		}
		if m != nil {
			ack = *m
		}
	}
	params["ack_to"], params["ack_subject"], params["ack_text"], params["ack_html"] = ack.To, ack.Subject, ack.Text, ack.HTML
	var sess SessionRecord
	if nr.SessionFor != nil {
		var err error
		if sess, err = nr.SessionFor(params["reference"].(string)); err != nil {
			return SubmittedReport{}, err
		}
	}
	params["session_id"], params["session_data"] = sess.IDHash, sess.Data
	params["session_user"], params["session_expires"] = sess.UserID, sess.Expires
	var out SubmittedReport
	st, err := s.namedStmt(ctx, createReportSQL)
	if err == nil {
		err = st.QueryRowxContext(ctx, params).Scan(&out.ID, &out.Reference, &out.NeighbourhoodName, &out.SessionSaved)
	}
	if errors.Is(err, sql.ErrNoRows) { // unknown or retired category, or no neighbourhood
		return out, fmt.Errorf("db: create report: %w", portal.ErrNotFound)
	}
	return out, wrap("create report", err)
}

// createReportSQL finds the neighbourhood (place) and whether the reporter
// is a repeat victim, inserts the report (or finds the one this key already
// made) and, only when it is new, moves the draft's photos, records the
// "submitted" event, queues the acknowledgement and saves the resident's
// session (saveSessionSQL's upsert). Each branch of place
// is switched on or off by its parameters alone, so a cached plan keeps the
// index for each.
const createReportSQL = `
	WITH place AS (
	    SELECT n.id FROM neighbourhoods n WHERE :neighbourhood <> '' AND n.code = :neighbourhood
	    UNION ALL
	    (SELECT n.id FROM postcodes p JOIN neighbourhoods n ON ST_Intersects(n.boundary, p.location)
	      WHERE :neighbourhood = '' AND :postcode <> '' AND p.postcode = :postcode
	      ORDER BY n.code LIMIT 1)
	    UNION ALL
	    (SELECT n.id FROM neighbourhoods n
	      WHERE :neighbourhood = '' AND :postcode = ''
	        AND ST_Intersects(n.boundary, ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326))
	      ORDER BY n.code LIMIT 1)
	), repeat_victim AS (
	    SELECT CASE WHEN :risk_repeat = '' THEN false ELSE (` + repeatVictimSQL + `) END AS yes
	), new_problem AS (
	    INSERT INTO problems (id)
	    SELECT nextval('problems_id_seq')
	     WHERE CAST(:problem AS bigint) = 0
	       AND NOT EXISTS (SELECT 1 FROM reports WHERE idempotency_key = :key)
	       AND EXISTS (SELECT 1 FROM place)
	       AND EXISTS (SELECT 1 FROM categories WHERE code = :category AND active)
	    RETURNING id
	), ins AS (` + insertReportSQL + `
	), photos AS (
	    DELETE FROM draft_photos
	     WHERE draft_key = :key AND EXISTS (SELECT 1 FROM ins WHERE inserted)
	    RETURNING content_type, data, created_at
	), moved AS (
	    INSERT INTO report_photos (report_id, content_type, data, created_at)
	    SELECT (SELECT id FROM ins), content_type, data, created_at FROM photos
	), submitted AS (
	    INSERT INTO report_events (report_id, kind, body) SELECT id, 'submitted', '' FROM ins WHERE inserted
	), behalf AS (
	    INSERT INTO report_events (report_id, kind, public, body, actor_id)
	    SELECT id, 'note', false, :behalf_note, NULLIF(:behalf_by, 0) FROM ins WHERE inserted AND :behalf_note <> ''
	), ack AS (
	    INSERT INTO outbox (recipient, subject, text_body, html_body)
	    SELECT :ack_to, :ack_subject, :ack_text, :ack_html FROM ins WHERE inserted AND :ack_to <> ''
	), session AS (
	    INSERT INTO sessions (id_hash, data, user_id, expires_at)
	    SELECT CAST(:session_id AS bytea), CAST(:session_data AS bytea), NULLIF(CAST(:session_user AS bigint), 0),
	           CAST(:session_expires AS timestamptz)
	      FROM ins WHERE inserted AND CAST(:session_id AS bytea) IS NOT NULL
	    ON CONFLICT (id_hash) DO UPDATE
	       SET data = EXCLUDED.data, user_id = EXCLUDED.user_id, expires_at = EXCLUDED.expires_at
	    RETURNING true AS saved
	)
	SELECT ins.id, ins.reference, (SELECT n.name FROM neighbourhoods n WHERE n.id = ins.neighbourhood_id),
	       EXISTS (SELECT 1 FROM session)
	  FROM ins`

const insertReportSQL = `
	INSERT INTO reports (reference, idempotency_key, problem_id, category_id, neighbourhood_id,
	       location, postcode, place, occurred_on, occurred_time, happened_before, how_often, since_when,
	       description, people, vehicles, unsafe_at_home, health_affected, children_affected,
	       stopped_doing_things, hate, hate_reasons, vulnerability, anonymous, reporter_name,
	       reporter_email, reporter_phone, contact_preference, safe_to_leave_message, user_id, flagged,
	       risk, due_at, on_behalf_by, on_behalf_channel, on_behalf_relationship, on_behalf_consent_at,
	       on_behalf_updates_to)
	SELECT :reference, :key, coalesce((SELECT id FROM new_problem), CAST(:problem AS bigint)), c.id, n.id,
	       CASE WHEN CAST(:lat AS float8) <> 0 OR CAST(:lon AS float8) <> 0
	            THEN ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326)
	            ELSE (SELECT p.location FROM postcodes p WHERE p.postcode = :postcode) END,
	       :postcode, :place, :occurred_on, CAST(NULLIF(:occurred_time, '') AS time), :before, :how_often, :since_when,
	       :description, :people, :vehicles, :unsafe, :health, :children,
	       :stopped, :hate, :hate_reasons, :vulnerability, :anonymous, :name,
	       lower(:email), :phone, :contact, :safe_to_leave, NULLIF(:user, 0),
	       :honeypot OR EXISTS (SELECT 1 FROM banned_emails b
	                WHERE :email <> '' AND (b.pattern = lower(:email)
		                     OR (left(b.pattern, 1) = '@' AND right(lower(:email), length(b.pattern)) = b.pattern))),
	       CASE WHEN (SELECT yes FROM repeat_victim) THEN :risk_repeat ELSE coalesce(NULLIF(:risk, ''), 'low') END,
	       CASE WHEN (SELECT yes FROM repeat_victim) THEN CAST(:due_repeat AS timestamptz) ELSE CAST(:due_at AS timestamptz) END,
	       NULLIF(:behalf_by, 0), :behalf_channel, :behalf_relationship,
	       CASE WHEN :behalf_channel <> '' AND :behalf_consent THEN now() END, :behalf_updates
	  FROM categories c, place n
	 WHERE c.code = :category AND c.active
	ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
	RETURNING id, reference, neighbourhood_id, (xmax = 0) AS inserted`

func reportParams(nr NewReport, problemID int64) map[string]any {
	d := nr.Draft
	has := func(v string) bool {
		for _, i := range d.Impacts {
			if i == v {
				return true
			}
		}
		return false
	}
	named := d.Anonymous != "yes"
	pick := func(v string) string {
		if named {
			return v
		}
		return ""
	}
	hate := d.Hate
	if hate == "" {
		hate = "no"
	}
	params := map[string]any{
		"reference": portal.NewReference(), "key": d.Key, "problem": problemID,
		"category": d.CategoryCode, "neighbourhood": d.NeighbourhoodCode,
		"lat": d.Latitude, "lon": d.Longitude, "postcode": d.Postcode, "place": d.Place,
		"occurred_on": nr.OccurredOn, "occurred_time": d.OccurredTime(), "before": d.HappenedBefore == "yes",
		"how_often": d.HowOften, "since_when": d.SinceWhen, "description": d.Description,
		"people": d.People, "vehicles": d.Vehicles, "unsafe": has("unsafe-at-home"), "health": has("health"),
		"children": has("children"), "stopped": has("stopped"), "hate": hate,
		"hate_reasons": pq.Array(append([]string{}, d.HateReasons...)), "vulnerability": d.Vulnerability, "anonymous": !named,
		"name": pick(d.Name), "email": pick(d.Email), "phone": pick(d.Phone),
		"contact": pick(d.ContactPreference), "safe_to_leave": named && d.SafeToLeave == "yes",
		"user": nr.UserID, "honeypot": nr.Honeypot,
		"risk": string(nr.Risk), "due_at": sql.NullTime{Time: nr.DueAt, Valid: !nr.DueAt.IsZero()},
		"risk_repeat": string(nr.RepeatRisk), "due_repeat": sql.NullTime{Time: nr.RepeatDueAt, Valid: !nr.RepeatDueAt.IsZero()},
	}
	repeatVictimParams(params, pick(d.Email), nr.UserID)
	onBehalfParams(nr, params)
	return params
}

// onBehalfParams adds a report made for someone else: who made it and how,
// and where emails go (the submitter's address when the resident asked).
func onBehalfParams(nr NewReport, params map[string]any) {
	ob := nr.Draft.OnBehalf
	params["behalf_by"], params["behalf_channel"], params["behalf_relationship"] = int64(0), "", ""
	params["behalf_consent"], params["behalf_updates"], params["behalf_note"] = false, "", ""
	if nr.OnBehalfBy == 0 || !nr.Draft.IsOnBehalf() {
		return
	}
	params["behalf_by"], params["behalf_channel"] = nr.OnBehalfBy, string(ob.Channel)
	params["behalf_relationship"], params["behalf_consent"] = ob.Relationship, ob.Consent
	params["behalf_updates"], params["behalf_note"] = ob.UpdatesTo, nr.OnBehalfNote
	if ob.UpdatesTo == "submitter" {
		params["email"], params["contact"] = ob.SubmitterEmail, "email"
	}
}

// ReportByKey finds the report a submission with this idempotency key made.
func (s *Store) ReportByKey(ctx context.Context, key string) (SubmittedReport, error) {
	var r SubmittedReport
	err := s.db.QueryRowxContext(ctx, `
		SELECT r.id, r.reference, n.name FROM reports r JOIN neighbourhoods n ON n.id = r.neighbourhood_id
		 WHERE r.idempotency_key = $1`, key).Scan(&r.ID, &r.Reference, &r.NeighbourhoodName)
	return r, wrap("report by key", err)
}

// isUniqueViolation reports whether err is SQLSTATE 23505 on the named constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505" && pqErr.Constraint == constraint
}

// ReportCount counts reports (tests, dashboards).
func (s *Store) ReportCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM reports`)
	return n, wrap("count reports", err)
}

// SaveDraftPhoto keeps a re-encoded photo for a draft, refusing more than
// portal.MaxPhotos per draft.
func (s *Store) SaveDraftPhoto(ctx context.Context, draftKey, contentType string, data []byte) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `
		INSERT INTO draft_photos (draft_key, content_type, data)
		SELECT $1, $2, $3 WHERE (SELECT count(*) FROM draft_photos WHERE draft_key = $1) < $4
		RETURNING id`, draftKey, contentType, data, portal.MaxPhotos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("db: save draft photo: %w", portal.ErrConflict)
	}
	return id, wrap("save draft photo", err)
}

// DraftPhotoIDs lists a draft's photos.
func (s *Store) DraftPhotoIDs(ctx context.Context, draftKey string) ([]int64, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `SELECT id FROM draft_photos WHERE draft_key = $1 ORDER BY id`, draftKey)
	return ids, wrap("draft photos", err)
}

// DraftPhoto returns one of a draft's photos.
func (s *Store) DraftPhoto(ctx context.Context, draftKey string, id int64) (contentType string, data []byte, err error) {
	err = s.db.QueryRowxContext(ctx, `SELECT content_type, data FROM draft_photos WHERE id = $1 AND draft_key = $2`,
		id, draftKey).Scan(&contentType, &data)
	return contentType, data, wrap("draft photo", err)
}

// DeleteDraftPhoto removes one of a draft's photos.
func (s *Store) DeleteDraftPhoto(ctx context.Context, draftKey string, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM draft_photos WHERE id = $1 AND draft_key = $2`, id, draftKey)
	return wrap("delete draft photo", err)
}

// PruneDraftPhotos deletes photos of drafts abandoned for a day.
func (s *Store) PruneDraftPhotos(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM draft_photos WHERE created_at < now() - interval '1 day'`)
	return wrap("prune draft photos", err)
}

// ReportSummary is what the confirmation page needs to know of a report.
type ReportSummary struct {
	HasEmail          bool
	NeighbourhoodName string
}

// ReportSummary describes the report with this reference.
func (s *Store) ReportSummary(ctx context.Context, reference string) (ReportSummary, error) {
	var r ReportSummary
	err := s.db.QueryRowxContext(ctx, `
		SELECT r.reporter_email <> '', n.name FROM reports r JOIN neighbourhoods n ON n.id = r.neighbourhood_id
		 WHERE r.reference = $1`, reference).Scan(&r.HasEmail, &r.NeighbourhoodName)
	return r, wrap("report summary", err)
}

// SimilarReport is a recent report like the one being made, anonymised to
// its category, postcode district and week: enough to recognise, nothing
// that identifies anyone.
type SimilarReport struct {
	ProblemID    int64     `db:"problem_id"`
	CategoryName string    `db:"category_name"`
	District     string    `db:"district"`
	Week         time.Time `db:"week"`
	Reports      int       `db:"reports"`
}

// SimilarNearby lists problems with reports of the same category within
// 200 metres of the postcode in the last 30 days, newest first.
func (s *Store) SimilarNearby(ctx context.Context, categoryCode, postcode string) ([]SimilarReport, error) {
	var out []SimilarReport
	err := s.db.SelectContext(ctx, &out, `
		SELECT r.problem_id, c.name AS category_name,
		       regexp_replace(p.postcode, '[0-9][A-Z]{2}$', '') AS district,
		       date_trunc('week', max(r.created_at)) AS week, count(*) AS reports
		  FROM postcodes p
		  JOIN reports r ON ST_DWithin(r.location::geography, p.location::geography, 200)
		  JOIN categories c ON c.id = r.category_id
		 WHERE p.postcode = $2 AND c.code = $1 AND r.created_at > now() - interval '30 days'
		   AND r.status <> 'closed' AND NOT r.flagged
		 GROUP BY r.problem_id, c.name, district
		 ORDER BY max(r.created_at) DESC
		 LIMIT 5`, categoryCode, postcode)
	return out, wrap("similar reports", err)
}
