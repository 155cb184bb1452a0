/*-------------------------------------------------------------------------
 *
 * robust.c
 *		A plan's cost as the advisor judges it: the planner's estimate, but
 *		for a LIMIT that the estimate lets stop early over rows a filter or
 *		a join discards, costed at its worst case.
 *
 * The planner costs LIMIT 20 over a stream of rows (an index walked in
 * ORDER BY order, then a filter or a join that keeps a fraction s of them)
 * as a fraction of the stream: the 20 matches it expects to meet first if
 * matching rows are spread evenly.  Where they really sit decides the time:
 * the seed's junction query, walking posts newest first and probing
 * post_tags for one tag, reads thousands of posts per call when that tag's
 * posts are old.  Such a plan is fragile, and a candidate index that makes
 * it is judged by what it costs when the matches come last: of the N rows
 * the stream holds, the N - M that do not match, then the k the LIMIT
 * needs (M the matches the planner expects; N the table's rows for a walk
 * of the whole index, the rows its condition yields before a filter of
 * conditions on constants otherwise).  The robust alternative (an
 * index that serves the filter, then a top-N sort) does not depend on where
 * rows sit, and its estimate stands; the risky candidate wins only if it
 * wins in the worst case too.  When the capture measured fewer rows per
 * execution than the LIMIT needs, the LIMIT never stopped early: the whole
 * stream is read whatever the estimate says; so it is when the statement's
 * measured time, for its estimated cost, is ten times the workload's
 * median (adv_mark_misestimates): its estimate is not to be trusted.  Where N cannot be known (a
 * scan with both an index condition and a filter), the worst case is the
 * whole stream.
 *
 *-------------------------------------------------------------------------
 */
#include "advisor.h"

#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"

/* Is the node's child run to the end before it returns a row? */
static Plan *
streaming_child(Plan *plan)
{
	switch (nodeTag(plan))
	{
		case T_NestLoop:
		case T_MergeJoin:
		case T_HashJoin:		/* the outer side streams */
		case T_Result:
		case T_ProjectSet:
		case T_Gather:
		case T_GatherMerge:
		case T_IncrementalSort:
		case T_Limit:
		case T_Unique:
			return plan->lefttree;
		case T_SubqueryScan:
			return ((SubqueryScan *) plan)->subplan;
		default:
			return NULL;
	}
}

/* The rows of the table a scan node reads, as the advisor's discovery saw them. */
static double
table_rows(WorkItem *w, List *rtable, Index scanrelid)
{
	RangeTblEntry *rte;
	ListCell   *lc;

	if (scanrelid == 0 || scanrelid > list_length(rtable))
		return -1;
	rte = rt_fetch(scanrelid, rtable);
	if (rte->rtekind != RTE_RELATION)
		return -1;
	foreach(lc, w->tables)
		if (((AdvTable *) lfirst(lc))->relid == rte->relid)
			return ((AdvTable *) lfirst(lc))->tuples;
	return -1;
}

/*
 * The fraction of the rows a scan's index condition yields that its filter
 * keeps, by the selectivities discovery recorded for the table's conditions
 * on constants; -1 when a condition of the filter is not one of them.
 */
static double
filter_selectivity(WorkItem *w, List *rtable, Scan *scan)
{
	RangeTblEntry *rte;
	AdvTable   *t = NULL;
	double		sel = 1.0;
	ListCell   *lc;

	if (scan->scanrelid == 0 || scan->scanrelid > list_length(rtable))
		return -1;
	rte = rt_fetch(scan->scanrelid, rtable);
	foreach(lc, w->tables)
		if (((AdvTable *) lfirst(lc))->relid == rte->relid)
			t = lfirst(lc);
	if (t == NULL)
		return -1;
	foreach(lc, scan->plan.qual)
	{
		Node	   *clause = copyObject(lfirst(lc));
		ListCell   *pc;
		bool		found = false;

		ChangeVarNodes(clause, scan->scanrelid, 1, 0);
		foreach(pc, t->predicates)
			if (equal(((AdvPredicate *) lfirst(pc))->clause, clause))
			{
				sel *= ((AdvPredicate *) lfirst(pc))->selectivity;
				found = true;
				break;
			}
		if (!found)
			return -1;
	}
	return sel > 0 ? sel : -1;
}

/*
 * The rows the stream under a LIMIT walks when run to its end (N), or -1
 * when the plan does not say: the driving scan's, before its filter.
 */
static double
stream_rows(WorkItem *w, List *rtable, Plan *plan)
{
	Plan	   *next;

	while ((next = streaming_child(plan)) != NULL)
		plan = next;
	switch (nodeTag(plan))
	{
		case T_SeqScan:
			return plan->qual == NIL ? plan->plan_rows :
				table_rows(w, rtable, ((Scan *) plan)->scanrelid);
		case T_IndexScan:
		case T_IndexOnlyScan:
			{
				double		sel;

				if (plan->qual == NIL)
					return plan->plan_rows;
				/* walked whole in the index's order, unless a condition bounds it */
				if ((IsA(plan, IndexScan) ? ((IndexScan *) plan)->indexqual :
					 ((IndexOnlyScan *) plan)->indexqual) == NIL)
					return table_rows(w, rtable, ((Scan *) plan)->scanrelid);
				/* the rows the condition yields, before the filter */
				sel = filter_selectivity(w, rtable, (Scan *) plan);
				return sel > 0 ? plan->plan_rows / sel : -1;
			}
		default:
			return plan->qual == NIL ? plan->plan_rows : -1;
	}
}

/*
 * What a LIMIT costs beyond its estimate in the worst case: its child run
 * to the fraction of its stream that holds the non-matching rows and then
 * the k it needs, instead of the fraction the estimate reads.
 */
static Cost
limit_risk(WorkItem *w, List *rtable, Limit *limit)
{
	Plan	   *child = limit->plan.lefttree;
	Cost		run = child ? child->total_cost - child->startup_cost : 0;
	double		f_est;
	double		f_worst;
	double		matches;
	double		needed;
	double		walked;

	if (run <= 0)
		return 0;
	f_est = Max(0.0, (limit->plan.total_cost - child->startup_cost) / run);
	if (f_est >= 0.999)
		return 0;				/* the estimate reads it all anyway */
	matches = Max(child->plan_rows, 1.0);
	needed = f_est * matches;
	walked = stream_rows(w, rtable, child);
	if (w->actual_rows >= 0 && w->actual_rows < needed * 0.999)
		f_worst = 1.0;			/* measured: the LIMIT was never filled */
	else if (w->misestimated)
		f_worst = 1.0;			/* measured: the estimate is not to be trusted */
	else if (walked < 0)
		f_worst = 1.0;
	else if (walked <= matches * 1.001)
		return 0;				/* every row the stream walks is a match */
	else
		f_worst = Min(1.0, 1.0 - (matches - needed) / walked);
	return f_worst > f_est ? (f_worst - f_est) * run : 0;
}

/*
 * The LIMITs of the plan run once (not those under a nested loop's inner
 * side or in subplans, whose runs the estimate multiplies), and their risk.
 */
static Cost
plan_risk(WorkItem *w, List *rtable, Plan *plan)
{
	Cost		risk = 0;
	ListCell   *lc;

	if (plan == NULL)
		return 0;
	check_stack_depth();
	switch (nodeTag(plan))
	{
		case T_Limit:
			risk += limit_risk(w, rtable, (Limit *) plan);
			break;
		case T_NestLoop:
			return plan_risk(w, rtable, plan->lefttree);
		case T_SubqueryScan:
			return plan_risk(w, rtable, ((SubqueryScan *) plan)->subplan);
		case T_Append:
			foreach(lc, ((Append *) plan)->appendplans)
				risk += plan_risk(w, rtable, lfirst(lc));
			return risk;
		case T_MergeAppend:
			foreach(lc, ((MergeAppend *) plan)->mergeplans)
				risk += plan_risk(w, rtable, lfirst(lc));
			return risk;
		default:
			break;
	}
	return risk + plan_risk(w, rtable, plan->lefttree) + plan_risk(w, rtable, plan->righttree);
}

/* The statement's cost as the advisor judges a plan of it. */
Cost
adv_judged_cost(WorkItem *w, PlannedStmt *ps)
{
	return ps->planTree->total_cost + plan_risk(w, ps->rtable, ps->planTree);
}

/* below this, per execution, a statement's time says little of its plan */
#define MISESTIMATE_MIN_MS 50.0

static int
double_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/*
 * Mark the statements whose measured time is far from what their estimate
 * says: at least 50 ms an execution, and ten times the workload's median
 * time per unit of estimated cost, under the indexes they ran with.  Their LIMIT is not trusted to stop
 * early.  (Only statements the capture timed count; at least three.)
 */
void
adv_mark_misestimates(List *items)
{
	double	   *ratios = palloc(Max(list_length(items), 1) * sizeof(double));
	int			n = 0;
	double		median;
	ListCell   *lc;

	foreach(lc, items)
	{
		WorkItem   *w = lfirst(lc);

		if (w->actual_ms > 0 && w->base > 0)
			ratios[n++] = w->actual_ms / w->base;
	}
	if (n < 3)
		return;
	qsort(ratios, n, sizeof(double), double_cmp);
	median = ratios[n / 2];
	foreach(lc, items)
	{
		WorkItem   *w = lfirst(lc);

		w->misestimated = w->actual_ms >= MISESTIMATE_MIN_MS && w->base > 0 &&
			w->actual_ms / w->base > 10.0 * median;
	}
}
