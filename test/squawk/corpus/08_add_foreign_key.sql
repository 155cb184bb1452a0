-- expected: hazard
-- case: a validating foreign key scans the large table under SHARE ROW EXCLUSIVE on both tables
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD CONSTRAINT events_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);
