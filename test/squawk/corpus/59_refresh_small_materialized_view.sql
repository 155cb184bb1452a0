-- expected: safe
-- case: REFRESH of a small materialized view
SET lock_timeout = '2s';
SET statement_timeout = '60s';
REFRESH MATERIALIZED VIEW region_counts;
