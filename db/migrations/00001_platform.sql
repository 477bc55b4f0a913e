-- The platform: PostGIS, server-side sessions and shared rate-limit counters.

CREATE EXTENSION IF NOT EXISTS postgis;

-- Sessions live here, not in the cookie, so that signing out, disabling an
-- account and "sign out everywhere" take effect at once on every replica.
-- Only a SHA-256 of the random session ID is stored: a copy of this table
-- does not let anyone resume a session.
CREATE TABLE sessions (
    id_hash    bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    data       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Rate-limit counters shared by every replica: a sliding log of the recent
-- hits per bucket (at most the limit's size). Buckets are hashes, never raw
-- email or IP addresses.
CREATE TABLE rate_limits (
    bucket     text PRIMARY KEY,
    hits       timestamptz[] NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);

-- rate_limit_hit records one hit in p_bucket if fewer than p_max hits fall
-- inside the last p_window, and returns 0; otherwise it records nothing and
-- returns the seconds until a hit would be allowed. The row lock makes the
-- check and the record one atomic step across replicas.
CREATE FUNCTION rate_limit_hit(p_bucket text, p_max integer, p_window interval)
RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    v_now  timestamptz := clock_timestamp();
    v_hits timestamptz[];
BEGIN
    INSERT INTO rate_limits (bucket, hits, expires_at)
    VALUES (p_bucket, '{}', v_now + p_window)
    ON CONFLICT (bucket) DO NOTHING;

    SELECT ARRAY(SELECT h FROM unnest(r.hits) AS h WHERE h > v_now - p_window ORDER BY h)
      INTO v_hits
      FROM rate_limits r
     WHERE r.bucket = p_bucket
       FOR UPDATE;

    IF cardinality(v_hits) >= p_max THEN
        UPDATE rate_limits SET hits = v_hits WHERE bucket = p_bucket;
        RETURN greatest(extract(epoch FROM v_hits[cardinality(v_hits) - p_max + 1] + p_window - v_now), 0.001);
    END IF;

    UPDATE rate_limits
       SET hits = v_hits || v_now, expires_at = v_now + p_window
     WHERE bucket = p_bucket;
    RETURN 0;
END
$$;

-- Feedback on the service itself, from the phase banner. Anonymous by
-- design: the form asks people not to include personal details.
CREATE TABLE feedback (
    id              bigserial PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    rating          text NOT NULL CHECK (rating IN ('very-satisfied', 'satisfied', 'neither', 'dissatisfied', 'very-dissatisfied')),
    comments        text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
