#!/usr/bin/python3
"""The analytic advisor benchmark's measuring part (advisor_analytic.sh loads
the data and runs it): TPC-H's or TPC-DS's queries as the platform of Kossmann
et al. generates them, learned by our capture; our advisor and the platform's
algorithms (advisor_platform.py) at a series of storage budgets; every index
set built for real and judged by

  - its built bytes: pg_relation_size of each index, beside the advisor's
    estimate (ours: suggest_indexes' estimated_size; the platform's: hypopg's),
  - the workload's estimated cost: EXPLAIN's total cost, summed,
  - the workload's real time: every distinct index built once, each set
    switched to by a rolled-back DROP INDEX of the others; a warm-up round,
    then ROUNDS rounds, the sets interleaved in an order rotated from round to
    round, each query under statement_timeout; the sum of the queries'
    medians;

then the algorithms compared at equal built bytes: for each set, the best real
time each algorithm reached with as many built bytes or fewer.

Usage (PGHOST, PGPORT, PGUSER, PGDATABASE set; PYTHONPATH=<platform>:<this directory>):
    advisor_analytic.py QUERY_GENERATOR_OUTPUT OUTDIR
(qgen's output for TPC-H, dsqgen's for TPC-DS.)
Environment: WORKLOAD (tpch or tpcds), SF, ROUNDS, TIMEOUT, BUDGETS_MB,
ALGORITHMS, ANYTIME_MINUTES, CAPTURE_RUNS (how often each query runs while the
capture learns, default 1).
"""
import json
import logging
import os
import re
import statistics
import sys
import time

import psycopg2
import psycopg2.errors

import advisor_platform
from selection.query_generator import QueryGenerator

# the platform's TPC-H queries: all but 2, 17 and 20 (their run time)
TPCH_QUERIES = [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 21, 22]
# five of the platform's TPC-H budgets at scale factor 10, in MB (its example
# config, 250 to 15000), scaled by SF / 10
PLATFORM_BUDGETS_SF10 = [250, 1000, 2000, 5000, 12500]
# the platform's TPC-DS queries (example_configs/config_tpcds.json): all but 4,
# 6, 9, 10, 11, 32, 35, 41 and 95
TPCDS_QUERIES = [q for q in range(1, 100) if q not in (4, 6, 9, 10, 11, 32, 35, 41, 95)]
# the same five of its TPC-DS budgets (config_tpcds.json, also 250 to 15000 MB
# at scale factor 10), scaled by SF / 10
TPCDS_BUDGETS_SF10 = [250, 1000, 2000, 5000, 12500]
MB = 1e6
SIZE_MISS = 0.10  # an estimate further than this from the built size is flagged


def env_float(name, default):
    return float(os.environ.get(name) or default)


def tpch_queries(qgen_output, connector):
    """{number: text} as the platform's QueryGenerator makes them from qgen -c
    -d: split at each query's comment, its PostgreSQL rewrites
    (update_query_text), but Q15's view as a WITH query, so that it is one
    statement the capture can learn and the advisors can plan."""
    queries = {}
    for part in qgen_output.split("Query (Q"):
        nr_text = part.split(")\n", 1)
        if len(nr_text) != 2 or not nr_text[0].isdigit():
            continue
        nr = int(nr_text[0])
        if nr not in TPCH_QUERIES:
            continue
        text = connector.update_query_text(nr_text[1].replace("\t", " "))
        view = re.search(r"create view (\w+) (\([^)]*\)) as(.*?);\s*(select.*?);\s*drop view \w+",
                         text, re.S | re.I)
        if view:
            text = f"with {view.group(1)} {view.group(2)} as ({view.group(3)})\n{view.group(4)}"
        queries[nr] = uncommented(text)
    return complete(queries, TPCH_QUERIES, "qgen")


def tpcds_queries(dsqgen_output, connector):
    """{number: text} as the platform's QueryGenerator makes them from dsqgen
    -QUALIFY Y -DIALECT netezza: split at each query's start comment, its
    TPC-DS rewrites (_update_tpcds_query_text: "returns" as an alias, the
    rollup queries' "lochierarchy" alias spelled out), its PostgreSQL rewrites
    (update_query_text), then the first statement only: four templates (14,
    23, 24, 39) hold two, and the platform plans and runs only the first
    (_prepare_query)."""
    queries = {}
    for part in dsqgen_output.split("-- start query"):
        nr_text = part.split(".tpl\n", 1)
        if len(nr_text) != 2:
            continue
        nr = int(nr_text[0].split("using template query")[-1])
        if nr not in TPCDS_QUERIES:
            continue
        # the platform's own rewrite, a method that reads nothing of its object
        text = QueryGenerator._update_tpcds_query_text(None, nr_text[1])
        text = connector.update_query_text(text)
        text = next(s for s in text.split(";") if "select" in s or "SELECT" in s)
        queries[nr] = uncommented(text)
    return complete(queries, TPCDS_QUERIES, "dsqgen")


def uncommented(text):
    """The query without its -- lines (qgen's and dsqgen's comments), as one
    statement with no trailing semicolon."""
    text = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return text.strip().rstrip(";").strip()


def complete(queries, wanted, generator):
    missing = set(wanted) - set(queries)
    if missing:
        sys.exit(f"advisor_analytic: {generator} gave no text for queries {sorted(missing)}")
    return dict(sorted(queries.items()))


# per workload: its queries, the platform's budgets at scale factor 10 (MB),
# the default statement_timeout (seconds) at a scale factor.  TPC-DS at SF 1
# without indexes: 83 of the 90 queries take about 100 s together, and 7 (1,
# 14, 30, 54, 64, 74, 81) run past 10 s each, three of them (1, 30, 81) for
# a correlated subquery over a WITH query, scanned again for each outer row
WORKLOADS = {
    "tpch": (tpch_queries, PLATFORM_BUDGETS_SF10, lambda sf: max(10, 60 * sf)),
    "tpcds": (tpcds_queries, TPCDS_BUDGETS_SF10, lambda sf: 10 * sf),
}


def connect(**settings):
    # a setting's dot written as __ (pg_conventions__capture_sample_rate)
    options = " ".join(f"-c {k.replace('__', '.')}={v}" for k, v in settings.items())
    conn = psycopg2.connect(options=options)
    conn.autocommit = True
    return conn


def fetch(conn, sql, args=None):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def learn(queries, runs, timeout_ms):
    """Our capture (at sample rate 1) and pg_stat_statements learn the
    workload: each query runs `runs` times.  A query the timeout cancels is
    captured too, with the time it ran; the run says which were."""
    admin = connect()
    fetch(admin, "SELECT conventions.workload_reset(), pg_stat_statements_reset()")
    conn = connect(pg_conventions__capture_sample_rate=1, statement_timeout=timeout_ms)
    cancelled = []
    for _ in range(runs):
        for nr, q in queries.items():
            try:
                fetch(conn, q)
            except psycopg2.errors.QueryCanceled:
                cancelled.append(nr)
    conn.close()
    captured = fetch(admin, """SELECT count(DISTINCT queryid) FROM conventions.workload()
                                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())""")[0][0]
    admin.close()
    return captured, sorted(set(cancelled))


def ours(budget):
    """Our advisor under a byte budget (None: none): the CREATE INDEX
    statements with their estimated sizes, and the NOTICEs it raised."""
    conn = connect()
    rows = fetch(conn, """SELECT fix_sql, estimated_size FROM conventions.suggest_indexes(max_size => %s)""",
                 (budget,))
    notices = [n.strip() for n in conn.notices]
    conn.close()
    return [(sql, size) for sql, size in rows], notices


def platform(db, wl, name, budget, anytime_minutes):
    algorithm = advisor_platform.algorithms(budget, 0, anytime_minutes)[name]
    statements = advisor_platform.create_statements(advisor_platform.choose(db, wl, algorithm))
    return [split_estimate(s) for s in statements]


def column_pairs(db, wl):
    conn = advisor_platform.Connector(db, autocommit=True)
    statements = advisor_platform.create_statements(advisor_platform.column_pairs(conn, wl))
    conn.close()
    return [split_estimate(s) for s in statements]


def split_estimate(statement):
    m = re.match(r"(.*;) -- estimated (\d+) bytes$", statement)
    return (m.group(1), int(m.group(2))) if m else (statement, None)


def normalized(statement):
    """A CREATE INDEX without what does not change the index built."""
    s = statement.lower().split("--")[0]
    s = re.sub(r"\bconcurrently\b|\bif not exists\b|\bpublic\.|\busing btree\b|;", " ", s)
    s = re.sub(r"^\s*create\s+index\s+(\S+\s+)?on\s", "create index on ", s)
    return " ".join(s.replace("(", " ( ").replace(")", " ) ").replace(",", " , ").split())


INDEX_INFO = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), pg_relation_size(i.indexrelid),
       c.relname::text, c.reltuples::bigint,
       (SELECT string_agg(format_type(a.atttypid, a.atttypmod), ', ' ORDER BY k.ord)
          FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE k.ord <= i.indnkeyatts)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = 'public'::regnamespace"""


def indexes(conn):
    return {r[0]: r for r in fetch(conn, INDEX_INFO)}


def build_all(sets):
    """Every distinct index of every set built once, renamed judge_N (a
    definition two advisors share is built once), then one ANALYZE, so that
    every set is planned from the same statistics: {normalized statement:
    what was built}."""
    conn = connect(maintenance_work_mem="256MB")
    built = {}
    for _, _, statements, _, _ in sets:
        for sql, _ in statements:
            key = normalized(sql)
            if key in built:
                continue
            before = indexes(conn)
            fetch_none(conn, sql)
            (name, info), = ((n, i) for n, i in indexes(conn).items() if n not in before)
            judge_name = f"judge_{len(built)}"
            fetch_none(conn, f"ALTER INDEX {name} RENAME TO {judge_name}")
            built[key] = {"name": name, "judge_name": judge_name, "definition": info[1], "built": info[2],
                          "table": info[3], "rows": info[4], "key_types": info[5], "statement": sql}
    fetch_none(conn, "ANALYZE")
    conn.close()
    return built


def run_set(conn, queries, drop, timeout_s, skip, cost=False):
    """One run of the workload with the set's indexes only: in a transaction
    that drops every other judge index and is rolled back (a rolled-back DROP
    INDEX changes only the catalog, so switching sets costs milliseconds and
    every index stays cached).  Each query under statement_timeout in a
    savepoint; a query cancelled once (in skip) counts as the timeout and is
    not run again.  ({query: seconds}, cancelled now, estimated cost or None)"""
    fetch_none(conn, "BEGIN")
    for name in drop:
        fetch_none(conn, f"DROP INDEX {name}")
    total_cost = sum(fetch(conn, "EXPLAIN (FORMAT JSON) " + q)[0][0][0]["Plan"]["Total Cost"]
                     for q in queries.values()) if cost else None
    times, cancelled = {}, []
    for nr, q in queries.items():
        if nr in skip:
            times[nr] = timeout_s
            continue
        fetch_none(conn, "SAVEPOINT q")
        t0 = time.perf_counter()
        try:
            fetch(conn, q)
            times[nr] = time.perf_counter() - t0
            fetch_none(conn, "RELEASE SAVEPOINT q")
        except psycopg2.errors.QueryCanceled:
            times[nr] = timeout_s
            cancelled.append(nr)
            fetch_none(conn, "ROLLBACK TO SAVEPOINT q")
    fetch_none(conn, "ROLLBACK")
    return times, cancelled, total_cost


def judge_all(keys, built, queries, rounds, timeout_s):
    """Every distinct set (keys: tuples of normalized statements) judged in
    rounds: a warm-up round (which also takes the estimated cost), then
    `rounds` timed rounds, the sets in an order rotated from round to round,
    so that the machine's drift weighs on every set alike.  A set's time is
    the sum of its queries' medians."""
    conn = connect(pg_conventions__capture_sample_rate=0, statement_timeout=int(timeout_s * 1000))
    every = {b["judge_name"] for b in built.values()}
    drop = {k: sorted(every - {built[s]["judge_name"] for s in k}) for k in keys}
    times = {k: {nr: [] for nr in queries} for k in keys}
    cancelled = {k: set() for k in keys}
    costs = {}
    for r in range(rounds + 1):
        shift = (r - 1) % len(keys) if r else 0
        for k in keys[shift:] + keys[:shift]:
            t, c, cost = run_set(conn, queries, drop[k], timeout_s, cancelled[k], cost=(r == 0))
            cancelled[k].update(c)
            if r == 0:
                costs[k] = cost
            else:
                for nr, sec in t.items():
                    times[k][nr].append(sec)
        if r:
            say(f"  round {r} of {rounds}: " + ", ".join(
                f"{sum(times[k][nr][-1] for nr in queries):.2f}" for k in keys) + " s")
    conn.close()
    out = {}
    for k in keys:
        medians = {nr: statistics.median(ts) for nr, ts in times[k].items()} if rounds else {}
        out[k] = {"cost": costs[k], "time": sum(medians.values()) if rounds else None,
                  "medians": medians, "cancelled": sorted(cancelled[k])}
    return out


def drop_all(built):
    conn = connect()
    for b in built.values():
        fetch_none(conn, f"DROP INDEX {b['judge_name']}")
    conn.close()


def fetch_none(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)


def main():
    generated_file, outdir = sys.argv[1], sys.argv[2]
    logging.basicConfig(level=logging.WARNING)
    db = os.environ["PGDATABASE"]
    workload = os.environ.get("WORKLOAD") or "tpch"
    make_queries, platform_budgets, default_timeout = WORKLOADS[workload]
    sf = env_float("SF", 1)
    rounds = int(os.environ.get("ROUNDS") or 3)
    timeout_s = env_float("TIMEOUT", default_timeout(sf))
    budgets = [int(float(b) * MB) for b in (os.environ.get("BUDGETS_MB") or "").split()] or \
              [int(b * sf / 10 * MB) for b in platform_budgets]
    names = (os.environ.get("ALGORITHMS") or "extend,anytime").split(",")
    anytime_minutes = env_float("ANYTIME_MINUTES", 1)
    capture_runs = int(os.environ.get("CAPTURE_RUNS") or 1)

    connector = advisor_platform.Connector(db, autocommit=True)
    with open(generated_file) as f:
        queries = make_queries(f.read(), connector)
    # the evaluator's table, which the platform reads its workload from
    # (advisor_platform.workload: judge.eval, outside public, where the
    # platform's parser would take it for one of the workload's tables)
    connector.exec_only("CREATE SCHEMA IF NOT EXISTS judge")
    connector.exec_only("DROP TABLE IF EXISTS judge.eval")
    connector.exec_only("CREATE TABLE judge.eval (q text NOT NULL, weight float8 NOT NULL)")
    for q in queries.values():
        connector._cursor.execute("INSERT INTO judge.eval VALUES (%s, 1)", (q,))
    connector.close()

    t0 = time.time()
    captured, cancelled = learn(queries, capture_runs, int(timeout_s * 1000))
    say(f"== capture: {len(queries)} queries x {capture_runs} at capture_sample_rate 1, "
        f"statement_timeout {timeout_s:g} s: {captured} statements captured in {time.time() - t0:.0f} s"
        + (f"; cancelled by the timeout (captured with the time they ran): Q{', Q'.join(map(str, cancelled))}"
           if cancelled else ""))

    # every advisor's sets first (ours before anything else runs statements
    # that pg_stat_statements would see), then each distinct set judged
    sets = []  # (algorithm, budget, statements, advisor seconds, notices)
    for budget in budgets + [None]:
        t0 = time.time()
        statements, notices = ours(budget)
        sets.append(("ours", budget, statements, time.time() - t0, notices))
    say(f"== ours at {len(budgets)} budgets and without: {sum(s[3] for s in sets):.0f} s")
    wl = advisor_platform.workload(db)
    for name in names:
        for budget in budgets:
            t0 = time.time()
            statements = platform(db, wl, name, budget, anytime_minutes)
            sets.append((name, budget, statements, time.time() - t0, []))
        say(f"== platform: {name} at {len(budgets)} budgets, {sum(s[3] for s in sets if s[0] == name):.0f} s")
    t0 = time.time()
    sets.append(("column_pairs", None, column_pairs(db, wl), time.time() - t0, []))
    sets.insert(0, ("no indexes", None, [], 0, []))

    t0 = time.time()
    built = build_all(sets)
    keys = list(dict.fromkeys(tuple(sorted(normalized(s) for s, _ in statements))
                              for _, _, statements, _, _ in sets))
    say(f"== built {len(built)} distinct indexes of {len(keys)} distinct sets, "
        f"{sum(b['built'] for b in built.values()) / MB:,.1f} MB, in {time.time() - t0:.0f} s")
    t0 = time.time()
    judged = judge_all(keys, built, queries, rounds, timeout_s)
    results = []
    for algorithm, budget, statements, seconds, notices in sets:
        j = judged[tuple(sorted(normalized(s) for s, _ in statements))]
        # the same indexes, the same measurement; the estimates are this advisor's own
        ixs = [dict(built[normalized(s)], estimated=e) for s, e in statements]
        results.append({"algorithm": algorithm, "budget": budget, "advisor_seconds": seconds,
                        "notices": notices, "statements": [s for s, _ in statements], "indexes": ixs,
                        "built": sum(b["built"] for b in ixs), **j})
    say(f"== judged {len(keys)} distinct index sets in {time.time() - t0:.0f} s "
        f"({rounds} timed rounds after a warm-up, the sets interleaved, statement_timeout {timeout_s:g} s)")
    drop_all(built)

    with open(f"{outdir}/results.json", "w") as f:
        json.dump({"workload": workload, "sf": sf, "rounds": rounds, "timeout": timeout_s, "budgets": budgets,
                   "cancelled_in_capture": cancelled, "queries": queries, "results": results}, f, indent=1)
    report = "\n".join(report_lines(results))
    with open(f"{outdir}/report.md", "w") as f:
        f.write(report + "\n")
    print(report)


def say(line):
    print(line, flush=True)


def fmt_mb(b):
    return "no budget" if b is None else f"{b / MB:,.1f} MB"


def set_name(r):
    return r["algorithm"] + ("" if r["algorithm"] in ("no indexes", "column_pairs") else " " + fmt_mb(r["budget"]))


def fmt_s(t):
    return "–" if t is None else f"{t:.2f}"


def unnamed(definition):
    return re.sub(r"^CREATE INDEX \S+ ON (public\.)?", "", definition).replace(" USING btree", "")


def report_lines(results):
    return sets_table(results) + equal_bytes(results, "time", "real time (s)", fmt_s) + \
        equal_bytes(results, "cost", "estimated cost", lambda c: f"{c:,.0f}") + \
        size_estimates(results) + notices(results)


def sets_table(results):
    out = ["", "### Every index set, built", "",
           "| advisor | budget | indexes | estimated | built | built / budget | estimated cost | real time (s) "
           "| cancelled | advisor's time (s) |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        est = [b["estimated"] for b in r["indexes"]]
        est_s = fmt_mb(sum(est)) if est and None not in est else "–"
        over = "" if r["budget"] is None else \
            f"{r['built'] / r['budget']:.2f}" + (" **over**" if r["built"] > r["budget"] else "")
        out.append(f"| {r['algorithm']} | {fmt_mb(r['budget']) if r['budget'] else '–'} | {len(r['indexes'])} "
                   f"| {est_s} | {fmt_mb(r['built'])} | {over} | {r['cost']:,.0f} | {fmt_s(r['time'])} "
                   f"| {' '.join('Q%d' % q for q in r['cancelled'])} | {r['advisor_seconds']:.1f} |")
    return out


def equal_bytes(results, metric, title, fmt):
    """Each advisor's best `metric` with at most the built bytes of each set
    (no indexes counts for every advisor): the comparison at equal real bytes."""
    if any(r[metric] is None for r in results):
        return []
    algos = list(dict.fromkeys(r["algorithm"] for r in results if r["algorithm"] != "no indexes"))
    out = ["", f"### At equal built bytes: each advisor's best {title} with at most these bytes built", "",
           "| built | set | " + " | ".join(algos) + " |", "|---|---|" + "---|" * len(algos)]
    for r in sorted(results, key=lambda r: (r["built"], r["algorithm"])):
        if r["algorithm"] == "no indexes":
            continue
        best = [min(x[metric] for x in results
                    if x["algorithm"] in (a, "no indexes") and x["built"] <= r["built"]) for a in algos]
        cells = [f"**{fmt(v)}**" if v == min(best) else fmt(v) for v in best]
        out.append(f"| {fmt_mb(r['built'])} | {set_name(r)} | " + " | ".join(cells) + " |")
    return out


def size_estimates(results):
    seen = {}
    for r in results:
        for b in r["indexes"]:
            if b["estimated"]:
                seen.setdefault((r["algorithm"] != "ours", unnamed(b["definition"])), b)
    out = ["", f"### Size estimates against the built indexes (misses over {SIZE_MISS:.0%} flagged)", "",
           "| estimated by | index | key types | table rows | estimated | built | built / estimated |",
           "|---|---|---|---|---|---|---|"]
    for (platform_estimate, definition), b in sorted(seen.items()):
        ratio = b["built"] / b["estimated"]
        flag = " **miss**" if abs(ratio - 1) > SIZE_MISS else ""
        out.append(f"| {'platform (hypopg)' if platform_estimate else 'ours'} | `{definition}` | {b['key_types']} "
                   f"| {b['rows']:,} | {b['estimated'] / MB:,.2f} MB | {b['built'] / MB:,.2f} MB | {ratio:.2f}{flag} |")
    return out


def notices(results):
    out = ["", "### Our NOTICEs", ""]
    for r in results:
        if r["algorithm"] == "ours":
            out.append(f"- {fmt_mb(r['budget'])}: " + (" / ".join(n.replace("\n", " ") for n in r["notices"]) or "(none)"))
    return out


if __name__ == "__main__":
    main()
