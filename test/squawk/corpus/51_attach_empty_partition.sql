-- expected: safe
-- case: attaching an empty table: nothing to read
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE readings ATTACH PARTITION readings_2024_03 FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
