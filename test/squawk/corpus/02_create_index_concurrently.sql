-- expected: safe
-- case: CREATE INDEX CONCURRENTLY lets writes go on
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE INDEX CONCURRENTLY idx_events_user_id ON events (user_id);
