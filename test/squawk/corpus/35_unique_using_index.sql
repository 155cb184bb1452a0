-- expected: safe
-- case: the index built CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE UNIQUE INDEX CONCURRENTLY events_id_note_key ON events (id, note);
ALTER TABLE events ADD CONSTRAINT events_id_note_key UNIQUE USING INDEX events_id_note_key;
