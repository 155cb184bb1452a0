-- expected: hazard
-- case: ATTACH PARTITION reads the whole large table under ACCESS EXCLUSIVE to prove its bound
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE readings ATTACH PARTITION readings_2024_02 FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
