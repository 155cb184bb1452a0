/* pg_conventions--0.2--0.3.sql: index-health reports */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.3'" to load this file. \quit

-- Foreign keys without a covering index (the guard's exact definition),
-- ordered by impact: the referenced table's updates and deletes times the
-- referencing table's size.
CREATE FUNCTION conventions.missing_fk_indexes(
    OUT table_name regclass,
    OUT constraint_name name,
    OUT fk_columns name[],
    OUT referenced_table regclass,
    OUT table_rows bigint,
    OUT table_size bigint,
    OUT referenced_updates bigint,
    OUT referenced_deletes bigint,
    OUT fix_sql text,
    OUT note text)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_missing_fk_indexes';

COMMENT ON FUNCTION conventions.missing_fk_indexes() IS
'one row per foreign key that no index covers, most costly first, with the CREATE INDEX that covers it';

-- Indexes another index makes redundant.
CREATE FUNCTION conventions.redundant_indexes(
    OUT index regclass,
    OUT table_name regclass,
    OUT redundant_to regclass,
    OUT reason text,
    OUT index_size bigint,
    OUT fix_sql text)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_redundant_indexes';

COMMENT ON FUNCTION conventions.redundant_indexes() IS
'indexes that duplicate another or are a leading part of another, with the DROP INDEX; never a constraint''s index or the only index a foreign key has';

-- Indexes never scanned since the statistics were reset.
CREATE FUNCTION conventions.unused_indexes(
    OUT index regclass,
    OUT table_name regclass,
    OUT index_size bigint,
    OUT index_scans bigint,
    OUT stats_since timestamptz,
    OUT stats_age interval,
    OUT fix_sql text,
    OUT note text)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_unused_indexes';

COMMENT ON FUNCTION conventions.unused_indexes() IS
'indexes with no scan since the statistics were reset (on this server), excluding unique, constraint and foreign-key indexes';

-- Single-column btrees on columns with very few distinct values.
CREATE FUNCTION conventions.low_cardinality_indexes(
    OUT index regclass,
    OUT table_name regclass,
    OUT column_name name,
    OUT distinct_values float8,
    OUT dominant_value text,
    OUT dominant_fraction float8,
    OUT index_size bigint,
    OUT fix_sql text,
    OUT partial_index_sql text)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_low_cardinality_indexes';

COMMENT ON FUNCTION conventions.low_cardinality_indexes() IS
'single-column btree indexes on columns with very few distinct values (pg_stats), with the partial index to use instead when one value dominates';
