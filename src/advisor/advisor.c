/*-------------------------------------------------------------------------
 *
 * advisor.c
 *		The index advisor: suggest_indexes(query text).
 *
 * The query is parsed, analysed and planned, never executed.  A first
 * planning pass (set_rel_pathlist_hook) records, per table, what the
 * planner was asked to do: equality and range conditions with their
 * columns, join columns, the ORDER BY a single table could deliver, and
 * the conditions on constants a partial index could carry.  From those come
 * candidates: single-column, composite (equality columns first, most
 * distinct first, then one range or the ORDER BY columns) and partial ones.
 * Each candidate is checked by the planner itself: get_relation_info_hook
 * adds it to the table as a hypothetical btree index, and the query is
 * planned again.  A greedy pass then keeps, up to the budget, the index that
 * lowers the estimated cost most given those already kept, and stops when
 * none lowers it by at least 1 %.
 *
 * The hooks do nothing unless a call of this file is under way.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include <math.h>

#include "access/amapi.h"
#include "access/nbtree.h"
#include "catalog/pg_statistic.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "catalog/dependency.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/plancat.h"
#include "parser/analyze.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "rewrite/rewriteManip.h"
#include "storage/bufpage.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/ruleutils.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(conventions_suggest_indexes);
PG_FUNCTION_INFO_V1(conventions_suggest_indexes_workload);

/* kinds of use a column gets */
#define USE_EQ		0x01		/* col = constant, col IN (...) */
#define USE_RANGE	0x02		/* col < constant, ... */
#define USE_JOIN	0x04		/* col = other table's column */

#define MAX_CANDIDATE_COLUMNS 4
#define MAX_CANDIDATES 256
/* a partial index's col = constant is on a column of at most this many values */
#define MAX_PREDICATE_NDISTINCT 100
#define MAX_STATEMENTS 200		/* most frequent workload statements planned */

/* A column of a table and what the query does with it. */
typedef struct AdvColumn
{
	AttrNumber	attnum;
	int			uses;
	double		ndistinct;		/* from the statistics; more is more selective */
} AdvColumn;

/* A condition on a constant that a partial index could carry. */
typedef struct AdvPredicate
{
	Expr	   *clause;			/* Vars numbered 1 */
	AttrNumber	attnum;			/* the column it constrains */
	double		selectivity;
} AdvPredicate;

/* What one table of the query needs, merged over its occurrences. */
typedef struct AdvTable
{
	Oid			relid;
	double		tuples;
	List	   *columns;		/* AdvColumn * */
	List	   *predicates;		/* AdvPredicate * */
	int			norder;			/* ORDER BY columns this table alone sorts */
	AttrNumber	order[MAX_CANDIDATE_COLUMNS];
	bool		order_desc[MAX_CANDIDATE_COLUMNS];
	List	   *existing;		/* IndexOptInfo * of its real indexes */
	Index		existing_varno; /* their Vars' number */
} AdvTable;

/* A hypothetical btree index. */
typedef struct Candidate
{
	Oid			relid;
	Oid			fakeoid;
	const char *kind;			/* single, composite, partial */
	int			ncols;
	AttrNumber	cols[MAX_CANDIDATE_COLUMNS];
	bool		desc[MAX_CANDIDATE_COLUMNS];
	List	   *predicate;		/* implicit AND, Vars numbered 1; NIL if none */
	double		selectivity;	/* of the predicate */
	double		size;			/* estimated bytes, at the last planning */
	bool		used;			/* in the last plan */
	Cost		alone;			/* query cost with this index alone */
} Candidate;

/* State of the call under way; the hooks look at it. */
static bool discovering = false;
static List *discovered = NIL;	/* AdvTable * */
static List *injecting = NIL;	/* Candidate * */
static List *citus_noted = NIL; /* Citus tables this call said it leaves out */

static set_rel_pathlist_hook_type prev_set_rel_pathlist = NULL;
static get_relation_info_hook_type prev_get_relation_info = NULL;

/* ---- discovery ---- */

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

static void
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
			return;
		}
	}
	c = palloc0(sizeof(AdvColumn));
	c->attnum = attnum;
	c->uses = use;
	c->ndistinct = ndistinct;
	t->columns = lappend(t->columns, c);
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

/* One restriction of the relation: what could an index do with it? */
static void
discover_clause(PlannerInfo *root, RelOptInfo *rel, AdvTable *t, RestrictInfo *rinfo)
{
	Index		varno = rel->relid;
	Node	   *clause = (Node *) rinfo->clause;
	Var		   *var;

	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left = linitial(op->args);
		Node	   *right = lsecond(op->args);
		Node	   *other;
		Oid			opno = op->opno;
		int			strategy;
		double		nd;

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
		if (strategy == BTEqualStrategyNumber && IsA(other, Const) &&
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

		if ((var = rel_var((Node *) nt->arg, varno)) != NULL && !nt->argisrow)
			note_predicate(root, t, rinfo, varno, var->varattno);
		return;
	}
	/* a boolean column, or its negation */
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
	AttrNumber	order[MAX_CANDIDATE_COLUMNS];
	bool		desc[MAX_CANDIDATE_COLUMNS];

	if (root->query_pathkeys == NIL)
		return;
	foreach(lc, root->query_pathkeys)
	{
		PathKey    *pk = lfirst(lc);
		ListCell   *mc;
		Var		   *found = NULL;

		if (n == MAX_CANDIDATE_COLUMNS)
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

static void
adv_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	if (prev_set_rel_pathlist)
		prev_set_rel_pathlist(root, rel, rti, rte);
	/* an extension's own tables are its business, not the schema's */
	if (discovering && rte->rtekind == RTE_RELATION &&
		(rte->relkind == RELKIND_RELATION || rte->relkind == RELKIND_MATVIEW) &&
		rel->reloptkind == RELOPT_BASEREL &&
		!OidIsValid(getExtensionOfObject(RelationRelationId, rte->relid)) &&
		!citus_left_out(rte->relid))
	{
		AdvTable   *t = adv_table(rte->relid);
		ListCell   *lc;

		t->tuples = Max(t->tuples, rel->tuples);
		foreach(lc, rel->baserestrictinfo)
			discover_clause(root, rel, t, lfirst(lc));
		foreach(lc, rel->joininfo)
			discover_clause(root, rel, t, lfirst(lc));
		discover_joins(root, rel, t);
		discover_order(root, rel, t);
		if (t->existing == NIL)
		{
			t->existing = list_copy(rel->indexlist);
			t->existing_varno = rel->relid;
		}
	}
}

/* ---- hypothetical indexes ---- */

/* Bytes per index tuple of these columns: their average width plus overhead. */
static double
index_tuple_width(Oid relid, const AttrNumber *cols, int ncols)
{
	double		width = MAXALIGN(sizeof(IndexTupleData)) + sizeof(ItemIdData);

	for (int i = 0; i < ncols; i++)
	{
		int32		w = get_attavgwidth(relid, cols[i]);

		if (w <= 0)
		{
			Oid			type;
			int32		typmod;
			Oid			coll;

			get_atttypetypmodcoll(relid, cols[i], &type, &typmod, &coll);
			w = get_typavgwidth(type, typmod);
		}
		width += w;
	}
	return MAXALIGN((Size) width);
}

/*
 * Distinct values of a column per its statistics (a negative stadistinct is
 * a fraction of the rows); 0 when it has none.
 */
static double
stats_ndistinct(Oid relid, AttrNumber attnum, double tuples)
{
	HeapTuple	tup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(relid),
									  Int16GetDatum(attnum), BoolGetDatum(false));
	double		nd = 0;

	if (HeapTupleIsValid(tup))
	{
		nd = ((Form_pg_statistic) GETSTRUCT(tup))->stadistinct;
		if (nd < 0)
			nd = -nd * tuples;
		ReleaseSysCache(tup);
	}
	return nd;
}

/* A column's type, typmod, collation and its type's default btree operator class. */
static Oid
column_btree_opclass(Oid relid, AttrNumber attnum, Oid *type, int32 *typmod, Oid *coll)
{
	get_atttypetypmodcoll(relid, attnum, type, typmod, coll);
	return GetDefaultOpClass(*type, BTREE_AM_OID);
}

/*
 * May btree deduplicate this key?  As PostgreSQL decides it for an index
 * (_bt_allequalimage): every key column's operator class says its equal
 * values are images of each other, under its collation.
 */
static bool
key_deduplicates(Candidate *c)
{
	for (int i = 0; i < c->ncols; i++)
	{
		Oid			type;
		int32		typmod;
		Oid			coll;
		Oid			opclass = column_btree_opclass(c->relid, c->cols[i], &type, &typmod, &coll);
		Oid			family;
		Oid			intype;
		Oid			proc;

		family = get_opclass_family(opclass);
		intype = get_opclass_input_type(opclass);
		proc = get_opfamily_proc(family, intype, intype, BTEQUALIMAGE_PROC);
		if (!OidIsValid(proc) ||
			!DatumGetBool(OidFunctionCall1Coll(proc, coll, ObjectIdGetDatum(intype))))
			return false;
	}
	return true;
}

/*
 * Bytes of an index's leaf tuples, line pointers included.  Since
 * PostgreSQL 13, CREATE INDEX deduplicates a btree: the rows of one key
 * share a posting-list tuple, the key stored once per up to a few hundred
 * heap TIDs (6 bytes each), so an index on a column of few values is a
 * fraction of one on a unique column.  The key's distinct values are the
 * product of its columns' (capped at the rows), as the planner assumes.
 */
static double
leaf_bytes(Candidate *c, double tuples, double width)
{
	double		groups = 1;
	double		per_group;
	double		posting_tuples;

	for (int i = 0; i < c->ncols && groups < tuples; i++)
	{
		double		nd = stats_ndistinct(c->relid, c->cols[i], tuples);

		if (nd <= 0)
			return tuples * width;	/* no statistics: as if unique */
		groups *= nd;
	}
	groups = Min(groups, tuples);
	per_group = tuples / groups;
	if (per_group < 2 || !key_deduplicates(c))
		return tuples * width;
	/* a posting list holds what fits in a third of a page, as btree caps it */
	posting_tuples = groups * ceil(per_group /
								   floor((BLCKSZ / 3.0 - width) / sizeof(ItemPointerData)));
	return posting_tuples * width + tuples * sizeof(ItemPointerData);
}

static IndexOptInfo *
hypothetical_index(RelOptInfo *rel, Candidate *c)
{
	IndexOptInfo *info = makeNode(IndexOptInfo);
	IndexAmRoutine *am = GetIndexAmRoutineByAmId(BTREE_AM_OID, false);
	int			n = c->ncols;
	double		width;
	double		per_page;
	double		leaf_pages;

	info->indexoid = c->fakeoid;
	info->reltablespace = rel->reltablespace;
	info->rel = rel;
	info->ncolumns = info->nkeycolumns = n;
	info->indexkeys = palloc(n * sizeof(int));
	info->indexcollations = palloc(n * sizeof(Oid));
	info->opfamily = palloc(n * sizeof(Oid));
	info->opcintype = palloc(n * sizeof(Oid));
	info->canreturn = palloc(n * sizeof(bool));
	info->reverse_sort = palloc(n * sizeof(bool));
	info->nulls_first = palloc(n * sizeof(bool));
	for (int i = 0; i < n; i++)
	{
		Oid			type;
		int32		typmod;
		Oid			coll;
		Oid			opclass = column_btree_opclass(c->relid, c->cols[i], &type, &typmod, &coll);

		info->indexkeys[i] = c->cols[i];
		info->indexcollations[i] = coll;
		info->opfamily[i] = get_opclass_family(opclass);
		info->opcintype[i] = get_opclass_input_type(opclass);
		info->canreturn[i] = true;
		info->reverse_sort[i] = c->desc[i];
		info->nulls_first[i] = c->desc[i];
		info->indextlist = lappend(info->indextlist,
								   makeTargetEntry((Expr *) makeVar(rel->relid, c->cols[i], type,
																	typmod, coll, 0),
												   i + 1, NULL, false));
	}
	info->sortopfamily = info->opfamily;
	info->relam = BTREE_AM_OID;
	info->amcostestimate = am->amcostestimate;
	info->amcanorderbyop = am->amcanorderbyop;
	info->amoptionalkey = am->amoptionalkey;
	info->amsearcharray = am->amsearcharray;
	info->amsearchnulls = am->amsearchnulls;
	info->amhasgettuple = am->amgettuple != NULL;
	info->amhasgetbitmap = am->amgetbitmap != NULL;
	info->amcanparallel = am->amcanparallel;
	info->amcanmarkpos = am->ammarkpos != NULL && am->amrestrpos != NULL;
	if (c->predicate != NIL)
	{
		info->indpred = copyObject(c->predicate);
		if (rel->relid != 1)
			ChangeVarNodes((Node *) info->indpred, 1, rel->relid, 0);
	}
	info->predOK = false;		/* check_index_predicates() decides */
	info->unique = false;
	info->immediate = true;
	info->hypothetical = true;

	/* size: leaf pages filled to btree's default 90 %, and the levels above */
	info->tuples = clamp_row_est(rel->tuples * (c->predicate ? c->selectivity : 1.0));
	width = index_tuple_width(c->relid, c->cols, n);
	per_page = Max(1.0, floor((BLCKSZ - SizeOfPageHeaderData - sizeof(BTPageOpaqueData)) *
							  BTREE_DEFAULT_FILLFACTOR / 100.0 / width));
	leaf_pages = ceil(leaf_bytes(c, info->tuples, width) / (per_page * width));
	info->tree_height = leaf_pages <= 1 ? 0 : (int) ceil(log(leaf_pages) / log(per_page));
	info->pages = (BlockNumber) Max(1.0, leaf_pages * (1.0 + 1.0 / per_page));
	c->size = (double) (info->pages + 1) * BLCKSZ;	/* and the metapage */
	return info;
}

static void
adv_get_relation_info(PlannerInfo *root, Oid relid, bool inhparent, RelOptInfo *rel)
{
	ListCell   *lc;

	if (prev_get_relation_info)
		prev_get_relation_info(root, relid, inhparent, rel);
	if (inhparent)
		return;
	foreach(lc, injecting)
	{
		Candidate  *c = lfirst(lc);

		if (c->relid == relid)
			rel->indexlist = lcons(hypothetical_index(rel, c), rel->indexlist);
	}
}

void
conv_advisor_init(void)
{
	prev_set_rel_pathlist = set_rel_pathlist_hook;
	set_rel_pathlist_hook = adv_set_rel_pathlist;
	prev_get_relation_info = get_relation_info_hook;
	get_relation_info_hook = adv_get_relation_info;
}

/* ---- planning ---- */

static void mark_used(Plan *plan, List *candidates);

static void
mark_used_list(List *plans, List *candidates)
{
	ListCell   *lc;

	foreach(lc, plans)
		mark_used(lfirst(lc), candidates);
}

/* Which candidates does this plan scan? */
static void
mark_used(Plan *plan, List *candidates)
{
	Oid			indexid = InvalidOid;
	ListCell   *lc;

	if (plan == NULL)
		return;
	switch (nodeTag(plan))
	{
		case T_IndexScan:
			indexid = ((IndexScan *) plan)->indexid;
			break;
		case T_IndexOnlyScan:
			indexid = ((IndexOnlyScan *) plan)->indexid;
			break;
		case T_BitmapIndexScan:
			indexid = ((BitmapIndexScan *) plan)->indexid;
			break;
		case T_Append:
			mark_used_list(((Append *) plan)->appendplans, candidates);
			break;
		case T_MergeAppend:
			mark_used_list(((MergeAppend *) plan)->mergeplans, candidates);
			break;
		case T_BitmapAnd:
			mark_used_list(((BitmapAnd *) plan)->bitmapplans, candidates);
			break;
		case T_BitmapOr:
			mark_used_list(((BitmapOr *) plan)->bitmapplans, candidates);
			break;
		case T_SubqueryScan:
			mark_used(((SubqueryScan *) plan)->subplan, candidates);
			break;
		case T_CustomScan:
			mark_used_list(((CustomScan *) plan)->custom_plans, candidates);
			break;
		default:
			break;
	}
	if (OidIsValid(indexid))
		foreach(lc, candidates)
			if (((Candidate *) lfirst(lc))->fakeoid == indexid)
				((Candidate *) lfirst(lc))->used = true;
	mark_used(plan->lefttree, candidates);
	mark_used(plan->righttree, candidates);
}

/*
 * One statement of the workload as the advisor plans it: its analysed
 * queries, the parameter values it is planned with (NULL: a generic plan)
 * and how many executions it stands for.
 */
typedef struct WorkItem
{
	int			stmt;			/* statement number; value sets share it */
	const char *sql;
	List	   *queries;		/* Query *, analysed and rewritten */
	ParamListInfo params;
	double		weight;
	List	   *tables;			/* AdvTable * it reads, from discovery */
	List	   *relids;			/* their OIDs */
	Cost		base;			/* cost without hypothetical indexes */
	Cost		current;		/* with the indexes chosen so far */
	Cost		trial;			/* at the last planning */
} WorkItem;

/* The estimated cost of one item with these hypothetical indexes; marks those used. */
static Cost
plan_item(WorkItem *w, List *candidates)
{
	Cost		total = 0;
	ListCell   *lc;

	injecting = candidates;
	PG_TRY();
	{
		foreach(lc, w->queries)
		{
			PlannedStmt *ps = pg_plan_query(copyObject(lfirst_node(Query, lc)), w->sql,
											CURSOR_OPT_PARALLEL_OK, w->params);

			total += ps->planTree->total_cost;
			mark_used(ps->planTree, candidates);
			mark_used_list(ps->subplans, candidates);
		}
	}
	PG_FINALLY();
	{
		injecting = NIL;
	}
	PG_END_TRY();
	return total;
}

static bool
item_reads(WorkItem *w, Oid relid)
{
	return list_member_oid(w->relids, relid);
}

/*
 * The workload's estimated cost (executions times plan cost) with these
 * hypothetical indexes, setting each item's trial cost.  Only the items
 * that read focus's table are planned again when focus is given; the others
 * keep their current cost, which the other candidates cannot change.
 */
static double
workload_cost(List *items, List *candidates, Candidate *focus)
{
	double		total = 0;
	ListCell   *lc;

	foreach(lc, candidates)
		((Candidate *) lfirst(lc))->used = false;
	foreach(lc, items)
	{
		WorkItem   *w = lfirst(lc);

		if (focus == NULL || item_reads(w, focus->relid))
			w->trial = plan_item(w, candidates);
		else
			w->trial = w->current;
		total += w->weight * w->trial;
	}
	return total;
}

/* ---- candidates ---- */

static int
ndistinct_desc_cmp(const ListCell *a, const ListCell *b)
{
	const AdvColumn *x = lfirst(a);
	const AdvColumn *y = lfirst(b);

	if (x->ndistinct != y->ndistinct)
		return x->ndistinct > y->ndistinct ? -1 : 1;
	return x->attnum - y->attnum;
}

/* Does a real index already give this: the same leading keys, same predicate? */
static bool
already_indexed(AdvTable *t, Candidate *c)
{
	ListCell   *lc;

	foreach(lc, t->existing)
	{
		IndexOptInfo *idx = lfirst(lc);
		List	   *pred;
		bool		same_dir = true;
		bool		reversed = true;
		int			i;

		if (idx->relam != BTREE_AM_OID || idx->nkeycolumns < c->ncols)
			continue;
		for (i = 0; i < c->ncols; i++)
		{
			if (idx->indexkeys[i] != c->cols[i])
				break;
			if (idx->reverse_sort[i] != c->desc[i])
				same_dir = false;
			else
				reversed = false;
		}
		if (i < c->ncols || !(same_dir || reversed))
			continue;
		if (idx->indpred == NIL)
			return true;
		pred = copyObject(idx->indpred);
		ChangeVarNodes((Node *) pred, t->existing_varno, 1, 0);
		if (equal(pred, c->predicate))
			return true;
	}
	return false;
}

static void
add_candidate(List **cands, AdvTable *t, const char *kind, int ncols,
			  const AttrNumber *cols, const bool *desc, List *predicate, double selectivity)
{
	Candidate  *c;
	ListCell   *lc;

	if (ncols < 1 || list_length(*cands) >= MAX_CANDIDATES)
		return;
	c = palloc0(sizeof(Candidate));
	c->relid = t->relid;
	c->kind = kind;
	c->ncols = Min(ncols, MAX_CANDIDATE_COLUMNS);
	memcpy(c->cols, cols, c->ncols * sizeof(AttrNumber));
	if (desc)
		memcpy(c->desc, desc, c->ncols * sizeof(bool));
	c->predicate = predicate;
	c->selectivity = selectivity;
	for (int i = 0; i < c->ncols; i++)
	{
		Oid			type;
		int32		typmod;
		Oid			coll;

		get_atttypetypmodcoll(c->relid, c->cols[i], &type, &typmod, &coll);
		if (!OidIsValid(GetDefaultOpClass(type, BTREE_AM_OID)))
			return;
		for (int j = 0; j < i; j++)
			if (c->cols[j] == c->cols[i])
				return;
	}
	foreach(lc, *cands)
	{
		Candidate  *o = lfirst(lc);

		if (o->relid == c->relid && o->ncols == c->ncols &&
			memcmp(o->cols, c->cols, c->ncols * sizeof(AttrNumber)) == 0 &&
			memcmp(o->desc, c->desc, c->ncols * sizeof(bool)) == 0 &&
			equal(o->predicate, c->predicate))
			return;
	}
	if (already_indexed(t, c))
		return;
	*cands = lappend(*cands, c);
}

/*
 * The key columns of a composite: equality columns (most distinct first),
 * then the ORDER BY columns, or else the first range column.  Columns the
 * predicate fixes are left out.
 */
static int
composite_keys(AdvTable *t, List *eqcols, Bitmapset *skip, bool with_order,
			   AttrNumber *cols, bool *desc)
{
	int			n = 0;
	ListCell   *lc;

	foreach(lc, eqcols)
	{
		AdvColumn  *c = lfirst(lc);

		if (!bms_is_member(c->attnum, skip) && n < MAX_CANDIDATE_COLUMNS)
		{
			desc[n] = false;
			cols[n++] = c->attnum;
		}
	}
	if (with_order && t->norder > 0)
	{
		for (int i = 0; i < t->norder && n < MAX_CANDIDATE_COLUMNS; i++)
		{
			desc[n] = t->order_desc[i];
			cols[n++] = t->order[i];
		}
		return n;
	}
	foreach(lc, t->columns)
	{
		AdvColumn  *c = lfirst(lc);

		if ((c->uses & USE_RANGE) && !(c->uses & USE_EQ) && !bms_is_member(c->attnum, skip) &&
			n < MAX_CANDIDATE_COLUMNS)
		{
			desc[n] = false;
			cols[n++] = c->attnum;
			break;
		}
	}
	return n;
}

/*
 * How much of a table's workload carries each condition on a constant: a
 * partial index is a candidate only for a condition most of the table's
 * executions (by weight) apply.  An entry with a NULL clause holds the
 * table's total.
 */
typedef struct PredicateShare
{
	Oid			relid;
	Expr	   *clause;
	double		weight;
} PredicateShare;

static void
add_share(List **shares, Oid relid, Expr *clause, double weight)
{
	ListCell   *lc;
	PredicateShare *ps;

	foreach(lc, *shares)
	{
		ps = lfirst(lc);
		if (ps->relid == relid && equal(ps->clause, clause))
		{
			ps->weight += weight;
			return;
		}
	}
	ps = palloc(sizeof(PredicateShare));
	ps->relid = relid;
	ps->clause = clause;
	ps->weight = weight;
	*shares = lappend(*shares, ps);
}

static double
share_weight(List *shares, Oid relid, Expr *clause)
{
	ListCell   *lc;

	foreach(lc, shares)
	{
		PredicateShare *ps = lfirst(lc);

		if (ps->relid == relid && equal(ps->clause, clause))
			return ps->weight;
	}
	return 0;
}

static bool
common_predicate(List *shares, Oid relid, Expr *clause)
{
	return share_weight(shares, relid, clause) >= 0.5 * share_weight(shares, relid, NULL);
}

static bool
all_common(List *shares, AdvTable *t)
{
	ListCell   *lc;

	foreach(lc, t->predicates)
		if (!common_predicate(shares, t->relid, ((AdvPredicate *) lfirst(lc))->clause))
			return false;
	return true;
}

static void
make_candidates(List *tables, List *shares, List **candsp)
{
	List	   *cands = *candsp;
	ListCell   *lc;

	foreach(lc, tables)
	{
		AdvTable   *t = lfirst(lc);
		List	   *eqcols = NIL;
		ListCell   *cc;
		AttrNumber	cols[MAX_CANDIDATE_COLUMNS];
		bool		desc[MAX_CANDIDATE_COLUMNS];
		int			n;

		foreach(cc, t->columns)
		{
			AdvColumn  *c = lfirst(cc);

			add_candidate(&cands, t, "single", 1, &c->attnum, NULL, NIL, 1.0);
			if (c->uses & (USE_EQ | USE_JOIN))
				eqcols = lappend(eqcols, c);
		}
		list_sort(eqcols, ndistinct_desc_cmp);

		if (t->norder > 0)
			add_candidate(&cands, t, t->norder > 1 ? "composite" : "single",
						  t->norder, t->order, t->order_desc, NIL, 1.0);
		for (int with_order = 0; with_order <= 1; with_order++)
		{
			n = composite_keys(t, eqcols, NULL, with_order, cols, desc);
			if (n > 1)
				add_candidate(&cands, t, "composite", n, cols, desc, NIL, 1.0);
		}

		/* partial: each selective condition on a constant, then all of them */
		foreach(cc, t->predicates)
		{
			AdvPredicate *p = lfirst(cc);

			if (p->selectivity > 0.5 || !common_predicate(shares, t->relid, p->clause))
				continue;
			for (int with_order = 0; with_order <= 1; with_order++)
			{
				n = composite_keys(t, eqcols, bms_make_singleton(p->attnum), with_order,
								   cols, desc);
				add_candidate(&cands, t, "partial", n, cols, desc,
							  list_make1(p->clause), p->selectivity);
			}
		}
		if (list_length(t->predicates) > 1 && all_common(shares, t))
		{
			List	   *all = NIL;
			Bitmapset  *fixed = NULL;
			double		sel = 1.0;

			foreach(cc, t->predicates)
			{
				AdvPredicate *p = lfirst(cc);

				all = lappend(all, p->clause);
				fixed = bms_add_member(fixed, p->attnum);
				sel *= p->selectivity;
			}
			if (sel <= 0.5)
				for (int with_order = 0; with_order <= 1; with_order++)
				{
					n = composite_keys(t, eqcols, fixed, with_order, cols, desc);
					add_candidate(&cands, t, "partial", n, cols, desc, all, sel);
				}
		}
	}
	*candsp = cands;
}

/* OIDs no relation has, counted down from the first normal OID. */
static void
assign_fake_oids(List *cands)
{
	Oid			next = FirstNormalObjectId - 1;
	ListCell   *lc;

	foreach(lc, cands)
	{
		while (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(next)))
			next--;
		((Candidate *) lfirst(lc))->fakeoid = next--;
	}
}

/* ---- parsing ---- */

typedef struct ParseErrorContext
{
	const char *sql;
} ParseErrorContext;

/* Errors in the query point into it, not into the call. */
static void
query_error_callback(void *arg)
{
	ParseErrorContext *ctx = arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(ctx->sql);
	}
	errcontext("query given to conventions.suggest_indexes()");
}

/*
 * Parse, analyse and rewrite one SELECT, UPDATE or DELETE.  With types
 * given (a captured statement's parameters), they are the parameters'
 * types; otherwise they are inferred from the query.
 */
static List *
analyse_query(const char *sql, Oid *types, int ntypes)
{
	ErrorContextCallback errcb;
	ParseErrorContext ctx = {sql};
	List	   *raw;
	RawStmt    *stmt;
	Query	   *query;
	List	   *rewritten;
	List	   *result = NIL;
	ListCell   *lc;

	errcb.callback = query_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	raw = pg_parse_query(sql);
	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conventions.suggest_indexes() takes exactly one statement, not %d",
						list_length(raw))));
	stmt = linitial_node(RawStmt, raw);
	/* a prepared statement's query: psql's EXECUTE runs one under this text */
	if (IsA(stmt->stmt, PrepareStmt))
		stmt->stmt = ((PrepareStmt *) stmt->stmt)->query;
	if (!IsA(stmt->stmt, SelectStmt) && !IsA(stmt->stmt, UpdateStmt) &&
		!IsA(stmt->stmt, DeleteStmt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("conventions.suggest_indexes() does not take %s statements",
						CreateCommandName(stmt->stmt)),
				 errhint("Pass one SELECT, UPDATE or DELETE statement.")));
	if (types != NULL)
		query = parse_analyze_fixedparams(stmt, sql, types, ntypes, NULL);
	else
	{
		query = parse_analyze_varparams(stmt, sql, &types, &ntypes, NULL);
		for (int i = 0; i < ntypes; i++)
			if (!OidIsValid(types[i]) || types[i] == UNKNOWNOID)
				ereport(ERROR,
						(errcode(ERRCODE_INDETERMINATE_DATATYPE),
						 errmsg("could not determine data type of parameter $%d", i + 1),
						 errhint("Cast the parameter, as in $%d::integer.", i + 1)));
	}
	if (query->commandType == CMD_UTILITY)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("conventions.suggest_indexes() does not take SELECT INTO statements"),
				 errhint("Pass one SELECT, UPDATE or DELETE statement.")));
	rewritten = pg_rewrite_query(query);
	foreach(lc, rewritten)
		if (lfirst_node(Query, lc)->commandType != CMD_UTILITY)
			result = lappend(result, lfirst(lc));
	error_context_stack = errcb.previous;
	return result;
}

/*
 * Plan an item once without hypothetical indexes, recording what it asks
 * of each table.  Privileges are checked as EXPLAIN checks them: the
 * planner itself does not.
 */
static void
discover_item(WorkItem *w)
{
	ListCell   *lc;

	discovered = NIL;
	discovering = true;
	PG_TRY();
	{
		foreach(lc, w->queries)
		{
			PlannedStmt *ps = pg_plan_query(copyObject(lfirst_node(Query, lc)), w->sql,
											CURSOR_OPT_PARALLEL_OK, w->params);

			CONV_CHECK_PLAN_PERMISSIONS(ps);
			w->base += ps->planTree->total_cost;
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
	w->current = w->base;
}

/* ---- the workload ---- */

/* Parameter values from their text, as constants the planner may fold. */
static ParamListInfo
bind_params(int n, const Oid *types, char **values)
{
	ParamListInfo params = makeParamList(n);

	params->numParams = n;
	for (int i = 0; i < n; i++)
	{
		ParamExternData *prm = &params->params[i];

		prm->ptype = types[i];
		prm->pflags = PARAM_FLAG_CONST;
		prm->isnull = values[i] == NULL;
		if (!prm->isnull)
		{
			Oid			typinput;
			Oid			typioparam;

			getTypeInputInfo(types[i], &typinput, &typioparam);
			prm->value = OidInputFunctionCall(typinput, values[i], typioparam, -1);
		}
	}
	return params;
}

/*
 * The items of one workload statement: one per kept value set, weighted
 * by its share of the executions, and a generic plan for the rest.  Runs
 * under the search_path the statement ran with.
 */
static List *
statement_items(int stmt, ConvStatement *s, double executions)
{
	List	   *items = NIL;
	int			nestlevel = NewGUCNestLevel();
	bool		types_known = s->nparams > 0 && OidIsValid(s->paramtypes[0]);
	double		sampled = s->unbound;
	List	   *queries;

	if (s->search_path)
		(void) set_config_option("search_path", s->search_path, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	queries = analyse_query(s->query, types_known ? s->paramtypes : NULL,
							types_known ? s->nparams : 0);
	for (int i = 0; i < s->nsets; i++)
		sampled += s->set_calls[i];
	for (int i = 0; i <= s->nsets; i++)
	{
		WorkItem   *w;
		double		calls = i < s->nsets ? s->set_calls[i] : s->unbound;

		if (calls <= 0 && !(i == s->nsets && s->nsets == 0))
			continue;
		w = palloc0(sizeof(WorkItem));
		w->stmt = stmt;
		w->sql = s->query;
		w->queries = queries;
		w->weight = s->nsets == 0 ? executions : executions * calls / sampled;
		if (i < s->nsets && types_known)
			w->params = bind_params(s->nparams, s->paramtypes, s->set_values[i]);
		discover_item(w);
		items = lappend(items, w);
	}
	AtEOXact_GUC(true, nestlevel);
	return items;
}

/* The pg_stat_statements texts of this database, when that extension is here. */
static List *
pg_stat_statements_texts(void)
{
	List	   *result = NIL;
	MemoryContext outer = CurrentMemoryContext;
	StringInfoData sql;
	char	   *schema;
	Oid			extoid = get_extension_oid("pg_stat_statements", true);

	if (!OidIsValid(extoid))
		return NIL;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(psprintf("SELECT extnamespace::regnamespace::text FROM pg_extension "
							 "WHERE oid = %u", extoid), true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not find the schema of pg_stat_statements");
	schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT userid, queryid, query, calls FROM %s.pg_stat_statements "
					 "WHERE dbid = %u AND toplevel AND query <> '<insufficient privilege>' "
					 "AND query ~* '^\\s*(select|with|update|delete)\\M' "
					 "ORDER BY calls DESC LIMIT %d",
					 schema, MyDatabaseId, MAX_STATEMENTS);
	if (SPI_execute(sql.data, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_stat_statements");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(outer);
		ConvStatement *s = palloc0(sizeof(ConvStatement));

		s->userid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		s->queryid = (uint64) DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		s->query = TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull));
		s->calls = DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
		result = lappend(result, s);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

/*
 * Run fn(arg) in a subtransaction; on error, forget it and say so at
 * DEBUG1.  One statement of the workload that no longer parses (a dropped
 * table) or that this role may not read must not stop the others.
 */
static bool
try_subtransaction(void (*fn) (void *), void *arg, const char *what)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	bool		ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		ereport(DEBUG1,
				(errmsg_internal("suggest_indexes() leaves out %s: %s", what, edata->message)));
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return ok;
}

typedef struct StatementCall
{
	int			stmt;
	ConvStatement *s;
	double		executions;
	List	   *items;
} StatementCall;

static void
statement_items_call(void *arg)
{
	StatementCall *c = arg;

	c->items = statement_items(c->stmt, c->s, c->executions);
}

static void
pgss_call(void *arg)
{
	*(List **) arg = pg_stat_statements_texts();
}

static int
executions_desc_cmp(const ListCell *a, const ListCell *b)
{
	const StatementCall *x = lfirst(a);
	const StatementCall *y = lfirst(b);

	if (x->executions != y->executions)
		return x->executions > y->executions ? -1 : 1;
	return strcmp(x->s->query, y->s->query);
}

/*
 * The workload: captured statements (their executions scaled by the sample
 * rate, or pg_stat_statements' count of the same query id), and the
 * pg_stat_statements texts the capture does not have, planned generically.
 */
static List *
workload_items(List **texts)
{
	List	   *stmts = NIL;
	List	   *pgss = NIL;
	List	   *items = NIL;
	bool		have_pgss = OidIsValid(get_extension_oid("pg_stat_statements", true));
	double		scale = conv_capture_sample_rate > 0 ? 1.0 / conv_capture_sample_rate : 1.0;
	ListCell   *lc;
	int			n = 0;

	if (!conv_workload_available() && !have_pgss)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("there is no workload to suggest indexes for"),
				 errdetail("pg_conventions is not in shared_preload_libraries, and "
						   "pg_stat_statements is not installed in this database."),
				 errhint("Preload pg_conventions (its capture records the executed queries), "
						 "or pass one query: conventions.suggest_indexes('SELECT ...').")));
	if (have_pgss)
		(void) try_subtransaction(pgss_call, &pgss, "pg_stat_statements");
	if (conv_workload_available())
		foreach(lc, conv_workload_statements(MyDatabaseId))
		{
			StatementCall *c = palloc0(sizeof(StatementCall));
			ListCell   *pc;

			c->s = lfirst(lc);
			c->executions = c->s->calls * scale;
			foreach(pc, pgss)
			{
				ConvStatement *p = lfirst(pc);

				if (c->s->queryid != 0 && p->queryid == c->s->queryid &&
					p->userid == c->s->userid)
				{
					c->executions = p->calls;
					pgss = foreach_delete_current(pgss, pc);
				}
			}
			stmts = lappend(stmts, c);
		}
	foreach(lc, pgss)
	{
		StatementCall *c = palloc0(sizeof(StatementCall));

		c->s = lfirst(lc);
		c->executions = c->s->calls;
		stmts = lappend(stmts, c);
	}
	list_sort(stmts, executions_desc_cmp);
	foreach(lc, stmts)
	{
		StatementCall *c = lfirst(lc);

		if (n >= MAX_STATEMENTS)
			break;
		c->stmt = n;
		if (try_subtransaction(statement_items_call, c, "a statement"))
		{
			items = list_concat(items, c->items);
			*texts = lappend(*texts, c->s->query);
			n++;
		}
	}
	return items;
}

/* ---- the function ---- */
static char *
predicate_sql(Candidate *c)
{
	List	   *ctx = deparse_context_for(get_rel_name(c->relid), c->relid);
	Expr	   *pred = list_length(c->predicate) == 1 ? linitial(c->predicate) :
		make_andclause(c->predicate);

	return deparse_expression((Node *) pred, ctx, false, false);
}

static char *
candidate_sql(Candidate *c, char **name_out)
{
	Oid			nspid = get_rel_namespace(c->relid);
	const char *colnames[MAX_CANDIDATE_COLUMNS];
	char	   *name;
	StringInfoData buf;

	for (int i = 0; i < c->ncols; i++)
		colnames[i] = get_attname(c->relid, c->cols[i], false);
	name = conv_choose_index_name(nspid, get_rel_name(c->relid), c->ncols, colnames,
								  InvalidOid, NULL, NULL);
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON %s (",
					 quote_identifier(name),
					 conv_qualified_sql_name(get_namespace_name(nspid), get_rel_name(c->relid)));
	for (int i = 0; i < c->ncols; i++)
		appendStringInfo(&buf, "%s%s%s", i > 0 ? ", " : "", quote_identifier(colnames[i]),
						 c->desc[i] ? " DESC" : "");
	appendStringInfoChar(&buf, ')');
	if (c->predicate != NIL)
		appendStringInfo(&buf, " WHERE %s", predicate_sql(c));
	appendStringInfoChar(&buf, ';');
	*name_out = name;
	return buf.data;
}

/*
 * Choose indexes for the workload and return one row each: the greedy
 * choice under the budget (a number of indexes, and bytes when max_size is
 * not negative), each with the workload's cost once it and those above it
 * exist, and the statements it makes cheaper.
 */
static void
advise(ReturnSetInfo *rsinfo, List *items, List *texts, int budget, int64 max_size)
{
	List	   *cands = NIL;
	List	   *shares = NIL;
	List	   *chosen = NIL;
	List	   *remaining = NIL;
	double		base = 0;
	double		current;
	double		size = 0;
	ListCell   *lc;

	/* candidates from what each statement asks, partial ones by table share */
	foreach(lc, items)
	{
		WorkItem   *w = lfirst(lc);
		ListCell   *tc;

		foreach(tc, w->tables)
		{
			AdvTable   *t = lfirst(tc);
			ListCell   *pc;

			add_share(&shares, t->relid, NULL, w->weight);
			foreach(pc, t->predicates)
				add_share(&shares, t->relid, ((AdvPredicate *) lfirst(pc))->clause, w->weight);
		}
		base += w->weight * w->base;
	}
	foreach(lc, items)
		make_candidates(((WorkItem *) lfirst(lc))->tables, shares, &cands);
	assign_fake_oids(cands);

	/* each alone: keep those the planner uses and that lower the cost */
	foreach(lc, cands)
	{
		Candidate  *c = lfirst(lc);

		c->alone = workload_cost(items, list_make1(c), c);
		if (c->used && c->alone < base)
			remaining = lappend(remaining, c);
	}

	/* greedy: the best addition each round, while it saves at least 1 % */
	current = base;
	while (list_length(chosen) < budget && remaining != NIL)
	{
		Candidate  *best = NULL;
		double		best_cost = current;

		foreach(lc, remaining)
		{
			Candidate  *c = lfirst(lc);
			double		cost;

			if (max_size >= 0 && size + c->size > (double) max_size)
				continue;
			cost = workload_cost(items, lappend(list_copy(chosen), c), c);
			if (c->used && (cost < best_cost ||
							(best && cost == best_cost && c->size < best->size)))
			{
				best = c;
				best_cost = cost;
			}
		}
		if (best == NULL || best_cost > current * 0.99)
			break;
		chosen = lappend(chosen, best);
		remaining = list_delete_ptr(remaining, best);

		/* one the plans no longer use makes no suggestion */
		(void) workload_cost(items, chosen, NULL);
		foreach(lc, chosen)
			if (!((Candidate *) lfirst(lc))->used)
				chosen = foreach_delete_current(chosen, lc);
		current = workload_cost(items, chosen, NULL);
		size = 0;
		foreach(lc, chosen)
			size += ((Candidate *) lfirst(lc))->size;
		foreach(lc, items)
			((WorkItem *) lfirst(lc))->current = ((WorkItem *) lfirst(lc))->trial;
	}

	/* rows: each index, with the cost once it and those above it exist */
	foreach(lc, items)
		((WorkItem *) lfirst(lc))->current = ((WorkItem *) lfirst(lc))->base;
	{
		List	   *so_far = NIL;

		foreach(lc, chosen)
		{
			Candidate  *c = lfirst(lc);
			Datum		values[10];
			bool		nulls[10] = {false};
			Datum	   *cols = palloc(c->ncols * sizeof(Datum));
			Bitmapset  *helped = NULL;
			Datum	   *helped_texts;
			int			nhelped = 0;
			int			member = -1;
			char	   *name;
			double		after;
			ListCell   *ic;

			so_far = lappend(so_far, c);
			after = workload_cost(items, so_far, NULL);
			foreach(ic, items)
			{
				WorkItem   *w = lfirst(ic);

				if (w->trial < w->current)
					helped = bms_add_member(helped, w->stmt);
				w->current = w->trial;
			}
			helped_texts = palloc(Max(bms_num_members(helped), 1) * sizeof(Datum));
			while ((member = bms_next_member(helped, member)) >= 0)
				helped_texts[nhelped++] = CStringGetTextDatum(list_nth(texts, member));

			for (int i = 0; i < c->ncols; i++)
				cols[i] = CStringGetTextDatum(psprintf("%s%s",
													   quote_identifier(get_attname(c->relid, c->cols[i], false)),
													   c->desc[i] ? " DESC" : ""));
			values[0] = ObjectIdGetDatum(c->relid);
			values[1] = CStringGetTextDatum(c->kind);
			values[2] = PointerGetDatum(construct_array(cols, c->ncols, TEXTOID, -1, false,
														TYPALIGN_INT));
			if (c->predicate != NIL)
				values[3] = CStringGetTextDatum(predicate_sql(c));
			else
				nulls[3] = true;
			values[4] = CStringGetTextDatum(candidate_sql(c, &name));
			values[5] = Int32GetDatum(nhelped);
			values[6] = PointerGetDatum(construct_array(helped_texts, nhelped, TEXTOID, -1,
														false, TYPALIGN_INT));
			values[7] = Float8GetDatum(rint(base * 100) / 100);
			values[8] = Float8GetDatum(rint(after * 100) / 100);
			values[9] = Int64GetDatum((int64) c->size);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
}

static int
budget_arg(FunctionCallInfo fcinfo, int argno, int64 *max_size)
{
	int			budget = PG_ARGISNULL(argno) ? 3 : PG_GETARG_INT32(argno);

	if (budget < 1 || budget > 32)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_indexes must be between 1 and 32, not %d", budget)));
	*max_size = PG_ARGISNULL(argno + 1) ? -1 : PG_GETARG_INT64(argno + 1);
	if (!PG_ARGISNULL(argno + 1) && *max_size < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_size must not be negative, not " INT64_FORMAT, *max_size)));
	return budget;
}

/* conventions.suggest_indexes(query text, max_indexes int, max_size bigint) */
Datum
conventions_suggest_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	WorkItem   *w;
	int			budget;
	int64		max_size;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the query must not be null")));
	budget = budget_arg(fcinfo, 1, &max_size);
	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	citus_noted = NIL;

	w = palloc0(sizeof(WorkItem));
	w->sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	w->weight = 1;
	w->queries = analyse_query(w->sql, NULL, 0);
	discover_item(w);
	advise(rsinfo, list_make1(w), list_make1((char *) w->sql), budget, max_size);
	return (Datum) 0;
}

/* conventions.suggest_indexes(max_indexes int, max_size bigint): the workload */
Datum
conventions_suggest_indexes_workload(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *texts = NIL;
	List	   *items;
	int			budget;
	int64		max_size;

	budget = budget_arg(fcinfo, 0, &max_size);
	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	citus_noted = NIL;
	items = workload_items(&texts);
	if (items != NIL)
		advise(rsinfo, items, texts, budget, max_size);
	return (Datum) 0;
}
