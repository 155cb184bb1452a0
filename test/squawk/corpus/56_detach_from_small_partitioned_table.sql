-- expected: safe
-- case: DETACH PARTITION from an empty partitioned table
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE tags DETACH PARTITION tags_eu;
