#!/usr/bin/env bash
# pg_conventions_ci as a CI job runs it: around a migration command, against
# a real server with the library preloaded; its exit status, its JUnit XML
# (validated by libxml2's parser against test/ci/junit.xsd, and read back
# with XPath) and its Markdown summary.
# Runs inside a server environment (the libpq variables of a superuser), e.g.
#   pg_virtualenv -o shared_preload_libraries=pg_conventions bash test/ci/run.sh
# CI_BIN: the installed command (default: the one of pg_config --bindir).
set -uo pipefail
cd "$(dirname "$0")"
CI_BIN=${CI_BIN:-$(pg_config --bindir)/pg_conventions_ci}
XSD=$PWD/junit.xsd
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 pass=0 fail=0
check() {	# check DESCRIPTION COMMAND...
  local what=$1; shift
  n=$((n + 1))
  if "$@"; then pass=$((pass + 1)); echo "ok $n - $what"
  else fail=$((fail + 1)); echo "not ok $n - $what"; fi
}
ci() {	# ci ARGS...: runs the command, keeps its status and output
  "$CI_BIN" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}
xpath() { xmllint --xpath "$1" "$2" 2>/dev/null; }
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

check "the command is installed" test -x "$CI_BIN"
psql -X -q -c 'DROP DATABASE IF EXISTS ci_app' -c 'DROP DATABASE IF EXISTS ci_bare' \
  -c 'CREATE DATABASE ci_app' -c 'CREATE DATABASE ci_bare' >/dev/null
export PGDATABASE=ci_app
sql "CREATE EXTENSION pg_conventions; SELECT conventions.findings_reset();" >/dev/null

# A drifting migration, from a client that hears no WARNING (as Sequelize).
ci --junit "$tmp/r.xml" --markdown "$tmp/r.md" -- psql -X -q -c "SET client_min_messages = error" -c "
  CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
    \"Title & <Body>\" text,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());"
check "a drifting migration: exit status 1" test "$rc" = 1
check "the summary line counts the findings" grep -q '^pg_conventions_ci: 2 finding(s) in the migrations, 2 new violation(s) in the schema, 0 rejected; JUnit: .*r.xml; Markdown: .*r.md$' "$tmp/err"
check "the JUnit report is valid XML of the JUnit schema" xmllint --noout --schema "$XSD" "$tmp/r.xml"
check "two failures in the migrations suite" test "$(xpath 'count(//testsuite[@name="pg_conventions.migrations"]/testcase/failure)' "$tmp/r.xml")" = 2
check "the totals add up" test "$(xpath 'string(/testsuites/@failures)' "$tmp/r.xml")" = 4
check "a failure carries the message, DETAIL, HINT and statement" \
  bash -c "xmllint --xpath 'string(//testsuite[@name=\"pg_conventions.migrations\"]/testcase[@classname=\"pg_conventions.migrations.foreign_key_index\"]/failure)' '$tmp/r.xml' |
    grep -q '^HINT:  CREATE INDEX idx_posts_user_id ON public.posts (user_id);' &&
    xmllint --xpath 'string(//testcase[@classname=\"pg_conventions.migrations.foreign_key_index\"]/failure/@message)' '$tmp/r.xml' |
    grep -qx 'foreign key \"posts_user_id_fkey\" on table \"public.posts\" has no covering index'"
check "markup in a name is escaped, and read back as written" \
  bash -c "xmllint --xpath 'string(//testcase[@classname=\"pg_conventions.migrations.snake_case_names\"]/@name)' '$tmp/r.xml' | grep -qF 'column \"Title & <Body>\"'"
check "the Markdown summary has the table and the fix" \
  bash -c "grep -qF '| :warning: warning | migrations | \`foreign_key_index\` |' '$tmp/r.md' && grep -qF 'CREATE INDEX CONCURRENTLY idx_posts_user_id ON public.posts (user_id);' '$tmp/r.md' && grep -qx '2 findings in the migrations, 2 new violations in the schema.' '$tmp/r.md'"

# Fixed, then a conforming migration: nothing found.
sql "SELECT fix_sql FROM conventions.violations()" | psql -X -q >/dev/null
ci --junit "$tmp/ok.xml" --markdown - -- psql -X -q -c "
  CREATE TABLE tags (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());"
check "a conforming migration after the fixes: exit status 0" test "$rc" = 0
check "its report: valid, no failures, the passing rules listed" \
  bash -c "xmllint --noout --schema '$XSD' '$tmp/ok.xml' && test \"\$(xmllint --xpath 'string(/testsuites/@failures)' '$tmp/ok.xml')\" = 0 && test \"\$(xmllint --xpath 'count(//testcase)' '$tmp/ok.xml')\" -gt 5"
check "--markdown - prints the summary" grep -qx 'No new findings.' "$tmp/out"

# The command's own failure is the exit status; the report is still written.
ci --junit "$tmp/failed.xml" -- bash -c 'exit 3'
check "a failing command: its exit status" test "$rc" = 3
check "and the report is written" xmllint --noout --schema "$XSD" "$tmp/failed.xml"

# --fail-on: a warning fails by default, not with error; enforce's ERROR does.
ci --fail-on=error -- psql -X -q -c "SET client_min_messages = error" -c "CREATE TABLE nopk (a int)"
check "--fail-on=error: warnings pass" test "$rc" = 0
ci --fail-on=error -- psql -X -q -c "SET pg_conventions.mode = enforce" -c "CREATE TABLE nopk2 (a int)"
check "--fail-on=error: a rejected statement fails" test "$rc" = 1
check "and is counted as rejected" grep -q ', 3 rejected' "$tmp/err"
ci --fail-on=never --since "$(sql 'SELECT now() - interval '"'1 hour'"'')"
check "--fail-on=never: status 0 whatever was found" test "$rc" = 0
ci --since "$(sql 'SELECT now() - interval '"'1 hour'"'')" --quiet
check "--since without a command: what the log holds since then" test "$rc" = 1
check "--quiet: no summary" test ! -s "$tmp/err"

# What stops the report: said at once, status 2, before the command runs.
ci -d ci_bare -- touch "$tmp/ran"
check "a database without the extension: status 2" test "$rc" = 2
check "with the server's reason" grep -q 'cannot read the findings log: .*conventions' "$tmp/err"
check "and the command did not run" test ! -e "$tmp/ran"
ci -d "host=127.0.0.1 port=1 connect_timeout=3" -- true
check "an unreachable server: status 2 and why" bash -c "test $rc = 2 && grep -q 'cannot read the findings log: .*connect' '$tmp/err'"
ci --fail-on=sometimes
check "a bad option value: status 2" bash -c "test $rc = 2 && grep -q 'fail-on must be warning, error or never' '$tmp/err'"
ci --bogus
check "an unknown option: status 2" test "$rc" = 2
ci --help
check "--help: status 0 and the usage" bash -c "test $rc = 0 && grep -q '^Usage:' '$tmp/out'"

psql -X -q -d postgres -c 'DROP DATABASE ci_app' -c 'DROP DATABASE ci_bare' >/dev/null
echo "1..$n"
echo "# pass $pass"
echo "# fail $fail"
[ "$fail" = 0 ]
