-- expected: safe
-- case: an index on a small table (1,000 rows) builds in milliseconds
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE INDEX idx_users_email ON users (email);
