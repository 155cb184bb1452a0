-- expected: safe
-- case: CREATE UNIQUE INDEX CONCURRENTLY on columns whose values are unique
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE UNIQUE INDEX CONCURRENTLY idx_events_id_kind ON events (id, kind);
