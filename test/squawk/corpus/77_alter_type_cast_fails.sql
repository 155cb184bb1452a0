-- expected: hazard
-- case: a type change whose cast fails on one value ('n/a' as an integer)
-- twin: safe (one value fails the cast: rows are evidence, and a twin has none; nor is the value among the statistics' most common)
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE members ALTER COLUMN code TYPE integer USING code::integer;
