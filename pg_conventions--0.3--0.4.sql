/* pg_conventions--0.3--0.4.sql: the index advisor */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.4'" to load this file. \quit

-- Indexes for one query, chosen by the planner: hypothetical btree indexes
-- (single-column, composite, partial) are added while the query is planned,
-- never executed, and kept greedily while each lowers the estimated cost.
CREATE FUNCTION conventions.suggest_indexes(
    query text,
    max_indexes integer DEFAULT 3,
    OUT table_name regclass,
    OUT kind text,
    OUT index_columns text[],
    OUT predicate text,
    OUT fix_sql text,
    OUT queries_helped integer,
    OUT cost_before double precision,
    OUT cost_after double precision,
    OUT estimated_size bigint)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'conventions_suggest_indexes';

COMMENT ON FUNCTION conventions.suggest_indexes(text, integer) IS
'indexes that lower the planner''s estimated cost of the query, checked with hypothetical indexes, with the CREATE INDEX for each';
