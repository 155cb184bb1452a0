-- expected: safe
-- case: a validated CHECK (code IS NOT NULL) first, then ADD PRIMARY KEY USING INDEX needs no scan
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE legacy_codes ADD CONSTRAINT legacy_codes_code_not_null CHECK (code IS NOT NULL) NOT VALID;
ALTER TABLE legacy_codes VALIDATE CONSTRAINT legacy_codes_code_not_null;
ALTER TABLE legacy_codes ADD PRIMARY KEY USING INDEX legacy_codes_code_key;
ALTER TABLE legacy_codes DROP CONSTRAINT legacy_codes_code_not_null;
