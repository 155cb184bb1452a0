-- expected: hazard
-- case: DETACH PARTITION takes ACCESS EXCLUSIVE on the large partitioned table every query uses
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE readings DETACH PARTITION readings_2024_01;
