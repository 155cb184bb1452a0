/* pg_conventions--0.8--0.9.sql: the seed's query anti-patterns, found in the server */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.9'" to load this file. \quit

-- What the query-pattern detector found in the sampled workload of this
-- database: N+1 runs, deep OFFSET pagination, counts of a large table for
-- every page; each with its evidence, the fix in SQL where there is one, and
-- a hint for the profile (pg_conventions.profile).  Other roles' statements
-- only for pg_read_all_stats, as in pg_stat_statements.
CREATE FUNCTION conventions.query_patterns(
    OUT pattern text,
    OUT application_name text,
    OUT client_addr text,
    OUT userid oid,
    OUT table_name regclass,
    OUT query text,
    OUT occurrences bigint,
    OUT executions bigint,
    OUT rows bigint,
    OUT total_time_ms double precision,
    OUT evidence text,
    OUT fix_sql text,
    OUT hint text)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_query_patterns';

COMMENT ON FUNCTION conventions.query_patterns() IS
'N+1 queries, deep OFFSET pagination and counts of large tables for every page, found in the sampled workload of this database, with their fixes';

COMMENT ON FUNCTION conventions.workload_reset() IS
'forget every statement the workload capture holds and every query-pattern finding';
