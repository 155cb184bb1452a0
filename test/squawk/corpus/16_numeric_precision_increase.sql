-- expected: safe
-- case: numeric(10,2) to numeric(12,2), no rewrite
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ALTER COLUMN amount TYPE numeric(12,2);
