-- expected: hazard
-- case: DROP INDEX takes ACCESS EXCLUSIVE on the large table
SET lock_timeout = '2s';
SET statement_timeout = '60s';
DROP INDEX idx_events_kind;
