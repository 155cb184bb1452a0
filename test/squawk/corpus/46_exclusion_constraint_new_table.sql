-- expected: safe
-- case: an exclusion constraint on a table the migration creates
SET lock_timeout = '2s';
SET statement_timeout = '60s';
BEGIN;
CREATE TABLE meetings (id bigint PRIMARY KEY, room int, during tstzrange);
ALTER TABLE meetings ADD CONSTRAINT meetings_no_overlap EXCLUDE USING gist (during WITH &&);
COMMIT;
