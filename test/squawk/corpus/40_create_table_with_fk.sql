-- expected: safe
-- case: a new table with a foreign key to an existing one, with a lock_timeout
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE TABLE payments (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
CREATE INDEX idx_payments_user_id ON payments (user_id);
