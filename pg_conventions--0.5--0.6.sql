/* pg_conventions--0.5--0.6.sql: a dropped table's exemptions go with it */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.6'" to load this file. \quit

-- Exemptions name their table by OID (regclass).  Without this, a dropped
-- table's exemptions would stay behind, shown as a bare number, and exempt
-- whatever table is later given the same OID.  Runs as the extension's
-- owner, so that row-level security does not keep a role that may drop a
-- table from forgetting its exemptions; it deletes only the rows of the
-- tables the command dropped.
CREATE FUNCTION conventions.forget_dropped_exemptions()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the command may be dropping the extension's own table (DROP EXTENSION)
    IF to_regclass('conventions.exemptions') IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM conventions.exemptions e
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
       AND d.objid = e.table_name::oid;
END
$$;

REVOKE ALL ON FUNCTION conventions.forget_dropped_exemptions() FROM PUBLIC;

COMMENT ON FUNCTION conventions.forget_dropped_exemptions() IS
'event trigger function (sql_drop): deletes the exemptions of the tables a command dropped';

CREATE EVENT TRIGGER pg_conventions_forget_dropped_exemptions ON sql_drop
    EXECUTE FUNCTION conventions.forget_dropped_exemptions();

-- Only what the rules judge can be exempted: a table or a partitioned table
-- that is not temporary (a temporary table's drop at the end of its session
-- fires no event trigger, so its exemption would outlive it).  A trigger, so
-- that it holds for rows written directly by a role granted to, as well as
-- through exempt().
CREATE FUNCTION conventions.check_exemption()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind "char";
    persistence "char";
BEGIN
    SELECT c.relkind, c.relpersistence INTO kind, persistence
      FROM pg_class c WHERE c.oid = NEW.table_name::oid;
    IF kind IS NULL THEN
        RAISE EXCEPTION 'relation with OID % does not exist', NEW.table_name::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    IF kind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', NEW.table_name
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'The rules judge tables and partitioned tables only, so only they can be exempted.';
    END IF;
    IF persistence = 't' THEN
        RAISE EXCEPTION '"%" is a temporary table', NEW.table_name
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'The rules do not judge temporary tables, so they cannot be exempted.';
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION conventions.check_exemption() IS
'trigger function: refuses an exemption of anything but a table or partitioned table that is not temporary';

CREATE TRIGGER exemptions_of_judged_tables
    BEFORE INSERT OR UPDATE OF table_name ON conventions.exemptions
    FOR EACH ROW EXECUTE FUNCTION conventions.check_exemption();

-- What earlier versions left behind: exemptions of tables that no longer
-- exist, and of relations the rules never judged (views, indexes,
-- temporary tables), which the trigger above would refuse, so that a dump
-- of this database could not be restored.  None of them exempted anything.
DELETE FROM conventions.exemptions e
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                    WHERE c.oid = e.table_name::oid AND c.relkind IN ('r', 'p')
                      AND c.relpersistence <> 't');
