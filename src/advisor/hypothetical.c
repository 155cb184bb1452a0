/*-------------------------------------------------------------------------
 *
 * hypothetical.c
 *		A candidate index as the planner sees it (get_relation_info_hook
 *		adds it to its table's indexes), its size and its write cost, and
 *		the workload's estimated cost with a set of candidates.
 *
 * The planner's own cost functions price a hypothetical index from what
 * IndexOptInfo says: its pages, tuples and tree height, which come from
 * the estimated size.  gincostestimate knows hypothetical indexes: it does
 * not read their metapage.
 *
 * The hook does nothing unless adv_workload_cost() is under way.
 *
 *-------------------------------------------------------------------------
 */
#include "advisor.h"

#include <math.h>

#include "access/amapi.h"
#include "access/gin.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "catalog/pg_am.h"
#include "catalog/pg_statistic.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "rewrite/rewriteManip.h"
#include "storage/bufpage.h"
#include "tcop/tcopprot.h"
#include "access/sysattr.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

/* bytes a GIN posting list spends on one heap TID, compressed */
#define GIN_BYTES_PER_ITEM 3.0

static List *injecting = NIL;	/* Candidate * */
static conv_rel_info_hook_type prev_rel_info_hook = NULL;

/*
 * Bytes per index tuple of these columns on a page: the tuple (its header
 * and the columns' average widths) padded to MAXALIGN, and its line
 * pointer, which is not padded.
 */
static double
index_tuple_width(Oid relid, const AttrNumber *cols, int ncols)
{
	double		width = sizeof(IndexTupleData);

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
	return MAXALIGN((Size) width) + sizeof(ItemIdData);
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

/*
 * May btree deduplicate this key?  As PostgreSQL decides it for an index
 * (_bt_allequalimage): no INCLUDE column, and every key column's operator
 * class says its equal values are images of each other, under its collation.
 */
static bool
key_deduplicates(Candidate *c)
{
	if (c->ncols > c->nkeys)
		return false;			/* not with INCLUDE columns */
	for (int i = 0; i < c->nkeys; i++)
	{
		/* the families and types resolve_columns() found */
		Oid			proc = get_opfamily_proc(c->families[i], c->intypes[i], c->intypes[i],
											 BTEQUALIMAGE_PROC);

		if (!OidIsValid(proc) ||
			!DatumGetBool(OidFunctionCall1Coll(proc, c->collations[i],
											   ObjectIdGetDatum(c->intypes[i]))))
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

	for (int i = 0; i < c->nkeys && groups < tuples; i++)
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


/*
 * Keys a row gives a GIN index: an array's distinct elements, as ANALYZE
 * counted them (the average at the end of the element-count histogram); a
 * jsonb document's keys and values, one per 12 bytes of its average width.
 */
static double
gin_entries_per_row(Candidate *c)
{
	HeapTuple	tup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(c->relid),
									  Int16GetDatum(c->cols[0]), BoolGetDatum(false));
	double		entries = 0;

	if (HeapTupleIsValid(tup))
	{
		AttStatsSlot slot;

		if (get_attstatsslot(&slot, tup, STATISTIC_KIND_DECHIST, InvalidOid,
							 ATTSTATSSLOT_NUMBERS) && slot.nnumbers > 0)
		{
			entries = slot.numbers[slot.nnumbers - 1];
			free_attstatsslot(&slot);
		}
		ReleaseSysCache(tup);
	}
	if (entries <= 0)
		entries = Max(1.0, get_attavgwidth(c->relid, c->cols[0]) / 12.0);
	return entries;
}

/*
 * The estimated size of a candidate, in pages (the metapage too), with its
 * tree height.  A btree: leaf pages filled to the default 90 %, and the
 * levels above.  A GIN index: its compressed posting lists.
 */
static double
candidate_pages(Candidate *c, double tuples, int *height)
{
	double		width;
	double		per_page;
	double		leaf_pages;

	if (c->amoid == GIN_AM_OID)
	{
		*height = -1;
		return 1 + ceil(tuples * gin_entries_per_row(c) * GIN_BYTES_PER_ITEM /
						(BLCKSZ * 0.9));
	}
	width = index_tuple_width(c->relid, c->cols, c->ncols);
	per_page = Max(1.0, floor((BLCKSZ - SizeOfPageHeaderData - sizeof(BTPageOpaqueData)) *
							  BTREE_DEFAULT_FILLFACTOR / 100.0 / width));
	leaf_pages = ceil(leaf_bytes(c, tuples, width) / (per_page * width));
	*height = leaf_pages <= 1 ? 0 : (int) ceil(log(leaf_pages) / log(per_page));
	return 1 + Max(1.0, leaf_pages * (1.0 + 1.0 / per_page));
}

/*
 * An existing B-tree's pages (the metapage too) and height as
 * candidate_pages() estimates a candidate's, for tuples rows: what a
 * production twin's planner (twin/planner.c) gives an index made on the
 * twin itself, which production's statistics do not have.  -1 for what it
 * cannot size: another access method, an expression or a predicate.
 */
double
adv_existing_index_pages(Oid relid, const IndexOptInfo *info, double tuples, int *height)
{
	Candidate	c;

	if (info->relam != BTREE_AM_OID || info->indpred != NIL || info->indexprs != NIL ||
		info->ncolumns > MAX_INDEX_COLUMNS || info->nkeycolumns > MAX_KEY_COLUMNS)
		return -1;
	memset(&c, 0, sizeof(c));
	c.relid = relid;
	c.amoid = BTREE_AM_OID;
	c.nkeys = info->nkeycolumns;
	c.ncols = info->ncolumns;
	for (int i = 0; i < c.ncols; i++)
	{
		c.cols[i] = info->indexkeys[i];
		if (i < c.nkeys)
		{
			c.collations[i] = info->indexcollations[i];
			c.families[i] = info->opfamily[i];
			c.intypes[i] = info->opcintype[i];
		}
	}
	return candidate_pages(&c, tuples, height);
}

static double
index_rows(Candidate *c)
{
	return clamp_row_est(c->tuples * (c->predicate ? c->selectivity : 1.0));
}

static IndexOptInfo *
hypothetical_index(RelOptInfo *rel, Candidate *c)
{
	IndexOptInfo *info = makeNode(IndexOptInfo);
	const IndexAmRoutine *am = GetIndexAmRoutineByAmId(c->amoid, false);
	bool		ordered = c->amoid == BTREE_AM_OID;
	int			n = c->ncols;
	int			nkeys = c->nkeys;

	info->indexoid = c->fakeoid;
	info->reltablespace = rel->reltablespace;
	info->rel = rel;
	info->ncolumns = n;
	info->nkeycolumns = nkeys;
	info->indexkeys = palloc(n * sizeof(int));
	info->indexcollations = palloc(nkeys * sizeof(Oid));
	info->opfamily = palloc(nkeys * sizeof(Oid));
	info->opcintype = palloc(nkeys * sizeof(Oid));
	info->canreturn = palloc(n * sizeof(bool));
	info->opclassoptions = palloc0(n * sizeof(bytea *));	/* none: the defaults */
	if (ordered)
	{
		info->reverse_sort = palloc(nkeys * sizeof(bool));
		info->nulls_first = palloc(nkeys * sizeof(bool));
	}
	for (int i = 0; i < n; i++)
	{
		info->indexkeys[i] = c->cols[i];
		info->canreturn[i] = ordered;
		if (i < nkeys)
		{
			info->indexcollations[i] = c->collations[i];
			info->opfamily[i] = c->families[i];
			info->opcintype[i] = c->intypes[i];
			if (ordered)
			{
				info->reverse_sort[i] = c->desc[i];
				info->nulls_first[i] = c->desc[i];
			}
		}
		info->indextlist = lappend(info->indextlist,
								   makeTargetEntry((Expr *) makeVar(rel->relid, c->cols[i], c->types[i],
																	c->typmods[i], c->collations[i], 0),
												   i + 1, NULL, false));
	}
	info->sortopfamily = ordered ? info->opfamily : NULL;
	info->relam = c->amoid;
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
	info->tuples = index_rows(c);
	info->pages = (BlockNumber) Max(1.0, c->size / BLCKSZ - 1);
	info->tree_height = c->tree_height;
	return info;
}

static void
adv_rel_info_hook(CONV_REL_INFO_HOOK_PARAMS)
{
	Oid			relid = CONV_REL_INFO_RELID;
	ListCell   *lc;

	if (prev_rel_info_hook)
		prev_rel_info_hook(CONV_REL_INFO_HOOK_ARGS);
	if (CONV_REL_INFO_INHPARENT || !OidIsValid(relid))
		return;
	foreach(lc, injecting)
	{
		Candidate  *c = lfirst(lc);

		if (c->relid == relid)
			rel->indexlist = lcons(hypothetical_index(rel, c), rel->indexlist);
	}
}

void
adv_hypothetical_init(void)
{
	prev_rel_info_hook = CONV_REL_INFO_HOOK;
	CONV_REL_INFO_HOOK = adv_rel_info_hook;
}

/* ---- write cost ---- */

/*
 * Rows written into a candidate over the workload, in the units of its
 * executions: the rows INSERT and COPY statements added to its table
 * (pg_stat_statements counts them), and those of each UPDATE of the
 * workload that sets one of its columns (an UPDATE of other columns may
 * stay HOT and add no entry).  DELETE adds none: VACUUM removes entries
 * later.
 */
static double
rows_written(Candidate *c, List *items, List *inserts)
{
	double		rows = 0;
	ListCell   *lc;

	foreach(lc, inserts)
		if (((AdvInsert *) lfirst(lc))->relid == c->relid)
			rows += ((AdvInsert *) lfirst(lc))->rows;
	foreach(lc, items)
	{
		WorkItem   *w = lfirst(lc);

		if (w->write_relid != c->relid)
			continue;
		for (int i = 0; i < c->ncols; i++)
			if (bms_is_member(c->cols[i] - FirstLowInvalidHeapAttributeNumber, w->write_cols))
			{
				rows += w->weight * w->write_rows;
				break;
			}
	}
	return rows * (c->predicate ? c->selectivity : 1.0);
}

/*
 * What one written row costs an index, in the planner's units: as much as
 * a lookup of one row in it (btcostestimate's descent, one index tuple)
 * and a page written (random_page_cost), for each entry a GIN index adds.
 */
static double
row_write_cost(Candidate *c, int height)
{
	double		tuples = Max(index_rows(c), 2.0);
	double		entries = c->amoid == GIN_AM_OID ? gin_entries_per_row(c) : 1.0;
	double		descent = ceil(log(tuples) / log(2.0)) * cpu_operator_cost +
		(Max(height, 1) + 1) * 50.0 * cpu_operator_cost + cpu_index_tuple_cost;

	return entries * descent + random_page_cost;
}

/*
 * A candidate's columns' types and its keys' operator families, looked up
 * once: GetDefaultOpClass scans pg_opclass, and a call plans thousands of
 * times.
 */
static void
resolve_columns(Candidate *c)
{
	for (int i = 0; i < c->ncols; i++)
	{
		Oid			opclass = adv_btree_opclass(c->relid, c->cols[i], &c->types[i],
												&c->typmods[i], &c->collations[i]);

		if (i >= c->nkeys)
			continue;
		if (c->amoid != BTREE_AM_OID)
			opclass = GetDefaultOpClass(c->types[i], c->amoid);
		c->families[i] = get_opclass_family(opclass);
		c->intypes[i] = get_opclass_input_type(opclass);
	}
}

/* Each candidate's columns, estimated bytes and write cost over the workload. */
void
adv_size_candidates(List *cands, List *items, List *inserts)
{
	ListCell   *lc;

	foreach(lc, cands)
	{
		Candidate  *c = lfirst(lc);

		resolve_columns(c);
		c->size = candidate_pages(c, index_rows(c), &c->tree_height) * BLCKSZ;
		c->write_cost = rows_written(c, items, inserts) * row_write_cost(c, c->tree_height);
	}
}

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
 * The estimated cost of one item with these hypothetical indexes; marks
 * those used.  The plan is made in a context of its own, freed at once: a
 * call plans thousands of times.
 */
static Cost
plan_item(WorkItem *w, List *candidates)
{
	Cost		total = 0;
	ListCell   *lc;
	MemoryContext planning = AllocSetContextCreate(CurrentMemoryContext,
												   "suggest_indexes() planning",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(planning);

	injecting = candidates;
	PG_TRY();
	{
		foreach(lc, w->queries)
		{
			PlannedStmt *ps = CONV_PLAN_QUERY(copyObject(lfirst_node(Query, lc)), w->sql,
											CURSOR_OPT_PARALLEL_OK, w->params);

			total += adv_judged_cost(w, ps);
			mark_used(ps->planTree, candidates);
			mark_used_list(ps->subplans, candidates);
		}
	}
	PG_FINALLY();
	{
		injecting = NIL;
		MemoryContextSwitchTo(old);
	}
	PG_END_TRY();
	MemoryContextDelete(planning);
	return total;
}

/* Does the item read one of these tables (all of them: NIL)? */
static bool
item_reads(WorkItem *w, List *focus)
{
	ListCell   *lc;

	if (focus == NIL)
		return true;
	foreach(lc, focus)
		if (list_member_oid(w->relids, lfirst_oid(lc)))
			return true;
	return false;
}

/*
 * The workload's estimated cost (executions times plan cost) with these
 * hypothetical indexes, setting each item's trial cost.  Only the items
 * that read a table of focus (OIDs) are planned again when focus is given;
 * the others keep their current cost, which the other candidates cannot
 * change.
 */
double
adv_workload_cost(List *items, List *candidates, List *focus)
{
	double		total = 0;
	ListCell   *lc;

	foreach(lc, candidates)
		((Candidate *) lfirst(lc))->used = false;
	foreach(lc, items)
	{
		WorkItem   *w = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (item_reads(w, focus))
			w->trial = plan_item(w, candidates);
		else
			w->trial = w->current;
		total += w->weight * w->trial;
	}
	return total;
}

