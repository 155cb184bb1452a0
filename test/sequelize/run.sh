#!/usr/bin/env bash
# The Sequelize end-to-end test (conventions.test.js).
# Runs inside a server environment: the libpq variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGDATABASE) of a superuser, on a server started with
# shared_preload_libraries=pg_conventions, e.g.
#   pg_virtualenv -o shared_preload_libraries=pg_conventions bash test/sequelize/run.sh
# Needs node (18 or later) and npm. Exit code: the test result.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
exec node --test conventions.test.js
