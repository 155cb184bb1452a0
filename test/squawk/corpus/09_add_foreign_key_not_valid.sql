-- expected: safe
-- case: NOT VALID, then VALIDATE in a transaction of its own
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD CONSTRAINT events_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE events VALIDATE CONSTRAINT events_user_id_fkey;
