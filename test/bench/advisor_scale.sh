#!/usr/bin/env bash
# Benchmark: how long suggest_indexes() takes on a wider workload than
# advisor.sh's: TABLES tables of ROWS rows (seed-style columns: a status of
# few values, a foreign key, a timestamp, jsonb, an array, soft deletes) and
# eight statement shapes on each (lookups, a sort, containment, a join, an
# OR, = ANY, an UPDATE), captured for CAPTURE seconds at rate 1.  Prints
# the time of a call without a budget and with (32 indexes, 20 MB).
#
# Runs inside a server environment (PGHOST/PGPORT/PGUSER set, as under
# pg_virtualenv) whose server preloads pg_conventions; scripts/bench.sh
# sets one up.
set -euo pipefail
TABLES=${TABLES:-10}
ROWS=${ROWS:-50000}
CAPTURE=${CAPTURE:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PGDATABASE=bench_scale
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench_scale" -c "CREATE DATABASE bench_scale" \
  -c "ALTER DATABASE bench_scale SET pg_conventions.mode = off"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION pg_conventions;
SELECT format('CREATE TABLE t%s (id bigint PRIMARY KEY, a int, b int, c int, d text, e timestamptz,
                 f jsonb, g int[], parent bigint, deleted_at timestamptz)', t),
       format('INSERT INTO t%s SELECT i, i %% 100, i %% 1000, i %% 7, ''x'' || i %% 500,
                 now() - i * interval ''1 min'', jsonb_build_object(''k'', i %% 9), ARRAY[i %% 30],
                 i %% 5000, CASE WHEN i %% 20 = 0 THEN now() END FROM generate_series(1, $ROWS) i', t)
  FROM generate_series(1, $TABLES) t \gexec
VACUUM ANALYZE;
SQL
cat > "$work/w.sql" <<SQL
\set t random(1, $TABLES)
\set x random(1, 100)
SELECT count(*) FROM t:t WHERE a = :x AND c = 3;
SELECT id, d FROM t:t WHERE b = :x AND deleted_at IS NULL ORDER BY e DESC LIMIT 10;
SELECT id FROM t:t WHERE f @> '{"k": 3}' AND a = :x;
SELECT x.id FROM t:t x JOIN t1 y ON y.id = x.parent WHERE x.c = 2 AND y.a = :x;
SELECT id FROM t:t WHERE d = 'x7' OR b = :x;
SELECT id FROM t:t WHERE g && ARRAY[:x] ORDER BY e LIMIT 5;
SELECT * FROM t:t WHERE parent = ANY(ARRAY[:x, :x + 1]);
UPDATE t:t SET c = c WHERE id = :x;
SQL
psql -X -q -c "SELECT conventions.workload_reset()" >/dev/null
PGOPTIONS="-c pg_conventions.capture_sample_rate=1" pgbench -n -f "$work/w.sql" -T "$CAPTURE" -c 2 -j 2 2>&1 |
  grep -E '^tps' | sed 's/^/  /'
echo "== $TABLES tables of $ROWS rows; captured: $(psql -XAtc "SELECT count(DISTINCT query) FROM conventions.workload()") statements, $(psql -XAtc "SELECT count(*) FROM conventions.workload()") value sets"
for budget in "" "32, 20000000"; do
  start=$(date +%s.%N)
  result=$(psql -XAt -c "SELECT count(*) || ' indexes, ' || pg_size_pretty(sum(estimated_size)) FROM conventions.suggest_indexes($budget)" 2>/dev/null)
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" -v r="$result" -v n="suggest_indexes($budget)" 'BEGIN { printf "  %-32s %s in %.1f s\n", n, r, b - a }'
done
psql -X -q -d postgres -c "DROP DATABASE bench_scale"
