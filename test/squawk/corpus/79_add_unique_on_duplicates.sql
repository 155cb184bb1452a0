-- expected: hazard
-- case: ADD UNIQUE on a small table's column with duplicate values
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE members ADD CONSTRAINT members_email_key UNIQUE (email);
