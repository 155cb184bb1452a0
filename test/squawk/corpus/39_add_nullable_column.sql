-- expected: safe
-- case: a nullable column without a default is a catalog change
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD COLUMN referrer text;
