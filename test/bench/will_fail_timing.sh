#!/usr/bin/env bash
# Benchmark (not a timed test): on a 1,000,000-row table, how long the
# will_fail rule takes to reject a statement that will fail, under enforce,
# against how long PostgreSQL takes to fail it on its own (mode = off).
#
# Runs inside a server environment with the library preloaded, e.g.
#   pg_virtualenv -o shared_preload_libraries=pg_conventions bash test/bench/will_fail_timing.sh
# Each statement runs ROUNDS times (default 3) in each mode, each time in a
# new psql with \timing; the median is printed, in a Markdown table.  Only
# will_fail is on (the rules about a large table would reject these
# statements first, whatever their rows), with lock_timeout set, and
# synchronize_seqscans off: a scan would otherwise start where the last one
# (the unique index's) stopped, at the end of the heap, where the failing
# rows are.
#
# The rows that make each statement fail are where a migration meets them:
#   - a unique index over a value that 2 % of the rows share, all over the
#     table (PostgreSQL sorts every row before it finds the duplicate);
#   - NULLs, negative amounts and a code that is no number in the newest 1 %
#     of the rows, the end of the heap (a backfill that missed recent rows):
#     PostgreSQL reads, or rewrites, the other 99 % first.
set -euo pipefail
ROUNDS=${ROUNDS:-3}
DB=${DB:-bench_will_fail}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

PGOPTIONS="-c client_min_messages=warning" psql_q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_q -d "$DB" -c "CREATE EXTENSION pg_conventions" -c "SET pg_conventions.mode = off" -c "
CREATE TABLE accounts (id bigint PRIMARY KEY, email text, late_email text, amount int, code text);
INSERT INTO accounts
SELECT g, CASE WHEN g % 50 = 0 THEN 'shared@example.com' ELSE 'u' || g || '@example.com' END,
       CASE WHEN g > 990000 THEN NULL ELSE 'u' || g || '@example.com' END,
       CASE WHEN g > 990000 THEN -1 ELSE g % 1000 END,
       CASE WHEN g > 990000 THEN 'n/a' ELSE g::text END
  FROM generate_series(1, 1000000) g;
ALTER TABLE accounts ADD CONSTRAINT accounts_amount_check CHECK (amount >= 0) NOT VALID;"
sleep 1	# the load's counts reach the statistics before ANALYZE
psql_q -d "$DB" -c "VACUUM ANALYZE accounts"
size=$(psql_q -d "$DB" -At -c "SELECT pg_size_pretty(pg_relation_size('accounts'))")

others=$(psql_q -d "$DB" -At -c "SELECT string_agg(rule, ', ') FROM conventions.rules() WHERE rule <> 'will_fail'")
# the statement's time (ms) and its first ERROR, in a mode
run() {	# run MODE STATEMENT
  local out
  out=$(PGOPTIONS="-c pg_conventions.mode=$1 -c lock_timeout=5s -c synchronize_seqscans=off" psql -X -d "$DB" 2>&1 <<EOF
SET pg_conventions.disabled_rules = '$others';
\timing on
$2
EOF
) || true
  printf '%s\n' "$(printf '%s\n' "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)"
  printf '%s\n' "$out" | grep -m1 -E '^(psql:[^ ]* )?ERROR:' | sed 's/^psql:[^ ]* //' || true
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

statements=(
  "CREATE UNIQUE INDEX CONCURRENTLY idx_accounts_email ON accounts (email);|2 % of the rows share a value, all over the table"
  "ALTER TABLE accounts ALTER COLUMN late_email SET NOT NULL;|NULL in the newest 1 %"
  "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_amount_check;|negative in the newest 1 %"
  "ALTER TABLE accounts ALTER COLUMN code TYPE integer USING code::integer;|'n/a' in the newest 1 %"
)
echo "On a table of 1,000,000 rows ($size), PostgreSQL $(psql_q -d "$DB" -At -c 'SHOW server_version'), median of $ROUNDS:"
echo
echo "| statement | the rows that fail it | rejected under enforce | PostgreSQL fails after | will_fail's evidence |"
echo "|---|---|---:|---:|---|"
for entry in "${statements[@]}"; do
  stmt=${entry%%|*} where=${entry#*|}
  enforce=() off=() evidence=
  for _ in $(seq "$ROUNDS"); do
    mapfile -t r < <(run enforce "$stmt")
    enforce+=("${r[0]}")
    case "${r[1]:-}" in *"will fail"*) ;; *) echo "not rejected by will_fail: $stmt: ${r[1]:-no error}" >&2; exit 1 ;; esac
    mapfile -t r < <(run off "$stmt")
    off+=("${r[0]}")
    [ -n "${r[1]:-}" ] || { echo "PostgreSQL did not fail: $stmt" >&2; exit 1; }
    # CONCURRENTLY leaves it INVALID
    PGOPTIONS="-c pg_conventions.mode=off -c client_min_messages=warning" \
      psql_q -d "$DB" -c "DROP INDEX IF EXISTS idx_accounts_email"
  done
  evidence=$(PGOPTIONS="-c pg_conventions.mode=enforce -c lock_timeout=5s" psql -X -d "$DB" 2>&1 <<EOF | sed -n 's/^DETAIL:  Rule will_fail: \(.*\)/\1/p' | head -1
SET pg_conventions.disabled_rules = '$others';
$stmt
EOF
)
  printf '| `%s` | %s | %s ms | %s ms | %s |\n' "$stmt" "$where" \
    "$(printf '%s\n' "${enforce[@]}" | median)" "$(printf '%s\n' "${off[@]}" | median)" \
    "${evidence//|/\\|}"
done
psql_q -d postgres -c "DROP DATABASE $DB"
