-- expected: hazard
-- case: an exclusion constraint builds its index and checks every row under ACCESS EXCLUSIVE, and has no NOT VALID form
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&);
