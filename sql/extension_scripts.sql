-- DDL run by an extension's script is never judged, and the tables an
-- extension owns are not audited (test/ext: a fixture whose script creates
-- a table without a key, timestamps or an index for its foreign key).
SET pg_conventions.mode = enforce;
CREATE EXTENSION pg_conventions_test_ext;
SELECT count(*) AS tables FROM pg_class WHERE relnamespace = 'conv_test_ext'::regnamespace AND relkind = 'r';
SELECT count(*) AS audited FROM conventions.violations() WHERE table_name::text LIKE 'conv_test_ext.%';
-- DDL on an extension's table is not judged either
ALTER TABLE conv_test_ext.no_conventions ADD COLUMN more text;
DROP EXTENSION pg_conventions_test_ext;
RESET pg_conventions.mode;
