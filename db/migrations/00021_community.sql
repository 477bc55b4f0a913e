-- Neighbourhoods and volunteers: priorities and team messages on the public
-- neighbourhood pages, email alerts by neighbourhood or radius, Neighbourhood
-- Watch schemes, and reports made on someone's behalf.

-- A neighbourhood's current policing priorities, set by staff (the
-- consultations feature will let residents set them). Retired, never deleted.
CREATE TABLE neighbourhood_priorities (
    id               bigserial PRIMARY KEY,
    neighbourhood_id integer NOT NULL REFERENCES neighbourhoods (id),
    title            text NOT NULL,
    description      text NOT NULL DEFAULT '',
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    retired_at       timestamptz
);
CREATE INDEX neighbourhood_priorities_current ON neighbourhood_priorities (neighbourhood_id, created_at) WHERE retired_at IS NULL;

-- Messages from neighbourhood teams, published to one or more
-- neighbourhoods (an LPA is stored as its neighbourhoods at the time).
CREATE TABLE team_messages (
    id              bigserial PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    kind            text NOT NULL CHECK (kind IN ('appeal', 'event', 'advice', 'priority_update')),
    priority        text NOT NULL CHECK (priority IN ('information', 'advice', 'urgent')),
    title           text NOT NULL,
    body            text NOT NULL,
    event_at        timestamptz,
    event_place     text NOT NULL DEFAULT '',
    author_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'event') = (event_at IS NOT NULL))
);
CREATE TABLE team_message_areas (
    message_id       bigint NOT NULL REFERENCES team_messages (id) ON DELETE CASCADE,
    neighbourhood_id integer NOT NULL REFERENCES neighbourhoods (id),
    PRIMARY KEY (neighbourhood_id, message_id)
);
CREATE INDEX team_message_areas_message ON team_message_areas (message_id);

-- Email alerts. A subscription is to a neighbourhood, or to a circle around
-- a postcode (it then receives what is sent to every neighbourhood the
-- circle touches). It does nothing until confirmed from the emailed link
-- (double opt-in). The token identifies the subscription in its confirm and
-- unsubscribe links; it is kept as it is because every alert must carry it,
-- and it grants nothing but confirming or ending this one subscription.
CREATE TABLE alert_subscriptions (
    id               bigserial PRIMARY KEY,
    token            text NOT NULL UNIQUE CHECK (length(token) = 43),
    email            text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    neighbourhood_id integer REFERENCES neighbourhoods (id),
    postcode         text NOT NULL DEFAULT '',
    location         geography(Point, 4326),
    radius_m         integer CHECK (radius_m IN (500, 1000, 2000)),
    want_messages    boolean NOT NULL DEFAULT true,
    want_consultations boolean NOT NULL DEFAULT false,
    want_courses     boolean NOT NULL DEFAULT false,
    min_priority     text NOT NULL DEFAULT 'information' CHECK (min_priority IN ('information', 'advice', 'urgent')),
    frequency        text NOT NULL CHECK (frequency IN ('immediate', 'weekly')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    confirmed_at     timestamptz,
    unsubscribed_at  timestamptz,
    next_digest_at   timestamptz,
    CHECK ((neighbourhood_id IS NULL) <> (location IS NULL)),
    CHECK ((location IS NULL) = (radius_m IS NULL)),
    CHECK (want_messages OR want_consultations OR want_courses)
);
CREATE INDEX alert_subscriptions_neighbourhood ON alert_subscriptions (neighbourhood_id)
    WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL;
CREATE INDEX alert_subscriptions_location ON alert_subscriptions USING gist (location)
    WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL;
-- Unconfirmed subscriptions are pruned after a week.
CREATE INDEX alert_subscriptions_unconfirmed ON alert_subscriptions (created_at) WHERE confirmed_at IS NULL;

-- Something alerts announce: a team message now; new consultations and
-- course sessions when those features publish them.
CREATE TABLE alert_items (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('team_message', 'consultation', 'course_session')),
    ref_id       bigint NOT NULL,
    title        text NOT NULL,
    path         text NOT NULL CHECK (path LIKE '/%'),
    priority     text NOT NULL CHECK (priority IN ('information', 'advice', 'urgent')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, ref_id)
);

-- One row per subscription and item to announce, written in the same
-- transaction as the item; the delivery job turns rows into outbox emails
-- (immediately, or in the weekly digest) and marks them sent in the same
-- transaction, so each is emailed once however many replicas run the job.
CREATE TABLE alert_queue (
    subscription_id bigint NOT NULL REFERENCES alert_subscriptions (id) ON DELETE CASCADE,
    item_id         bigint NOT NULL REFERENCES alert_items (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    PRIMARY KEY (subscription_id, item_id)
);
CREATE INDEX alert_queue_pending ON alert_queue (subscription_id, created_at) WHERE sent_at IS NULL;

-- Neighbourhood Watch schemes, registered by verified volunteers and
-- approved by a force administrator. The area is the polygon drawn, or the
-- hull of the postcodes given (with a margin).
CREATE TABLE watch_schemes (
    id              bigserial PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    name            text NOT NULL,
    coordinator_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area            geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(area)),
    postcodes       text[] NOT NULL DEFAULT '{}',
    meeting_details text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined')),
    decided_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    decided_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX watch_schemes_area ON watch_schemes USING gist (area) WHERE status = 'approved';
CREATE INDEX watch_schemes_coordinator ON watch_schemes (coordinator_id);

CREATE TABLE watch_members (
    scheme_id bigint NOT NULL REFERENCES watch_schemes (id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scheme_id, user_id)
);
CREATE INDEX watch_members_user ON watch_members (user_id);

-- What coordinators sent to their members (the text, not the recipients:
-- each member's copy is an outbox row of its own).
CREATE TABLE watch_messages (
    id              bigserial PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    scheme_id       bigint NOT NULL REFERENCES watch_schemes (id) ON DELETE CASCADE,
    author_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    recipients      integer NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX watch_messages_scheme ON watch_messages (scheme_id, sent_at DESC);

-- Reports made on someone's behalf, by a verified volunteer or by staff
-- taking a report by phone or in person: who made it, how, their
-- relationship to the resident, the resident's consent, and where updates
-- go. The reporter_* columns hold the resident's name and phone;
-- reporter_email is where emails about the report go: the resident's
-- address, or the submitter's when the resident asked for that.
ALTER TABLE reports
    ADD COLUMN on_behalf_by           bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN on_behalf_channel      text NOT NULL DEFAULT '' CHECK (on_behalf_channel IN ('', 'volunteer', 'phone', 'in_person')),
    ADD COLUMN on_behalf_relationship text NOT NULL DEFAULT '',
    ADD COLUMN on_behalf_consent_at   timestamptz,
    ADD COLUMN on_behalf_updates_to   text NOT NULL DEFAULT '' CHECK (on_behalf_updates_to IN ('', 'resident', 'submitter')),
    ADD CONSTRAINT reports_on_behalf_consent CHECK (on_behalf_channel = '' OR on_behalf_consent_at IS NOT NULL);
CREATE INDEX reports_on_behalf_by ON reports (on_behalf_by) WHERE on_behalf_by IS NOT NULL;
