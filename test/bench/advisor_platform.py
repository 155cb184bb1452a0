#!/usr/bin/python3
"""The reference rows of the advisor benchmarks (test/bench/advisor.sh,
advisor_junction.sh): the index selection algorithms of Kossmann et al.,
"Magic mirror in my hand, which is the best in the land?  An Experimental
Evaluation of Index Selection Algorithms" (VLDB 2020), run from their
platform as published (vendored in shared/vendor/index_selection_evaluation,
MIT; used, not copied), on the benchmark's workload and storage budget.

Reads the workload from the benchmark database's table judge.eval (q text,
weight float8: the statements the benchmark's evaluator costs, drawn from the
calls the advisors learn from) and writes, for each algorithm, the CREATE
INDEX statements it chose to OUTDIR/<algorithm>.sql.  The benchmark then
judges every index set as it judges ours (test/bench/advisor_judge.sh).

Usage (inside the benchmark's server environment: PGHOST, PGPORT, PGUSER set):
    PYTHONPATH=<platform> /usr/bin/python3 advisor_platform.py DB BUDGET_BYTES MAX_INDEXES OUTDIR
The analytic benchmark (advisor_analytic.py) imports it instead, and runs
some of the algorithms (algorithms(), choose()) at each of its budgets.

The platform's own settings are kept (max_index_width 2, as in the paper's
evaluation), but for the budget, which is the benchmark's: budget_MB for the
algorithms that take one, max_indexes for AutoAdmin and the Drop heuristic,
which take a count.  Each query is repeated in proportion to its weight (the
platform sums queries unweighted).  "Column pairs per query" stands in for
Dexter, whose adapter needs the dexter Ruby gem: for each query, the single
column, then the pair led by it, that lowers the query's cost most (at least
by Dexter's 50 %), the union over the queries.
"""
import logging
import sys

from selection.algorithms.anytime_algorithm import AnytimeAlgorithm
from selection.algorithms.auto_admin_algorithm import AutoAdminAlgorithm
from selection.algorithms.db2advis_algorithm import DB2AdvisAlgorithm
from selection.algorithms.drop_heuristic_algorithm import DropHeuristicAlgorithm
from selection.algorithms.extend_algorithm import ExtendAlgorithm
from selection.algorithms.relaxation_algorithm import RelaxationAlgorithm
from selection.cost_evaluation import CostEvaluation
from selection.dbms.postgres_dbms import PostgresDatabaseConnector
from selection.index import Index
from selection.workload import Query, Workload
from selection.workload_parser import WorkloadParser


class Connector(PostgresDatabaseConnector):
    """The platform's connector, but it leaves the database's indexes alone
    (its drop_indexes() drops every index in the schema, primary keys
    included)."""

    def drop_indexes(self):
        pass


def workload(db):
    conn = Connector(db, autocommit=True)
    rows = conn.exec_fetchall("SELECT q, weight FROM judge.eval ORDER BY q")
    conn.close()
    parser = WorkloadParser("postgres", db, "pg_conventions")
    tables = parser.get_tables()
    smallest = min(w for _, w in rows)
    queries = []
    for nr, (text, weight) in enumerate(rows):
        query = Query(nr, text)
        parser.store_indexable_columns(query, tables)
        # the same object repeated: the platform's cost cache prices it once
        queries.extend([query] * max(1, round(weight / smallest)))
    return Workload(queries)


def column_pairs(conn, wl):
    """Dexter's procedure, per query: the best single column, then the best
    pair led by it, kept when it halves the query's cost."""
    cost = CostEvaluation(conn)
    chosen = set()
    for query in {id(q): q for q in wl.queries}.values():
        one = Workload([query])
        base = cost.calculate_cost(one, [])
        best, best_cost = None, base
        for column in query.columns:
            c = cost.calculate_cost(one, [Index([column])])
            if c < best_cost:
                best, best_cost = Index([column]), c
        if best is None:
            continue
        lead = best.columns[0]
        for column in query.columns:
            if column == lead or column.table != lead.table:
                continue
            pair = Index([lead, column])
            c = cost.calculate_cost(one, [pair])
            if c < best_cost:
                best, best_cost = pair, c
        if best_cost <= base * 0.5:
            chosen.add(best)
    cost.complete_cost_estimation()
    return sorted(chosen)


def algorithms(budget, max_indexes, anytime_minutes=1):
    """The platform's algorithms and their parameters under our budget:
    bytes for those that take one, a count for the others."""
    budget_mb = budget / 1e6  # the platform's megabyte is 10^6 bytes
    return {
        "extend": (ExtendAlgorithm, {"budget_MB": budget_mb}),
        "db2advis": (DB2AdvisAlgorithm, {"budget_MB": budget_mb}),
        "relaxation": (RelaxationAlgorithm, {"budget_MB": budget_mb}),
        "anytime": (AnytimeAlgorithm, {"budget_MB": budget_mb, "max_runtime_minutes": anytime_minutes}),
        "auto_admin": (AutoAdminAlgorithm, {"max_indexes": max_indexes}),
        "drop_heuristic": (DropHeuristicAlgorithm, {"max_indexes": max_indexes}),
    }


def choose(db, wl, algorithm):
    """One algorithm's indexes for the workload, (class, parameters) as
    algorithms() gives them."""
    cls, params = algorithm
    conn = Connector(db, autocommit=True)
    indexes = cls(conn, params).calculate_best_indexes(wl)
    conn.close()
    return indexes


def main():
    db, budget, max_indexes, outdir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    logging.basicConfig(level=logging.WARNING)
    wl = workload(db)
    for name, algorithm in algorithms(budget, max_indexes).items():
        write(outdir, name, choose(db, wl, algorithm))
    conn = Connector(db, autocommit=True)
    write(outdir, "column_pairs", column_pairs(conn, wl))
    conn.close()


def create_statements(indexes):
    """CREATE INDEX for each index, with the platform's size estimate (hypopg's,
    when the algorithm made one) as a comment."""
    return [f"CREATE INDEX ON {index.table()} ({index.joined_column_names()});"
            + (f" -- estimated {index.estimated_size} bytes" if index.estimated_size else "")
            for index in indexes]


def write(outdir, name, indexes):
    with open(f"{outdir}/{name}.sql", "w") as f:
        for statement in create_statements(indexes):
            f.write(statement + "\n")
    print(f"{name}: {len(indexes)} indexes", file=sys.stderr)


if __name__ == "__main__":
    main()
