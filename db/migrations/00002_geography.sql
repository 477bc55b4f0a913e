-- The force's geography: force → local policing areas → neighbourhoods, each
-- neighbourhood in one local authority area (case review policies are set per
-- local authority), and the postcode directory used to find them.

CREATE TABLE forces (
    id   serial PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL
);

CREATE TABLE local_authorities (
    id   serial PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL
);

CREATE TABLE lpas (
    id       serial PRIMARY KEY,
    force_id integer NOT NULL REFERENCES forces (id),
    code     text NOT NULL UNIQUE,
    name     text NOT NULL
);

CREATE TABLE neighbourhoods (
    id                 serial PRIMARY KEY,
    lpa_id             integer NOT NULL REFERENCES lpas (id),
    local_authority_id integer NOT NULL REFERENCES local_authorities (id),
    code               text NOT NULL UNIQUE,
    name               text NOT NULL,
    boundary           geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(boundary)),
    team_name          text NOT NULL DEFAULT '',
    team_email         text NOT NULL DEFAULT '',
    team_phone         text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX neighbourhoods_boundary ON neighbourhoods USING gist (boundary);
CREATE INDEX neighbourhoods_lpa ON neighbourhoods (lpa_id);

-- Postcodes in compact form (upper case, no spaces: OX11AA). Demo postcodes
-- are marked so they can never be mistaken for real ones.
CREATE TABLE postcodes (
    postcode text PRIMARY KEY CHECK (postcode ~ '^[A-Z0-9]{5,7}$'),
    location geometry(Point, 4326) NOT NULL,
    demo     boolean NOT NULL DEFAULT false
);
CREATE INDEX postcodes_location ON postcodes USING gist (location);
