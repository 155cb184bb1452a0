#!/usr/bin/env bash
#
# test/stress/ddl_pgbench.sh -- bounded concurrent-DDL stress of the preloaded guard.
#
# Starts a throwaway server (as the postgres user when run as root) with
# pg_stat_statements and pg_conventions in shared_preload_libraries,
# pg_conventions.mode = enforce and pg_conventions.capture_sample_rate = 1,
# then runs pgbench: 8 clients for STRESS_SECONDS (20 s) on the same three
# table names t_1..t_3, mixing
#   CREATE TABLE IF NOT EXISTS, CREATE INDEX IF NOT EXISTS,
#   ALTER TABLE ... ADD COLUMN IF NOT EXISTS in a function (one kept, one in
#   a block rolled back to its savepoint), DROP TABLE IF EXISTS,
#   readers of the racing tables (in a function) and top-level prepared
#   readers of a stable table (what the workload capture samples).
#
# The tables conform to the guard's rules (uuid primary key DEFAULT
# gen_random_uuid(), created_at/updated_at timestamptz NOT NULL DEFAULT now(),
# index idx_<table>_<column>), so no violation (SQLSTATE class PC) is
# expected: one would abort its pgbench client and fail the run.
#
# PostgreSQL 15's pgbench aborts a client on any error, so each DDL runs in a
# PL/pgSQL function that catches the races PostgreSQL itself has on these
# statements -- 23505 (duplicate key in pg_type/pg_class), 42P01, 42P07,
# 42710, 42701, 40P01 -- and counts them in sequences; anything else, above
# all XX000, propagates and aborts the client.
#
# One script caches a table's name in the backend (to_regclass) and then runs
# CREATE INDEX IF NOT EXISTS in the next transaction after a 1 ms pause: the
# window in which a concurrent DROP TABLE makes PostgreSQL's
# RangeVarCallbackOwnsRelation fail with "cache lookup failed for relation"
# unless the guard has locked the table first.
#
# Fails (exit 1) when pgbench fails or aborts a client, or when the server
# log or pgbench's output has SQLSTATE XX000, "cache lookup failed", a PANIC
# or a backend "terminated by signal".
#
# Environment:
#   PG_CONFIG          pg_config of the server (default: PostgreSQL 15's)
#   PG_CONVENTIONS_LIB library to preload (default: pg_conventions, the
#                      installed one; an absolute path for a private build)
#   STRESS_SECONDS     pgbench duration (default 20)
#   STRESS_CLIENTS     pgbench clients (default 8)
#   STRESS_PORT        port of the throwaway server (default 5498; its socket
#                      is in a private directory, so this cannot collide)
#   KEEP_TMP=1         keep the temporary directory (server log, pgbench log)
#
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
BINDIR=$("$PG_CONFIG" --bindir)
LIB=${PG_CONVENTIONS_LIB:-pg_conventions}
SECONDS_TO_RUN=${STRESS_SECONDS:-20}
CLIENTS=${STRESS_CLIENTS:-8}
PORT=${STRESS_PORT:-5498}

TMP=$(mktemp -d /tmp/ddl_pgbench.XXXXXX)
DATA=$TMP/data
LOG=$TMP/server.log
STARTED=0

# Run a command as the server's owner: postgres when we are root.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

cleanup() {
	local rc=$?
	if [ "$STARTED" -eq 1 ]; then
		as_owner "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "ddl_pgbench: kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -eq 0 ]; then
	chown postgres: "$TMP"
fi
chmod 700 "$TMP"

as_owner "$BINDIR/initdb" -D "$DATA" -A trust -U postgres --no-locale -E UTF8 >"$TMP/initdb.log" 2>&1 ||
	{ cat "$TMP/initdb.log"; exit 1; }
cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = ''
port = $PORT
unix_socket_directories = '$TMP'
max_connections = 40
fsync = off
synchronous_commit = off
deadlock_timeout = 100ms
shared_preload_libraries = 'pg_stat_statements, $LIB'
pg_conventions.mode = enforce
pg_conventions.capture_sample_rate = 1
# the migration-safety rules stay on (their lookups race the DDL too): the
# migrations run with a lock_timeout, and dropping a table that holds rows
# only warns
lock_timeout = '60s'
pg_conventions.warning_rules = 'rename_or_drop'
log_line_prefix = '%m [%p] %e '
log_error_verbosity = verbose
log_min_messages = warning
EOF
as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null ||
	{ cat "$LOG"; exit 1; }
STARTED=1

PSQL=("$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$TMP" -p "$PORT" -U postgres -d postgres)
"${PSQL[@]}" <<'SQL'
SET pg_conventions.mode = enforce;

-- What the DDL functions caught, by SQLSTATE (sequences: not rolled back).
CREATE SEQUENCE stress_caught_23505;
CREATE SEQUENCE stress_caught_42p01;
CREATE SEQUENCE stress_caught_42p07;
CREATE SEQUENCE stress_caught_42710;
CREATE SEQUENCE stress_caught_42701;
CREATE SEQUENCE stress_caught_40p01;
CREATE FUNCTION stress_count(code text) RETURNS void LANGUAGE sql
	AS $$ SELECT nextval(('stress_caught_' || lower(code))::regclass) $$;

-- The stable table the top-level readers read (the capture samples them).
CREATE TABLE stress_items (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX idx_stress_items_name ON stress_items (name);
INSERT INTO stress_items (name) SELECT 'n' || g FROM generate_series(1, 200) g;

CREATE FUNCTION stress_create_table(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE IF NOT EXISTS %I (
		id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text,
		created_at timestamptz NOT NULL DEFAULT now(),
		updated_at timestamptz NOT NULL DEFAULT now())', 't_' || n);
EXCEPTION WHEN unique_violation OR undefined_table OR duplicate_table OR
		duplicate_object OR duplicate_column OR deadlock_detected THEN
	PERFORM stress_count(SQLSTATE);
END $$;

-- pause: seconds between the transaction's start and the CREATE INDEX
CREATE FUNCTION stress_create_index(n int, pause float8 DEFAULT 0) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF pause > 0 THEN
		PERFORM pg_sleep(pause);
	END IF;
	EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (name)',
				   'idx_t_' || n || '_name', 't_' || n);
EXCEPTION WHEN unique_violation OR undefined_table OR duplicate_table OR
		duplicate_object OR duplicate_column OR deadlock_detected THEN
	PERFORM stress_count(SQLSTATE);
END $$;

-- One column kept, one added in a block rolled back to its savepoint.
CREATE FUNCTION stress_add_columns(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('ALTER TABLE IF EXISTS %I ADD COLUMN IF NOT EXISTS title text', 't_' || n);
	BEGIN
		EXECUTE format('ALTER TABLE IF EXISTS %I ADD COLUMN IF NOT EXISTS note text', 't_' || n);
		RAISE EXCEPTION 'roll back to the savepoint' USING ERRCODE = 'raise_exception';
	EXCEPTION WHEN raise_exception THEN
		NULL;
	END;
EXCEPTION WHEN unique_violation OR undefined_table OR duplicate_table OR
		duplicate_object OR duplicate_column OR deadlock_detected THEN
	PERFORM stress_count(SQLSTATE);
END $$;

-- Only the savepoint rolled back.
CREATE FUNCTION stress_add_column_rolled_back(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		EXECUTE format('ALTER TABLE IF EXISTS %I ADD COLUMN IF NOT EXISTS note text', 't_' || n);
		RAISE EXCEPTION 'roll back to the savepoint' USING ERRCODE = 'raise_exception';
	EXCEPTION WHEN raise_exception THEN
		NULL;
	END;
EXCEPTION WHEN unique_violation OR undefined_table OR duplicate_table OR
		duplicate_object OR duplicate_column OR deadlock_detected THEN
	PERFORM stress_count(SQLSTATE);
END $$;

CREATE FUNCTION stress_drop_table(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('DROP TABLE IF EXISTS %I', 't_' || n);
EXCEPTION WHEN undefined_table OR deadlock_detected THEN
	PERFORM stress_count(SQLSTATE);
END $$;

CREATE FUNCTION stress_read(n int, v text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	c bigint;
BEGIN
	EXECUTE format('SELECT count(*) FROM %I WHERE name = $1', 't_' || n) INTO c USING v;
	RETURN c;
EXCEPTION WHEN undefined_table THEN
	PERFORM stress_count(SQLSTATE);
	RETURN -1;
END $$;

-- Leaves the name -> OID entry in this backend's cache, not the OID's row.
CREATE FUNCTION stress_peek(n int) RETURNS boolean LANGUAGE sql
	AS $$ SELECT to_regclass('t_' || n) IS NOT NULL $$;
SQL

S=$TMP/scripts
mkdir "$S"
printf '%s\n' '\set t random(1, 3)' 'SELECT stress_create_table(:t);' >"$S/create_table.sql"
printf '%s\n' '\set t random(1, 3)' 'SELECT stress_create_index(:t);' >"$S/create_index.sql"
printf '%s\n' '\set t random(1, 3)' 'SELECT stress_peek(:t);' \
	'SELECT stress_create_index(:t, 0.001);' >"$S/peek_create_index.sql"
printf '%s\n' '\set t random(1, 3)' 'SELECT stress_add_columns(:t);' >"$S/add_columns.sql"
printf '%s\n' '\set t random(1, 3)' 'SELECT stress_add_column_rolled_back(:t);' >"$S/add_column_rolled_back.sql"
printf '%s\n' '\set t random(1, 3)' 'SELECT stress_drop_table(:t);' >"$S/drop_table.sql"
printf '%s\n' '\set t random(1, 3)' '\set v random(1, 50)' 'SELECT stress_read(:t, :v);' >"$S/read_racing.sql"
printf '%s\n' '\set v random(1, 300)' 'SELECT count(*) FROM stress_items WHERE name = :v;' \
	'SELECT id FROM stress_items WHERE name = :v ORDER BY created_at LIMIT 1;' >"$S/read_stable.sql"

echo "ddl_pgbench: $CLIENTS clients, ${SECONDS_TO_RUN}s, library $LIB (enforce, capture_sample_rate 1)"
set +e
PGHOST=$TMP PGPORT=$PORT PGUSER=postgres "$BINDIR/pgbench" -n -M prepared \
	-c "$CLIENTS" -j 2 -T "$SECONDS_TO_RUN" \
	-f "$S/create_table.sql@3" -f "$S/create_index.sql@2" -f "$S/peek_create_index.sql@3" \
	-f "$S/add_columns.sql@1" -f "$S/add_column_rolled_back.sql@2" -f "$S/drop_table.sql@3" \
	-f "$S/read_racing.sql@2" -f "$S/read_stable.sql@2" \
	postgres >"$TMP/pgbench.log" 2>&1
PGBENCH_RC=$?
set -e

failed=0
if [ "$PGBENCH_RC" -ne 0 ]; then
	echo "ddl_pgbench: FAIL: pgbench exited with $PGBENCH_RC"
	failed=1
fi
if grep -q 'aborted' "$TMP/pgbench.log"; then
	echo "ddl_pgbench: FAIL: pgbench clients aborted:"
	grep 'aborted' "$TMP/pgbench.log" | head -20
	failed=1
fi
if grep -Eq 'cache lookup failed|XX000|server closed the connection' "$TMP/pgbench.log"; then
	echo "ddl_pgbench: FAIL: internal errors or lost connections in pgbench's output:"
	grep -E 'cache lookup failed|XX000|server closed the connection' "$TMP/pgbench.log" | head -20
	failed=1
fi
# SQLSTATE is the third field of log_line_prefix; LOCATION lines follow each error
if grep -Eq ' XX000 |cache lookup failed|terminated by signal|PANIC:' "$LOG"; then
	echo "ddl_pgbench: FAIL: in the server log:"
	grep -E -A3 ' XX000 |cache lookup failed|terminated by signal|PANIC:' "$LOG" | head -40
	failed=1
fi
if ! "${PSQL[@]}" -Atc 'SELECT 1' >/dev/null 2>&1; then
	echo "ddl_pgbench: FAIL: the server no longer answers"
	failed=1
fi

grep -E '^(number of transactions actually processed|number of failed transactions|tps)' "$TMP/pgbench.log" |
	sed 's/^/ddl_pgbench:   /' || true
caught=$("${PSQL[@]}" -Atc "SELECT string_agg(upper(substr(sequencename, 15)) || ' ' ||
		coalesce(last_value, 0), ', ' ORDER BY sequencename)
	FROM pg_sequences WHERE sequencename LIKE 'stress\_caught\_%'" 2>/dev/null || echo '?')
echo "ddl_pgbench:   PostgreSQL's own races, caught in the functions: $caught"
echo "ddl_pgbench:   errors in the server log: $(grep -Eo '^[^ ]+ [^ ]+ [^ ]+ \[[0-9]+\] [0-9A-Z]{5} (ERROR|FATAL|PANIC):' "$LOG" |
	awk '{print $5, $6}' | sort | uniq -c | awk '{printf "%s%s %s %s", sep, $2, $3, $1; sep=", "} END {if (NR == 0) printf "none"}')"

if [ "$failed" -ne 0 ]; then
	echo "ddl_pgbench: last lines of pgbench's output:"
	tail -5 "$TMP/pgbench.log" | sed 's/^/ddl_pgbench:   /'
	echo "ddl_pgbench: FAIL (KEEP_TMP=1 keeps the server log and pgbench's output)"
	exit 1
fi
echo "ddl_pgbench: PASS: no internal error, no crash"
