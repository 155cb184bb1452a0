#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine: installs what is missing, builds
# and installs the extension, starts a throwaway PostgreSQL 15 cluster with
# the guard in shared_preload_libraries (pg_virtualenv, loopback only), and
# runs demo/demo.sql: warnings, an enforced rejection, the audit, the fixes.
# Usage: bash scripts/demo.sh             (as root, or as a user with sudo)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
. scripts/leftover_cluster.sh
drop_leftover_regress "$PG_MAJOR"
echo "== starting a throwaway PostgreSQL $PG_MAJOR cluster with the guard preloaded"
pg_virtualenv -v $PG_MAJOR -o shared_preload_libraries=pg_conventions \
  psql -X -v ON_ERROR_STOP=0 -f demo/demo.sql
