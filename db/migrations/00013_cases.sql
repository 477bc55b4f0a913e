-- Case work: every form that adds something to a case carries an
-- idempotency key, so the same form sent twice (a double click, a retried
-- request) adds it once. Keys are 128 random bits, so one unique column per
-- table is enough (NULL for rows made without a form).
ALTER TABLE cases ADD COLUMN idempotency_key text UNIQUE;
ALTER TABLE case_notes ADD COLUMN idempotency_key text UNIQUE;
ALTER TABLE case_reviews ADD COLUMN idempotency_key text UNIQUE;
ALTER TABLE interventions ADD COLUMN idempotency_key text UNIQUE;

-- Case references look like report references, so they can be read over
-- the phone and cannot be guessed.
ALTER TABLE cases ADD CONSTRAINT cases_reference_format
    CHECK (reference ~ '^CASE-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$');

-- A case's reviews (newest first) and partner notes (in order).
CREATE INDEX case_reviews_case ON case_reviews (case_id, reviewed_at DESC);
CREATE INDEX case_notes_case ON case_notes (case_id, created_at);
