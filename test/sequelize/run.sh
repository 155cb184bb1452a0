#!/usr/bin/env bash
# The Sequelize end-to-end tests: the guard (conventions.test.js) and the
# query-pattern detector (query_patterns.test.js).
# Runs inside a server environment: the libpq variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGDATABASE) of a superuser, on a server started with
# shared_preload_libraries=pg_conventions, e.g.
#   pg_virtualenv -o shared_preload_libraries=pg_conventions bash test/sequelize/run.sh
# Needs node (18 or later) and npm. Exit code: the test result.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
node --test conventions.test.js
exec node --test query_patterns.test.js
