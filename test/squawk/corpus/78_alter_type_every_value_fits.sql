-- expected: safe
-- case: varchar(20) to varchar(10), every value fitting
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE members ALTER COLUMN plan TYPE varchar(10);
