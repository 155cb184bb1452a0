-- Upgrading from 0.1: the same objects as a fresh install, and they work.
SET pg_conventions.mode = off;
DROP EXTENSION pg_conventions;
CREATE EXTENSION pg_conventions VERSION '0.1';
SELECT extversion FROM pg_extension WHERE extname = 'pg_conventions';
CREATE TABLE upgrade_nopk (a int);
-- the 0.1 definition still works with the new library
SELECT rule, object FROM conventions.violations() WHERE table_name = 'upgrade_nopk'::regclass ORDER BY 1, 2;
ALTER EXTENSION pg_conventions UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pg_conventions';
SELECT pg_describe_object(classid, objid, 0) AS object FROM pg_depend
 WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_conventions') AND deptype = 'e'
   AND classid <> 'pg_type'::regclass  -- 17 and later also list the tables' row types
 ORDER BY 1;
SELECT rule, object, exempted FROM conventions.violations() WHERE table_name = 'upgrade_nopk'::regclass ORDER BY 1, 2;
SELECT conventions.exempt('upgrade_nopk', '*', 'testing the upgrade');
SELECT count(*) FILTER (WHERE exempted) AS exempted FROM conventions.violations() WHERE table_name = 'upgrade_nopk'::regclass;
-- from 0.5, whose dropped tables kept their exemptions and which took any
-- relation: the update deletes what could never exempt anything
DROP TABLE upgrade_nopk;
DROP EXTENSION pg_conventions;
CREATE EXTENSION pg_conventions VERSION '0.5';
CREATE TABLE upgrade_gone (a int);
CREATE TABLE upgrade_kept (a int);
CREATE VIEW upgrade_view AS SELECT 1 AS one;
SELECT conventions.exempt('upgrade_gone', '*', 'dropped under 0.5');
SELECT conventions.exempt('upgrade_kept', '*', 'still here');
SELECT conventions.exempt('upgrade_view', '*', 'a view, never judged');
DROP TABLE upgrade_gone;
SELECT count(*) AS exemptions FROM conventions.exemptions;
ALTER EXTENSION pg_conventions UPDATE;
SELECT table_name, reason FROM conventions.exemptions;
DROP TABLE upgrade_kept;
DROP VIEW upgrade_view;
SELECT count(*) AS exemptions FROM conventions.exemptions;
-- from 0.9: the new library answers the old definition of suggest_indexes()
-- (ten columns, max_indexes 3 by default) until the update adds three
DROP EXTENSION pg_conventions;
CREATE EXTENSION pg_conventions VERSION '0.9';
CREATE TABLE upgrade_lookup (id int PRIMARY KEY, code text NOT NULL);
INSERT INTO upgrade_lookup SELECT i, 'c' || i FROM generate_series(1, 5000) i;
ANALYZE upgrade_lookup;
SELECT table_name, kind, index_columns, fix_sql, estimated_size > 0 AS sized
  FROM conventions.suggest_indexes('SELECT id FROM upgrade_lookup WHERE code = $1');
ALTER EXTENSION pg_conventions UPDATE;
SELECT index_columns, method, include_columns
  FROM conventions.suggest_indexes('SELECT id FROM upgrade_lookup WHERE code = $1');
DROP TABLE upgrade_lookup;
-- from 0.10, whose baseline named a foreign key by its constraint: the
-- update says which key each row is about (columns and referenced table),
-- as violations() now does; a row of a key that is gone stays as it was
DROP EXTENSION pg_conventions;
CREATE EXTENSION pg_conventions VERSION '0.10';
CREATE TABLE upgrade_ref (id int PRIMARY KEY);
CREATE TABLE upgrade_fk (id int PRIMARY KEY, ref_id bigint CONSTRAINT "upgrade fk" REFERENCES upgrade_ref);
INSERT INTO conventions.baseline (rule, table_name, subject) VALUES
  ('foreign_key_index', 'upgrade_fk', 'constraint upgrade fk'),
  ('foreign_key_type', 'upgrade_fk', 'constraint upgrade fk column ref_id'),
  ('foreign_key_index', 'upgrade_fk', 'constraint upgrade_fk_gone'),
  ('primary_key_type', 'upgrade_fk', 'constraint upgrade_fk_pkey');
ALTER EXTENSION pg_conventions UPDATE;
SELECT rule, subject FROM conventions.baseline ORDER BY 1, 2;
SELECT rule, subject, baselined_at IS NOT NULL AS baselined FROM conventions.violations()
 WHERE table_name = 'upgrade_fk'::regclass AND rule LIKE 'foreign_key%' ORDER BY 1, 2;
DELETE FROM conventions.baseline;
DROP TABLE upgrade_fk, upgrade_ref;
-- a fresh CREATE EXTENSION (which runs 0.1 and the update) has exactly the same objects
DROP EXTENSION pg_conventions;
CREATE EXTENSION pg_conventions;
SELECT pg_describe_object(classid, objid, 0) AS object FROM pg_depend
 WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_conventions') AND deptype = 'e'
   AND classid <> 'pg_type'::regclass  -- 17 and later also list the tables' row types
 ORDER BY 1;
RESET pg_conventions.mode;
