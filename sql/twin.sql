-- The production twin: production's schema and statistics, no rows.
-- conventions.twin_import() takes the snapshot the export query makes
-- (pg_conventions_twin --export-sql); pg_conventions.table_size_source =
-- statistics makes the safety rules, the reports and the planner read it.
SET pg_conventions.mode = off;
SET max_parallel_workers_per_gather = 0;  -- the same plans on every machine
CREATE SCHEMA twin;
CREATE TABLE twin.users (id bigint PRIMARY KEY, email text);
CREATE TABLE twin.orders (
  id bigint PRIMARY KEY,
  user_id bigint REFERENCES twin.users (id),
  status text NOT NULL,
  total numeric(10,2)
);
CREATE TABLE twin.notes (id bigint PRIMARY KEY, body text);
-- production had: orders 1,000,000 rows in 6,370 pages (50 MB), its key
-- 2,745 pages; users 1,000 rows; notes never held a row
CREATE FUNCTION pg_temp.snapshot() RETURNS jsonb LANGUAGE sql AS $$
SELECT jsonb_build_object(
  'format', 1, 'source', 'prod on 10.0.0.5:5432', 'server_version', 150020,
  'taken_at', '2026-12-01 10:00:00+00',
  'relations', jsonb_build_array(
    jsonb_build_object('schema', 'twin', 'name', 'orders', 'kind', 'r', 'pages', 6370, 'tuples', 1000000, 'allvisible', 6370),
    jsonb_build_object('schema', 'twin', 'name', 'orders_pkey', 'kind', 'i', 'pages', 2745, 'tuples', 1000000, 'allvisible', 0),
    jsonb_build_object('schema', 'twin', 'name', 'users', 'kind', 'r', 'pages', 7, 'tuples', 1000, 'allvisible', 7),
    jsonb_build_object('schema', 'twin', 'name', 'users_pkey', 'kind', 'i', 'pages', 5, 'tuples', 1000, 'allvisible', 0),
    jsonb_build_object('schema', 'twin', 'name', 'notes', 'kind', 'r', 'pages', 0, 'tuples', 0, 'allvisible', 0),
    jsonb_build_object('schema', 'twin', 'name', 'gone', 'kind', 'r', 'pages', 10, 'tuples', 100, 'allvisible', 0)),
  'columns', jsonb_build_array(
    jsonb_build_object('schema', 'twin', 'table', 'orders', 'column', 'status', 'inherited', false,
                       'null_frac', 0, 'avg_width', 5, 'n_distinct', 3,
                       'most_common_vals', '{paid,shipped,new}', 'most_common_freqs', '{0.6,0.3,0.1}',
                       'histogram_bounds', NULL, 'correlation', 0.33),
    jsonb_build_object('schema', 'twin', 'table', 'orders', 'column', 'user_id', 'inherited', false,
                       'null_frac', 0.01, 'avg_width', 8, 'n_distinct', 1000,
                       'most_common_vals', NULL, 'most_common_freqs', NULL,
                       'histogram_bounds', '{1,100,200,300,400,500,600,700,800,900,1000}', 'correlation', 0.01),
    jsonb_build_object('schema', 'twin', 'table', 'orders', 'column', 'total', 'inherited', false,
                       'null_frac', 0, 'avg_width', 6, 'n_distinct', 2,
                       'most_common_vals', '{cheap,dear}', 'most_common_freqs', '{0.5,0.5}',
                       'histogram_bounds', NULL, 'correlation', NULL),
    jsonb_build_object('schema', 'twin', 'table', 'orders', 'column', 'no_such_column', 'inherited', false,
                       'null_frac', 0, 'avg_width', 4, 'n_distinct', 1,
                       'most_common_vals', NULL, 'most_common_freqs', NULL,
                       'histogram_bounds', NULL, 'correlation', NULL)),
  'statements', jsonb_build_array(
    jsonb_build_object('queryid', 1, 'query', 'SELECT * FROM twin.orders WHERE user_id = $1', 'calls', 50000, 'rows', 50000),
    jsonb_build_object('queryid', 2, 'query', 'INSERT INTO twin.orders VALUES ($1, $2, $3, $4)', 'calls', 1000, 'rows', 1000),
    -- pg_dump's own queries are in production's pg_stat_statements too
    jsonb_build_object('queryid', 3, 'query', 'SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relkind = $1 AND c.relpersistence = $2', 'calls', 90000, 'rows', 90000)))
$$;
-- the plan's top node and its rows, whatever the major's costs
CREATE FUNCTION pg_temp.plan_rows(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Node Type') || ', rows=' || (plan -> 0 -> 'Plan' ->> 'Plan Rows');
END $$;

-- ---- before the import: a server with empty tables ----
SHOW pg_conventions.table_size_source;
SELECT count(*) AS snapshot_rows FROM conventions.twin_relations;
SELECT pg_temp.plan_rows('SELECT * FROM twin.orders WHERE user_id = 5');
SET pg_conventions.mode = enforce;
SET pg_conventions.disabled_rules = 'require_primary_key, primary_key_type, require_timestamps, foreign_key_index, index_naming';
SET lock_timeout = '5s';
BEGIN;
CREATE INDEX idx_orders_user_id ON twin.orders (user_id);  -- empty here: no hazard
ROLLBACK;
SET pg_conventions.mode = off;

-- ---- the import ----
SELECT conventions.twin_import(NULL);
SELECT conventions.twin_import('{"format": 2}');
SELECT conventions.twin_import('[1, 2]');
SELECT * FROM conventions.twin_import(pg_temp.snapshot());
SELECT source, server_version, taken_at, relations, columns, statements FROM conventions.twin_source;
SELECT schema_name, relation_name, relkind, relpages, reltuples FROM conventions.twin_relations ORDER BY 1, 2;
-- the column statistics are pg_statistic's now, for the planner (a column
-- the twin does not have is left out, one whose values no longer fit its
-- type too, with a WARNING)
SELECT attname, null_frac, n_distinct, most_common_vals, most_common_freqs, histogram_bounds, correlation
  FROM pg_stats WHERE schemaname = 'twin' AND tablename = 'orders' ORDER BY attname;

-- ---- the planner: production's rows ----
SELECT pg_temp.plan_rows('SELECT * FROM twin.orders WHERE user_id = 5');
SET pg_conventions.table_size_source = statistics;
SELECT pg_temp.plan_rows('SELECT * FROM twin.orders WHERE user_id = 5');
SELECT pg_temp.plan_rows('SELECT * FROM twin.orders WHERE status = ''new''');
SELECT pg_temp.plan_rows('SELECT * FROM twin.orders');
SELECT pg_temp.plan_rows('SELECT * FROM twin.orders WHERE id = 42');
SELECT pg_temp.plan_rows('SELECT * FROM twin.users');
SET pg_conventions.table_size_source = larger;
SELECT pg_temp.plan_rows('SELECT * FROM twin.orders');
SET pg_conventions.table_size_source = statistics;

-- ---- the migration-safety rules: production's verdicts ----
SET pg_conventions.mode = enforce;
CREATE INDEX idx_orders_user_id ON twin.orders (user_id);
ALTER TABLE twin.orders RENAME TO orders_old;
ALTER TABLE twin.orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);
-- notes never held a row in production: no lock_timeout needed
SET lock_timeout = 0;
ALTER TABLE twin.notes ADD COLUMN title text;
ALTER TABLE twin.users ADD COLUMN name text;
SET lock_timeout = '5s';
-- a backfill under the lock: the plan's rows are production's
BEGIN;
ALTER TABLE twin.orders ADD COLUMN paid boolean;
UPDATE twin.orders SET paid = (status = 'paid');
ROLLBACK;
-- CREATE INDEX writes the empty table's zero rows into pg_class; the
-- snapshot keeps production's
SET pg_conventions.mode = warn;
BEGIN;
CREATE INDEX idx_orders_total ON twin.orders (total);
SELECT relpages, reltuples FROM pg_class WHERE oid = 'twin.orders'::regclass;
CREATE INDEX idx_orders_status_total ON twin.orders (status, total);
ROLLBACK;
-- an index a migration makes on the twin is not in production's statistics:
-- the planner sizes it for production's rows, as the advisor sizes a
-- candidate, not as the empty file's page
BEGIN;
SET LOCAL pg_conventions.mode = off;
CREATE INDEX idx_orders_total ON twin.orders (total);
SET LOCAL enable_seqscan = off;
CREATE FUNCTION pg_temp.plan_cost(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Total Cost')::float8;
END $$;
-- a full index-only scan of it costs what one of the primary key (in the
-- snapshot: 2,745 pages) costs, not two thirds of it
SELECT pg_temp.plan_rows('SELECT sum(total) FROM twin.orders') AS plan,
       round((pg_temp.plan_cost('SELECT sum(total) FROM twin.orders') /
              pg_temp.plan_cost('SELECT sum(id) FROM twin.orders'))::numeric, 1) AS cost_to_primary_key;
ROLLBACK;
-- larger: the file's size when it is the larger, production's otherwise
SET pg_conventions.table_size_source = larger;
SET pg_conventions.mode = enforce;
CREATE INDEX idx_orders_user_id ON twin.orders (user_id);
-- file: the twin's empty files again
SET pg_conventions.table_size_source = file;
BEGIN;
CREATE INDEX idx_orders_user_id ON twin.orders (user_id);
ROLLBACK;
SET pg_conventions.table_size_source = statistics;

-- ---- the table rules: production's distinct values ----
SET pg_conventions.disabled_rules = 'require_primary_key, primary_key_type, require_timestamps, foreign_key_index, migration_safety';
CREATE INDEX idx_orders_status ON twin.orders (status);
SET pg_conventions.mode = off;
SET pg_conventions.disabled_rules = '';

-- ---- the reports: production's sizes ----
SELECT table_name, constraint_name, table_rows, pg_size_pretty(table_size) AS table_size
  FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE 'twin.%';
SET pg_conventions.table_size_source = file;
SELECT table_name, constraint_name, table_rows, pg_size_pretty(table_size) AS table_size
  FROM conventions.missing_fk_indexes() WHERE table_name::text LIKE 'twin.%';
SET pg_conventions.table_size_source = statistics;

-- ---- the advisor: production's workload on production's statistics ----
-- (never an index on a system catalog)
SELECT table_name, kind, index_columns, queries_helped, queries
  FROM conventions.suggest_indexes();

-- ---- a session that changes the snapshot sees it at once ----
BEGIN;
UPDATE conventions.twin_relations SET relpages = 10, reltuples = 1000
 WHERE schema_name = 'twin' AND relation_name = 'orders';
SELECT pg_temp.plan_rows('SELECT * FROM twin.orders');
ROLLBACK;
SELECT pg_temp.plan_rows('SELECT * FROM twin.orders');

-- ---- privileges: anyone reads the snapshot, only the owner imports ----
CREATE ROLE twin_reader;
SET ROLE twin_reader;
SELECT count(*) > 0 AS readable FROM conventions.twin_relations;
SELECT conventions.twin_import(pg_temp.snapshot());
SELECT conventions.twin_restore_column_statistics();
SELECT count(*) FROM conventions.twin_statements;
RESET ROLE;
DROP ROLE twin_reader;

RESET pg_conventions.table_size_source;
RESET lock_timeout;
RESET max_parallel_workers_per_gather;
DELETE FROM conventions.twin_source;
DELETE FROM conventions.twin_relations;
DELETE FROM conventions.twin_columns;
DELETE FROM conventions.twin_statements;
DROP SCHEMA twin CASCADE;
RESET pg_conventions.mode;
