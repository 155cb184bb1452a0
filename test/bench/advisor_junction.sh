#!/usr/bin/env bash
# Benchmark: the index advisor on a second seed-style workload, with a
# junction table and a LIMIT over a join, judged like test/bench/advisor.sh
# by the real execution time of the workload replayed with prepared
# statements (test/bench/advisor_judge.sh), beside the estimated cost and
# the built bytes.
#
# The seed's users, posts, tags and post_tags (shared/seed/database-
# patterns.md): UUID keys, timestamps, soft deletes; primary keys only.
# Posts are spread over two years in creation order.  Each post has two
# tags: a topic, spread over the whole timeline, tag k drawn with a
# probability falling as 1/sqrt(k) (the most popular tag on about 3 % of
# the posts with 1,000 tags, the median one on 0.07 %); and a trend, a tag
# of the moment (each tag trends once, for about 1/TAGS of the timeline, at
# a place that does not follow its rank).  So walking posts newest first
# and probing post_tags finds a tag's twenty newest posts only after
# thousands of rows (more than the planner expects, which assumes a tag's
# posts spread evenly over time), while the tag's own rows are hundreds.
#
# Eleven statements of the seed's kinds: the junction lookup (a tag's
# newest posts), the tags of a page of posts and the posts and authors of a
# batch of users (DataLoader's `= ANY($1)`), a user's posts page by page
# and their count, the published feed page by page, a tag's count, login
# by email, an admin listing by role and status, a tag by name.
#
# Runs inside a server environment (PGHOST/PGPORT/PGUSER set, as under
# pg_virtualenv) whose server preloads pg_conventions, pg_qualstats and
# pg_stat_statements; scripts/bench.sh sets one up.
#   USERS      users (default 100000)
#   POSTS      posts (default 5 per user: 500000)
#   TAGS       tags (default one per 500 posts, at least 50)
#   CALLS, ROUNDS, BUDGET_MB, SMALL_MB, PLATFORM: see advisor_judge.sh
set -euo pipefail
USERS=${USERS:-100000}
POSTS=${POSTS:-$((USERS * 5))}
TAGS=${TAGS:-$((POSTS / 500 > 50 ? POSTS / 500 : 50))}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/advisor_judge.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PGDATABASE=bench_junction

echo "== $USERS users, $POSTS posts, $TAGS tags"
t0=$SECONDS
judge_init
psql_q <<SQL
CREATE TABLE users (
  id uuid PRIMARY KEY, email text NOT NULL, role text NOT NULL, status text NOT NULL,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE TABLE posts (
  id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text NOT NULL, content text, status text NOT NULL,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE TABLE tags (id uuid PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL);
CREATE TABLE post_tags (
  post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  tag_id uuid NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL, PRIMARY KEY (post_id, tag_id));
-- 2 % admins, 8 % editors; 10 % active, 5 % pending; 5 % soft-deleted
INSERT INTO users
SELECT md5('u' || i)::uuid, 'u' || i || '@example.org',
       CASE WHEN i % 50 = 0 THEN 'admin' WHEN i % 50 < 5 THEN 'editor' ELSE 'member' END,
       CASE WHEN i % 10 = 0 THEN 'active' WHEN i % 20 = 1 THEN 'pending' ELSE 'inactive' END,
       timestamptz '2023-01-01' + i * interval '10 minutes', now(),
       CASE WHEN i % 20 = 7 THEN now() END
  FROM generate_series(1, $USERS) i;
-- two years of posts in creation order, 85 % published, 3 % soft-deleted
INSERT INTO posts
SELECT md5('p' || i)::uuid, md5('u' || (1 + (i::bigint * 7919) % $USERS))::uuid, 'post ' || i,
       repeat(md5(i::text), 4), CASE WHEN i % 20 < 17 THEN 'published' ELSE 'draft' END,
       timestamptz '2024-01-01' + i * (interval '730 days' / $POSTS), now(),
       CASE WHEN i % 33 = 0 THEN now() END
  FROM generate_series(1, $POSTS) i;
INSERT INTO tags SELECT md5('t' || k)::uuid, 'tag' || k, now(), now() FROM generate_series(1, $TAGS) k;
-- a topic (rank k with probability ~ 1/sqrt(k), anywhere in time) and a trend (the tags of
-- the moment: slot floor(x * TAGS) of the timeline's position x, give or
-- take four, its tag a fixed shuffle of the slots)
SELECT setseed(0.5) \\g /dev/null
INSERT INTO post_tags
SELECT md5('p' || i)::uuid, md5('t' || t)::uuid, timestamptz '2024-01-01' + i * (interval '730 days' / $POSTS)
  FROM generate_series(1, $POSTS) i,
       LATERAL (VALUES (1 + floor($TAGS * random() ^ 2)::int),
                       (1 + ((i::bigint * $TAGS / $POSTS + floor(random() * 5)::int) * 7919) % $TAGS)) v(t)
ON CONFLICT DO NOTHING;
VACUUM ANALYZE;
SQL
echo "  data in $((SECONDS - t0)) s: $(psql -XAtc "SELECT (SELECT count(*) FROM post_tags) || ' post_tags, ' || pg_size_pretty(pg_database_size(current_database()))")"

# the statements, their weights (executions per CALLS), and the draw of one
# call's parameter values; a tag page is asked for by popularity half of the
# time (the topic's law), any tag the other half
tag_draw="CASE WHEN random() < 0.5 THEN 1 + floor($TAGS * random() ^ 2)::int ELSE 1 + floor(random() * $TAGS)::int END"
user_draw="md5('u' || (1 + floor(random() * $USERS))::int)::uuid::text"
psql_q <<SQL
INSERT INTO judge.stmts VALUES
('posts_with_tag', 3,
 'SELECT p.* FROM posts p JOIN post_tags pt ON pt.post_id = p.id WHERE pt.tag_id = \$1 AND p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT 20',
 \$\$ARRAY[md5('t' || ($tag_draw))::uuid::text]\$\$),
('tags_of_posts', 3,
 'SELECT pt.post_id, t.id, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = ANY(\$1)',
 \$\$ARRAY[(SELECT array_agg(md5('p' || (p + j))::uuid)::text
              FROM (SELECT 1 + floor(random() * ($POSTS - 20))::int WHERE call > 0) s(p), generate_series(0, 19) j)]\$\$),
('authors_batch', 2,
 'SELECT id, email, role FROM users WHERE id = ANY(\$1) AND deleted_at IS NULL',
 \$\$ARRAY[(SELECT array_agg(md5('u' || (1 + floor(random() * $USERS))::int)::uuid)::text FROM generate_series(1, 10) j WHERE call > 0)]\$\$),
('posts_of_users_batch', 2,
 'SELECT id, user_id, title, created_at FROM posts WHERE user_id = ANY(\$1) AND deleted_at IS NULL',
 \$\$ARRAY[(SELECT array_agg(md5('u' || (1 + floor(random() * $USERS))::int)::uuid)::text FROM generate_series(1, 10) j WHERE call > 0)]\$\$),
('posts_of_user', 4,
 'SELECT id, title, created_at FROM posts WHERE user_id = \$1 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 20 OFFSET \$2',
 \$\$ARRAY[$user_draw, (20 * floor(random() * 3)::int)::text]\$\$),
('count_posts_of_user', 2,
 'SELECT count(*) FROM posts WHERE user_id = \$1 AND deleted_at IS NULL',
 \$\$ARRAY[$user_draw]\$\$),
('feed_page', 3,
 'SELECT id, user_id, title, created_at FROM posts WHERE status = ''published'' AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 20 OFFSET \$1',
 \$\$ARRAY[(20 * floor(random() * 10)::int)::text]\$\$),
('count_tag', 1,
 'SELECT count(*) FROM post_tags WHERE tag_id = \$1',
 \$\$ARRAY[md5('t' || ($tag_draw))::uuid::text]\$\$),
('login', 3,
 'SELECT id, role, status FROM users WHERE email = \$1 AND deleted_at IS NULL',
 \$\$ARRAY['u' || (1 + floor(random() * $USERS))::int || '@example.org']\$\$),
('users_page', 1,
 'SELECT id, email, created_at FROM users WHERE role = \$1 AND status = \$2 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 20',
 \$\$ARRAY[CASE WHEN random() < 0.5 THEN 'admin' ELSE 'editor' END, CASE WHEN random() < 0.8 THEN 'active' ELSE 'pending' END]\$\$),
('tag_by_name', 2,
 'SELECT id, name FROM tags WHERE name = \$1',
 \$\$ARRAY['tag' || ($tag_draw)]\$\$);
SQL

# the expert set, written by hand in the seed's style: every foreign key
# indexed (posts.user_id leading (user_id, created_at DESC); post_tags'
# post_id leads its primary key, its tag_id leads the junction's other
# side), the published feed and the live users as partial indexes
cat > "$work/expert.sql" <<'SQL'
CREATE INDEX idx_posts_user_date ON posts (user_id, created_at DESC);
CREATE INDEX idx_post_tags_tag_id ON post_tags (tag_id, post_id);
CREATE INDEX idx_posts_published ON posts (created_at DESC) WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX idx_users_email ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX idx_users_role_status ON users (role, status, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX idx_tags_name ON tags (name);
SQL
judge_run "$work/expert.sql"
[ "${KEEP:-0}" = 1 ] || psql_q -d postgres -c "DROP DATABASE $PGDATABASE"
