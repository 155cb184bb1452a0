-- expected: safe
-- case: REFRESH MATERIALIZED VIEW CONCURRENTLY, by its unique index
SET lock_timeout = '2s';
SET statement_timeout = '60s';
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;
