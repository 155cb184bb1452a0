-- expected: safe
-- case: SET NOT NULL on a small table whose column holds no NULL
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE members ALTER COLUMN plan SET NOT NULL;
