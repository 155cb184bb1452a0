-- Rules snake_case_names and index_naming.
SELECT count(*) > 0 AS loaded FROM conventions.rules();
CREATE SCHEMA nam;
SET search_path = nam;
SET pg_conventions.mode = enforce;

-- snake_case_names: pass
CREATE TABLE user_accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), display_name text,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
-- fail: a table, a column, a constraint, an index, a schema
CREATE TABLE "UserAccounts" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE user_accounts ADD COLUMN "displayName" text;
ALTER TABLE user_accounts ADD CONSTRAINT "NameCheck" CHECK (display_name <> '');
CREATE INDEX "idx_user_accounts_displayName" ON user_accounts (display_name);
CREATE SCHEMA "BadSchema";
CREATE TABLE "BadSchema".things (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
-- the suggested names, as PostgreSQL would see them
SET pg_conventions.mode = warn;
CREATE TABLE "HTTPServer" ("userId" int, "with space" int, "2fa" int, "a__b_" int, "ÜberCol" int);
-- Latin letters outside ASCII are spelled in ASCII; other scripts leave a
-- word boundary (and, with nothing left, the name is "x")
CREATE TABLE "Straßen" ("ÆbleKøb" int, "Ĳssel" int, "ΩmegaŁódź" int, "Пользователь" int);
-- a suggestion never takes a name that exists or was just suggested
SET pg_conventions.mode = off;
CREATE TABLE orders (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SET pg_conventions.mode = warn;
CREATE TABLE "Orders" ("userId" int, user_id int, "UserId" int, "Имя" int, "Фамилия" int);
SET pg_conventions.mode = enforce;
-- disabled: passes
SET pg_conventions.disabled_rules = 'snake_case_names, migration_safety';
CREATE TABLE "Disabled" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
RESET pg_conventions.disabled_rules;
-- warning-only: a WARNING under enforce, and the table is created
SET pg_conventions.warning_rules = snake_case_names;
CREATE TABLE "WarnedTable" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
RESET pg_conventions.warning_rules;
-- exempted: judged again, and passes
SELECT conventions.exempt('nam."WarnedTable"', 'snake_case_names', 'external tool reads this name');
ALTER TABLE "WarnedTable" ADD COLUMN note text;
-- the Sequelize profile says what to change in the model
SET pg_conventions.profile = sequelize;
CREATE TABLE bad_posts (id uuid PRIMARY KEY, "userId" uuid, "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL);
RESET pg_conventions.profile;

-- index_naming: pass (the idx_ prefix at least), and constraint indexes are free
CREATE INDEX idx_user_accounts_display_name ON user_accounts (display_name);
CREATE INDEX idx_active_accounts ON user_accounts (display_name) WHERE display_name IS NOT NULL;
ALTER TABLE user_accounts ADD COLUMN handle text, ADD CONSTRAINT user_accounts_handle_key UNIQUE (handle);
-- fail: PostgreSQL's default name, Sequelize's default name
CREATE INDEX ON user_accounts (created_at);
\echo :LAST_ERROR_SQLSTATE
CREATE INDEX user_accounts_updated_at ON user_accounts (updated_at);
CREATE INDEX user_accounts_lower ON user_accounts (lower(display_name), created_at);
-- CREATE INDEX CONCURRENTLY: its name is settled by the statement, so it is
-- judged before the build and a rejected one leaves no INVALID index
-- behind; named or not (then PostgreSQL's own name), IF NOT EXISTS, any
-- form: the HINT is the statement with the conventional name
CREATE INDEX CONCURRENTLY user_accounts_concurrently ON user_accounts (created_at);
CREATE INDEX CONCURRENTLY ON user_accounts USING btree (created_at DESC) WHERE created_at IS NOT NULL;
CREATE  INDEX  CONCURRENTLY IF NOT EXISTS "UserAccountsBy"
  ON nam.user_accounts (lower(display_name)) INCLUDE (id) ;
SELECT count(*) AS left_behind FROM pg_class WHERE relnamespace = 'nam'::regnamespace
   AND relkind = 'i' AND (relname LIKE 'user_accounts_c%' OR relname = 'UserAccountsBy');
-- the HINT runs as it is
CREATE INDEX CONCURRENTLY idx_user_accounts_created_at ON user_accounts (created_at);
DROP INDEX idx_user_accounts_created_at;
-- under the sequelize profile, Sequelize's own names (<table>_<columns>)
-- pass, before the build and in the catalog; other names do not
SET pg_conventions.profile = sequelize;
CREATE INDEX CONCURRENTLY user_accounts_created_at ON user_accounts (created_at);
CREATE INDEX user_accounts_updated_at_created_at ON user_accounts (updated_at, created_at);
CREATE INDEX CONCURRENTLY user_accounts_by_date ON user_accounts (updated_at);
CREATE INDEX user_accounts_lower ON user_accounts (lower(display_name));
DROP INDEX user_accounts_created_at, user_accounts_updated_at_created_at;
RESET pg_conventions.profile;
-- disabled, warning-only, exempted
SET pg_conventions.disabled_rules = 'index_naming, migration_safety';
CREATE INDEX accounts_by_update ON user_accounts (updated_at);
RESET pg_conventions.disabled_rules;
SET pg_conventions.warning_rules = index_naming;
ALTER TABLE user_accounts ADD COLUMN email text;
RESET pg_conventions.warning_rules;
SELECT conventions.exempt('nam.user_accounts', 'index_naming', 'index names fixed by the vendor');
ALTER TABLE user_accounts ADD COLUMN phone text;
SELECT rule, object, fix_sql, exempted, exemption_reason FROM conventions.violations()
 WHERE table_name::regclass::oid IN (SELECT oid FROM pg_class WHERE relnamespace = 'nam'::regnamespace)
 ORDER BY rule, object;
-- the fixes run (in warn mode: each leaves the table's other violations)
SET pg_conventions.mode = warn;
SELECT conventions.unexempt('nam.user_accounts', 'index_naming');
SELECT fix_sql FROM conventions.violations()
 WHERE table_name::regclass::oid IN (SELECT oid FROM pg_class WHERE relnamespace = 'nam'::regnamespace)
   AND NOT exempted ORDER BY fix_sql \gexec
SELECT count(*) AS left_over FROM conventions.violations()
 WHERE table_name::regclass::oid IN (SELECT oid FROM pg_class WHERE relnamespace = 'nam'::regnamespace) AND NOT exempted;

SET pg_conventions.mode = off;
DELETE FROM conventions.exemptions;
DROP SCHEMA nam CASCADE;
RESET search_path;
RESET pg_conventions.mode;
