-- expected: hazard
-- case: dropping a foreign key of a table that never held a row still takes ACCESS EXCLUSIVE on the busy table it references (its triggers go), with lock_timeout = 0
SET lock_timeout = 0;
SET statement_timeout = '60s';
ALTER TABLE user_notes DROP CONSTRAINT user_notes_user_id_fkey;
