-- expected: hazard
-- case: truncating a table that holds data deletes rows the running code reads
SET lock_timeout = '2s';
SET statement_timeout = '60s';
TRUNCATE users;
