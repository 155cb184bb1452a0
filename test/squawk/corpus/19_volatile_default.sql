-- expected: hazard
-- case: a volatile default rewrites the large table
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD COLUMN token uuid DEFAULT gen_random_uuid();
