-- Rule foreign_key_index: every foreign key has a covering index, by the
-- exact definition of DESIGN.md.  Each case below is one clause of it.
-- Only this file's rules: the others have tests of their own.
SET pg_conventions.disabled_rules = 'snake_case_names, primary_key_type, timestamptz_only, soft_delete_column, foreign_key_type, index_naming, redundant_index, low_cardinality_index, migration_safety';
CREATE SCHEMA fki;
SET search_path = fki;
SET pg_conventions.mode = off;
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE pairs (a int, b int, created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(), PRIMARY KEY (a, b));
CREATE TABLE codes (code text PRIMARY KEY, created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now());

-- off / warn / enforce on the same failing table
CREATE TABLE posts_off (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SET pg_conventions.mode = warn;
CREATE TABLE posts_warn (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SET pg_conventions.mode = enforce;
CREATE TABLE posts_enforce (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
\echo :LAST_ERROR_SQLSTATE

-- A helper: build a table with a foreign key and one index in one
-- transaction, in enforce mode, and say whether it passed.
CREATE FUNCTION try(fk_cols text, ref text, idx text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'DROP TABLE IF EXISTS t';
  EXECUTE format('CREATE TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), a int, b int, c int, '
                 'user_id uuid, code text, ccode text COLLATE "C", note text, created_at timestamptz DEFAULT now(), '
                 'updated_at timestamptz DEFAULT now(), FOREIGN KEY (%s) REFERENCES %s)', fk_cols, ref);
  IF idx IS NOT NULL THEN
    EXECUTE 'CREATE INDEX ON t ' || idx;
  END IF;
  RETURN 'built';
END $$;

-- single column: no index / btree / hash / other access methods
BEGIN; SELECT try('user_id', 'users', NULL); COMMIT;
BEGIN; SELECT try('user_id', 'users', '(user_id)'); COMMIT;
BEGIN; SELECT try('user_id', 'users', 'USING hash (user_id)'); COMMIT;
BEGIN; SELECT try('user_id', 'users', 'USING brin (user_id)'); COMMIT;
-- the FK column first, other columns after it: covered
BEGIN; SELECT try('user_id', 'users', '(user_id, created_at DESC)'); COMMIT;
-- the FK column second: not covered
BEGIN; SELECT try('user_id', 'users', '(created_at, user_id)'); COMMIT;
-- INCLUDE columns do not count
BEGIN; SELECT try('user_id', 'users', '(note) INCLUDE (user_id)'); COMMIT;
-- composite key: both columns first, in any order, covered
BEGIN; SELECT try('a, b', 'pairs', '(a, b)'); COMMIT;
BEGIN; SELECT try('a, b', 'pairs', '(b, a, c)'); COMMIT;
-- only a prefix of the key, or a key column behind INCLUDE: not covered
BEGIN; SELECT try('a, b', 'pairs', '(a)'); COMMIT;
BEGIN; SELECT try('a, b', 'pairs', '(a, c, b)'); COMMIT;
BEGIN; SELECT try('a, b', 'pairs', '(a) INCLUDE (b)'); COMMIT;
-- the same column twice is not two key columns
BEGIN; SELECT try('a, b', 'pairs', '(a, a)'); COMMIT;
-- hash covers a single column only
BEGIN; SELECT try('a, b', 'pairs', 'USING hash (a)'); COMMIT;
-- expression columns do not count
BEGIN; SELECT try('code', 'codes', '(lower(code))'); COMMIT;
BEGIN; SELECT try('code', 'codes', '((code || ''''))'); COMMIT;
-- collation: the column's own collation covers, any other does not (even
-- "C" for a column of the database's default collation: the planner would
-- not use that index for the key's queries either)
BEGIN; SELECT try('ccode', 'codes', '(ccode)'); COMMIT;
BEGIN; SELECT try('ccode', 'codes', '(ccode COLLATE "POSIX")'); COMMIT;
BEGIN; SELECT try('code', 'codes', '(code COLLATE "C")'); COMMIT;
BEGIN; SELECT try('code', 'codes', '(code COLLATE "default")'); COMMIT;
-- another operator class whose family has the key's = operator covers
BEGIN; SELECT try('code', 'codes', '(code text_pattern_ops)'); COMMIT;
-- predicates: none, or one implied by "key IS NOT NULL"
BEGIN; SELECT try('user_id', 'users', '(user_id) WHERE user_id IS NOT NULL'); COMMIT;
BEGIN; SELECT try('a, b', 'pairs', '(a, b) WHERE a IS NOT NULL AND b IS NOT NULL'); COMMIT;
BEGIN; SELECT try('a, b', 'pairs', '(a, b) WHERE a IS NOT NULL'); COMMIT;
BEGIN; SELECT try('user_id', 'users', '(user_id) WHERE note IS NULL'); COMMIT;
BEGIN; SELECT try('user_id', 'users', '(user_id) WHERE user_id IS NOT NULL AND c > 0'); COMMIT;

-- NOT VALID and DEFERRABLE keys still need the index
CREATE TABLE notvalid (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
ALTER TABLE notvalid ADD CONSTRAINT notvalid_user_fk FOREIGN KEY (user_id) REFERENCES users NOT VALID;
CREATE TABLE deferred_keys (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid REFERENCES users DEFERRABLE INITIALLY DEFERRED,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());

-- self-references count
CREATE TABLE employees (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  manager_id uuid REFERENCES employees,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());

-- an invalid index (a failed CREATE INDEX CONCURRENTLY) covers nothing
SET pg_conventions.mode = warn;
CREATE TABLE orders (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
INSERT INTO users (id) VALUES ('00000000-0000-0000-0000-000000000001');
INSERT INTO orders (user_id) VALUES ('00000000-0000-0000-0000-000000000001'), ('00000000-0000-0000-0000-000000000001');
CREATE UNIQUE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);
SELECT indisvalid FROM pg_index WHERE indexrelid = 'fki.idx_orders_user_id'::regclass;
SELECT object, fix_sql FROM conventions.violations() WHERE table_name = 'fki.orders'::regclass;

-- adding a key to an existing table is judged
SET pg_conventions.mode = enforce;
CREATE TABLE comments (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
ALTER TABLE comments ADD FOREIGN KEY (user_id) REFERENCES users;
-- with its index in the same transaction it passes
BEGIN;
ALTER TABLE comments ADD FOREIGN KEY (user_id) REFERENCES users;
CREATE INDEX idx_comments_user_id ON comments (user_id);
COMMIT;
-- and the index cannot be dropped while the key needs it
DROP INDEX idx_comments_user_id;
BEGIN;
DROP INDEX idx_comments_user_id;
CREATE INDEX idx_comments_user_id_2 ON comments (user_id, created_at);
COMMIT;
DROP INDEX CONCURRENTLY idx_comments_user_id_2;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS indexes_left FROM pg_index WHERE indrelid = 'fki.comments'::regclass AND NOT indisprimary;
-- CREATE INDEX CONCURRENTLY, the fix we suggest for existing tables, passes
SET pg_conventions.mode = warn;
ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;
DROP INDEX idx_orders_user_id;
SET pg_conventions.mode = enforce;
CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);
BEGIN;
ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users;
COMMIT;

-- partitioned tables: an index on the parent covers every partition
CREATE TABLE measurements (id uuid DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
  region text NOT NULL, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
  PRIMARY KEY (id, region)) PARTITION BY LIST (region);
BEGIN;
CREATE TABLE measurements (id uuid DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
  region text NOT NULL, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
  PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN ('eu');
CREATE INDEX idx_measurements_user_id ON measurements (user_id);
CREATE TABLE measurements_us PARTITION OF measurements FOR VALUES IN ('us');
COMMIT;
-- ... or, without one, every leaf covered by an index of its own; a leaf
-- whose columns are numbered differently is matched by name
SET pg_conventions.mode = warn;
CREATE TABLE readings (id uuid DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
  region text NOT NULL, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
  PRIMARY KEY (id, region)) PARTITION BY LIST (region);
BEGIN;
CREATE TABLE readings_eu PARTITION OF readings FOR VALUES IN ('eu');
CREATE INDEX ON readings_eu (user_id);
CREATE TABLE readings_us (dropped int, id uuid DEFAULT gen_random_uuid() NOT NULL, region text NOT NULL,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(), user_id uuid);
ALTER TABLE readings_us DROP COLUMN dropped;
CREATE INDEX ON readings_us (user_id);
ALTER TABLE readings ATTACH PARTITION readings_us FOR VALUES IN ('us');
COMMIT;
-- one uncovered leaf and the parent's key is uncovered, reported once, on
-- the parent (not on the partitions' clones of the key)
CREATE TABLE readings_ap PARTITION OF readings FOR VALUES IN ('ap');
SELECT object, fix_sql FROM conventions.violations() WHERE object LIKE '%readings%';
-- covering the last leaf covers the parent's key again
CREATE INDEX ON readings_ap (user_id);

-- the fix is plain CREATE INDEX for a table created in this transaction,
-- CONCURRENTLY for an existing one, and it passes this same test
SET pg_conventions.mode = warn;
BEGIN;
CREATE TABLE fresh (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), a int, b int,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
  FOREIGN KEY (b, a) REFERENCES pairs (b, a));
COMMIT;
RESET search_path;
SELECT fix_sql FROM conventions.violations() WHERE table_name::text LIKE 'fki.%' AND rule = 'foreign_key_index' ORDER BY 1;
SELECT fix_sql FROM conventions.violations() WHERE table_name::text LIKE 'fki.%' AND rule = 'foreign_key_index' ORDER BY 1 \gexec
SELECT count(*) AS left_over FROM conventions.violations() WHERE table_name::text LIKE 'fki.%';

SET pg_conventions.mode = off;
DROP SCHEMA fki CASCADE;
RESET search_path;
RESET pg_conventions.mode;
RESET pg_conventions.disabled_rules;
