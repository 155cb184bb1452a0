-- expected: safe
-- case: renaming a column of a table the migration creates
SET lock_timeout = '2s';
SET statement_timeout = '60s';
BEGIN;
CREATE TABLE payments (id bigint PRIMARY KEY, amt numeric);
ALTER TABLE payments RENAME COLUMN amt TO amount;
COMMIT;
