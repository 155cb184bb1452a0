#!/usr/bin/env bash
# Benchmark: conventions.missing_fk_indexes() on a catalog of 10,000 tables
# with about 22,000 foreign keys (some indexed, some not, some covered only
# by a composite primary key), against a straightforward catalog query of
# the same meaning, timed in one run.
#
# Runs inside a server environment (PGHOST/PGPORT/PGUSER set, as under
# pg_virtualenv); scripts/bench.sh sets one up.
#   TABLES   tables (default 10000)
#   ROUNDS   timed calls of each (default 9)
set -euo pipefail
TABLES=${TABLES:-10000}
ROUNDS=${ROUNDS:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_q -d postgres -c "DROP DATABASE IF EXISTS bench_fk" -c "CREATE DATABASE bench_fk"
psql_q -d bench_fk -c "CREATE EXTENSION pg_conventions"

# Table i references tables i-1 and i-2, and every fifth one i-3 too:
# 2 * TABLES + TABLES / 5 keys.  a_id is indexed on every third table; b_id
# is covered by a composite primary key (b_id, id) on every seventh; c_id
# never is.
echo "== building $TABLES tables"
for start in $(seq 0 500 $((TABLES - 1))); do
  {
    echo "BEGIN;"
    for i in $(seq "$start" $((start + 499))); do
      [ "$i" -ge "$TABLES" ] && break
      cols="id int NOT NULL, a_id int, b_id int, c_id int"
      if [ $((i % 7)) -eq 0 ] && [ "$i" -ge 2 ]; then pk="PRIMARY KEY (b_id, id)"; else pk="PRIMARY KEY (id)"; fi
      echo "CREATE TABLE t$i ($cols, $pk);"
      echo "CREATE UNIQUE INDEX t${i}_id ON t$i (id);"
      [ "$i" -ge 1 ] && echo "ALTER TABLE t$i ADD FOREIGN KEY (a_id) REFERENCES t$((i - 1)) (id);"
      [ "$i" -ge 2 ] && echo "ALTER TABLE t$i ADD FOREIGN KEY (b_id) REFERENCES t$((i - 2)) (id);"
      [ "$i" -ge 3 ] && [ $((i % 5)) -eq 0 ] && echo "ALTER TABLE t$i ADD FOREIGN KEY (c_id) REFERENCES t$((i - 3)) (id);"
      [ $((i % 3)) -eq 0 ] && echo "CREATE INDEX ON t$i (a_id);"
    done
    echo "COMMIT;"
  } > "$work/batch.sql"
  PGOPTIONS="-c pg_conventions.mode=off" psql_q -d bench_fk -f "$work/batch.sql" >/dev/null
done
psql_q -d bench_fk -c "VACUUM ANALYZE pg_class, pg_index, pg_constraint, pg_attribute" >/dev/null

cat > "$work/plain.sql" <<'SQL'
SELECT count(*) FROM (
SELECT c.conrelid, c.conname
  FROM pg_constraint c
  JOIN pg_class r ON r.oid = c.conrelid
  JOIN pg_namespace n ON n.oid = r.relnamespace
 WHERE c.contype = 'f' AND c.conparentid = 0
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
   AND r.relpersistence <> 't'
   AND NOT EXISTS (
     SELECT 1
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = c.conrelid AND i.indisvalid AND i.indislive AND i.indpred IS NULL
        AND (am.amname = 'btree' OR (am.amname = 'hash' AND cardinality(c.conkey) = 1))
        AND i.indnkeyatts >= cardinality(c.conkey)
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
) missing;
SQL
# the same query producing what the report produces: column names, sizes,
# write activity and a CREATE INDEX per key
cat > "$work/plain_full.sql" <<'SQL'
SELECT count(*) FROM (
SELECT c.conrelid::regclass, c.conname, c.confrelid::regclass,
       (SELECT array_agg(a.attname ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, i)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS fk_columns,
       r.reltuples::bigint, r.relpages::bigint * current_setting('block_size')::int,
       s.n_tup_upd, s.n_tup_del,
       format('CREATE INDEX CONCURRENTLY IF NOT EXISTS %I ON %I.%I (%s);',
              left('idx_' || r.relname || '_' || (SELECT string_agg(a.attname, '_' ORDER BY k.i)
                 FROM unnest(c.conkey) WITH ORDINALITY k(attnum, i)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), 63),
              n.nspname, r.relname,
              (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
                 FROM unnest(c.conkey) WITH ORDINALITY k(attnum, i)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum))
  FROM pg_constraint c
  JOIN pg_class r ON r.oid = c.conrelid
  JOIN pg_namespace n ON n.oid = r.relnamespace
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.confrelid
 WHERE c.contype = 'f' AND c.conparentid = 0
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
   AND r.relpersistence <> 't'
   AND NOT EXISTS (
     SELECT 1
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = c.conrelid AND i.indisvalid AND i.indislive AND i.indpred IS NULL
        AND (am.amname = 'btree' OR (am.amname = 'hash' AND cardinality(c.conkey) = 1))
        AND i.indnkeyatts >= cardinality(c.conkey)
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
 ORDER BY 1, 2
) missing;
SQL
echo "SELECT count(*) FROM conventions.missing_fk_indexes();" > "$work/ours.sql"
# the floor: only reading the rows of the four catalogs the report must read
# (every foreign key, every relation, every index, every column name)
cat > "$work/floor.sql" <<'SQL'
SELECT (SELECT count(conkey) FROM pg_constraint) + (SELECT count(relname) FROM pg_class)
     + (SELECT count(indkey) FROM pg_index) + (SELECT count(attname) FROM pg_attribute);
SQL

# each timed call in a fresh session, so both start from cold catalog caches
time_one() {  # prints "ms count"
  psql -X -q -At -d bench_fk -c '\timing on' -f "$1" 2>&1 |
    awk '/^[0-9]+$/ {n = $1} /^Time:/ {t = $2} END {print t, n}'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

keys=$(psql_q -d bench_fk -At -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace")
: > "$work/ours.t"; : > "$work/plain.t"; : > "$work/full.t"; : > "$work/floor.t"
for r in $(seq 1 "$ROUNDS"); do
  read -r t n < <(time_one "$work/ours.sql"); echo "$t" >> "$work/ours.t"; ours_n=$n
  read -r t n < <(time_one "$work/plain.sql"); echo "$t" >> "$work/plain.t"; plain_n=$n
  read -r t n < <(time_one "$work/plain_full.sql"); echo "$t" >> "$work/full.t"; full_n=$n
  read -r t n < <(time_one "$work/floor.sql"); echo "$t" >> "$work/floor.t"
done
o=$(median < "$work/ours.t"); p=$(median < "$work/plain.t"); f=$(median < "$work/full.t")
fl=$(median < "$work/floor.t")
echo "missing_fk_indexes(): $TABLES tables, $keys foreign keys"
echo "cold: $ROUNDS calls each, each the first statement of a new session, medians"
echo "  conventions.missing_fk_indexes(): ${o} ms, $ours_n keys without a covering index   (rounds: $(paste -sd' ' "$work/ours.t"))"
echo "  plain catalog query, keys only:   ${p} ms, $plain_n keys   (rounds: $(paste -sd' ' "$work/plain.t"))"
echo "  plain query, the report's columns: ${f} ms, $full_n keys   (rounds: $(paste -sd' ' "$work/full.t"))"
echo "  floor, reading the rows of the four catalogs and nothing else: ${fl} ms   (rounds: $(paste -sd' ' "$work/floor.t"))"
awk -v o="$o" -v p="$p" -v f="$f" 'BEGIN { printf "  ratio ours/plain: %.2f (keys only), %.2f (same columns)   (targets: under 50 ms, and no slower than the plain query)\n", o / p, o / f }'

# warm: the same statements repeated in one session (caches filled, shared
# buffers mapped), the first call of each left out
time_warm() {  # prints the median of ROUNDS calls after a first one
  { echo '\timing on'; for _ in $(seq 0 "$ROUNDS"); do cat "$1"; done; } |
    psql -X -q -At -d bench_fk 2>&1 | awk '/^Time:/ {print $2}' | tail -n +2 | median
}
wo=$(time_warm "$work/ours.sql"); wp=$(time_warm "$work/plain.sql"); wf=$(time_warm "$work/plain_full.sql")
wfl=$(time_warm "$work/floor.sql")
echo "warm: $ROUNDS calls each in one session after a first call, medians"
echo "  conventions.missing_fk_indexes(): ${wo} ms;  plain keys only: ${wp} ms;  plain same columns: ${wf} ms;  floor: ${wfl} ms"
awk -v o="$wo" -v p="$wp" -v f="$wf" 'BEGIN { printf "  ratio ours/plain: %.2f (keys only), %.2f (same columns)\n", o / p, o / f }'
psql_q -d postgres -c "DROP DATABASE bench_fk"
