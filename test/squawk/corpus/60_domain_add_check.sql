-- expected: hazard
-- case: ALTER DOMAIN ADD CONSTRAINT checks every row of the large table using it, writes waiting
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER DOMAIN cents ADD CONSTRAINT cents_not_negative CHECK (VALUE >= 0);
