-- expected: hazard
-- case: ATTACH PARTITION reads the large DEFAULT partition under ACCESS EXCLUSIVE to prove none of its rows moves
SET lock_timeout = '2s';
SET statement_timeout = '60s';
ALTER TABLE orders ATTACH PARTITION orders_us FOR VALUES IN ('us');
