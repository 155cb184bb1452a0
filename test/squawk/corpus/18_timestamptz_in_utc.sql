-- expected: safe
-- case: timestamp to timestamptz needs no rewrite when the session time zone is UTC
SET lock_timeout = '2s';
SET statement_timeout = '60s';
SET TimeZone = 'UTC';
ALTER TABLE events ALTER COLUMN seen_at TYPE timestamptz;
