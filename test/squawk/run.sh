#!/usr/bin/env bash
# The migration corpus (test/squawk/corpus/*.sql), judged side by side by
# squawk (squawk-cli from npm, package-lock.json) and by pg_conventions.
# Each migration says what it is (-- expected: hazard | safe, -- case: why).
#
# pg_conventions judges each one against a real server: the database is
# reset to schema.sql, then the migration runs with psql under enforce
# (the migration-safety rules only, large_table_size = 1MB, at which the
# 100,000-row events table is large); a hazard is a statement rejected with
# one of the rules' errors, safe is a migration that runs to its end.
# squawk reads the file (--pg-version 15); a hazard is any warning of its
# migration-safety rules (its style rules, listed below, are left out).
#
# Runs inside a server environment (the libpq variables of a superuser, a
# server with shared_preload_libraries=pg_conventions), e.g.
#   pg_virtualenv -o shared_preload_libraries=pg_conventions bash test/squawk/run.sh
# Prints the table and both scores (Markdown, also in output/squawk.md);
# fails when pg_conventions' verdict on any migration is not the expected one.
set -euo pipefail
cd "$(dirname "$0")"
# npm install, not npm ci: the lock names only this platform's binary package of
# squawk-cli (an optional dependency), which npm ci then reports as missing
npm install --no-audit --no-fund --loglevel=error >/dev/null
squawk=node_modules/.bin/squawk
# squawk's rules about style, not about what a migration does to a running
# database: left out, as the guard's table rules are
style=ban-char-field,prefer-bigint-over-int,prefer-bigint-over-smallint,prefer-identity,prefer-robust-stmts,prefer-text-field,prefer-timestamptz

table_rules=snake_case_names,require_primary_key,primary_key_type,require_timestamps,timestamptz_only,soft_delete_column,foreign_key_type,foreign_key_index,index_naming,redundant_index,low_cardinality_index
guard_opts="-c search_path=app -c pg_conventions.mode=enforce -c pg_conventions.large_table_size=1MB -c pg_conventions.disabled_rules=$table_rules"

out=../../output/squawk.md
mkdir -p ../../output
total=0 guard_right=0 squawk_right=0 status=0
rows=
for f in corpus/*.sql; do
  name=$(basename "$f" .sql)
  expected=$(sed -n 's/^-- expected: //p' "$f")
  case_text=$(sed -n 's/^-- case: //p' "$f")
  PGOPTIONS="-c pg_conventions.mode=off -c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -f schema.sql >/dev/null
  if log=$(PGOPTIONS="$guard_opts" psql -X -q -v ON_ERROR_STOP=1 -f "$f" 2>&1); then
    guard=safe guard_why=
  elif rule=$(printf '%s\n' "$log" | sed -n 's/^DETAIL:  Rule \([a-z_]*\):.*/\1/p' | head -1) && [ -n "$rule" ]; then
    guard=hazard guard_why=$rule
  else
    guard=error guard_why=$(printf '%s\n' "$log" | grep -m1 ERROR || true)
  fi
  # squawk exits 1 when it warns, 0 when it does not; anything else is its failure
  sq_rc=0
  sq_out=$("$squawk" --pg-version=15 --reporter=gcc --exclude="$style" "$f" 2>&1) || sq_rc=$?
  if [ "$sq_rc" -gt 1 ]; then
    echo "squawk failed on $name (exit $sq_rc): $sq_out" >&2
    exit 2
  fi
  sq_rules=$(printf '%s\n' "$sq_out" |
             sed -n 's/^[^:]*:[0-9]*:[0-9]*: [a-z]*: \([a-z-]*\) .*/\1/p' | sort -u | paste -sd, - || true)
  if [ -n "$sq_rules" ]; then squawk_verdict=hazard; else squawk_verdict=safe; fi
  total=$((total + 1))
  [ "$guard" = "$expected" ] && guard_right=$((guard_right + 1))
  [ "$squawk_verdict" = "$expected" ] && squawk_right=$((squawk_right + 1))
  if [ "$guard" != "$expected" ]; then
    status=1
    echo "pg_conventions judged $name $guard, expected $expected:" >&2
    printf '%s\n' "$log" >&2
  fi
  mark_g=$([ "$guard" = "$expected" ] && echo "$guard" || echo "**$guard**")
  mark_s=$([ "$squawk_verdict" = "$expected" ] && echo "$squawk_verdict" || echo "**$squawk_verdict**")
  rows+="| $name | $expected | $mark_g ${guard_why:+($guard_why)} | $mark_s ${sq_rules:+($sq_rules)} | $case_text |"$'\n'
done
{
  echo "| migration | expected | pg_conventions | squawk $($squawk --version | awk '{print $2}') | why |"
  echo "|---|---|---|---|---|"
  printf '%s' "$rows"
  echo
  echo "pg_conventions: $guard_right of $total right; squawk: $squawk_right of $total right."
} | tee "$out"
exit $status
