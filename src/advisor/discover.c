/*-------------------------------------------------------------------------
 *
 * discover.c
 *		What a statement asks of each table, recorded while it is planned
 *		once without hypothetical indexes (set_rel_pathlist_hook): equality
 *		and range conditions with their columns, join columns, containment
 *		conditions a GIN index answers, the ORDER BY one table could
 *		deliver, the conditions on constants a partial index could carry,
 *		and the columns read, which decide whether an index can answer it
 *		alone (an index-only scan).
 *
 * The hook does nothing unless adv_discover_item() is under way.
 *
 *-------------------------------------------------------------------------
 */
#include "advisor.h"

#include "access/transam.h"
#include "access/sysattr.h"
#include "catalog/dependency.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "tcop/tcopprot.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/selfuncs.h"

/* a partial index's col = constant is on a column of at most this many values */
#define MAX_PREDICATE_NDISTINCT 100

static bool discovering = false;
static List *discovered = NIL;	/* AdvTable * */
static List *citus_noted = NIL; /* Citus tables this call said it leaves out */

static set_rel_pathlist_hook_type prev_set_rel_pathlist = NULL;

/* A new call: its Citus notices are said again. */
void
adv_discover_reset(void)
{
	citus_noted = NIL;
}

static AdvTable *
adv_table(Oid relid)
{
	ListCell   *lc;
	AdvTable   *t;

	foreach(lc, discovered)
	{
		t = lfirst(lc);
		if (t->relid == relid)
			return t;
	}
	t = palloc0(sizeof(AdvTable));
	t->relid = relid;
	t->coverable = true;
	discovered = lappend(discovered, t);
	return t;
}

/*
 * A Citus table gets no advice: its queries run on the workers' shards,
 * planned there with the shards' own statistics, and the coordinator's
 * plan of its shell says nothing about them.  Said once per call.
 */
static bool
citus_left_out(Oid relid)
{
	char		method;
	AttrNumber	distcol;
	MemoryContext old;

	if (!conv_citus_present() || !conv_citus_table(relid, &method, &distcol))
		return false;
	if (list_member_oid(citus_noted, relid))
		return true;
	old = MemoryContextSwitchTo(TopTransactionContext);
	citus_noted = lappend_oid(citus_noted, relid);
	MemoryContextSwitchTo(old);
	ereport(NOTICE,
			(errmsg("conventions.suggest_indexes() gives no advice for %s table \"%s\"",
					method == 'h' ? "distributed" : "Citus", conv_relation_display_name(relid)),
			 errdetail("Its queries run on the shards, planned by each worker with the shard's statistics, not by the coordinator's plan that the advisor sees."),
			 errhint("Run EXPLAIN on a worker for the query on one of its shards; an index created on \"%s\" is propagated to every shard.",
					 conv_relation_display_name(relid))));
	return true;
}

static AdvColumn *
note_column(AdvTable *t, AttrNumber attnum, int use, double ndistinct)
{
	ListCell   *lc;
	AdvColumn  *c;

	foreach(lc, t->columns)
	{
		c = lfirst(lc);
		if (c->attnum == attnum)
		{
			c->uses |= use;
			return c;
		}
	}
	c = palloc0(sizeof(AdvColumn));
	c->attnum = attnum;
	c->uses = use;
	c->ndistinct = ndistinct;
	t->columns = lappend(t->columns, c);
	return c;
}

/*
 * Is opno an operator of the default GIN operator class of this type (jsonb's
 * @> and ?, an array's && and @>)?  Its family, if so.
 */
static bool
gin_operator(Oid type, Oid opno, Oid *opfamily)
{
	Oid			opclass = GetDefaultOpClass(type, GIN_AM_OID);

	if (!OidIsValid(opclass))
		return false;
	*opfamily = get_opclass_family(opclass);
	return op_in_opfamily(opno, *opfamily);
}

/* The Var of this relation under relabelling, or NULL. */
static Var *
rel_var(Node *node, Index varno)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node && IsA(node, Var) && ((Var *) node)->varno == varno &&
		((Var *) node)->varlevelsup == 0 && ((Var *) node)->varattno > 0)
		return (Var *) node;
	return NULL;
}

/* The btree strategy of opno on this column's default btree operator family. */
static int
btree_strategy(Var *var, Oid opno)
{
	Oid			opclass = GetDefaultOpClass(var->vartype, BTREE_AM_OID);

	if (!OidIsValid(opclass))
		return 0;
	return get_op_opfamily_strategy(opno, get_opclass_family(opclass));
}

static double
column_ndistinct(PlannerInfo *root, RelOptInfo *rel, Var *var)
{
	VariableStatData vardata;
	bool		isdefault;
	double		nd;

	examine_variable(root, (Node *) var, 0, &vardata);
	nd = get_variable_numdistinct(&vardata, &isdefault);
	ReleaseVariableStats(vardata);
	return isdefault ? 0 : nd;
}

static void
note_predicate(PlannerInfo *root, AdvTable *t, RestrictInfo *rinfo, Index varno, AttrNumber attnum)
{
	AdvPredicate *p = palloc0(sizeof(AdvPredicate));
	Expr	   *clause = copyObject(rinfo->clause);
	ListCell   *lc;

	ChangeVarNodes((Node *) clause, varno, 1, 0);
	foreach(lc, t->predicates)
		if (equal(((AdvPredicate *) lfirst(lc))->clause, clause))
			return;
	p->clause = clause;
	p->attnum = attnum;
	p->selectivity = clause_selectivity(root, (Node *) rinfo, 0, JOIN_INNER, NULL);
	t->predicates = lappend(t->predicates, p);
}

/*
 * One restriction of the relation, or an arm of one (rinfo NULL): what
 * could an index do with it?  The arms of an OR are looked at one by one (a
 * BitmapOr of two indexes answers it), but none carries a partial index.
 */
static void
discover_clause(PlannerInfo *root, RelOptInfo *rel, AdvTable *t, Node *clause,
				RestrictInfo *rinfo)
{
	Index		varno = rel->relid;
	Var		   *var;

	if (is_orclause(clause) || is_andclause(clause))
	{
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) clause)->args)
			discover_clause(root, rel, t, lfirst(lc), NULL);
		return;
	}

	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left = linitial(op->args);
		Node	   *right = lsecond(op->args);
		Node	   *other;
		Oid			opno = op->opno;
		int			strategy;
		double		nd;
		Oid			family;

		if ((var = rel_var(left, varno)) != NULL)
			other = right;
		else if ((var = rel_var(right, varno)) != NULL)
		{
			other = left;
			opno = get_commutator(opno);
			if (!OidIsValid(opno))
				return;
		}
		else
			return;
		if (contain_volatile_functions(other))
			return;
		if (bms_is_empty(pull_varnos(root, other)) && gin_operator(var->vartype, opno, &family))
		{
			note_column(t, var->varattno, USE_GIN, 0)->gin_opfamily = family;
			return;
		}
		strategy = btree_strategy(var, opno);
		if (strategy == 0)
			return;
		if (bms_is_member(varno, pull_varnos(root, other)))
			return;
		if (!bms_is_empty(pull_varnos(root, other)))
		{
			/* a join condition */
			if (strategy == BTEqualStrategyNumber)
				note_column(t, var->varattno, USE_JOIN, column_ndistinct(root, rel, var));
			return;
		}
		nd = column_ndistinct(root, rel, var);
		note_column(t, var->varattno,
					strategy == BTEqualStrategyNumber ? USE_EQ : USE_RANGE, nd);
		/* status = 'active' can carry a partial index; user_id = 42 cannot */
		if (rinfo && strategy == BTEqualStrategyNumber && IsA(other, Const) &&
			nd > 0 && nd <= MAX_PREDICATE_NDISTINCT)
			note_predicate(root, t, rinfo, varno, var->varattno);
		return;
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;

		if (saop->useOr && (var = rel_var(linitial(saop->args), varno)) != NULL &&
			!contain_var_clause(lsecond(saop->args)) &&
			!contain_volatile_functions(lsecond(saop->args)) &&
			btree_strategy(var, saop->opno) == BTEqualStrategyNumber)
			note_column(t, var->varattno, USE_EQ, column_ndistinct(root, rel, var));
		return;
	}
	if (IsA(clause, NullTest))
	{
		NullTest   *nt = (NullTest *) clause;

		if ((var = rel_var((Node *) nt->arg, varno)) != NULL && !nt->argisrow && rinfo)
			note_predicate(root, t, rinfo, varno, var->varattno);
		return;
	}
	/* a boolean column, or its negation */
	if (rinfo == NULL)
		return;
	if ((var = rel_var(clause, varno)) != NULL && var->vartype == BOOLOID)
		note_predicate(root, t, rinfo, varno, var->varattno);
	else if (is_notclause(clause) &&
			 (var = rel_var((Node *) get_notclausearg((Expr *) clause), varno)) != NULL &&
			 var->vartype == BOOLOID)
		note_predicate(root, t, rinfo, varno, var->varattno);
}

/* Join columns that equivalence classes hold (a = b written in a WHERE or ON). */
static void
discover_joins(PlannerInfo *root, RelOptInfo *rel, AdvTable *t)
{
	ListCell   *lc;

	foreach(lc, root->eq_classes)
	{
		EquivalenceClass *ec = lfirst(lc);
		ListCell   *mc;

		if (ec->ec_has_const || ec->ec_has_volatile ||
			!bms_is_member(rel->relid, ec->ec_relids) ||
			bms_num_members(ec->ec_relids) < 2)
			continue;
		foreach(mc, ec->ec_members)
		{
			EquivalenceMember *em = lfirst(mc);
			Var		   *var = rel_var((Node *) em->em_expr, rel->relid);

			if (var != NULL && bms_equal(em->em_relids, rel->relids))
				note_column(t, var->varattno, USE_JOIN, column_ndistinct(root, rel, var));
		}
	}
}

/* The ORDER BY, when every sort key is a column of this relation. */
static void
discover_order(PlannerInfo *root, RelOptInfo *rel, AdvTable *t)
{
	ListCell   *lc;
	int			n = 0;
	AttrNumber	order[MAX_KEY_COLUMNS];
	bool		desc[MAX_KEY_COLUMNS];

	if (root->query_pathkeys == NIL)
		return;
	foreach(lc, root->query_pathkeys)
	{
		PathKey    *pk = lfirst(lc);
		ListCell   *mc;
		Var		   *found = NULL;

		if (n == MAX_KEY_COLUMNS)
			return;
		foreach(mc, pk->pk_eclass->ec_members)
		{
			EquivalenceMember *em = lfirst(mc);

			if ((found = rel_var((Node *) em->em_expr, rel->relid)) != NULL)
				break;
		}
		if (found == NULL)
			return;
		order[n] = found->varattno;
		desc[n] = CONV_PATHKEY_DESCENDING(pk);
		n++;
	}
	t->norder = n;
	memcpy(t->order, order, n * sizeof(AttrNumber));
	memcpy(t->order_desc, desc, n * sizeof(bool));
}

/* A restriction of the table, with the columns it reads. */
static void
note_restriction(AdvTable *t, RestrictInfo *rinfo, Index varno)
{
	AdvClause  *c = palloc0(sizeof(AdvClause));
	ListCell   *lc;

	c->clause = copyObject(rinfo->clause);
	ChangeVarNodes((Node *) c->clause, varno, 1, 0);
	foreach(lc, t->clauses)
		if (equal(((AdvClause *) lfirst(lc))->clause, c->clause))
			return;
	pull_varattnos((Node *) c->clause, 1, &c->attnos);
	t->clauses = lappend(t->clauses, c);
}

/*
 * The columns the plan reads from the table above the scan: an index
 * holding them and the restrictions' columns answers alone.  A whole-row
 * or system column (ctid for UPDATE and DELETE) no index holds.
 */
static void
discover_output(RelOptInfo *rel, AdvTable *t)
{
	Bitmapset  *attnos = NULL;
	int			member = -1;

	pull_varattnos((Node *) rel->reltarget->exprs, rel->relid, &attnos);
	t->output = bms_union(t->output, attnos);
	while ((member = bms_next_member(attnos, member)) >= 0)
		if (member + FirstLowInvalidHeapAttributeNumber <= 0)
			t->coverable = false;
}

static void
adv_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	if (prev_set_rel_pathlist)
		prev_set_rel_pathlist(root, rel, rti, rte);
	/*
	 * an extension's own tables are its business, not the schema's; the
	 * system catalogs (pg_dump's and the tools' queries in
	 * pg_stat_statements read them) nobody may index
	 */
	if (discovering && rte->rtekind == RTE_RELATION && rte->relid >= FirstNormalObjectId &&
		(rte->relkind == RELKIND_RELATION || rte->relkind == RELKIND_MATVIEW) &&
		rel->reloptkind == RELOPT_BASEREL &&
		!OidIsValid(getExtensionOfObject(RelationRelationId, rte->relid)) &&
		!citus_left_out(rte->relid))
	{
		AdvTable   *t = adv_table(rte->relid);
		ListCell   *lc;

		t->tuples = Max(t->tuples, rel->tuples);
		foreach(lc, rel->baserestrictinfo)
		{
			discover_clause(root, rel, t, (Node *) lfirst_node(RestrictInfo, lc)->clause,
							lfirst(lc));
			note_restriction(t, lfirst_node(RestrictInfo, lc), rel->relid);
		}
		discover_output(rel, t);
		foreach(lc, rel->joininfo)
			discover_clause(root, rel, t, (Node *) lfirst_node(RestrictInfo, lc)->clause,
							lfirst(lc));
		discover_joins(root, rel, t);
		discover_order(root, rel, t);
		if (t->existing == NIL)
		{
			t->existing = list_copy(rel->indexlist);
			t->existing_varno = rel->relid;
		}
	}
}


void
adv_discover_init(void)
{
	prev_set_rel_pathlist = set_rel_pathlist_hook;
	set_rel_pathlist_hook = adv_set_rel_pathlist;
}

/* An UPDATE writes its rows again into every index on a column it sets. */
static void
note_update(WorkItem *w, Query *q, PlannedStmt *ps)
{
	ListCell   *lc;

	if (q->commandType != CMD_UPDATE || q->resultRelation <= 0)
		return;
	w->write_relid = rt_fetch(q->resultRelation, q->rtable)->relid;
	w->write_rows = ps->planTree->plan_rows;
	foreach(lc, q->targetList)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);

		if (!te->resjunk)
			w->write_cols = bms_add_member(w->write_cols,
										   te->resno - FirstLowInvalidHeapAttributeNumber);
	}
}

/*
 * Parameter values as the planner sees a generic plan's: not folded into
 * the query.  A bound value is not a constant of the query, and must not
 * become a partial index's predicate or a GIN key.
 */
static ParamListInfo
unfolded(ParamListInfo params)
{
	ParamListInfo copy;

	if (params == NULL)
		return NULL;
	copy = makeParamList(params->numParams);
	copy->numParams = params->numParams;
	for (int i = 0; i < params->numParams; i++)
	{
		copy->params[i] = params->params[i];
		copy->params[i].pflags &= ~PARAM_FLAG_CONST;
	}
	return copy;
}

/*
 * Plan an item once without hypothetical indexes, recording what it asks
 * of each table, with its parameters unfolded; then its cost as it will be
 * planned, with them.  Privileges are checked as EXPLAIN checks them: the
 * planner itself does not.
 */
void
adv_discover_item(WorkItem *w)
{
	ListCell   *lc;
	ParamListInfo generic = unfolded(w->params);
	List	   *plans = NIL;

	discovered = NIL;
	discovering = true;
	PG_TRY();
	{
		foreach(lc, w->queries)
		{
			PlannedStmt *ps = CONV_PLAN_QUERY(copyObject(lfirst_node(Query, lc)), w->sql,
											CURSOR_OPT_PARALLEL_OK, generic);

			CONV_CHECK_PLAN_PERMISSIONS(ps);
			note_update(w, lfirst_node(Query, lc), ps);
			if (generic == NULL)
				plans = lappend(plans, ps);
		}
	}
	PG_FINALLY();
	{
		discovering = false;
	}
	PG_END_TRY();
	w->tables = discovered;
	discovered = NIL;
	foreach(lc, w->tables)
		w->relids = lappend_oid(w->relids, ((AdvTable *) lfirst(lc))->relid);
	if (generic != NULL)
		foreach(lc, w->queries)
			plans = lappend(plans, CONV_PLAN_QUERY(copyObject(lfirst_node(Query, lc)), w->sql,
												 CURSOR_OPT_PARALLEL_OK, w->params));
	/* judged as every later plan is (robust.c), now that the tables are known */
	foreach(lc, plans)
		w->base += adv_judged_cost(w, lfirst(lc), &w->base_loops);
	w->current = w->base;
}
