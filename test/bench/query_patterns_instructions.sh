#!/usr/bin/env bash
# Benchmark: the capture's and the detector's cost per statement in CPU
# instructions, counted by valgrind's callgrind, next to pg_stat_statements'.
#
# pgbench's throughput on a shared 2-core machine moves by a few percent from
# run to run; an instruction count does not (the same binary, input and
# settings give the same total whatever else the machine does).  This runs
# pgbench's select-only statement, each constant inlined (every text
# distinct, as an ORM sends it), through a stand-alone backend (postgres
# --single: parse, plan, execute, as over the simple protocol, less the
# network) under callgrind, once with N1 and once with N2 statements; the
# difference divided by N2 - N1 is the cost of one statement, free of the
# start-up's.  Configurations as in query_patterns.sh:
#
#   none                 no library
#   pgss                 pg_stat_statements
#   conventions          pg_conventions, capture_sample_rate at its default
#   conventions_full     pg_conventions, capture_sample_rate = 1
#   conventions_full_qid the same with compute_query_id = on
#
# Needs valgrind and the PostgreSQL 15 server; runs as root (the server
# runs as postgres) or as any user that may run initdb.
#   N1, N2   statements in the short and the long run (default 1000, 5000)
set -euo pipefail
N1=${N1:-1000}
N2=${N2:-5000}
MAJOR=${PGVERSION:-15}
BIN=/usr/lib/postgresql/$MAJOR/bin
configs=(none pgss conventions conventions_full conventions_full_qid)

. "$(dirname "$0")/standalone.sh"
# the table is made under a postmaster (standalone.sh)
standalone_setup <<'EOF'
CREATE TABLE pgbench_accounts (aid integer PRIMARY KEY, bid integer, abalance integer, filler character(84));
INSERT INTO pgbench_accounts SELECT g, 1, 0, '' FROM generate_series(1, 500000) g;
VACUUM ANALYZE pgbench_accounts;
EOF

# the statements: one a line (a stand-alone backend ends a statement at a newline)
awk -v n="$N2" 'BEGIN { srand(1); for (i = 0; i < n; i++)
  printf "SELECT abalance FROM pgbench_accounts WHERE aid = %d;\n", 1 + int(rand() * 500000) }' \
  >"$work/long.sql"
head -n "$N1" "$work/long.sql" >"$work/short.sql"
chmod a+r "$work"/*.sql

options_of() {
  case $1 in
    none) echo "" ;;
    pgss) echo "-c shared_preload_libraries=pg_stat_statements" ;;
    conventions) echo "-c shared_preload_libraries=pg_conventions" ;;
    conventions_full) echo "-c shared_preload_libraries=pg_conventions -c pg_conventions.capture_sample_rate=1" ;;
    conventions_full_qid) echo "-c shared_preload_libraries=pg_conventions -c pg_conventions.capture_sample_rate=1 -c compute_query_id=on" ;;
  esac
}

# instructions of a stand-alone backend running one file of statements
instructions() { standalone_instructions "$(options_of "$1")" "$2"; }

declare -A per
for cfg in "${configs[@]}"; do
  short=$(instructions "$cfg" "$work/short.sql")
  long=$(instructions "$cfg" "$work/long.sql")
  per[$cfg]=$(((long - short) / (N2 - N1)))
  printf '%-22s %12d instructions for %d statements, %12d for %d: %d a statement\n' \
    "$cfg" "$short" "$N1" "$long" "$N2" "${per[$cfg]}"
done

echo
echo "instructions a statement (callgrind, postgres --single, pgbench -S's statement with inlined constants)"
printf '| %-22s | %12s | %12s | %14s |\n' configuration "instructions" "added" "ratio to none"
printf '|%s|%s|%s|%s|\n' "------------------------" "--------------" "--------------" "----------------"
for cfg in "${configs[@]}"; do
  printf '| %-22s | %12d | %12d | %14.3f |\n' "$cfg" "${per[$cfg]}" "$((per[$cfg] - per[none]))" \
    "$(echo "${per[none]} / ${per[$cfg]}" | bc -l)"
done
