-- A non-superuser cannot escape enforce: the mode is PGC_SUSET.
SET pg_conventions.mode = enforce;
ALTER ROLE conv_app SET pg_conventions.mode = enforce;
SET ROLE conv_app;
SET pg_conventions.mode = off;
BEGIN;
SET LOCAL pg_conventions.mode = off;
ROLLBACK;
RESET pg_conventions.mode;
SELECT set_config('pg_conventions.mode', 'off', false);
ALTER ROLE conv_app SET pg_conventions.mode = off;
ALTER DATABASE contrib_regression SET pg_conventions.mode = off;
SHOW pg_conventions.mode;
CREATE SCHEMA app_schema;
CREATE TABLE app_schema.app_nopk (a int);
SELECT to_regclass('app_schema.app_nopk') IS NULL AS rejected;
-- the app's own tables are judged like anyone's
RESET ROLE;
ALTER ROLE conv_app RESET pg_conventions.mode;
SET pg_conventions.mode = off;
DROP SCHEMA app_schema CASCADE;
RESET pg_conventions.mode;
