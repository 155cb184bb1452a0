-- expected: hazard
-- case: bigint to integer rewrites the large table
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ALTER COLUMN user_id TYPE integer;
