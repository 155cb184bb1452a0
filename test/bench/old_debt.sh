#!/usr/bin/env bash
# Benchmark: small migrations on a legacy table that has old debt, in each
# mode of the guard.  What warn and enforce add per transaction: the
# table's state before its first change (the before-state, kept under warn
# too since 0.11, so that old debt is said in one line), the rules at commit,
# and the messages (six WARNINGs per transaction in warn before 0.11, one
# line now).
#
# Runs inside a server environment (as under pg_virtualenv); scripts/bench.sh
# sets one up.  One database, the library loaded per database through
# session_preload_libraries; each pgbench run sets the mode with PGOPTIONS.
# A transaction is `ALTER TABLE legacy ALTER COLUMN name SET DEFAULT 'x'`,
# and the next `DROP DEFAULT` (each its own transaction, as sequelize-cli
# runs a migration's queries); the client hears every WARNING
# (client_min_messages = warning, Sequelize's setting).  Modes alternate
# round by round; the median per mode is printed, and its ratio to off.
#   SECONDS_PER_RUN  pgbench's -T (default 8)
#   ROUNDS           rounds per mode (default 3)
#   OLD_LIBDIR       a directory holding an earlier build's pg_conventions.so,
#                    measured side by side in a second database that finds it
#                    first (dynamic_library_path); scripts/bench.sh builds one
#                    from OLD=<commit>
set -euo pipefail
T=${SECONDS_PER_RUN:-8}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

setup() {	# setup DATABASE [LIBDIR]
  psql_q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" \
    -c "ALTER DATABASE $1 SET session_preload_libraries = 'pg_conventions'"
  if [ -n "${2:-}" ]; then
    # the earlier build guards without CREATE EXTENSION (whose functions are this one's)
    psql_q -d postgres -c "ALTER DATABASE $1 SET dynamic_library_path = '$2:\$libdir'"
  else
    psql_q -d "$1" -c "CREATE EXTENSION pg_conventions"
  fi
  psql_q -d "$1" -c "SET pg_conventions.mode = off" -c "
  CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
  CREATE TABLE legacy (id serial PRIMARY KEY, user_id uuid REFERENCES users, name text,
    \"createdAt\" timestamp, note text, a int, b int, c int);
  INSERT INTO legacy (name) SELECT 'n' || i FROM generate_series(1, 1000) i;"
}
setup bench_debt
dbs=bench_debt
if [ -n "${OLD_LIBDIR:-}" ]; then
  setup bench_debt_old "$OLD_LIBDIR"
  dbs+=" bench_debt_old"
fi
debt=$(psql_q -d bench_debt -At -c "SELECT count(*) FROM conventions.violations() WHERE table_name = 'legacy'::regclass")
echo "ALTER TABLE legacy ALTER COLUMN name SET DEFAULT 'x';" > "$work/set.sql"
echo "ALTER TABLE legacy ALTER COLUMN name DROP DEFAULT;" > "$work/drop.sql"
# what a client hears per transaction in warn
said() {	# said DATABASE: the WARNINGs a client hears per transaction in warn
  PGOPTIONS="-c pg_conventions.mode=warn -c lock_timeout=5s" psql -X -q -d "$1" -f "$work/set.sql" 2>&1 |
    grep -c 'WARNING:' || true
}

run() {	# run DATABASE MODE: transactions per second
  PGOPTIONS="-c pg_conventions.mode=$2 -c client_min_messages=warning -c lock_timeout=5s" \
    pgbench -n -T "$T" -c 1 -f "$work/set.sql" -f "$work/drop.sql" "$1" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
run bench_debt off >/dev/null	# warm-up
for r in $(seq 1 "$ROUNDS"); do
  for db in $dbs; do
    for m in off warn enforce; do run "$db" "$m" >> "$work/$db.$m"; done
  done
done
echo "old debt: legacy table with $debt violations; $ROUNDS rounds x ${T} s per mode and library, interleaved"
off=$(median < "$work/bench_debt.off")
for db in $dbs; do
  lib=$([ "$db" = bench_debt ] && echo "this build" || echo "the build in $OLD_LIBDIR")
  echo "  $lib: $(said "$db") WARNING(s) per transaction in warn"
  for m in off warn enforce; do
    awk -v m="$m" -v o="$off" -v all="$(paste -sd' ' "$work/$db.$m")" -v tps="$(median < "$work/$db.$m")" \
      'BEGIN { printf "    %-8s %.3f ms per transaction, %.3f x off (tps: %s)\n", m, 1000 / tps, o / tps, all }'
  done
done
for db in $dbs; do psql_q -d postgres -c "DROP DATABASE $db"; done
