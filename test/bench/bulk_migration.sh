#!/usr/bin/env bash
# Benchmark: a bulk migration of N conforming tables with foreign keys and
# their indexes, run against the guard in enforce mode and against no
# extension at all, in one cluster and one run, and the ratio of the two.
#
# Runs inside a server environment (PGHOST/PGPORT/PGUSER set, as under
# pg_virtualenv); scripts/bench.sh sets one up.  Two databases: bench_guard
# loads the library per database through session_preload_libraries with
# pg_conventions.mode = enforce; bench_plain never loads it.  Rounds alternate
# between them so drift in the machine's speed hits both alike.
#
#   N          tables per migration (default 1000)
#   ROUNDS     timed rounds per database (default 7)
#   SHAPE      txn: the whole migration in one transaction (default)
#              per_table: BEGIN; CREATE TABLE; CREATE INDEX ...; COMMIT per table
set -euo pipefail
N=${N:-1000}
ROUNDS=${ROUNDS:-7}
SHAPE=${SHAPE:-txn}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

for db in bench_plain bench_guard; do
  psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
psql_q -d postgres \
  -c "ALTER DATABASE bench_guard SET session_preload_libraries = 'pg_conventions'" \
  -c "ALTER DATABASE bench_guard SET pg_conventions.mode = enforce"

# The migration: users, then N tables each referencing users and the table
# before it, each foreign key with its index, in the seed's style.
{
  [ "$SHAPE" = txn ] && echo "BEGIN;"
  echo "CREATE SCHEMA app;"
  echo "CREATE TABLE app.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE,"
  echo "  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());"
  prev=users
  for i in $(seq 1 "$N"); do
    t=t$i
    [ "$SHAPE" = per_table ] && echo "BEGIN;"
    echo "CREATE TABLE app.$t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
    echo "  user_id uuid NOT NULL REFERENCES app.users ON DELETE CASCADE,"
    echo "  parent_id uuid REFERENCES app.$prev, title text NOT NULL, status text DEFAULT 'active',"
    echo "  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(), deleted_at timestamptz);"
    echo "CREATE INDEX idx_${t}_user_id ON app.$t (user_id);"
    echo "CREATE INDEX idx_${t}_parent_id ON app.$t (parent_id);"
    [ "$SHAPE" = per_table ] && echo "COMMIT;"
    prev=$t
  done
  [ "$SHAPE" = txn ] && echo "COMMIT;"
} > "$work/migration.sql"

run_once() {  # prints milliseconds
  local db=$1 start end
  start=$(date +%s%N)
  psql_q -d "$db" -f "$work/migration.sql" >/dev/null
  end=$(date +%s%N)
  psql_q -d "$db" -c "DROP SCHEMA app CASCADE" 2>/dev/null >/dev/null
  psql_q -d "$db" -c "VACUUM pg_class, pg_attribute, pg_index, pg_constraint, pg_depend, pg_type" >/dev/null
  echo $(( (end - start) / 1000000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# the guard must really be there and really enforcing
psql_q -d bench_guard -At -c "SHOW pg_conventions.mode" | grep -qx enforce
if psql -X -q -d bench_guard -c "CREATE TABLE nopk (a int)" 2>/dev/null; then
  echo "the guard did not reject a table without a primary key" >&2; exit 1
fi

# one warm-up round each, not counted
run_once bench_plain >/dev/null; run_once bench_guard >/dev/null
: > "$work/plain"; : > "$work/guard"
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then
    run_once bench_plain >> "$work/plain"; run_once bench_guard >> "$work/guard"
  else
    run_once bench_guard >> "$work/guard"; run_once bench_plain >> "$work/plain"
  fi
done
p=$(median < "$work/plain"); g=$(median < "$work/guard")
echo "bulk migration ($SHAPE), $N tables, $((2 * N + 1)) foreign keys, $((2 * N)) indexes; $ROUNDS rounds each, medians"
echo "  no extension:     ${p} ms   (rounds: $(paste -sd' ' "$work/plain"))"
echo "  guard, enforce:   ${g} ms   (rounds: $(paste -sd' ' "$work/guard"))"
awk -v g="$g" -v p="$p" 'BEGIN { printf "  ratio guard/none: %.3f   (target <= 1.05)\n", g / p }'
