/* pg_conventions--0.6--0.7.sql: the debt baseline; violations() says what predates it */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.7'" to load this file. \quit

-- The baseline: the violations a team accepted as old debt when it adopted
-- the conventions (PHPStan's and detekt's baseline files, kept in the
-- database).  conventions.baseline_record() fills it from violations(),
-- conventions.baseline_prune() removes what has since been fixed, so it only
-- shrinks between two records.  A row names its violation by rule, table
-- and subject: the column, index, constraint or schema by name, and which
-- check of it failed, so a row survives pg_dump and a table's rename.  Kept
-- by pg_dump; readable by everyone, written by whoever a superuser grants.
CREATE TABLE conventions.baseline (
    rule text NOT NULL,
    table_name regclass NOT NULL,
    subject text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by name NOT NULL DEFAULT current_user,
    PRIMARY KEY (rule, table_name, subject)
);
SELECT pg_catalog.pg_extension_config_dump('conventions.baseline', '');
REVOKE ALL ON conventions.baseline FROM PUBLIC;
GRANT SELECT ON conventions.baseline TO PUBLIC;

COMMENT ON TABLE conventions.baseline IS
'violations accepted as old debt: violations() shows when each was recorded (baselined_at)';

-- violations() gains the subject and the baseline's date
DROP FUNCTION conventions.violations();

CREATE FUNCTION conventions.violations(
    OUT rule text,
    OUT severity text,
    OUT table_name regclass,
    OUT object text,
    OUT message text,
    OUT detail text,
    OUT fix_sql text,
    OUT exempted boolean,
    OUT exemption_reason text,
    OUT subject text,
    OUT baselined_at timestamptz)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_violations';

COMMENT ON FUNCTION conventions.violations() IS
'one row per violation of the schema conventions in this database, with the SQL that fixes it; baselined_at is when it was recorded as old debt, NULL when it is newer than the baseline';

CREATE FUNCTION conventions.baseline_record()
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH added AS (
        INSERT INTO conventions.baseline (rule, table_name, subject)
        SELECT DISTINCT v.rule, v.table_name, v.subject
          FROM conventions.violations() v
         WHERE v.baselined_at IS NULL AND NOT v.exempted
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*) FROM added
$$;

COMMENT ON FUNCTION conventions.baseline_record() IS
'records every violation not yet in the baseline as accepted old debt; returns how many';

CREATE FUNCTION conventions.baseline_prune()
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM conventions.baseline b
         WHERE NOT EXISTS (SELECT 1 FROM conventions.violations() v
                            WHERE v.rule = b.rule AND v.table_name = b.table_name
                              AND v.subject = b.subject)
        RETURNING 1)
    SELECT count(*) FROM gone
$$;

COMMENT ON FUNCTION conventions.baseline_prune() IS
'deletes the baseline rows whose violation has been fixed; returns how many';

-- Writing the baseline is a superuser's decision unless granted.
REVOKE ALL ON FUNCTION conventions.baseline_record() FROM PUBLIC;
REVOKE ALL ON FUNCTION conventions.baseline_prune() FROM PUBLIC;

-- A dropped table's baseline rows go with it, as its exemptions do.
CREATE OR REPLACE FUNCTION conventions.forget_dropped_exemptions()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the command may be dropping the extension's own tables (DROP EXTENSION)
    IF to_regclass('conventions.exemptions') IS NOT NULL THEN
        DELETE FROM conventions.exemptions e
         USING pg_event_trigger_dropped_objects() d
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
           AND d.objid = e.table_name::oid;
    END IF;
    IF to_regclass('conventions.baseline') IS NOT NULL THEN
        DELETE FROM conventions.baseline b
         USING pg_event_trigger_dropped_objects() d
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
           AND d.objid = b.table_name::oid;
    END IF;
END
$$;

COMMENT ON FUNCTION conventions.forget_dropped_exemptions() IS
'event trigger function (sql_drop): deletes the exemptions and baseline rows of the tables a command dropped';
