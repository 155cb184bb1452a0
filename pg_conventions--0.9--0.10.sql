/* pg_conventions--0.9--0.10.sql: index advice with covering, GIN and configuration candidates */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.10'" to load this file. \quit

-- Both forms: no count by default (as many indexes as pay for their bytes
-- and writes), and three more columns: the access method, the INCLUDE
-- columns and the estimated cost of the index's writes.
DROP FUNCTION conventions.suggest_indexes(text, integer, bigint);
DROP FUNCTION conventions.suggest_indexes(integer, bigint);

CREATE FUNCTION conventions.suggest_indexes(
    query text,
    max_indexes integer DEFAULT NULL,
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
    OUT estimated_size bigint,
    OUT method text,
    OUT include_columns text[],
    OUT write_cost double precision)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'conventions_suggest_indexes';

COMMENT ON FUNCTION conventions.suggest_indexes(text, integer, bigint) IS
'indexes (btree, covering, partial, GIN) that lower the planner''s estimated cost of the query by more than their writes cost, checked with hypothetical indexes, with the CREATE INDEX for each';

CREATE FUNCTION conventions.suggest_indexes(
    max_indexes integer DEFAULT NULL,
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
    OUT estimated_size bigint,
    OUT method text,
    OUT include_columns text[],
    OUT write_cost double precision)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'conventions_suggest_indexes_workload';

COMMENT ON FUNCTION conventions.suggest_indexes(integer, bigint) IS
'indexes that lower the estimated cost of the captured workload and pg_stat_statements'' queries, chosen by benefit per byte net of their write cost, under the budget';
