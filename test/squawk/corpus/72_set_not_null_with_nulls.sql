-- expected: hazard
-- case: SET NOT NULL on a small table whose column holds NULLs
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE members ALTER COLUMN email SET NOT NULL;
