-- expected: safe
-- case: the column added on its own, then a batch of the backfill in its own transaction
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD COLUMN state text;
UPDATE events SET state = 'new' WHERE id = ANY (ARRAY(SELECT id FROM events WHERE state IS NULL LIMIT 10000));
