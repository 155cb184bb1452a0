#!/usr/bin/env bash
# Benchmark: the overhead of the workload capture and the query-pattern
# detector on a read-heavy OLTP load, next to pg_stat_statements' own.
#
# One server per configuration, all started at the outset from one initdb'd
# template (warm, never restarted), and short pgbench runs against each in
# turn, round after round in a rotating order: a round takes under half a
# minute, so the shared machine's drift (10 to 20 % between minutes here)
# hits a round's configurations alike, and each round's ratio to the server
# without any library is a fair one; the ratios' median over the rounds is
# reported.  (Long runs, each with a restart, as this benchmark first did,
# let the drift decide the result; pgbench against all servers at once
# measured the scheduler.)  pgbench's select-only
# script, over the simple protocol as ORMs send statements, each constant
# inlined (every text distinct): the statement rate at its highest, the
# capture's worst case.  Two measures:
#   tps        pgbench's transactions per second
#   cpu/tx     the CPU time the server's processes spent per transaction (the
#              postmaster's cutime+cstime: its backends, once they have
#              exited); its ratio is the throughput the same CPU would give
#
#   none                 no library
#   pgss                 pg_stat_statements
#   conventions          pg_conventions, capture_sample_rate at its default (0.01)
#   conventions_full     pg_conventions, capture_sample_rate = 1: every statement
#                        captured and fed to the detector
#   conventions_full_qid the same with compute_query_id = on (as with
#                        pg_stat_statements): shapes are query IDs
#
#   ROUNDS   rounds (default 15)      SECS     seconds per run (default 4)
#   CLIENTS  pgbench clients (default 2)  SCALE  pgbench scale (default 5)
#   PROTOCOL simple or prepared (default simple)
#   CONFIGS  the configurations to compare (default all of the above)
# Runs as root (the servers run as postgres) or as any user that may run
# initdb; needs bc.
set -euo pipefail
ROUNDS=${ROUNDS:-15}
SECS=${SECS:-4}
CLIENTS=${CLIENTS:-2}
SCALE=${SCALE:-5}
PROTOCOL=${PROTOCOL:-simple}
MAJOR=${PGVERSION:-15}
BIN=/usr/lib/postgresql/$MAJOR/bin
read -r -a configs <<<"${CONFIGS:-none pgss conventions conventions_full conventions_full_qid}"

work=$(mktemp -d)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$work"
  as_owner=(runuser -u postgres --)
fi
started=()
cleanup() {
  for cfg in "${started[@]}"; do
    "${as_owner[@]}" "$BIN/pg_ctl" -D "$work/$cfg" stop -m fast >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

options_of() {
  case $1 in
    none) echo "" ;;
    pgss) echo "shared_preload_libraries = 'pg_stat_statements'" ;;
    conventions) echo "shared_preload_libraries = 'pg_conventions'" ;;
    conventions_full) printf "shared_preload_libraries = 'pg_conventions'\npg_conventions.capture_sample_rate = 1\n" ;;
    conventions_full_qid) printf "shared_preload_libraries = 'pg_conventions'\npg_conventions.capture_sample_rate = 1\ncompute_query_id = on\n" ;;
    *) echo "unknown configuration $1" >&2; exit 2 ;;
  esac
}

# one template with the pgbench tables, copied for each configuration
"${as_owner[@]}" "$BIN/initdb" -D "$work/template" -A trust >/dev/null
"${as_owner[@]}" "$BIN/pg_ctl" -D "$work/template" -l "$work/template.log" -w \
  -o "-k $work -c listen_addresses= -p 5600" start >/dev/null
started=(template)
"${as_owner[@]}" "$BIN/pgbench" -q -i -s "$SCALE" -h "$work" -p 5600 postgres >/dev/null 2>&1
"${as_owner[@]}" "$BIN/psql" -X -q -h "$work" -p 5600 -d postgres -c CHECKPOINT
"${as_owner[@]}" "$BIN/pg_ctl" -D "$work/template" stop -m fast >/dev/null
started=()

port=5600
declare -A port_of
for cfg in "${configs[@]}"; do
  port=$((port + 1))
  port_of[$cfg]=$port
  "${as_owner[@]}" cp -a "$work/template" "$work/$cfg"
  options_of "$cfg" | "${as_owner[@]}" tee -a "$work/$cfg/postgresql.conf" >/dev/null
  "${as_owner[@]}" "$BIN/pg_ctl" -D "$work/$cfg" -l "$work/$cfg.log" -w \
    -o "-k $work -c listen_addresses= -p $port" start >/dev/null
  started+=("$cfg")
  # warm the cache
  "${as_owner[@]}" "$BIN/psql" -X -q -h "$work" -p "$port" -d postgres \
    -c "SELECT count(*) FROM pgbench_accounts" >/dev/null
done

# CPU ticks of a server's exited processes (its backends, once reaped)
server_cpu() {
  awk '{ print $16 + $17 }' "/proc/$(head -1 "$work/$1/postmaster.pid")/stat"
}

for r in $(seq 1 "$ROUNDS"); do
  # rotate the order: each configuration runs first in some round
  n=${#configs[@]}
  for k in $(seq 0 $((n - 1))); do
    cfg=${configs[$(((k + r) % n))]}
    before=$(server_cpu "$cfg")
    "${as_owner[@]}" "$BIN/pgbench" -n -S -M "$PROTOCOL" -T "$SECS" -c "$CLIENTS" -j "$CLIENTS" \
      -h "$work" -p "${port_of[$cfg]}" postgres >"$work/out" 2>/dev/null
    sleep 0.3  # the backends exit and are reaped
    after=$(server_cpu "$cfg")
    tps=$(awk '/^tps = / { print $3 }' "$work/out")
    tx=$(awk '/^number of transactions actually processed/ { print $NF }' "$work/out")
    cpu=$(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / $tx" | bc -l)
    echo "$r $cfg $tps $cpu" >>"$work/results"
    printf 'round %d: %-22s %8.0f tps %6.1f us cpu/tx\n' "$r" "$cfg" "$tps" "$cpu"
  done
done

# what the capture saw, to show it did work
for cfg in "${configs[@]}"; do
  [[ $cfg == conventions_full ]] || continue
  "${as_owner[@]}" "$BIN/psql" -X -q -h "$work" -p "${port_of[$cfg]}" -d postgres \
    -c "CREATE EXTENSION IF NOT EXISTS pg_conventions" >/dev/null
  "${as_owner[@]}" "$BIN/psql" -X -q -At -h "$work" -p "${port_of[$cfg]}" -d postgres \
    -c "SELECT '$cfg captured ' || count(*) || ' statement shapes, ' || sum(calls) || ' executions' FROM conventions.workload()"
done

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# this round's measure of a configuration
of() { awk -v r="$1" -v c="$2" -v f="$3" '$1 == r && $2 == c { print $f }' "$work/results"; }
echo
echo "pgbench -S -M $PROTOCOL, $CLIENTS clients, scale $SCALE, $ROUNDS rounds of a ${SECS} s run per configuration;"
echo "medians over the rounds of each round's ratio to the server without a library"
printf '| %-22s | %8s | %9s | %11s | %10s |\n' configuration tps "tps ratio" "cpu/tx (us)" "cpu ratio"
printf '|%s|%s|%s|%s|%s|\n' "------------------------" "----------" "-----------" "-------------" "------------"
for cfg in "${configs[@]}"; do
  m=$(awk -v c="$cfg" '$2 == c { print $3 }' "$work/results" | median)
  c=$(awk -v c="$cfg" '$2 == c { print $4 }' "$work/results" | median)
  tr=$(for r in $(seq 1 "$ROUNDS"); do echo "$(of "$r" "$cfg" 3) / $(of "$r" none 3)" | bc -l; done | median)
  cr=$(for r in $(seq 1 "$ROUNDS"); do echo "$(of "$r" none 4) / $(of "$r" "$cfg" 4)" | bc -l; done | median)
  printf '| %-22s | %8.0f | %9.3f | %11.1f | %10.3f |\n' "$cfg" "$m" "$tr" "$c" "$cr"
done
