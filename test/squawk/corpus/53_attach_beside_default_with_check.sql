-- expected: safe
-- case: a validated CHECK on the DEFAULT partition rules out the new values: no scan
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE orders_other ADD CONSTRAINT orders_other_partition_check CHECK (region IS NULL OR region <> 'us') NOT VALID;
ALTER TABLE orders_other VALIDATE CONSTRAINT orders_other_partition_check;
ALTER TABLE orders ATTACH PARTITION orders_us FOR VALUES IN ('us');
ALTER TABLE orders_other DROP CONSTRAINT orders_other_partition_check;
