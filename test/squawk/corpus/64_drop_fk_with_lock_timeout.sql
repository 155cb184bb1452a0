-- expected: safe
-- case: the same foreign key dropped with a lock_timeout
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE user_notes DROP CONSTRAINT user_notes_user_id_fkey;
