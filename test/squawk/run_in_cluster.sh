#!/usr/bin/env bash
# test/squawk/run.sh in a throwaway PostgreSQL 15 cluster with the guard
# preloaded (pg_virtualenv, loopback only), as the test command runs it.
set -euo pipefail
cd "$(dirname "$0")"
exec pg_virtualenv -v "${PG_MAJOR:-15}" -o shared_preload_libraries=pg_conventions bash run.sh
