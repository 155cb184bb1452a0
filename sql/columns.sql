-- Rules timestamptz_only and soft_delete_column, and the configurable
-- column names.
SELECT count(*) > 0 AS loaded FROM conventions.rules();
CREATE SCHEMA cols;
SET search_path = cols;
SET pg_conventions.mode = enforce;

-- timestamptz_only: pass, fail
CREATE TABLE events (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), happened_at timestamptz,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
ALTER TABLE events ADD COLUMN seen_at timestamp;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE events ADD COLUMN seen_at timestamp(3) DEFAULT localtimestamp;
-- disabled, warning-only, exempted
SET pg_conventions.disabled_rules = 'timestamptz_only, migration_safety';
ALTER TABLE events ADD COLUMN local_at timestamp;
RESET pg_conventions.disabled_rules;
SET pg_conventions.warning_rules = timestamptz_only;
ALTER TABLE events ADD COLUMN other_at timestamp;
RESET pg_conventions.warning_rules;
SELECT conventions.exempt('cols.events', 'timestamptz_only', 'wall-clock times of a device');
ALTER TABLE events ADD COLUMN note text;

-- soft_delete_column: pass (nullable timestamptz, no default), and no column at all
CREATE TABLE posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), deleted_at timestamptz,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
-- fail: NOT NULL, a default, another type
CREATE TABLE bad_posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), deleted_at timestamptz NOT NULL DEFAULT 'infinity',
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
\echo :LAST_ERROR_SQLSTATE
SET pg_conventions.mode = warn;
CREATE TABLE bad_posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), deleted_at timestamptz NOT NULL DEFAULT 'infinity',
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE flagged (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), deleted_at boolean DEFAULT false,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SET pg_conventions.mode = enforce;
-- disabled, warning-only, exempted
SET pg_conventions.disabled_rules = 'soft_delete_column, migration_safety';
ALTER TABLE posts ALTER COLUMN deleted_at SET DEFAULT now();
RESET pg_conventions.disabled_rules;
SET pg_conventions.warning_rules = soft_delete_column;
ALTER TABLE posts ADD COLUMN title text;
RESET pg_conventions.warning_rules;
SELECT conventions.exempt('cols.posts', 'soft_delete_column', 'legacy default kept until v2');
ALTER TABLE posts ADD COLUMN body text;

-- configurable names: inserted_at / modified_at / removed_at
SET pg_conventions.created_at_column = inserted_at;
SET pg_conventions.updated_at_column = modified_at;
SET pg_conventions.soft_delete_column = removed_at;
CREATE TABLE renamed (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), removed_at timestamptz,
  inserted_at timestamptz DEFAULT now(), modified_at timestamptz DEFAULT now());
CREATE TABLE renamed_bad (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), removed_at timestamp,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SET pg_conventions.created_at_column = '';
RESET pg_conventions.created_at_column;
RESET pg_conventions.updated_at_column;
RESET pg_conventions.soft_delete_column;

-- the fixes run
SET pg_conventions.mode = warn;
RESET search_path;
SELECT rule, object, fix_sql, exempted FROM conventions.violations()
 WHERE table_name::text LIKE 'cols.%' ORDER BY rule, object, fix_sql;
SELECT fix_sql FROM conventions.violations()
 WHERE table_name::text LIKE 'cols.%' AND NOT exempted ORDER BY rule, fix_sql \gexec
SELECT rule, object FROM conventions.violations() WHERE table_name::text LIKE 'cols.%' AND NOT exempted;

SET pg_conventions.mode = off;
DELETE FROM conventions.exemptions;
DROP SCHEMA cols CASCADE;
RESET pg_conventions.mode;
