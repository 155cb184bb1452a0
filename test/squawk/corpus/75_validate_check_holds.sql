-- expected: safe
-- case: VALIDATE CONSTRAINT of a CHECK that every row meets
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE charges ADD CONSTRAINT charges_amount_check CHECK (amount < 100000) NOT VALID;
ALTER TABLE charges VALIDATE CONSTRAINT charges_amount_check;
