-- expected: safe
-- case: ALTER DOMAIN ADD CONSTRAINT on a domain only a small table uses
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER DOMAIN label ADD CONSTRAINT label_not_empty CHECK (VALUE <> '');
