#!/usr/bin/env bash
# The README's CI recipe ("Rehearse migrations on a twin"), run exactly as
# written: the lines between <!-- twin-recipe:begin --> and
# <!-- twin-recipe:end --> are taken from the README and run by bash in a
# sequelize-cli project whose migration adds an index to a table that is
# large only in production.  Production is a database of this server
# without pg_conventions; the twin is made by the shipped command.  Also
# checks that the README's GitHub Actions and GitLab CI examples carry the
# same lines.
# Runs inside a server environment (the libpq variables of a superuser, a
# server with shared_preload_libraries=pg_conventions), e.g.
#   pg_virtualenv -o shared_preload_libraries=pg_conventions bash test/twin/recipe.sh
# Needs node and npm (sequelize-cli from clients/node's pinned devDependencies).
# BIN: where pg_conventions_twin and pg_conventions_ci are (default: pg_config --bindir).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
BIN=${BIN:-$(pg_config --bindir)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 pass=0 fail=0
check() {	# check DESCRIPTION COMMAND...
  local what=$1; shift
  n=$((n + 1))
  if "$@"; then pass=$((pass + 1)); echo "ok $n - $what"
  else fail=$((fail + 1)); echo "not ok $n - $what"; fi
}

# the recipe, from the README
sed -n '/^<!-- twin-recipe:begin -->$/,/^<!-- twin-recipe:end -->$/p' README.md |
  sed -e '1,2d' -e '$d' | sed '$d' >"$tmp/recipe.sh"
check "the README has the recipe (4 lines)" test "$(wc -l <"$tmp/recipe.sh")" = 4
# both CI examples run exactly those lines
for example in "runs-on: ubuntu" "image: debian:bookworm"; do
  sed -n "/^$example\\|^ *$example/,/^\`\`\`\$/p" README.md >"$tmp/example.yml"
  missing=0
  while IFS= read -r line; do
    grep -qxF -- "          $line" "$tmp/example.yml" || grep -qxF -- "    - $line" "$tmp/example.yml" || missing=1
  done <"$tmp/recipe.sh"
  check "the example with \"$example\" runs the recipe's lines unchanged" test "$missing" = 0
done

# production: a managed service, so no pg_conventions; 200,000 posts
psql -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS recipe_production" -c "DROP DATABASE IF EXISTS twin" \
  -c "CREATE DATABASE recipe_production" >/dev/null
PGOPTIONS="-c pg_conventions.mode=off" psql -X -q -v ON_ERROR_STOP=1 -d recipe_production >/dev/null <<'SQL'
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email varchar(255) NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title varchar(255) NOT NULL, content text,
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX idx_posts_user_id ON posts (user_id);
CREATE TABLE "SequelizeMeta" (name varchar(255) NOT NULL UNIQUE, PRIMARY KEY (name));
INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 1000) g;
INSERT INTO posts (title, content, user_id)
  SELECT 'post ' || g, repeat('text ', 20), (SELECT id FROM users ORDER BY email LIMIT 1) FROM generate_series(1, 200000) g;
VACUUM ANALYZE;
SQL
check "production is large: posts has 200,000 rows" \
  test "$(psql -X -At -d recipe_production -c "SELECT reltuples::bigint FROM pg_class WHERE relname = 'posts'")" = 200000

# the application: a sequelize-cli project with one migration
(cd clients/node && { [ -x node_modules/.bin/sequelize-cli ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null; })
project=$tmp/app
mkdir -p "$project/migrations"
ln -s "$repo/clients/node/node_modules" "$project/node_modules"
cat >"$project/migrations/20261206000000-index-post-titles.js" <<'JS'
'use strict';
module.exports = {
  async up(queryInterface) {
    await queryInterface.addIndex('posts', ['title'], { name: 'idx_posts_title' });
  },
  async down(queryInterface) {
    await queryInterface.removeIndex('posts', 'idx_posts_title');
  },
};
JS
echo '{}' >"$project/package.json"

# the recipe, as the CI job runs it
export PRODUCTION_URL="dbname=recipe_production"
export TWIN_URL="postgres://${PGUSER}:${PGPASSWORD}@${PGHOST:-localhost}:${PGPORT:-5432}/twin"
(cd "$project" && PATH="$BIN:$PATH" bash -e "$tmp/recipe.sh") >"$tmp/out" 2>&1
rc=$?
sed 's/^/  | /' "$tmp/out"
check "the job fails: the migration is a hazard on production's data" test "$rc" != 0
check "the twin was made from production" grep -q '^pg_conventions_twin: ready: twin has production' "$tmp/out"
check "sequelize-cli's migration was rejected by concurrent_index" grep -q 'concurrent_index' "$tmp/out"
check "the JUnit report names the rule and production's size" \
  bash -c "grep -q 'classname=\"pg_conventions.migrations.concurrent_index\"' '$project/pg_conventions.xml' &&
           grep -q 'about 200,000 rows, by the statistics snapshot' '$project/pg_conventions.xml'"
check "the Markdown summary gives the fix" grep -qF 'CREATE INDEX CONCURRENTLY "idx_posts_title" ON "posts" ("title")' "$project/pg_conventions.md"
check "and the JUnit report the Sequelize fix (concurrently: true)" grep -qF 'concurrently: true' "$project/pg_conventions.xml"
check "the twin has no row of production" test "$(psql -X -At -d twin -c 'SELECT count(*) FROM posts')" = 0
check "and the index was not built" test "$(psql -X -At -d twin -c "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_posts_title'")" = 0

# the same migration on an empty CI database, as CI ran it before: it passes
psql -X -q -c "DROP DATABASE IF EXISTS recipe_ci" -c "CREATE DATABASE recipe_ci" >/dev/null
pg_dump --schema-only -d recipe_production | PGOPTIONS="-c pg_conventions.mode=off" psql -X -q -d recipe_ci >/dev/null 2>&1
psql -X -q -c "ALTER DATABASE recipe_ci SET pg_conventions.mode = enforce" >/dev/null
(cd "$project" && npx sequelize-cli db:migrate \
  --url "postgres://${PGUSER}:${PGPASSWORD}@${PGHOST:-localhost}:${PGPORT:-5432}/recipe_ci") >"$tmp/ci.out" 2>&1
check "without a twin, the empty CI database lets the same migration pass" test $? = 0

# the command's errors a user meets first: a role that may not read the
# schema, a pg_dump older than production
psql -X -q -v ON_ERROR_STOP=1 -c "DROP ROLE IF EXISTS twin_reader" \
  -c "CREATE ROLE twin_reader LOGIN PASSWORD 'reader'" -c "CREATE DATABASE twin_denied" >/dev/null
reader="dbname=recipe_production user=twin_reader password=reader host=${PGHOST:-localhost} port=${PGPORT:-5432}"
"$BIN/pg_conventions_twin" "$reader" "dbname=twin_denied" >"$tmp/denied.out" 2>&1
rc=$?
sed 's/^/  | /' "$tmp/denied.out"
check "a role without SELECT on the tables: exit 1" test "$rc" = 1
check "and the error says what to grant" grep -q '^pg_conventions_twin: error: the source role may not read the whole schema (permission denied for table .*grant pg_read_all_data' "$tmp/denied.out"
psql -X -q -c "GRANT pg_read_all_data TO twin_reader" >/dev/null
"$BIN/pg_conventions_twin" -q "$reader" "dbname=twin_denied" >"$tmp/granted.out" 2>&1
check "with pg_read_all_data the read-only role makes the twin" test $? = 0
# a pg_dump of an older major: what it answers to --version is all the
# command asks before it refuses
printf '#!/bin/sh\n[ "$1" = --version ] && echo "pg_dump (PostgreSQL) 14.13" && exit 0\nexit 1\n' >"$tmp/pg_dump14"
chmod +x "$tmp/pg_dump14"
psql -X -q -c "DROP DATABASE twin_denied" -c "CREATE DATABASE twin_denied" >/dev/null
"$BIN/pg_conventions_twin" --pg-dump="$tmp/pg_dump14" "$PRODUCTION_URL" "dbname=twin_denied" >"$tmp/old.out" 2>&1
rc=$?
sed 's/^/  | /' "$tmp/old.out"
check "a pg_dump older than production: exit 1, and what to install" \
  bash -c "[ $rc = 1 ] && grep -q 'is pg_dump 14, older than the source.s PostgreSQL 15: install postgresql-client-15 or later, or pass --pg-dump' '$tmp/old.out'"
psql -X -q -c "DROP DATABASE twin_denied" -c "DROP ROLE twin_reader" >/dev/null

psql -X -q -c "DROP DATABASE recipe_ci" -c "DROP DATABASE twin" -c "DROP DATABASE recipe_production" >/dev/null
echo "# pass $pass"
echo "# fail $fail"
[ "$fail" = 0 ]
