-- Working a report: staff actions recorded on the report's timeline.

-- Each staff action writes a timeline entry carrying the form's idempotency
-- key, so the same form sent twice (a double click, a retried request) is
-- acted on once.
ALTER TABLE report_events ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX report_events_idempotency ON report_events (idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Staff-only kinds of entry: risk assessed, assigned, category changed,
-- marked as a duplicate, linked to a case. Only what the reporter may read
-- (submitted, status, reply, information) can ever be public.
ALTER TABLE report_events DROP CONSTRAINT report_events_kind_check;
ALTER TABLE report_events ADD CONSTRAINT report_events_kind_check
    CHECK (kind IN ('submitted', 'status', 'reply', 'information', 'note',
                    'risk', 'assigned', 'category', 'duplicate', 'case'));
ALTER TABLE report_events ADD CONSTRAINT report_events_staff_only
    CHECK (NOT public OR kind IN ('submitted', 'status', 'reply', 'information'));

-- "Duplicates of this report" on the staff report page.
CREATE INDEX reports_duplicate_of ON reports (duplicate_of) WHERE duplicate_of IS NOT NULL;
