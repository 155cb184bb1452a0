#!/usr/bin/env bash
# Benchmark: the index advisor on a seed-style workload, against a
# hand-written expert set, pg_qualstats_index_advisor(), hypopg
# single-column advice per query (the procedure of Supabase's
# index_advisor) and the algorithms of Kossmann et al.'s platform, all
# judged by the real execution time of the workload's statements replayed
# with prepared statements, beside the planner's estimated cost and the
# built bytes (test/bench/advisor_judge.sh, shared with
# test/bench/advisor_junction.sh).
#
# Runs inside a server environment (PGHOST/PGPORT/PGUSER set, as under
# pg_virtualenv) whose server preloads pg_conventions, pg_qualstats and
# pg_stat_statements; scripts/bench.sh sets one up.
#   USERS      users (default 100000; 4 posts each, 2 tags per post)
#   CALLS, ROUNDS, BUDGET_MB, SMALL_MB, PLATFORM: see advisor_judge.sh
#   OVERHEAD   1 (default): then the capture-overhead test (pgbench -S,
#              capture at the default rate against off), 0: not
#   RUN        seconds of pgbench per side and round of it (default 20)
#   OVERHEAD_ROUNDS  its alternating rounds (default 5)
#   CLIENTS    its pgbench clients (default 2)
set -euo pipefail
USERS=${USERS:-100000}
RUN=${RUN:-20}
CLIENTS=${CLIENTS:-2}
OVERHEAD=${OVERHEAD:-1}
OVERHEAD_ROUNDS=${OVERHEAD_ROUNDS:-5}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/advisor_judge.sh"
POSTS=$((USERS * 4))
TAGS=2000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PGDATABASE=bench_adv

judge_init
psql_q <<SQL
-- the seed's tables: UUID keys, timestamps, soft deletes, a junction table;
-- only the primary keys are indexed, as a new application starts
CREATE TABLE users (
  id uuid PRIMARY KEY, email text NOT NULL, role text NOT NULL, status text NOT NULL,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE TABLE posts (
  id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id), title text NOT NULL,
  status text NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
  deleted_at timestamptz);
CREATE TABLE tags (id uuid PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL);
CREATE TABLE post_tags (post_id uuid NOT NULL REFERENCES posts (id),
  tag_id uuid NOT NULL REFERENCES tags (id), created_at timestamptz NOT NULL,
  PRIMARY KEY (post_id, tag_id));
-- skewed: 10 % of users active, 5 % pending; 2 % admins, 8 % editors;
-- 5 % soft-deleted; 85 % of posts published
INSERT INTO users
SELECT md5('u' || i)::uuid, 'u' || i || '@example.org',
       CASE WHEN i % 50 = 0 THEN 'admin' WHEN i % 50 < 5 THEN 'editor' ELSE 'member' END,
       CASE WHEN i % 10 = 0 THEN 'active' WHEN i % 20 = 1 THEN 'pending' ELSE 'inactive' END,
       timestamptz '2025-01-01' + i * interval '5 minutes', now(),
       CASE WHEN i % 20 = 7 THEN now() END
  FROM generate_series(1, $USERS) i;
INSERT INTO posts
SELECT md5('p' || i)::uuid, md5('u' || (1 + i % $USERS))::uuid, 'post ' || i,
       CASE WHEN i % 20 < 17 THEN 'published' ELSE 'draft' END,
       timestamptz '2025-01-01' + i * interval '1 minute', now(),
       CASE WHEN i % 33 = 0 THEN now() END
  FROM generate_series(1, $POSTS) i;
INSERT INTO tags SELECT md5('t' || i)::uuid, 'tag' || i, now(), now() FROM generate_series(1, $TAGS) i;
INSERT INTO post_tags
SELECT md5('p' || i)::uuid, md5('t' || (1 + (i * 7 + k) % $TAGS))::uuid, now()
  FROM generate_series(1, $POSTS) i, (VALUES (0), ($TAGS / 2)) v(k);
VACUUM ANALYZE;
SQL

# ORM-style statements, each with its weight (executions per CALLS) and
# the draw of one call's parameter values: the UUIDs and strings an ORM sends
psql_q <<SQL
INSERT INTO judge.stmts VALUES
('users_by_role_status', 3,
 'SELECT id, email FROM users WHERE role = \$1 AND status = \$2 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 20',
 \$\$ARRAY[CASE WHEN random() < 0.5 THEN 'admin' ELSE 'editor' END, CASE WHEN random() < 0.8 THEN 'active' ELSE 'pending' END]\$\$),
('posts_of_user', 5,
 'SELECT id, title, created_at FROM posts WHERE user_id = \$1 AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 10',
 \$\$ARRAY[md5('u' || (1 + floor(random() * $USERS))::int)::uuid::text]\$\$),
('feed_page', 3,
 'SELECT id, title FROM posts WHERE status = ''published'' AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 20 OFFSET \$1',
 \$\$ARRAY[(floor(random() * 11)::int * 20)::text]\$\$),
('drafts_of_user', 1,
 'SELECT id, title FROM posts WHERE user_id = \$1 AND status = ''draft'' AND deleted_at IS NULL',
 \$\$ARRAY[md5('u' || (1 + floor(random() * $USERS))::int)::uuid::text]\$\$),
('tags_of_post', 2,
 'SELECT t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = \$1',
 \$\$ARRAY[md5('p' || (1 + floor(random() * $POSTS))::int)::uuid::text]\$\$),
('posts_with_tag', 2,
 'SELECT p.id, p.title FROM post_tags pt JOIN posts p ON p.id = pt.post_id WHERE pt.tag_id = \$1 AND p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT 20',
 \$\$ARRAY[md5('t' || (1 + floor(random() * $TAGS))::int)::uuid::text]\$\$),
('login', 3,
 'SELECT id, role FROM users WHERE email = \$1 AND deleted_at IS NULL',
 \$\$ARRAY['u' || (1 + floor(random() * $USERS))::int || '@example.org']\$\$),
('pending_count', 1,
 'SELECT count(*) FROM users WHERE status = ''pending'' AND deleted_at IS NULL',
 \$\$ARRAY[]::text[]\$\$);
SQL

# the expert set, written by hand in the seed's style (shared/seed/
# database-patterns.md): every foreign key indexed, (user_id, created_at
# DESC), the junction's other side (tag_id, post_id), partial indexes
# for the rows that are not soft-deleted
cat > "$work/expert.sql" <<'SQL'
CREATE INDEX idx_posts_user_date ON posts (user_id, created_at DESC);
CREATE INDEX idx_post_tags_tag_id ON post_tags (tag_id, post_id);
CREATE INDEX idx_posts_published ON posts (created_at DESC) WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX idx_users_email ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX idx_users_role_status ON users (role, status, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX idx_users_status ON users (status) WHERE deleted_at IS NULL;
SQL
judge_run "$work/expert.sql"

# capture overhead: pgbench -S, capture at the default sample rate vs off,
# alternating rounds in one server, medians
if [ "$OVERHEAD" = 1 ]; then
  echo
  echo "== capture overhead: pgbench -S, $OVERHEAD_ROUNDS rounds of ${RUN}s each way"
  pgbench -i -q -s 10 >/dev/null 2>&1
  : > "$work/on"; : > "$work/off"
  for _ in $(seq "$OVERHEAD_ROUNDS"); do
    PGOPTIONS="-c pg_qualstats.enabled=off" pgbench -n -S -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$RUN" 2>&1 |
      awk '/^tps/ {print $3}' >> "$work/on"
    PGOPTIONS="-c pg_qualstats.enabled=off -c pg_conventions.capture_sample_rate=0" \
      pgbench -n -S -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$RUN" 2>&1 | awk '/^tps/ {print $3}' >> "$work/off"
  done
  on=$(median < "$work/on"); off=$(median < "$work/off")
  echo "  capture on (default rate): $on tps   (rounds: $(paste -sd' ' "$work/on"))"
  echo "  capture off:               $off tps   (rounds: $(paste -sd' ' "$work/off"))"
  awk -v a="$on" -v b="$off" 'BEGIN { printf "  ratio on/off: %.3f   (target >= 0.97)\n", a / b }'
fi
[ "${KEEP:-0}" = 1 ] || psql_q -d postgres -c "DROP DATABASE $PGDATABASE"
