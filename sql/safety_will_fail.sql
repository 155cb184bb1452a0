-- Rule will_fail, on both paths (preloaded hook and event trigger): a
-- statement that the table's rows or statistics show will fail at the end
-- of its scan, said before it starts; only with evidence, shown in DETAIL,
-- with the query that lists the offending rows in HINT.
SET pg_conventions.disabled_rules = 'snake_case_names, require_primary_key, primary_key_type, require_timestamps, timestamptz_only, soft_delete_column, foreign_key_type, foreign_key_index, index_naming, redundant_index, low_cardinality_index';
SET pg_conventions.mode = off;
SET lock_timeout = '5s';
CREATE SCHEMA wf;
SET search_path = wf, public;
CREATE TABLE wf.accounts (id bigint PRIMARY KEY, email text, code text, name varchar(100), region text);
INSERT INTO wf.accounts
SELECT g, CASE WHEN g IN (3, 5, 9) THEN 'dup@example.com' WHEN g = 4 THEN NULL ELSE 'u' || g || '@example.com' END,
       CASE WHEN g = 7 THEN 'seven' ELSE g::text END,
       repeat('x', g), CASE WHEN g = 11 THEN NULL ELSE 'eu' END
  FROM generate_series(1, 12) g;
CREATE TABLE wf.orders (id bigint PRIMARY KEY, account_id bigint, total numeric(10,2));
INSERT INTO wf.orders SELECT g, CASE WHEN g IN (2, 8) THEN 40 + g ELSE g END, g - 3
  FROM generate_series(1, 10) g;
ANALYZE wf.accounts, wf.orders;
SET pg_conventions.mode = enforce;

-- ---- duplicates under a unique index or key ----
-- rejected before PostgreSQL builds anything: no INVALID index left behind
CREATE UNIQUE INDEX CONCURRENTLY idx_accounts_email ON wf.accounts (email);
SELECT count(*) AS invalid_indexes FROM pg_index WHERE indrelid = 'wf.accounts'::regclass AND NOT indisvalid;
ALTER TABLE wf.accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);
ALTER TABLE wf.accounts ADD CONSTRAINT accounts_region_id_key UNIQUE (region, id);  -- unique: no hazard
ALTER TABLE wf.accounts DROP CONSTRAINT accounts_region_id_key;
-- NULLs are distinct: the one NULL email is no duplicate; the hint's query
SELECT email, count(*) FROM wf.accounts WHERE email IS NOT NULL GROUP BY email HAVING count(*) > 1 ORDER BY count(*) DESC;
UPDATE wf.accounts SET email = 'u' || id || '@example.com' WHERE email = 'dup@example.com';
CREATE UNIQUE INDEX CONCURRENTLY idx_accounts_email ON wf.accounts (email);
-- an expression, a predicate, an operator class: not judged (no guess at
-- their equality), PostgreSQL's own failure alone
CREATE UNIQUE INDEX idx_accounts_region_lower ON wf.accounts (lower(region));
CREATE UNIQUE INDEX idx_accounts_region_partial ON wf.accounts (region) WHERE id > 1;

-- an inheritance parent's index holds its own rows, a partitioned table's
-- its partitions'
SET pg_conventions.mode = off;
CREATE TABLE wf.log (id bigint, code text);
CREATE TABLE wf.log_old () INHERITS (wf.log);
INSERT INTO wf.log VALUES (1, 'a');
INSERT INTO wf.log_old VALUES (1, 'a'), (2, 'a');
CREATE TABLE wf.parted (id bigint, code text) PARTITION BY LIST (code);
CREATE TABLE wf.parted_a PARTITION OF wf.parted FOR VALUES IN ('a');
INSERT INTO wf.parted VALUES (1, 'a'), (1, 'a');
SET pg_conventions.mode = enforce;
CREATE UNIQUE INDEX idx_log_id ON wf.log (id);
CREATE UNIQUE INDEX idx_parted_id_code ON wf.parted (id, code);
CREATE UNIQUE INDEX idx_parted_only_id_code ON ONLY wf.parted (id, code);  -- builds nothing now

-- ---- NULLs under NOT NULL ----
ALTER TABLE wf.accounts ALTER COLUMN region SET NOT NULL;
CREATE TABLE wf.signups (email text, region text);
INSERT INTO wf.signups VALUES ('a@x', 'eu'), ('a@x', 'eu'), (NULL, 'us'), ('b@x', 'us');
ALTER TABLE wf.signups ADD PRIMARY KEY (email);  -- NULLs and duplicates: the first, and one more
ALTER TABLE wf.accounts ADD PRIMARY KEY (region);  -- a second primary key: refused at once, not judged
SELECT * FROM wf.accounts WHERE region IS NULL;
UPDATE wf.accounts SET region = 'us' WHERE region IS NULL;
ALTER TABLE wf.accounts ALTER COLUMN region SET NOT NULL;
ALTER TABLE wf.accounts ALTER COLUMN region SET NOT NULL;  -- already: nothing to check

-- ---- a CHECK that rows violate ----
ALTER TABLE wf.orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);
ALTER TABLE wf.orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;
ALTER TABLE wf.orders VALIDATE CONSTRAINT orders_total_check;
SELECT * FROM wf.orders WHERE NOT (total >= (0)::numeric);
UPDATE wf.orders SET total = 0 WHERE total < 0;
ALTER TABLE wf.orders VALIDATE CONSTRAINT orders_total_check;
ALTER TABLE wf.orders ADD CHECK (total < 100);  -- true for every row
-- the rows read run the CHECK's expression: what it says is not the
-- client's (a function declared immutable that raises a NOTICE: only
-- PostgreSQL's own reading shows it, once a row); a volatile one is not run
-- at all (its effects would outlive the rolled-back read): no verdict
SET pg_conventions.mode = off;
CREATE FUNCTION wf.loud_positive(numeric) RETURNS boolean IMMUTABLE LANGUAGE plpgsql AS
$$BEGIN RAISE NOTICE 'checking %', $1; RETURN $1 > 0; END$$;
CREATE SEQUENCE wf.calls;
CREATE FUNCTION wf.counted_positive(numeric) RETURNS boolean VOLATILE LANGUAGE plpgsql AS
$$BEGIN PERFORM nextval('wf.calls'); RETURN $1 > 0; END$$;
SET pg_conventions.mode = enforce;
ALTER TABLE wf.orders ADD CONSTRAINT orders_total_loud CHECK (wf.loud_positive(total));
SET pg_conventions.mode = warn;
ALTER TABLE wf.orders ADD CONSTRAINT orders_total_counted CHECK (wf.counted_positive(total));
SELECT last_value AS calls_by_postgresql_alone FROM wf.calls;
SET pg_conventions.mode = enforce;

-- ---- a foreign key with orphans ----
ALTER TABLE wf.orders ADD CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES wf.accounts;
ALTER TABLE wf.orders ADD CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES wf.accounts (id) NOT VALID;
ALTER TABLE wf.orders VALIDATE CONSTRAINT orders_account_id_fkey;
SELECT c.* FROM wf.orders AS c WHERE c.account_id IS NOT NULL AND NOT EXISTS (SELECT FROM wf.accounts AS p WHERE p.id = c.account_id);
UPDATE wf.orders SET account_id = NULL WHERE id IN (2, 8);
ALTER TABLE wf.orders VALIDATE CONSTRAINT orders_account_id_fkey;

-- ---- a type change whose cast fails ----
ALTER TABLE wf.accounts ALTER COLUMN code TYPE integer USING code::integer;
ALTER TABLE wf.accounts ALTER COLUMN name TYPE varchar(10);
ALTER TABLE wf.accounts ALTER COLUMN id TYPE integer;  -- every value fits
ALTER TABLE wf.accounts ALTER COLUMN name TYPE varchar(200);  -- wider: nothing to cast
SELECT * FROM wf.accounts WHERE code = 'seven';
UPDATE wf.accounts SET code = '7' WHERE code = 'seven';
ALTER TABLE wf.accounts ALTER COLUMN code TYPE integer USING code::integer;

-- ---- warn: the WARNING, then PostgreSQL's own failure ----
SET pg_conventions.mode = warn;
ALTER TABLE wf.accounts ALTER COLUMN name TYPE varchar(10);
SET pg_conventions.mode = off;
ALTER TABLE wf.accounts ALTER COLUMN name TYPE varchar(10);  -- off: PostgreSQL's failure alone
SET pg_conventions.mode = enforce;

-- ---- a table of this transaction: nothing to say ----
BEGIN;
CREATE TABLE wf.fresh (id bigint PRIMARY KEY, email text);
INSERT INTO wf.fresh VALUES (1, 'a'), (2, 'a');
SAVEPOINT s;
CREATE UNIQUE INDEX idx_fresh_email ON wf.fresh (email);
ROLLBACK TO s;
ROLLBACK;

-- ---- a sample of a larger table ----
-- the rows are loaded uncounted (track_counts off), so that no change
-- since ANALYZE is pending in the statistics whatever the timing; on 14
-- the ANALYZE reaches them a moment later
CREATE FUNCTION pg_temp.null_frac(t text, c name) RETURNS real LANGUAGE sql AS
$$SELECT null_frac FROM pg_stats WHERE format('%I.%I', schemaname, tablename) = t AND attname = c$$;
CREATE FUNCTION pg_temp.wait_for_analyze(t regclass) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..500 LOOP
    PERFORM pg_stat_clear_snapshot();
    IF (SELECT last_analyze IS NOT NULL AND n_mod_since_analyze = 0
          FROM pg_stat_all_tables WHERE relid = t) THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
  RETURN false;
END $$;
SET pg_conventions.mode = off;
CREATE TABLE wf.visits (id bigint PRIMARY KEY, pair bigint, seen int);
SET track_counts = off;
INSERT INTO wf.visits SELECT g, g / 2, CASE WHEN g % 50 <> 0 THEN g END FROM generate_series(1, 20000) g;
SET track_counts = on;
VACUUM ANALYZE wf.visits;
SELECT pg_temp.wait_for_analyze('wf.visits');
SET pg_conventions.mode = enforce;
SET pg_conventions.evidence_sample_rows = 1000;
CREATE UNIQUE INDEX CONCURRENTLY idx_visits_pair ON wf.visits (pair);
ALTER TABLE wf.visits ALTER COLUMN seen SET NOT NULL;
CREATE UNIQUE INDEX CONCURRENTLY idx_visits_id ON wf.visits (id, pair);  -- unique: nothing found
DROP INDEX wf.idx_visits_id;
-- the NULLs filled since ANALYZE, by a session whose counts have not
-- reached the statistics yet (track_counts off stands for it): pg_stats
-- still says 2 %, but the sample, where it would have met about 15, met
-- none, so it does not stand
SET pg_conventions.mode = off;
SET track_counts = off;
UPDATE wf.visits SET seen = 0 WHERE seen IS NULL;
SET track_counts = on;
SET pg_conventions.mode = enforce;
SELECT pg_temp.null_frac('wf.visits', 'seen');
BEGIN;
ALTER TABLE wf.visits ALTER COLUMN seen SET NOT NULL;
ROLLBACK;
RESET pg_conventions.evidence_sample_rows;

-- ---- pg_stats as evidence: no row read ----
SET pg_conventions.mode = off;
SET track_counts = off;
CREATE TABLE wf.profiles (id bigint PRIMARY KEY, nickname text);
INSERT INTO wf.profiles SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'nick' || g % 3 END
  FROM generate_series(1, 300) g;
SET track_counts = on;
ANALYZE wf.profiles;
SELECT pg_temp.wait_for_analyze('wf.profiles');
-- the ANALYZE's time, which changes from run to run, as <time>
CREATE FUNCTION pg_temp.judged(statement text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE m text; d text; h text;
BEGIN
  EXECUTE statement;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RAISE NOTICE E'%\nDETAIL: %\nHINT: %', m,
    regexp_replace(d, '\d{4}-\d\d-\d\d \d\d:\d\d UTC', '<time>'), h;
END $$;
SET pg_conventions.mode = enforce;
SET pg_conventions.evidence_sample_rows = 0;
SELECT pg_temp.judged('ALTER TABLE wf.profiles ALTER COLUMN nickname SET NOT NULL');
SELECT pg_temp.judged('CREATE UNIQUE INDEX idx_profiles_nickname ON wf.profiles (nickname)');
-- a backfill earlier in the transaction: its changes count against the
-- statistics, which then no longer stand
SET pg_conventions.mode = off;
BEGIN;
UPDATE wf.profiles SET nickname = 'nick' || id WHERE nickname IS NULL;
SET LOCAL pg_conventions.mode = enforce;
ALTER TABLE wf.profiles ALTER COLUMN nickname SET NOT NULL;
ROLLBACK;
SET pg_conventions.mode = enforce;
-- rows read win over statistics: every row read, no NULL left
RESET pg_conventions.evidence_sample_rows;
SET pg_conventions.mode = off;
UPDATE wf.profiles SET nickname = 'nick' || id WHERE nickname IS NULL OR id > 3;
SET pg_conventions.mode = enforce;
ALTER TABLE wf.profiles ALTER COLUMN nickname SET NOT NULL;
CREATE UNIQUE INDEX idx_profiles_nickname ON wf.profiles (nickname);

-- ---- a twin: production's statistics, no rows ----
SET pg_conventions.mode = off;
CREATE TABLE wf.members (id bigint PRIMARY KEY, handle text, level text, score int);
SELECT relations, columns FROM conventions.twin_import(jsonb_build_object(
  'format', 1, 'source', 'prod', 'server_version', 150020, 'taken_at', '2026-12-01 10:00:00+00',
  'relations', jsonb_build_array(
    jsonb_build_object('schema', 'wf', 'name', 'members', 'kind', 'r', 'pages', 6370, 'tuples', 1000000, 'allvisible', 6370)),
  'columns', jsonb_build_array(
    jsonb_build_object('schema', 'wf', 'table', 'members', 'column', 'handle', 'inherited', false,
                       'null_frac', 0.031, 'avg_width', 9, 'n_distinct', -0.9,
                       'most_common_vals', '{admin,root}', 'most_common_freqs', '{0.02,0.001}',
                       'histogram_bounds', NULL, 'correlation', 0.1),
    jsonb_build_object('schema', 'wf', 'table', 'members', 'column', 'level', 'inherited', false,
                       'null_frac', 0, 'avg_width', 2, 'n_distinct', 3,
                       'most_common_vals', '{1,2,gold}', 'most_common_freqs', '{0.5,0.4,0.1}',
                       'histogram_bounds', NULL, 'correlation', 0.5),
    jsonb_build_object('schema', 'wf', 'table', 'members', 'column', 'score', 'inherited', false,
                       'null_frac', 0, 'avg_width', 4, 'n_distinct', 3,
                       'most_common_vals', '{10,20,-5}', 'most_common_freqs', '{0.5,0.4,0.1}',
                       'histogram_bounds', NULL, 'correlation', 0.5))));
SET pg_conventions.table_size_source = statistics;
SET pg_conventions.mode = enforce;
-- the table is large there: will_fail alone, not the rules about its size
SET pg_conventions.disabled_rules = 'snake_case_names, require_primary_key, primary_key_type, require_timestamps, timestamptz_only, soft_delete_column, foreign_key_type, foreign_key_index, index_naming, redundant_index, low_cardinality_index, concurrent_index, constraint_index, constraint_validation, not_null_scan, table_rewrite, backfill_under_lock, rename_or_drop, lock_timeout';
ALTER TABLE wf.members ALTER COLUMN handle SET NOT NULL;
CREATE UNIQUE INDEX CONCURRENTLY idx_members_handle ON wf.members (handle);
ALTER TABLE wf.members ADD CONSTRAINT members_score_check CHECK (score > 0) NOT VALID;
ALTER TABLE wf.members VALIDATE CONSTRAINT members_score_check;
ALTER TABLE wf.members ALTER COLUMN level TYPE integer USING level::integer;
-- no evidence there: a CHECK every common value passes, a foreign key (rows only)
ALTER TABLE wf.members ADD CONSTRAINT members_level_check CHECK (level <> 'none') NOT VALID;
ALTER TABLE wf.members VALIDATE CONSTRAINT members_level_check;
SET pg_conventions.mode = off;
RESET pg_conventions.table_size_source;
DELETE FROM conventions.twin_columns WHERE schema_name = 'wf';
DELETE FROM conventions.twin_relations WHERE schema_name = 'wf';
DELETE FROM conventions.twin_source;

RESET pg_conventions.mode;
DROP SCHEMA wf CASCADE;
RESET search_path;
RESET lock_timeout;
RESET pg_conventions.disabled_rules;
