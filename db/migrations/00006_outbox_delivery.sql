-- Outbox delivery: attachments (course bookings will send .ics invitations),
-- giving up on a message that can never be delivered, and a wake-up call for
-- the senders when a message is committed.

-- A JSON array of {"filename", "content_type", "data" (base64)}; NULL when
-- the message has none.
ALTER TABLE outbox ADD COLUMN attachments jsonb
    CHECK (attachments IS NULL OR jsonb_typeof(attachments) = 'array');

-- Set when the sender gives up (a recipient refused outright, or too many
-- failed attempts); such a message is never tried again.
ALTER TABLE outbox ADD COLUMN failed_at timestamptz;

-- Senders claim the oldest due messages; this index holds only those still
-- to be delivered, so it stays small however long the outbox grows.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- NOTIFY is delivered on commit, and never for a transaction rolled back, so a
-- sender listening on "outbox" wakes exactly when there is something to send.
CREATE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
