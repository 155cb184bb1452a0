-- expected: safe
-- case: an exclusion constraint on an empty table
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE rooms ADD CONSTRAINT rooms_no_overlap EXCLUDE USING gist (during WITH &&);
