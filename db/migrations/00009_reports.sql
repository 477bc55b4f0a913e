-- Reports of anti-social behaviour, their categories, photos and timeline.

-- Categories are data: force admins may add, reword or retire them. The
-- groups follow the Home Office types, plus sexual or predatory behaviour in
-- public (ASSB/ASPB), which needs recognising early.
CREATE TABLE categories (
    id          serial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9-]{2,40}$'),
    asb_type    text NOT NULL CHECK (asb_type IN ('personal', 'nuisance', 'environmental', 'sexual_predatory')),
    name        text NOT NULL,
    hint        text NOT NULL DEFAULT '',
    notice      text NOT NULL DEFAULT '',
    sort_order  integer NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true
);

INSERT INTO categories (code, asb_type, name, hint, notice, sort_order) VALUES
 ('harassment', 'personal', 'Harassment or intimidation', 'Someone targeting you or your family with threats, abuse or unwanted attention', '', 10),
 ('threatening-behaviour', 'personal', 'Threatening or aggressive behaviour', 'Shouting, swearing or threats aimed at people', '', 20),
 ('neighbour-nuisance', 'personal', 'Persistent nuisance from neighbours', 'Repeated behaviour from a neighbour that affects you', 'A single dispute about boundaries, parking or repairs is usually a civil matter, not anti-social behaviour.', 30),
 ('noise', 'nuisance', 'Noise', 'Loud music, shouting or parties that happen again and again', 'For a one-off party or noisy event, contact your council''s environmental health team.', 40),
 ('rowdy-behaviour', 'nuisance', 'Rowdy or inconsiderate behaviour', 'Groups being rowdy, drunk or disruptive in public places', 'Children playing is not anti-social behaviour.', 50),
 ('drug-use', 'nuisance', 'Drug use or dealing in public', 'People using or dealing drugs in the street, a park or a stairwell', '', 60),
 ('street-drinking', 'nuisance', 'Street drinking', 'Drinking in public that causes problems for others', '', 70),
 ('vehicle-nuisance', 'nuisance', 'Vehicle nuisance', 'Cars or motorbikes driven to cause annoyance, off-road bikes, car meets', 'Parking problems are dealt with by your council.', 80),
 ('begging', 'nuisance', 'Begging or aggressive begging', '', '', 90),
 ('vandalism', 'environmental', 'Vandalism or criminal damage', 'Damage to buildings, bus shelters, cars or property', '', 100),
 ('graffiti', 'environmental', 'Graffiti', '', '', 110),
 ('fly-tipping', 'environmental', 'Fly-tipping or littering', 'Rubbish dumped in the street or on open land', 'Your council clears fly-tipping: you can also report it to them.', 120),
 ('misuse-of-public-space', 'environmental', 'Misuse of public spaces', 'Parks, play areas or stairwells being misused', '', 130),
 ('sexual-comments', 'sexual_predatory', 'Sexual comments or gestures', 'Unwanted comments, jokes or gestures of a sexual nature in public', '', 140),
 ('catcalling', 'sexual_predatory', 'Cat-calling or wolf-whistling', '', '', 150),
 ('following-loitering', 'sexual_predatory', 'Following someone or loitering', 'Following people, or hanging around places such as toilets or exits', '', 160),
 ('targeting-vulnerable', 'sexual_predatory', 'Approaching or targeting vulnerable people', 'For example, someone drunk or alone at night', '', 170),
 ('spiking-concern', 'sexual_predatory', 'Concerns about spiking', 'You think someone put drugs or alcohol in a drink, or injected someone', 'If you or someone else may have been spiked, get medical help and call 999 in an emergency.', 180);

-- A problem groups the reports about the same behaviour: "it happened
-- again" and "this affects me too" add reports to an existing problem, and
-- the ASB Case Review counts complaints per problem.
CREATE TABLE problems (
    id         bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reports (
    id                    bigserial PRIMARY KEY,
    reference             text NOT NULL UNIQUE CHECK (reference ~ '^ASB-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$'),
    idempotency_key       text NOT NULL UNIQUE,
    problem_id            bigint NOT NULL REFERENCES problems (id),
    category_id           integer NOT NULL REFERENCES categories (id),
    neighbourhood_id      integer NOT NULL REFERENCES neighbourhoods (id),
    location              geometry(Point, 4326),
    postcode              text NOT NULL DEFAULT '',
    place                 text NOT NULL DEFAULT '',
    occurred_on           date NOT NULL,
    occurred_time         time,
    happened_before       boolean NOT NULL DEFAULT false,
    how_often             text NOT NULL DEFAULT '',
    since_when            text NOT NULL DEFAULT '',
    description           text NOT NULL,
    people                text NOT NULL DEFAULT '',
    vehicles              text NOT NULL DEFAULT '',
    unsafe_at_home        boolean NOT NULL DEFAULT false,
    health_affected       boolean NOT NULL DEFAULT false,
    children_affected     boolean NOT NULL DEFAULT false,
    stopped_doing_things  boolean NOT NULL DEFAULT false,
    hate                  text NOT NULL DEFAULT 'no' CHECK (hate IN ('yes', 'no', 'not-sure')),
    hate_reasons          text[] NOT NULL DEFAULT '{}',
    vulnerability         text NOT NULL DEFAULT '',
    anonymous             boolean NOT NULL DEFAULT false,
    reporter_name         text NOT NULL DEFAULT '',
    reporter_email        text NOT NULL DEFAULT '',
    reporter_phone        text NOT NULL DEFAULT '',
    contact_preference    text NOT NULL DEFAULT '' CHECK (contact_preference IN ('', 'email', 'phone')),
    safe_to_leave_message boolean NOT NULL DEFAULT false,
    user_id               bigint REFERENCES users (id) ON DELETE SET NULL,
    status                text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'awaiting-information', 'closed')),
    flagged               boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (anonymous OR reporter_email <> '' OR reporter_phone <> '')
);
CREATE INDEX reports_neighbourhood_created ON reports (neighbourhood_id, created_at DESC);
CREATE INDEX reports_status_created ON reports (status, created_at);
CREATE INDEX reports_problem ON reports (problem_id);
CREATE INDEX reports_user ON reports (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX reports_location ON reports USING gist (location);
CREATE INDEX reports_location_geog ON reports USING gist ((location::geography));
CREATE INDEX reports_category_created ON reports (category_id, created_at DESC);

-- Photos are decoded and re-encoded on upload, so no metadata (EXIF GPS
-- included) survives. Kept in the database so backups include them.
CREATE TABLE report_photos (
    id           bigserial PRIMARY KEY,
    report_id    bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_photos_report ON report_photos (report_id);

-- Photos uploaded during the reporting journey, before the report exists.
CREATE TABLE draft_photos (
    id           bigserial PRIMARY KEY,
    draft_key    text NOT NULL,
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX draft_photos_draft ON draft_photos (draft_key);

-- What happened to a report, in order: the reporter's timeline shows the
-- public entries; staff see all.
CREATE TABLE report_events (
    id         bigserial PRIMARY KEY,
    report_id  bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL DEFAULT now(),
    kind       text NOT NULL CHECK (kind IN ('submitted', 'status', 'reply', 'information', 'note')),
    public     boolean NOT NULL DEFAULT true,
    body       text NOT NULL DEFAULT '',
    actor_id   bigint REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX report_events_report ON report_events (report_id, at);

-- Email addresses and domains whose reports are accepted silently but
-- flagged for staff (as FixMyStreet does with abusers).
CREATE TABLE banned_emails (
    pattern    text PRIMARY KEY CHECK (pattern = lower(pattern)),
    reason     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Open311 API keys for partner systems; only a hash is stored.
CREATE TABLE api_keys (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    key_hash    bytea NOT NULL UNIQUE,
    prefix      text NOT NULL,
    per_minute  integer NOT NULL DEFAULT 60 CHECK (per_minute >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
