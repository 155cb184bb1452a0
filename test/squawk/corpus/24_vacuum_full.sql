-- expected: hazard
-- case: VACUUM FULL rewrites the large table under ACCESS EXCLUSIVE
SET lock_timeout = '2s';
SET statement_timeout = '60s';
VACUUM FULL events;
