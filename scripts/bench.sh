#!/usr/bin/env bash
# Benchmarks, each in a throwaway PostgreSQL 15 cluster: installs what is
# missing, builds and installs the extension, then runs test/bench/*.sh.
# Usage: bash scripts/bench.sh            (N=..., ROUNDS=... are passed on)
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_PACKAGES="linux-perf"
. scripts/setup.sh
for shape in txn per_table; do
  SHAPE=$shape pg_virtualenv -v $PG_MAJOR -o max_locks_per_transaction=1024 \
    bash test/bench/bulk_migration.sh
done
pg_virtualenv -v $PG_MAJOR -o shared_preload_libraries=pg_conventions -o max_locks_per_transaction=1024 \
  bash test/bench/profile_migration.sh
pg_virtualenv -v $PG_MAJOR -o max_locks_per_transaction=2048 \
  bash test/bench/missing_fk_indexes.sh
