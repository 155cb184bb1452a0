-- expected: safe
-- case: a validated CHECK matching the bound first (NOT VALID, VALIDATE): ATTACH skips the scan
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE readings_2024_02 ADD CONSTRAINT readings_2024_02_partition_check CHECK (taken_on IS NOT NULL AND taken_on >= '2024-02-01' AND taken_on < '2024-03-01') NOT VALID;
ALTER TABLE readings_2024_02 VALIDATE CONSTRAINT readings_2024_02_partition_check;
ALTER TABLE readings ATTACH PARTITION readings_2024_02 FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
ALTER TABLE readings_2024_02 DROP CONSTRAINT readings_2024_02_partition_check;
