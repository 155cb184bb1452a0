#!/usr/bin/env bash
# The twin's half of test/twin/cross_major.sh, run by it inside the
# PostgreSQL 18 chroot (scripts/chroot.sh with PGC_CHROOT_HOST_NET=1, so that
# the host's "production" at PROD_CONN is reachable on 127.0.0.1):
#   1. builds pg_conventions warning-free with the chroot's pg_config, installs it;
#   2. starts an 18 server with the guard preloaded, on a Unix socket in a
#      private directory only (no TCP port: it shares the host's network);
#   3. runs the installed pg_conventions_twin from production into a new
#      database, with the chroot's pg_dump 18 (production is 15: pg_dump 18
#      reads its statistics, --statistics-only);
#   4. checks the twin against production (read again over TCP): pg_class,
#      the snapshot, pg_stats, the guard's verdict on a migration, the
#      planner's rows, the workload, the reports.
# Prints TAP lines numbered from CHECK_START + 1, then
# "twin checks in the chroot: P passed, F failed".
# Environment: PROD_CONN (libpq connection string of production),
# PROD_TABLE (the big table, schema-qualified), CHECK_START.
set -uo pipefail
PG_MAJOR=${PG_MAJOR:-18}
BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$BIN/pg_config
: "${PROD_CONN:?PROD_CONN: the connection string of production}"
big=${PROD_TABLE:-shop.orders}
n=${CHECK_START:-0} passed=0 failed=0
mkdir -p output
log=output/twin
mkdir -p "$log"

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
  shift; [ $# -gt 0 ] && printf '#   %s\n' "$@"
  return 0
}
check() {   # check DESCRIPTION COMMAND...
  if "${@:2}"; then ok "$1"; else not_ok "$1"; fi
}
finish() {
  echo "twin checks in the chroot: $passed passed, $failed failed"
  [ -n "${twin_dir:-}" ] && [ -f "$twin_dir/data/postmaster.pid" ] &&
    runuser -u postgres -- "$BIN/pg_ctl" -D "$twin_dir/data" -m fast stop >/dev/null 2>&1
  [ "$failed" = 0 ]
  exit
}

# ---- 1. the build, as the chroot's default run makes it ----
llvm=
clang=$(sed -n 's/^CLANG *= *//p' "$(dirname "$($PG_CONFIG --pgxs)")/../Makefile.global")
if [ -n "$clang" ] && ! command -v "$clang" >/dev/null 2>&1; then llvm=with_llvm=no; fi
if make -s PG_CONFIG="$PG_CONFIG" COPT=-Werror $llvm >"$log/build.log" 2>&1 &&
   make -s install PG_CONFIG="$PG_CONFIG" $llvm >>"$log/build.log" 2>&1 &&
   [ -x "$BIN/pg_conventions_twin" ]; then
  ok "pg_conventions built (-Werror) and installed for $("$PG_CONFIG" --version), with bin/pg_conventions_twin"
else
  not_ok "pg_conventions built and installed for PostgreSQL $PG_MAJOR" "$(tail -20 "$log/build.log")"
  finish
fi

# ---- 2. the twin's server: a Unix socket only ----
twin_dir=$(mktemp -d /tmp/twin.XXXXXX)
chown postgres "$twin_dir"; chmod 700 "$twin_dir"
as_pg() { runuser -u postgres -- env PATH="$BIN:/usr/bin:/bin" "$@"; }
if as_pg initdb -D "$twin_dir/data" -U postgres -A trust -N -E UTF8 --locale=C.UTF-8 >"$log/initdb.log" 2>&1 &&
   cat >>"$twin_dir/data/postgresql.conf" <<EOF &&
listen_addresses = ''
unix_socket_directories = '$twin_dir'
port = 5432
shared_preload_libraries = 'pg_conventions'
fsync = off
EOF
   as_pg pg_ctl -D "$twin_dir/data" -w -t 60 -l "$twin_dir/server.log" start >/dev/null &&
   as_pg createdb -h "$twin_dir" twin; then
  ok "a PostgreSQL $PG_MAJOR twin server with the guard preloaded (Unix socket only), database twin"
else
  not_ok "a PostgreSQL $PG_MAJOR twin server" "$(cat "$log/initdb.log" "$twin_dir/server.log" 2>/dev/null | tail -20)"
  finish
fi
twin_conn="host=$twin_dir dbname=twin user=postgres"
twin() { as_pg psql -X -At -v ON_ERROR_STOP=1 -d "$twin_conn" "$@"; }
prod() { "$BIN/psql" -X -At -v ON_ERROR_STOP=1 -d "$PROD_CONN" "$@"; }
# same_on_both NAME QUERY DESCRIPTION UNIT: QUERY's rows on the twin are
# production's (and there are some); both kept in $log/{prod,twin}-NAME.txt
same_on_both() {
  local name=$1 query=$2 what=$3 unit=$4 p=$log/prod-$1.txt t=$log/twin-$1.txt
  if prod -c "$query" >"$p" 2>&1 && twin -c "$query" >"$t" 2>&1 && [ -s "$p" ] &&
     diff -u "$p" "$t" >"$log/$name.diff"; then
    ok "$what ($(wc -l <"$p") $unit)"
  else
    not_ok "$what" "$(head -40 "$log/$name.diff" 2>/dev/null; head -5 "$p" "$t")"
  fi
}

# ---- 3. the shipped command, with pg_dump 18 ----
start=$SECONDS
as_pg "$BIN/pg_conventions_twin" "$PROD_CONN" "$twin_conn" >"$log/pg_conventions_twin.log" 2>&1
rc=$?
sed 's/^/  | /' "$log/pg_conventions_twin.log"
echo "  (pg_conventions_twin: exit $rc, $((SECONDS - start)) s)"
prod_version=$(prod -c "SELECT current_setting('server_version_num')::int / 10000" 2>&1)
dump_version=$("$BIN/pg_dump" --version)
check "pg_conventions_twin made the twin of production (PostgreSQL $prod_version) and exited 0" test "$rc" = 0
out=$(cat "$log/pg_conventions_twin.log")
check "it read production's schema and statistics with pg_dump $PG_MAJOR ($dump_version): --schema-only, --statistics-only" \
  eval '[[ "$out" == *"PostgreSQL $prod_version"* && "$out" == *"schema: "*"pg_dump --schema-only"* &&
          "$out" == *"statistics: "*"pg_dump --statistics-only"* && "$dump_version" == *") $PG_MAJOR."* &&
          "$prod_version" -lt "$PG_MAJOR" ]]'
[ "$rc" = 0 ] || finish

# ---- 4. the twin against production ----
# pg_class: every table's and index's pages and rows, as pg_dump 18 read
# them on 15 and pg_restore_relation_stats() wrote them on 18
relations="SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.relpages || ' ' || c.reltuples || ' ' || c.relallvisible
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'conventions') AND n.nspname !~ '^pg_(toast|temp_)'
   AND c.relkind IN ('r', 'm', 'i', 'p', 'I') ORDER BY 1"
big_prod=$(prod -c "SELECT reltuples || ' ' || relpages FROM pg_class WHERE oid = '$big'::regclass")
big_twin=$(twin -c "SELECT reltuples || ' ' || relpages FROM pg_class WHERE oid = '$big'::regclass")
big_rows=${big_prod%% *}
check "on the twin pg_class says $big has production's $big_rows rows and ${big_prod#* } pages (twin: $big_twin)" \
  test -n "$big_prod" -a "$big_prod" = "$big_twin"
same_on_both pg_class "$relations" \
  "every table's and index's relpages, reltuples and relallvisible are production's" relations

# the snapshot (conventions.twin_relations, conventions.twin_source)
snap=$(twin -c "SELECT reltuples || ' ' || relpages FROM conventions.twin_relations
                 WHERE schema_name || '.' || relation_name = '$big'")
check "conventions.twin_relations has $big with production's rows and pages ($snap)" test -n "$snap" -a "$snap" = "$big_prod"
source_prod=$(prod -c "SELECT current_database() || ' on ' || host(inet_server_addr()) || ':' || inet_server_port() || ' ' || current_setting('server_version_num')")
source_twin=$(twin -c "SELECT source || ' ' || server_version FROM conventions.twin_source")
check "conventions.twin_source names production and its version ($source_twin)" test -n "$source_prod" -a "$source_prod" = "$source_twin"

# pg_stats: every column's statistics, restored by pg_dump's
# pg_restore_attribute_stats() calls
stats="SELECT schemaname || '.' || tablename || '.' || attname || ' ' || inherited || ' null_frac=' || null_frac ||
              ' n_distinct=' || n_distinct || ' avg_width=' || avg_width ||
              ' mcv=' || coalesce(most_common_vals::text, '-') || ' mcf=' || coalesce(most_common_freqs::text, '-') ||
              ' histogram=' || coalesce(histogram_bounds::text, '-') || ' correlation=' || coalesce(correlation::text, '-')
  FROM pg_stats WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'conventions') ORDER BY 1"
fractions="SELECT attname || ' ' || null_frac || ' ' || n_distinct FROM pg_stats
            WHERE schemaname || '.' || tablename = '$big' AND NOT inherited ORDER BY attname"
f_prod=$(prod -c "$fractions") f_twin=$(twin -c "$fractions")
check "pg_stats on the twin has production's null_frac and n_distinct of every column of $big ($(echo "$f_prod" | grep -c .) columns)" \
  test -n "$f_prod" -a "$f_prod" = "$f_twin"
same_on_both pg_stats "$stats" \
  "so are every column's whole statistics: fractions, most common values, histogram, correlation" columns

# the setting pg_conventions_twin gave the database, in a new session
check "the twin database has pg_conventions.table_size_source = statistics" \
  test "$(twin -c "SHOW pg_conventions.table_size_source")" = statistics

# the guard: a migration judged with production's size
column=${PROD_COLUMN:-customer_id}
rows_text=$(prod -c "SELECT to_char(reltuples, 'FM999,999,999,999') FROM pg_class WHERE oid = '$big'::regclass")
PGOPTIONS="-c pg_conventions.mode=enforce -c pg_conventions.large_table_size=1MB" \
  as_pg psql -X -q -v ON_ERROR_STOP=1 -d "$twin_conn" -c "SET lock_timeout = '5s'" \
  -c "CREATE INDEX ON $big ($column)" >"$log/migration.log" 2>&1
mig_rc=$?
sed 's/^/  | /' "$log/migration.log"
mig=$(cat "$log/migration.log")
check "CREATE INDEX ON $big ($column) under enforce is rejected on the twin: rule concurrent_index" \
  eval '[ "$mig_rc" != 0 ] && [[ "$mig" == *"ERROR:  CREATE INDEX without CONCURRENTLY"* && "$mig" == *"DETAIL:  Rule concurrent_index:"* ]]'
check "its DETAIL gives production's rows, by the statistics snapshot (about $rows_text rows)" \
  eval '[[ "$mig" == *"DETAIL:  "*"about $rows_text rows, by the statistics snapshot)"* ]]'
check "the index was not built" test "$(twin -c "SELECT count(*) FROM pg_index WHERE indrelid = '$big'::regclass AND indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = '$big'::regclass AND attname = '$column')")" = 0

# the planner: production's row estimates
plan_rows() { sed -n '1s/.*rows=\([0-9]*\).*/\1/p'; }
close() {   # close A B: within 1% of each other
  [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = a > b ? a : b; exit !(m > 0 && d <= 0.01 * m) }'
}
queries=("SELECT * FROM $big"
         "SELECT * FROM $big WHERE status = 'new'"
         "SELECT * FROM $big WHERE $column = 42"
         "SELECT * FROM $big WHERE created_at >= '2026-10-01'")
for q in "${queries[@]}"; do
  p=$(prod -c "EXPLAIN $q" | plan_rows) t=$(twin -c "EXPLAIN $q" | plan_rows)
  check "EXPLAIN $q: the twin plans production's rows (production $p, twin $t)" close "$p" "$t"
done
t_file=$(PGOPTIONS="-c pg_conventions.table_size_source=file" twin -c "EXPLAIN ${queries[0]}" | plan_rows)
check "with table_size_source = file the same EXPLAIN plans the empty file's $t_file rows (the snapshot makes the difference)" \
  eval '[ -n "$t_file" ] && [ "$t_file" -lt $((big_rows / 100)) ]'

# the reports: the foreign key production left without an index
fk=$(twin -c "SELECT table_rows FROM conventions.missing_fk_indexes()
               WHERE table_name = '$big'::regclass AND fk_columns = ARRAY['$column']::name[]")
check "missing_fk_indexes() on the twin reports $big ($column) with production's rows ($fk)" test -n "$fk" -a "$fk" = "$big_rows"

# the workload: production's pg_stat_statements
calls=$(twin -c "SELECT coalesce(max(calls), 0) FROM conventions.twin_statements
                  WHERE query LIKE '%FROM $big WHERE $column = \$1%'")
check "conventions.twin_statements has production's workload (the lookup by $column: $calls calls)" \
  test "${calls:-0}" -ge "${PROD_CALLS:-1}"
advice=$(PGOPTIONS="-c client_min_messages=warning" twin -c "SELECT fix_sql FROM conventions.suggest_indexes()
                    WHERE table_name = '$big'::regclass AND index_columns[1] = '$column'")
check "suggest_indexes() on the twin advises for production's workload: $advice" test -n "$advice"

finish
