-- The triage queue and the repeat flags (repeat victim, location, subject).

-- Vehicle registrations named in a report's vehicle details, normalised to
-- upper case without spaces ("ab12 cde" -> AB12CDE), in the current, prefix
-- and suffix formats. Dateless plates ("ABC 123") are left out: too easily
-- confused with other words and numbers.
CREATE FUNCTION beacon_vehicle_regs(vehicles text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT replace(m[1], ' ', '')), '{}')
      FROM regexp_matches(upper(vehicles),
           '\m([A-Z]{2}[0-9]{2} *[A-Z]{3}|[A-Z][0-9]{1,3} *[A-Z]{3}|[A-Z]{3} *[0-9]{1,3}[A-Z])\M', 'g') AS m
$$;

-- A description of people reduced to lower-case words, so that only the
-- same description written the same way matches. Descriptions are too
-- fuzzy for anything cleverer; short ones ("two men") are left out because
-- they would match strangers.
CREATE FUNCTION beacon_people_key(people text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(k) >= 20 THEN k ELSE '' END
      FROM (SELECT btrim(regexp_replace(lower(people), '[^[:alnum:]]+', ' ', 'g')) AS k) x
$$;

-- The order of the triage queue: high risk first.
CREATE FUNCTION beacon_risk_rank(risk text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE risk WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END
$$;

ALTER TABLE reports
    ADD COLUMN vehicle_regs text[] GENERATED ALWAYS AS (beacon_vehicle_regs(vehicles)) STORED,
    ADD COLUMN people_key   text   GENERATED ALWAYS AS (beacon_people_key(people)) STORED;

CREATE INDEX reports_vehicle_regs ON reports USING gin (vehicle_regs) WHERE vehicle_regs <> '{}';
CREATE INDEX reports_people_key ON reports (people_key, created_at) WHERE people_key <> '';
CREATE INDEX reports_user_created ON reports (user_id, created_at) WHERE user_id IS NOT NULL;

-- Each neighbourhood's queue in its own order, so a page is merged from
-- the first few entries of each neighbourhood in scope rather than sorted
-- from every open report.
CREATE INDEX reports_triage ON reports (neighbourhood_id, beacon_risk_rank(risk), created_at, id)
    WHERE status IN ('new', 'open', 'awaiting-information');
CREATE INDEX reports_triage_category ON reports (neighbourhood_id, category_id, beacon_risk_rank(risk), created_at, id)
    WHERE status IN ('new', 'open', 'awaiting-information');

-- The staff home's counts per status, oldest and overdue, read from the
-- index alone; and the reports assigned to someone, for "your reports".
CREATE INDEX reports_work ON reports (neighbourhood_id, status, created_at) INCLUDE (due_at, category_id, risk)
    WHERE status IN ('new', 'open', 'awaiting-information');
CREATE INDEX reports_assigned ON reports (assigned_to)
    WHERE assigned_to IS NOT NULL AND status IN ('new', 'open', 'awaiting-information');

-- The flags of several reports at once; db/flags.go applies the staff
-- member's scope and passes the thresholds (they are policy, kept in the
-- portal package). Each count looks only at the window up to the report
-- itself, stops at the threshold and uses an index. PL/pgSQL keeps the
-- query's plan for the connection: planning these correlated subqueries
-- costs several times more than running them, and JIT compilation more
-- still, so it is off.
CREATE FUNCTION beacon_report_flags(p_ids bigint[], p_victim_months integer, p_victim_reports integer,
        p_metres float8, p_location_days integer, p_location_reports integer,
        p_subject_months integer, p_subject_reports integer)
    RETURNS TABLE (report_id bigint, hate boolean, vulnerable boolean,
                   repeat_victim boolean, repeat_location boolean, repeat_subject boolean)
    LANGUAGE plpgsql STABLE ROWS 25 SET jit = off AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT r.id, r.hate = 'yes', btrim(r.vulnerability) <> '',
           (SELECT count(*) FROM (
                SELECT o.id FROM reports o
                 WHERE r.reporter_email <> '' AND o.reporter_email <> '' AND o.reporter_email = r.reporter_email
                   AND o.created_at > r.created_at - make_interval(months => p_victim_months)
                   AND o.created_at <= r.created_at AND NOT o.flagged
                UNION
                SELECT o.id FROM reports o
                 WHERE o.user_id = r.user_id
                   AND o.created_at > r.created_at - make_interval(months => p_victim_months)
                   AND o.created_at <= r.created_at AND NOT o.flagged
                LIMIT p_victim_reports) v) >= p_victim_reports,
           r.location IS NOT NULL AND (SELECT count(*) FROM (
                SELECT 1 FROM reports o
                 WHERE ST_DWithin(o.location::geography, r.location::geography, p_metres)
                   AND o.created_at > r.created_at - make_interval(days => p_location_days)
                   AND o.created_at <= r.created_at AND NOT o.flagged
                LIMIT p_location_reports) l) >= p_location_reports,
           EXISTS (SELECT 1 FROM unnest(r.vehicle_regs) AS reg(plate)
                    WHERE (SELECT count(*) FROM (
                        SELECT 1 FROM reports o
                         WHERE o.vehicle_regs <> '{}' AND o.vehicle_regs @> ARRAY[reg.plate]
                           AND o.created_at > r.created_at - make_interval(months => p_subject_months)
                           AND o.created_at <= r.created_at AND NOT o.flagged
                        LIMIT p_subject_reports) s) >= p_subject_reports)
           OR (r.people_key <> '' AND (SELECT count(*) FROM (
                SELECT 1 FROM reports o
                 WHERE o.people_key <> '' AND o.people_key = r.people_key
                   AND o.created_at > r.created_at - make_interval(months => p_subject_months)
                   AND o.created_at <= r.created_at AND NOT o.flagged
                LIMIT p_subject_reports) p) >= p_subject_reports)
      FROM reports r
     WHERE r.id = ANY(p_ids);
END
$$;
