-- expected: hazard
-- case: NOT VALID and VALIDATE in one transaction keep the first lock through the scan
SET lock_timeout = '2s';
SET statement_timeout = '60s';
BEGIN;
ALTER TABLE events ADD CONSTRAINT events_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE events VALIDATE CONSTRAINT events_user_id_fkey;
COMMIT;
