#!/usr/bin/env bash
# Benchmark: the index advisor on an analytic workload, TPC-H as the index
# selection platform of Kossmann et al. runs it (8 tables, no primary keys, 19
# of the 22 queries with qgen's default substitutions: 2, 17 and 20 left out
# for their run time), against the platform's Extend, Anytime, DB2Advis and
# Relaxation at the same storage budgets.  Every index set is built for real
# and judged by its built bytes (each index's pg_relation_size beside the
# advisor's estimate), the workload's estimated cost (EXPLAIN) and its real
# execution time; the algorithms are then compared at equal built bytes.
#
# Runs inside a server environment (PGHOST/PGPORT/PGUSER set, as under
# pg_virtualenv) whose server preloads pg_conventions and pg_stat_statements;
# `bash scripts/bench.sh advisor_analytic` sets one up.  It gets the TPC-H kit
# itself (git clone at the platform's pinned commit, built with make and gcc)
# into KIT_DIR.
#   WORKLOAD   tpch (the only one so far)
#   SF         scale factor (default 1; 0.1 for a quick run)
#   ROUNDS     timed runs of the workload per index set, after one warm-up
#              (default 3; each query's median is taken)
#   TIMEOUT    statement_timeout of each query, seconds (default 60 x SF, at
#              least 10); a query cancelled counts as TIMEOUT
#   BUDGETS_MB storage budgets, 10^6 bytes (default the platform's TPC-H
#              budgets 250 ... 12500 MB at SF 10, scaled to SF)
#   ALGORITHMS the platform's, comma-separated (default extend,anytime,db2advis,relaxation)
#   ANYTIME_MINUTES  Anytime's max_runtime_minutes per budget (default 1)
#   KIT_URL    where to clone the kit from (default github.com/marcelja/tpch-kit, the
#              platform's: gregrahn/tpch-kit with Q1 and Q13 fixed for PostgreSQL)
#   KIT_DIR    where the built kit is kept between runs
#              (default ~/.cache/pg_conventions/tpch-kit-<commit>)
#   PLATFORM   the platform (default shared/vendor/index_selection_evaluation
#              next to the clone)
#   OUT        directory for the results (default a temporary one, printed)
#   KEEP_DB=1  keep the database bench_analytic at the end; REUSE_DB=1 skips
#              the loading when it is there (runs after the first, same SF)
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
    ;;
  *) echo "advisor_analytic: unknown WORKLOAD \"$WORKLOAD\" (tpch)" >&2; exit 2 ;;
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
if [ ! -x "$KIT_DIR/dbgen/qgen" ]; then
  echo "== getting the TPC-H kit: $KIT_URL at ${KIT_COMMIT:0:12}"
  rm -rf "$KIT_DIR"
  mkdir -p "$(dirname "$KIT_DIR")"
  git clone -q "$KIT_URL" "$KIT_DIR"
  git -C "$KIT_DIR" -c advice.detachedHead=false checkout -q "$KIT_COMMIT"
  nice -n 10 make -s -C "$KIT_DIR/dbgen" MACHINE=LINUX DATABASE=POSTGRESQL >/dev/null 2>&1 ||
    make -C "$KIT_DIR/dbgen" MACHINE=LINUX DATABASE=POSTGRESQL
fi

export PGDATABASE=bench_analytic
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
start=$(date +%s)
if [ "${REUSE_DB:-0}" = 1 ] && psql -XAt -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PGDATABASE'" | grep -q 1; then
  echo "== reusing the database $PGDATABASE (REUSE_DB=1)"
else
  echo "== TPC-H at scale factor $SF: generating and loading (COPY), no primary keys, as the platform loads it"
  psql_q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE" -c "CREATE DATABASE $PGDATABASE" \
    -c "ALTER DATABASE $PGDATABASE SET pg_conventions.mode = off"
  # the kit's own DDL (dss.ddl); the platform strips the primary keys it does not have
  psql_q -c "SET pg_conventions.mode = off" -f "$KIT_DIR/dbgen/dss.ddl"
  psql_q -c "CREATE EXTENSION pg_conventions" -c "CREATE EXTENSION pg_stat_statements" -c "CREATE EXTENSION hypopg"
  # dbgen's files (at SF 1, 1 GB) in a scratch directory, each removed once loaded
  data=$(mktemp -d)
  trap 'rm -rf "$data"' EXIT
  (cd "$data" && nice -n 10 "$KIT_DIR/dbgen/dbgen" -q -f -s "$SF" -b "$KIT_DIR/dbgen/dists.dss")
  for t in nation region supplier part partsupp customer orders lineitem; do
    psql_q -c "COPY $t FROM STDIN (DELIMITER '|')" < "$data/$t.tbl"
    rm "$data/$t.tbl"
  done
  psql_q -c "VACUUM ANALYZE"
  echo "  loaded in $(( $(date +%s) - start )) s: $(psql -XAtc "SELECT pg_size_pretty(sum(pg_relation_size(oid))) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace") of tables"
fi

OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
# the queries as the platform generates them: qgen with its default substitutions
(cd "$KIT_DIR/dbgen" && DSS_QUERY=queries ./qgen -c -d -s "$SF") > "$OUT/qgen.sql"
PYTHONPATH="$PLATFORM:$here" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$here/advisor_analytic.py" \
  "$OUT/qgen.sql" "$OUT"
echo "== results in $OUT; whole run $(( $(date +%s) - start )) s after the kit"
[ "${KEEP_DB:-0}" = 1 ] || psql_q -d postgres -c "DROP DATABASE $PGDATABASE"
