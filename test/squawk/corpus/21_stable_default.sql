-- expected: safe
-- case: now() is stable: evaluated once, no rewrite
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
