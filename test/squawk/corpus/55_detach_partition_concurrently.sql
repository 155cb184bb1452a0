-- expected: safe
-- case: DETACH PARTITION ... CONCURRENTLY
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE readings DETACH PARTITION readings_2024_01 CONCURRENTLY;
