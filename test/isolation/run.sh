#!/usr/bin/env bash
#
# test/isolation/run.sh -- isolation specs of concurrent DDL under the guard.
#
# Runs every test/isolation/specs/*.spec with pg_isolation_regress in a
# temporary instance (--temp-instance; as the postgres user when run as root)
# whose configuration preloads pg_conventions in enforce:
#   shared_preload_libraries = 'pg_conventions'   (the installed library)
#   pg_conventions.mode = enforce
#   pg_conventions.disabled_rules = 'migration_safety'   (the specs that are
#       about the migration-safety rules turn them on in their sessions)
# and compares each with test/isolation/expected/<name>.out.  Exits non-zero
# when a spec's output differs (regression.diffs is printed), or when the
# server log has an internal error (SQLSTATE XX000), a PANIC or a backend
# terminated by a signal.
#
# Needs postgresql-15 (server) and postgresql-client-15, which ships
# pg_isolation_regress and isolationtester under lib/pgxs/src/test/isolation.
#
# Environment:
#   PG_CONFIG          pg_config of the server (default: PostgreSQL 15's)
#   PG_CONVENTIONS_LIB library to preload (default: pg_conventions; an
#                      absolute path tests a private build)
#   KEEP_TMP=1         keep the temporary directory (results, server log)
#
# Usage: test/isolation/run.sh [spec ...]     (default: all specs)
#
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
BINDIR=$("$PG_CONFIG" --bindir)
REGRESS=$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/isolation/pg_isolation_regress
LIB=${PG_CONVENTIONS_LIB:-pg_conventions}

if [ ! -x "$REGRESS" ] || [ ! -x "$(dirname "$REGRESS")/isolationtester" ]; then
	echo "isolation: pg_isolation_regress or isolationtester missing in $(dirname "$REGRESS")" >&2
	echo "isolation: install postgresql-client-15" >&2
	exit 1
fi

if [ $# -gt 0 ]; then
	SPECS=("$@")
else
	SPECS=()
	for f in "$HERE"/specs/*.spec; do
		SPECS+=("$(basename "$f" .spec)")
	done
fi

TMP=$(mktemp -d /tmp/pgconv_isolation.XXXXXX)
cleanup() {
	local rc=$?
	# pg_regress stops its temporary instance itself; this is for a kill
	# in the middle of a run
	if [ -f "$TMP/out/tmp_check/data/postmaster.pid" ]; then
		as_owner "$BINDIR/pg_ctl" -D "$TMP/out/tmp_check/data" -m immediate -w stop \
			>/dev/null 2>&1 || true
	fi
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "isolation: kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The inputs are copied so that the postgres user can read them wherever the
# checkout is; pg_regress writes its results beside them.
mkdir -p "$TMP/in" "$TMP/out"
cp -r "$HERE/specs" "$HERE/expected" "$TMP/in/"
cat >"$TMP/temp.conf" <<EOF
shared_preload_libraries = '$LIB'
pg_conventions.mode = enforce
pg_conventions.disabled_rules = 'migration_safety'
log_line_prefix = '%m [%p] %e '
log_error_verbosity = verbose
max_connections = 20
fsync = off
EOF
if [ "$(id -u)" -eq 0 ]; then
	chown -R postgres: "$TMP"
fi

echo "isolation: ${#SPECS[@]} specs, library $LIB in enforce"
set +e
(cd "$TMP/out" && as_owner "$REGRESS" \
	--bindir="$BINDIR" \
	--temp-instance="$TMP/out/tmp_check" \
	--temp-config="$TMP/temp.conf" \
	--inputdir="$TMP/in" \
	--outputdir="$TMP/out" \
	--no-locale \
	"${SPECS[@]}")
rc=$?
set -e

if [ "$rc" -ne 0 ] && [ -f "$TMP/out/regression.diffs" ]; then
	cat "$TMP/out/regression.diffs"
fi
LOG=$TMP/out/log/postmaster.log
if [ -f "$LOG" ] && grep -Eq ' XX000 |terminated by signal|PANIC:' "$LOG"; then
	echo "isolation: FAIL: in the server log:"
	grep -E -A3 ' XX000 |terminated by signal|PANIC:' "$LOG" | head -40
	rc=1
fi
if [ "$rc" -ne 0 ]; then
	echo "isolation: FAIL"
	exit 1
fi
echo "isolation: PASS"
