-- conventions.query_patterns(): the seed's query anti-patterns found in the
-- sampled workload.  psql's \gexec sends each generated statement on its
-- own, as an ORM's loop does.  Every execution is sampled here.
SET pg_conventions.mode = off;
SHOW pg_conventions.n_plus_one_threshold;
SHOW pg_conventions.deep_offset_rows;
SHOW pg_conventions.capture_sample_period;
CREATE SCHEMA qp;
SET search_path = qp, public;
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz);
CREATE TABLE posts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  title text NOT NULL,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz);
CREATE INDEX idx_posts_user_id ON posts (user_id);
INSERT INTO users (id, email)
SELECT md5('u' || i)::uuid, 'u' || i || '@example.org' FROM generate_series(1, 40) i;
INSERT INTO posts (id, user_id, title, created_at, deleted_at)
SELECT md5(u.id || '/' || i)::uuid, u.id, 'post ' || i, timestamptz '2026-01-01' + i * interval '1 minute',
       CASE WHEN i % 25 = 0 THEN timestamptz '2026-06-01' END
  FROM users u, generate_series(1, 100) i;
ANALYZE users, posts;

-- Between \o /dev/null and \o the workload runs unechoed.
-- what a finding looks like, without the times
CREATE VIEW findings AS
SELECT pattern, application_name, table_name, query, occurrences, executions, rows,
       total_time_ms > 0 AS timed, evidence, fix_sql, hint
  FROM conventions.query_patterns()
 ORDER BY pattern COLLATE "C", query COLLATE "C";

SET pg_conventions.capture_sample_rate = 1;
SELECT conventions.workload_reset();
\o /dev/null
\set ECHO none

-- N+1: the users, then the posts of each user, one query per user
SELECT format('SELECT id, title FROM posts WHERE user_id = %L AND deleted_at IS NULL', id)
  FROM users ORDER BY email \gexec
\set ECHO all
\o
\x on
SELECT * FROM findings;
\x off

-- the fix runs: one query for the whole loop
SELECT format('SELECT count(*) FROM (%s) batch',
              replace(regexp_replace(fix_sql, '^--[^\n]*\n', ''), '$1', 'ARRAY(SELECT id FROM users)'))
  FROM conventions.query_patterns() WHERE pattern = 'n_plus_one' \gexec

-- not N+1: eager loading (one join), a batched lookup, a handful of
-- repeats, the same value again and again, and a loop over more values
-- than the statement before returned (a busy endpoint, not a loop)
SELECT conventions.workload_reset();
\o /dev/null
\set ECHO none
SELECT u.email, p.title FROM users u JOIN posts p ON p.user_id = u.id WHERE p.deleted_at IS NULL;
SELECT id, title FROM posts WHERE user_id = ANY (ARRAY(SELECT id FROM users));
SELECT format('SELECT id, title FROM posts WHERE user_id = %L', id)
  FROM users ORDER BY email LIMIT 4 \gexec
SELECT format('SELECT id, title FROM posts WHERE user_id = %L', (SELECT id FROM users ORDER BY email LIMIT 1))
  FROM generate_series(1, 10) \gexec
SELECT id FROM users ORDER BY email LIMIT 1;
SELECT format('SELECT title FROM posts WHERE user_id = %L', md5('u' || i)::uuid)
  FROM generate_series(1, 40) i \gexec
\set ECHO all
\o
SELECT count(*) AS findings FROM conventions.query_patterns();

-- the threshold is a setting: four in a row are an N+1 at 4
SET pg_conventions.n_plus_one_threshold = 4;
\o /dev/null
\set ECHO none
SELECT format('SELECT id, title FROM posts WHERE user_id = %L', id)
  FROM users ORDER BY email LIMIT 4 \gexec
SELECT 1 FROM users LIMIT 1;
\set ECHO all
\o
SELECT pattern, query, executions, evidence FROM findings;
RESET pg_conventions.n_plus_one_threshold;

-- deep OFFSET: page 120 of 20 is, page 10 is not
SELECT conventions.workload_reset();
\o /dev/null
\set ECHO none
SELECT id, title FROM posts WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT 20 OFFSET 180;
SELECT id, title FROM posts WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT 20 OFFSET 2380;
SELECT id, title FROM posts WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT 20 OFFSET 1380;
\set ECHO all
\o
\x on
SELECT * FROM findings;
\x off

-- the fix runs: its index is built, and the keyset query uses it
SELECT substring(fix_sql FROM 'CREATE INDEX CONCURRENTLY [^;]*')
  FROM conventions.query_patterns() WHERE pattern = 'deep_offset' \gexec
SELECT format('PREPARE next_page AS %s', substring(fix_sql FROM '\n(SELECT [^;]*)'))
  FROM conventions.query_patterns() WHERE pattern = 'deep_offset' \gexec
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) EXECUTE next_page(20, '2026-01-02 12:00', '00000000-0000-0000-0000-000000000000');
RESET enable_seqscan;
-- and returns the page OFFSET would: page 3 after the last row of page 2
SELECT format('CREATE FUNCTION next_page(int, timestamptz, uuid) RETURNS TABLE (id uuid, title text) LANGUAGE sql AS %L',
              substring(fix_sql FROM '\n(SELECT [^;]*)'))
  FROM conventions.query_patterns() WHERE pattern = 'deep_offset' \gexec
SELECT created_at AS last_created_at, id AS last_id FROM posts WHERE deleted_at IS NULL
 ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 39 \gset
SELECT array_agg(id) = ARRAY(SELECT id FROM posts WHERE deleted_at IS NULL
                              ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 40) AS same_page
  FROM next_page(20, :'last_created_at', :'last_id');
DROP FUNCTION next_page(int, timestamptz, uuid);
DEALLOCATE next_page;
-- with the index, the same pages are still deep_offset: OFFSET reads what it skips
SELECT conventions.workload_reset();
\o /dev/null
\set ECHO none
SELECT id, title FROM posts WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT 20 OFFSET 2380;
\set ECHO all
\o
SELECT pattern, fix_sql FROM findings;

-- the threshold is a setting
SET pg_conventions.deep_offset_rows = 100;
\o /dev/null
\set ECHO none
SELECT id FROM posts ORDER BY id LIMIT 10 OFFSET 150;
\set ECHO all
\o
SELECT pattern, query, fix_sql FROM findings WHERE query LIKE '%ORDER BY id%';
RESET pg_conventions.deep_offset_rows;

-- findAndCountAll: the count next to the page, on a large table only
SELECT conventions.workload_reset();
\o /dev/null
\set ECHO none
SELECT count(*) FROM posts WHERE deleted_at IS NULL;
SELECT id, title FROM posts WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT 20 OFFSET 0;
\set ECHO all
\o
SELECT count(*) AS findings FROM conventions.query_patterns();
SET pg_conventions.large_table_size = '64kB';
\x on
SELECT * FROM findings;
\x off
-- a page first, then the count: the same finding
\o /dev/null
\set ECHO none
SELECT id, title FROM posts WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT 20 OFFSET 20;
SELECT count(*) FROM posts WHERE deleted_at IS NULL;
\set ECHO all
\o
SELECT pattern, occurrences, evidence FROM findings;
-- a count on its own is not
SELECT conventions.workload_reset();
\o /dev/null
\set ECHO none
SELECT count(*) FROM posts WHERE deleted_at IS NULL;
SELECT id FROM users ORDER BY email LIMIT 5;
\set ECHO all
\o
SELECT count(*) AS findings FROM conventions.query_patterns();
RESET pg_conventions.large_table_size;

-- the sequelize profile: the hints say what to change in the model
SET pg_conventions.profile = sequelize;
SELECT conventions.workload_reset();
\o /dev/null
\set ECHO none
SELECT format('SELECT "Post".id, "Post".created_at FROM posts AS "Post" WHERE "Post".user_id = %L', id)
  FROM users AS "User" ORDER BY email \gexec
SELECT id FROM posts AS "Post" ORDER BY "Post".created_at DESC LIMIT 20 OFFSET 2380;
SELECT id FROM users;
\set ECHO all
\o
SELECT pattern, fix_sql, hint FROM findings;
RESET pg_conventions.profile;

-- a statement's shape is its text less its constants: strings with quotes
-- doubled, a quote in a comment, dollar quoting and backslash escapes do
-- not split one shape; digits in quoted identifiers do (each of those is a
-- statement of its own).  Without query IDs: with them (as here, where
-- pg_stat_statements is preloaded), a shape is a query ID.
SET compute_query_id = off;
SELECT conventions.workload_reset();
\o /dev/null
\set ECHO none
SELECT format('SELECT title FROM posts /* the user''s posts */ WHERE user_id = %L AND title <> %L', id, 'it''s ' || email)
  FROM users ORDER BY email \gexec
SELECT 1 FROM users LIMIT 1;
SELECT format('SELECT id FROM posts WHERE user_id = $q$%s$q$', id) FROM users ORDER BY email \gexec
SELECT 1 FROM users LIMIT 1;
SELECT format('SELECT created_at FROM posts WHERE user_id = E''%s''', replace(id::text, '-', '\x2d'))
  FROM users ORDER BY email \gexec
SELECT 1 FROM users LIMIT 1;
SELECT format('SELECT "p%s".title FROM posts AS "p%s" WHERE "p%s".user_id = %L', i, i, i, id)
  FROM (SELECT id, row_number() OVER (ORDER BY email) i FROM users) u \gexec
SELECT 1 FROM users LIMIT 1;
\set ECHO all
\o
SELECT pattern, query, executions FROM findings;
RESET compute_query_id;

-- workload_reset() forgets the findings; a role without pg_read_all_stats
-- sees only its own
\o /dev/null
\set ECHO none
SELECT format('SELECT title FROM posts WHERE user_id = %L', id) FROM users \gexec
SELECT 1 FROM users LIMIT 1;
\set ECHO all
\o
SELECT pattern, occurrences FROM findings;
CREATE ROLE qp_reader;
GRANT USAGE ON SCHEMA qp, conventions TO qp_reader;
SET ROLE qp_reader;
SELECT count(*) AS findings_seen FROM conventions.query_patterns();
RESET ROLE;
SELECT conventions.workload_reset();
SELECT count(*) AS findings FROM conventions.query_patterns();

-- off: nothing is sampled, nothing found
SET pg_conventions.capture_sample_rate = 0;
\o /dev/null
\set ECHO none
SELECT format('SELECT title FROM posts WHERE user_id = %L', id) FROM users \gexec
SELECT 1 FROM users LIMIT 1;
\set ECHO all
\o
SELECT count(*) AS findings FROM conventions.query_patterns();
RESET pg_conventions.capture_sample_rate;

REVOKE USAGE ON SCHEMA qp, conventions FROM qp_reader;
DROP ROLE qp_reader;
DROP SCHEMA qp CASCADE;
