-- Have your say: neighbourhood consultations and priority-setting surveys,
-- their questions, residents' responses and "we asked, you said, we did".

-- A consultation covers a force, an LPA or a neighbourhood; the
-- neighbourhoods it covers are stored at creation (as team messages do), so
-- staff scope and the public filter are one array test in SQL.
CREATE TABLE consultations (
    id                   bigserial PRIMARY KEY,
    kind                 text NOT NULL CHECK (kind IN ('general', 'priorities')),
    state                text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'closed')),
    title                text NOT NULL,
    summary              text NOT NULL,
    body                 text NOT NULL DEFAULT '',
    area_level           text NOT NULL CHECK (area_level IN ('force', 'lpa', 'neighbourhood')),
    area_code            text NOT NULL,
    area_name            text NOT NULL,
    neighbourhood_ids    integer[] NOT NULL,
    opens_at             timestamptz NOT NULL,
    closes_at            timestamptz NOT NULL,
    comments_enabled     boolean NOT NULL DEFAULT false,
    created_by           bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    published_at         timestamptz,
    closed_at            timestamptz,
    results_published_at timestamptz,
    we_did               text NOT NULL DEFAULT '',
    we_did_at            timestamptz,
    CHECK (closes_at > opens_at),
    -- A priorities consultation sets one neighbourhood's priorities.
    CHECK (kind <> 'priorities' OR area_level = 'neighbourhood')
);
CREATE INDEX consultations_areas ON consultations USING gin (neighbourhood_ids);
CREATE INDEX consultations_public ON consultations (state, closes_at) WHERE state <> 'draft';

-- Questions, in order. A display condition shows a question only when an
-- earlier question's answer includes show_if_value.
CREATE TABLE consultation_questions (
    id                  bigserial PRIMARY KEY,
    consultation_id     bigint NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    position            integer NOT NULL CHECK (position > 0),
    kind                text NOT NULL CHECK (kind IN ('single', 'multiple', 'short_text', 'long_text', 'rank', 'rating')),
    prompt              text NOT NULL,
    hint                text NOT NULL DEFAULT '',
    required            boolean NOT NULL DEFAULT false,
    options             text[] NOT NULL DEFAULT '{}',
    allow_other         boolean NOT NULL DEFAULT false,
    max_rank            integer NOT NULL DEFAULT 0 CHECK (max_rank >= 0),
    show_if_question_id bigint REFERENCES consultation_questions (id) ON DELETE SET NULL,
    show_if_value       text NOT NULL DEFAULT '',
    results_public      boolean NOT NULL DEFAULT false,
    UNIQUE (consultation_id, position) DEFERRABLE INITIALLY DEFERRED
);

-- One response per account, or per browser session for anonymous
-- respondents (only a SHA-256 of a random per-session key is stored).
CREATE TABLE consultation_responses (
    id              bigserial PRIMARY KEY,
    consultation_id bigint NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    user_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    session_hash    bytea CHECK (session_hash IS NULL OR octet_length(session_hash) = 32),
    idempotency_key text NOT NULL UNIQUE,
    age_band        text NOT NULL DEFAULT '',
    reported_asb    text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (user_id IS NOT NULL OR session_hash IS NOT NULL),
    UNIQUE (consultation_id, user_id),
    UNIQUE (consultation_id, session_hash)
);

-- One row per answered question. choices holds single, multiple and rank
-- answers (rank in order); text_value free text and "other, please say".
CREATE TABLE consultation_answers (
    response_id bigint NOT NULL REFERENCES consultation_responses (id) ON DELETE CASCADE,
    question_id bigint NOT NULL REFERENCES consultation_questions (id) ON DELETE CASCADE,
    choices     text[] NOT NULL DEFAULT '{}',
    text_value  text NOT NULL DEFAULT '',
    rating      integer CHECK (rating BETWEEN 1 AND 5),
    PRIMARY KEY (response_id, question_id)
);
CREATE INDEX consultation_answers_question ON consultation_answers (question_id);
