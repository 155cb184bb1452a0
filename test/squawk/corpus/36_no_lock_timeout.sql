-- expected: hazard
-- case: ACCESS EXCLUSIVE requested on an existing table with lock_timeout = 0
SET lock_timeout = 0;
SET statement_timeout = '60s';
ALTER TABLE users ADD COLUMN nickname text;
