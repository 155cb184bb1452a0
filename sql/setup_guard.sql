-- Suite "guard": the library is in shared_preload_libraries, and the
-- extension is created for its report functions.  No guard event trigger:
-- only the extension's own, which forgets a dropped table's exemptions.
SHOW shared_preload_libraries;
SHOW pg_conventions.mode;
CREATE EXTENSION pg_conventions;
SELECT evtname, evtevent, evtfoid::regproc FROM pg_event_trigger ORDER BY 1;
-- a role for the privilege tests, shared by both suites
CREATE ROLE conv_app LOGIN;
GRANT CREATE ON DATABASE contrib_regression TO conv_app;
-- The migration-safety rules have their own tests (safety*.sql); the
-- table-rule tests run without them, each in a connection of its own.
ALTER DATABASE contrib_regression SET pg_conventions.disabled_rules = 'migration_safety';
