/* pg_conventions--0.11--0.12.sql: the production twin (production's statistics in a server of ours) */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.12'" to load this file. \quit

-- A twin is a server of ours holding production's schema and no rows.  Its
-- statistics snapshot is what production's pg_class and pg_stats said when
-- the twin was made or refreshed (pg_conventions_twin, or by hand:
-- conventions.twin_import() of the document the export query makes).  With
-- pg_conventions.table_size_source = statistics (or larger) the migration-
-- safety rules, the reports and the planner read sizes from it; the rows
-- stay as they were taken, whatever CREATE INDEX, VACUUM or ANALYZE of the
-- twin's empty tables later write into pg_class.  Tables are named, not
-- referenced by OID: the twin's objects are production's by name.

CREATE TABLE conventions.twin_source (
    source text NOT NULL,               -- what the snapshot was taken from (host and database)
    server_version integer NOT NULL,    -- production's server_version_num
    taken_at timestamptz NOT NULL,      -- production's clock when it was taken
    imported_at timestamptz NOT NULL DEFAULT now(),
    relations integer NOT NULL,
    columns integer NOT NULL,
    statements integer NOT NULL
);
CREATE UNIQUE INDEX twin_source_one_row ON conventions.twin_source ((true));

CREATE TABLE conventions.twin_relations (
    schema_name name NOT NULL,
    relation_name name NOT NULL,
    relkind "char" NOT NULL,
    relpages bigint NOT NULL CHECK (relpages >= 0),
    reltuples real NOT NULL,            -- -1: never vacuumed or analyzed
    relallvisible bigint NOT NULL CHECK (relallvisible >= 0),
    PRIMARY KEY (schema_name, relation_name)
);

CREATE TABLE conventions.twin_columns (
    schema_name name NOT NULL,
    table_name name NOT NULL,
    column_name name NOT NULL,
    inherited boolean NOT NULL,
    null_frac real NOT NULL,
    avg_width integer NOT NULL,
    n_distinct real NOT NULL,
    most_common_vals text,              -- pg_stats' arrays, as text
    most_common_freqs real[],
    histogram_bounds text,
    correlation real,
    PRIMARY KEY (schema_name, table_name, column_name, inherited)
);

CREATE TABLE conventions.twin_statements (
    queryid bigint,
    query text NOT NULL,
    calls bigint NOT NULL CHECK (calls >= 0),
    rows bigint NOT NULL CHECK (rows >= 0)
);

REVOKE ALL ON conventions.twin_source, conventions.twin_relations,
    conventions.twin_columns, conventions.twin_statements FROM PUBLIC;
GRANT SELECT ON conventions.twin_source, conventions.twin_relations,
    conventions.twin_columns TO PUBLIC;

-- A session that changes the snapshot reads it again at once (others in
-- their next transaction).
CREATE FUNCTION conventions.twin_changed()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'conventions_twin_changed';

CREATE TRIGGER twin_relations_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON conventions.twin_relations
FOR EACH STATEMENT EXECUTE FUNCTION conventions.twin_changed();

COMMENT ON TABLE conventions.twin_source IS
'the production twin: where its statistics snapshot was taken, and when';
COMMENT ON TABLE conventions.twin_relations IS
'the production twin: each table''s and index''s pages and rows as production''s pg_class had them';
COMMENT ON TABLE conventions.twin_columns IS
'the production twin: each column''s statistics as production''s pg_stats had them';
COMMENT ON TABLE conventions.twin_statements IS
'the production twin: production''s pg_stat_statements, the workload suggest_indexes() advises for';

-- Writes one column's statistics into pg_statistic, as ANALYZE would have
-- (the planner's selectivities on a twin before 18, where
-- pg_restore_attribute_stats() does not exist).
CREATE FUNCTION conventions.twin_restore_column_statistics()
RETURNS integer
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'conventions_twin_restore_column_statistics';

COMMENT ON FUNCTION conventions.twin_restore_column_statistics() IS
'writes conventions.twin_columns into pg_statistic for the tables the caller owns; returns how many columns';

REVOKE ALL ON FUNCTION conventions.twin_restore_column_statistics() FROM PUBLIC;

-- Replaces the snapshot with a document made by the export query
-- (pg_conventions_twin --export-sql prints it).
CREATE FUNCTION conventions.twin_import(snapshot jsonb, column_statistics boolean DEFAULT true)
RETURNS TABLE (relations integer, columns integer, statements integer, columns_restored integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n_rel integer;
    n_col integer;
    n_stmt integer;
    restored integer := 0;
BEGIN
    IF snapshot IS NULL OR jsonb_typeof(snapshot) <> 'object'
       OR (snapshot ->> 'format') IS DISTINCT FROM '1' THEN
        RAISE EXCEPTION 'not a pg_conventions statistics snapshot'
            USING DETAIL = 'A snapshot is the JSON object the export query makes, with "format": 1.',
                  HINT = 'Make one with: pg_conventions_twin --export-sql | psql -At "<production>"';
    END IF;
    DELETE FROM conventions.twin_source;
    DELETE FROM conventions.twin_relations;
    DELETE FROM conventions.twin_columns;
    INSERT INTO conventions.twin_relations
    SELECT r.schema, r.name, r.kind, greatest(r.pages, 0), r.tuples, greatest(r.allvisible, 0)  -- a partitioned table's -1 before 18
      FROM jsonb_to_recordset(coalesce(snapshot -> 'relations', '[]'))
           AS r(schema name, name name, kind "char", pages bigint, tuples real, allvisible bigint);
    GET DIAGNOSTICS n_rel = ROW_COUNT;
    INSERT INTO conventions.twin_columns
    SELECT c.schema, c."table", c."column", c.inherited, c.null_frac, c.avg_width, c.n_distinct,
           c.most_common_vals, c.most_common_freqs, c.histogram_bounds, c.correlation
      FROM jsonb_to_recordset(coalesce(snapshot -> 'columns', '[]'))
           AS c(schema name, "table" name, "column" name, inherited boolean, null_frac real,
                avg_width integer, n_distinct real, most_common_vals text,
                most_common_freqs real[], histogram_bounds text, correlation real);
    GET DIAGNOSTICS n_col = ROW_COUNT;
    IF snapshot ? 'statements' THEN
        DELETE FROM conventions.twin_statements;
        INSERT INTO conventions.twin_statements (queryid, query, calls, rows)
        SELECT s.queryid, s.query, s.calls, s.rows
          FROM jsonb_to_recordset(snapshot -> 'statements')
               AS s(queryid bigint, query text, calls bigint, rows bigint);
    END IF;
    SELECT count(*) INTO n_stmt FROM conventions.twin_statements;
    INSERT INTO conventions.twin_source (source, server_version, taken_at, relations, columns, statements)
    VALUES (coalesce(snapshot ->> 'source', 'unknown'), (snapshot ->> 'server_version')::integer,
            (snapshot ->> 'taken_at')::timestamptz, n_rel, n_col, n_stmt);
    IF column_statistics THEN
        restored := conventions.twin_restore_column_statistics();
    END IF;
    RETURN QUERY SELECT n_rel, n_col, n_stmt, restored;
END
$$;

COMMENT ON FUNCTION conventions.twin_import(jsonb, boolean) IS
'replaces the production twin''s statistics snapshot (and workload, when the document has one) with the export query''s document; column_statistics also writes pg_statistic';

REVOKE ALL ON FUNCTION conventions.twin_import(jsonb, boolean) FROM PUBLIC;
