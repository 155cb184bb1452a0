-- expected: hazard
-- case: TRUNCATE ... CASCADE of an empty table also empties the table that references it, which holds rows
SET lock_timeout = '2s';
SET statement_timeout = '60s';
TRUNCATE categories CASCADE;
