-- Report submission speed: wake the mail senders only when a message was
-- really queued.
--
-- The statement-level trigger of 00006 fired for every INSERT INTO outbox,
-- including the one inside the report submission statement that inserts no
-- row when there is no acknowledgement to send (anonymous, phone-only and
-- Open311 reports). Each such NOTIFY cost a sender a needless claim query,
-- and, worse, PostgreSQL serialises the commits of notifying transactions
-- (one server-wide lock, held until the commit is on disk), so every
-- submission waited for the one before it to be flushed: no group commit.
-- The transition table lets the trigger see whether anything was inserted.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows) THEN
        PERFORM pg_notify('outbox', '');
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER outbox_notify ON outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
