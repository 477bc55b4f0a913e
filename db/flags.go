package db

import (
	"context"
	"fmt"

	"github.com/beacon-portal/beacon/portal"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// flagsSQL computes the flags of the reports with ids in :ids that the
// scope covers, in one statement: the scope is applied here, the counting
// is done by beacon_report_flags (migration 00011, its repeat-location
// count redone in 00024). Each repeat count there looks only at the window
// up to the report itself (so a report's flags do not change after it
// arrived), stops counting at the threshold, and uses an index each:
// reporter email and account, the geography of the location with the time
// (so a busy place's older reports are skipped in the index), vehicle
// registrations, people descriptions. Spam (flagged
// reports) never counts. The function is PL/pgSQL so that its query is
// planned once per connection: planning its correlated subqueries costs
// several times more than running them.
const flagsSQL = `
	SELECT f.report_id, f.hate, f.vulnerable, f.repeat_victim, f.repeat_location, f.repeat_subject
	  FROM beacon_report_flags(
	           ARRAY(SELECT r.id FROM reports r WHERE r.id = ANY(:ids) AND (:all OR r.neighbourhood_id = ANY(:areas))),` +
	flagThresholds + `) f`

// flagThresholds are beacon_report_flags's arguments after the report IDs
// (the triage queue calls it too, in queueSQL).
const flagThresholds = `
	CAST(:victim_months AS integer), CAST(:victim_reports AS integer), CAST(:metres AS float8),
	CAST(:location_days AS integer), CAST(:location_reports AS integer),
	CAST(:subject_months AS integer), CAST(:subject_reports AS integer)`

// flagsArgs are flagsSQL's parameters.
func flagsArgs(ids []int64, scope portal.Scope) map[string]any {
	return scopeArgs(scope, flagThresholdArgs(map[string]any{"ids": pq.Array(ids)}))
}

// flagThresholdArgs adds flagThresholds's parameters: they are portal policy.
func flagThresholdArgs(args map[string]any) map[string]any {
	args["victim_months"], args["victim_reports"] = portal.RepeatVictimMonths, portal.RepeatVictimReports
	args["metres"], args["location_days"] = portal.RepeatLocationMetres, portal.RepeatLocationDays
	args["location_reports"] = portal.RepeatLocationReports
	args["subject_months"], args["subject_reports"] = portal.RepeatSubjectMonths, portal.RepeatSubjectReports
	return args
}

// reportFlags computes the flags of several reports in one query, keyed by
// report ID; reports outside the scope are left out.
func reportFlags(ctx context.Context, x execer, ids []int64, scope portal.Scope) (map[int64]portal.ReportFlags, error) {
	out := make(map[int64]portal.ReportFlags, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID             int64 `db:"report_id"`
		Hate           bool  `db:"hate"`
		Vulnerable     bool  `db:"vulnerable"`
		RepeatVictim   bool  `db:"repeat_victim"`
		RepeatLocation bool  `db:"repeat_location"`
		RepeatSubject  bool  `db:"repeat_subject"`
	}
	q, args, err := sqlx.BindNamed(sqlx.DOLLAR, flagsSQL, flagsArgs(ids, scope))
	if err == nil {
		err = x.SelectContext(ctx, &rows, q, args...)
	}
	if err != nil {
		return nil, wrap("report flags", err)
	}
	for _, r := range rows {
		out[r.ID] = portal.ReportFlags{Hate: r.Hate, Vulnerable: r.Vulnerable, RepeatVictim: r.RepeatVictim,
			RepeatLocation: r.RepeatLocation, RepeatSubject: r.RepeatSubject}
	}
	return out, nil
}

// ReportFlags returns the flags of one report, for its staff page. A report
// outside the scope answers portal.ErrNotFound, exactly like a missing one.
func (s *Store) ReportFlags(ctx context.Context, scope portal.Scope, reportID int64) (portal.ReportFlags, error) {
	flags, err := reportFlags(ctx, s.db, []int64{reportID}, scope)
	if err != nil {
		return portal.ReportFlags{}, err
	}
	f, ok := flags[reportID]
	if !ok {
		return portal.ReportFlags{}, fmt.Errorf("db: report flags: %w", portal.ErrNotFound)
	}
	return f, nil
}

// ReportsFlags returns the flags of several reports at once (a page of a
// list), keyed by report ID; reports outside the scope are left out.
func (s *Store) ReportsFlags(ctx context.Context, scope portal.Scope, reportIDs []int64) (map[int64]portal.ReportFlags, error) {
	var out map[int64]portal.ReportFlags
	err := s.readOnly(ctx, func(x execer) error {
		var err error
		out, err = reportFlags(ctx, x, reportIDs, scope)
		return err
	})
	return out, err
}

// RepeatVictimBefore reports whether a report arriving now from this email
// address or account would make its reporter a repeat victim: whether they
// made at least portal.RepeatVictimReports-1 reports in the
// portal.RepeatVictimMonths before it. The initial risk is raised for them;
// CreateReport runs the same check (repeatVictimSQL) inside its statement.
func (s *Store) RepeatVictimBefore(ctx context.Context, email string, userID int64) (bool, error) {
	if email == "" && userID == 0 {
		return false, nil
	}
	params := map[string]any{}
	repeatVictimParams(params, email, userID)
	var yes bool
	q, args, err := s.db.BindNamed(repeatVictimSQL, params)
	if err == nil {
		err = s.db.GetContext(ctx, &yes, q, args...)
	}
	if err != nil {
		return false, wrap("repeat victim", err)
	}
	return yes, nil
}

// repeatVictimSQL is true when :victim_email or :victim_user made at least
// :victim_before reports in the last :victim_months (flagged ones aside).
const repeatVictimSQL = `
	SELECT count(*) >= CAST(:victim_before AS int) FROM (
	    SELECT o.id FROM reports o
	     WHERE :victim_email <> '' AND o.reporter_email <> '' AND o.reporter_email = lower(:victim_email)
	       AND o.created_at > now() - make_interval(months => CAST(:victim_months AS int)) AND NOT o.flagged
	    UNION
	    SELECT o.id FROM reports o
	     WHERE o.user_id = :victim_user
	       AND o.created_at > now() - make_interval(months => CAST(:victim_months AS int)) AND NOT o.flagged
	    LIMIT CAST(:victim_before AS int)) v`

// repeatVictimParams adds repeatVictimSQL's parameters.
func repeatVictimParams(params map[string]any, email string, userID int64) {
	params["victim_email"], params["victim_user"] = email, userID
	params["victim_months"], params["victim_before"] = portal.RepeatVictimMonths, portal.RepeatVictimReports-1
}
