-- expected: safe
-- case: a CHECK (col IS NOT NULL) validated in an earlier transaction proves it: no scan
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD CONSTRAINT events_user_id_not_null CHECK (user_id IS NOT NULL) NOT VALID;
ALTER TABLE events VALIDATE CONSTRAINT events_user_id_not_null;
ALTER TABLE events ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE events DROP CONSTRAINT events_user_id_not_null;
