-- expected: safe
-- case: DROP INDEX CONCURRENTLY
SET lock_timeout = '2s';
SET statement_timeout = '60s';
DROP INDEX CONCURRENTLY idx_events_kind;
