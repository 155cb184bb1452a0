/* pg_conventions--0.4--0.5.sql: the index advisor's workload */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.5'" to load this file. \quit

-- One query: a bytes budget, and the statements each index helps.
DROP FUNCTION conventions.suggest_indexes(text, integer);

CREATE FUNCTION conventions.suggest_indexes(
    query text,
    max_indexes integer DEFAULT 3,
    max_size bigint DEFAULT NULL,
    OUT table_name regclass,
    OUT kind text,
    OUT index_columns text[],
    OUT predicate text,
    OUT fix_sql text,
    OUT queries_helped integer,
    OUT queries text[],
    OUT cost_before double precision,
    OUT cost_after double precision,
    OUT estimated_size bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'conventions_suggest_indexes';

COMMENT ON FUNCTION conventions.suggest_indexes(text, integer, bigint) IS
'indexes that lower the planner''s estimated cost of the query, checked with hypothetical indexes, with the CREATE INDEX for each';

-- The workload: the statements the capture recorded (with their most
-- frequent parameter values) and pg_stat_statements' texts, each weighted
-- by its executions.
CREATE FUNCTION conventions.suggest_indexes(
    max_indexes integer DEFAULT 5,
    max_size bigint DEFAULT NULL,
    OUT table_name regclass,
    OUT kind text,
    OUT index_columns text[],
    OUT predicate text,
    OUT fix_sql text,
    OUT queries_helped integer,
    OUT queries text[],
    OUT cost_before double precision,
    OUT cost_after double precision,
    OUT estimated_size bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'conventions_suggest_indexes_workload';

COMMENT ON FUNCTION conventions.suggest_indexes(integer, bigint) IS
'indexes that lower the estimated cost of the captured workload and pg_stat_statements'' queries, chosen greedily under the budget';

-- What the capture holds: one row per statement and kept parameter value
-- set, and one with NULL params for the executions whose values were not kept.
CREATE FUNCTION conventions.workload(
    OUT userid oid,
    OUT dbid oid,
    OUT queryid bigint,
    OUT query text,
    OUT params text[],
    OUT calls bigint,
    OUT search_path text)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_workload';

COMMENT ON FUNCTION conventions.workload() IS
'the statements the workload capture sampled, with their most frequent parameter values; other roles'' only for pg_read_all_stats';

CREATE FUNCTION conventions.workload_reset()
RETURNS void
LANGUAGE C VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_workload_reset';

COMMENT ON FUNCTION conventions.workload_reset() IS
'forget every statement the workload capture holds';

REVOKE ALL ON FUNCTION conventions.workload_reset() FROM PUBLIC;
