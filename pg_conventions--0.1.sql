/* pg_conventions--0.1.sql: the SQL face of pg_conventions */

\echo Use "CREATE EXTENSION pg_conventions" to load this file. \quit

-- The event-trigger path, for servers where the library cannot be preloaded.
-- It records what each DDL statement touched; the checks run at commit, as
-- with the preloaded guard.  A superuser creates the triggers (README):
--   CREATE EVENT TRIGGER pg_conventions_guard ON ddl_command_end
--     EXECUTE FUNCTION conventions.guard_event_trigger();
--   CREATE EVENT TRIGGER pg_conventions_guard_drop ON ddl_command_start
--     WHEN TAG IN ('DROP INDEX') EXECUTE FUNCTION conventions.guard_event_trigger();
CREATE FUNCTION conventions.guard_event_trigger()
RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'conventions_guard_event_trigger';

COMMENT ON FUNCTION conventions.guard_event_trigger() IS
'event-trigger function of the pg_conventions guard (ddl_command_end, and ddl_command_start for DROP INDEX)';

-- The audit: the guard's rules over every table of the database.
CREATE FUNCTION conventions.violations(
    OUT rule text,
    OUT severity text,
    OUT table_name regclass,
    OUT object text,
    OUT message text,
    OUT detail text,
    OUT fix_sql text)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_violations';

COMMENT ON FUNCTION conventions.violations() IS
'one row per violation of the schema conventions in this database, with the SQL that fixes it';
