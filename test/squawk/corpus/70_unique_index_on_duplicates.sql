-- expected: hazard
-- case: CREATE UNIQUE INDEX CONCURRENTLY on a column with duplicate values: it would build for the whole table, fail, and leave an INVALID index
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE UNIQUE INDEX CONCURRENTLY idx_events_kind ON events (kind);
