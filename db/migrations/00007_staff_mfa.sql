-- Staff second factor: the last authenticator time step accepted, so a code
-- seen over someone's shoulder (or replayed) cannot be used a second time
-- within its 30 seconds. NULL until the first code is accepted.
ALTER TABLE users ADD COLUMN totp_last_step bigint;
