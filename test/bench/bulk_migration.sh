#!/usr/bin/env bash
# Benchmark: a bulk migration of N conforming tables with foreign keys and
# their indexes, run against the guard (enforce, or MODE) and against no
# extension at all, in one cluster and one run, and the ratio of the two.
#
# Runs inside a server environment (PGHOST/PGPORT/PGUSER set, as under
# pg_virtualenv); scripts/bench.sh sets one up.  Two databases: bench_guard
# loads the library per database through session_preload_libraries with
# pg_conventions.mode = enforce; bench_plain never loads it.  Rounds alternate
# between them so drift in the machine's speed hits both alike.
#
# What is compared is the CPU time the server backend spends on the
# migration (user + system, from /proc/<backend pid>/stat, read before the
# first statement and after the COMMIT): the guard's work all happens there,
# and CPU time is far steadier than wall-clock time on a shared machine.
# Wall-clock medians are printed too.
#
#   N          tables per migration (default 1000)
#   ROUNDS     timed rounds per database (default 9)
#   DISABLED_RULES  pg_conventions.disabled_rules of the guarded database
#              (default empty: every rule on; migration_safety: the table
#              rules alone, to see what the migration-safety rules add)
#   MODE       pg_conventions.mode of the guarded database: enforce (default)
#              or warn (which keeps the before-state too, to say old debt once)
#   SHAPE      txn: the whole migration in one transaction (default)
#              per_table: BEGIN; CREATE TABLE; CREATE INDEX ...; COMMIT per table
set -euo pipefail
N=${N:-1000}
ROUNDS=${ROUNDS:-9}
SHAPE=${SHAPE:-txn}
MODE=${MODE:-enforce}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

for db in bench_plain bench_guard; do
  psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
psql_q -d postgres \
  -c "ALTER DATABASE bench_guard SET session_preload_libraries = 'pg_conventions'" \
  -c "ALTER DATABASE bench_guard SET pg_conventions.mode = $MODE" \
  -c "ALTER DATABASE bench_guard SET pg_conventions.disabled_rules = '${DISABLED_RULES:-}'"

# The migration (test/bench/migration.sh): users, then N tables in the seed's style.
. "$(dirname "$0")/migration.sh"
write_migration "$N" "$SHAPE" > "$work/migration.sql"

run_once() {  # prints "cpu_ms wall_ms"
  local db=$1 start end
  {
    echo "SELECT pg_backend_pid() AS pid \\gset"
    echo "\\setenv BENCH_BACKEND_PID :pid"
    echo "\\! awk '{print \$14 + \$15}' /proc/\$BENCH_BACKEND_PID/stat > $work/cpu_before"
    cat "$work/migration.sql"
    echo "\\! awk '{print \$14 + \$15}' /proc/\$BENCH_BACKEND_PID/stat > $work/cpu_after"
  } > "$work/timed.sql"
  start=$(date +%s%N)
  psql_q -d "$db" -f "$work/timed.sql" >/dev/null
  end=$(date +%s%N)
  psql_q -d "$db" -c "DROP SCHEMA app CASCADE" 2>/dev/null >/dev/null
  psql_q -d "$db" -c "VACUUM pg_class, pg_attribute, pg_index, pg_constraint, pg_depend, pg_type" >/dev/null
  echo "$(( ( $(cat "$work/cpu_after") - $(cat "$work/cpu_before") ) * 1000 / $(getconf CLK_TCK) )) $(( (end - start) / 1000000 ))"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
minimum() { sort -n | head -1; }

# the guard must really be there, in its mode
psql_q -d bench_guard -At -c "SHOW pg_conventions.mode" | grep -qx "$MODE"
if [ "$MODE" = enforce ]; then
  if psql -X -q -d bench_guard -c "CREATE TABLE nopk (a int)" 2>/dev/null; then
    echo "the guard did not reject a table without a primary key" >&2; exit 1
  fi
else
  said=$(psql -X -q -d bench_guard -c "CREATE TABLE nopk (a int)" 2>&1)
  grep -q 'WARNING:  table "public.nopk" has no primary key' <<<"$said" ||
    { echo "the guard did not warn about a table without a primary key" >&2; exit 1; }
  psql_q -d bench_guard -c "SET pg_conventions.mode = off" -c "DROP TABLE nopk"
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
pc=$(cut -d' ' -f1 "$work/plain" | median); gc=$(cut -d' ' -f1 "$work/guard" | median)
pm=$(cut -d' ' -f1 "$work/plain" | minimum); gm=$(cut -d' ' -f1 "$work/guard" | minimum)
pw=$(cut -d' ' -f2 "$work/plain" | median); gw=$(cut -d' ' -f2 "$work/guard" | median)
echo "bulk migration ($SHAPE), $N tables, $((2 * N + 1)) foreign keys, $((2 * N)) indexes; $ROUNDS rounds each"
echo "  backend CPU ms, no extension:   $(cut -d' ' -f1 "$work/plain" | paste -sd' ')"
echo "  backend CPU ms, guard $MODE:  $(cut -d' ' -f1 "$work/guard" | paste -sd' ')"
awk -v g="$gc" -v p="$pc" 'BEGIN { printf "  backend CPU, median:          %d vs %d ms, ratio %.3f   (target <= 1.05)\n", p, g, g / p }'
awk -v g="$gm" -v p="$pm" 'BEGIN { printf "  backend CPU, least disturbed: %d vs %d ms, ratio %.3f\n", p, g, g / p }'
awk -v g="$gw" -v p="$pw" 'BEGIN { printf "  wall clock, median:           %d vs %d ms, ratio %.3f\n", p, g, g / p }'
