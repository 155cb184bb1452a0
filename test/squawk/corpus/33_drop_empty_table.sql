-- expected: safe
-- case: dropping an empty table nobody has written to
SET lock_timeout = '2s';
SET statement_timeout = '60s';
DROP TABLE archive;
