-- expected: hazard
-- case: ADD UNIQUE builds its index under ACCESS EXCLUSIVE
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE events ADD CONSTRAINT events_id_note_key UNIQUE (id, note);
