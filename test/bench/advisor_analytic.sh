#!/usr/bin/env bash
# Benchmark: the index advisor on an analytic workload, TPC-H or TPC-DS as the
# index selection platform of Kossmann et al. runs it (no primary keys; TPC-H's
# 8 tables and 19 of its 22 queries with qgen's default substitutions, 2, 17
# and 20 left out for their run time; TPC-DS's 24 tables and the platform's 90
# of its 99 queries with dsqgen's qualification substitutions), against the
# platform's Extend, Anytime, DB2Advis and Relaxation at the same storage
# budgets.  Every index set is built for real and judged by its built bytes
# (each index's pg_relation_size beside the advisor's estimate), the workload's
# estimated cost (EXPLAIN) and its real execution time; the algorithms are then
# compared at equal built bytes.
#
# Runs inside a server environment (PGHOST/PGPORT/PGUSER set, as under
# pg_virtualenv) whose server preloads pg_conventions and pg_stat_statements;
# `bash scripts/bench.sh advisor_analytic` sets one up.  It gets the kit
# itself (git clone at the platform's pinned commit, built with make and gcc)
# into KIT_DIR.
#   WORKLOAD   tpch (default) or tpcds
#   SF         scale factor (default 1; 0.1 for a quick TPC-H run; TPC-DS
#              takes whole numbers only, dsdgen crashes on fractions)
#   ROUNDS     timed runs of the workload per index set, after one warm-up
#              (default 3; each query's median is taken)
#   TIMEOUT    statement_timeout of each query, seconds (default 60 x SF, at
#              least 10; TPC-DS 10 x SF); a query cancelled counts as TIMEOUT
#   BUDGETS_MB storage budgets, 10^6 bytes (default five of the platform's
#              budgets, 250 ... 12500 MB at SF 10, scaled to SF)
#   ALGORITHMS the platform's, comma-separated (default extend,anytime; db2advis
#              and relaxation can be added)
#   ANYTIME_MINUTES  Anytime's max_runtime_minutes per budget (default 1)
#   KIT_URL    where to clone the kit from (default the platform's submodule:
#              github.com/marcelja/tpch-kit, gregrahn/tpch-kit with Q1 and Q13
#              fixed for PostgreSQL; github.com/gregrahn/tpcds-kit, TPC-DS 2.10.0)
#   KIT_DIR    where the built kit is kept between runs
#              (default ~/.cache/pg_conventions/<workload>-kit-<commit>)
#   PLATFORM   the platform (default shared/vendor/index_selection_evaluation
#              next to the clone)
#   OUT        directory for the results (default a temporary one, printed)
#   KEEP_DB=1  keep the database bench_analytic at the end; REUSE_DB=1 skips
#              the loading when it is there (runs after the first, same
#              WORKLOAD and SF)
set -euo pipefail
WORKLOAD=${WORKLOAD:-tpch}
SF=${SF:-1}
here=$(cd "$(dirname "$0")" && pwd)
PLATFORM=${PLATFORM:-$(cd "$here/../../.." && pwd)/shared/vendor/index_selection_evaluation}
case $WORKLOAD in
  tpch)
    # the platform's submodule: gregrahn/tpch-kit (TPC-H 2.17.3) with Q1 and
    # Q13 in a syntax PostgreSQL takes
    KIT_URL=${KIT_URL:-https://github.com/marcelja/tpch-kit.git}
    KIT_COMMIT=c9f35c0ebfef4ffff0810a3b279ba70889909db4
    KIT_PACKAGES="git make gcc libc6-dev"
    KIT_TOOLS=dbgen
    KIT_BUILT="qgen dbgen"
    kit_make() { nice -n 10 make -C "$KIT_DIR/$KIT_TOOLS" MACHINE=LINUX DATABASE=POSTGRESQL "$@"; }
    ;;
  tpcds)
    # the platform's submodule: gregrahn/tpcds-kit (TPC-DS 2.10.0, made to
    # build on Linux and macOS, a few template fixes), at its newest commit
    KIT_URL=${KIT_URL:-https://github.com/gregrahn/tpcds-kit.git}
    KIT_COMMIT=5a3a81796992b725c2a8b216767e142609966752
    # lex and yacc for dsqgen's grammar: flex gives lex, byacc yacc (bison's
    # yacc does as well)
    KIT_PACKAGES="git make gcc libc6-dev flex byacc"
    KIT_TOOLS=tools
    KIT_BUILT="dsqgen dsdgen tpcds.idx"
    # -fcommon: the kit defines the same globals in several files, which gcc
    # 10 and later refuse to link by default (-fno-common)
    kit_make() { nice -n 10 make -C "$KIT_DIR/$KIT_TOOLS" OS=LINUX LINUX_CFLAGS="-g -Wall -fcommon" "$@"; }
    # dsdgen crashes (SIGSEGV) at fractional scale factors, 0.001 included
    if ! [[ $SF =~ ^[1-9][0-9]*$ ]]; then
      echo "advisor_analytic: TPC-DS takes a whole scale factor of at least 1, not \"$SF\"" >&2
      exit 2
    fi
    ;;
  *) echo "advisor_analytic: unknown WORKLOAD \"$WORKLOAD\" (tpch, tpcds)" >&2; exit 2 ;;
esac
KIT_DIR=${KIT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pg_conventions/$WORKLOAD-kit-${KIT_COMMIT:0:12}}
if [ ! -f "$PLATFORM/selection/algorithms/extend_algorithm.py" ]; then
  echo "advisor_analytic: the platform is not at $PLATFORM" >&2
  exit 1
fi
# the kit's build tools and the platform's client, as scripts/setup.sh installs packages
EXTRA_PACKAGES="$KIT_PACKAGES python3-psycopg2 postgresql-15-hypopg"
CONV_SETUP_DEFINE_ONLY=1 . "$here/../../scripts/setup.sh"
conv_install_packages

# the kit, cloned at its pinned commit and built once
kit_built() {
  local f
  for f in $KIT_BUILT; do [ -f "$KIT_DIR/$KIT_TOOLS/$f" ] || return 1; done
}
if ! kit_built; then
  echo "== getting the $WORKLOAD kit: $KIT_URL at ${KIT_COMMIT:0:12}"
  rm -rf "$KIT_DIR"
  mkdir -p "$(dirname "$KIT_DIR")"
  git clone -q "$KIT_URL" "$KIT_DIR"
  git -C "$KIT_DIR" -c advice.detachedHead=false checkout -q "$KIT_COMMIT"
  kit_make -s >/dev/null 2>&1 || kit_make
fi

export PGDATABASE=bench_analytic
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
start=$(date +%s)
# the data generator's files (at SF 1, 1 GB) in a scratch directory, each
# removed once loaded
create_extensions() {
  psql_q -c "CREATE EXTENSION pg_conventions" -c "CREATE EXTENSION pg_stat_statements" -c "CREATE EXTENSION hypopg"
}
load_tpch() {
  # the kit's own DDL (dss.ddl), which has no primary keys
  psql_q -c "SET pg_conventions.mode = off" -f "$KIT_DIR/dbgen/dss.ddl"
  create_extensions
  (cd "$data" && nice -n 10 "$KIT_DIR/dbgen/dbgen" -q -f -s "$SF" -b "$KIT_DIR/dbgen/dists.dss")
  for t in nation region supplier part partsupp customer orders lineitem; do
    psql_q -c "COPY $t FROM STDIN (DELIMITER '|')" < "$data/$t.tbl"
    rm "$data/$t.tbl"
  done
}
load_tpcds() {
  # the kit's DDL (tpcds.sql) without its primary keys, as the platform's
  # table generator strips them
  perl -0pe 's/,\s*primary key [^\n]*//g' "$KIT_DIR/tools/tpcds.sql" |
    psql_q -c "SET pg_conventions.mode = off" -f -
  create_extensions
  # -TERMINATE N: no '|' after a row's last field (the platform strips it from
  # the files afterwards, scripts/replace_in_dat.sh); an empty field is NULL
  # (the platform's copy_from with null=""); the files are UTF-8 (customer's
  # "CÔTE D'IVOIRE")
  (cd "$KIT_DIR/tools" && nice -n 10 ./dsdgen -SCALE "$SF" -DIR "$data" -FORCE Y -TERMINATE N -QUIET Y)
  local f
  for f in "$data"/*.dat; do
    psql_q -c "COPY $(basename "$f" .dat) FROM STDIN (DELIMITER '|', NULL '', ENCODING 'UTF8')" < "$f"
    rm "$f"
  done
}
if [ "${REUSE_DB:-0}" = 1 ] && psql -XAt -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PGDATABASE'" | grep -q 1; then
  echo "== reusing the database $PGDATABASE (REUSE_DB=1)"
else
  echo "== $WORKLOAD at scale factor $SF: generating and loading (COPY), no primary keys, as the platform loads it"
  psql_q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE" -c "CREATE DATABASE $PGDATABASE" \
    -c "ALTER DATABASE $PGDATABASE SET pg_conventions.mode = off"
  data=$(mktemp -d)
  trap 'rm -rf "$data"' EXIT
  load_$WORKLOAD
  psql_q -c "VACUUM ANALYZE"
  echo "  loaded in $(( $(date +%s) - start )) s: $(psql -XAtc "SELECT pg_size_pretty(sum(pg_relation_size(oid))) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace") of tables"
fi

OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
# the queries as the platform generates them: TPC-H's with qgen's default
# substitutions; TPC-DS's with dsqgen's qualification substitutions (-QUALIFY
# Y, which are those of scale factor 1: the platform gives dsqgen no -SCALE),
# in the netezza dialect
case $WORKLOAD in
  tpch) queries=$OUT/qgen.sql
        (cd "$KIT_DIR/dbgen" && DSS_QUERY=queries ./qgen -c -d -s "$SF") > "$queries" ;;
  tpcds) queries=$OUT/dsqgen.sql
         (cd "$KIT_DIR/tools" && ./dsqgen -DIRECTORY ../query_templates -INPUT ../query_templates/templates.lst \
            -DIALECT netezza -QUALIFY Y -FILTER Y -QUIET Y) > "$queries" ;;
esac
WORKLOAD=$WORKLOAD PYTHONPATH="$PLATFORM:$here" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$here/advisor_analytic.py" \
  "$queries" "$OUT"
echo "== results in $OUT; whole run $(( $(date +%s) - start )) s after the kit"
[ "${KEEP_DB:-0}" = 1 ] || psql_q -d postgres -c "DROP DATABASE $PGDATABASE"
