-- Migration-safety hazards of structures, on both paths (preloaded hook and
-- event trigger): exclusion constraints (constraint_index), partitions
-- (ATTACH: constraint_validation; DETACH, CREATE INDEX: concurrent_index),
-- materialized views (REFRESH: concurrent_index) and domains (ALTER DOMAIN
-- ADD CONSTRAINT: constraint_validation).  A table of a few MB is large at
-- large_table_size = 1MB.  Only the migration-safety rules are on here.
SET pg_conventions.disabled_rules = 'snake_case_names, require_primary_key, primary_key_type, require_timestamps, timestamptz_only, soft_delete_column, foreign_key_type, foreign_key_index, index_naming, redundant_index, low_cardinality_index';
SET pg_conventions.mode = off;
SET pg_conventions.large_table_size = '1MB';
CREATE SCHEMA st;
SET search_path = st, public;
SET lock_timeout = '5s';
CREATE TABLE st.bookings (id bigint PRIMARY KEY, room int, guest text, during tstzrange);
INSERT INTO st.bookings SELECT g, g % 100, 'guest ' || g,
    tstzrange('2024-01-01'::timestamptz + g * interval '1 hour',
              '2024-01-01'::timestamptz + (g + 1) * interval '1 hour')
  FROM generate_series(1, 40000) g;
CREATE TABLE st.small (id bigint PRIMARY KEY, room int, during tstzrange);
INSERT INTO st.small VALUES (1, 1, '[2024-01-01,2024-01-02)');
-- a range-partitioned table: two leaves (one with an awkward name), and a
-- leaf partitioned again by list
CREATE TABLE st.measurements (id bigint, taken_on date, kind text, value int)
  PARTITION BY RANGE (taken_on);
CREATE TABLE st.m2024_01 PARTITION OF st.measurements FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE st."M2024-02" PARTITION OF st.measurements FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE st.m2024_03 PARTITION OF st.measurements FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')
  PARTITION BY LIST (kind);
CREATE TABLE st.m2024_03_a PARTITION OF st.m2024_03 FOR VALUES IN ('a');
CREATE TABLE st.m2024_03_b PARTITION OF st.m2024_03 FOR VALUES IN ('b');
INSERT INTO st.measurements SELECT g, '2024-01-01'::date + g % 90, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END, g % 1000
  FROM generate_series(1, 90000) g;
-- April, loaded apart, to be attached
CREATE TABLE st.m2024_04 (id bigint, taken_on date, kind text, value int);
INSERT INTO st.m2024_04 SELECT g, '2024-04-01'::date + g % 30, 'a', g % 1000
  FROM generate_series(1, 40000) g;
CREATE TABLE st.m2024_05 (id bigint, taken_on date, kind text, value int);
INSERT INTO st.m2024_05 VALUES (1, '2024-05-01', 'a', 1);
-- list partitions beside a large default partition
CREATE TABLE st.orders (id bigint, region text, total numeric) PARTITION BY LIST (region);
CREATE TABLE st.orders_eu PARTITION OF st.orders FOR VALUES IN ('eu');
CREATE TABLE st.orders_other PARTITION OF st.orders DEFAULT;
INSERT INTO st.orders SELECT g, (ARRAY['eu', 'asia', 'africa'])[g % 3 + 1], g % 500
  FROM generate_series(1, 60000) g;
CREATE TABLE st.orders_us (id bigint, region text, total numeric) PARTITION BY LIST (total);
CREATE TABLE st.orders_us_east PARTITION OF st.orders_us FOR VALUES IN (10);
INSERT INTO st.orders_us VALUES (1, 'us', 10);
-- hash partitions
CREATE TABLE st.tokens (id bigint, token text) PARTITION BY HASH (id);
CREATE TABLE st.tokens_0 PARTITION OF st.tokens FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE st.tokens_1 (id bigint, token text);
INSERT INTO st.tokens_1 SELECT g, md5(g::text) FROM generate_series(1, 100000) g
  WHERE satisfies_hash_partition('st.tokens'::regclass, 2, 1, g::bigint);
-- a materialized view, large, and a small one
CREATE MATERIALIZED VIEW st.recent AS SELECT id, taken_on, value FROM st.measurements
  WHERE taken_on < '2024-04-01';
-- (rewritten page by page: from 16 on, the bulk write of CREATE leaves
-- preallocated empty pages at its end, and the size would differ by major)
VACUUM FULL st.recent;
CREATE MATERIALIZED VIEW st.rooms AS SELECT DISTINCT room FROM st.small;
-- domains, one over the other, and the tables that use them
CREATE DOMAIN st.quantity AS int;
CREATE DOMAIN st.small_quantity AS st.quantity;
CREATE TABLE st.stock (id bigint PRIMARY KEY, on_hand st.quantity, reserved st.small_quantity, note text);
INSERT INTO st.stock SELECT g, g % 50, g % 5, 'item ' || g FROM generate_series(1, 40000) g;
CREATE DOMAIN st.grade AS text;
CREATE TABLE st.grades (id bigint PRIMARY KEY, grade st.grade);
INSERT INTO st.grades VALUES (1, 'A');
VACUUM ANALYZE st.bookings, st.small, st.measurements, st.m2024_04, st.m2024_05,
  st.orders, st.orders_us, st.tokens_1, st.recent, st.rooms, st.stock, st.grades;

-- ---- constraint_index: ADD CONSTRAINT ... EXCLUDE ----
SET pg_conventions.mode = enforce;
ALTER TABLE st.bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&);
ALTER TABLE st.bookings ADD EXCLUDE USING btree (room WITH =, guest WITH =);
SET pg_conventions.profile = sequelize;
ALTER TABLE st.bookings ADD EXCLUDE USING btree (room WITH =, guest WITH =);
RESET pg_conventions.profile;
BEGIN;
ALTER TABLE st.bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&);
ROLLBACK;
SET pg_conventions.mode = warn;
BEGIN;
ALTER TABLE st.bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&);
ROLLBACK;
SET pg_conventions.mode = enforce;
-- the recipes: in a quiet window under safety_assured(); UNIQUE for =
BEGIN;
SET LOCAL lock_timeout = '5s';
SELECT conventions.safety_assured('exclusion constraint bookings_no_overlap of st.bookings, built in a quiet window');
ALTER TABLE st.bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&);
COMMIT;
CREATE UNIQUE INDEX CONCURRENTLY bookings_room_guest_excl ON st.bookings (room, guest);
SET lock_timeout = '5s';
ALTER TABLE st.bookings ADD CONSTRAINT bookings_room_guest_excl UNIQUE USING INDEX bookings_room_guest_excl;
SELECT conname, contype FROM pg_constraint WHERE conrelid = 'st.bookings'::regclass AND contype <> 'n' ORDER BY 1;
-- not hazards: a small table, a table of this transaction
ALTER TABLE st.small ADD CONSTRAINT small_no_overlap EXCLUDE USING gist (during WITH &&);
BEGIN;
CREATE TABLE st.bookings_copy AS SELECT * FROM st.bookings;
ALTER TABLE st.bookings_copy ADD EXCLUDE USING gist (during WITH &&);
ROLLBACK;

-- ---- concurrent_index: CREATE INDEX on a partitioned table ----
CREATE INDEX ON st.measurements (kind, value);
SET pg_conventions.profile = sequelize;
CREATE INDEX ON st.measurements (kind, value);
RESET pg_conventions.profile;
CREATE UNIQUE INDEX measurements_id_key ON st.measurements USING btree (id, taken_on, kind);
BEGIN;
CREATE INDEX measurements_value_idx ON st.measurements (value) WHERE value > 10;
ROLLBACK;
-- the recipe, as the HINT says it: the parent's index is valid at its end
CREATE INDEX measurements_kind_value_idx ON ONLY st.measurements (kind, value);
CREATE INDEX CONCURRENTLY m2024_01_kind_value_idx ON st.m2024_01 (kind, value);
ALTER INDEX st.measurements_kind_value_idx ATTACH PARTITION st.m2024_01_kind_value_idx;
CREATE INDEX CONCURRENTLY "M2024-02_kind_value_idx" ON st."M2024-02" (kind, value);
ALTER INDEX st.measurements_kind_value_idx ATTACH PARTITION st."M2024-02_kind_value_idx";
CREATE INDEX m2024_03_kind_value_idx ON ONLY st.m2024_03 (kind, value);
CREATE INDEX CONCURRENTLY m2024_03_a_kind_value_idx ON st.m2024_03_a (kind, value);
ALTER INDEX st.m2024_03_kind_value_idx ATTACH PARTITION st.m2024_03_a_kind_value_idx;
CREATE INDEX CONCURRENTLY m2024_03_b_kind_value_idx ON st.m2024_03_b (kind, value);
ALTER INDEX st.m2024_03_kind_value_idx ATTACH PARTITION st.m2024_03_b_kind_value_idx;
ALTER INDEX st.measurements_kind_value_idx ATTACH PARTITION st.m2024_03_kind_value_idx;
SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE c.relname LIKE '%kind_value_idx' ORDER BY 1;

-- ---- constraint_validation: ATTACH PARTITION ----
-- the table attached is read to prove its rows fit the bound
ALTER TABLE st.measurements ATTACH PARTITION st.m2024_04 FOR VALUES FROM ('2024-04-01') TO ('2024-05-01');
ALTER TABLE st.tokens ATTACH PARTITION st.tokens_1 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
SET pg_conventions.profile = sequelize;
ALTER TABLE st.measurements ATTACH PARTITION st.m2024_04 FOR VALUES FROM ('2024-04-01') TO ('2024-05-01');
RESET pg_conventions.profile;
-- the default partition is read to prove none of its rows belongs to the new one
ALTER TABLE st.orders ATTACH PARTITION st.orders_us FOR VALUES IN ('us');
-- the recipes, as the HINTs say them
SET lock_timeout = '5s';
ALTER TABLE st.m2024_04 ADD CONSTRAINT m2024_04_partition_check CHECK (((taken_on IS NOT NULL) AND (taken_on >= '2024-04-01'::date) AND (taken_on < '2024-05-01'::date))) NOT VALID;
ALTER TABLE st.m2024_04 VALIDATE CONSTRAINT m2024_04_partition_check;
SET lock_timeout = '5s';
ALTER TABLE st.measurements ATTACH PARTITION st.m2024_04 FOR VALUES FROM ('2024-04-01') TO ('2024-05-01');
ALTER TABLE st.m2024_04 DROP CONSTRAINT m2024_04_partition_check;
SET lock_timeout = '5s';
ALTER TABLE st.tokens_1 ADD CONSTRAINT tokens_1_partition_check CHECK (satisfies_hash_partition(('st.tokens'::regclass)::oid, 2, 1, id)) NOT VALID;
ALTER TABLE st.tokens_1 VALIDATE CONSTRAINT tokens_1_partition_check;
SET lock_timeout = '5s';
ALTER TABLE st.tokens ATTACH PARTITION st.tokens_1 FOR VALUES WITH (modulus 2, remainder 1);
ALTER TABLE st.tokens_1 DROP CONSTRAINT tokens_1_partition_check;
SET lock_timeout = '5s';
ALTER TABLE st.orders_other ADD CONSTRAINT orders_other_partition_check CHECK (((region IS NULL) OR (region <> 'us'::text))) NOT VALID;
ALTER TABLE st.orders_other VALIDATE CONSTRAINT orders_other_partition_check;
SET lock_timeout = '5s';
ALTER TABLE st.orders ATTACH PARTITION st.orders_us FOR VALUES IN ('us');
ALTER TABLE st.orders_other DROP CONSTRAINT orders_other_partition_check;
-- not hazards: a small table; a table of this transaction
ALTER TABLE st.measurements ATTACH PARTITION st.m2024_05 FOR VALUES FROM ('2024-05-01') TO ('2024-06-01');
BEGIN;
CREATE TABLE st.m2024_06 AS SELECT * FROM st.m2024_04;
UPDATE st.m2024_06 SET taken_on = taken_on + 61;
ALTER TABLE st.measurements ATTACH PARTITION st.m2024_06 FOR VALUES FROM ('2024-06-01') TO ('2024-07-01');
ROLLBACK;

-- ---- concurrent_index: DETACH PARTITION ----
ALTER TABLE st.measurements DETACH PARTITION st.m2024_05;
ALTER TABLE st.orders DETACH PARTITION st.orders_us;
SET pg_conventions.profile = sequelize;
ALTER TABLE st.measurements DETACH PARTITION st.m2024_05;
RESET pg_conventions.profile;
-- the recipes
ALTER TABLE st.measurements DETACH PARTITION st.m2024_05 CONCURRENTLY;
BEGIN;
SET LOCAL lock_timeout = '5s';
SELECT conventions.safety_assured('partition st.orders_us detached in a quiet window');
ALTER TABLE st.orders DETACH PARTITION st.orders_us;
COMMIT;
-- and back (a small table: not a hazard)
ALTER TABLE st.measurements ATTACH PARTITION st.m2024_05 FOR VALUES FROM ('2024-05-01') TO ('2024-06-01');
-- not a hazard: a small partitioned table
ALTER TABLE st.orders_us DETACH PARTITION st.orders_us_east;

-- ---- concurrent_index: REFRESH MATERIALIZED VIEW ----
REFRESH MATERIALIZED VIEW st.recent;
SET pg_conventions.profile = sequelize;
REFRESH MATERIALIZED VIEW st.recent;
RESET pg_conventions.profile;
-- the recipe: a unique index, then CONCURRENTLY
CREATE UNIQUE INDEX CONCURRENTLY recent_id_key ON st.recent (id);
REFRESH MATERIALIZED VIEW st.recent;
REFRESH MATERIALIZED VIEW CONCURRENTLY st.recent;
-- not hazards: a small view; a view of this transaction; WITH NO DATA,
-- which empties the view at once (queries on it then fail until the next
-- REFRESH: not a wait)
REFRESH MATERIALIZED VIEW st.rooms;
BEGIN;
CREATE MATERIALIZED VIEW st.recent_copy AS SELECT * FROM st.recent;
REFRESH MATERIALIZED VIEW st.recent_copy;
ROLLBACK;
REFRESH MATERIALIZED VIEW st.recent WITH NO DATA;
-- CREATE INDEX on a materialized view blocks only REFRESH: not judged
CREATE INDEX recent_value_idx ON st.recent (value);

-- ---- constraint_validation: ALTER DOMAIN ... ADD CONSTRAINT ----
ALTER DOMAIN st.quantity ADD CONSTRAINT quantity_not_negative CHECK (VALUE >= 0);
ALTER DOMAIN st.small_quantity ADD CHECK (VALUE < 10);
SET pg_conventions.profile = sequelize;
ALTER DOMAIN st.quantity ADD CONSTRAINT quantity_not_negative CHECK (VALUE >= 0);
RESET pg_conventions.profile;
BEGIN;
ALTER DOMAIN st.quantity ADD CONSTRAINT quantity_not_negative CHECK (VALUE >= 0);
ROLLBACK;
-- the recipe
ALTER DOMAIN st.quantity ADD CONSTRAINT quantity_not_negative CHECK (VALUE >= 0) NOT VALID;
SET lock_timeout = '5s';
ALTER DOMAIN st.quantity VALIDATE CONSTRAINT quantity_not_negative;
SELECT conname, convalidated FROM pg_constraint WHERE contypid = 'st.quantity'::regtype;
-- not hazards: a domain of small tables only; a table of this transaction
ALTER DOMAIN st.grade ADD CONSTRAINT grade_letter CHECK (VALUE ~ '^[A-F]$');
BEGIN;
CREATE DOMAIN st.level AS int;
CREATE TABLE st.levels AS SELECT g::st.level AS level FROM generate_series(1, 100000) g;
ALTER DOMAIN st.level ADD CONSTRAINT level_positive CHECK (VALUE > 0);
ROLLBACK;

-- ---- statements PostgreSQL refuses: its own errors, not ours ----
CREATE TABLE st.odd_columns (id bigint, taken_on date, value int, extra int);
INSERT INTO st.odd_columns SELECT g, '2024-07-01'::date + g % 30, g, g FROM generate_series(1, 40000) g;
ALTER TABLE st.measurements ATTACH PARTITION st.odd_columns FOR VALUES FROM ('2024-07-01') TO ('2024-08-01');
ALTER TABLE st.measurements ATTACH PARTITION st.no_such_table FOR VALUES FROM ('2024-07-01') TO ('2024-08-01');
ALTER TABLE st.measurements ATTACH PARTITION st.m2024_04 FOR VALUES FROM ('not a date') TO ('2024-08-01');
ALTER TABLE st.measurements DETACH PARTITION st.bookings;
ALTER DOMAIN int4 ADD CONSTRAINT positive CHECK (VALUE > 0);
ALTER DOMAIN st.no_such_domain ADD CONSTRAINT positive CHECK (VALUE > 0);
REFRESH MATERIALIZED VIEW st.bookings;
REFRESH MATERIALIZED VIEW st.no_such_view;

SET pg_conventions.mode = off;
DROP SCHEMA st CASCADE;
RESET pg_conventions.large_table_size;
RESET lock_timeout;
RESET search_path;
RESET pg_conventions.mode;
RESET pg_conventions.disabled_rules;
