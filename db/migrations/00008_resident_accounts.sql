-- Residents' sign-in links and volunteer registrations.

-- A resident's emailed sign-in link. It names an email address rather than
-- a user: the account is created when the link is first used, never when it
-- is asked for, so asking reveals nothing about who has an account and
-- leaves no row for addresses that never confirm. browser_hash is the
-- SHA-256 of a random nonce kept in the asking browser's session: the link
-- works only there. Only the SHA-256 of the token itself is stored.
CREATE TABLE resident_sign_in_links (
    token_hash   bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    email        text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    browser_hash bytea NOT NULL CHECK (octet_length(browser_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
CREATE INDEX resident_sign_in_links_expires_at ON resident_sign_in_links (expires_at);

-- A resident's request to be recognised as a volunteer, checked by a force
-- administrator. A verified request also sets users.volunteer_role. At most
-- one request per resident is pending at a time, which also makes a double
-- click harmless.
CREATE TABLE volunteer_requests (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('nhw_coordinator', 'street_pastor', 'other_volunteer')),
    organisation text NOT NULL,
    area         text NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'declined')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz,
    decided_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX volunteer_requests_one_pending ON volunteer_requests (user_id) WHERE status = 'pending';
CREATE INDEX volunteer_requests_user ON volunteer_requests (user_id, created_at DESC);
CREATE INDEX volunteer_requests_pending ON volunteer_requests (created_at) WHERE status = 'pending';
