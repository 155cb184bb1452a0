-- Suite "guard": the library is in shared_preload_libraries, and the
-- extension is created for its report functions.  No event trigger.
SHOW shared_preload_libraries;
SHOW pg_conventions.mode;
CREATE EXTENSION pg_conventions;
SELECT count(*) AS event_triggers FROM pg_event_trigger;
-- a role for the privilege tests, shared by both suites
CREATE ROLE conv_app LOGIN;
GRANT CREATE ON DATABASE contrib_regression TO conv_app;
