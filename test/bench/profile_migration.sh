#!/usr/bin/env bash
# Where the guard's time goes: samples the server backend with perf
# (software clock; hardware counters are not needed) while it runs the
# bulk migration of bulk_migration.sh under enforce (SHAPE=txn: in one
# transaction, the default; SHAPE=per_table: a transaction per table, so
# that every foreign key references an existing table), and prints the
# share of the samples inside pg_conventions' functions (including what
# they call) against the whole backend.
# Runs inside a server environment with the library preloaded, as
# scripts/bench.sh arranges.  Needs perf (Debian package linux-perf).
set -euo pipefail
N=${N:-1000}
SHAPE=${SHAPE:-txn}
work=$(mktemp -d)
[ -n "${KEEP_PERF:-}" ] && echo "perf data in $work" || trap 'rm -rf "$work"' EXIT
# the migration of bulk_migration.sh (test/bench/migration.sh), under enforce
. "$(dirname "$0")/migration.sh"
{ echo "SET pg_conventions.mode = enforce;"; write_migration "$N" "$SHAPE"; } > "$work/migration.sql"
{
  echo "SELECT pg_backend_pid() AS pid \\gset"
  echo "\\setenv BENCH_BACKEND_PID :pid"
  echo "\\! (perf record -q -e cpu-clock -g -p \$BENCH_BACKEND_PID -o $work/perf.data >/dev/null 2>&1 & echo \$! > $work/perf.pid; sleep 1)"
  cat "$work/migration.sql"
  echo "\\! kill -INT \$(cat $work/perf.pid); sleep 2"
  echo "SET pg_conventions.mode = off;"
  echo "SET client_min_messages = warning;"
  echo "DROP SCHEMA app CASCADE;"
} > "$work/profile.sql"
psql -X -q -v ON_ERROR_STOP=1 -f "$work/profile.sql" >/dev/null
total=$(perf report -i "$work/perf.data" --stdio --no-children -g none --sort dso 2>/dev/null |
        sed -n 's/^# Samples: \([0-9.]*K*\).*/\1/p')
echo "profile of the bulk migration ($N tables, shape $SHAPE, enforce): $total samples of the backend"
perf report -i "$work/perf.data" --stdio --children -g none --sort sym 2>/dev/null |
  awk '/\[\.\] (conv_ProcessUtility|conv_object_access|conv_run_deferred_checks|conventions_guard_event_trigger|conv_check_statement_safety|conv_check_dml_safety|conv_remember_before)$/ {print "  " $1 " with children, " $2 " self: " $NF}'
echo "  (conv_ProcessUtility includes all of PostgreSQL's DDL work below it; the guard's own"
echo "   work is conv_check_statement_safety and conv_remember_before before each statement,"
echo "   conv_object_access during it, conv_run_deferred_checks at COMMIT)"
