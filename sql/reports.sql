-- The index-health reports: missing_fk_indexes(), redundant_indexes(),
-- unused_indexes(), low_cardinality_indexes().
SET pg_conventions.mode = off;
CREATE SCHEMA rep;
SET search_path = rep;
-- The counters this session wrote so far, readable from its next statement:
-- pg_stat_force_next_flush() since PostgreSQL 15.  On 14 a session sends its
-- counters when it goes idle 500 ms after its last report, and a reader
-- takes a statistics file up to 500 ms old: so it is called twice, the first
-- call's end sends the counters, the second outwaits any file written
-- before the collector had them.
CREATE FUNCTION stats_flush() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('server_version_num')::int >= 150000 THEN
    EXECUTE 'SELECT pg_stat_force_next_flush()';
  ELSE
    PERFORM pg_sleep(1.0);
  END IF;
END $$;
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
CREATE TABLE pairs (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE codes (code text PRIMARY KEY);

-- missing_fk_indexes(): every clause of the coverage definition, one table
-- each.  c_* tables are covered, u_* are not.
CREATE FUNCTION fk_case(name text, fk text, ref text, idx text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TABLE %I (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), a int, b int, c int, '
                 'user_id uuid, code text, ccode text COLLATE "C", note text, created_at timestamptz, '
                 'FOREIGN KEY (%s) REFERENCES %s)', name, fk, ref);
  IF idx IS NOT NULL THEN
    EXECUTE format('CREATE INDEX ON %I %s', name, idx);
  END IF;
END $$;
SELECT fk_case('u_none', 'user_id', 'users', NULL);
SELECT fk_case('c_btree', 'user_id', 'users', '(user_id)');
SELECT fk_case('c_hash', 'user_id', 'users', 'USING hash (user_id)');
SELECT fk_case('u_brin', 'user_id', 'users', 'USING brin (user_id)');
SELECT fk_case('c_leading', 'user_id', 'users', '(user_id, created_at DESC)');
SELECT fk_case('u_second', 'user_id', 'users', '(created_at, user_id)');
SELECT fk_case('u_include', 'user_id', 'users', '(note) INCLUDE (user_id)');
SELECT fk_case('c_ab', 'a, b', 'pairs', '(a, b)');
SELECT fk_case('c_ba_c', 'a, b', 'pairs', '(b, a, c)');
SELECT fk_case('u_a_only', 'a, b', 'pairs', '(a)');
SELECT fk_case('u_a_c_b', 'a, b', 'pairs', '(a, c, b)');
SELECT fk_case('u_a_inc_b', 'a, b', 'pairs', '(a) INCLUDE (b)');
SELECT fk_case('u_a_a', 'a, b', 'pairs', '(a, a)');
SELECT fk_case('u_hash_two', 'a, b', 'pairs', 'USING hash (a)');
SELECT fk_case('u_expression', 'code', 'codes', '(lower(code))');
SELECT fk_case('c_own_collation', 'ccode', 'codes', '(ccode)');
SELECT fk_case('u_other_collation', 'ccode', 'codes', '(ccode COLLATE "POSIX")');
SELECT fk_case('u_c_for_default', 'code', 'codes', '(code COLLATE "C")');
SELECT fk_case('c_pattern_ops', 'code', 'codes', '(code text_pattern_ops)');
SELECT fk_case('c_pred_not_null', 'user_id', 'users', '(user_id) WHERE user_id IS NOT NULL');
SELECT fk_case('c_pred_both', 'a, b', 'pairs', '(a, b) WHERE a IS NOT NULL AND b IS NOT NULL');
SELECT fk_case('u_pred_other', 'user_id', 'users', '(user_id) WHERE note IS NULL');
SELECT fk_case('u_pred_more', 'user_id', 'users', '(user_id) WHERE user_id IS NOT NULL AND c > 0');
-- an invalid index covers nothing
SELECT fk_case('u_invalid', 'user_id', 'users', '(user_id)');
UPDATE pg_index SET indisvalid = false WHERE indrelid = 'rep.u_invalid'::regclass AND NOT indisprimary;
-- NOT VALID and DEFERRABLE keys, self-references, a composite primary key
CREATE TABLE u_not_valid (id uuid PRIMARY KEY, user_id uuid);
ALTER TABLE u_not_valid ADD FOREIGN KEY (user_id) REFERENCES users NOT VALID;
CREATE TABLE u_deferrable (id uuid PRIMARY KEY, user_id uuid REFERENCES users DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE u_self (id uuid PRIMARY KEY, parent_id uuid REFERENCES u_self);
CREATE TABLE c_by_primary_key (user_id uuid REFERENCES users, pair_a int, PRIMARY KEY (user_id, pair_a));
-- partitioned: by the parent's index, by every leaf's, not by all leaves
CREATE TABLE c_parted_parent (id uuid, user_id uuid REFERENCES users, r int, PRIMARY KEY (id, r)) PARTITION BY LIST (r);
CREATE TABLE c_parted_parent_1 PARTITION OF c_parted_parent FOR VALUES IN (1);
CREATE INDEX ON c_parted_parent (user_id);
CREATE TABLE c_parted_leaves (id uuid, user_id uuid REFERENCES users, r int, PRIMARY KEY (id, r)) PARTITION BY LIST (r);
CREATE TABLE c_parted_leaves_1 PARTITION OF c_parted_leaves FOR VALUES IN (1);
CREATE TABLE c_parted_leaves_2 PARTITION OF c_parted_leaves FOR VALUES IN (2);
CREATE INDEX ON c_parted_leaves_1 (user_id);
CREATE INDEX ON c_parted_leaves_2 (user_id);
CREATE TABLE u_parted_one_leaf (id uuid, user_id uuid REFERENCES users, r int, PRIMARY KEY (id, r)) PARTITION BY LIST (r);
CREATE TABLE u_parted_one_leaf_1 PARTITION OF u_parted_one_leaf FOR VALUES IN (1);
CREATE TABLE u_parted_one_leaf_2 PARTITION OF u_parted_one_leaf FOR VALUES IN (2);
CREATE INDEX ON u_parted_one_leaf_1 (user_id);
CREATE TABLE u_parted_empty (id uuid, user_id uuid REFERENCES users, r int, PRIMARY KEY (id, r)) PARTITION BY LIST (r);
-- a partition's own key (no clone of its parent's): its own indexes decide
CREATE TABLE parted_own (id uuid, user_id uuid, r int, PRIMARY KEY (id, r)) PARTITION BY LIST (r);
CREATE TABLE c_parted_own_1 PARTITION OF parted_own FOR VALUES IN (1);
CREATE TABLE u_parted_own_2 PARTITION OF parted_own FOR VALUES IN (2);
ALTER TABLE c_parted_own_1 ADD FOREIGN KEY (user_id) REFERENCES users;
ALTER TABLE u_parted_own_2 ADD FOREIGN KEY (user_id) REFERENCES users;
CREATE INDEX ON c_parted_own_1 (user_id);

-- exactly the u_* keys are reported, the partitioned one once, on its parent
RESET search_path;
SELECT table_name, constraint_name, fk_columns, referenced_table
  FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE 'rep.%' ORDER BY 1::text;
SELECT count(*) AS covered_reported FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE 'rep.c\_%';

-- ordered by impact: the bigger referencing table first, all else equal
INSERT INTO rep.u_none (user_id) SELECT NULL FROM generate_series(1, 2000);
VACUUM rep.u_none;
SELECT table_name, table_rows, table_size > 0 AS has_size, referenced_updates >= 0 AS counted
  FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE 'rep.%' LIMIT 2;

-- the referenced table's updates and deletes since the statistics were
-- reset, a partitioned one's summed over its partitions; more writes to the
-- referenced table rank a key higher, all else equal
CREATE SCHEMA repw;
CREATE TABLE repw.ref (id int PRIMARY KEY);
INSERT INTO repw.ref SELECT generate_series(1, 10);
CREATE TABLE repw.child (id int PRIMARY KEY, ref_id int REFERENCES repw.ref);
CREATE TABLE repw.pref (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE repw.pref_1 PARTITION OF repw.pref FOR VALUES FROM (0) TO (100);
CREATE TABLE repw.pref_2 PARTITION OF repw.pref FOR VALUES FROM (100) TO (200);
INSERT INTO repw.pref VALUES (1), (2), (101), (102);
CREATE TABLE repw.pchild (id int PRIMARY KEY, pref_id int REFERENCES repw.pref);
UPDATE repw.ref SET id = id WHERE id <= 3;
DELETE FROM repw.ref WHERE id > 8;
UPDATE repw.pref SET id = id WHERE id IN (1, 101);
DELETE FROM repw.pref WHERE id = 102;
SELECT rep.stats_flush();
SELECT rep.stats_flush();
SELECT table_name, referenced_table, referenced_updates, referenced_deletes
  FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE 'repw.%';
DROP SCHEMA repw CASCADE;

-- key columns numbered 64 and up (named one by one, not from the scan's
-- filter), alone and with a low one; a covered one of each stays out
CREATE SCHEMA repwide;
CREATE TABLE repwide.ref (id int PRIMARY KEY, k int, UNIQUE (id, k));
DO $$ BEGIN EXECUTE 'CREATE TABLE repwide.wide (id int PRIMARY KEY, ' ||
  (SELECT string_agg(format('c%s int', i), ', ') FROM generate_series(2, 70) i) || ')'; END $$;
ALTER TABLE repwide.wide ADD CONSTRAINT wide_c66_fkey FOREIGN KEY (c66) REFERENCES repwide.ref;
ALTER TABLE repwide.wide ADD CONSTRAINT wide_c65_fkey FOREIGN KEY (c65) REFERENCES repwide.ref;
CREATE INDEX ON repwide.wide (c65);
ALTER TABLE repwide.wide ADD CONSTRAINT wide_c2_c67_fkey FOREIGN KEY (c2, c67) REFERENCES repwide.ref (id, k);
ALTER TABLE repwide.wide ADD CONSTRAINT wide_c68_c3_fkey FOREIGN KEY (c68, c3) REFERENCES repwide.ref (id, k);
CREATE INDEX ON repwide.wide (c68, c3);
ALTER TABLE repwide.wide ADD CONSTRAINT wide_c3_fkey FOREIGN KEY (c3) REFERENCES repwide.ref;
SELECT constraint_name, fk_columns, fix_sql
  FROM conventions.missing_fk_indexes() WHERE table_name = 'repwide.wide'::regclass ORDER BY 1;
SELECT fix_sql FROM conventions.missing_fk_indexes() WHERE table_name = 'repwide.wide'::regclass \gexec
SELECT count(*) AS still_missing FROM conventions.missing_fk_indexes() WHERE table_name = 'repwide.wide'::regclass;
DROP SCHEMA repwide CASCADE;

-- the fix: the key's columns in its order, CONCURRENTLY, IF NOT EXISTS; on a
-- partitioned table plain, with the per-partition way in the note
SELECT table_name, fix_sql, note FROM conventions.missing_fk_indexes()
 WHERE table_name IN ('rep.u_none'::regclass, 'rep.u_a_c_b'::regclass, 'rep.u_parted_one_leaf'::regclass) ORDER BY 1::text;

-- two keys on the same columns share one index; names never collide
CREATE TABLE rep.twice (id uuid PRIMARY KEY, user_id uuid REFERENCES rep.users, CONSTRAINT twice_again FOREIGN KEY (user_id) REFERENCES rep.users);
CREATE TABLE rep.a_b (id uuid PRIMARY KEY, c uuid REFERENCES rep.users);
CREATE TABLE rep.a (id uuid PRIMARY KEY, b_c uuid REFERENCES rep.users);
CREATE TABLE rep.t23456789012345678901234567890123456789012345678901234567890123 (id uuid PRIMARY KEY,
  c2345678901234567890123456789012345678901234567890123456789_one uuid REFERENCES rep.users,
  c2345678901234567890123456789012345678901234567890123456789_two uuid REFERENCES rep.users);
SELECT table_name, fix_sql FROM conventions.missing_fk_indexes()
 WHERE table_name IN ('rep.twice'::regclass, 'rep.a_b'::regclass, 'rep.a'::regclass,
                      'rep.t23456789012345678901234567890123456789012345678901234567890123'::regclass)
 ORDER BY 1::text, 2;

-- every fix runs, and then nothing is missing
SELECT fix_sql FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE 'rep.%' ORDER BY fix_sql \gexec
SELECT count(*) AS still_missing FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE 'rep.%';
SELECT count(*) AS from_the_guard FROM conventions.violations() WHERE rule = 'foreign_key_index' AND table_name::text LIKE 'rep.%';

-- redundant_indexes(): each subtlety on a table of its own
CREATE FUNCTION rep.pair(name text, first text, second text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TABLE rep.%I (id uuid PRIMARY KEY, a int, b int, c int, code text, user_id uuid REFERENCES rep.users)', name);
  EXECUTE format('CREATE %s', replace(first, 'ON t', 'ON rep.' || quote_ident(name)));
  EXECUTE format('CREATE %s', replace(second, 'ON t', 'ON rep.' || quote_ident(name)));
END $$;
SELECT rep.pair('r_duplicate', 'INDEX r_dup_1 ON t (a, b)', 'INDEX r_dup_2 ON t (a, b)');
SELECT rep.pair('r_prefix', 'INDEX r_prefix_ab ON t (a, b)', 'INDEX r_prefix_a ON t (a)');
SELECT rep.pair('k_other_opclass', 'INDEX k_oo_1 ON t (code)', 'INDEX k_oo_2 ON t (code text_pattern_ops)');
SELECT rep.pair('k_other_collation', 'INDEX k_oc_1 ON t (code)', 'INDEX k_oc_2 ON t (code COLLATE "POSIX")');
SELECT rep.pair('k_desc', 'INDEX k_desc_1 ON t (a, b)', 'INDEX k_desc_2 ON t (a DESC)');
SELECT rep.pair('k_predicate', 'INDEX k_pred_1 ON t (a, b)', 'INDEX k_pred_2 ON t (a) WHERE c > 0');
SELECT rep.pair('r_same_predicate', 'INDEX r_sp_1 ON t (a, b) WHERE c > 0', 'INDEX r_sp_2 ON t (a) WHERE c > 0');
SELECT rep.pair('r_expression', 'INDEX r_ex_1 ON t (lower(code), a)', 'INDEX r_ex_2 ON t (lower(code))');
SELECT rep.pair('k_other_expression', 'INDEX k_ex_1 ON t (lower(code), a)', 'INDEX k_ex_2 ON t (upper(code))');
SELECT rep.pair('r_include_there', 'INDEX r_inc_1 ON t (a, b)', 'INDEX r_inc_2 ON t (a) INCLUDE (b)');
SELECT rep.pair('k_include_missing', 'INDEX k_inc_1 ON t (a, b)', 'INDEX k_inc_2 ON t (a) INCLUDE (c)');
SELECT rep.pair('r_plain_beside_unique', 'UNIQUE INDEX r_pu_1 ON t (a, b)', 'INDEX r_pu_2 ON t (a, b)');
SELECT rep.pair('k_unique_beside_longer', 'UNIQUE INDEX k_ul_1 ON t (a, b, c)', 'UNIQUE INDEX k_ul_2 ON t (a, b)');
SELECT rep.pair('r_constraint_kept', 'INDEX r_ck_plain ON t (code)', 'UNIQUE INDEX r_ck_unique ON t (code)');
ALTER TABLE rep.r_constraint_kept ADD CONSTRAINT r_constraint_kept_code_key UNIQUE USING INDEX r_ck_unique;
SELECT rep.pair('r_primary_key', 'INDEX r_pk_1 ON t (id)', 'INDEX r_pk_2 ON t (b)');
SELECT rep.pair('k_only_fk_index', 'INDEX k_fk_1 ON t (user_id)', 'INDEX k_fk_2 ON t (b)');
SELECT index, table_name, redundant_to, reason, fix_sql FROM conventions.redundant_indexes()
 WHERE table_name::text LIKE 'rep.%' ORDER BY table_name::text, index::text;
SELECT count(*) AS kept_reported FROM conventions.redundant_indexes() WHERE table_name::text LIKE 'rep.k\_%';
SELECT fix_sql FROM conventions.redundant_indexes() WHERE table_name::text LIKE 'rep.%' ORDER BY 1 \gexec
SELECT count(*) AS still_redundant FROM conventions.redundant_indexes() WHERE table_name::text LIKE 'rep.%';

-- unused_indexes(): no scan since the statistics were reset; not unique,
-- constraint or foreign-key indexes
CREATE TABLE rep.logins (id uuid PRIMARY KEY, user_id uuid REFERENCES rep.users, email text UNIQUE, at timestamptz, ip inet);
CREATE INDEX idx_logins_user_id ON rep.logins (user_id);
CREATE INDEX idx_logins_at ON rep.logins (at);
CREATE INDEX idx_logins_ip ON rep.logins (ip);
CREATE UNIQUE INDEX idx_logins_email_at ON rep.logins (email, at);
SET enable_seqscan = off;
SELECT count(*) FROM rep.logins WHERE ip = '10.0.0.1';
RESET enable_seqscan;
SELECT rep.stats_flush();
SELECT rep.stats_flush();
\c
SET pg_conventions.mode = off;
-- idx_logins_at only (an index on a partition that the parent's key needs
-- is not unused either)
-- (PostgreSQL 14's statistics collector dates a database's statistics from
-- their creation, so "never reset" cannot be told: expected/reports_1.out)
SELECT index, table_name, index_scans, stats_since IS NULL AS never_reset, fix_sql, note
  FROM conventions.unused_indexes()
 WHERE table_name::text LIKE 'rep.logins%' OR table_name::text LIKE 'rep.c\_parted%' ORDER BY 1::text;
SELECT pg_stat_reset();
SELECT rep.stats_flush();
SELECT index, stats_since IS NOT NULL AS reset, stats_age >= '0'::interval AS aged
  FROM conventions.unused_indexes() WHERE table_name::text LIKE 'rep.logins%' ORDER BY 1::text;
SELECT fix_sql FROM conventions.unused_indexes() WHERE table_name::text LIKE 'rep.logins%' \gexec
SELECT count(*) AS still_unused FROM conventions.unused_indexes() WHERE table_name::text LIKE 'rep.logins%';

-- low_cardinality_indexes()
SET pg_conventions.mode = off;
CREATE TABLE rep.accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), n int, status text, flag boolean);
INSERT INTO rep.accounts (n, status, flag)
SELECT i, CASE WHEN i % 20 = 0 THEN 'banned' WHEN i % 20 = 1 THEN 'inactive' ELSE 'active' END, i % 2 = 0
  FROM generate_series(1, 5000) i;
CREATE INDEX idx_accounts_status ON rep.accounts (status);
CREATE INDEX idx_accounts_flag ON rep.accounts (flag);
CREATE INDEX idx_accounts_n ON rep.accounts (n);
ANALYZE rep.accounts;
SELECT index, column_name, distinct_values, dominant_value, round(dominant_fraction::numeric, 1) AS dominant_fraction,
       fix_sql, partial_index_sql
  FROM conventions.low_cardinality_indexes() WHERE table_name::text LIKE 'rep.%' ORDER BY 1::text;
SELECT partial_index_sql FROM conventions.low_cardinality_indexes() WHERE partial_index_sql IS NOT NULL AND table_name::text LIKE 'rep.%' \gexec
SELECT fix_sql FROM conventions.low_cardinality_indexes() WHERE table_name::text LIKE 'rep.%' \gexec
SELECT count(*) AS still_low FROM conventions.low_cardinality_indexes() WHERE table_name::text LIKE 'rep.%';

DROP SCHEMA rep CASCADE;

-- awkward identifiers in every report, and their fixes run
CREATE SCHEMA "Odd ""Reports""";
CREATE TABLE "Odd ""Reports"""."User" ("ID" uuid PRIMARY KEY);
CREATE TABLE "Odd ""Reports"""."order items" ("Owner ID" uuid REFERENCES "Odd ""Reports"""."User",
  "ünïcødé" text, "select" int);
CREATE INDEX "My Index" ON "Odd ""Reports"""."order items" ("select");
CREATE INDEX "My Index 2" ON "Odd ""Reports"""."order items" ("select", "ünïcødé");
INSERT INTO "Odd ""Reports"""."order items" ("select") SELECT i % 2 FROM generate_series(1, 1000) i;
ANALYZE "Odd ""Reports"""."order items";
SELECT fix_sql FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE '"Odd ""Reports"""%';
SELECT index, redundant_to, fix_sql FROM conventions.redundant_indexes() WHERE table_name::text LIKE '"Odd ""Reports"""%';
SELECT index, fix_sql FROM conventions.unused_indexes() WHERE table_name::text LIKE '"Odd ""Reports"""%' ORDER BY 1::text;
SELECT index, fix_sql FROM conventions.low_cardinality_indexes() WHERE table_name::text LIKE '"Odd ""Reports"""%';
SELECT fix_sql FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE '"Odd ""Reports"""%' \gexec
SELECT fix_sql FROM conventions.redundant_indexes() WHERE table_name::text LIKE '"Odd ""Reports"""%' \gexec
SELECT count(*) AS left_over FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE '"Odd ""Reports"""%';
SELECT count(*) AS left_over FROM conventions.redundant_indexes() WHERE table_name::text LIKE '"Odd ""Reports"""%';
DROP SCHEMA "Odd ""Reports""" CASCADE;
RESET pg_conventions.mode;
