-- expected: safe
-- case: truncating an empty table nobody has written to
SET lock_timeout = '2s';
SET statement_timeout = '60s';
TRUNCATE archive;
