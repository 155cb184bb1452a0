# shellcheck shell=bash disable=SC2154  # work: set by the sourcing script
# The judge of the advisor benchmarks (test/bench/advisor.sh,
# test/bench/advisor_junction.sh), sourced by each: every index set is
# judged by the REAL execution time of the workload's statements, replayed as
# an application runs them (prepared statements, parameter values), with the
# planner's estimated cost and the built bytes beside it.
#
# A workload script sets PGDATABASE and work (a directory of its own), then:
#   judge_init                  the database, made anew (the guard off), its
#                               extensions, and schema judge: the statement
#                               and call tables, the evaluator, hypopg's
#                               per-query advice
#   its tables and data         in schema public, primary keys only
#   INSERT INTO judge.stmts     its statements: name, weight (executions per
#                               CALLS), the text with $n parameters, and an
#                               SQL expression (text[], may use random())
#                               drawing one call's parameter values (a
#                               subquery in it must refer to the column
#                               call, the call's number, or it is drawn once)
#   judge_run EXPERT_FILE       the calls, the learning replay with every
#                               advisor watching, each advisor's index set,
#                               the measurement and the table
# Environment:
#   CALLS       executions per unit of weight in one replay (default 10)
#   ROUNDS      measured rounds per index set, interleaved (default 5)
#   BUDGET_MB   the storage budget of the budgeted rows (default 60; 10^6 bytes)
#   SMALL_MB    a tight budget for a row of ours (default 25)
#   PLATFORM    the index selection platform of Kossmann et al. (default
#               shared/vendor/index_selection_evaluation next to the clone)
#   KEEP        1: the database is kept at the end, every set's indexes
#               built under the judge's names (judge.idx, judge.member), to
#               look at a set's plans
#
# How one index set is measured.  Every index of every set is built once,
# under a name of the judge's (an index two sets share, by definition, is
# built once), then the whole database is ANALYZEd once, so that every set
# is planned from the same statistics.  One run of a set is one psql
# session that, in a transaction, DROPs every judge index that is not in
# the set, PREPAREs the statements, executes the fixed list of calls
# (EXECUTE with literal parameter values, results read by the client), takes
# the elapsed time from the first EXECUTE to the last, reads the time of
# each statement from pg_stat_statements (planning included), EXPLAINs the
# evaluator's statements, and rolls back.  A rolled-back DROP INDEX is
# catalog work only (the file is unlinked at commit, never here), so the
# set's plans see exactly its indexes, the heap and the other indexes stay
# where they are, and switching costs milliseconds instead of a build.
# Every set runs once to warm up, then ROUNDS rounds, each round running
# every set in turn (the order rotated each round); the median is the
# set's time.
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
JUDGE_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CALLS=${CALLS:-10}
ROUNDS=${ROUNDS:-5}
BUDGET_MB=${BUDGET_MB:-60}
SMALL_MB=${SMALL_MB:-25}
PLATFORM=${PLATFORM:-$(cd "$JUDGE_HERE/../../.." && pwd)/shared/vendor/index_selection_evaluation}
# the measured sessions: no capture, no pg_qualstats, planning time counted
JUDGE_OPTIONS="-c pg_conventions.capture_sample_rate=0 -c pg_qualstats.enabled=off -c pg_stat_statements.track_planning=on"

judge_init() {
  psql_q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE" -c "CREATE DATABASE $PGDATABASE" \
    -c "ALTER DATABASE $PGDATABASE SET pg_conventions.mode = off"
  psql_q <<'SQL'
CREATE EXTENSION pg_conventions;
CREATE EXTENSION pg_stat_statements;
CREATE EXTENSION pg_qualstats;
CREATE EXTENSION hypopg;
CREATE SCHEMA judge;
CREATE TABLE judge.stmts (name text PRIMARY KEY, weight int NOT NULL, sql text NOT NULL, args text NOT NULL);
CREATE TABLE judge.calls (nr serial PRIMARY KEY, phase text NOT NULL, name text NOT NULL, args text[] NOT NULL);
CREATE TABLE judge.eval (q text NOT NULL, weight float8 NOT NULL);
CREATE TABLE judge.idx (name text PRIMARY KEY, def text UNIQUE NOT NULL, bytes bigint NOT NULL);
CREATE TABLE judge.member (set_nr int, idx text REFERENCES judge.idx, PRIMARY KEY (set_nr, idx));
-- a statement with its parameters as literals (for EXPLAIN and the platform)
CREATE FUNCTION judge.bind(sql text, args text[]) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN REVERSE coalesce(array_length(args, 1), 0)..1 LOOP
    sql := replace(sql, '$' || i, quote_literal(args[i]));
  END LOOP;
  RETURN sql;
END $$;
-- the evaluator: EXPLAIN's total cost of the concrete statements, weighted
CREATE FUNCTION judge.workload_cost() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
  e record;
  plan json;
  total float8 := 0;
BEGIN
  FOR e IN SELECT * FROM judge.eval LOOP
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || e.q INTO plan;
    total := total + e.weight * (plan -> 0 -> 'Plan' ->> 'Total Cost')::float8;
  END LOOP;
  RETURN round(total::numeric, 1);
END $$;
-- hypopg single-column advice for one query, as Supabase's index_advisor
-- does it: every column of every table gets a hypothetical index, the
-- generic plan keeps those it uses
CREATE FUNCTION judge.hypopg_advice(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  nargs int;
  args text;
  plan text;
BEGIN
  DEALLOCATE ALL;
  PERFORM hypopg_reset();
  EXECUTE 'PREPARE ia AS ' || query;
  SELECT coalesce(array_length(parameter_types, 1), 0) INTO nargs FROM pg_prepared_statements WHERE name = 'ia';
  args := CASE WHEN nargs = 0 THEN '' ELSE '(' || array_to_string(array_fill('NULL'::text, ARRAY[nargs]), ',') || ')' END;
  PERFORM hypopg_create_index(format('CREATE INDEX ON %I.%I (%I)', n.nspname, c.relname, a.attname))
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE c.relkind IN ('r', 'm') AND c.relpersistence = 'p' AND n.nspname = 'public'
      AND a.attnum > 0 AND NOT a.attisdropped
      AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indkey::text = a.attnum::text
                                                AND i.indexprs IS NULL AND i.indpred IS NULL);
  DEALLOCATE ia;
  EXECUTE 'PREPARE ia AS ' || query;
  SET LOCAL plan_cache_mode = force_generic_plan;
  EXECUTE 'EXPLAIN (FORMAT JSON) EXECUTE ia' || args INTO plan;
  RETURN QUERY SELECT hypopg_get_indexdef(h.indexrelid) FROM hypopg() h WHERE plan LIKE '%' || h.indexname || '%';
  PERFORM hypopg_reset();
  DEALLOCATE ALL;
END $$;
-- the indexes a set's file just created, under the judge's names: one
-- already built by another set with the same definition is dropped and
-- shared
CREATE FUNCTION judge.register(s int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  i record;
  d text;
  known text;
BEGIN
  FOR i IN SELECT x.indexrelid::regclass AS idx
             FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
            WHERE c.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
              AND c.relname NOT IN (SELECT name FROM judge.idx) LOOP
    d := regexp_replace(pg_get_indexdef(i.idx), '^(CREATE (UNIQUE )?INDEX) \S+ ON ', '\1 ON ');
    SELECT name INTO known FROM judge.idx WHERE def = d;
    IF FOUND THEN
      EXECUTE format('DROP INDEX %s', i.idx);
    ELSE
      known := 'judge_' || (SELECT count(*) + 1 FROM judge.idx);
      EXECUTE format('ALTER INDEX %s RENAME TO %I', i.idx, known);
      INSERT INTO judge.idx VALUES (known, d, pg_relation_size(i.idx));
    END IF;
    INSERT INTO judge.member VALUES (s, known) ON CONFLICT DO NOTHING;
  END LOOP;
END $$;
SQL
}

# the calls of both phases, drawn from each statement's args expression
# (a fixed seed per phase: the same calls on every run), the evaluator's
# statements (the first five learning calls of each statement, the
# statement's weight shared among them), and the replay scripts
judge_calls() {
  psql_q <<SQL
DO \$\$
DECLARE
  s record;
  ph text;
BEGIN
  FOREACH ph IN ARRAY ARRAY['learn', 'judge'] LOOP
    PERFORM setseed(CASE ph WHEN 'learn' THEN 0.25 ELSE 0.75 END);
    FOR s IN SELECT * FROM judge.stmts ORDER BY name LOOP
      EXECUTE format('INSERT INTO judge.calls (phase, name, args) SELECT %L, %L, %s FROM generate_series(1, %s) g(call)',
                     ph, s.name, s.args, s.weight * $CALLS);
    END LOOP;
  END LOOP;
END \$\$;
INSERT INTO judge.eval
SELECT judge.bind(s.sql, c.args), s.weight::float8 / count(*) OVER (PARTITION BY s.name)
  FROM judge.stmts s
  JOIN LATERAL (SELECT args FROM judge.calls c WHERE c.name = s.name AND c.phase = 'learn' ORDER BY nr LIMIT 5) c ON true;
SQL
  psql -XAt -c "SELECT format('PREPARE %s AS %s;', name, sql) FROM judge.stmts ORDER BY name" > "$work/prepare.sql"
  local ph
  for ph in learn judge; do
    # the statements in a shuffled (fixed) order, as an application's requests come
    psql -XAt -c "SELECT format('EXECUTE %s%s;', name, (SELECT '(' || string_agg(quote_literal(a), ', ') || ')' FROM unnest(args) a))
                    FROM judge.calls WHERE phase = '$ph' ORDER BY md5(nr::text)" > "$work/$ph.sql"
  done
  echo "  $(grep -c . "$work/judge.sql") executions per replay of $(grep -c . "$work/prepare.sql") statements (CALLS=$CALLS)"
}

# learn: the learning calls replayed once with every advisor watching: our
# capture at rate 1 (the default 0.01 samples whole client periods, too few
# in one replay of an index-less workload), pg_qualstats at sample rate 1
judge_learn() {
  psql_q -c "SELECT pg_stat_statements_reset()" -c "SELECT pg_qualstats_reset()" -c "SELECT conventions.workload_reset()" >/dev/null
  local t0=$SECONDS
  PGOPTIONS="-c pg_qualstats.sample_rate=1 -c pg_conventions.capture_sample_rate=1" \
    psql_q -o /dev/null -f "$work/prepare.sql" -f "$work/learn.sql"
  echo "  learning replay: $((SECONDS - t0)) s; captured statements: $(psql -XAtc "SELECT count(DISTINCT query) FROM conventions.workload()
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")"
}

judge_sets=()   # "name|file", in the table's order
judge_add() { judge_sets+=("$1|$2"); }

# each advisor's index set, as CREATE INDEX statements in $work/sets/
judge_advise() {  # expert_file
  local expert=$1 s=$work/sets
  mkdir -p "$s"
  : > "$s/none.sql"
  psql -XAt -c "SELECT v FROM json_array_elements_text(pg_qualstats_index_advisor(min_filter => 50, min_selectivity => 30) -> 'indexes') v" > "$s/qualstats.sql"
  psql -XAt -c "SELECT DISTINCT a FROM judge.stmts s, judge.hypopg_advice(s.sql) a ORDER BY 1" > "$s/hypopg.sql"
  # statements ending in ";", each index once (pg_qualstats may list one twice)
  for f in "$s/qualstats.sql" "$s/hypopg.sql"; do
    sed 's/;*$/;/' "$f" | awk '$0 != ";" && !seen[$0]++' > "$f.u" && mv "$f.u" "$f"
  done
  cp "$expert" "$s/expert.sql"
  local nq nh ne b budgets
  nq=$(grep -c . "$s/qualstats.sql" || true); nh=$(grep -c . "$s/hypopg.sql" || true)
  ne=$(grep -c '^CREATE' "$s/expert.sql" || true)
  judge_add "primary keys only" "$s/none.sql"
  judge_add "hand-written expert set (seed's style)" "$s/expert.sql"
  judge_add "pg_qualstats_index_advisor()" "$s/qualstats.sql"
  judge_add "hypopg single-column per query" "$s/hypopg.sql"
  # ours with as many indexes as the other sets (no more), and 8
  budgets=$(printf '%s\n' "$nq" "$nh" "$ne" 8 | awk '$1 >= 1' | sort -nu)
  for b in $budgets; do
    # (fix_sql as it is: CREATE INDEX CONCURRENTLY, run one by one)
    psql -XAt -c "SELECT fix_sql FROM conventions.suggest_indexes($b)" > "$s/ours$b.sql"
    judge_add "conventions.suggest_indexes($b)" "$s/ours$b.sql"
  done
  psql -XAt -c "SELECT fix_sql FROM conventions.suggest_indexes(32, $((BUDGET_MB * 1000000)))" > "$s/ours_budget.sql"
  judge_add "conventions.suggest_indexes(32, ${BUDGET_MB} MB)" "$s/ours_budget.sql"
  psql -XAt -c "SELECT fix_sql FROM conventions.suggest_indexes(6, $((SMALL_MB * 1000000)))" > "$s/ours_small.sql"
  judge_add "conventions.suggest_indexes(6, ${SMALL_MB} MB)" "$s/ours_small.sql"
  psql -XAt -c "SELECT fix_sql FROM conventions.suggest_indexes()" > "$s/ours_default.sql"
  judge_add "conventions.suggest_indexes() (defaults)" "$s/ours_default.sql"
  if [ -f "$PLATFORM/selection/algorithms/extend_algorithm.py" ]; then
    mkdir -p "$s/platform"
    echo "== the platform's algorithms, budget ${BUDGET_MB} MB, $(grep -c . "$s/ours_budget.sql") indexes for those that take a count"
    PYTHONPATH="$PLATFORM" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$JUDGE_HERE/advisor_platform.py" \
      "$PGDATABASE" "$((BUDGET_MB * 1000000))" "$(grep -c . "$s/ours_budget.sql")" "$s/platform"
    local f
    for f in "$s"/platform/*.sql; do
      case $(basename "$f" .sql) in
        column_pairs) judge_add "column pairs per query (Dexter's procedure)" "$f" ;;
        *) judge_add "platform: $(basename "$f" .sql)" "$f" ;;
      esac
    done
  else
    echo "== the platform is not at $PLATFORM: its rows are left out"
  fi
}

# build every set's indexes once, shared by definition
judge_build() {
  local i name file t0=$SECONDS
  for i in "${!judge_sets[@]}"; do
    file=${judge_sets[$i]#*|}
    [ -s "$file" ] && PGOPTIONS="-c pg_conventions.mode=off" psql_q -f "$file" >/dev/null
    psql_q -c "SELECT judge.register($i)" >/dev/null
  done
  psql_q -c "ANALYZE"
  echo "  $(psql -XAtc "SELECT count(*) || ' distinct indexes, ' || pg_size_pretty(sum(bytes)) FROM judge.idx"), built in $((SECONDS - t0)) s"
}

# one run of set $1: prints "TIME ms", "STMT name calls ms" and, with $2 = cost, "COST x"
judge_once() {
  local i=$1 cost=${2:-}
  {
    echo "BEGIN;"
    psql -XAt -c "SELECT 'DROP INDEX ' || string_agg(quote_ident(name), ', ') || ';' FROM judge.idx
                   WHERE name NOT IN (SELECT idx FROM judge.member WHERE set_nr = $i)"
    cat "$work/prepare.sql"
    echo "SELECT pg_stat_statements_reset() \\g /dev/null"
    echo "SELECT clock_timestamp() AS judge_t0 \\gset"
    echo "\\o /dev/null"
    cat "$work/judge.sql"
    echo "\\o"
    echo "SELECT 'TIME', round(extract(epoch FROM clock_timestamp() - :'judge_t0') * 1000, 1);"
    echo "SELECT 'STMT', substring(query FROM '^PREPARE (\\w+)'), calls, round((total_plan_time + total_exec_time)::numeric, 1)
            FROM pg_stat_statements WHERE query LIKE 'PREPARE %'
             AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database());"
    [ -n "$cost" ] && echo "SELECT 'COST', judge.workload_cost();"
    echo "ROLLBACK;"
  } > "$work/run.sql"
  PGOPTIONS="$JUDGE_OPTIONS" psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 -f "$work/run.sql"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

judge_measure() {
  local n=${#judge_sets[@]} i r k out t0=$SECONDS
  mkdir -p "$work/m"
  echo "== warm-up: every set once (its estimated cost taken here)"
  for i in $(seq 0 $((n - 1))); do
    out=$(judge_once "$i" cost)
    awk '$1 == "COST" {print $2}' <<<"$out" > "$work/m/$i.cost"
    echo "  ${judge_sets[$i]%%|*}: $(awk '$1 == "TIME" {print $2}' <<<"$out") ms"
  done
  echo "== $ROUNDS rounds, every set in each, the order rotated"
  for r in $(seq 1 "$ROUNDS"); do
    for k in $(seq 0 $((n - 1))); do
      i=$(((k + r) % n))
      out=$(judge_once "$i")
      awk '$1 == "TIME" {print $2}' <<<"$out" >> "$work/m/$i.time"
      awk '$1 == "STMT" {print $2, $3, $4}' <<<"$out" >> "$work/m/$i.stmt"
    done
    echo "  round $r done ($((SECONDS - t0)) s)"
  done
}

judge_report() {
  local n=${#judge_sets[@]} i name file cnt bytes t cost top expert_t
  expert_t=$(median < "$work/m/1.time")
  echo
  echo "== per index set: its indexes, and where its time goes (ms per replay, mean of the rounds)"
  : > "$work/table"
  for i in $(seq 0 $((n - 1))); do
    name=${judge_sets[$i]%%|*}; file=${judge_sets[$i]#*|}
    read -r cnt bytes < <(psql -XAt -F ' ' -c "SELECT count(*), coalesce(sum(bytes), 0) FROM judge.idx
                                              WHERE name IN (SELECT idx FROM judge.member WHERE set_nr = $i)")
    t=$(median < "$work/m/$i.time")
    cost=$(cat "$work/m/$i.cost")
    top=$(awk '{ms[$1] += $3; all += $3} END {for (s in ms) printf "%s %.0f\n", s, 100 * ms[s] / all}' "$work/m/$i.stmt" |
          sort -k2,2nr | head -1 | awk '{printf "%s (%s %%)", $1, $2}')
    echo "-- $name: $cnt indexes, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}') MB; real time median $t ms (rounds: $(paste -sd' ' "$work/m/$i.time")); estimated cost $cost"
    sed 's/^/     /' "$file"
    awk -v R="$ROUNDS" '{ms[$1] += $3; c[$1] = $2} END {for (s in ms) printf "%12.1f ms  %5d calls  %s\n", ms[s] / R, c[s], s}' "$work/m/$i.stmt" |
      sort -nr | sed 's/^/   /'
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$cnt" \
      "$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')" "$t" \
      "$(awk -v a="$t" -v b="$expert_t" 'BEGIN {printf "%.2f", a / b}')" "$cost" "$top" >> "$work/table"
  done
  echo
  echo "| index set | indexes | size (MB) | real time (ms, median of $ROUNDS) | × expert | estimated cost | heaviest statement (share of time) |"
  echo "|---|---|---|---|---|---|---|"
  cat "$work/table"
}

# the whole judgement: calls, learning, advice, build, measure, table
judge_run() {  # expert_file
  local t0=$SECONDS
  judge_calls
  echo "== learning: the learning calls replayed once, every advisor watching"
  judge_learn
  judge_advise "$1"
  echo "== building ${#judge_sets[@]} index sets"
  judge_build
  judge_measure
  judge_report
  echo "== judged in $((SECONDS - t0)) s (advice, build, warm-up and $ROUNDS rounds)"
}
