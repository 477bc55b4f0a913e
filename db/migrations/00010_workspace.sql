-- The neighbourhood policing team's workspace: triage, case work (OSARA),
-- interventions on the escalation ladder, and a general moderation queue.

-- Triage state of a report. risk is set from the resident's answers when
-- the report arrives and confirmed or overridden by the risk assessment.
ALTER TABLE reports
    ADD COLUMN risk              text NOT NULL DEFAULT 'low' CHECK (risk IN ('low', 'medium', 'high')),
    ADD COLUMN risk_assessed_at  timestamptz,
    ADD COLUMN risk_assessed_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN risk_answers      jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN risk_override     text NOT NULL DEFAULT '',
    ADD COLUMN due_at            timestamptz,
    ADD COLUMN assigned_to       bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN claimed_by        bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN claimed_at        timestamptz,
    ADD COLUMN duplicate_of      bigint REFERENCES reports (id),
    ADD COLUMN case_id           bigint,
    ADD COLUMN outcome           text NOT NULL DEFAULT '',
    ADD COLUMN closed_at         timestamptz;
CREATE INDEX reports_queue ON reports (neighbourhood_id, status, risk, created_at) WHERE status <> 'closed';
CREATE INDEX reports_due ON reports (due_at) WHERE status <> 'closed';
CREATE INDEX reports_claimed ON reports (claimed_by) WHERE claimed_by IS NOT NULL;
CREATE INDEX reports_case ON reports (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX reports_reporter_email ON reports (reporter_email, created_at) WHERE reporter_email <> '';
CREATE INDEX reports_vehicles ON reports (lower(vehicles)) WHERE vehicles <> '';

-- Internal notes and staff replies use report_events (kind 'note' is never
-- public; 'reply' is). Reply templates per category and state, editable
-- before sending.
CREATE TABLE reply_templates (
    id            serial PRIMARY KEY,
    name          text NOT NULL,
    category_code text NOT NULL DEFAULT '',   -- '' = any category
    status        text NOT NULL DEFAULT '',   -- '' = any status
    body          text NOT NULL,
    active        boolean NOT NULL DEFAULT true
);

-- Problem-solving cases, worked through OSARA.
CREATE TABLE cases (
    id                bigserial PRIMARY KEY,
    reference         text NOT NULL UNIQUE,
    neighbourhood_id  integer NOT NULL REFERENCES neighbourhoods (id),
    title             text NOT NULL,
    risk              text NOT NULL DEFAULT 'medium' CHECK (risk IN ('low', 'medium', 'high')),
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    objective         text NOT NULL DEFAULT '',
    scanning          text NOT NULL DEFAULT '',
    analysis          text NOT NULL DEFAULT '',
    response          text NOT NULL DEFAULT '',
    assessment        text NOT NULL DEFAULT '',
    lessons           text NOT NULL DEFAULT '',
    owner_id          bigint REFERENCES users (id) ON DELETE SET NULL,
    next_review_at    date,
    created_by        bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    closed_at         timestamptz
);
CREATE INDEX cases_neighbourhood ON cases (neighbourhood_id, status);
CREATE INDEX cases_review ON cases (next_review_at) WHERE status = 'open';
ALTER TABLE reports ADD CONSTRAINT reports_case_fk FOREIGN KEY (case_id) REFERENCES cases (id);

-- Information from partners (council, housing provider …) noted during scanning.
CREATE TABLE case_notes (
    id         bigserial PRIMARY KEY,
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    source     text NOT NULL DEFAULT '',
    body       text NOT NULL,
    author_id  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Supervisory reviews of a case by a sergeant.
CREATE TABLE case_reviews (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    reviewer_id bigint REFERENCES users (id) ON DELETE SET NULL,
    notes       text NOT NULL DEFAULT '',
    reviewed_at timestamptz NOT NULL DEFAULT now(),
    next_review date
);

-- Responses recorded on the escalation ladder, from words of advice to
-- civil injunctions, with mediation and courses throughout.
CREATE TABLE interventions (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('words_of_advice', 'warning_letter', 'letter_of_expectation',
                     'acceptable_behaviour_contract', 'mediation_referral', 'course_invitation',
                     'community_protection_warning', 'community_protection_notice',
                     'civil_injunction_application', 'criminal_behaviour_order_application', 'dispersal')),
    subject      text NOT NULL,            -- who it is addressed to, as staff describe them
    officer_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    issued_on    date NOT NULL,
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('planned', 'active', 'complied', 'breached', 'withdrawn', 'expired')),
    review_on    date,
    notes        text NOT NULL DEFAULT '',
    letter_body  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interventions_case ON interventions (case_id);

-- Editable letter templates (warning letter, letter of expectation, CPW …).
CREATE TABLE letter_templates (
    id     serial PRIMARY KEY,
    kind   text NOT NULL UNIQUE,
    title  text NOT NULL,
    body   text NOT NULL
);

-- A general moderation queue for public text written by residents (such as
-- consultation comments). New kinds plug in with a kind name; the queue
-- page needs no change.
CREATE TABLE moderation_items (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL,
    ref_id        bigint NOT NULL,
    neighbourhood_id integer REFERENCES neighbourhoods (id),
    body          text NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reason        text NOT NULL DEFAULT '',
    edited_body   text,
    redaction_note text NOT NULL DEFAULT '',
    flags         integer NOT NULL DEFAULT 0,
    decided_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, ref_id)
);
CREATE INDEX moderation_pending ON moderation_items (status, created_at) WHERE status = 'pending';
