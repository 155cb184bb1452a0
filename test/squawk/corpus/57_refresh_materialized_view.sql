-- expected: hazard
-- case: REFRESH MATERIALIZED VIEW locks out every reader of the large view while its query runs
SET lock_timeout = '2s';
SET statement_timeout = '60s';
REFRESH MATERIALIZED VIEW daily_notes;
