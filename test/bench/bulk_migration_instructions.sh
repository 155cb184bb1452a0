#!/usr/bin/env bash
# Benchmark: what the guard adds to a bulk migration, in CPU instructions
# counted by valgrind's callgrind, where the CPU-time benchmark
# (bulk_migration.sh) is too noisy on a shared machine to tell 1.03 from
# 1.06.  The migration of bulk_migration.sh (test/bench/migration.sh), in one
# transaction, runs through a stand-alone backend (postgres --single: parse,
# plan, execute, less the network) under callgrind, with N1 and with N2
# tables; the difference divided by N2 - N1 is the cost of one table (its
# CREATE TABLE with two foreign keys and its two indexes, and its share of
# the COMMIT), free of the start-up's.  Two configurations:
#
#   none      no library
#   guard     pg_conventions preloaded, mode = enforce, every rule on (the
#             migration-safety rules and will_fail included)
#
# Needs valgrind and the PostgreSQL server (PGVERSION, default 15); runs as
# root (the server runs as postgres) or as any user that may run initdb.
#   N1, N2   tables in the short and the long run (default 50, 250)
#   OLD_LIBDIR  a directory with another build's pg_conventions.so (another
#            commit's, scripts/bench.sh OLD=<commit>): measured too, as
#            guard_old, beside this one
set -euo pipefail
N1=${N1:-50}
N2=${N2:-250}
MAJOR=${PGVERSION:-15}
BIN=/usr/lib/postgresql/$MAJOR/bin
. "$(dirname "$0")/migration.sh"

. "$(dirname "$0")/standalone.sh"
# one object made under a postmaster, so that the stand-alone backend's
# OIDs start at FirstNormalObjectId (else its tables would look like
# catalogs, which the guard leaves alone)
standalone_setup <<<"CREATE TABLE oid_mark (id int);"

# one statement a line (a stand-alone backend ends a statement at a newline)
for n in "$N1" "$N2"; do
  write_migration "$n" txn | tr '\n' ' ' | sed 's/; */;\n/g' >"$work/m$n.sql"
  echo "DROP SCHEMA app CASCADE;" >>"$work/m$n.sql"
done
chmod a+r "$work"/*.sql

options_of() {
  case $1 in
    none) echo "" ;;
    guard) echo "-c shared_preload_libraries=pg_conventions -c pg_conventions.mode=enforce" ;;
    guard_old) echo "-c shared_preload_libraries=$OLD_LIBDIR/pg_conventions -c pg_conventions.mode=enforce" ;;
  esac
}

instructions() { standalone_instructions "$(options_of "$1")" "$2"; }

# the guard must be there: a table without a primary key is refused
echo "CREATE TABLE nopk (a int);" >"$work/nopk.sql"; chmod a+r "$work/nopk.sql"
# shellcheck disable=SC2046
"${as_owner[@]}" "$BIN/postgres" --single -D "$work/data" $(options_of guard) postgres \
  <"$work/nopk.sql" >"$work/nopk.log" 2>&1 || true
grep -q 'has no primary key' "$work/nopk.log" || { echo "the guard did not refuse a table without a primary key" >&2; cat "$work/nopk.log" >&2; exit 1; }

configs=(none guard)
[ -n "${OLD_LIBDIR:-}" ] && configs+=(guard_old)
declare -A per
for cfg in "${configs[@]}"; do
  short=$(instructions "$cfg" "$work/m$N1.sql")
  long=$(instructions "$cfg" "$work/m$N2.sql")
  per[$cfg]=$(((long - short) / (N2 - N1)))
  printf '%-6s %14d instructions for %d tables, %14d for %d: %d a table\n' \
    "$cfg" "$short" "$N1" "$long" "$N2" "${per[$cfg]}"
done
echo
echo "bulk migration in one transaction, instructions a table (callgrind, postgres --single)"
echo "| configuration | instructions a table | ratio to none |"
echo "|---|---|---|"
for cfg in "${configs[@]}"; do
  printf '| %s | %d | %.3f |\n' "$cfg" "${per[$cfg]}" "$(echo "${per[$cfg]} / ${per[none]}" | bc -l)"
done
