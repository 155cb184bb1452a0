-- expected: safe
-- case: ALTER DOMAIN ADD CONSTRAINT ... NOT VALID: no scan, new values checked
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER DOMAIN cents ADD CONSTRAINT cents_not_negative CHECK (VALUE >= 0) NOT VALID;
