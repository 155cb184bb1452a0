-- expected: hazard
-- case: CREATE INDEX on a large table blocks writes for the whole build
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE INDEX idx_events_user_id ON events (user_id);
