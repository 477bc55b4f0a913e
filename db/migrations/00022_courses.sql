-- Defusing courses: courses, their sessions, bookings with a fair waiting
-- list, invitations from reports and cases, attendance and the evaluation
-- questionnaires (before, at the end, and three months after).

CREATE TABLE courses (
    id          serial PRIMARY KEY,
    title       text NOT NULL,
    description text NOT NULL DEFAULT '',
    provider    text NOT NULL DEFAULT '',
    audience    text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- booked counts the places taken: confirmed bookings plus places held for
-- someone offered one from the waiting list. Booking is one conditional
-- UPDATE (booked < capacity), and the CHECK makes overbooking impossible
-- even if a statement were ever wrong.
CREATE TABLE course_sessions (
    id                bigserial PRIMARY KEY,
    course_id         integer NOT NULL REFERENCES courses (id),
    lpa_id            integer NOT NULL REFERENCES lpas (id),
    venue_name        text NOT NULL,
    venue_address     text NOT NULL DEFAULT '',
    venue_postcode    text NOT NULL DEFAULT '',
    accessibility     text NOT NULL DEFAULT '',
    map_url           text NOT NULL DEFAULT '',
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    booking_closes_at timestamptz NOT NULL,
    capacity          integer NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
    booked            integer NOT NULL DEFAULT 0 CHECK (booked >= 0),
    cancelled_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (booking_closes_at <= starts_at),
    CONSTRAINT course_sessions_not_overbooked CHECK (booked <= capacity)
);
CREATE INDEX course_sessions_starts ON course_sessions (starts_at) WHERE cancelled_at IS NULL;
CREATE INDEX course_sessions_lpa ON course_sessions (lpa_id, starts_at);

-- An invitation sent by staff from a report or a case. Only the token's
-- SHA-256 is kept.
CREATE TABLE course_invitations (
    id         bigserial PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    course_id  integer NOT NULL REFERENCES courses (id),
    report_id  bigint REFERENCES reports (id) ON DELETE SET NULL,
    case_id    bigint REFERENCES cases (id) ON DELETE SET NULL,
    name       text NOT NULL DEFAULT '',
    email      text NOT NULL,
    invited_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    CHECK (report_id IS NOT NULL OR case_id IS NOT NULL)
);

CREATE TABLE course_bookings (
    id                   bigserial PRIMARY KEY,
    reference            text NOT NULL UNIQUE CHECK (reference ~ '^CRS-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$'),
    idempotency_key      text NOT NULL UNIQUE,
    session_id           bigint NOT NULL REFERENCES course_sessions (id),
    name                 text NOT NULL,
    email                text NOT NULL,
    phone                text NOT NULL DEFAULT '',
    describes            text NOT NULL CHECK (describes IN ('resident', 'reported_asb', 'shop_bar_staff', 'street_pastor_volunteer', 'neighbourhood_watch', 'other')),
    access_needs         text NOT NULL DEFAULT '',
    status               text NOT NULL CHECK (status IN ('confirmed', 'waiting', 'offered', 'cancelled', 'lapsed')),
    waiting_since        timestamptz,
    offer_expires_at     timestamptz,
    attendance           text NOT NULL DEFAULT '' CHECK (attendance IN ('', 'attended', 'no_show')),
    invitation_id        bigint REFERENCES course_invitations (id) ON DELETE SET NULL,
    invited_report_id    bigint REFERENCES reports (id) ON DELETE SET NULL,
    invited_case_id      bigint REFERENCES cases (id) ON DELETE SET NULL,
    invited              boolean NOT NULL DEFAULT false,
    confidence_before    smallint NOT NULL CHECK (confidence_before BETWEEN 1 AND 5),
    willingness_before   smallint NOT NULL CHECK (willingness_before BETWEEN 1 AND 5),
    confidence_after     smallint CHECK (confidence_after BETWEEN 1 AND 5),
    willingness_after    smallint CHECK (willingness_after BETWEEN 1 AND 5),
    confidence_followup  smallint CHECK (confidence_followup BETWEEN 1 AND 5),
    willingness_followup smallint CHECK (willingness_followup BETWEEN 1 AND 5),
    used_learning        text CHECK (used_learning IN ('yes', 'no', 'not-sure')),
    resolved_without_police text CHECK (resolved_without_police IN ('yes', 'no', 'not-sure')),
    reminder_sent_at     timestamptz,
    after_sent_at        timestamptz,
    followup_sent_at     timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    cancelled_at         timestamptz,
    CHECK (status <> 'waiting' OR waiting_since IS NOT NULL),
    CHECK (status <> 'offered' OR offer_expires_at IS NOT NULL)
);
CREATE INDEX course_bookings_session ON course_bookings (session_id, status);
CREATE INDEX course_bookings_queue ON course_bookings (session_id, waiting_since, id) WHERE status = 'waiting';
CREATE INDEX course_bookings_offers ON course_bookings (offer_expires_at) WHERE status = 'offered';

-- Manage-booking links. Every email mints its own token (only hashes are
-- stored, so an old link cannot be re-sent); any of them opens the booking.
CREATE TABLE course_booking_links (
    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    booking_id bigint NOT NULL REFERENCES course_bookings (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX course_booking_links_booking ON course_booking_links (booking_id);
