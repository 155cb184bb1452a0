-- A non-superuser cannot escape enforce on the event-trigger path either,
-- even before the library is loaded in the session, when the setting is
-- still a placeholder anyone may set: PostgreSQL drops the placeholder's
-- value when the library defines the real, superuser-only setting.
ALTER DATABASE contrib_regression SET pg_conventions.mode = enforce;
\c
SET ROLE conv_app;
SET pg_conventions.mode = off;
CREATE SCHEMA app_schema;
SHOW pg_conventions.mode;
SET pg_conventions.mode = off;
CREATE TABLE app_schema.app_nopk (a int);
SELECT to_regclass('app_schema.app_nopk') IS NULL AS rejected;
RESET ROLE;
ALTER DATABASE contrib_regression RESET pg_conventions.mode;
SET pg_conventions.mode = off;
DROP SCHEMA app_schema CASCADE;
RESET pg_conventions.mode;
