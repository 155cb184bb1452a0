-- The migration-safety hazards only the preloaded hooks can see: REINDEX,
-- VACUUM FULL and CLUSTER (no event trigger fires for them), and DML run
-- under a lock an earlier statement took (ExecutorStart).  A smaller threshold
-- here: 100,000 rows are large at 1MB.
SET pg_conventions.disabled_rules = 'snake_case_names, require_primary_key, primary_key_type, require_timestamps, timestamptz_only, soft_delete_column, foreign_key_type, foreign_key_index, index_naming, redundant_index, low_cardinality_index';
SET pg_conventions.large_table_size = '1MB';
SET pg_conventions.mode = off;
CREATE SCHEMA migh;
SET search_path = migh, public;
CREATE TABLE migh.orders (id bigint PRIMARY KEY, user_id bigint, status text);
INSERT INTO migh.orders SELECT g, g % 1000, CASE WHEN g % 2 = 0 THEN 'paid' END
  FROM generate_series(1, 100000) g;
CREATE INDEX idx_orders_user_id ON migh.orders (user_id);
CREATE TABLE migh.small (id bigint PRIMARY KEY, status text);
INSERT INTO migh.small VALUES (1, NULL);
VACUUM ANALYZE migh.orders, migh.small;
SET lock_timeout = '5s';
SET pg_conventions.mode = enforce;

-- ---- concurrent_index: REINDEX ----
REINDEX TABLE migh.orders;
REINDEX INDEX migh.idx_orders_user_id;
REINDEX (VERBOSE) TABLE migh.orders;
-- not hazards
REINDEX TABLE CONCURRENTLY migh.orders;
REINDEX (CONCURRENTLY) INDEX migh.idx_orders_user_id;
REINDEX TABLE migh.small;

-- ---- table_rewrite: VACUUM FULL, CLUSTER ----
VACUUM FULL migh.orders;
VACUUM (FULL, ANALYZE) migh.orders;
CLUSTER migh.orders USING idx_orders_user_id;
-- not hazards
VACUUM migh.orders;
-- every page, for an exact row count on every major (14's VACUUM extrapolates
-- it from the pages it did not skip)
VACUUM (DISABLE_PAGE_SKIPPING) migh.orders;
VACUUM FULL migh.small;
CLUSTER migh.small USING small_pkey;
-- warn: reported once, before the copy
SET pg_conventions.mode = warn;
VACUUM FULL migh.orders;
SET pg_conventions.mode = enforce;

-- ---- backfill_under_lock ----
-- the seed's "add column, then backfill" in one transaction
BEGIN;
ALTER TABLE migh.orders ADD COLUMN state text;
UPDATE migh.orders SET state = 'new' WHERE state IS NULL;
ROLLBACK;
BEGIN;
ALTER TABLE migh.orders ADD COLUMN state text;
UPDATE migh.orders AS o SET state = 'new';
ROLLBACK;
BEGIN;
LOCK TABLE migh.orders IN SHARE MODE;
DELETE FROM migh.orders WHERE status IS NULL;
ROLLBACK;
BEGIN;
ALTER TABLE migh.orders ADD COLUMN state text;
INSERT INTO migh.orders (id, user_id) SELECT id + 1000000, user_id FROM migh.orders;
ROLLBACK;
SET pg_conventions.profile = sequelize;
BEGIN;
ALTER TABLE migh.orders ADD COLUMN state text;
UPDATE migh.orders SET state = 'new' WHERE state IS NULL;
ROLLBACK;
RESET pg_conventions.profile;
-- warn: before the UPDATE runs
SET pg_conventions.mode = warn;
BEGIN;
ALTER TABLE migh.orders ADD COLUMN state text;
UPDATE migh.orders SET state = 'new' WHERE state IS NULL;
ROLLBACK;
SET pg_conventions.mode = enforce;
-- not hazards: the backfill in its own transaction, a few rows under the
-- lock, a small table, a table of this transaction, EXPLAIN
ALTER TABLE migh.orders ADD COLUMN state text;
UPDATE migh.orders SET state = 'new' WHERE id = ANY (ARRAY(SELECT id FROM migh.orders WHERE state IS NULL LIMIT 10000));
BEGIN;
ALTER TABLE migh.orders ADD COLUMN flag boolean;
UPDATE migh.orders SET flag = true WHERE id = 42;
ALTER TABLE migh.small ADD COLUMN flag boolean;
UPDATE migh.small SET flag = true;
CREATE TABLE migh.orders_copy AS SELECT * FROM migh.orders;
ALTER TABLE migh.orders_copy ADD COLUMN note text;
UPDATE migh.orders_copy SET note = 'x';
EXPLAIN (COSTS OFF) UPDATE migh.orders SET flag = false;
ROLLBACK;

-- a partitioned table: judged through its partitions, each once
SET pg_conventions.mode = off;
CREATE TABLE migh.parted (id bigint, k integer) PARTITION BY RANGE (k);
CREATE TABLE migh.parted_1 PARTITION OF migh.parted FOR VALUES FROM (0) TO (1000000);
INSERT INTO migh.parted SELECT g, g FROM generate_series(1, 100000) g;
ANALYZE migh.parted;
SET pg_conventions.mode = warn;
BEGIN;
ALTER TABLE migh.parted ADD COLUMN z integer;
UPDATE migh.parted SET z = 1;
ROLLBACK;

-- ---- rename_or_drop: TRUNCATE of a table that holds data, whatever its
-- size (no event trigger fires for TRUNCATE: the hook alone sees it) ----
SET pg_conventions.mode = enforce;
TRUNCATE migh.orders;
TRUNCATE TABLE migh.small CASCADE;
SET pg_conventions.profile = sequelize;
TRUNCATE migh.small;
RESET pg_conventions.profile;
SELECT count(*) AS small_rows FROM migh.small;
-- not hazards: an empty table, a table this transaction made, the HINT's recipe
CREATE TABLE migh.empty_one (id bigint PRIMARY KEY);
VACUUM ANALYZE migh.empty_one;
TRUNCATE migh.empty_one;
BEGIN;
CREATE TABLE migh.scratch (id bigint PRIMARY KEY);
INSERT INTO migh.scratch VALUES (1), (2);
TRUNCATE migh.scratch;
ROLLBACK;
BEGIN;
SELECT conventions.safety_assured('no deployed code uses it any more');
TRUNCATE migh.small;
ROLLBACK;
-- CASCADE also empties the tables that reference it: each that holds data
-- is named, the table that brings it in too, and (with lock_timeout 0) each
-- one's ACCESS EXCLUSIVE lock, with why it is taken
SET pg_conventions.mode = off;
CREATE TABLE migh.empty_parent (id bigint PRIMARY KEY);
CREATE TABLE migh.child (id bigint PRIMARY KEY, parent_id bigint CONSTRAINT child_parent_id_fkey REFERENCES migh.empty_parent, note text);
CREATE TABLE migh.grandchild (id bigint PRIMARY KEY, child_id bigint CONSTRAINT grandchild_child_id_fkey REFERENCES migh.child);
INSERT INTO migh.child VALUES (1, NULL, 'kept with no parent');
INSERT INTO migh.grandchild VALUES (1, 1);
SET pg_conventions.mode = enforce;
TRUNCATE migh.empty_parent CASCADE;
SET lock_timeout = 0;
SET pg_conventions.mode = warn;
BEGIN;
TRUNCATE migh.empty_parent CASCADE;
SELECT count(*) AS child_rows FROM migh.child;
ROLLBACK;
SET pg_conventions.mode = enforce;
SET lock_timeout = '5s';
-- not a hazard: without CASCADE, PostgreSQL refuses it
TRUNCATE migh.empty_parent;
SET pg_conventions.mode = off;
DROP TABLE migh.grandchild, migh.child, migh.empty_parent;
SET pg_conventions.mode = enforce;
-- under warn: the WARNING, then the statement runs
SET pg_conventions.mode = warn;
BEGIN;
TRUNCATE migh.small;
SELECT count(*) AS small_rows FROM migh.small;
ROLLBACK;
SET pg_conventions.mode = off;
DROP SCHEMA migh CASCADE;
RESET pg_conventions.mode;
RESET pg_conventions.large_table_size;
RESET pg_conventions.disabled_rules;
RESET search_path;
RESET lock_timeout;
