package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The coordinators' side of the ASB Case Review: the queue, an application
// as a coordinator works it, its changes, policy versions and the bank
// holidays administrators add. Coordinators see the local authority areas
// that overlap their neighbourhoods; the scope is applied in the SQL.

// inCaseReviewScope limits a query on local authority column la to the
// areas that overlap the scope's neighbourhoods (:all, :areas).
func inCaseReviewScope(la string) string {
	return `(:all OR ` + la + ` IN (SELECT n.local_authority_id FROM neighbourhoods n WHERE n.id = ANY(:areas)))`
}

// CaseReviewAreasInScope lists the local authority areas a scope overlaps,
// by name, saying which have a policy in force on a date.
func (s *Store) CaseReviewAreasInScope(ctx context.Context, scope portal.Scope, on time.Time) ([]portal.CaseReviewArea, error) {
	var rows []struct {
		Code      string `db:"code"`
		Name      string `db:"name"`
		HasPolicy bool   `db:"has_policy"`
	}
	q, args, err := s.db.BindNamed(`
		SELECT a.code, a.name,
		       EXISTS (SELECT 1 FROM case_review_policies p
		                WHERE p.local_authority_id = a.id AND p.effective_from <= :on) AS has_policy
		  FROM local_authorities a
		 WHERE `+inCaseReviewScope("a.id")+`
		 ORDER BY a.name, a.code`, scopeArgs(scope, map[string]any{"on": on}))
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, wrap("case review areas in scope", err)
	}
	out := make([]portal.CaseReviewArea, len(rows))
	for i, r := range rows {
		out[i] = portal.CaseReviewArea{Code: r.Code, Name: r.Name, HasPolicy: r.HasPolicy}
	}
	return out, nil
}

// CaseReviewQueueFilter selects applications; zero fields match all.
type CaseReviewQueueFilter struct {
	Statuses []portal.ApplicationStatus
	Area     string // local authority code
}

// maxCaseReviewQueue bounds the queue: areas receive a few dozen
// applications a year.
const maxCaseReviewQueue = 1000

// applicationSummaryRow is an application with its policy's timescales.
type applicationSummaryRow struct {
	policyRow
	Reference      string     `db:"reference"`
	AreaName       string     `db:"area_name"`
	Status         string     `db:"status"`
	ReceivedOn     time.Time  `db:"received_on"`
	AcknowledgedAt *time.Time `db:"acknowledged_at"`
	Decision       string     `db:"decision"`
	DecidedAt      *time.Time `db:"decided_at"`
	MeetingOn      *time.Time `db:"meeting_on"`
	OutcomeAt      *time.Time `db:"outcome_at"`
	AppealedAt     *time.Time `db:"appealed_at"`
}

const applicationSummaryColumns = policyColumns + `, c.reference, a.name AS area_name, c.status, c.received_on,
	c.acknowledged_at, c.decision, c.decided_at, c.meeting_on, c.outcome_at, c.appealed_at`

const applicationFrom = `
	  FROM case_review_applications c
	  JOIN case_review_policies p ON p.id = c.policy_id
	  JOIN local_authorities a ON a.id = c.local_authority_id`

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func (r applicationSummaryRow) progress() portal.ApplicationProgress {
	return portal.ApplicationProgress{Status: portal.ApplicationStatus(r.Status), ReceivedOn: r.ReceivedOn,
		AcknowledgedAt: deref(r.AcknowledgedAt), Decision: r.Decision, DecidedAt: deref(r.DecidedAt),
		MeetingOn: deref(r.MeetingOn), OutcomeAt: deref(r.OutcomeAt), AppealedAt: deref(r.AppealedAt)}
}

// CaseReviewQueue lists the applications in a scope's areas, oldest first.
func (s *Store) CaseReviewQueue(ctx context.Context, scope portal.Scope, f CaseReviewQueueFilter) ([]portal.ApplicationSummary, error) {
	statuses := make([]string, len(f.Statuses))
	for i, st := range f.Statuses {
		statuses[i] = string(st)
	}
	var rows []applicationSummaryRow
	q, args, err := s.db.BindNamed(`SELECT `+applicationSummaryColumns+applicationFrom+`
		 WHERE `+inCaseReviewScope("c.local_authority_id")+`
		   AND (cardinality(CAST(:statuses AS text[])) = 0 OR c.status = ANY(:statuses))
		   AND (:area = '' OR a.code = :area)
		 ORDER BY c.received_on, c.id
		 LIMIT :limit`, scopeArgs(scope, map[string]any{"statuses": pq.Array(statuses), "area": f.Area,
		"limit": maxCaseReviewQueue}))
	if err == nil {
		err = s.db.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, wrap("case review queue", err)
	}
	out := make([]portal.ApplicationSummary, len(rows))
	for i, r := range rows {
		out[i] = portal.ApplicationSummary{Reference: r.Reference, AreaCode: r.Area, AreaName: r.AreaName,
			Policy: r.policy(), Progress: r.progress()}
	}
	return out, nil
}

// applicationRow is an application as a coordinator works it.
type applicationRow struct {
	applicationSummaryRow
	AppID               int64          `db:"app_id"`
	ApplicantName       string         `db:"applicant_name"`
	ApplicantEmail      string         `db:"applicant_email"`
	ApplicantPhone      string         `db:"applicant_phone"`
	OnBehalf            bool           `db:"on_behalf"`
	Relationship        string         `db:"relationship"`
	Consent             bool           `db:"consent"`
	VictimKind          string         `db:"victim_kind"`
	VictimName          string         `db:"victim_name"`
	Summary             string         `db:"summary"`
	DecisionRoute       string         `db:"decision_route"`
	DecisionReasons     string         `db:"decision_reasons"`
	DecidedByID         int64          `db:"decided_by"`
	DecidedBy           string         `db:"decided_by_name"`
	MeetingAgencies     pq.StringArray `db:"meeting_agencies"`
	VictimInvited       sql.NullBool   `db:"victim_invited"`
	VictimNotInvitedWhy string         `db:"victim_not_invited_why"`
	OutcomeSummary      string         `db:"outcome_summary"`
	AppealReason        string         `db:"appeal_reason"`
	AppealOutcome       string         `db:"appeal_outcome"`
	ClosedAt            *time.Time     `db:"closed_at"`
}

// auditCloseAction is the audit action of closing an application; the
// audit log is where the closing time is kept.
const auditCloseAction = "casereview.close"

const applicationColumns = applicationSummaryColumns + `, c.id AS app_id, c.applicant_name, c.applicant_email,
	c.applicant_phone, c.on_behalf, c.relationship, c.consent, c.victim_kind, c.victim_name, c.summary,
	c.decision_route, c.decision_reasons, coalesce(c.decided_by, 0) AS decided_by,
	coalesce((SELECT coalesce(NULLIF(u.display_name, ''), u.email) FROM users u WHERE u.id = c.decided_by), '') AS decided_by_name,
	c.meeting_agencies, c.victim_invited, c.victim_not_invited_why, c.outcome_summary, c.appeal_reason,
	c.appeal_outcome,
	(SELECT max(l.at) FROM audit_log l WHERE l.action = '` + auditCloseAction + `'
	    AND l.target_type = 'casereview' AND l.target_id = c.reference) AS closed_at`

func (r applicationRow) record() portal.ApplicationRecord {
	rec := portal.ApplicationRecord{ID: r.AppID, Reference: r.Reference, AreaCode: r.Area, AreaName: r.AreaName,
		PolicyID: r.ID, Policy: r.policy(), Progress: r.progress(),
		ApplicantName: r.ApplicantName, ApplicantEmail: r.ApplicantEmail, ApplicantPhone: r.ApplicantPhone,
		OnBehalf: r.OnBehalf, Relationship: r.Relationship, Consent: r.Consent, VictimKind: r.VictimKind,
		VictimName: r.VictimName, Summary: r.Summary, DecisionRoute: r.DecisionRoute, DecisionReasons: r.DecisionReasons,
		DecidedByID: r.DecidedByID, DecidedBy: r.DecidedBy, MeetingAgencies: r.MeetingAgencies,
		VictimNotInvitedWhy: r.VictimNotInvitedWhy, OutcomeSummary: r.OutcomeSummary, AppealReason: r.AppealReason,
		AppealOutcome: r.AppealOutcome, ClosedAt: deref(r.ClosedAt)}
	if r.VictimInvited.Valid {
		rec.VictimInvited = map[bool]string{true: "yes", false: "no"}[r.VictimInvited.Bool]
	}
	return rec
}

// StaffCaseReviewApplication returns an application with its incidents and
// recommendations if the scope covers its area; otherwise
// portal.ErrNotFound, exactly as for a missing one.
func (s *Store) StaffCaseReviewApplication(ctx context.Context, ref string, scope portal.Scope) (portal.ApplicationRecord, error) {
	return staffApplication(ctx, s.db, ref, scope, "")
}

// StaffCaseReviewApplication reads and locks an application for a change,
// if the scope covers its area; otherwise portal.ErrNotFound.
func (t *Tx) StaffCaseReviewApplication(ctx context.Context, ref string, scope portal.Scope) (portal.ApplicationRecord, error) {
	return staffApplication(ctx, t.tx, ref, scope, " FOR UPDATE OF c")
}

func staffApplication(ctx context.Context, x execer, ref string, scope portal.Scope, lock string) (portal.ApplicationRecord, error) {
	var row applicationRow
	q, args, err := sqlx.BindNamed(sqlx.DOLLAR, `SELECT `+applicationColumns+applicationFrom+`
		 WHERE c.reference = :ref AND `+inCaseReviewScope("c.local_authority_id")+lock,
		scopeArgs(scope, map[string]any{"ref": ref}))
	if err == nil {
		err = x.GetContext(ctx, &row, q, args...)
	}
	if err != nil {
		return portal.ApplicationRecord{}, wrap("case review application", err)
	}
	rec := row.record()
	if rec.Incidents, err = applicationIncidents(ctx, x, rec.ID); err != nil {
		return rec, err
	}
	rec.Recommendations, err = applicationRecommendations(ctx, x, rec.ID)
	return rec, err
}

func applicationIncidents(ctx context.Context, x execer, id int64) ([]portal.ApplicationIncident, error) {
	var rows []struct {
		Incident        string    `db:"incident"`
		Problem         string    `db:"problem"`
		OccurredOn      time.Time `db:"occurred_on"`
		ReportedOn      time.Time `db:"reported_on"`
		Agency          string    `db:"agency"`
		AgencyReference string    `db:"agency_reference"`
		Complainant     string    `db:"complainant"`
		Hate            bool      `db:"hate"`
		Report          string    `db:"report"`
	}
	err := x.SelectContext(ctx, &rows, `
		SELECT i.incident, i.problem, i.occurred_on, i.reported_on, i.agency, i.agency_reference, i.complainant,
		       i.hate, coalesce(r.reference, '') AS report
		  FROM case_review_incidents i LEFT JOIN reports r ON r.id = i.report_id
		 WHERE i.application_id = $1
		 ORDER BY i.occurred_on, i.id`, id)
	if err != nil {
		return nil, wrap("case review incidents", err)
	}
	out := make([]portal.ApplicationIncident, len(rows))
	for i, r := range rows {
		out[i] = portal.ApplicationIncident{Complaint: portal.Complaint{Incident: r.Incident, Problem: r.Problem,
			OccurredOn: r.OccurredOn, ReportedOn: r.ReportedOn, Agency: r.Agency, Complainant: r.Complainant, Hate: r.Hate},
			ReportReference: r.Report, AgencyReference: r.AgencyReference}
	}
	return out, nil
}

func applicationRecommendations(ctx context.Context, x execer, id int64) ([]portal.Recommendation, error) {
	var rows []struct {
		Agency string     `db:"agency"`
		Action string     `db:"action"`
		DueOn  *time.Time `db:"due_on"`
	}
	err := x.SelectContext(ctx, &rows, `
		SELECT agency, action, due_on FROM case_review_recommendations WHERE application_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, wrap("case review recommendations", err)
	}
	out := make([]portal.Recommendation, len(rows))
	for i, r := range rows {
		out[i] = portal.Recommendation{Agency: r.Agency, Action: r.Action, DueOn: deref(r.DueOn)}
	}
	return out, nil
}

// ErrStaleApplication means the application changed between reading and
// writing it; it wraps portal.ErrConflict.
var ErrStaleApplication = fmt.Errorf("db: the case review application changed meanwhile: %w", portal.ErrConflict)

// SaveApplicationProgress writes an application's process fields as the
// record now holds them, provided its status is still from (read with the
// locking StaffCaseReviewApplication in the same transaction).
func (t *Tx) SaveApplicationProgress(ctx context.Context, a portal.ApplicationRecord, from portal.ApplicationStatus) error {
	var invited any
	if a.VictimInvited != "" {
		invited = a.VictimInvited == "yes"
	}
	pr := a.Progress
	res, err := t.tx.NamedExecContext(ctx, `
		UPDATE case_review_applications
		   SET status = :status, acknowledged_at = :acknowledged_at, decision = :decision,
		       decision_route = :decision_route, decision_reasons = :decision_reasons, decided_at = :decided_at,
		       decided_by = NULLIF(:decided_by, 0), meeting_on = :meeting_on, meeting_agencies = :meeting_agencies,
		       victim_invited = :victim_invited, victim_not_invited_why = :victim_not_invited_why,
		       outcome_summary = :outcome_summary, outcome_at = :outcome_at, appeal_reason = :appeal_reason,
		       appealed_at = :appealed_at, appeal_outcome = :appeal_outcome
		 WHERE id = :id AND status = :from`, map[string]any{
		"id": a.ID, "from": string(from), "status": string(pr.Status), "acknowledged_at": nullTime(pr.AcknowledgedAt),
		"decision": pr.Decision, "decision_route": a.DecisionRoute, "decision_reasons": a.DecisionReasons,
		"decided_at": nullTime(pr.DecidedAt), "decided_by": a.DecidedByID, "meeting_on": nullTime(pr.MeetingOn),
		"meeting_agencies": pq.Array(nonNil(a.MeetingAgencies)), "victim_invited": invited,
		"victim_not_invited_why": a.VictimNotInvitedWhy, "outcome_summary": a.OutcomeSummary,
		"outcome_at": nullTime(pr.OutcomeAt), "appeal_reason": a.AppealReason, "appealed_at": nullTime(pr.AppealedAt),
		"appeal_outcome": a.AppealOutcome,
	})
	if err != nil {
		return wrap("save case review application", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStaleApplication
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AddRecommendations stores a review's recommendations.
func (t *Tx) AddRecommendations(ctx context.Context, applicationID int64, recs []portal.Recommendation) error {
	for _, r := range recs {
		if _, err := t.tx.ExecContext(ctx, `
			INSERT INTO case_review_recommendations (application_id, agency, action, due_on) VALUES ($1, $2, $3, $4)`,
			applicationID, r.Agency, r.Action, nullTime(r.DueOn)); err != nil {
			return wrap("add case review recommendation", err)
		}
	}
	return nil
}

// CaseReviewSchedule returns what an application's milestones depend on,
// for the applicant's page. It does not check who is asking: the caller
// must already have shown the application belongs to them.
func (s *Store) CaseReviewSchedule(ctx context.Context, ref string) (portal.ApplicationSchedule, error) {
	var row applicationSummaryRow
	err := s.db.GetContext(ctx, &row, `SELECT `+applicationSummaryColumns+applicationFrom+` WHERE c.reference = $1`, ref)
	if err != nil {
		return portal.ApplicationSchedule{}, wrap("case review schedule", err)
	}
	hol, err := s.ExtraHolidays(ctx)
	return portal.ApplicationSchedule{Progress: row.progress(), Policy: row.policy(), Holidays: hol}, err
}

// CaseReviewPolicyVersions lists an area's policy versions, newest first,
// with their procedures and who saved them.
func (s *Store) CaseReviewPolicyVersions(ctx context.Context, area string) ([]portal.PolicyVersion, error) {
	var rows []struct {
		policyRow
		Procedure string    `db:"procedure"`
		CreatedAt time.Time `db:"created_at"`
		CreatedBy string    `db:"created_by_name"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT `+policyColumns+`, p.procedure, p.created_at,
		       coalesce((SELECT coalesce(NULLIF(u.display_name, ''), u.email) FROM users u WHERE u.id = p.created_by), '') AS created_by_name
		  FROM case_review_policies p JOIN local_authorities a ON a.id = p.local_authority_id
		 WHERE a.code = $1
		 ORDER BY p.version DESC`, area)
	if err != nil {
		return nil, wrap("case review policy versions", err)
	}
	out := make([]portal.PolicyVersion, len(rows))
	for i, r := range rows {
		out[i] = portal.PolicyVersion{ID: r.ID, Policy: r.policy(), Procedure: r.Procedure, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy}
	}
	return out, nil
}

// SavePolicyVersion stores p, with its published procedure, as its area's
// next version and returns the version number. Validate p first.
func (t *Tx) SavePolicyVersion(ctx context.Context, p portal.CaseReviewPolicy, procedure string, by int64) (int, error) {
	version, err := t.SaveCaseReviewPolicy(ctx, p, by)
	if err != nil {
		return 0, err
	}
	_, err = t.tx.ExecContext(ctx, `
		UPDATE case_review_policies SET procedure = $3
		 WHERE version = $2 AND local_authority_id = (SELECT id FROM local_authorities WHERE code = $1)`,
		p.Area, version, procedure)
	return version, wrap("save case review procedure", err)
}

// LockCaseReviewArea takes a lock on an area's policy for the rest of the
// transaction, so two coordinators saving at once get consecutive versions
// rather than a clash.
func (t *Tx) LockCaseReviewArea(ctx context.Context, area string) error {
	var id int
	err := t.tx.GetContext(ctx, &id, `SELECT id FROM local_authorities WHERE code = $1 FOR UPDATE`, area)
	return wrap("lock case review area", err)
}

// AddedBankHolidays lists the bank holidays administrators added, by date.
func (s *Store) AddedBankHolidays(ctx context.Context) ([]portal.BankHoliday, error) {
	var rows []struct {
		Day  time.Time `db:"day"`
		Name string    `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT day, name FROM bank_holidays ORDER BY day`); err != nil {
		return nil, wrap("bank holidays", err)
	}
	out := make([]portal.BankHoliday, len(rows))
	for i, r := range rows {
		out[i] = portal.BankHoliday{Day: r.Day, Name: r.Name, Added: true}
	}
	return out, nil
}

// ExtraHolidays is the set of added bank holidays, for counting working days.
func (s *Store) ExtraHolidays(ctx context.Context) (portal.Holidays, error) {
	var days []time.Time
	if err := s.db.SelectContext(ctx, &days, `SELECT day FROM bank_holidays`); err != nil {
		return nil, wrap("extra holidays", err)
	}
	return portal.NewHolidays(days...), nil
}

// AddBankHoliday adds a bank holiday; one already added on that date
// answers portal.ErrConflict.
func (t *Tx) AddBankHoliday(ctx context.Context, day time.Time, name string) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO bank_holidays (day, name) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING`,
		day.Format(time.DateOnly), name)
	if err != nil {
		return wrap("add bank holiday", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("db: add bank holiday: %w", portal.ErrConflict)
	}
	return nil
}

// RemoveBankHoliday removes an added bank holiday; one that is not there
// answers portal.ErrNotFound.
func (t *Tx) RemoveBankHoliday(ctx context.Context, day time.Time) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM bank_holidays WHERE day = $1`, day.Format(time.DateOnly))
	if err != nil {
		return wrap("remove bank holiday", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("db: remove bank holiday: %w", portal.ErrNotFound)
	}
	return nil
}

// LatestPolicyVersion returns an area's most recently saved policy version
// with its procedure, read in the transaction (after LockCaseReviewArea, so
// a version saved by a request that held the lock first is seen); false when
// the area has none.
func (t *Tx) LatestPolicyVersion(ctx context.Context, area string) (portal.PolicyVersion, bool, error) {
	var row struct {
		policyRow
		Procedure string    `db:"procedure"`
		CreatedAt time.Time `db:"created_at"`
	}
	err := t.tx.GetContext(ctx, &row, `
		SELECT `+policyColumns+`, p.procedure, p.created_at
		  FROM case_review_policies p JOIN local_authorities a ON a.id = p.local_authority_id
		 WHERE a.code = $1
		 ORDER BY p.version DESC
		 LIMIT 1`, area)
	if errors.Is(err, sql.ErrNoRows) {
		return portal.PolicyVersion{}, false, nil
	}
	if err != nil {
		return portal.PolicyVersion{}, false, wrap("latest case review policy", err)
	}
	return portal.PolicyVersion{ID: row.ID, Policy: row.policy(), Procedure: row.Procedure, CreatedAt: row.CreatedAt}, true, nil
}
