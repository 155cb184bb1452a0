-- The settings and conventions.rules().
SELECT count(*) > 0 AS loaded FROM conventions.rules();
SELECT rule, severity, timing, sqlstate FROM conventions.rules();
SET pg_conventions.mode = enforce;
SET pg_conventions.disabled_rules = 'low_cardinality_index, index_naming';
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
