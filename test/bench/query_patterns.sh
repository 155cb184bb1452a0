#!/usr/bin/env bash
# Benchmark: the overhead of the workload capture and the query-pattern
# detector on a read-heavy OLTP load, next to pg_stat_statements' own.
#
# Runs inside a server environment made by pg_virtualenv (scripts/bench.sh
# sets one up).  One cluster, restarted between runs with a different
# shared_preload_libraries; pgbench's select-only script (the statement
# rate at its highest, the capture's worst case) over the simple protocol,
# as ORMs send statements, with each constant inlined (every text distinct).
# Rounds rotate through the configurations, so drift in the machine's speed
# hits all of them alike.  Two measures, each as the median over the rounds
# and its ratio to the server without any library:
#   tps        pgbench's transactions per second
#   cpu/tx     the CPU time the server's processes spent per transaction
#              (the postmaster's cutime+cstime: its backends, once they have
#              exited), far steadier than tps on a shared machine; its ratio
#              is the throughput the same CPU would give
#
#   none               no library
#   pgss               pg_stat_statements
#   conventions        pg_conventions, capture_sample_rate at its default (0.01)
#   conventions_full   pg_conventions, capture_sample_rate = 1: every statement
#                      captured and fed to the detector
#   conventions_full_qid the same with compute_query_id = on (as with
#                      pg_stat_statements): shapes are query IDs, texts are
#                      normalized once per shape, not once per statement
#
#   ROUNDS   rounds (default 7)       SECS     seconds per run (default 10)
#   CLIENTS  pgbench clients (default 2)  SCALE  pgbench scale (default 5)
#   PROTOCOL simple or prepared (default simple)
#   CONFIGS  the configurations to compare (default all of the above)
set -euo pipefail
ROUNDS=${ROUNDS:-7}
SECS=${SECS:-10}
CLIENTS=${CLIENTS:-2}
SCALE=${SCALE:-5}
PROTOCOL=${PROTOCOL:-simple}
MAJOR=${PGVERSION:-15}
read -r -a configs <<<"${CONFIGS:-none pgss conventions conventions_full conventions_full_qid}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start_with() {
  local libs="" rate=0.01 qid=auto
  case $1 in
    none) libs="" ;;
    pgss) libs=pg_stat_statements ;;
    conventions) libs=pg_conventions ;;
    conventions_full) libs=pg_conventions rate=1 ;;
    conventions_full_qid) libs=pg_conventions rate=1 qid=on ;;
  esac
  pg_ctlcluster "$MAJOR" regress restart -m fast -- \
    -o "-c shared_preload_libraries='$libs' -c pg_conventions.capture_sample_rate=$rate -c compute_query_id=$qid"
  # the server answers
  for _ in $(seq 1 50); do psql -X -q -c 'SELECT 1' >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "the server did not come back with $1" >&2
  exit 1
}

# CPU ticks of the server's exited processes (its backends, once reaped)
server_cpu() {
  local pm
  pm=$(head -1 "$(psql -X -At -c 'SHOW data_directory')/postmaster.pid")
  awk '{ print $16 + $17 }' "/proc/$pm/stat"
}

psql -X -q -c "DROP DATABASE IF EXISTS bench_qp" -c "CREATE DATABASE bench_qp"
pgbench -q -i -s "$SCALE" bench_qp >/dev/null 2>&1

for r in $(seq 1 "$ROUNDS"); do
  # rotate the order: each configuration runs first in some round
  n=${#configs[@]}
  for k in $(seq 0 $((n - 1))); do
    cfg=${configs[$(((k + r) % n))]}
    start_with "$cfg"
    psql -X -q -d bench_qp -c "SELECT count(*) FROM pgbench_accounts" >/dev/null  # warm the cache
    before=$(server_cpu)
    pgbench -n -S -M "$PROTOCOL" -T "$SECS" -c "$CLIENTS" -j "$CLIENTS" bench_qp >"$work/out" 2>/dev/null
    sleep 0.5  # the backends exit and are reaped
    after=$(server_cpu)
    tps=$(awk '/^tps = / { print $3 }' "$work/out")
    tx=$(awk '/^number of transactions actually processed/ { print $NF }' "$work/out")
    cpu=$(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $tx" | bc -l)
    echo "$cfg $tps $cpu" >>"$work/tps"
    printf 'round %d: %-18s %8.0f tps %6.1f us cpu/tx\n' "$r" "$cfg" "$tps" "$cpu"
  done
done
# what the capture saw in the full run, to show it did work
start_with conventions_full
psql -X -q -d bench_qp -c "CREATE EXTENSION IF NOT EXISTS pg_conventions" >/dev/null
pgbench -n -S -M "$PROTOCOL" -T 2 -c "$CLIENTS" -j "$CLIENTS" bench_qp >/dev/null 2>&1
psql -X -q -d bench_qp -At -c "SELECT 'captured statements: ' || count(*) || ', executions: ' || sum(calls) FROM conventions.workload()"
start_with none

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
base=$(awk '$1 == "none" { print $2 }' "$work/tps" | median)
base_cpu=$(awk '$1 == "none" { print $3 }' "$work/tps" | median)
echo
echo "pgbench -S -M $PROTOCOL, $CLIENTS clients, scale $SCALE, $ROUNDS rounds of ${SECS}s; medians, ratios to no library"
printf '| %-18s | %8s | %9s | %11s | %10s |\n' configuration tps "tps ratio" "cpu/tx (us)" "cpu ratio"
printf '|%s|%s|%s|%s|%s|\n' "--------------------" "----------" "-----------" "-------------" "------------"
for cfg in "${configs[@]}"; do
  m=$(awk -v c="$cfg" '$1 == c { print $2 }' "$work/tps" | median)
  c=$(awk -v c="$cfg" '$1 == c { print $3 }' "$work/tps" | median)
  printf '| %-18s | %8.0f | %9.3f | %11.1f | %10.3f |\n' "$cfg" "$m" "$(echo "$m / $base" | bc -l)" \
    "$c" "$(echo "$base_cpu / $c" | bc -l)"
done
