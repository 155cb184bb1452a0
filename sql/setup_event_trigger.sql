-- Suite "eventtrigger": nothing is preloaded.  CREATE EXTENSION and the three
-- event triggers of the README are all there is.
SHOW shared_preload_libraries;
SHOW session_preload_libraries;
CREATE EXTENSION pg_conventions;
CREATE EVENT TRIGGER pg_conventions_guard ON ddl_command_end
  EXECUTE FUNCTION conventions.guard_event_trigger();
CREATE EVENT TRIGGER pg_conventions_guard_start ON ddl_command_start
  EXECUTE FUNCTION conventions.guard_event_trigger();
CREATE EVENT TRIGGER pg_conventions_guard_rewrite ON table_rewrite
  EXECUTE FUNCTION conventions.guard_event_trigger();
SELECT evtname, evtevent, evttags FROM pg_event_trigger ORDER BY evtname;
-- the function refuses to be called any other way
SELECT conventions.guard_event_trigger();
-- a role for the privilege tests, shared by both suites
CREATE ROLE conv_app LOGIN;
GRANT CREATE ON DATABASE contrib_regression TO conv_app;
-- The migration-safety rules have their own tests (safety*.sql); the
-- table-rule tests run without them, each in a connection of its own.
ALTER DATABASE contrib_regression SET pg_conventions.disabled_rules = 'migration_safety';
