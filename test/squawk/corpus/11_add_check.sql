-- expected: hazard
-- case: a validating CHECK scans the large table under ACCESS EXCLUSIVE
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD CONSTRAINT events_amount_check CHECK (amount >= 0);
