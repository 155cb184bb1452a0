-- expected: safe
-- case: ON ONLY the parent, each partition's index CONCURRENTLY, then ATTACH PARTITION
SET lock_timeout = '2s';
SET statement_timeout = '60s';
CREATE INDEX readings_value_idx ON ONLY readings (value);
CREATE INDEX CONCURRENTLY readings_2024_01_value_idx ON readings_2024_01 (value);
ALTER INDEX readings_value_idx ATTACH PARTITION readings_2024_01_value_idx;
