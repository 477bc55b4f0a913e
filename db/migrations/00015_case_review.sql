-- The ASB Case Review ("community trigger"): each local authority area's
-- policy (versioned), applications and their statutory milestones, and the
-- bank holidays that working-day timescales skip.

CREATE TABLE case_review_policies (
    id                 serial PRIMARY KEY,
    local_authority_id integer NOT NULL REFERENCES local_authorities (id),
    version            integer NOT NULL CHECK (version >= 1),
    effective_from     date NOT NULL,
    statutory_n        integer NOT NULL CHECK (statutory_n BETWEEN 1 AND 3),
    hate_route         boolean NOT NULL DEFAULT false,
    multi_m            integer NOT NULL DEFAULT 0 CHECK (multi_m >= 0),
    multi_k            integer NOT NULL DEFAULT 0 CHECK (multi_k >= 0),
    discretionary_role text NOT NULL DEFAULT '',
    acknowledge_days   integer NOT NULL DEFAULT 5,
    decision_days      integer NOT NULL DEFAULT 10,
    review_days        integer NOT NULL DEFAULT 20,
    outcome_days       integer NOT NULL DEFAULT 5,
    appeal_days        integer NOT NULL DEFAULT 20,
    contact            text NOT NULL DEFAULT '',
    appeal_route       text NOT NULL DEFAULT '',
    procedure          text NOT NULL DEFAULT '',
    created_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (local_authority_id, version)
);

-- Bank holidays added by admins, beyond the England and Wales list built
-- into Beacon (2024–2030).
CREATE TABLE bank_holidays (
    day  date PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE case_review_applications (
    id                     bigserial PRIMARY KEY,
    reference              text NOT NULL UNIQUE,
    idempotency_key        text NOT NULL UNIQUE,
    local_authority_id     integer NOT NULL REFERENCES local_authorities (id),
    policy_id              integer NOT NULL REFERENCES case_review_policies (id),
    applicant_user_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    applicant_name         text NOT NULL,
    applicant_email        text NOT NULL DEFAULT '',
    applicant_phone        text NOT NULL DEFAULT '',
    on_behalf              boolean NOT NULL DEFAULT false,
    relationship           text NOT NULL DEFAULT '',
    consent                boolean NOT NULL DEFAULT false,
    victim_kind            text NOT NULL DEFAULT 'person' CHECK (victim_kind IN ('person', 'business', 'community_group')),
    victim_name            text NOT NULL DEFAULT '',
    summary                text NOT NULL DEFAULT '',
    status                 text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'acknowledged',
                               'threshold_met', 'threshold_not_met', 'review_held', 'outcome_sent', 'appealed', 'closed')),
    received_on            date NOT NULL,
    acknowledged_at        timestamptz,
    decision               text NOT NULL DEFAULT '' CHECK (decision IN ('', 'met', 'not_met')),
    decision_route         text NOT NULL DEFAULT '',
    decision_reasons       text NOT NULL DEFAULT '',
    decided_at             timestamptz,
    decided_by             bigint REFERENCES users (id) ON DELETE SET NULL,
    meeting_on             date,
    meeting_agencies       text[] NOT NULL DEFAULT '{}',
    victim_invited         boolean,
    victim_not_invited_why text NOT NULL DEFAULT '',
    outcome_summary        text NOT NULL DEFAULT '',
    outcome_at             timestamptz,
    appeal_reason          text NOT NULL DEFAULT '',
    appealed_at            timestamptz,
    appeal_outcome         text NOT NULL DEFAULT '',
    created_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (NOT on_behalf OR consent)
);
CREATE INDEX case_review_applications_area ON case_review_applications (local_authority_id, received_on);
CREATE INDEX case_review_applications_user ON case_review_applications (applicant_user_id) WHERE applicant_user_id IS NOT NULL;

-- The incidents an application relies on: Beacon reports, or complaints made
-- elsewhere (council, housing provider) with their reference numbers.
CREATE TABLE case_review_incidents (
    id              bigserial PRIMARY KEY,
    application_id  bigint NOT NULL REFERENCES case_review_applications (id) ON DELETE CASCADE,
    report_id       bigint REFERENCES reports (id) ON DELETE SET NULL,
    incident        text NOT NULL,
    problem         text NOT NULL,
    occurred_on     date NOT NULL,
    reported_on     date NOT NULL,
    agency          text NOT NULL CHECK (agency IN ('police', 'council', 'housing', 'health', 'other')),
    agency_reference text NOT NULL DEFAULT '',
    complainant     text NOT NULL DEFAULT '',
    hate            boolean NOT NULL DEFAULT false
);
CREATE INDEX case_review_incidents_application ON case_review_incidents (application_id);

CREATE TABLE case_review_recommendations (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES case_review_applications (id) ON DELETE CASCADE,
    agency         text NOT NULL,
    action         text NOT NULL,
    due_on         date
);

-- Residents told, once, that their own reports may meet the threshold.
ALTER TABLE reports ADD COLUMN case_review_notified_at timestamptz;
