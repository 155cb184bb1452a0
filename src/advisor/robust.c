/*-------------------------------------------------------------------------
 *
 * robust.c
 *		A plan's cost as the advisor judges it: the planner's estimate, but
 *		for a LIMIT that the estimate lets stop early over rows a filter or
 *		a join discards, costed at its worst case, and for a nested loop
 *		over a join the estimate multiplies down, costed at the bound of its
 *		outer side (below).
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

#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

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

/* What discovery recorded of a table the item reads; NULL if it reads none such. */
static AdvTable *
item_table(WorkItem *w, Oid relid)
{
	ListCell   *lc;

	foreach(lc, w->tables)
		if (((AdvTable *) lfirst(lc))->relid == relid)
			return lfirst(lc);
	return NULL;
}

/* The rows of the table a scan node reads, as the advisor's discovery saw them. */
static double
table_rows(WorkItem *w, List *rtable, Index scanrelid)
{
	RangeTblEntry *rte;
	AdvTable   *t;

	if (scanrelid == 0 || scanrelid > list_length(rtable))
		return -1;
	rte = rt_fetch(scanrelid, rtable);
	if (rte->rtekind != RTE_RELATION || (t = item_table(w, rte->relid)) == NULL)
		return -1;
	return t->tuples;
}

/*
 * The fraction of the rows a scan's index condition yields that its filter
 * keeps, by the selectivities discovery recorded for the table's conditions
 * on constants; -1 when a condition of the filter is not one of them.
 */
static double
filter_selectivity(WorkItem *w, List *rtable, Scan *scan)
{
	AdvTable   *t;
	double		sel = 1.0;
	ListCell   *lc;

	if (scan->scanrelid == 0 || scan->scanrelid > list_length(rtable))
		return -1;
	t = item_table(w, rt_fetch(scan->scanrelid, rtable)->relid);
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

/*
 * Nested loops over a join the estimate multiplies down.
 *
 * The planner estimates a join on several conditions (store_returns to
 * store_sales on customer, item and ticket) as if they were independent:
 * the product of their selectivities, one row where thousands meet, since
 * an item and a ticket pick out one sale whatever the customer.  And it
 * takes the few rows a condition on constants leaves of a table (thirty
 * days of date_dim) as keys spread over all its distinct values, when they
 * may be keys the other side has (days with sales): 40 times the rows
 * estimated in TPC-DS.  A nested loop over such a join runs its inner side
 * once per row it was promised, and its low cost rests on that promise:
 * TPC-DS's Q25 ran 0.58 s with hash joins and 10.4 s with the nested loops
 * two indexes made cheap.  No statistic corrects a join's estimate, but
 * its conditions bound it (own_underestimate), and the bounds multiply up
 * the joins.  The advisor costs a nested loop with its inner side run once
 * per row its outer side may yield; the robust alternative's estimate
 * stands as it is.  A plan is charged only the risk it adds to the
 * statement's plan today (adv_loops_beyond_base): an index that brings a
 * fragile loop pays for it, and none is credited with removing one the
 * statement already runs, whose time the capture measured.
 */

/* the most times its estimate a join is taken to yield: a bound, not infinity */
#define MAX_UNDERESTIMATE 1e6

typedef struct LoopWalk
{
	WorkItem   *w;
	PlannedStmt *ps;
	List	   *loops;			/* NestLoop * whose inner side the walk is in */
	Cost		risk;
} LoopWalk;

/* The expression without the binary-compatible casts around it. */
static Node *
uncast(Node *expr)
{
	while (expr && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	return expr;
}

/* The value the nested loop passes to its inner side as this Param, if it is one. */
static NestLoopParam *
loop_param(NestLoop *nl, Node *node)
{
	ListCell   *lc;

	if (!IsA(node, Param) || ((Param *) node)->paramkind != PARAM_EXEC)
		return NULL;
	foreach(lc, nl->nestParams)
		if (((NestLoopParam *) lfirst(lc))->paramno == ((Param *) node)->paramid)
			return lfirst(lc);
	return NULL;
}

/* The table column an expression evaluated at a plan node reads, if one. */
static bool
plan_column(LoopWalk *lw, Plan *plan, Node *expr, Oid *relid, AttrNumber *attnum)
{
	Var		   *var;
	TargetEntry *tle = NULL;
	RangeTblEntry *rte;
	ListCell   *lc;

	check_stack_depth();
	expr = uncast(expr);
	if (expr == NULL)
		return false;
	/* a value the enclosing nested loop passes down from its outer side */
	foreach(lc, lw->loops)
	{
		NestLoopParam *np = loop_param(lfirst(lc), expr);

		if (np != NULL)
			return plan_column(lw, lfirst(lc), (Node *) np->paramval, relid, attnum);
	}
	if (!IsA(expr, Var))
		return false;
	var = (Var *) expr;
	if (var->varno == OUTER_VAR || var->varno == INNER_VAR)
	{
		Plan	   *child = var->varno == OUTER_VAR ? outerPlan(plan) : innerPlan(plan);

		if (child != NULL)
			tle = get_tle_by_resno(child->targetlist, var->varattno);
		return tle != NULL && plan_column(lw, child, (Node *) tle->expr, relid, attnum);
	}
	if (var->varno == INDEX_VAR)
	{
		if (IsA(plan, IndexOnlyScan))
			tle = get_tle_by_resno(((IndexOnlyScan *) plan)->indextlist, var->varattno);
		return tle != NULL && plan_column(lw, plan, (Node *) tle->expr, relid, attnum);
	}
	if (IS_SPECIAL_VARNO(var->varno) || var->varno > list_length(lw->ps->rtable) ||
		var->varattno <= 0)
		return false;
	rte = rt_fetch(var->varno, lw->ps->rtable);
	if (rte->rtekind == RTE_SUBQUERY && IsA(plan, SubqueryScan) &&
		((Scan *) plan)->scanrelid == var->varno)
	{
		Plan	   *sub = ((SubqueryScan *) plan)->subplan;

		tle = get_tle_by_resno(sub->targetlist, var->varattno);
		return tle != NULL && plan_column(lw, sub, (Node *) tle->expr, relid, attnum);
	}
	if (rte->rtekind != RTE_RELATION)
		return false;
	*relid = rte->relid;
	*attnum = var->varattno;
	return true;
}

/* A join column's distinct values, as discovery recorded them; 0: unknown. */
static double
join_column_ndistinct(WorkItem *w, Oid relid, AttrNumber attnum)
{
	AdvTable   *t = item_table(w, relid);
	ListCell   *lc;

	if (t != NULL)
		foreach(lc, t->columns)
			if (((AdvColumn *) lfirst(lc))->attnum == attnum)
				return Max(((AdvColumn *) lfirst(lc))->ndistinct, 0.0);
	return 0;
}

/* An equality of two columns a join applies: each side's distinct values. */
typedef struct JoinCond
{
	double		nd_outer;
	double		nd_inner;
	bool		per_loop;		/* applied by a nested loop's inner side */
} JoinCond;

/* Is the expression read from the join's outer side (or passed from it)? */
static bool
from_outer(Node *expr)
{
	expr = uncast(expr);
	return expr != NULL && (IsA(expr, Param) ||
							(IsA(expr, Var) && ((Var *) expr)->varno == OUTER_VAR));
}

/*
 * Add the clause to the join's conditions if it is an equality of two
 * columns whose distinct values discovery knows; at is the plan node it is
 * evaluated at.
 */
static void
add_condition(LoopWalk *lw, List **conds, Node *clause, Plan *at, bool per_loop)
{
	OpExpr	   *op = (OpExpr *) clause;
	Oid			relid[2];
	AttrNumber	attnum[2];
	double		nd[2];
	JoinCond   *jc;
	bool		first_outer;

	if (!IsA(clause, OpExpr) || list_length(op->args) != 2 ||
		get_oprrest(op->opno) != F_EQSEL)
		return;
	first_outer = from_outer(linitial(op->args));
	if (first_outer == from_outer(lsecond(op->args)))
		return;					/* not a condition between the two sides */
	if (!plan_column(lw, at, linitial(op->args), &relid[0], &attnum[0]) ||
		!plan_column(lw, at, lsecond(op->args), &relid[1], &attnum[1]))
		return;
	nd[0] = join_column_ndistinct(lw->w, relid[0], attnum[0]);
	nd[1] = join_column_ndistinct(lw->w, relid[1], attnum[1]);
	if (nd[0] <= 0 || nd[1] <= 0)
		return;
	jc = palloc(sizeof(JoinCond));
	jc->nd_outer = nd[first_outer ? 0 : 1];
	jc->nd_inner = nd[first_outer ? 1 : 0];
	jc->per_loop = per_loop;
	*conds = lappend(*conds, jc);
}

static void
add_conditions(LoopWalk *lw, List **conds, List *clauses, Plan *join)
{
	ListCell   *lc;

	foreach(lc, clauses)
		add_condition(lw, conds, lfirst(lc), join, false);
}

/* Does the expression use a value the nested loop passes to its inner side? */
static bool
uses_loop_param(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param))
		return loop_param(context, node) != NULL;
	return expression_tree_walker(node, uses_loop_param, context);
}

/*
 * The conditions the inner side of a nested loop applies per loop with the
 * values it is passed: in its scans' index conditions and filters.
 */
static void
loop_conditions(LoopWalk *lw, Plan *plan, NestLoop *nl, List **conds)
{
	List	   *quals;
	ListCell   *lc;

	if (plan == NULL)
		return;
	check_stack_depth();
	quals = plan->qual;
	if (IsA(plan, IndexScan))
		quals = list_concat_copy(((IndexScan *) plan)->indexqualorig, quals);
	else if (IsA(plan, IndexOnlyScan))
		quals = list_concat_copy(((IndexOnlyScan *) plan)->indexqual, quals);
	else if (IsA(plan, BitmapHeapScan))
		quals = list_concat_copy(((BitmapHeapScan *) plan)->bitmapqualorig, quals);
	else if (IsA(plan, BitmapIndexScan) || IsA(plan, BitmapAnd) || IsA(plan, BitmapOr))
		return;					/* the heap scan above repeats their conditions */
	foreach(lc, quals)
		if (uses_loop_param(lfirst(lc), nl))
			add_condition(lw, conds, lfirst(lc), plan, true);
	loop_conditions(lw, outerPlan(plan), nl, conds);
	loop_conditions(lw, innerPlan(plan), nl, conds);
}

static double loop_walk(LoopWalk *lw, Plan *plan, bool once);

/*
 * What the inner side of a nested loop costs each further time it runs:
 * a materialized one is read again from memory, another runs again.
 */
static Cost
rescan_cost(Plan *inner)
{
	if (IsA(inner, Material))
		return cpu_operator_cost * inner->plan_rows;
	return inner->total_cost;
}

/*
 * How far a join's own conditions may multiply its estimate down.  The
 * planner takes an equality of two columns to keep one pair in the larger
 * number of distinct values, and several as independent.  Neither holds in
 * the worst case: a side its conditions on constants cut to a few rows
 * (thirty days of date_dim's 73,049) may hold only keys the other side has
 * (the 1,823 days that have sales), so each of its rows meets its share of
 * the other side, one over the smaller count of distinct values, those of a
 * side counted at most once per row it yields; and rows that meet every
 * condition meet the most selective.  Sides at the rows they may yield.
 */
static double
own_underestimate(List *conds, double outer_rows, double inner_rows, double rows,
				  double u_sides)
{
	double		product = 1.0;
	double		per_loop = 1.0;
	double		least = 1.0;
	ListCell   *lc;

	if (conds == NIL)
		return 1.0;
	foreach(lc, conds)
	{
		JoinCond   *jc = lfirst(lc);
		double		s = 1.0 / Max(jc->nd_outer, jc->nd_inner);

		product *= s;
		if (jc->per_loop)
			per_loop *= s;
	}
	/* a parameterized inner side's estimate is per loop: the rows before them */
	inner_rows /= per_loop;
	foreach(lc, conds)
	{
		JoinCond   *jc = lfirst(lc);

		least = Min(least, 1.0 / Max(Min(jc->nd_outer, outer_rows),
									 Min(jc->nd_inner, inner_rows)));
	}
	return Max(1.0, Min(Min(least / product, MAX_UNDERESTIMATE),
						outer_rows * inner_rows * least / (Max(rows, 1.0) * u_sides)));
}

/*
 * How many times its estimate a join may yield, by the joins under it and
 * its own conditions; a nested loop that runs once adds to the walk's risk
 * its inner side's runs beyond those the estimate counts.
 */
static double
join_underestimate(LoopWalk *lw, Join *join, bool once)
{
	Plan	   *plan = &join->plan;
	Plan	   *outer = outerPlan(plan);
	Plan	   *inner = innerPlan(plan);
	List	   *conds = NIL;
	double		u_outer = loop_walk(lw, outer, once);
	double		u_inner;
	double		u;

	if (IsA(join, NestLoop))
	{
		lw->loops = lcons(join, lw->loops);
		u_inner = loop_walk(lw, inner, false);
		loop_conditions(lw, inner, (NestLoop *) join, &conds);
		lw->loops = list_delete_first(lw->loops);
		if (once && u_outer > 1.0)
			lw->risk += (u_outer - 1.0) * Max(outer->plan_rows, 1.0) * rescan_cost(inner);
	}
	else
		u_inner = loop_walk(lw, inner, once);
	add_conditions(lw, &conds, join->joinqual, plan);
	if (IsA(join, HashJoin))
		add_conditions(lw, &conds, ((HashJoin *) join)->hashclauses, plan);
	else if (IsA(join, MergeJoin))
		add_conditions(lw, &conds, ((MergeJoin *) join)->mergeclauses, plan);
	u = Min(MAX_UNDERESTIMATE, u_outer * u_inner) *
		own_underestimate(conds, u_outer * Max(outer->plan_rows, 1.0),
						  u_inner * Max(inner->plan_rows, 1.0), plan->plan_rows,
						  u_outer * u_inner);
	u = Min(u, MAX_UNDERESTIMATE);
	switch (join->jointype)
	{
		case JOIN_INNER:
			return u;
		case JOIN_LEFT:
			return Max(u_outer, u);
		case JOIN_SEMI:
		case JOIN_ANTI:
			return u_outer;
		default:
			return Max(u_outer, u_inner);
	}
}

/*
 * How many times its estimate a plan node may yield (1 where the estimate
 * stands: scans, whose conditions on constants statistics can correct, and
 * aggregates), adding the nested loops it holds to the walk's risk.
 */
static double
loop_walk(LoopWalk *lw, Plan *plan, bool once)
{
	double		u = 1.0;
	double		rows = 0;
	double		bound = 0;
	List	   *children = NIL;
	ListCell   *lc;

	if (plan == NULL)
		return 1.0;
	check_stack_depth();
	switch (nodeTag(plan))
	{
		case T_NestLoop:
		case T_MergeJoin:
		case T_HashJoin:
			return join_underestimate(lw, (Join *) plan, once);
		case T_SubqueryScan:
			return loop_walk(lw, ((SubqueryScan *) plan)->subplan, once);
		case T_Append:
			children = ((Append *) plan)->appendplans;
			break;
		case T_MergeAppend:
			children = ((MergeAppend *) plan)->mergeplans;
			break;
		case T_Agg:
		case T_Group:
		case T_SetOp:
		case T_Unique:
		case T_Limit:
			(void) loop_walk(lw, outerPlan(plan), once);
			(void) loop_walk(lw, innerPlan(plan), once);
			return 1.0;
		default:
			u = loop_walk(lw, outerPlan(plan), once);
			(void) loop_walk(lw, innerPlan(plan), once);
			return u;
	}
	foreach(lc, children)
	{
		Plan	   *child = lfirst(lc);

		rows += Max(child->plan_rows, 1.0);
		bound += loop_walk(lw, child, once) * Max(child->plan_rows, 1.0);
	}
	return rows > 0 ? bound / rows : 1.0;
}

/* The extra cost of the plan's nested loops at the bound of their outer sides. */
static Cost
loop_risk(WorkItem *w, PlannedStmt *ps)
{
	LoopWalk	lw = {w, ps, NIL, 0};

	(void) loop_walk(&lw, ps->planTree, true);
	return lw.risk;
}

/*
 * The statement's cost as the advisor judges a plan of it, and the risk of
 * its nested loops, added to *loops: what a plan risks beyond what the
 * statement's plan without hypothetical indexes risks counts in its cost
 * (adv_loops_beyond_base), so that an index is charged for the fragile loops
 * it brings and credited with none the statement runs today.
 */
Cost
adv_judged_cost(WorkItem *w, PlannedStmt *ps, Cost *loops)
{
	*loops += loop_risk(w, ps);
	return ps->planTree->total_cost + plan_risk(w, ps->rtable, ps->planTree);
}

/* The risk of an item's plans' nested loops beyond that of its plans today. */
Cost
adv_loops_beyond_base(WorkItem *w, Cost loops)
{
	return Max(0, loops - w->base_loops);
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
