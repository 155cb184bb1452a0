-- Rules redundant_index and low_cardinality_index.
SELECT count(*) > 0 AS loaded FROM conventions.rules();
CREATE SCHEMA idx;
SET search_path = idx;
SET pg_conventions.mode = enforce;

-- redundant_index.  A helper: in one transaction, a fresh table with an
-- index idx_t_first and then an index idx_t_second; COMMIT says whether the
-- pair is accepted.
CREATE FUNCTION pair(first text, second text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'DROP TABLE IF EXISTS t';
  CREATE TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), a int, b int, c int, code text,
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
  EXECUTE 'CREATE ' || first;
  EXECUTE 'CREATE ' || second;
  RETURN 'built';
END $$;
-- an exact duplicate: the newer one is redundant
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (a, b)'); COMMIT;
\echo :LAST_ERROR_SQLSTATE
-- a leading part: redundant, whichever came first
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (a)'); COMMIT;
BEGIN; SELECT pair('INDEX idx_t_first ON t (a)', 'INDEX idx_t_second ON t (a, b, c)'); COMMIT;
-- not a leading part, another direction, operator class, collation,
-- predicate or access method: not redundant
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (b)'); COMMIT;
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (a DESC)'); COMMIT;
BEGIN; SELECT pair('INDEX idx_t_first ON t (code)', 'INDEX idx_t_second ON t (code text_pattern_ops)'); COMMIT;
BEGIN; SELECT pair('INDEX idx_t_first ON t (code)', 'INDEX idx_t_second ON t (code COLLATE "POSIX")'); COMMIT;
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (a) WHERE c > 0'); COMMIT;
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t USING hash (a)'); COMMIT;
-- the same predicate: redundant
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b) WHERE c > 0', 'INDEX idx_t_second ON t (a) WHERE c > 0'); COMMIT;
-- hash: only an exact duplicate
BEGIN; SELECT pair('INDEX idx_t_first ON t USING hash (a)', 'INDEX idx_t_second ON t USING hash (a)'); COMMIT;
-- expressions are compared by expression
BEGIN; SELECT pair('INDEX idx_t_first ON t (lower(code), a)', 'INDEX idx_t_second ON t (lower(code))'); COMMIT;
BEGIN; SELECT pair('INDEX idx_t_first ON t (lower(code), a)', 'INDEX idx_t_second ON t (upper(code))'); COMMIT;
-- INCLUDE columns must be in the other index too
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (a) INCLUDE (b)'); COMMIT;
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (a) INCLUDE (c)'); COMMIT;
-- unique: a unique index makes a plain one on the same key redundant, not
-- the other way round; a unique index on fewer columns is a stronger
-- constraint, so neither of these two is redundant
BEGIN; SELECT pair('UNIQUE INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (a, b)'); COMMIT;
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'UNIQUE INDEX idx_t_second ON t (a, b)'); COMMIT;
BEGIN; SELECT pair('UNIQUE INDEX idx_t_first ON t (a, b, c)', 'UNIQUE INDEX idx_t_second ON t (a, b)'); COMMIT;
BEGIN; SELECT pair('UNIQUE INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (a)'); COMMIT;
-- an index that backs a constraint is never the one to drop, even when it
-- came second: the plain index beside it is
CREATE FUNCTION with_constraint(plain text, con text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'DROP TABLE IF EXISTS t';
  CREATE TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), a int, b int, code text,
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
  EXECUTE 'CREATE INDEX idx_t_plain ON t ' || plain;
  EXECUTE 'ALTER TABLE t ADD CONSTRAINT t_key ' || con;
  RETURN 'built';
END $$;
BEGIN; SELECT with_constraint('(code)', 'UNIQUE (code)'); COMMIT;
BEGIN; SELECT with_constraint('(a)', 'UNIQUE (a, b)'); COMMIT;
-- and the primary key's index makes a plain index on its column redundant
BEGIN; SELECT with_constraint('(id)', 'UNIQUE (code)'); COMMIT;
-- the seed's junction table: the primary key covers post_id
CREATE TABLE tags (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
BEGIN;
CREATE TABLE post_tags (post_id uuid REFERENCES posts, tag_id uuid REFERENCES tags, created_at timestamptz DEFAULT now(),
  PRIMARY KEY (post_id, tag_id));
CREATE INDEX idx_post_tags_post_id ON post_tags (post_id);
CREATE INDEX idx_post_tags_tag_id ON post_tags (tag_id);
COMMIT;
-- disabled, warning-only, exempted
SET pg_conventions.disabled_rules = 'redundant_index, migration_safety';
BEGIN; SELECT pair('INDEX idx_t_first ON t (a, b)', 'INDEX idx_t_second ON t (a)'); COMMIT;
RESET pg_conventions.disabled_rules;
SET pg_conventions.warning_rules = redundant_index;
ALTER TABLE t ADD COLUMN note text;
RESET pg_conventions.warning_rules;
SELECT conventions.exempt('idx.t', 'redundant_index', 'dropped in the next release');
ALTER TABLE t ADD COLUMN note2 text;
SELECT rule, object, fix_sql, exempted, exemption_reason FROM conventions.violations() WHERE table_name = 'idx.t'::regclass;
SELECT conventions.unexempt('idx.t', 'redundant_index');
SELECT conventions.unexempt('idx.t', 'redundant_index');

-- low_cardinality_index: judged from pg_stats, so only after ANALYZE
CREATE TABLE accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), n int, status text, flag boolean,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
INSERT INTO accounts (n, status, flag)
SELECT i, CASE WHEN i % 20 = 0 THEN 'banned' WHEN i % 20 = 1 THEN 'inactive' ELSE 'active' END, i % 2 = 0
  FROM generate_series(1, 5000) i;
CREATE INDEX idx_accounts_n_before ON accounts (n);
ANALYZE accounts;
-- fail, now that the statistics are there: 'active' dominates, so the hint
-- also offers the partial index for the rare values
CREATE INDEX idx_accounts_status ON accounts (status);
\echo :LAST_ERROR_SQLSTATE
-- a 50/50 boolean gets no such offer
SET pg_conventions.warning_rules = low_cardinality_index;
CREATE INDEX idx_accounts_status ON accounts (status);
CREATE INDEX idx_accounts_flag ON accounts (flag);
RESET pg_conventions.warning_rules;
-- indexes the table already had are old debt: warnings, not the error
ALTER TABLE accounts ADD COLUMN note text;
DROP INDEX idx_accounts_n_before;
-- pass: many values, a partial index, a multi-column index
BEGIN;
DROP INDEX idx_accounts_status, idx_accounts_flag;
CREATE INDEX idx_accounts_n ON accounts (n);
CREATE INDEX idx_accounts_status_rare ON accounts (status) WHERE status <> 'active';
CREATE INDEX idx_accounts_created_at_status ON accounts (created_at, status);
COMMIT;
-- the threshold: three values are not "very few" when the most allowed is two
SET pg_conventions.low_cardinality_max_distinct = 2;
CREATE INDEX idx_accounts_status ON accounts (status);
RESET pg_conventions.low_cardinality_max_distinct;
DROP INDEX idx_accounts_status;
-- disabled, warning-only, exempted
SET pg_conventions.disabled_rules = 'low_cardinality_index, migration_safety';
CREATE INDEX idx_accounts_flag ON accounts (flag);
RESET pg_conventions.disabled_rules;
SET pg_conventions.warning_rules = low_cardinality_index;
ALTER TABLE accounts ADD COLUMN note3 text;
RESET pg_conventions.warning_rules;
SELECT conventions.exempt('idx.accounts', 'low_cardinality_index', 'reporting queries need it');
ALTER TABLE accounts ADD COLUMN note4 text;

-- what is left, and the fixes run
RESET search_path;
SET pg_conventions.mode = warn;
SELECT rule, object, detail, fix_sql, exempted FROM conventions.violations()
 WHERE table_name::text LIKE 'idx.%' ORDER BY rule, object;
SELECT conventions.unexempt('idx.accounts', 'low_cardinality_index');
SELECT fix_sql FROM conventions.violations()
 WHERE table_name::text LIKE 'idx.%' AND NOT exempted ORDER BY rule, fix_sql \gexec
SELECT rule, object FROM conventions.violations() WHERE table_name::text LIKE 'idx.%' AND NOT exempted;

SET pg_conventions.mode = off;
DELETE FROM conventions.exemptions;
DROP SCHEMA idx CASCADE;
RESET pg_conventions.mode;
