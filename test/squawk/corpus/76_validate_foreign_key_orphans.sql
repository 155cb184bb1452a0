-- expected: hazard
-- case: VALIDATE CONSTRAINT of a foreign key that rows without a match violate
-- twin: safe (orphans are found in rows only, and a twin has none)
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE charges ADD CONSTRAINT charges_account_id_fkey FOREIGN KEY (account_id) REFERENCES members (id) NOT VALID;
ALTER TABLE charges VALIDATE CONSTRAINT charges_account_id_fkey;
