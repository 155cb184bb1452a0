#!/usr/bin/env bash
# The tests of the pg-conventions Node package (clients/node): plain
# node-postgres, Sequelize in an application, and the real
# `npx sequelize-cli db:migrate` in throwaway sequelize-cli projects.
# Runs inside a server environment: the libpq variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGDATABASE) of a superuser, on a server started with
# shared_preload_libraries=pg_conventions, e.g.
#   pg_virtualenv -o shared_preload_libraries=pg_conventions bash clients/node/test/run.sh
# Each test creates its own database (pgc_node_<test>_<pid>) and drops it.
# Needs node (18 or later) and npm (the registry, for `npm ci` of the pinned
# devDependencies pg, sequelize, sequelize-cli). Works as root.
# Exit code: the test result; the runner's summary (# pass N, # fail N) is
# the end of the output.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error >/dev/null
# The TAP reporter prints the "# pass N" / "# fail N" summary whatever the
# terminal (the spec reporter, a TTY's default, prints "ℹ pass N").
exec node --test --test-reporter=tap test/*.test.js
