package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// The resident side of the ASB Case Review: the areas and their published
// policies, a resident's own reports grouped by problem, the proactive
// notice, and applications as residents make and follow them.

// CaseReviewAreas lists the local authority areas, saying which have a case
// review policy in force on a date.
func (s *Store) CaseReviewAreas(ctx context.Context, on time.Time) ([]portal.CaseReviewArea, error) {
	var rows []struct {
		Code      string `db:"code"`
		Name      string `db:"name"`
		HasPolicy bool   `db:"has_policy"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT a.code, a.name,
		       EXISTS (SELECT 1 FROM case_review_policies p
		                WHERE p.local_authority_id = a.id AND p.effective_from <= $1) AS has_policy
		  FROM local_authorities a
		 ORDER BY a.name`, on)
	if err != nil {
		return nil, wrap("case review areas", err)
	}
	out := make([]portal.CaseReviewArea, len(rows))
	for i, r := range rows {
		out[i] = portal.CaseReviewArea{Code: r.Code, Name: r.Name, HasPolicy: r.HasPolicy}
	}
	return out, nil
}

// PublicCaseReviewPolicy returns a local authority area and the version of
// its policy in force on a date, with its published procedure. An unknown
// area answers portal.ErrNotFound; an area without a policy in force
// answers the area with HasPolicy false.
func (s *Store) PublicCaseReviewPolicy(ctx context.Context, area string, on time.Time) (portal.CaseReviewArea, portal.PolicyVersion, error) {
	var row struct {
		policyRow
		AreaName  string    `db:"area_name"`
		Procedure string    `db:"procedure"`
		CreatedAt time.Time `db:"created_at"`
	}
	la := portal.CaseReviewArea{Code: area}
	err := s.db.QueryRowContext(ctx, `SELECT name FROM local_authorities WHERE code = $1`, area).Scan(&la.Name)
	if err != nil {
		return la, portal.PolicyVersion{}, wrap("case review area", err)
	}
	err = s.db.GetContext(ctx, &row, `
		SELECT `+policyColumns+`, a.name AS area_name, p.procedure, p.created_at
		  FROM case_review_policies p JOIN local_authorities a ON a.id = p.local_authority_id
		 WHERE a.code = $1 AND p.effective_from <= $2
		 ORDER BY p.effective_from DESC, p.version DESC
		 LIMIT 1`, area, on)
	if errors.Is(err, sql.ErrNoRows) {
		return la, portal.PolicyVersion{}, nil
	}
	if err != nil {
		return la, portal.PolicyVersion{}, wrap("public case review policy", err)
	}
	la.HasPolicy = true
	return la, portal.PolicyVersion{ID: row.ID, Policy: row.policy(), Procedure: row.Procedure, CreatedAt: row.CreatedAt}, nil
}

// problemReportRow is one of a resident's reports with its problem.
type problemReportRow struct {
	ID            int64     `db:"id"`
	Reference     string    `db:"reference"`
	ProblemID     int64     `db:"problem_id"`
	OccurredOn    time.Time `db:"occurred_on"`
	CreatedAt     time.Time `db:"created_at"`
	Hate          string    `db:"hate"`
	Category      string    `db:"category"`
	Neighbourhood string    `db:"neighbourhood"`
	Area          string    `db:"area"`
	AreaName      string    `db:"area_name"`
}

func (r problemReportRow) report() portal.ResidentProblemReport {
	return portal.ResidentProblemReport{ID: r.ID, Reference: r.Reference, OccurredOn: r.OccurredOn,
		CreatedAt: r.CreatedAt, Hate: r.Hate}
}

// maxResidentProblemReports bounds the reports the checker starts from.
const maxResidentProblemReports = 500

// ResidentProblems lists a signed-in resident's own reports grouped by
// problem, the problem most recently reported first. Each problem is named
// by its most recent report's category and neighbourhood.
func (s *Store) ResidentProblems(ctx context.Context, userID int64) ([]portal.ResidentProblem, error) {
	var rows []problemReportRow
	err := s.db.SelectContext(ctx, &rows, `
		SELECT r.id, r.reference, r.problem_id, r.occurred_on, r.created_at, r.hate, c.name AS category,
		       n.name AS neighbourhood, a.code AS area, a.name AS area_name
		  FROM reports r
		  JOIN categories c ON c.id = r.category_id
		  JOIN neighbourhoods n ON n.id = r.neighbourhood_id
		  JOIN local_authorities a ON a.id = n.local_authority_id
		 WHERE r.user_id = $1 AND NOT r.flagged
		 ORDER BY r.created_at DESC
		 LIMIT $2`, userID, maxResidentProblemReports)
	if err != nil {
		return nil, wrap("resident problems", err)
	}
	var out []portal.ResidentProblem
	index := map[int64]int{}
	for _, r := range rows {
		k, ok := index[r.ProblemID]
		if !ok {
			k = len(out)
			index[r.ProblemID] = k
			out = append(out, portal.ResidentProblem{ProblemID: r.ProblemID, Category: r.Category,
				Neighbourhood: r.Neighbourhood, Area: r.Area, AreaName: r.AreaName})
		}
		// Newest first in the query; each problem lists its reports oldest first.
		out[k].Reports = append([]portal.ResidentProblemReport{r.report()}, out[k].Reports...)
	}
	return out, nil
}

// caseReviewEvidenceSQL finds, in one statement, a report's reporter (by
// account or by email address), their own reports about the same problem,
// and the policy in force in the report's local authority area. No policy,
// an anonymous reporter without an account, or a flagged report: no rows.
const caseReviewEvidenceSQL = `
	WITH me AS (
	    SELECT r.problem_id, r.user_id, r.reporter_email, r.category_id, r.neighbourhood_id, n.local_authority_id,
	           coalesce(NULLIF(r.reporter_email, ''), u.email, '') AS recipient
	      FROM reports r
	      JOIN neighbourhoods n ON n.id = r.neighbourhood_id
	      LEFT JOIN users u ON u.id = r.user_id AND u.disabled_at IS NULL
	     WHERE r.id = $1 AND NOT r.flagged AND (r.user_id IS NOT NULL OR r.reporter_email <> '')
	), cur AS (
	    SELECT p.id FROM case_review_policies p, me
	     WHERE p.local_authority_id = me.local_authority_id AND p.effective_from <= $2
	     ORDER BY p.effective_from DESC, p.version DESC
	     LIMIT 1
	)
	SELECT ` + policyColumns + `, a.name AS area_name, me.recipient,
	       o.id AS report_id, o.reference, o.occurred_on, o.created_at, o.hate,
	       o.case_review_notified_at IS NOT NULL AS notified, c.name AS category, n.name AS neighbourhood
	  FROM me
	  JOIN cur ON true
	  JOIN case_review_policies p ON p.id = cur.id
	  JOIN local_authorities a ON a.id = p.local_authority_id
	  JOIN categories c ON c.id = me.category_id
	  JOIN neighbourhoods n ON n.id = me.neighbourhood_id
	  JOIN reports o ON o.problem_id = me.problem_id AND NOT o.flagged
	       AND ((me.user_id IS NOT NULL AND o.user_id = me.user_id)
	         OR (me.reporter_email <> '' AND o.reporter_email = me.reporter_email))
	 ORDER BY o.created_at, o.id
	 LIMIT 500`

// CaseReviewEvidence gathers what the proactive notice needs about a
// report in one query: the area's policy in force on a date and the
// reporter's own reports about the same problem (same account or same
// email address). HasPolicy is false when there is nothing to evaluate.
func (s *Store) CaseReviewEvidence(ctx context.Context, reportID int64, on time.Time) (portal.CaseReviewEvidence, error) {
	var rows []struct {
		policyRow
		AreaName      string    `db:"area_name"`
		Recipient     string    `db:"recipient"`
		ReportID      int64     `db:"report_id"`
		Reference     string    `db:"reference"`
		OccurredOn    time.Time `db:"occurred_on"`
		CreatedAt     time.Time `db:"created_at"`
		Hate          string    `db:"hate"`
		Notified      bool      `db:"notified"`
		Category      string    `db:"category"`
		Neighbourhood string    `db:"neighbourhood"`
	}
	if err := s.db.SelectContext(ctx, &rows, caseReviewEvidenceSQL, reportID, on); err != nil {
		return portal.CaseReviewEvidence{}, wrap("case review evidence", err)
	}
	var ev portal.CaseReviewEvidence
	for i, r := range rows {
		if i == 0 {
			ev = portal.CaseReviewEvidence{Policy: r.policy(), HasPolicy: true, AreaName: r.AreaName, Recipient: r.Recipient,
				Problem: portal.ResidentProblem{Category: r.Category, Neighbourhood: r.Neighbourhood, Area: r.Area, AreaName: r.AreaName}}
		}
		ev.Notified = ev.Notified || r.Notified
		ev.Problem.Reports = append(ev.Problem.Reports, portal.ResidentProblemReport{ID: r.ReportID, Reference: r.Reference,
			OccurredOn: r.OccurredOn, CreatedAt: r.CreatedAt, Hate: r.Hate})
	}
	return ev, nil
}

// NotifyCaseReview marks the reports as having told their reporter that
// they may apply for a case review, and queues the email, once: it locks
// the reports first, so two submissions at once send one email. It reports
// whether this call sent it.
func (s *Store) NotifyCaseReview(ctx context.Context, reportIDs []int64, m portal.Email) (bool, error) {
	sent := false
	err := s.InTx(ctx, func(tx *Tx) error {
		var already int
		if err := tx.tx.GetContext(ctx, &already, `
			SELECT count(*) FILTER (WHERE notified IS NOT NULL) FROM (
			    SELECT case_review_notified_at AS notified FROM reports WHERE id = ANY($1) ORDER BY id FOR UPDATE
			) locked`, pq.Array(reportIDs)); err != nil {
			return wrap("lock reports for case review notice", err)
		}
		if already > 0 {
			return nil
		}
		if _, err := tx.tx.ExecContext(ctx, `UPDATE reports SET case_review_notified_at = now() WHERE id = ANY($1)`,
			pq.Array(reportIDs)); err != nil {
			return wrap("mark case review notice", err)
		}
		sent = true
		return tx.Enqueue(ctx, m)
	})
	return sent && err == nil, err
}

// CaseReviewNoticeArea returns the local authority area of a report whose
// reporter has been told that their reports about its problem may meet the
// case review threshold, or portal.ErrNotFound when they have not.
func (s *Store) CaseReviewNoticeArea(ctx context.Context, reportID int64) (string, error) {
	var area string
	err := s.db.GetContext(ctx, &area, `
		SELECT a.code
		  FROM reports r
		  JOIN neighbourhoods n ON n.id = r.neighbourhood_id
		  JOIN local_authorities a ON a.id = n.local_authority_id
		 WHERE r.id = $1 AND EXISTS (
		       SELECT 1 FROM reports o
		        WHERE o.problem_id = r.problem_id AND o.case_review_notified_at IS NOT NULL
		          AND ((r.user_id IS NOT NULL AND o.user_id = r.user_id)
		            OR (r.reporter_email <> '' AND o.reporter_email = r.reporter_email)))`, reportID)
	return area, wrap("case review notice", err)
}

// NewCaseReviewApplication is an application ready to store.
type NewCaseReviewApplication struct {
	Draft      *portal.CaseReviewDraft
	PolicyID   int // the policy version in force when it was made
	UserID     int64
	ReceivedOn time.Time
	// AckFor builds the acknowledgement email once the reference is known
	// (nil, or a nil result: none). It is queued in the same transaction.
	AckFor func(reference string) (*portal.Email, error)
}

// CreateCaseReviewApplication stores an application (status "received")
// with its incidents and queues its acknowledgement, all or nothing. The
// draft's key makes it idempotent: the same submission sent again returns
// the original reference and changes nothing.
func (s *Store) CreateCaseReviewApplication(ctx context.Context, a NewCaseReviewApplication) (string, error) {
	for attempt := 0; ; attempt++ {
		ref, err := s.insertApplication(ctx, a)
		if isUniqueViolation(err, "case_review_applications_reference_key") && attempt < 3 {
			continue // a new random reference clashed with an old one: draw again
		}
		return ref, err
	}
}

const insertApplicationSQL = `
	INSERT INTO case_review_applications (reference, idempotency_key, local_authority_id, policy_id,
	       applicant_user_id, applicant_name, applicant_email, applicant_phone, on_behalf, relationship, consent,
	       victim_kind, victim_name, summary, received_on)
	SELECT :reference, :key, p.local_authority_id, p.id, NULLIF(:user, 0), :name, lower(:email), :phone,
	       :on_behalf, :relationship, :consent, :victim_kind, :victim_name, :summary, :received_on
	  FROM case_review_policies p WHERE p.id = :policy_id
	ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
	RETURNING id, reference, (xmax = 0) AS inserted`

const insertApplicationIncidentSQL = `
	INSERT INTO case_review_incidents (application_id, report_id, incident, problem, occurred_on, reported_on,
	       agency, agency_reference, complainant, hate)
	VALUES (:application, (SELECT id FROM reports WHERE id = :report), :incident, :problem, :occurred_on,
	       :reported_on, :agency, :agency_reference, :complainant, :hate)`

func (s *Store) insertApplication(ctx context.Context, a NewCaseReviewApplication) (string, error) {
	d := a.Draft
	onBehalf, relationship := d.ForWhom == "other", ""
	if onBehalf {
		relationship = d.Relationship
	}
	params := map[string]any{"reference": portal.NewApplicationReference(), "key": d.Key, "policy_id": a.PolicyID,
		"user": a.UserID, "name": d.Name, "email": d.Email, "phone": d.Phone, "on_behalf": onBehalf,
		"relationship": relationship, "consent": onBehalf && d.Consent,
		"victim_kind": d.VictimKind, "victim_name": d.VictimName, "summary": d.Summary, "received_on": a.ReceivedOn}
	var out struct {
		ID        int64  `db:"id"`
		Reference string `db:"reference"`
		Inserted  bool   `db:"inserted"`
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		q, args, err := tx.tx.BindNamed(insertApplicationSQL, params)
		if err == nil {
			err = tx.tx.GetContext(ctx, &out, q, args...)
		}
		if err != nil || !out.Inserted {
			return wrap("create case review application", err)
		}
		for _, i := range d.Finished() {
			c := i.Complaint()
			if _, err := tx.tx.NamedExecContext(ctx, insertApplicationIncidentSQL, map[string]any{
				"application": out.ID, "report": i.ReportID, "incident": c.Incident, "problem": c.Problem,
				"occurred_on": c.OccurredOn, "reported_on": c.ReportedOn, "agency": c.Agency,
				"agency_reference": i.AgencyRef, "complainant": c.Complainant, "hate": c.Hate,
			}); err != nil {
				return wrap("add case review incident", err)
			}
		}
		if a.AckFor == nil {
			return nil
		}
		m, err := a.AckFor(out.Reference)
		if err != nil || m == nil {
			return err
		}
		return tx.Enqueue(ctx, *m)
	})
	return out.Reference, err
}

// CaseReviewApplicationByKey finds the reference of the application a
// submission with this idempotency key made.
func (s *Store) CaseReviewApplicationByKey(ctx context.Context, key string) (string, error) {
	var ref string
	err := s.db.GetContext(ctx, &ref, `SELECT reference FROM case_review_applications WHERE idempotency_key = $1`, key)
	return ref, wrap("case review application by key", err)
}

// MatchApplicant reports whether email is the address given with the
// application (applications without one match nothing).
func (s *Store) MatchApplicant(ctx context.Context, reference, email string) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM case_review_applications
		                WHERE reference = $1 AND applicant_email <> '' AND applicant_email = lower(trim($2)))`,
		reference, email)
	return ok, wrap("match applicant", err)
}

// IsApplicant reports whether the signed-in user made the application.
func (s *Store) IsApplicant(ctx context.Context, reference string, userID int64) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM case_review_applications WHERE reference = $1 AND applicant_user_id = $2)`,
		reference, userID)
	return ok, wrap("is applicant", err)
}
