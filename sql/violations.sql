-- conventions.violations(): the guard's rules over the whole database.
SELECT proname, pg_get_function_result(oid) FROM pg_proc
 WHERE pronamespace = 'conventions'::regnamespace ORDER BY proname;
SET pg_conventions.mode = off;
CREATE SCHEMA audit;
CREATE TABLE audit.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE audit.legacy (id serial, user_id uuid REFERENCES audit.users, created_at timestamp);
CREATE TEMP TABLE temp_legacy (a int);
-- the audit works whatever the mode; severity says what the guard would do
SELECT rule, severity, table_name, object, message, detail, fix_sql
  FROM conventions.violations() ORDER BY table_name::text, rule, object;
SET pg_conventions.mode = enforce;
SELECT DISTINCT severity FROM conventions.violations();
-- a conforming database has none
SET pg_conventions.mode = off;
DROP SCHEMA audit CASCADE;
SELECT count(*) FROM conventions.violations();
RESET pg_conventions.mode;
