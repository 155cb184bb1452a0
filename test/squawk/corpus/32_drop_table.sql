-- expected: hazard
-- case: dropping a table that holds data
SET lock_timeout = '2s';
SET statement_timeout = '60s';
DROP TABLE events;
