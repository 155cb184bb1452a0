-- expected: hazard
-- case: VALIDATE CONSTRAINT of a CHECK that a row violates
-- twin: safe (one row violates it: rows are evidence, and a twin has none; nor is the value among the statistics' most common)
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE charges ADD CONSTRAINT charges_amount_check CHECK (amount >= 0) NOT VALID;
ALTER TABLE charges VALIDATE CONSTRAINT charges_amount_check;
