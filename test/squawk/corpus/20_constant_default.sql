-- expected: safe
-- case: a constant default is stored once, no rewrite (PostgreSQL 11+)
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD COLUMN status text NOT NULL DEFAULT 'active';
