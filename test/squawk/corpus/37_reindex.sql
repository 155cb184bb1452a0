-- expected: hazard
-- case: REINDEX TABLE blocks writes to the large table
SET lock_timeout = '2s';
SET statement_timeout = '60s';
REINDEX TABLE events;
