-- expected: hazard
-- case: text to varchar(n) looks like a relabelling but checks and copies every row of the large table
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ALTER COLUMN kind TYPE varchar(10);
