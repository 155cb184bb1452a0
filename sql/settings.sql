-- The settings and conventions.rules().
SELECT count(*) > 0 AS loaded FROM conventions.rules();
SELECT rule, severity, timing, sqlstate FROM conventions.rules();
SET pg_conventions.mode = enforce;
SET pg_conventions.disabled_rules = 'low_cardinality_index, index_naming';
SELECT rule, severity FROM conventions.rules() WHERE severity = 'off';
SET pg_conventions.disabled_rules = 'low_cardinality_index, index_naming, migration_safety';
SET pg_conventions.warning_rules = '*';
SELECT rule, severity FROM conventions.rules() WHERE severity <> 'warning';
SET pg_conventions.warning_rules = redundant_index;
SELECT rule, severity FROM conventions.rules() WHERE severity <> 'error';
SET pg_conventions.mode = off;
SELECT DISTINCT severity FROM conventions.rules();
RESET pg_conventions.mode;
RESET pg_conventions.disabled_rules;
RESET pg_conventions.warning_rules;
-- bad values are refused with a reason
SET pg_conventions.disabled_rules = 'no_such_rule';
SET pg_conventions.warning_rules = 'foreign_key_index,';
SET pg_conventions.profile = django;
SET pg_conventions.soft_delete_column = '';
SET pg_conventions.low_cardinality_max_distinct = 0;
SET pg_conventions.large_table_size = 'lots';
SET pg_conventions.large_table_size = '50MB';
SHOW pg_conventions.large_table_size;
RESET pg_conventions.large_table_size;
-- schemas in scope
CREATE SCHEMA in_scope;
CREATE SCHEMA out_of_scope;
SET pg_conventions.mode = enforce;
SET pg_conventions.schemas = in_scope;
CREATE TABLE out_of_scope.anything (a int);
CREATE TABLE in_scope.anything (a int);
SELECT DISTINCT table_name FROM conventions.violations();
RESET pg_conventions.schemas;
SELECT DISTINCT table_name FROM conventions.violations();
SET pg_conventions.mode = off;
DROP SCHEMA in_scope, out_of_scope CASCADE;
RESET pg_conventions.mode;

-- the first three rules: disabled, warning-only, exempted (the other rules'
-- own tests do the same for them)
CREATE SCHEMA st;
SET pg_conventions.mode = enforce;
SET pg_conventions.disabled_rules = 'require_primary_key, require_timestamps, migration_safety';
CREATE TABLE st.bare (a int);
RESET pg_conventions.disabled_rules;
-- what st.bare lacks is old debt now: a warning, whatever the settings
ALTER TABLE st.bare ADD COLUMN b int;
SET pg_conventions.warning_rules = 'require_primary_key, require_timestamps';
CREATE TABLE st.bare2 (a int);
RESET pg_conventions.warning_rules;
CREATE TABLE st.bare3 (a int);
-- exempted in the transaction that creates the table: judged at commit
BEGIN;
CREATE TABLE st.bare3 (a int);
SELECT conventions.exempt('st.bare3', 'require_primary_key', 'an append-only log');
SELECT conventions.exempt('st.bare3', 'require_timestamps', 'rows carry their own time');
COMMIT;
CREATE TABLE st.parent (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SET pg_conventions.disabled_rules = 'foreign_key_index, migration_safety';
CREATE TABLE st.child (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), parent_id uuid REFERENCES st.parent,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
RESET pg_conventions.disabled_rules;
SET pg_conventions.warning_rules = foreign_key_index;
ALTER TABLE st.child ADD COLUMN parent2_id uuid REFERENCES st.parent;
RESET pg_conventions.warning_rules;
ALTER TABLE st.child ADD COLUMN parent3_id uuid REFERENCES st.parent;
SELECT conventions.exempt('st.child', 'foreign_key_index', 'ten rows, never deleted');
ALTER TABLE st.child ADD COLUMN parent3_id uuid REFERENCES st.parent;
SELECT rule, object, severity, exempted, exemption_reason FROM conventions.violations()
 WHERE table_name::text LIKE 'st.%' ORDER BY 1, 2;
-- migration tools' own tables are never judged (pg_conventions.ignored_tables):
-- sequelize-cli's first db:migrate under enforce creates its log table
SET pg_conventions.mode = enforce;
SHOW pg_conventions.ignored_tables;
CREATE TABLE IF NOT EXISTS st."SequelizeMeta" ("name" VARCHAR(255) NOT NULL UNIQUE , PRIMARY KEY ("name"));
CREATE TABLE st.schema_migrations (version varchar PRIMARY KEY);
SELECT count(*) AS judged FROM conventions.violations()
 WHERE table_name IN ('st."SequelizeMeta"'::regclass, 'st.schema_migrations'::regclass);
-- a name only matches as written: this one is the team's
CREATE TABLE st."sequelizemeta" (name text);
-- the list is a setting; an empty one judges them all
SET pg_conventions.ignored_tables = '';
ALTER TABLE st."SequelizeMeta" ADD COLUMN note text;
SET pg_conventions.ignored_tables = '"SequelizeMeta", "Bad List';
SET pg_conventions.ignored_tables = 'schema_migrations';
ALTER TABLE st."SequelizeMeta" ADD COLUMN note2 text;
ALTER TABLE st.schema_migrations ADD COLUMN note text;
RESET pg_conventions.ignored_tables;
SET pg_conventions.mode = off;
DELETE FROM conventions.exemptions;
DROP SCHEMA st CASCADE;
RESET pg_conventions.mode;
