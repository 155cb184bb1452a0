/* pg_conventions--0.12--0.13.sql: the workload advisor under a size budget, by a name of its own */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.13'" to load this file. \quit

-- suggest_indexes(NULL, 200000000) resolves to the single-query form (an
-- untyped NULL prefers text), whose second argument is max_indexes: no
-- overloading can make a positional NULL mean the workload.  The budget in
-- bytes gets a name of its own, with the bytes first.
CREATE FUNCTION conventions.suggest_indexes_within(
    max_size bigint,
    max_indexes integer DEFAULT NULL,
    OUT table_name regclass,
    OUT kind text,
    OUT index_columns text[],
    OUT predicate text,
    OUT fix_sql text,
    OUT queries_helped integer,
    OUT queries text[],
    OUT cost_before double precision,
    OUT cost_after double precision,
    OUT estimated_size bigint,
    OUT method text,
    OUT include_columns text[],
    OUT write_cost double precision)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'conventions_suggest_indexes_within';

COMMENT ON FUNCTION conventions.suggest_indexes_within(bigint, integer) IS
'conventions.suggest_indexes(max_indexes, max_size) with the byte budget first and required: the indexes for the captured workload that fit max_size bytes';

-- The capture records a statement that an error or a cancel ends (as
-- statement_timeout does to the slowest), with the time it ran: workload()
-- says how many failed, and the executor time and rows of each statement.
DROP FUNCTION conventions.workload();
CREATE FUNCTION conventions.workload(
    OUT userid oid,
    OUT dbid oid,
    OUT queryid bigint,
    OUT query text,
    OUT params text[],
    OUT calls bigint,
    OUT search_path text,
    OUT failed bigint,
    OUT total_time double precision,
    OUT rows bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_workload';

COMMENT ON FUNCTION conventions.workload() IS
'the statements the workload capture sampled, with their most frequent parameter values, how many executions an error or a cancel ended, and their executor time (ms) and rows; other roles'' only for pg_read_all_stats';

-- What the capture holds and what it could not keep since the last reset:
-- entries pushed out by newer ones, and executions whose text was longer
-- than pg_conventions.capture_text_size (as pg_stat_statements_info()).
CREATE FUNCTION conventions.workload_info(
    OUT statements bigint,
    OUT evicted bigint,
    OUT too_long bigint,
    OUT text_size integer,
    OUT reset_time timestamp with time zone)
RETURNS record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_workload_info';

COMMENT ON FUNCTION conventions.workload_info() IS
'the workload capture''s statements kept, entries evicted, executions left out for a text longer than pg_conventions.capture_text_size, and the last reset';
