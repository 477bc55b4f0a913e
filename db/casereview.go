package db

import (
	"context"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// policyRow is a case_review_policies row with its area's code.
type policyRow struct {
	ID                int       `db:"id"`
	Area              string    `db:"area"`
	Version           int       `db:"version"`
	EffectiveFrom     time.Time `db:"effective_from"`
	StatutoryN        int       `db:"statutory_n"`
	HateRoute         bool      `db:"hate_route"`
	MultiM            int       `db:"multi_m"`
	MultiK            int       `db:"multi_k"`
	DiscretionaryRole string    `db:"discretionary_role"`
	AcknowledgeDays   int       `db:"acknowledge_days"`
	DecisionDays      int       `db:"decision_days"`
	ReviewDays        int       `db:"review_days"`
	OutcomeDays       int       `db:"outcome_days"`
	AppealDays        int       `db:"appeal_days"`
	Contact           string    `db:"contact"`
	AppealRoute       string    `db:"appeal_route"`
}

const policyColumns = `p.id, a.code AS area, p.version, p.effective_from, p.statutory_n, p.hate_route,
	p.multi_m, p.multi_k, p.discretionary_role, p.acknowledge_days, p.decision_days, p.review_days,
	p.outcome_days, p.appeal_days, p.contact, p.appeal_route`

func (r policyRow) policy() portal.CaseReviewPolicy {
	return portal.CaseReviewPolicy{Area: r.Area, Version: r.Version, EffectiveFrom: r.EffectiveFrom,
		StatutoryN: r.StatutoryN, HateRoute: r.HateRoute, MultiM: r.MultiM, MultiK: r.MultiK,
		DiscretionaryRole: r.DiscretionaryRole, AcknowledgeDays: r.AcknowledgeDays, DecisionDays: r.DecisionDays,
		ReviewDays: r.ReviewDays, OutcomeDays: r.OutcomeDays, AppealDays: r.AppealDays,
		Contact: r.Contact, AppealRoute: r.AppealRoute}
}

// CaseReviewPolicy returns the version of a local authority area's policy
// in force on a date, and its row ID. An unknown area, or one without a
// policy on that date, answers portal.ErrNotFound.
func (s *Store) CaseReviewPolicy(ctx context.Context, area string, on time.Time) (portal.CaseReviewPolicy, int, error) {
	var row policyRow
	err := s.db.GetContext(ctx, &row, `
		SELECT `+policyColumns+`
		  FROM case_review_policies p JOIN local_authorities a ON a.id = p.local_authority_id
		 WHERE a.code = $1 AND p.effective_from <= $2
		 ORDER BY p.effective_from DESC, p.version DESC
		 LIMIT 1`, area, on)
	if err != nil {
		return portal.CaseReviewPolicy{}, 0, wrap("case review policy", err)
	}
	return row.policy(), row.ID, nil
}

// SaveCaseReviewPolicy stores p as the area's next version (p.Version is
// ignored) and returns the version number. Validate p first.
func (t *Tx) SaveCaseReviewPolicy(ctx context.Context, p portal.CaseReviewPolicy, by int64) (int, error) {
	var version int
	q, args, err := t.tx.BindNamed(`
		INSERT INTO case_review_policies (local_authority_id, version, effective_from, statutory_n, hate_route,
		       multi_m, multi_k, discretionary_role, acknowledge_days, decision_days, review_days, outcome_days,
		       appeal_days, contact, appeal_route, created_by)
		SELECT a.id, coalesce((SELECT max(version) FROM case_review_policies WHERE local_authority_id = a.id), 0) + 1,
		       :effective_from, :statutory_n, :hate_route, :multi_m, :multi_k, :discretionary_role,
		       :acknowledge_days, :decision_days, :review_days, :outcome_days, :appeal_days, :contact,
		       :appeal_route, NULLIF(:by, 0)
		  FROM local_authorities a WHERE a.code = :area
		RETURNING version`, map[string]any{
		"area": p.Area, "effective_from": p.EffectiveFrom, "statutory_n": p.StatutoryN, "hate_route": p.HateRoute,
		"multi_m": p.MultiM, "multi_k": p.MultiK, "discretionary_role": p.DiscretionaryRole,
		"acknowledge_days": p.AcknowledgeDays, "decision_days": p.DecisionDays, "review_days": p.ReviewDays,
		"outcome_days": p.OutcomeDays, "appeal_days": p.AppealDays, "contact": p.Contact,
		"appeal_route": p.AppealRoute, "by": by,
	})
	if err == nil {
		err = t.tx.GetContext(ctx, &version, q, args...)
	}
	return version, wrap("save case review policy", err)
}

// LoadDemoPolicies gives each demo local authority its demo policy, once.
func (s *Store) LoadDemoPolicies(ctx context.Context) (int, error) {
	added := 0
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, p := range portal.DemoPolicies() {
			var exists bool
			if err := tx.tx.GetContext(ctx, &exists, `
				SELECT EXISTS (SELECT 1 FROM case_review_policies p JOIN local_authorities a ON a.id = p.local_authority_id
				                WHERE a.code = $1)`, p.Area); err != nil {
				return wrap("demo policy exists", err)
			}
			if exists {
				continue
			}
			if _, err := tx.SaveCaseReviewPolicy(ctx, p, 0); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	return added, err
}
