-- Have your say, continued: answers saved to come back to later, and
-- public comments on consultations (pre-moderated, flagged by the public).

-- Answers saved part-way, to resume from an emailed link until the
-- consultation closes. Only a SHA-256 of the link's token is stored, and
-- not the email address: the outbox holds that until the email is sent.
-- draft_key is the answers' idempotency key, so sending the answers
-- deletes every saved copy of them.
CREATE TABLE consultation_saved_answers (
    id              bigserial PRIMARY KEY,
    consultation_id bigint NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    draft_key       text NOT NULL,
    draft           jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX consultation_saved_answers_key ON consultation_saved_answers (draft_key);
CREATE INDEX consultation_saved_answers_expiry ON consultation_saved_answers (expires_at);

-- Comments show no name ("A resident"): names are personal data and
-- could be someone else's. A comment is public once the moderation queue approves it (its item is
-- kind 'consultation_comment', ref_id the comment's id); published_body is
-- the text approved, or as the moderator edited it. Three flags from
-- different people hide a published comment and send it back to the queue;
-- flags before the last review no longer count (reviewed_at).
CREATE TABLE consultation_comments (
    id              bigserial PRIMARY KEY,
    consultation_id bigint NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    user_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    body            text NOT NULL,
    idempotency_key text NOT NULL UNIQUE,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'published', 'hidden', 'rejected')),
    published_body  text NOT NULL DEFAULT '',
    published_at    timestamptz,
    reviewed_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consultation_comments_public ON consultation_comments (consultation_id, published_at) WHERE state = 'published';

-- One flag per person per comment: flagger is a SHA-256 of the account or
-- of the browser session's random key, never an address.
CREATE TABLE consultation_comment_flags (
    comment_id bigint NOT NULL REFERENCES consultation_comments (id) ON DELETE CASCADE,
    flagger    bytea NOT NULL CHECK (octet_length(flagger) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (comment_id, flagger)
);
