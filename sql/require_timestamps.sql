-- Rule require_timestamps: created_at and updated_at, timestamptz, DEFAULT
-- now(); a junction table needs only created_at.
-- Only this file's rules: the others have tests of their own.
SET pg_conventions.disabled_rules = 'snake_case_names, primary_key_type, timestamptz_only, soft_delete_column, foreign_key_type, index_naming, redundant_index, low_cardinality_index, migration_safety';
CREATE SCHEMA rts;
SET search_path = rts;

-- off
SET pg_conventions.mode = off;
CREATE TABLE off_none (id uuid PRIMARY KEY DEFAULT gen_random_uuid());

-- warn: each missing column, wrong type and missing default is reported
SET pg_conventions.mode = warn;
CREATE TABLE warn_none (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
CREATE TABLE warn_types (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamp DEFAULT now(), updated_at timestamptz);
CREATE TABLE warn_text (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at text DEFAULT now(), updated_at timestamptz DEFAULT '2020-01-01');

-- enforce: rejected
SET pg_conventions.mode = enforce;
CREATE TABLE enforce_none (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE enforce_half (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now());

-- passing: the seed's spelling, and the synonyms of now()
CREATE TABLE seed_style (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW());
CREATE TABLE synonyms (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamptz(3) DEFAULT transaction_timestamp());

-- a junction table needs created_at only
CREATE TABLE tags (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
BEGIN;
CREATE TABLE seed_tags (seed_id uuid REFERENCES seed_style, tag_id uuid REFERENCES tags,
  created_at timestamptz DEFAULT now(), PRIMARY KEY (seed_id, tag_id));
CREATE INDEX idx_seed_tags_tag_id ON seed_tags (tag_id);
COMMIT;
-- ... but still that one
CREATE TABLE bare_tags (seed_id uuid REFERENCES seed_style, tag_id uuid REFERENCES tags,
  PRIMARY KEY (tag_id, seed_id));

-- setting a default re-judges the table too
SET pg_conventions.mode = warn;
CREATE TABLE late_default (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now(), updated_at timestamptz);
ALTER TABLE late_default ALTER COLUMN updated_at SET DEFAULT '2000-01-01';
ALTER TABLE late_default ALTER COLUMN updated_at SET DEFAULT now();
SET pg_conventions.mode = enforce;
-- altering an existing table into a violation is caught and rolled back
ALTER TABLE seed_style ALTER COLUMN updated_at DROP DEFAULT;
ALTER TABLE seed_style DROP COLUMN created_at;
ALTER TABLE seed_style ALTER COLUMN created_at TYPE timestamp;
ALTER TABLE seed_style RENAME COLUMN updated_at TO modified_at;
SELECT attname, format_type(atttypid, atttypmod), pg_get_expr(adbin, adrelid)
  FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
 WHERE attrelid = 'rts.seed_style'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;

-- every hint runs as printed and clears the violations
SET pg_conventions.mode = warn;
RESET search_path;
SELECT fix_sql FROM conventions.violations()
 WHERE rule = 'require_timestamps' AND table_name::text LIKE 'rts.%' ORDER BY table_name::text, object, fix_sql;
SELECT fix_sql FROM conventions.violations()
 WHERE rule = 'require_timestamps' AND table_name::text LIKE 'rts.%' ORDER BY table_name::text, object, fix_sql \gexec
SELECT count(*) AS left_over FROM conventions.violations()
 WHERE rule = 'require_timestamps' AND table_name::text LIKE 'rts.%';

SET pg_conventions.mode = off;
DROP SCHEMA rts CASCADE;
RESET search_path;
RESET pg_conventions.mode;
RESET pg_conventions.disabled_rules;
