-- expected: hazard
-- case: a type change whose cast fails on one value ('n/a' as an integer)
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE members ALTER COLUMN code TYPE integer USING code::integer;
