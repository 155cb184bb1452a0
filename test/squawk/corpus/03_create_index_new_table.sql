-- expected: safe
-- case: an index on a table the migration creates: nobody else sees the table yet
SET lock_timeout = '2s';
SET statement_timeout = '60s';
BEGIN;
CREATE TABLE payments (id bigint PRIMARY KEY, user_id bigint);
CREATE INDEX idx_payments_user_id ON payments (user_id);
COMMIT;
