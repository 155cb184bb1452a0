-- expected: hazard
-- case: the seed's add column, then backfill, in one transaction: the ALTER's lock is held through the UPDATE
SET lock_timeout = '2s';
SET statement_timeout = '60s';
BEGIN;
ALTER TABLE events ADD COLUMN state text;
UPDATE events SET state = 'new' WHERE state IS NULL;
COMMIT;
