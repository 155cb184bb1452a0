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
#include "catalog/pg_class.h"
#include "catalog/pg_statistic.h"
#include "commands/defrem.h"
#include "commands/vacuum.h"
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

/*
 * A B-tree as CREATE INDEX builds it (nbtsort.c): a leaf page takes tuples
 * until less than the fillfactor's 10 % is free (counting the last tuple's
 * posting list as free: it leaves as that tuple becomes the high key) or
 * the next one does not fit, then its last tuple moves to the next page
 * and a high key takes its place; an upper page keeps 30 % free.  The room
 * is the page less its header, special space, the high key's line pointer
 * and the one PageGetFreeSpace() holds back.  A posting list tuple never
 * outgrows the leaf's reserve, less a line pointer.
 */
#define BT_PAGE_ROOM ((double) (BLCKSZ - SizeOfPageHeaderData - \
								MAXALIGN(sizeof(BTPageOpaqueData)) - 2 * sizeof(ItemIdData)))
#define BT_LEAF_RESERVE ((double) BLCKSZ * (100 - BTREE_DEFAULT_FILLFACTOR) / 100)
#define BT_UPPER_ROOM (BT_PAGE_ROOM - BLCKSZ * (100 - BTREE_NONLEAF_FILLFACTOR) / 100)
#define BT_MAX_POSTING ((double) (MAXALIGN_DOWN(BLCKSZ * 10 / 100) - sizeof(ItemIdData)))

static List *injecting = NIL;	/* Candidate * */
static conv_rel_info_hook_type prev_rel_info_hook = NULL;

/* What the size model knows of one column of an index */
typedef struct SizeColumn
{
	int16		typlen;
	char		typalign;
	double		width;			/* average bytes stored, a varlena's header too */
	double		nullfrac;
	int			nwidths;		/* a varlena's stored widths, from its statistics */
	double	   *widths;
	double	   *shares;			/* of the non-null rows, summing to 1 */
} SizeColumn;

/*
 * The bytes a varlena value of len data bytes takes in an index tuple: as in
 * a heap tuple, a short one has a one-byte header and no alignment.
 */
static double
varlena_stored(Size len)
{
	return len + 1 <= VARATT_SHORT_MAX ? len + 1 : len + VARHDRSZ;
}

/*
 * The stored widths of a varlena column's values, with the share of the
 * non-null rows each stands for: the most common values at their
 * frequencies, the histogram's bounds (ranks spread evenly over the other
 * rows) at equal shares of the rest.
 */
static void
column_widths(HeapTuple stats, SizeColumn *col)
{
	AttStatsSlot slot[2];
	int			kinds[2] = {STATISTIC_KIND_MCV, STATISTIC_KIND_HISTOGRAM};
	bool		have[2];
	double		rest = 1.0 - col->nullfrac;
	double		total = 0;
	int			n = 0;

	for (int s = 0; s < 2; s++)
	{
		have[s] = get_attstatsslot(&slot[s], stats, kinds[s], InvalidOid,
								   ATTSTATSSLOT_VALUES | (s == 0 ? ATTSTATSSLOT_NUMBERS : 0));
		n += have[s] ? slot[s].nvalues : 0;
	}
	col->widths = palloc((n + 1) * sizeof(double));
	col->shares = palloc((n + 1) * sizeof(double));
	n = 0;
	for (int s = 0; s < 2; s++)
	{
		for (int i = 0; have[s] && i < slot[s].nvalues; i++)
		{
			col->widths[n] = varlena_stored(VARSIZE_ANY_EXHDR(DatumGetPointer(slot[s].values[i])));
			col->shares[n] = s == 0 ? slot[s].numbers[i] : Max(rest, 0.0) / slot[s].nvalues;
			if (s == 0)
				rest -= slot[s].numbers[i];
			total += col->shares[n++];
		}
		if (have[s])
			free_attstatsslot(&slot[s]);
	}
	for (int i = 0; total > 0 && i < n; i++)
		col->shares[i] /= total;
	col->nwidths = total > 0 ? n : 0;
}

/* A column's layout, average width and NULL fraction, and a varlena's widths. */
static void
size_column(Oid relid, AttrNumber attnum, SizeColumn *col)
{
	Oid			type;
	int32		typmod;
	Oid			coll;
	bool		byval;
	HeapTuple	stats;

	get_atttypetypmodcoll(relid, attnum, &type, &typmod, &coll);
	get_typlenbyvalalign(type, &col->typlen, &byval, &col->typalign);
	col->width = get_attavgwidth(relid, attnum);
	if (col->width <= 0)
		col->width = get_typavgwidth(type, typmod);
	col->nullfrac = 0;
	col->nwidths = 0;
	stats = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(relid),
							Int16GetDatum(attnum), BoolGetDatum(false));
	if (!HeapTupleIsValid(stats))
		return;
	col->nullfrac = ((Form_pg_statistic) GETSTRUCT(stats))->stanullfrac;
	if (col->typlen == -1)
		column_widths(stats, col);
	ReleaseSysCache(stats);
}

/* off aligned for a value of this alignment, as att_align_nominal() does */
static double
align_offset(double off, char typalign)
{
	int			a = typalign == TYPALIGN_DOUBLE ? ALIGNOF_DOUBLE :
		typalign == TYPALIGN_INT ? ALIGNOF_INT :
		typalign == TYPALIGN_SHORT ? ALIGNOF_SHORT : 1;

	return ceil(off / a) * a;
}

/*
 * The bytes of one index tuple of these columns, padded to MAXALIGN (its
 * line pointer not counted): its header, with a NULL bitmap if column
 * null_col is NULL (-1: none), then each column's value aligned as
 * index_form_tuple() aligns it.  Column spread takes width spread_width,
 * the others their average.
 */
static double
tuple_bytes(const SizeColumn *cols, int ncols, int null_col, int spread, double spread_width)
{
	double		off = null_col < 0 ? sizeof(IndexTupleData) :
		MAXALIGN(sizeof(IndexTupleData) + sizeof(IndexAttributeBitMapData));

	for (int i = 0; i < ncols; i++)
	{
		double		w = i == spread ? spread_width : cols[i].width;

		if (i == null_col)
			continue;
		if (cols[i].typlen > 0)
			w = cols[i].typlen;
		if (cols[i].typlen != -1 || w > VARATT_SHORT_MAX)
			off = align_offset(off, cols[i].typalign);
		off += w;
	}
	return ceil(off / MAXIMUM_ALIGNOF) * MAXIMUM_ALIGNOF;
}

/*
 * The average bytes of the index tuples of a candidate's first ncols
 * columns, padded to MAXALIGN each: over the widths of its first varlena
 * column that has them (the padding depends on how they spread, not on
 * their average alone), and, unless nonnull_only, over a NULL in each
 * column in turn.
 */
static double
avg_tuple_bytes(const SizeColumn *cols, int ncols, bool nonnull_only)
{
	int			spread = -1;
	double		bytes = 0;
	double		nonnull = 1.0;
	double		nulls = 0;

	for (int i = 0; i < ncols && spread < 0; i++)
		if (cols[i].nwidths > 0)
			spread = i;
	if (spread < 0)
		bytes = tuple_bytes(cols, ncols, -1, -1, 0);
	for (int j = 0; spread >= 0 && j < cols[spread].nwidths; j++)
		bytes += cols[spread].shares[j] *
			tuple_bytes(cols, ncols, -1, spread, cols[spread].widths[j]);
	if (nonnull_only)
		return bytes;
	for (int i = 0; i < ncols; i++)
		nonnull *= 1.0 - cols[i].nullfrac;
	for (int i = 0; i < ncols; i++)
		nulls += cols[i].nullfrac;
	bytes *= nonnull;
	for (int i = 0; nulls > 0 && i < ncols; i++)
		bytes += (1.0 - nonnull) * cols[i].nullfrac / nulls *
			tuple_bytes(cols, ncols, i, -1, 0);
	return bytes;
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

/* What the statistics say of a key column's groups of equal values */
typedef struct KeyGroups
{
	double		ndistinct;		/* distinct non-null values; 0: unknown */
	int			nfreqs;			/* the most common values' frequencies */
	double	   *freqs;
} KeyGroups;

/*
 * Distinct values as ANALYZE counted them, corrected for how it samples.
 * Of a table of more pages than its sample has rows, ANALYZE reads rows
 * from as many random pages as the sample has rows: two rows of one page
 * are sampled together relpages / sample times more often than two rows
 * of different pages.  When a column's values are in physical order (its
 * correlation), the rows of a value share a page: the sample sees that
 * many more repeats than a uniform one, and its Haas-Stokes estimate of
 * the distinct values comes out low (lineitem's order key: 4 rows per
 * value, estimated 12).  Where the sample saw mostly values once, its
 * repeats are recovered from the estimate (as pairs: D = n(n - P) /
 * (2P + (n - 2P) n / N)), scaled back by the correlation's share of that
 * excess, and the estimate made again.  Err large: the sample takes
 * default_statistics_target's rows; a column's larger target only makes
 * the correction larger than it should be.
 */
static double
sampled_ndistinct(Oid relid, double stadistinct, double correlation, double rows)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	double		pages = 0;
	double		n = Min(300.0 * default_statistics_target, rows);
	double		d = stadistinct < 0 ? -stadistinct * rows : stadistinct;
	double		pairs;
	double		excess;

	if (HeapTupleIsValid(tup))
	{
		pages = ((Form_pg_class) GETSTRUCT(tup))->relpages;
		ReleaseSysCache(tup);
	}
	if (d <= 0 || d >= rows || pages <= n || n < 2 || correlation == 0)
		return d;
	pairs = n * n * (1.0 - d / rows) / (2.0 * d * (1.0 - n / rows) + n);
	if (pairs <= 0 || pairs > n / 2)
		return d;				/* the sample saw values repeatedly: it knows them */
	excess = 1.0 + fabs(correlation) * (pages / n - 1.0);
	pairs /= excess;
	return Min(rows, Max(d, n * (n - pairs) / (2.0 * pairs + (n - 2.0 * pairs) * n / rows)));
}

/*
 * A key column's groups per its statistics: its distinct values (see
 * sampled_ndistinct) and the frequencies of its most common values.
 */
static void
key_groups(Oid relid, AttrNumber attnum, double rows, KeyGroups *g)
{
	HeapTuple	tup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(relid),
									  Int16GetDatum(attnum), BoolGetDatum(false));
	AttStatsSlot slot;
	double		correlation = 0;

	memset(g, 0, sizeof(KeyGroups));
	if (!HeapTupleIsValid(tup))
		return;
	if (get_attstatsslot(&slot, tup, STATISTIC_KIND_CORRELATION, InvalidOid,
						 ATTSTATSSLOT_NUMBERS))
	{
		correlation = slot.nnumbers > 0 ? slot.numbers[0] : 0;
		free_attstatsslot(&slot);
	}
	if (get_attstatsslot(&slot, tup, STATISTIC_KIND_MCV, InvalidOid, ATTSTATSSLOT_NUMBERS))
	{
		g->nfreqs = slot.nnumbers;
		g->freqs = palloc((slot.nnumbers + 1) * sizeof(double));
		for (int i = 0; i < slot.nnumbers; i++)
			g->freqs[i] = slot.numbers[i];
		free_attstatsslot(&slot);
	}
	g->ndistinct = sampled_ndistinct(relid, ((Form_pg_statistic) GETSTRUCT(tup))->stadistinct,
									 correlation, rows);
	ReleaseSysCache(tup);
}

/* A B-tree's leaf tuples as the model adds them up */
typedef struct LeafTotals
{
	double		bytes;			/* line pointers too */
	double		tuples;
	double		postings;		/* bytes of the tuples' posting lists */
} LeafTotals;

/*
 * Adds weight times the leaf tuples of k rows of one key whose tuple takes
 * t bytes, as CREATE INDEX deduplicates them: posting lists of as many
 * heap TIDs as BT_MAX_POSTING holds, a row left alone a plain tuple.
 */
static void
add_run(LeafTotals *acc, double weight, double t, double k)
{
	double		per = Max(2.0, floor(floor((BT_MAX_POSTING - t) / MAXIMUM_ALIGNOF) *
									 MAXIMUM_ALIGNOF / sizeof(ItemPointerData)));
	double		full = floor(k / per);
	double		rest = k - full * per;
	double		list = MAXALIGN((Size) per * sizeof(ItemPointerData));

	acc->bytes += weight * full * (t + list + sizeof(ItemIdData));
	acc->postings += weight * full * list;
	acc->tuples += weight * (full + (rest > 0 ? 1 : 0));
	list = rest > 1 ? MAXALIGN((Size) rest * sizeof(ItemPointerData)) : 0;
	if (rest > 0)
		acc->bytes += weight * (t + list + sizeof(ItemIdData));
	acc->postings += weight * list;
}

/*
 * Adds groups keys of k rows each on average (rows between two whole
 * numbers: a mix of both), of which a partial index keeps the share sel of
 * the rows: a key is there if one of its rows is.
 */
static void
add_groups(LeafTotals *acc, double t, double groups, double k, double sel)
{
	double		present = sel >= 1.0 ? 1.0 : 1.0 - pow(1.0 - sel, k);
	double		kept = Max(1.0, k * sel / Max(present, 1e-9));
	double		low = floor(kept);

	groups *= present;
	add_run(acc, groups * (1.0 - (kept - low)), t, low);
	add_run(acc, groups * (kept - low), t, low + 1);
}

/*
 * A B-tree's leaf tuples for rows table rows, of which the index keeps the
 * share sel.  Without deduplication (INCLUDE columns, a key that cannot), a
 * tuple per row.  Else CREATE INDEX stores each key once per posting list:
 * a single-column key's most common values and NULLs as the statistics
 * count them, its other values in even groups; several columns' keys in
 * even groups, as many as rows drawn from the product of their distinct
 * values make, and at least as many as the most distinct column has.  No
 * statistics: as if unique.
 */
static void
leaf_tuples(Candidate *c, const SizeColumn *cols, double rows, double sel, LeafTotals *acc)
{
	double		t = avg_tuple_bytes(cols, c->ncols, false);
	double		groups = 1;
	double		most = 0;
	double		grouped = rows;
	bool		dedup = key_deduplicates(c);
	KeyGroups	g;

	memset(acc, 0, sizeof(LeafTotals));
	for (int i = 0; i < c->nkeys && dedup; i++)
	{
		key_groups(c->relid, c->cols[i], rows, &g);
		groups *= g.ndistinct;
		most = Max(most, g.ndistinct);
	}
	if (!dedup || groups <= 0)
	{
		add_groups(acc, t, rows, 1, sel);
		return;
	}
	if (c->nkeys > 1)
	{
		groups = Min(rows, Max(most, -groups * expm1(-rows / groups)));
		add_groups(acc, t, groups, rows / groups, sel);
		return;
	}
	/* one column: NULLs, the most common values, and the rest */
	t = avg_tuple_bytes(cols, 1, true);
	if (cols[0].nullfrac > 0)
		add_groups(acc, tuple_bytes(cols, 1, 0, -1, 0), 1, rows * cols[0].nullfrac, sel);
	grouped -= rows * cols[0].nullfrac;
	for (int i = 0; i < g.nfreqs; i++)
	{
		add_groups(acc, t, 1, Max(1.0, rows * g.freqs[i]), sel);
		grouped -= rows * g.freqs[i];
		groups -= 1;
	}
	if (grouped >= 1)
		add_groups(acc, t, Max(groups, 1.0), Max(1.0, grouped / Max(groups, 1.0)), sel);
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
 * The estimated size of a candidate of tuples rows, in pages (the metapage
 * too), with its tree height.  A B-tree: its leaf tuples on pages filled as
 * CREATE INDEX fills them (to the reserve, or to a tuple's room when
 * posting lists make the reserve moot; less half a tuple on average, the
 * one that moved on), and the levels above, of pivot tuples (the keys:
 * suffix truncation drops the INCLUDE columns) on pages filled to 70 %.  A
 * GIN index: its compressed posting lists.
 */
static double
candidate_pages(Candidate *c, double tuples, int *height)
{
	SizeColumn	cols[MAX_INDEX_COLUMNS];
	double		table_rows = c->predicate != NIL ? Max(c->tuples, tuples) : tuples;
	LeafTotals	leaf;
	double		item;
	double		pivot;
	double		level;
	double		pages;

	if (c->amoid == GIN_AM_OID)
	{
		*height = -1;
		return 1 + ceil(tuples * gin_entries_per_row(c) * GIN_BYTES_PER_ITEM /
						(BLCKSZ * 0.9));
	}
	for (int i = 0; i < c->ncols; i++)
		size_column(c->relid, c->cols[i], &cols[i]);
	leaf_tuples(c, cols, table_rows, table_rows > 0 ? tuples / table_rows : 1.0, &leaf);
	item = leaf.bytes / Max(leaf.tuples, 1.0);
	level = Max(1.0, ceil(leaf.bytes /
						  (BT_PAGE_ROOM - item / 2 -
						   Max(item + sizeof(ItemIdData),
							   BT_LEAF_RESERVE - leaf.postings / Max(leaf.tuples, 1.0)))));
	pivot = avg_tuple_bytes(cols, c->nkeys, false) + sizeof(ItemIdData);
	pages = 1 + level;
	*height = 0;
	while (level > 1)
	{
		level = ceil(level / Max(2.0, floor(BT_UPPER_ROOM / pivot)));
		pages += level;
		(*height)++;
	}
	return pages;
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

