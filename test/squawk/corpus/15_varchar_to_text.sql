-- expected: safe
-- case: varchar to text is binary-compatible, no rewrite
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ALTER COLUMN note TYPE text;
