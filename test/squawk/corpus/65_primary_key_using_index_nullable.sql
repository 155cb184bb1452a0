-- expected: hazard
-- case: ADD PRIMARY KEY USING INDEX on a nullable column: the index exists, but PostgreSQL scans the large table for NULLs under ACCESS EXCLUSIVE
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE legacy_codes ADD PRIMARY KEY USING INDEX legacy_codes_code_key;
