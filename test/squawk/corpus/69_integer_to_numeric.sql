-- expected: hazard
-- case: bigint to numeric rewrites the large table (no binary coercion between them)
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ALTER COLUMN user_id TYPE numeric;
