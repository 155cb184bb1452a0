-- pg_conventions demo: a seed-style schema, the guard at work, the reports.
\set ECHO queries
\set VERBOSITY default
\pset pager off

\echo
\echo '=== 1. warn (the default): a migration that drifts from the conventions ==='
\echo '    It runs, and the guard says what is wrong and the SQL that fixes it.'
CREATE EXTENSION pg_conventions;
SHOW pg_conventions.mode;
CREATE TABLE users (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  email VARCHAR(255) NOT NULL UNIQUE,
  role VARCHAR(20) DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  status VARCHAR(20) DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'banned')),
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  deleted_at TIMESTAMP WITH TIME ZONE
);
CREATE TABLE posts (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title VARCHAR(255) NOT NULL,
  created_at TIMESTAMP DEFAULT NOW()
);
CREATE TABLE audit_log (message text, logged_at timestamptz DEFAULT now());

\echo
\echo '=== 1b. the seed''s own junction table: its idx_post_tags_post_id is redundant beside the primary key ==='
CREATE TABLE tags (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name VARCHAR(100) NOT NULL UNIQUE,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(), updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW());
BEGIN;
CREATE TABLE post_tags (
  post_id UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  tag_id UUID NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX idx_post_tags_post_id ON post_tags(post_id);
CREATE INDEX idx_post_tags_tag_id ON post_tags(tag_id);
COMMIT;

\echo
\echo '=== 2. the audit: the same rules over the existing database ==='
SELECT rule, severity, sqlstate FROM conventions.rules();
SELECT rule, object, fix_sql FROM conventions.violations() ORDER BY table_name::text, rule, object;

\echo
\echo '=== 2b. the index reports: missing foreign-key indexes (most costly first), redundant and low-cardinality indexes ==='
SELECT table_name, constraint_name, fk_columns, fix_sql FROM conventions.missing_fk_indexes();
SELECT index, redundant_to, reason, fix_sql FROM conventions.redundant_indexes();
INSERT INTO users (email) SELECT 'user' || i || '@example.com' FROM generate_series(1, 2000) i;
UPDATE users SET status = 'banned' WHERE email LIKE 'user1_@%';
CREATE INDEX idx_users_status ON users (status);
ANALYZE users;
SELECT index, column_name, distinct_values, dominant_value, partial_index_sql FROM conventions.low_cardinality_indexes();

\echo
\echo '=== 3. enforce: the same kind of drift is rejected, with the fix in the HINT ==='
SET pg_conventions.mode = enforce;
CREATE TABLE comments (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  post_id UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  body TEXT,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);
SELECT to_regclass('comments') AS "comments after the rejected statement";

\echo
\echo '=== 4. enforce is judged at commit: the same migration with its index, in one transaction, passes ==='
BEGIN;
CREATE TABLE comments (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  post_id UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  body TEXT,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);
CREATE INDEX idx_comments_post_id ON comments(post_id);
COMMIT;

\echo
\echo '=== 5. and an index a foreign key needs cannot be dropped ==='
DROP INDEX idx_comments_post_id;

\echo
\echo '=== 6. fixing the drift with the audit''s own SQL ==='
SET pg_conventions.mode = warn;
SELECT fix_sql FROM conventions.violations() WHERE NOT exempted
 ORDER BY rule = 'snake_case_names', fix_sql LIKE 'ALTER SCHEMA%', fix_sql \gexec
SELECT count(*) AS violations_left FROM conventions.violations();

\echo
\echo '=== 7. the index advisor: the seed''s queries, checked by the planner with hypothetical indexes ==='
INSERT INTO users (email, role, status)
SELECT 'u' || i || '@example.org', CASE WHEN i % 10 = 0 THEN 'admin' ELSE 'user' END,
       CASE WHEN i % 20 = 0 THEN 'active' WHEN i % 20 = 1 THEN 'banned' ELSE 'inactive' END
  FROM generate_series(1, 20000) i;
ANALYZE users;
SELECT kind, fix_sql, cost_before, cost_after
  FROM conventions.suggest_indexes('SELECT * FROM users WHERE role = $1 AND status = $2');
SELECT kind, fix_sql, cost_before, cost_after
  FROM conventions.suggest_indexes('SELECT email FROM users WHERE status = ''active''
                                    AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 20');

\echo
\echo '=== 8. the advisor over the workload the server ran (capture in shared memory) ==='
SELECT conventions.workload_reset();
SET pg_conventions.capture_sample_rate = 1;
PREPARE users_by_status(text) AS
  SELECT email FROM users WHERE status = $1 ORDER BY created_at DESC LIMIT 20;
\o /dev/null
EXECUTE users_by_status('active'); EXECUTE users_by_status('active'); EXECUTE users_by_status('active');
EXECUTE users_by_status('banned');
SELECT id FROM users WHERE email = 'u42@example.org';
SELECT id FROM users WHERE email = 'u43@example.org';
\o
RESET pg_conventions.capture_sample_rate;
SELECT query, params, calls FROM conventions.workload() ORDER BY calls DESC, query;
SELECT kind, fix_sql, queries_helped, cost_before, cost_after FROM conventions.suggest_indexes();

\echo
\echo '=== 9. migration safety: a migration on a large, busy table, judged before it runs ==='
-- posts gets a million rows; the threshold is pg_conventions.large_table_size (10MB)
SET pg_conventions.mode = off;
INSERT INTO posts (user_id, title)
SELECT (SELECT id FROM users ORDER BY id LIMIT 1), 'post ' || i
  FROM generate_series(1, 1000000) i;
VACUUM ANALYZE posts;
SET pg_conventions.mode = enforce;
SET lock_timeout = '5s';
-- the seed's "add column, then backfill", in one transaction
BEGIN;
ALTER TABLE posts ADD COLUMN view_count integer;
UPDATE posts SET view_count = 0 WHERE view_count IS NULL;
ROLLBACK;
-- an index built the blocking way, a foreign key validated under the lock, a rewrite
CREATE INDEX idx_posts_title ON posts (title);
ALTER TABLE posts ADD CONSTRAINT posts_title_check CHECK (length(title) < 500);
ALTER TABLE posts ALTER COLUMN title TYPE varchar(200);
-- the safe forms pass
CREATE INDEX CONCURRENTLY idx_posts_title ON posts (title);
ALTER TABLE posts ADD CONSTRAINT posts_title_check CHECK (length(title) < 500) NOT VALID;
ALTER TABLE posts VALIDATE CONSTRAINT posts_title_check;
ALTER TABLE posts ADD COLUMN view_count integer NOT NULL DEFAULT 0;
-- and any lock that blocks writes, on any table in use, without a lock_timeout
SET lock_timeout = 0;
ALTER TABLE users ADD COLUMN nickname text;

\echo
\echo '=== 10. the query anti-patterns of the seed, found in what the server executes ==='
-- every statement sampled for the demo (the default samples 1 % of client periods)
SET pg_conventions.mode = off;
SET pg_conventions.capture_sample_rate = 1;
SELECT conventions.workload_reset();
\o /dev/null
-- an ORM loop: the users, then one query per user (psql's \gexec sends each on its own)
SELECT format('SELECT id, title FROM posts WHERE user_id = %L', id)
  FROM users ORDER BY email LIMIT 10 \gexec
-- findAndCountAll() on page 120: the count, then the page
SELECT count(*) FROM posts;
SELECT id, title FROM posts ORDER BY created_at DESC LIMIT 20 OFFSET 2380;
\o
RESET pg_conventions.capture_sample_rate;
\x on
SELECT pattern, table_name, query, executions, evidence, fix_sql, hint FROM conventions.query_patterns();
\x off
