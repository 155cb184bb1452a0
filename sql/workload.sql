-- The workload capture and conventions.suggest_indexes() over it.  This
-- suite preloads pg_conventions and pg_stat_statements.  Tables stay under
-- ANALYZE's 30,000-row sample, so the plans are the same on every run.
SET pg_conventions.mode = off;
SHOW pg_conventions.capture_sample_rate;
SHOW pg_conventions.capture_max_statements;
CREATE SCHEMA wl;
SET search_path = wl, public;
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  role text NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz);
CREATE TABLE posts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  title text NOT NULL,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz);
INSERT INTO users (email, role, status, created_at, deleted_at)
SELECT 'u' || i || '@example.org',
       (ARRAY['admin', 'editor', 'member', 'member', 'member', 'member'])[1 + i % 6],
       CASE WHEN i % 50 = 0 THEN 'active' WHEN i % 50 < 10 THEN 'pending' ELSE 'inactive' END,
       timestamptz '2026-01-01' + i * interval '1 minute',
       CASE WHEN i % 10 = 0 THEN timestamptz '2026-06-01' END
  FROM generate_series(1, 20000) i;
INSERT INTO posts (user_id, title, created_at, deleted_at)
SELECT 1 + i % 40, 'post ' || i, timestamptz '2026-01-01' + i * interval '1 second',
       CASE WHEN i % 25 = 0 THEN timestamptz '2026-06-01' END
  FROM generate_series(1, 20000) i;
ANALYZE users, posts;

-- an ORM-style workload, every execution sampled
SELECT conventions.workload_reset();
SET pg_conventions.capture_sample_rate = 1;
PREPARE by_status(text) AS
  SELECT email FROM users WHERE status = $1 ORDER BY created_at DESC LIMIT 20;
PREPARE posts_of(bigint) AS
  SELECT id, title FROM posts WHERE user_id = $1 AND deleted_at IS NULL
   ORDER BY created_at DESC LIMIT 10;
\o /dev/null
EXECUTE by_status('active'); EXECUTE by_status('active'); EXECUTE by_status('active');
EXECUTE by_status('active'); EXECUTE by_status('active'); EXECUTE by_status('active');
EXECUTE by_status('active'); EXECUTE by_status('active');
EXECUTE by_status('pending'); EXECUTE by_status('pending');
-- six authors: four value sets are kept
EXECUTE posts_of(1); EXECUTE posts_of(1); EXECUTE posts_of(2); EXECUTE posts_of(3);
EXECUTE posts_of(4); EXECUTE posts_of(5); EXECUTE posts_of(6);
SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active'; SELECT 1;
SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active';
-- not captured: catalogs only, no table, utility statements, EXPLAIN, INSERT
-- (and the foreign-key check it runs), a function's statements
SELECT count(*) FROM pg_class;
SELECT now();
CREATE FUNCTION active_count() RETURNS bigint LANGUAGE plpgsql AS
  $$BEGIN RETURN (SELECT count(*) FROM users WHERE status = 'active'); END$$;
SELECT active_count();
EXPLAIN SELECT * FROM users WHERE email = 'x';
INSERT INTO posts (user_id, title, created_at) VALUES (1, 'new', '2027-01-01');
\o
SELECT query, params, calls, search_path FROM conventions.workload()
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
 ORDER BY query, calls DESC, params;
SELECT count(DISTINCT queryid) = count(DISTINCT query) AS query_ids FROM conventions.workload();

-- suggestions, with the parameter values that really came ('active' in 8
-- of 10 executions) weighing the plans; a partial index comes from the
-- literal query's own constants, never from a bound value (the prepared
-- statement's generic plan could not use it)
SELECT table_name, kind, index_columns, predicate, queries_helped,
       cost_after < cost_before AS cheaper, estimated_size > 0 AS sized
  FROM conventions.suggest_indexes();
SELECT fix_sql, queries FROM conventions.suggest_indexes();
-- the budget: a number of indexes, and bytes
SELECT count(*) AS one FROM conventions.suggest_indexes(1);
SELECT count(*) AS none FROM conventions.suggest_indexes(5, 0);
SELECT kind, index_columns, estimated_size <= 200000 AS small
  FROM conventions.suggest_indexes(5, 200000);
-- why the choice stopped, in its NOTICE: the count, the bytes (the next
-- choice given those chosen, with its bytes); a byte budget by its own name,
-- and a positional NULL, which resolves to the single-query form
SELECT count(*) AS one FROM conventions.suggest_indexes(1);
SELECT count(*) AS within FROM conventions.suggest_indexes_within(200000);
SELECT count(*) AS within_two FROM conventions.suggest_indexes_within(200000, 1);
SELECT count(*) AS named FROM conventions.suggest_indexes(max_size => 200000);
SELECT count(*) AS typed_null FROM conventions.suggest_indexes(NULL::integer, 200000);
SELECT count(*) FROM conventions.suggest_indexes(NULL, 200000);
SELECT count(*) FROM conventions.suggest_indexes_within(NULL);
SELECT count(*) FROM conventions.suggest_indexes_within(-1);
-- a statement that no longer plans is left out, not an error
CREATE TABLE gone (a int);
SELECT * FROM gone WHERE a = 1;
DROP TABLE gone;
SELECT count(*) AS rows_still FROM conventions.suggest_indexes();
-- every fix executed: nothing is suggested again
SELECT fix_sql FROM conventions.suggest_indexes() \gexec
SELECT count(*) AS still_suggested FROM conventions.suggest_indexes();

-- the sample rate: 0 records nothing
SELECT conventions.workload_reset();
SET pg_conventions.capture_sample_rate = 0;
SELECT count(*) FROM users WHERE status = 'pending';
SELECT count(*) AS captured FROM conventions.workload();

-- privileges: a role sees its own statements, may not reset or change the rate
\set VERBOSITY default
CREATE ROLE wl_app;
GRANT USAGE ON SCHEMA wl TO wl_app;
GRANT SELECT ON users TO wl_app;
SET pg_conventions.capture_sample_rate = 1;
SELECT count(*) FROM users WHERE email = 'u1@example.org';
SET ROLE wl_app;
SELECT count(*) AS others_seen FROM conventions.workload();
SELECT count(*) FROM users WHERE email = 'u2@example.org';
SELECT query FROM conventions.workload();
SELECT conventions.workload_reset();
SET pg_conventions.capture_sample_rate = 0.5;
RESET ROLE;
SELECT count(*) AS superuser_sees FROM conventions.workload();

-- bad input
SELECT * FROM conventions.suggest_indexes(0);
SELECT * FROM conventions.suggest_indexes(3, -1);
SET pg_conventions.capture_sample_rate = 2;

-- pg_stat_statements: its texts when the capture lacks them, planned
-- generically, weighted by its count; the same query id is counted once
CREATE EXTENSION pg_stat_statements;
SELECT conventions.workload_reset();
SET pg_conventions.capture_sample_rate = 0;
-- (void until 16, the reset time since 17)
SELECT count(*) AS reset FROM (SELECT pg_stat_statements_reset()) r;
SELECT email FROM users WHERE email = 'u7@example.org';
SELECT email FROM users WHERE email = 'u8@example.org';
SELECT table_name, kind, index_columns, queries_helped, queries
  FROM conventions.suggest_indexes();
SET pg_conventions.capture_sample_rate = 1;
SELECT email FROM users WHERE email = 'u9@example.org';
SET pg_conventions.capture_sample_rate = 0;
SELECT table_name, index_columns, queries_helped, queries
  FROM conventions.suggest_indexes();
-- the write cost: pg_stat_statements counts the rows INSERT adds, and an
-- index must save more on the reads than its entries cost the writes
CREATE TABLE events_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                         account_id int NOT NULL, note text NOT NULL);
INSERT INTO events_log (account_id, note) SELECT i % 500, 'n' || i FROM generate_series(1, 20000) i;
ANALYZE events_log;
SELECT count(*) AS reset FROM (SELECT pg_stat_statements_reset()) r;
SELECT count(note) FROM events_log WHERE account_id = 1;
SELECT count(note) FROM events_log WHERE account_id = 2;
SELECT index_columns, write_cost FROM conventions.suggest_indexes() WHERE table_name = 'events_log'::regclass;
INSERT INTO events_log (account_id, note) SELECT i % 500, 'n' || i FROM generate_series(1, 20) i;
SELECT index_columns, write_cost > 0 AS pays_writes, cost_after + write_cost < cost_before AS still_worth_it
  FROM conventions.suggest_indexes() WHERE table_name = 'events_log'::regclass;
INSERT INTO events_log (account_id, note) SELECT i % 500, 'n' || i FROM generate_series(1, 2000) i;
SELECT index_columns FROM conventions.suggest_indexes() WHERE table_name = 'events_log'::regclass;
-- the 1 % rule ends the choice with bytes left: the NOTICE says so, not max_size
SELECT count(*) AS none FROM conventions.suggest_indexes_within(100000000) WHERE table_name = 'events_log'::regclass;
DROP TABLE events_log;
DROP EXTENSION pg_stat_statements;
\set VERBOSITY terse

DEALLOCATE ALL;
-- a statement that statement_timeout cancels, or an error ends, is captured
-- too (pg_stat_statements never counts it), with the time it ran: the
-- advisor sees the statement that most needs an index
SELECT conventions.workload_reset();
SET pg_conventions.capture_sample_rate = 1;
SET statement_timeout = '100ms';
SELECT id, pg_sleep(1) FROM posts WHERE title = 'post 77';
RESET statement_timeout;
SELECT email::integer FROM users WHERE email = 'u9@example.org';
SELECT count(*) FROM users WHERE email = 'u10@example.org';
SET pg_conventions.capture_sample_rate = 0;
SELECT query, calls, failed, total_time >= 50 AS ran_its_time, rows
  FROM conventions.workload()
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY query;
SELECT table_name, index_columns, queries
  FROM conventions.suggest_indexes() ORDER BY table_name::text, index_columns;

-- what a utility statement runs is nested, not captured: a DO block's query,
-- CREATE TABLE AS's, the extension's own sql_drop trigger (its DELETEs on
-- conventions.exemptions and conventions.baseline), the rows will_fail reads
-- before CREATE UNIQUE INDEX
SELECT conventions.workload_reset();
SET pg_conventions.capture_sample_rate = 1;
DO $$BEGIN PERFORM count(*) FROM users WHERE status = 'inactive'; END$$;
CREATE TABLE posts_copy AS SELECT * FROM posts WHERE user_id = 7;
DROP TABLE posts_copy;
BEGIN;
SET LOCAL client_min_messages = error;
SET LOCAL pg_conventions.mode = warn;
CREATE UNIQUE INDEX posts_title_key ON posts (title);
ROLLBACK;
SELECT count(*) FILTER (WHERE true) AS top_level FROM users WHERE status = 'inactive';
SELECT query FROM conventions.workload()
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY query;

-- a statement's text is kept up to pg_conventions.capture_text_size (8 kB by
-- default): an ORM's long NOT IN list of 6 kB is captured (and its title
-- lookup gets its index); one of 11 kB is counted in workload_info(), and
-- suggest_indexes() says it was left out
SELECT conventions.workload_reset();
SHOW pg_conventions.capture_text_size;
\set ECHO none
SELECT format('SELECT count(*) FROM posts WHERE title = %L AND id NOT IN (%s)', 'post 7777', string_agg(i::text, ', '))
  FROM generate_series(1, 1200) i \gexec
SELECT format('SELECT count(*) FROM users WHERE email IN (%s)', string_agg(quote_literal('u' || i || '@example.org'), ', '))
  FROM generate_series(1, 600) i \gexec
\set ECHO all
SET pg_conventions.capture_sample_rate = 0;
SELECT left(query, 45) AS query, length(query) FROM conventions.workload()
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database());
SELECT statements, evicted, too_long, text_size, reset_time <= now() AS reset_before
  FROM conventions.workload_info();
\set VERBOSITY default
SELECT table_name, index_columns FROM conventions.suggest_indexes();
\set VERBOSITY terse
SELECT conventions.workload_reset();
SELECT statements, too_long FROM conventions.workload_info();
DROP SCHEMA wl CASCADE;
DROP ROLE wl_app;
SELECT conventions.workload_reset();
RESET pg_conventions.capture_sample_rate;
RESET search_path;
RESET pg_conventions.mode;
