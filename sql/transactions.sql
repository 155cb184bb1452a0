-- When the guard judges: at commit, on the state the transaction leaves.
-- Only this file's rules: the others have tests of their own.
SET pg_conventions.disabled_rules = 'snake_case_names, primary_key_type, timestamptz_only, soft_delete_column, foreign_key_type, index_naming, redundant_index, low_cardinality_index, migration_safety';
CREATE SCHEMA txn;
SET search_path = txn;
SET pg_conventions.mode = enforce;
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());

-- a migration in one transaction: table, then its index, passes
BEGIN;
CREATE TABLE posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE INDEX idx_posts_user_id ON posts (user_id);
COMMIT;

-- the same two statements in autocommit fail on the first
CREATE TABLE posts2 (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE INDEX idx_posts2_user_id ON posts2 (user_id);

-- one query string is one transaction too
CREATE TABLE posts3 (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now()) \; CREATE INDEX idx_posts3_user_id ON posts3 (user_id);
SELECT to_regclass('txn.posts3') IS NOT NULL AS created;

-- ROLLBACK TO SAVEPOINT forgets what the rolled-back part touched
BEGIN;
CREATE TABLE kept (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SAVEPOINT s1;
CREATE TABLE rolled_back (a int);
ROLLBACK TO SAVEPOINT s1;
COMMIT;
SELECT to_regclass('txn.kept') IS NOT NULL AS kept, to_regclass('txn.rolled_back') IS NULL AS gone;

-- ... including what an already released inner savepoint handed up to it
BEGIN;
SAVEPOINT s1;
SAVEPOINT s2;
ALTER TABLE kept DROP COLUMN updated_at;
RELEASE SAVEPOINT s2;
ROLLBACK TO SAVEPOINT s1;
COMMIT;

-- but what a released savepoint touched is still judged
BEGIN;
SAVEPOINT s1;
CREATE TABLE released (a int);
RELEASE SAVEPOINT s1;
COMMIT;

-- a violation fixed after a savepoint that is rolled back is not fixed
BEGIN;
CREATE TABLE half (a int, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SAVEPOINT s1;
ALTER TABLE half ADD PRIMARY KEY (a);
ROLLBACK TO SAVEPOINT s1;
COMMIT;

-- an aborted transaction leaves nothing behind for the next one
BEGIN;
CREATE TABLE aborted (a int);
SELECT 1/0;
ROLLBACK;
BEGIN;
CREATE TABLE touched_then_aborted (a int);
ROLLBACK;
SELECT 'next transaction is clean' AS status;
CREATE TABLE clean (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());

-- DDL inside a function or a DO block is checked too
DO $$ BEGIN EXECUTE 'CREATE TABLE from_do (a int)'; END $$;
CREATE FUNCTION make_table() RETURNS void LANGUAGE plpgsql AS
$$ BEGIN CREATE TABLE from_function (b int); END $$;
SELECT make_table();
CREATE PROCEDURE make_table_proc() LANGUAGE sql AS
$$ CREATE TABLE from_procedure (c int) $$;
CALL make_table_proc();
SELECT to_regclass('txn.from_do') IS NULL AS from_do_rejected,
       to_regclass('txn.from_function') IS NULL AS from_function_rejected,
       to_regclass('txn.from_procedure') IS NULL AS from_procedure_rejected;

-- a table dropped before commit leaves nothing to judge
BEGIN;
CREATE TABLE scratch (a int);
DROP TABLE scratch;
COMMIT;

-- statements that do not shape a table do not re-judge it
SET pg_conventions.mode = off;
CREATE TABLE legacy (a int);
SET pg_conventions.mode = enforce;
COMMENT ON TABLE legacy IS 'predates the conventions';
GRANT SELECT ON legacy TO PUBLIC;
ANALYZE legacy;
VACUUM legacy;
-- but shaping it does
ALTER TABLE legacy ADD COLUMN b int;

-- warn mode reports at commit and commits
SET pg_conventions.mode = warn;
BEGIN;
CREATE TABLE warned (a int, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SELECT 'before commit: nothing said yet' AS status;
COMMIT;
SELECT to_regclass('txn.warned') IS NOT NULL AS created;

-- mode is read at commit: SET LOCAL to warn inside a migration
SET pg_conventions.mode = enforce;
BEGIN;
SET LOCAL pg_conventions.mode = warn;
CREATE TABLE set_local (a int, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
COMMIT;
SHOW pg_conventions.mode;

SET pg_conventions.mode = off;
DROP SCHEMA txn CASCADE;
RESET search_path;
RESET pg_conventions.mode;
RESET pg_conventions.disabled_rules;
