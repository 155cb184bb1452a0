-- The findings log: every verdict the guard gives, kept in shared memory,
-- read back by any client (conventions.findings()), and the CI reports
-- made from it and from violations().
SELECT conventions.findings_reset();
CREATE SCHEMA fd;
SET application_name = 'sequelize-cli';
SET client_min_messages = error;	-- a client that drops every WARNING
SET pg_conventions.mode = warn;
CREATE TABLE fd."Users" (id serial PRIMARY KEY, name text);
SET pg_conventions.mode = enforce;
CREATE TABLE fd.bad (id uuid);
RESET client_min_messages;
-- what the client did not see is in the log, most recent first: every
-- violation of the rejected transaction, those its ERROR only counted too
SELECT database = current_database() AS this_db, role = current_user AS this_role,
       application_name, pid = pg_backend_pid() AS this_pid, rule, object, verdict
  FROM conventions.findings();
SELECT message, detail, hint, statement FROM conventions.findings() LIMIT 2;
-- old debt is one finding per table
SET pg_conventions.mode = warn;
SELECT conventions.findings_reset();
ALTER TABLE fd."Users" ADD COLUMN email text;
SELECT rule, object, verdict, message, detail, hint, statement FROM conventions.findings();
-- a transaction's verdicts at commit name its DDL statements, in order
SELECT conventions.findings_reset();
BEGIN;
CREATE TABLE fd.a (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
SELECT 1 AS not_ddl;
ALTER TABLE fd.a ADD COLUMN "Flag" boolean;
COMMIT;
SELECT rule, verdict, statement FROM conventions.findings();
-- a statement is kept up to 1 kB, cut at a character boundary
SELECT conventions.findings_reset();
SELECT format('CREATE TABLE fd.long (id int PRIMARY KEY, note text DEFAULT %L)',
              repeat('é', 600)) AS sql \gset
SET client_min_messages = error;
:sql;
RESET client_min_messages;
SELECT count(*) AS findings, max(octet_length(statement)) AS longest,
       bool_and(statement LIKE 'CREATE TABLE fd.long (%') AS statement_kept,
       bool_and(right(statement, 1) = 'é') AS cut_between_characters
  FROM conventions.findings();
SET pg_conventions.mode = off;
DROP TABLE fd.long;
-- a hazard conventions.safety_assured() let through is kept as "assured"
SET pg_conventions.mode = enforce;
SET pg_conventions.disabled_rules = '';
SET pg_conventions.large_table_size = 0;
CREATE TABLE fd.events (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), amount int,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
INSERT INTO fd.events (amount) SELECT i FROM generate_series(1, 100) i;
SELECT conventions.findings_reset();
BEGIN;
SELECT conventions.safety_assured('reviewed in PR 7: the table is read-only at night');
CREATE INDEX idx_events_amount ON fd.events (amount);
COMMIT;
SELECT rule, object, verdict, detail, statement FROM conventions.findings();
RESET pg_conventions.large_table_size;
RESET pg_conventions.disabled_rules;
-- other roles see every finding, but not its texts (as pg_stat_statements)
CREATE ROLE fd_reader;
CREATE ROLE fd_stats IN ROLE pg_read_all_stats;
GRANT USAGE ON SCHEMA conventions TO fd_reader, fd_stats;
SET ROLE fd_reader;
SELECT rule, verdict, message IS NULL AS message_hidden, detail IS NULL AS detail_hidden,
       hint IS NULL AS hint_hidden, statement FROM conventions.findings();
SELECT conventions.findings_reset();
SET ROLE fd_stats;
SELECT rule, verdict, message IS NOT NULL AS message_shown, statement FROM conventions.findings();
RESET ROLE;
-- the CI reports: JUnit XML and Markdown, from the findings since a moment
-- and from violations()
SELECT now() AS started \gset
SET pg_conventions.mode = warn;
CREATE TABLE fd.notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE fd.comments (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  note_id uuid NOT NULL REFERENCES fd.notes, body text,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
SELECT conventions.exempt('fd."Users"', 'snake_case_names', 'the ORM''s model name, kept until the rewrite');
SELECT suite, rule, name, outcome, verdict FROM conventions.ci_cases(:'started')
 WHERE outcome <> 'passed' ORDER BY suite DESC, rule, name;
SELECT count(*) AS passing_rules FROM conventions.ci_cases(:'started') WHERE outcome = 'passed';
SELECT regexp_replace(regexp_replace(conventions.ci_junit(:'started'),
         'timestamp="[^"]*"', 'timestamp="..."', 'g'), 'AT:  [0-9-]+ [0-9:]+ UTC', 'AT:  ...', 'g')
  AS junit \gset
\echo :junit
SELECT regexp_replace(conventions.ci_markdown(:'started'), '[0-9]{4}-[0-9-]+ [0-9:.+]+', '...', 'g')
  AS markdown \gset
\echo :markdown
SELECT conventions.xml_text(E'a<b>&"c''\x01d');
-- clean up
SET pg_conventions.mode = off;
DELETE FROM conventions.exemptions WHERE table_name = 'fd."Users"'::regclass;
DROP SCHEMA fd CASCADE;
REVOKE USAGE ON SCHEMA conventions FROM fd_reader, fd_stats;
DROP ROLE fd_reader, fd_stats;
RESET application_name;
RESET pg_conventions.mode;
SELECT conventions.findings_reset();
