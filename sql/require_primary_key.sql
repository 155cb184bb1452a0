-- Rule require_primary_key: every table has a primary key.
-- Only this file's rules: the others have tests of their own.
SET pg_conventions.disabled_rules = 'snake_case_names, primary_key_type, timestamptz_only, soft_delete_column, foreign_key_type, index_naming, redundant_index, low_cardinality_index, migration_safety';
CREATE SCHEMA rpk;
SET search_path = rpk;

-- off: PostgreSQL as usual, nothing added
SET pg_conventions.mode = off;
CREATE TABLE off_nopk (note text, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());

-- warn: a WARNING, and the table is created
SET pg_conventions.mode = warn;
CREATE TABLE warn_nopk (note text, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SELECT to_regclass('rpk.warn_nopk') IS NOT NULL AS created;

-- enforce: rejected, with the rule's SQLSTATE
SET pg_conventions.mode = enforce;
CREATE TABLE enforce_nopk (note text, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('rpk.enforce_nopk') IS NULL AS rejected;

-- passing: a uuid primary key, inline or as a table constraint
CREATE TABLE with_pk (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE with_pk2 (id uuid DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(), PRIMARY KEY (id));

-- deferred: a key added later in the same transaction passes
BEGIN;
CREATE TABLE later_pk (id uuid NOT NULL, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
ALTER TABLE later_pk ADD PRIMARY KEY (id);
COMMIT;

-- other syntaxes that reach the same state are judged the same
CREATE TABLE like_nopk (LIKE off_nopk INCLUDING ALL);
CREATE TABLE as_nopk AS SELECT 1 AS n, now() AS created_at, now() AS updated_at;
SELECT 1 AS n INTO into_nopk;

-- dropping the key of an existing table is caught, and rolled back
ALTER TABLE with_pk2 DROP CONSTRAINT with_pk2_pkey;
SELECT count(*) AS still_has_pk FROM pg_constraint WHERE conrelid = 'rpk.with_pk2'::regclass AND contype = 'p';

-- temporary tables are never checked
CREATE TEMP TABLE tmp_nopk (a int);
-- nor are tables that belong to an extension
SET pg_conventions.mode = off;
CREATE TABLE member_nopk (a int);
ALTER EXTENSION pg_conventions ADD TABLE member_nopk;
SET pg_conventions.mode = enforce;
ALTER TABLE member_nopk ADD COLUMN b int;
SELECT count(*) AS audited FROM conventions.violations() WHERE table_name = 'rpk.member_nopk'::regclass;
ALTER EXTENSION pg_conventions DROP TABLE member_nopk;
SELECT count(*) AS audited FROM conventions.violations() WHERE table_name = 'rpk.member_nopk'::regclass;
-- unlogged tables are
CREATE UNLOGGED TABLE unlogged_nopk (a int, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());

-- the fix in the HINT fits the table: "id" when there is one, the foreign
-- keys of a junction table, the partition key of a partitioned table
SET pg_conventions.mode = warn;
CREATE TABLE has_id (id bigint NOT NULL, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE links (left_id uuid NOT NULL REFERENCES with_pk, right_id uuid NOT NULL REFERENCES with_pk2 (id), created_at timestamptz DEFAULT now());
CREATE TABLE events (region text NOT NULL, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now()) PARTITION BY LIST (region);
-- a partition is judged through its parent
CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');

-- every hint runs as printed and clears the violation (in warn mode, as
-- some of these tables break other rules too); regclass prints
-- schema-qualified names only outside the search_path
RESET search_path;
SELECT fix_sql FROM conventions.violations()
 WHERE rule = 'require_primary_key' AND table_name::text LIKE 'rpk.%' ORDER BY 1;
SELECT fix_sql FROM conventions.violations()
 WHERE rule = 'require_primary_key' AND table_name::text LIKE 'rpk.%' ORDER BY 1 \gexec
SELECT count(*) AS left_over FROM conventions.violations()
 WHERE rule = 'require_primary_key' AND table_name::text LIKE 'rpk.%';

SET pg_conventions.mode = off;
DROP SCHEMA rpk CASCADE;
RESET search_path;
RESET pg_conventions.mode;
RESET pg_conventions.disabled_rules;
