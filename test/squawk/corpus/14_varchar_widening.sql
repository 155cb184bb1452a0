-- expected: safe
-- case: varchar(20) to varchar(40) is a catalog change, no rewrite
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ALTER COLUMN note TYPE varchar(40);
