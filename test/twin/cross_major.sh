#!/usr/bin/env bash
# A production twin across majors: production runs PostgreSQL 15 (this
# machine's), the twin 18, made by the shipped pg_conventions_twin with
# pg_dump 18, which reads an older server's statistics (--statistics-only).
#
#   1. "production": a PostgreSQL 15 server of its own (initdb and pg_ctl
#      from /usr/lib/postgresql/15/bin, as the postgres user, in a temporary
#      directory; 127.0.0.1 on a free port and a Unix socket in that
#      directory; never pg_virtualenv, whose clusters the other steps use),
#      pg_stat_statements preloaded, no pg_conventions (a managed service has
#      none): a shop schema with 250,000 orders, a foreign key without an
#      index, an enum, partial and expression indexes, a partitioned table, a
#      materialized view; VACUUM ANALYZE; a small workload; a read-only role
#      (pg_read_all_data, pg_read_all_stats) with a password;
#   2. the twin, in the PostgreSQL 18 chroot (scripts/chroot.sh 18, with
#      PGC_CHROOT_HOST_NET=1 so that it reaches production on 127.0.0.1):
#      test/twin/in_chroot.sh builds and installs pg_conventions there, starts
#      an 18 server on a Unix socket, runs pg_conventions_twin and checks the
#      twin against production.
# Prints TAP lines, then "production twin, 15 to 18: P passed, F failed"
# (scripts/test.sh adds it to its totals).  Exits 1 when anything failed,
# including a chroot that could not be made or run.  As root (chroot.sh needs
# it).  Logs: output/twin/ (production), output/chroot-18-twin/ (the chroot's
# run.log and the twin's logs under twin/).
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
PROD_MAJOR=15
TWIN_MAJOR=${TWIN_MAJOR:-18}
BIN=/usr/lib/postgresql/$PROD_MAJOR/bin
ORDERS=250000 CUSTOMERS=20000 EVENTS=60000 LOOKUPS=200
# the logs are kept in the temporary directory, and copied to output/twin at
# the end
work=$(mktemp -d /tmp/pgc-twin-prod.XXXXXX)
log=$work/log
mkdir -p "$log"

n=0 passed=0 failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
  shift; [ $# -gt 0 ] && printf '#   %s\n' "$@"
  return 0
}
cleanup() {
  [ -f "$work/data/postmaster.pid" ] &&
    runuser -u postgres -- "$BIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1
  mkdir -p output/twin && cp -r "$log/." output/twin/
  rm -rf "$work"
}
trap cleanup EXIT
finish() {
  echo "production twin, $PROD_MAJOR to $TWIN_MAJOR: $passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit
}
if [ "$(id -u)" -ne 0 ]; then
  not_ok "run as root: the twin's half runs in a chroot (scripts/chroot.sh)"
  finish
fi
for tool in initdb pg_ctl psql; do
  [ -x "$BIN/$tool" ] || { not_ok "PostgreSQL $PROD_MAJOR's $tool (postgresql-$PROD_MAJOR)"; finish; }
done
[ -f "/usr/share/postgresql/$PROD_MAJOR/extension/pg_stat_statements.control" ] ||
  { not_ok "pg_stat_statements for PostgreSQL $PROD_MAJOR (postgresql-contrib)"; finish; }

# ---- 1. production ----
chmod 755 "$work"
chown postgres "$work"
as_pg() { runuser -u postgres -- "$@"; }
if ! as_pg "$BIN/initdb" -D "$work/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
       -N -E UTF8 --locale=C.UTF-8 >"$log/initdb.log" 2>&1; then
  not_ok "production: initdb" "$(tail -5 "$log/initdb.log")"
  finish
fi
cat >>"$work/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
shared_preload_libraries = 'pg_stat_statements'
# the statistics stay as VACUUM ANALYZE left them while the twin is compared
autovacuum = off
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
# a free port, below the ephemeral range and above the clusters'
# (pg_createcluster, pg_virtualenv: 5432 and up): a port taken meanwhile
# fails the start, and another is tried
port=
for _ in $(seq 20); do
  try=$((20000 + RANDOM % 10000))
  if as_pg "$BIN/pg_ctl" -D "$work/data" -w -t 60 -l "$work/server-$try.log" -o "-p $try" start >/dev/null 2>&1; then
    port=$try; break
  fi
  grep -qE 'could not (bind|create any TCP)|Address already in use' "$work/server-$try.log" 2>/dev/null || break
done
if [ -z "$port" ]; then
  not_ok "production: PostgreSQL $PROD_MAJOR started on 127.0.0.1" "$(tail -5 "$work"/server-*.log)"
  finish
fi
cp "$work/server-$port.log" "$log/server.log" 2>/dev/null
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
psql_admin() { as_pg "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$work" -p "$port" "$@"; }
prod_conn="host=127.0.0.1 port=$port dbname=prod user=reader password=$password"
start=$SECONDS
if psql_admin -d postgres >"$log/load.log" 2>&1 <<SQL &&
CREATE DATABASE prod;
\\connect prod
CREATE EXTENSION pg_stat_statements;
CREATE SCHEMA shop;
CREATE TYPE shop.order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
CREATE TABLE shop.customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  country char(2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- production's debt: customer_id has no index
CREATE TABLE shop.orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES shop.customers (id),
  status shop.order_status NOT NULL,
  total numeric(10,2) NOT NULL CHECK (total >= 0),
  note text,
  created_at timestamptz NOT NULL
);
CREATE INDEX orders_created_at_idx ON shop.orders (created_at);
CREATE INDEX orders_open_idx ON shop.orders (created_at) WHERE status IN ('new', 'paid');
CREATE INDEX orders_lower_note_idx ON shop.orders (lower(note));
CREATE TABLE shop.events (
  id bigint GENERATED ALWAYS AS IDENTITY,
  kind text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2026h1 PARTITION OF shop.events FOR VALUES FROM ('2026-01-01') TO ('2026-07-01');
CREATE TABLE shop.events_2026h2 PARTITION OF shop.events FOR VALUES FROM ('2026-07-01') TO ('2027-01-01');
CREATE VIEW shop.open_orders AS SELECT * FROM shop.orders WHERE status IN ('new', 'paid');
SELECT setseed(0.42);
INSERT INTO shop.customers (email, country, created_at)
SELECT 'customer' || i || '@example.com', (ARRAY['DE', 'FR', 'US', 'GB', 'NL'])[1 + (i % 5)],
       '2025-01-01'::timestamptz + i * interval '20 minutes'
  FROM generate_series(1, $CUSTOMERS) i;
INSERT INTO shop.orders (customer_id, status, total, note, created_at)
SELECT 1 + (random() * ($CUSTOMERS - 1))::int,
       CASE WHEN r < 0.6 THEN 'shipped' WHEN r < 0.85 THEN 'paid' WHEN r < 0.95 THEN 'new' ELSE 'cancelled' END::shop.order_status,
       round((random() * 500)::numeric, 2),
       CASE WHEN i % 10 = 0 THEN 'gift ' || (i % 7) END,
       '2026-01-01'::timestamptz + (i::float8 / $ORDERS) * interval '364 days'
  FROM (SELECT i, random() AS r FROM generate_series(1, $ORDERS) i) s;
INSERT INTO shop.events (kind, at)
SELECT (ARRAY['login', 'view', 'cart', 'pay'])[1 + (i % 4)], '2026-01-01'::timestamptz + (i % 360) * interval '1 day'
  FROM generate_series(1, $EVENTS) i;
CREATE MATERIALIZED VIEW shop.daily_totals AS
  SELECT date_trunc('day', created_at) AS day, count(*) AS orders, sum(total) AS total
    FROM shop.orders GROUP BY 1;
VACUUM ANALYZE;
-- production's read-only role, as a managed service grants it
CREATE ROLE reader LOGIN PASSWORD '$password' IN ROLE pg_read_all_data, pg_read_all_stats;
SELECT pg_stat_statements_reset();
SQL
   # the workload: lookups by the unindexed foreign key, status counts
   for i in $(seq "$LOOKUPS"); do
     echo "SELECT id, total FROM shop.orders WHERE customer_id = $((1 + i * 97 % CUSTOMERS));"
     [ $((i % 10)) = 0 ] && echo "SELECT count(*) FROM shop.orders WHERE status = 'new';"
   done | "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$prod_conn" >/dev/null 2>>"$log/load.log" &&
   [ "$(psql_admin -d prod -c "SELECT count(*) FROM pg_extension WHERE extname = 'pg_conventions'")" = 0 ] &&
   [ "$(psql_admin -d prod -c "SELECT reltuples::bigint FROM pg_class WHERE oid = 'shop.orders'::regclass")" = "$ORDERS" ]; then
  ok "production: PostgreSQL $("$BIN/postgres" -V | sed -n 's/^postgres (PostgreSQL) \([0-9.]*\).*/\1/p') on 127.0.0.1:$port, $ORDERS orders ($(psql_admin -d prod -c "SELECT pg_size_pretty(pg_table_size('shop.orders'))")), VACUUM ANALYZE, pg_stat_statements and a workload, no pg_conventions ($((SECONDS - start)) s)"
else
  not_ok "production: the schema, its rows and the workload" "$(tail -10 "$log/load.log")"
  finish
fi

# ---- 2. the twin, in the 18 chroot ----
cmd="PROD_CONN='$prod_conn' PROD_TABLE=shop.orders PROD_COLUMN=customer_id PROD_CALLS=$LOOKUPS"
cmd+=" CHECK_START=$n bash test/twin/in_chroot.sh"
echo "== the twin: PostgreSQL $TWIN_MAJOR in its chroot (scripts/chroot.sh $TWIN_MAJOR, PGC_CHROOT_HOST_NET=1)"
start=$SECONDS
PGC_CHROOT_HOST_NET=1 PGC_CHROOT_OUTPUT="$REPO/output/chroot-$TWIN_MAJOR-twin" \
  bash scripts/chroot.sh "$TWIN_MAJOR" "$cmd" >"$log/chroot.log" 2>&1
rc=$?
# the chroot's lines, the password hidden
sed "s/$password/********/g" "$log/chroot.log" | tee "$log/chroot.log.tmp"
mv "$log/chroot.log.tmp" "$log/chroot.log"
sed -i "s/$password/********/g" "$REPO/output/chroot-$TWIN_MAJOR-twin/run.log" 2>/dev/null
echo "== the chroot's run: exit $rc after $((SECONDS - start)) s"
c_passed=$(grep -cE '^ok [0-9]+' "$log/chroot.log" || true)
c_failed=$(grep -cE '^not ok [0-9]+' "$log/chroot.log" || true)
passed=$((passed + c_passed)) failed=$((failed + c_failed))
n=$((n + c_passed + c_failed))
if ! grep -qE '^twin checks in the chroot: ' "$log/chroot.log"; then
  not_ok "the twin's checks ran in the PostgreSQL $TWIN_MAJOR chroot (they did not end: see output/twin/chroot.log)"
elif [ "$rc" != 0 ] && [ "$c_failed" = 0 ]; then
  not_ok "the PostgreSQL $TWIN_MAJOR chroot's run ended well (exit $rc: see output/twin/chroot.log)"
fi
finish
