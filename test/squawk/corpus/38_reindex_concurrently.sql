-- expected: safe
-- case: REINDEX TABLE CONCURRENTLY
SET lock_timeout = '2s';
SET statement_timeout = '60s';
REINDEX TABLE CONCURRENTLY events;
