-- expected: hazard
-- case: renaming a column of a table in use breaks the running code
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events RENAME COLUMN note TO memo;
