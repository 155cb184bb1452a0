-- The migration-safety rules, on both paths (preloaded hook and event
-- trigger), judged before the statement runs.  A million narrow rows make
-- a large table at the default pg_conventions.large_table_size (10MB).
-- Only the migration-safety rules are on here.
SET pg_conventions.disabled_rules = 'snake_case_names, require_primary_key, primary_key_type, require_timestamps, timestamptz_only, soft_delete_column, foreign_key_type, foreign_key_index, index_naming, redundant_index, low_cardinality_index';
SET pg_conventions.mode = off;
CREATE SCHEMA mig;
SET search_path = mig, public;
CREATE TABLE mig.users (id bigint PRIMARY KEY);
INSERT INTO mig.users SELECT g FROM generate_series(0, 999) g;
CREATE TABLE mig.events (
  id bigint PRIMARY KEY,
  user_id bigint,
  amount numeric(10,2),
  note varchar(20),
  seen_at timestamp
);
INSERT INTO mig.events SELECT g, g % 1000, g % 100, 'n' || (g % 10), NULL
  FROM generate_series(1, 1000000) g;
CREATE TABLE mig.small (id bigint PRIMARY KEY, note text);
INSERT INTO mig.small VALUES (1, 'a'), (2, 'b');
CREATE TABLE mig.empty_one (id bigint PRIMARY KEY, note text);
VACUUM ANALYZE mig.users, mig.events, mig.small, mig.empty_one;
SELECT pg_size_pretty(pg_relation_size('mig.events')) AS events_size,
       reltuples::bigint AS events_rows
  FROM pg_class WHERE oid = 'mig.events'::regclass;
-- every statement below runs with a lock_timeout, except where rule
-- lock_timeout is the subject
SET lock_timeout = '5s';
-- a function that says when PostgreSQL calls it, to show that a warning
-- comes before the work: once, for the first row
CREATE FUNCTION mig.noisy(bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS
$$BEGIN IF $1 = 1 THEN RAISE NOTICE 'working on row 1'; END IF; RETURN $1; END$$;

-- ---- concurrent_index ----
SET pg_conventions.mode = enforce;
CREATE INDEX idx_events_user_id ON mig.events (user_id);
CREATE UNIQUE INDEX idx_events_note ON events USING btree (note, id) WHERE amount > 0;
DROP INDEX mig.events_pkey;
SET pg_conventions.profile = sequelize;
CREATE INDEX idx_events_user_id ON mig.events (user_id);
RESET pg_conventions.profile;
BEGIN;
CREATE INDEX idx_events_user_id ON mig.events (user_id);
ROLLBACK;
-- warn: the warning, then the build
SET pg_conventions.mode = warn;
BEGIN;
CREATE INDEX idx_events_noisy ON mig.events (mig.noisy(id));
ROLLBACK;
-- not hazards: CONCURRENTLY, a small table, a table of this transaction
SET pg_conventions.mode = enforce;
CREATE INDEX CONCURRENTLY idx_events_user_id ON mig.events (user_id);
DROP INDEX CONCURRENTLY mig.idx_events_user_id;
CREATE INDEX idx_small_note ON mig.small (note);
DROP INDEX mig.idx_small_note;
BEGIN;
CREATE TABLE mig.events_copy AS SELECT * FROM mig.events;
CREATE INDEX ON mig.events_copy (user_id);
ROLLBACK;

-- ---- constraint_index ----
ALTER TABLE mig.events ADD CONSTRAINT events_id_note_key UNIQUE (id, note);
ALTER TABLE mig.events ADD COLUMN code bigint UNIQUE;
-- not a hazard: the index built CONCURRENTLY first, then USING INDEX
CREATE UNIQUE INDEX CONCURRENTLY events_id_note_key ON mig.events (id, note);
ALTER TABLE mig.events ADD CONSTRAINT events_id_note_key UNIQUE USING INDEX events_id_note_key;
ALTER TABLE mig.events DROP CONSTRAINT events_id_note_key;

-- ---- constraint_validation ----
ALTER TABLE mig.events ADD CONSTRAINT events_user_id_fkey FOREIGN KEY (user_id) REFERENCES mig.users (id) ON DELETE CASCADE;
ALTER TABLE mig.events ADD FOREIGN KEY (user_id) REFERENCES mig.users;
ALTER TABLE mig.events ADD CONSTRAINT events_amount_check CHECK (amount >= 0 AND note <> 'x, y');
ALTER TABLE mig.events ADD CHECK (amount >= 0);
ALTER TABLE mig.events ADD COLUMN owner_id bigint REFERENCES mig.users (id);
-- NOT VALID, then VALIDATE in the same transaction: the lock of the ADD is
-- held through the scan
BEGIN;
ALTER TABLE mig.events ADD CONSTRAINT events_user_id_fkey FOREIGN KEY (user_id) REFERENCES mig.users (id) NOT VALID;
ALTER TABLE mig.events VALIDATE CONSTRAINT events_user_id_fkey;
ROLLBACK;
-- not hazards: NOT VALID, then VALIDATE in a transaction of its own
ALTER TABLE mig.events ADD CONSTRAINT events_user_id_fkey FOREIGN KEY (user_id) REFERENCES mig.users (id) NOT VALID;
ALTER TABLE mig.events VALIDATE CONSTRAINT events_user_id_fkey;
ALTER TABLE mig.events ADD CONSTRAINT events_amount_check CHECK (amount >= 0) NOT VALID;
ALTER TABLE mig.events VALIDATE CONSTRAINT events_amount_check;
-- warn
SET pg_conventions.mode = warn;
BEGIN;
ALTER TABLE mig.events ADD CHECK (mig.noisy(id) > 0);
ROLLBACK;

-- ---- not_null_scan ----
SET pg_conventions.mode = enforce;
ALTER TABLE mig.events ALTER COLUMN note SET NOT NULL;
SET pg_conventions.profile = sequelize;
ALTER TABLE mig.events ALTER COLUMN note SET NOT NULL;
RESET pg_conventions.profile;
-- not hazards: a validated CHECK proves it, or the column is NOT NULL already
ALTER TABLE mig.events ADD CONSTRAINT events_note_not_null CHECK (note IS NOT NULL) NOT VALID;
ALTER TABLE mig.events VALIDATE CONSTRAINT events_note_not_null;
ALTER TABLE mig.events ALTER COLUMN note SET NOT NULL;
ALTER TABLE mig.events DROP CONSTRAINT events_note_not_null;
ALTER TABLE mig.events ALTER COLUMN id SET NOT NULL;
-- a CHECK that is not validated proves nothing
ALTER TABLE mig.events ADD CONSTRAINT events_user_not_null CHECK (user_id IS NOT NULL) NOT VALID;
ALTER TABLE mig.events ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE mig.events DROP CONSTRAINT events_user_not_null;

-- ADD PRIMARY KEY makes its columns NOT NULL, USING INDEX (the end of rule
-- constraint_index's recipe) too: a table without a key, large at 1MB
SET pg_conventions.mode = off;
CREATE TABLE mig.legacy (code bigint, region text);
INSERT INTO mig.legacy SELECT g, 'r' || g % 10 FROM generate_series(1, 100000) g;
CREATE UNIQUE INDEX legacy_code_key ON mig.legacy (code);
CREATE UNIQUE INDEX legacy_region_code_key ON mig.legacy (region, code);
VACUUM ANALYZE mig.legacy;
SET pg_conventions.large_table_size = '1MB';
SET pg_conventions.mode = enforce;
ALTER TABLE mig.legacy ADD PRIMARY KEY USING INDEX legacy_code_key;
ALTER TABLE mig.legacy ADD CONSTRAINT legacy_pkey PRIMARY KEY USING INDEX legacy_region_code_key;
ALTER TABLE mig.legacy ADD PRIMARY KEY (code);
-- warn: the WARNING, then the key, after its scan
SET pg_conventions.mode = warn;
BEGIN;
ALTER TABLE mig.legacy ADD PRIMARY KEY USING INDEX legacy_code_key;
SELECT conname FROM pg_constraint WHERE conrelid = 'mig.legacy'::regclass AND contype IN ('p', 'u');
ROLLBACK;
SET pg_conventions.mode = enforce;
-- not hazards: the HINT's recipe, each statement as it says
ALTER TABLE mig.legacy ADD CONSTRAINT legacy_code_not_null CHECK (code IS NOT NULL) NOT VALID;
ALTER TABLE mig.legacy VALIDATE CONSTRAINT legacy_code_not_null;
ALTER TABLE mig.legacy ADD PRIMARY KEY USING INDEX legacy_code_key;
ALTER TABLE mig.legacy DROP CONSTRAINT legacy_code_not_null;
SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'mig.legacy'::regclass AND attname = 'code';
RESET pg_conventions.large_table_size;
SET pg_conventions.mode = off;
DROP TABLE mig.legacy;
SET pg_conventions.mode = enforce;

-- ---- table_rewrite ----
ALTER TABLE mig.events ALTER COLUMN user_id TYPE integer;
ALTER TABLE mig.events ALTER COLUMN note TYPE varchar(10);
ALTER TABLE mig.events ALTER COLUMN note TYPE text USING note || '';
-- changes that look harmless: integer to numeric, a narrower numeric, text
-- to a bounded varchar (each value checked, in a new copy)
ALTER TABLE mig.events ALTER COLUMN user_id TYPE numeric;
ALTER TABLE mig.events ALTER COLUMN amount TYPE numeric(8,2);
BEGIN;
ALTER TABLE mig.events ALTER COLUMN note TYPE text;
ALTER TABLE mig.events ALTER COLUMN note TYPE varchar(30);
ROLLBACK;
ALTER TABLE mig.events ADD COLUMN row_no smallserial;
ALTER TABLE mig.events ADD COLUMN seq2 integer GENERATED BY DEFAULT AS IDENTITY;
ALTER TABLE mig.events ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE mig.events ADD COLUMN stamped_at timestamptz DEFAULT clock_timestamp();
ALTER TABLE mig.events ADD COLUMN double_amount numeric GENERATED ALWAYS AS (amount * 2) STORED;
ALTER TABLE mig.events ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE mig.events ADD COLUMN serial_no bigserial;
ALTER TABLE mig.events SET UNLOGGED;
SET pg_conventions.profile = sequelize;
ALTER TABLE mig.events ADD COLUMN token uuid DEFAULT gen_random_uuid();
RESET pg_conventions.profile;
-- timestamp to timestamptz rewrites unless the time zone is UTC
ALTER TABLE mig.events ALTER COLUMN seen_at TYPE timestamptz;
-- not hazards: no rewrite
BEGIN;
ALTER TABLE mig.events ALTER COLUMN note TYPE varchar(40);
ALTER TABLE mig.events ALTER COLUMN note TYPE text;
ALTER TABLE mig.events ALTER COLUMN amount TYPE numeric(12,2);
ALTER TABLE mig.events ADD COLUMN created_at timestamptz DEFAULT now();
ALTER TABLE mig.events ADD COLUMN status text DEFAULT 'active';
ALTER TABLE mig.events ADD COLUMN score integer DEFAULT 2 + 3;
ALTER TABLE mig.events ADD COLUMN label text DEFAULT lower('A');
ALTER TABLE mig.events SET LOGGED;
ALTER TABLE mig.events SET TABLESPACE pg_default;
SET LOCAL TimeZone = 'UTC';
ALTER TABLE mig.events ALTER COLUMN seen_at TYPE timestamptz;
ROLLBACK;
-- warn: the warning, then the rewrite
SET pg_conventions.mode = warn;
CREATE SEQUENCE mig.noisy_calls;
CREATE FUNCTION mig.noisy_default() RETURNS bigint VOLATILE LANGUAGE plpgsql AS
$$BEGIN IF nextval('mig.noisy_calls') = 1 THEN RAISE NOTICE 'computing a default'; END IF; RETURN 1; END$$;
BEGIN;
ALTER TABLE mig.events ADD COLUMN touched bigint DEFAULT mig.noisy_default();
ROLLBACK;
-- a rewrite the rule does not foresee is caught before its first row (the
-- hook sees the new heap, the event trigger gets table_rewrite): a domain
-- with a constraint makes ADD COLUMN check every row
SET pg_conventions.mode = enforce;
CREATE DOMAIN mig.positive AS integer CHECK (VALUE > 0);
ALTER TABLE mig.events ADD COLUMN qty mig.positive DEFAULT 1;
-- a table of this transaction is rewritten freely
SET pg_conventions.mode = enforce;
BEGIN;
CREATE TABLE mig.events_copy AS SELECT * FROM mig.events;
ALTER TABLE mig.events_copy ALTER COLUMN user_id TYPE integer;
ROLLBACK;

-- ---- rename_or_drop ----
ALTER TABLE mig.events RENAME COLUMN note TO memo;
ALTER TABLE mig.small RENAME TO little;
ALTER TABLE mig.small DROP COLUMN note;
DROP TABLE mig.small;
SET pg_conventions.profile = sequelize;
ALTER TABLE mig.small DROP COLUMN note;
RESET pg_conventions.profile;
-- not hazards: an empty table, a table of this transaction
ALTER TABLE mig.empty_one RENAME COLUMN note TO memo;
BEGIN;
CREATE TABLE mig.fresh (id bigint, note text);
INSERT INTO mig.fresh VALUES (1, 'a');
ALTER TABLE mig.fresh RENAME COLUMN note TO memo;
ALTER TABLE mig.fresh DROP COLUMN memo;
DROP TABLE mig.fresh;
COMMIT;
-- warn
SET pg_conventions.mode = warn;
BEGIN;
ALTER TABLE mig.small RENAME COLUMN note TO memo;
ROLLBACK;

-- ---- lock_timeout ----
SET pg_conventions.mode = enforce;
SET lock_timeout = 0;
ALTER TABLE mig.small ADD COLUMN extra integer;
CREATE TABLE mig.child (id bigint PRIMARY KEY, small_id bigint REFERENCES mig.small);
CREATE TRIGGER small_noop BEFORE UPDATE ON mig.small FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
SET pg_conventions.profile = sequelize;
ALTER TABLE mig.small ADD COLUMN extra integer;
RESET pg_conventions.profile;
-- not hazards: a lock_timeout, a lock the transaction already holds, a new
-- table, a table that never held a row, a lock that lets writes go on
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE mig.small ADD COLUMN extra integer;
SET LOCAL lock_timeout = 0;
ALTER TABLE mig.small ADD COLUMN extra2 integer;
CREATE TABLE mig.fresh (id bigint);
ALTER TABLE mig.fresh ADD COLUMN note text;
ROLLBACK;
BEGIN;
SET LOCAL lock_timeout = 0;
CREATE TABLE mig.never_written (id bigint PRIMARY KEY);
COMMIT;
SET lock_timeout = 0;
CREATE TABLE mig.child (id bigint PRIMARY KEY, never_id bigint REFERENCES mig.never_written);
DROP TABLE mig.child, mig.never_written;
ALTER TABLE mig.small SET (fillfactor = 90);
-- the tables a foreign key ties to the named one are locked too: dropping
-- a foreign key (its constraint, a column of it, its table) drops its
-- triggers on the table it references under ACCESS EXCLUSIVE; CASCADE drops
-- the foreign keys of the tables that reference a dropped key
SET pg_conventions.mode = off;
CREATE TABLE mig.child_rows (id bigint PRIMARY KEY, small_id bigint CONSTRAINT child_rows_small_fkey REFERENCES mig.small);
INSERT INTO mig.child_rows VALUES (1, 1);
SET pg_conventions.mode = enforce;
SET pg_conventions.disabled_rules = 'snake_case_names, require_primary_key, primary_key_type, require_timestamps, timestamptz_only, soft_delete_column, foreign_key_type, foreign_key_index, index_naming, redundant_index, low_cardinality_index, rename_or_drop';
-- (under warn, to see every lock of each statement)
SET pg_conventions.mode = warn;
BEGIN;
ALTER TABLE mig.child_rows DROP CONSTRAINT child_rows_small_fkey;
ROLLBACK;
BEGIN;
ALTER TABLE mig.child_rows DROP COLUMN small_id;
ROLLBACK;
BEGIN;
DROP TABLE mig.child_rows;
ROLLBACK;
BEGIN;
DROP TABLE mig.small CASCADE;
ROLLBACK;
BEGIN;
ALTER TABLE mig.small DROP CONSTRAINT small_pkey CASCADE;
ROLLBACK;
SET pg_conventions.mode = enforce;
-- enforce: a table that never held a row, whose foreign key references a
-- table that holds data: only the referenced table's lock is a hazard
SET pg_conventions.mode = off;
CREATE TABLE mig.notes_new (id bigint PRIMARY KEY, small_id bigint CONSTRAINT notes_new_small_fkey REFERENCES mig.small);
SET pg_conventions.mode = enforce;
ALTER TABLE mig.notes_new DROP CONSTRAINT notes_new_small_fkey;
SET pg_conventions.mode = off;
DROP TABLE mig.notes_new;
SET pg_conventions.mode = enforce;
-- not hazards: with a lock_timeout; the referenced table never held a row
SET lock_timeout = '5s';
BEGIN;
ALTER TABLE mig.child_rows DROP CONSTRAINT child_rows_small_fkey;
ROLLBACK;
SET lock_timeout = 0;
SET pg_conventions.mode = off;
CREATE TABLE mig.never_written (id bigint PRIMARY KEY);
CREATE TABLE mig.child_empty (id bigint PRIMARY KEY, never_id bigint CONSTRAINT child_empty_never_fkey REFERENCES mig.never_written);
SET pg_conventions.mode = enforce;
ALTER TABLE mig.child_empty DROP CONSTRAINT child_empty_never_fkey;
SET pg_conventions.mode = off;
DROP TABLE mig.child_rows, mig.child_empty, mig.never_written;
SET pg_conventions.disabled_rules = 'snake_case_names, require_primary_key, primary_key_type, require_timestamps, timestamptz_only, soft_delete_column, foreign_key_type, foreign_key_index, index_naming, redundant_index, low_cardinality_index';
-- warn
SET pg_conventions.mode = warn;
BEGIN;
ALTER TABLE mig.small ADD COLUMN extra integer;
ROLLBACK;
SET lock_timeout = '5s';

-- ---- the hatches ----
-- an exemption, for one table and one rule
SET pg_conventions.mode = enforce;
SELECT conventions.exempt('mig.events', 'concurrent_index', 'the table is read-only at night');
BEGIN;
CREATE INDEX idx_events_amount ON mig.events (amount);
ROLLBACK;
SELECT conventions.unexempt('mig.events', 'concurrent_index');
-- conventions.safety_assured(): logged, for the rest of the transaction
BEGIN;
SELECT conventions.safety_assured('reviewed in PR 42: the table is read-only at night');
SET LOCAL client_min_messages = log;
CREATE INDEX idx_events_amount ON mig.events (amount);
ROLLBACK;
BEGIN;
CREATE INDEX idx_events_amount ON mig.events (amount);
ROLLBACK;
-- refused outside a transaction block, and without a reason
SELECT conventions.safety_assured('reviewed');
BEGIN;
SELECT conventions.safety_assured('  ');
ROLLBACK;
BEGIN;
SELECT conventions.safety_assured(NULL);
ROLLBACK;
-- only for the roles granted EXECUTE
GRANT USAGE ON SCHEMA mig TO conv_app;
SET ROLE conv_app;
BEGIN;
SELECT conventions.safety_assured('I say so');
ROLLBACK;
RESET ROLE;
GRANT EXECUTE ON FUNCTION conventions.safety_assured(text) TO conv_app;
SET ROLE conv_app;
BEGIN;
SELECT conventions.safety_assured('reviewed in PR 43');
ROLLBACK;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION conventions.safety_assured(text) FROM conv_app;
REVOKE USAGE ON SCHEMA mig FROM conv_app;
-- one rule off, or only warning
SET pg_conventions.disabled_rules = 'concurrent_index';
BEGIN;
CREATE INDEX idx_events_amount ON mig.events (amount);
ROLLBACK;
RESET pg_conventions.disabled_rules;
SET pg_conventions.disabled_rules = 'snake_case_names, require_primary_key, primary_key_type, require_timestamps, timestamptz_only, soft_delete_column, foreign_key_type, foreign_key_index, index_naming, redundant_index, low_cardinality_index';
SET pg_conventions.warning_rules = 'concurrent_index';
BEGIN;
CREATE INDEX idx_events_amount ON mig.events (amount);
ROLLBACK;
RESET pg_conventions.warning_rules;
-- off: nothing at all
SET pg_conventions.mode = off;
BEGIN;
CREATE INDEX idx_events_amount ON mig.events (amount);
ROLLBACK;
-- a larger threshold: events is small now
SET pg_conventions.mode = enforce;
SET pg_conventions.large_table_size = '1GB';
BEGIN;
CREATE INDEX idx_events_amount ON mig.events (amount);
ROLLBACK;
RESET pg_conventions.large_table_size;
SET pg_conventions.mode = off;
DROP SCHEMA mig CASCADE;
RESET pg_conventions.mode;
RESET pg_conventions.disabled_rules;
RESET search_path;
RESET lock_timeout;
