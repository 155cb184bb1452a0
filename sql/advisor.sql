-- conventions.suggest_indexes(): the index advisor.  This suite preloads
-- nothing: the advisor needs no preloading.  Tables stay under ANALYZE's
-- 30,000-row sample, so the statistics (and the plans) are the same on
-- every run.
SET pg_conventions.mode = off;
CREATE SCHEMA adv;
SET search_path = adv, public;
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
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz);
CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE post_tags (post_id bigint NOT NULL REFERENCES posts (id),
                        tag_id bigint NOT NULL REFERENCES tags (id),
                        PRIMARY KEY (post_id, tag_id));
INSERT INTO users (email, role, status, created_at, deleted_at)
SELECT 'u' || i || '@example.org',
       (ARRAY['admin', 'editor', 'member', 'member', 'member', 'member'])[1 + i % 6],
       CASE WHEN i % 50 = 0 THEN 'active' WHEN i % 50 < 10 THEN 'pending' ELSE 'inactive' END,
       timestamptz '2026-01-01' + i * interval '1 minute',
       CASE WHEN i % 10 = 0 THEN timestamptz '2026-06-01' END
  FROM generate_series(1, 20000) i;
-- 40 authors with 500 posts each
INSERT INTO posts (user_id, title, status, created_at, deleted_at)
SELECT 1 + i % 40, 'post ' || i, CASE WHEN i % 10 = 0 THEN 'draft' ELSE 'published' END,
       timestamptz '2026-01-01' + i * interval '1 second',
       CASE WHEN i % 25 = 0 THEN timestamptz '2026-06-01' END
  FROM generate_series(1, 20000) i;
INSERT INTO tags (name) SELECT 'tag' || i FROM generate_series(1, 2000) i;
INSERT INTO post_tags SELECT p, 1 + (p * 7) % 2000 FROM generate_series(1, 20000) p;
ANALYZE users, posts, tags, post_tags;

-- equality on two columns, ORM-style parameters: a composite index, the
-- more distinct column first
SELECT table_name, kind, index_columns, predicate, fix_sql, queries_helped,
       cost_after < cost_before AS cheaper, estimated_size > 0 AS sized
  FROM conventions.suggest_indexes('SELECT * FROM users WHERE role = $1 AND status = $2');

-- a selective condition on a constant with ORDER BY ... LIMIT: a partial index
SELECT table_name, kind, index_columns, predicate, fix_sql
  FROM conventions.suggest_indexes(
    'SELECT email FROM users WHERE status = ''active'' ORDER BY created_at DESC LIMIT 50');

-- the soft-delete condition is not selective (90 % of rows match), yet it is
-- the seed's partial index: the live rows only, no filter left to apply
SELECT table_name, kind, index_columns, predicate
  FROM conventions.suggest_indexes(
    'SELECT email FROM users WHERE deleted_at IS NULL AND email = $1');

-- posts of one author, newest first (40 authors of 500 posts): the index of
-- the sort alone, read with the author as a filter until the LIMIT is met,
-- is cheapest by the estimate only if the author's posts are spread evenly
-- over time; at worst it reads every post.  The author's posts by date hold
-- whatever the data: the advisor takes the key that serves the filter.
SELECT table_name, kind, index_columns, fix_sql
  FROM conventions.suggest_indexes(
    'SELECT id, title FROM posts WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20');

-- a join through the junction table: its foreign-key column and the tag name
SELECT table_name, kind, index_columns
  FROM conventions.suggest_indexes(
    'SELECT p.title FROM posts p JOIN post_tags pt ON pt.post_id = p.id
       JOIN tags t ON t.id = pt.tag_id WHERE t.name = $1')
 ORDER BY table_name::text;

-- the budget
SELECT count(*) AS suggested FROM conventions.suggest_indexes(
    'SELECT p.title FROM posts p JOIN post_tags pt ON pt.post_id = p.id
       JOIN tags t ON t.id = pt.tag_id WHERE t.name = $1', 1);

-- UPDATE and DELETE: their WHERE; neither runs
SELECT table_name, kind, index_columns, predicate
  FROM conventions.suggest_indexes('DELETE FROM users WHERE email = $1');
SELECT table_name, index_columns
  FROM conventions.suggest_indexes('UPDATE posts SET title = $2 WHERE user_id = $1 AND status = ''draft''');
SELECT count(*) AS users_left FROM users;

-- the query is planned, never executed: a volatile function in it never runs
CREATE TABLE calls (n int);
CREATE FUNCTION bump() RETURNS bigint LANGUAGE sql VOLATILE AS
  'INSERT INTO adv.calls VALUES (1) RETURNING 1::bigint';
SELECT count(*) >= 0 AS planned FROM conventions.suggest_indexes('SELECT * FROM users WHERE id = bump()');
SELECT count(*) AS calls FROM calls;

-- every suggestion executed, then asked again: nothing left to suggest.
-- From PostgreSQL 19 on, reading a page can mark it all-visible, which makes
-- an index-only scan cheaper without a VACUUM: there the covering variant of
-- the partial index chosen first still saves 7 % of its tiny cost, and is
-- suggested (expected/advisor_1.out).
SELECT fix_sql FROM conventions.suggest_indexes('SELECT * FROM users WHERE role = $1 AND status = $2')
UNION ALL
SELECT fix_sql FROM conventions.suggest_indexes(
    'SELECT email FROM users WHERE status = ''active'' ORDER BY created_at DESC LIMIT 50')
UNION ALL
SELECT fix_sql FROM conventions.suggest_indexes(
    'SELECT id, title FROM posts WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20') \gexec
ANALYZE users, posts;
SELECT count(*) AS still_suggested FROM conventions.suggest_indexes('SELECT * FROM users WHERE role = $1 AND status = $2');
SELECT count(*) AS still_suggested FROM conventions.suggest_indexes(
    'SELECT email FROM users WHERE status = ''active'' ORDER BY created_at DESC LIMIT 50');
SELECT count(*) AS still_suggested FROM conventions.suggest_indexes(
    'SELECT id, title FROM posts WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20');

-- awkward identifiers are quoted in the fix
CREATE TABLE "Odd Posts" ("User Id" int NOT NULL, "Créé" timestamptz NOT NULL);
INSERT INTO "Odd Posts" SELECT i % 100, timestamptz '2026-01-01' + i * interval '1 second'
  FROM generate_series(1, 20000) i;
ANALYZE "Odd Posts";
SELECT kind, index_columns, fix_sql FROM conventions.suggest_indexes(
    'SELECT * FROM "Odd Posts" WHERE "User Id" = $1 ORDER BY "Créé" LIMIT 5');

-- bad input: a clear error each time
\set VERBOSITY default
SELECT * FROM conventions.suggest_indexes(NULL);
SELECT * FROM conventions.suggest_indexes('');
SELECT * FROM conventions.suggest_indexes('SELECT 1; SELECT 2');
SELECT * FROM conventions.suggest_indexes('SELEC * FROM users');
SELECT * FROM conventions.suggest_indexes('SELECT * FROM no_such_table');
SELECT * FROM conventions.suggest_indexes('CREATE TABLE x (a int)');
SELECT * FROM conventions.suggest_indexes('INSERT INTO tags (name) VALUES ($1)');
SELECT * FROM conventions.suggest_indexes('SELECT * INTO new_users FROM users');
SELECT * FROM conventions.suggest_indexes('SELECT * FROM users WHERE id = $1 OR $2 IS NULL');
SELECT * FROM conventions.suggest_indexes('SELECT * FROM users', 0);
SELECT * FROM conventions.suggest_indexes('SELECT * FROM users', 3, -1);
-- without preloading there is no capture, and here no pg_stat_statements
SELECT * FROM conventions.workload();
SELECT conventions.workload_reset();
SELECT * FROM conventions.suggest_indexes();
-- a prepared statement's query is taken as it is
SELECT table_name, index_columns FROM conventions.suggest_indexes(
    'PREPARE by_email(text) AS SELECT id FROM users WHERE email = $1');
-- a bytes budget too small for any index
SELECT count(*) AS none FROM conventions.suggest_indexes(
    'SELECT email FROM users WHERE status = ''active'' ORDER BY created_at DESC LIMIT 50', 3, 8192);

-- the estimated size is the size of the index once built: btree
-- deduplicates a key of few values (100 accounts), not a unique one
CREATE TABLE events (id bigint PRIMARY KEY, account_id int NOT NULL, code text NOT NULL);
INSERT INTO events SELECT i, i % 100, 'code-' || i FROM generate_series(1, 20000) i;
ANALYZE events;
CREATE TEMP TABLE estimates AS
SELECT e.index_columns, e.estimated_size, e.fix_sql
  FROM conventions.suggest_indexes('SELECT id FROM events WHERE account_id = $1') e
UNION ALL
SELECT e.index_columns, e.estimated_size, e.fix_sql
  FROM conventions.suggest_indexes('SELECT id FROM events WHERE code = $1') e;
SELECT fix_sql FROM estimates \gexec
SELECT e.index_columns,
       e.estimated_size BETWEEN 0.75 * pg_relation_size(i.indexrelid)
                            AND 1.33 * pg_relation_size(i.indexrelid) AS estimate_within_a_third
  FROM estimates e
  JOIN pg_index i ON i.indrelid = 'adv.events'::regclass
   AND pg_get_indexdef(i.indexrelid, 1, true) = e.index_columns[1]
 ORDER BY 1;
DROP TABLE events;

-- Each kind of candidate: the suggestion, its fix executed, and the plan
-- then using the index (without costs).  \set q holds the query.
CREATE TEMP TABLE s (LIKE pg_class);
-- a join's filtered side: the junction table keyed by the tag, then the
-- post, so that the join reads it alone (vacuumed, as autovacuum keeps it)
VACUUM ANALYZE post_tags;
\set q 'SELECT p.id, p.title FROM post_tags pt JOIN posts p ON p.id = pt.post_id WHERE pt.tag_id = $1'
DROP TABLE s; CREATE TEMP TABLE s AS SELECT * FROM conventions.suggest_indexes(:'q');
SELECT table_name, kind, index_columns, include_columns, method, fix_sql FROM s;
SELECT fix_sql FROM s \gexec
VACUUM ANALYZE post_tags, posts;
EXPLAIN (COSTS OFF) SELECT p.id, p.title FROM post_tags pt JOIN posts p ON p.id = pt.post_id WHERE pt.tag_id = 7;

-- the DataLoader's batch: user_id = ANY($1).  The author's posts by date
-- serve it already; without that index, a covering one answers it alone
\set q 'SELECT id, title, user_id FROM posts WHERE user_id = ANY($1::bigint[])'
SELECT count(*) AS served_already FROM conventions.suggest_indexes(:'q');
DROP INDEX idx_posts_user_id_created_at;
DROP TABLE s; CREATE TEMP TABLE s AS SELECT * FROM conventions.suggest_indexes(:'q');
SELECT table_name, kind, index_columns, include_columns, fix_sql FROM s;
SELECT fix_sql FROM s \gexec
ANALYZE posts;
EXPLAIN (COSTS OFF) SELECT id, title, user_id FROM posts WHERE user_id = ANY('{3,4,5}'::bigint[]);

-- a count under the soft-delete filter: a partial index it reads alone
\set q 'SELECT count(*) FROM users WHERE status = ''pending'' AND deleted_at IS NULL'
DROP TABLE s; CREATE TEMP TABLE s AS SELECT * FROM conventions.suggest_indexes(:'q');
SELECT table_name, kind, index_columns, predicate, fix_sql FROM s;
SELECT fix_sql FROM s \gexec
VACUUM ANALYZE users;
EXPLAIN (COSTS OFF) SELECT count(*) FROM users WHERE status = 'pending' AND deleted_at IS NULL;

-- covering: a lookup that returns its columns from the index (INCLUDE)
\set q 'SELECT id, role FROM users WHERE email = $1 AND role = $2'
DROP TABLE s; CREATE TEMP TABLE s AS SELECT * FROM conventions.suggest_indexes(:'q');
SELECT table_name, kind, index_columns, include_columns, fix_sql FROM s;
SELECT fix_sql FROM s \gexec
VACUUM ANALYZE users;
EXPLAIN (COSTS OFF) SELECT id, role FROM users WHERE email = 'u77@example.org' AND role = 'member';

-- GIN for containment: jsonb @> and ?, an array's &&
CREATE TABLE profiles (id bigint PRIMARY KEY, settings jsonb NOT NULL, labels text[] NOT NULL);
INSERT INTO profiles
SELECT i, jsonb_build_object('theme', CASE WHEN i % 3 = 0 THEN 'dark' ELSE 'light' END,
                             'lang', 'l' || i % 40) || CASE WHEN i % 200 = 0 THEN '{"beta": true}' ELSE '{}' END::jsonb,
       ARRAY['t' || i % 500, 't' || i % 77]
  FROM generate_series(1, 20000) i;
ANALYZE profiles;
\set q 'SELECT id FROM profiles WHERE settings @> ''{"lang": "l7", "theme": "dark"}'''
DROP TABLE s; CREATE TEMP TABLE s AS SELECT * FROM conventions.suggest_indexes(:'q');
SELECT table_name, kind, index_columns, method, fix_sql FROM s;
CREATE TEMP TABLE gin_estimates AS SELECT index_columns, estimated_size FROM s;
SELECT fix_sql FROM s \gexec
\set q 'SELECT id FROM profiles WHERE labels && $1::text[]'
DROP TABLE s; CREATE TEMP TABLE s AS SELECT * FROM conventions.suggest_indexes(:'q');
SELECT table_name, kind, index_columns, method, fix_sql FROM s;
INSERT INTO gin_estimates SELECT index_columns, estimated_size FROM s;
SELECT fix_sql FROM s \gexec
-- the size estimate of a GIN index (its entries per row: a jsonb document's
-- keys and values, an array's distinct elements) against the built index
SELECT e.index_columns,
       e.estimated_size BETWEEN 0.5 * pg_relation_size(i.indexrelid)
                            AND 2 * pg_relation_size(i.indexrelid) AS estimate_within_half
  FROM gin_estimates e
  JOIN pg_index i ON i.indrelid = 'adv.profiles'::regclass
   AND pg_get_indexdef(i.indexrelid, 1, true) = e.index_columns[1]
 ORDER BY 1;
ANALYZE profiles;
EXPLAIN (COSTS OFF) SELECT id FROM profiles WHERE settings @> '{"lang": "l7", "theme": "dark"}';
EXPLAIN (COSTS OFF) SELECT id FROM profiles WHERE settings ? 'beta';
EXPLAIN (COSTS OFF) SELECT id FROM profiles WHERE labels && ARRAY['t7'];

-- a configuration: two indexes that only help together (the arms of an
-- OR); the first alone leaves the cost as it was
\set q 'SELECT id FROM users WHERE created_at = $1 OR deleted_at = $2'
DROP TABLE s; CREATE TEMP TABLE s AS SELECT * FROM conventions.suggest_indexes(:'q');
SELECT table_name, index_columns, cost_after < cost_before AS cheaper_so_far, fix_sql FROM s;
SELECT fix_sql FROM s \gexec
ANALYZE users;
EXPLAIN (COSTS OFF) SELECT id FROM users WHERE created_at = '2026-01-02' OR deleted_at = '2026-01-03';
DROP TABLE s;

-- privileges: planning needs the same right as EXPLAIN
CREATE ROLE adv_nobody;
GRANT USAGE ON SCHEMA adv TO adv_nobody;
SET ROLE adv_nobody;
SELECT * FROM conventions.suggest_indexes('SELECT * FROM adv.users WHERE email = $1');
RESET ROLE;
\set VERBOSITY terse

DROP SCHEMA adv CASCADE;
DROP ROLE adv_nobody;
RESET search_path;
RESET pg_conventions.mode;
