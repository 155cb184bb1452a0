-- expected: hazard
-- case: CREATE INDEX on a partitioned table builds every partition's index under SHARE locks
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE INDEX readings_value_idx ON readings (value);
