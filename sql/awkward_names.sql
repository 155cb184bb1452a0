-- Awkward identifiers: quotes, spaces, mixed case, 63-byte names, non-ASCII,
-- reserved words.  Messages name them; every fix SQL quotes them, and runs.
-- snake_case_names would rename what the other fixes name: it has its own test
SET pg_conventions.disabled_rules = 'snake_case_names, migration_safety';
SET pg_conventions.mode = warn;
CREATE SCHEMA "My ""Odd"" Schema";
SET search_path = "My ""Odd"" Schema";

CREATE TABLE "User" ("ID" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE "select" ("from" int);
CREATE TABLE "with space" ("User ID" uuid REFERENCES "User", "quote""d" text);
CREATE TABLE "MixedCase" ("Owner" uuid REFERENCES "User" ("ID"), created_at timestamp);
CREATE TABLE t23456789012345678901234567890123456789012345678901234567890123
  (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
   c23456789012345678901234567890123456789012345678901234567890123 uuid REFERENCES "User",
   created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE "ééééééééééééééééééééééééééééééé_x" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "ünïcødé" uuid REFERENCES "User",
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SELECT octet_length(relname) AS bytes, relname FROM pg_class
 WHERE relnamespace = '"My ""Odd"" Schema"'::regnamespace AND relkind = 'r' ORDER BY relname;

RESET search_path;
SELECT rule, object, message, fix_sql FROM conventions.violations()
 WHERE table_name::text LIKE '"My ""Odd"" Schema".%' ORDER BY table_name::text, rule, object;

-- run every fix as printed (order: keys first, then timestamps, then indexes)
SELECT fix_sql FROM conventions.violations()
 WHERE table_name::text LIKE '"My ""Odd"" Schema".%'
 ORDER BY array_position(ARRAY['require_primary_key', 'primary_key_type', 'require_timestamps', 'timestamptz_only', 'foreign_key_type', 'foreign_key_index', 'index_naming'], rule), table_name::text, fix_sql \gexec

SELECT count(*) AS left_over FROM conventions.violations()
 WHERE table_name::text LIKE '"My ""Odd"" Schema".%';
SELECT indexrelid::regclass AS created_index, octet_length(relname) AS bytes FROM pg_index JOIN pg_class ON oid = indexrelid
 WHERE relnamespace = '"My ""Odd"" Schema"'::regnamespace AND NOT indisprimary ORDER BY relname;

SET pg_conventions.mode = off;
DROP SCHEMA "My ""Odd"" Schema" CASCADE;
RESET search_path;
RESET pg_conventions.mode;
RESET pg_conventions.disabled_rules;
