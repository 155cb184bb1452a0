-- expected: hazard
-- case: SET NOT NULL scans the large table under ACCESS EXCLUSIVE
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ALTER COLUMN user_id SET NOT NULL;
