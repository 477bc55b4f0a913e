-- The triage queue's repeat-location flag at scale.
--
-- "Repeat location" counts the reports within p_metres of a report in the
-- p_location_days before it. With only the geography index, each report
-- read from the table every report ever made within p_metres (at a busy
-- postcode, about a thousand over two years) to keep the few of its window:
-- 25 reports cost 25,000 page reads, most of the queue page's time with
-- 1,000,000 reports. This index holds the time as well (a single-instant
-- range, which GiST indexes without the btree_gist extension), so the scan
-- skips the reports outside the window inside the index and fetches only
-- the candidates. Spam never counts, so it is left out of the index.
CREATE INDEX reports_repeat_location ON reports
    USING gist ((location::geography), tstzrange(created_at, created_at, '[]'))
    WHERE NOT flagged;

-- beacon_report_flags as in migration 00011, but the repeat-location count
-- states its window as a range overlapping the one indexed above, the same
-- window as before: created_at in (r.created_at - p_location_days, r.created_at].
CREATE OR REPLACE FUNCTION beacon_report_flags(p_ids bigint[], p_victim_months integer, p_victim_reports integer,
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
                   AND tstzrange(o.created_at, o.created_at, '[]')
                       && tstzrange(r.created_at - make_interval(days => p_location_days), r.created_at, '(]')
                   AND NOT o.flagged
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
