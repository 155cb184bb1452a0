-- Enforce judges only what a transaction introduces.  A table made before
-- the guard (here with mode = off) keeps its old violations: said in one
-- WARNING per table (how many, of which rules, the query that lists them);
-- what a transaction adds that breaks a rule, or a rule that now fails
-- where it held, is the error.
CREATE SCHEMA lg;
SET search_path = lg;
SET pg_conventions.mode = off;
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE legacy (id integer PRIMARY KEY, name text, created timestamp,
  user_id uuid REFERENCES users);
SET pg_conventions.mode = enforce;

-- statements that cannot change what the rules judge: not judged at all
ALTER TABLE legacy OWNER TO conv_app;
ALTER TABLE legacy OWNER TO CURRENT_USER;
ALTER TABLE legacy SET (fillfactor = 90);
ALTER TABLE legacy RESET (fillfactor);
ALTER TABLE legacy SET TABLESPACE pg_default;
ALTER TABLE legacy REPLICA IDENTITY FULL;
ALTER TABLE legacy CLUSTER ON legacy_pkey;
ALTER TABLE legacy SET WITHOUT CLUSTER;
ALTER TABLE legacy DISABLE TRIGGER ALL, ENABLE TRIGGER ALL;
ALTER TABLE legacy ALTER COLUMN name SET STATISTICS 500;
ALTER TABLE legacy ENABLE ROW LEVEL SECURITY;
ALTER TABLE legacy DISABLE ROW LEVEL SECURITY;

-- statements that do: the old violations are one warning per table, and they pass
ALTER TABLE legacy ADD CHECK (id > 0);
ALTER TABLE legacy ALTER COLUMN name SET NOT NULL;
SET pg_conventions.disabled_rules = 'primary_key_type, require_timestamps, timestamptz_only, migration_safety';
ALTER TABLE legacy ADD COLUMN note text;
-- the very index the foreign-key rule asks for
CREATE INDEX idx_legacy_user_id ON legacy (user_id);
CREATE INDEX idx_legacy_name ON legacy (name);
-- a rename does not turn old debt into new
ALTER TABLE legacy RENAME COLUMN created TO created_on;
RESET pg_conventions.disabled_rules;
ALTER TABLE legacy RENAME TO legacy_things;
ALTER TABLE legacy_things RENAME TO legacy;

-- what a transaction introduces is rejected
SET pg_conventions.disabled_rules = 'primary_key_type, require_timestamps, migration_safety';
ALTER TABLE legacy ADD COLUMN "camelCase" text;
ALTER TABLE legacy ADD COLUMN seen timestamp;
CREATE INDEX legacy_note ON legacy (note);
ALTER TABLE legacy ADD COLUMN owner_id uuid REFERENCES users;
CREATE TABLE keyless (a int);
-- a rule that now fails where it held
DROP INDEX idx_legacy_user_id;
ALTER TABLE legacy ADD COLUMN deleted_at timestamptz;
ALTER TABLE legacy ALTER COLUMN deleted_at SET NOT NULL;

-- savepoints, DDL in functions, and multi-statement migrations
BEGIN;
ALTER TABLE legacy ADD COLUMN a1 text;
SAVEPOINT s;
ALTER TABLE legacy ADD COLUMN "A2" text;
ROLLBACK TO SAVEPOINT s;
ALTER TABLE legacy ADD COLUMN a2 text;
COMMIT;
CREATE FUNCTION migrate(colname text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE lg.legacy ADD COLUMN %I text', colname);
END
$$;
SELECT migrate('a3');
SELECT migrate('A4');
ALTER TABLE legacy ADD COLUMN a5 text \; ALTER TABLE legacy ADD COLUMN a6 text;
ALTER TABLE legacy ADD COLUMN a7 text \; ALTER TABLE legacy ADD COLUMN "A8" text;
SELECT count(*) AS columns FROM pg_attribute
 WHERE attrelid = 'legacy'::regclass AND attnum > 0 AND NOT attisdropped;

-- a legacy partitioned table gets a new partition and a new index
SET pg_conventions.mode = off;
CREATE TABLE legacy_log (id integer, at timestamp NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE legacy_log_2025 PARTITION OF legacy_log
  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
SET pg_conventions.mode = enforce;
CREATE TABLE legacy_log_2026 PARTITION OF legacy_log
  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX idx_legacy_log_id ON legacy_log (id);
CREATE INDEX legacy_log_at ON legacy_log (at);
-- a schema is judged with its tables: a bad schema name is old debt once a
-- table in it is
SET pg_conventions.mode = off;
CREATE SCHEMA "LegacyApp";
CREATE TABLE "LegacyApp".things (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SET pg_conventions.mode = enforce;
CREATE TABLE "LegacyApp".more_things (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE SCHEMA "NewApp";
CREATE TABLE "NewApp".things (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());

-- the audit still lists every violation
RESET pg_conventions.disabled_rules;
RESET search_path;
SELECT rule, object FROM conventions.violations()
 WHERE table_name::text LIKE 'lg.%' OR table_name::text LIKE '"LegacyApp".%'
 ORDER BY 1, 2;
-- the baseline: record the debt once, then violations() tells old from new
SELECT conventions.baseline_record() > 0 AS recorded;
SET search_path = lg;
SET pg_conventions.mode = warn;
ALTER TABLE legacy ADD COLUMN "newCamel" text;
ALTER TABLE legacy RENAME TO legacy_renamed;
RESET search_path;
SELECT rule, subject, baselined_at IS NOT NULL AS baselined FROM conventions.violations()
 WHERE table_name = 'lg.legacy_renamed'::regclass ORDER BY 1, 2;
-- fixed debt leaves the baseline when it is pruned
ALTER TABLE lg.legacy_renamed DROP COLUMN created_on;
SELECT conventions.baseline_prune() AS pruned;
SELECT rule, subject FROM conventions.baseline
 WHERE table_name = 'lg.legacy_renamed'::regclass ORDER BY 1, 2;
-- recording is a superuser's decision unless granted
SET ROLE conv_app;
SELECT conventions.baseline_record();
RESET ROLE;
-- the guard holds the baseline's debt as old under enforce.  A foreign key
-- dropped and added back (the only way to change its ON DELETE action) is
-- the key the baseline accepted: in autocommit (two transactions, where the
-- second no longer sees the old key), in one transaction, under another
-- name, and renamed.  A key the baseline never saw is new.
SET pg_conventions.mode = off;
CREATE TABLE lg.comments (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
  user_id uuid CONSTRAINT comments_user_id_fkey REFERENCES lg.users);
SELECT conventions.baseline_record() AS recorded;
SELECT subject FROM conventions.baseline
 WHERE table_name = 'lg.comments'::regclass ORDER BY 1;
SET pg_conventions.mode = enforce;
ALTER TABLE lg.comments DROP CONSTRAINT comments_user_id_fkey;
ALTER TABLE lg.comments ADD CONSTRAINT comments_user_id_fkey
  FOREIGN KEY (user_id) REFERENCES lg.users ON DELETE CASCADE;
BEGIN;
ALTER TABLE lg.comments DROP CONSTRAINT comments_user_id_fkey;
ALTER TABLE lg.comments ADD CONSTRAINT fk_comments_user
  FOREIGN KEY (user_id) REFERENCES lg.users ON DELETE SET NULL;
COMMIT;
ALTER TABLE lg.comments RENAME CONSTRAINT fk_comments_user TO comments_author_fkey;
ALTER TABLE lg.comments ADD COLUMN editor_id uuid REFERENCES lg.users;
SELECT conname, confdeltype FROM pg_constraint
 WHERE conrelid = 'lg.comments'::regclass AND contype = 'f' ORDER BY 1;
-- with the baseline's row gone, the same re-added key is new again
DELETE FROM conventions.baseline WHERE table_name = 'lg.comments'::regclass;
BEGIN;
ALTER TABLE lg.comments DROP CONSTRAINT comments_author_fkey;
COMMIT;
ALTER TABLE lg.comments ADD CONSTRAINT comments_author_fkey
  FOREIGN KEY (user_id) REFERENCES lg.users;
SET pg_conventions.mode = off;
DROP TABLE lg.comments;
-- warn says the same: what the transaction introduced in full, each
-- table's old debt in one line (the baseline's and the before-state's)
SET pg_conventions.mode = off;
CREATE TABLE lg.tickets (id int PRIMARY KEY, user_id uuid REFERENCES lg.users, opened timestamp);
SET pg_conventions.mode = warn;
ALTER TABLE lg.tickets ADD COLUMN "dueDate" date;
ALTER TABLE lg.tickets ADD COLUMN due_on date;
BEGIN;
ALTER TABLE lg.tickets DROP CONSTRAINT tickets_user_id_fkey;
ALTER TABLE lg.tickets ADD CONSTRAINT tickets_user_id_fkey
  FOREIGN KEY (user_id) REFERENCES lg.users ON DELETE CASCADE;
ALTER TABLE lg.legacy_renamed ADD COLUMN closed timestamp;
COMMIT;
SET pg_conventions.mode = off;
DROP TABLE lg.tickets;
SET pg_conventions.mode = warn;
-- a dropped table's rows go with it
DROP TABLE lg.legacy_renamed;
SELECT count(*) AS orphans FROM conventions.baseline b
 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = b.table_name::oid);
DELETE FROM conventions.baseline;
SET pg_conventions.mode = off;
DROP SCHEMA lg, "LegacyApp" CASCADE;
DROP SCHEMA IF EXISTS "NewApp" CASCADE;
RESET pg_conventions.mode;
