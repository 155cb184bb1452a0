-- expected: hazard
-- case: CLUSTER rewrites the large table under ACCESS EXCLUSIVE
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CLUSTER events USING events_pkey;
