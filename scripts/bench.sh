#!/usr/bin/env bash
# Benchmarks, each in a throwaway PostgreSQL 15 cluster: installs what is
# missing, builds and installs the extension, then runs test/bench/*.sh.
# Usage: bash scripts/bench.sh [name ...]   (N=..., ROUNDS=... are passed on;
#   HUGE_PAGES=1 runs missing_fk_indexes once more with huge pages, PRELOAD=1
#   once more with the library in shared_preload_libraries)
#   names: bulk_migration bulk_migration_instructions profile_migration old_debt missing_fk_indexes advisor
#   advisor_junction advisor_scale query_patterns;  MODE=warn runs bulk_migration under warn;
#   advisor and advisor_junction take USERS=..., CALLS=..., ROUNDS=... (see
#   test/bench/advisor_judge.sh; USERS=5000 CALLS=5 ROUNDS=2 OVERHEAD=0: minutes);
#   advisor_analytic (TPC-H, not in the default: SF=1 takes hours; SF=0.1 for a quick run;
#   WORKLOAD=tpcds for TPC-DS, SF 1 at least);
#   OLD=<commit> runs old_debt and bulk_migration_instructions with that
#   commit's library beside this one
#   default all
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_PACKAGES="linux-perf bc valgrind python3-psycopg2 postgresql-15-hypopg postgresql-15-pg-qualstats"
. scripts/setup.sh
wanted=" ${*:-bulk_migration bulk_migration_instructions profile_migration old_debt missing_fk_indexes advisor advisor_junction advisor_scale query_patterns} "
want() { [[ $wanted == *" $1 "* ]]; }
# OLD=<commit>: that commit's library, built from git archive in a directory
# of its own (printed; nothing without OLD), for a benchmark to run beside this one
old_library() {
  [ -n "${OLD:-}" ] || return 0
  local dir
  dir=$(mktemp -d)
  git archive "$OLD" | tar -x -C "$dir"
  make -s -C "$dir" PG_CONFIG="$PG_CONFIG" >/dev/null
  chmod -R a+rX "$dir"
  echo "$dir"
}
if want bulk_migration; then
  for shape in txn per_table; do
    SHAPE=$shape pg_virtualenv -v $PG_MAJOR -o max_locks_per_transaction=1024 \
      bash test/bench/bulk_migration.sh
  done
fi
if want bulk_migration_instructions; then
  old_libdir=$(old_library)
  OLD_LIBDIR=$old_libdir PGVERSION=$PG_MAJOR bash test/bench/bulk_migration_instructions.sh
  [ -n "$old_libdir" ] && rm -rf "$old_libdir"
fi
if want profile_migration; then
  for shape in txn per_table; do
    SHAPE=$shape pg_virtualenv -v $PG_MAJOR -o shared_preload_libraries=pg_conventions \
      -o max_locks_per_transaction=1024 bash test/bench/profile_migration.sh
  done
fi
if want old_debt; then
  old_libdir=$(old_library)
  OLD_LIBDIR=$old_libdir pg_virtualenv -v $PG_MAJOR bash test/bench/old_debt.sh
  [ -n "$old_libdir" ] && rm -rf "$old_libdir"
fi
if want missing_fk_indexes; then
  pg_virtualenv -v $PG_MAJOR -o max_locks_per_transaction=2048 \
    bash test/bench/missing_fk_indexes.sh
  # HUGE_PAGES=1: once more with shared memory in 2 MB pages (reserved for
  # the run, as root, and given back), where a new backend maps the catalog
  # pages it reads at almost no cost
  # PRELOAD=1: once more with the library loaded by the postmaster, as a
  # server running the guard has it (the guard off while the schema is built)
  if [ "${PRELOAD:-0}" = 1 ]; then
    echo "== the same with shared_preload_libraries = pg_conventions"
    pg_virtualenv -v $PG_MAJOR -o max_locks_per_transaction=2048 -o shared_preload_libraries=pg_conventions \
      bash test/bench/missing_fk_indexes.sh
  fi
  if [ "${HUGE_PAGES:-0}" = 1 ]; then
    old_huge=$(cat /proc/sys/vm/nr_hugepages)
    echo 200 | $SUDO tee /proc/sys/vm/nr_hugepages >/dev/null
    trap 'echo "$old_huge" | $SUDO tee /proc/sys/vm/nr_hugepages >/dev/null' EXIT
    echo "== the same with huge_pages = on"
    pg_virtualenv -v $PG_MAJOR -o max_locks_per_transaction=2048 -o huge_pages=on \
      bash test/bench/missing_fk_indexes.sh
  fi
fi
# the advisor benchmarks judge index sets by real time: shared buffers that
# hold the tables and every set's indexes, so that no set reads another's
# leftovers from the kernel's cache
for name in advisor advisor_junction; do
  if want $name; then
    pg_virtualenv -v $PG_MAJOR -o shared_preload_libraries=pg_conventions,pg_qualstats,pg_stat_statements \
      -o shared_buffers=1GB bash test/bench/$name.sh
  fi
done
if want advisor_analytic; then
  pg_virtualenv -v $PG_MAJOR -o shared_preload_libraries=pg_conventions,pg_stat_statements \
    bash test/bench/advisor_analytic.sh
fi
if want advisor_scale; then
  pg_virtualenv -v $PG_MAJOR -o shared_preload_libraries=pg_conventions bash test/bench/advisor_scale.sh
fi
if want query_patterns; then
  # one server per configuration, all loaded at once
  bash test/bench/query_patterns.sh
  # the same cost in instructions (callgrind), which the machine's noise cannot move
  bash test/bench/query_patterns_instructions.sh
fi
