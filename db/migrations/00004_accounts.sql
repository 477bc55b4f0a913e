-- Accounts: staff (password + mandatory TOTP, scoped to areas) and residents
-- (passwordless, by emailed link), with volunteer roles verified by admins.

CREATE TABLE users (
    id                    bigserial PRIMARY KEY,
    email                 text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    kind                  text NOT NULL CHECK (kind IN ('staff', 'resident')),
    role                  text NOT NULL CHECK (role IN ('pcso', 'officer', 'sergeant',
                              'case_review_coordinator', 'force_admin', 'resident')),
    display_name          text NOT NULL DEFAULT '',
    password_hash         text,
    totp_secret           text,
    mfa_enabled_at        timestamptz,
    volunteer_role        text CHECK (volunteer_role IN ('nhw_coordinator', 'street_pastor', 'other_volunteer')),
    volunteer_verified_at timestamptz,
    volunteer_verified_by bigint REFERENCES users (id) ON DELETE SET NULL,
    disabled_at           timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at       timestamptz,
    CHECK ((kind = 'resident') = (role = 'resident'))
);
CREATE UNIQUE INDEX users_email ON users (email);

-- A staff member's scope: whole LPAs or single neighbourhoods. Force admins
-- see everything and need no rows here.
CREATE TABLE staff_areas (
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lpa_id           integer REFERENCES lpas (id),
    neighbourhood_id integer REFERENCES neighbourhoods (id),
    CHECK ((lpa_id IS NULL) <> (neighbourhood_id IS NULL)),
    UNIQUE (user_id, lpa_id, neighbourhood_id)
);
CREATE INDEX staff_areas_user ON staff_areas (user_id);

-- Single-use MFA recovery codes, stored hashed.
CREATE TABLE recovery_codes (
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Single-use emailed tokens: setting or resetting a password, and residents'
-- sign-in links (bound to the browser that asked by browser_hash).
CREATE TABLE auth_tokens (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose      text NOT NULL CHECK (purpose IN ('password_set', 'password_reset', 'sign_in')),
    browser_hash bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

-- Sessions belong to a user once signed in, so that signing out everywhere
-- or disabling an account deletes them all.
ALTER TABLE sessions ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX sessions_user ON sessions (user_id) WHERE user_id IS NOT NULL;
