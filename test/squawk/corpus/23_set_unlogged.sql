-- expected: hazard
-- case: SET UNLOGGED rewrites the large table
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events SET UNLOGGED;
