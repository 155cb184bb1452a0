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
#include "access/gin_private.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_opclass.h"
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
 * A column's stored widths, whole bytes, as shares of its non-null rows:
 * a fixed-length type its length; a varlena its values' widths from the
 * statistics, or, without them, its average width split between the whole
 * numbers around it (pg_stats' average is itself rounded down).
 */
static int
width_shares(const SizeColumn *col, double **shares)
{
	int			n = 2;

	if (col->typlen > 0)
		n = col->typlen + 1;
	else if (col->nwidths > 0)
		for (int j = 0; j < col->nwidths; j++)
			n = Max(n, (int) col->widths[j] + 1);
	else
		n = (int) col->width + 2;
	*shares = palloc0(n * sizeof(double));
	if (col->typlen > 0)
		(*shares)[col->typlen] = 1.0;
	else if (col->nwidths > 0)
		for (int j = 0; j < col->nwidths; j++)
			(*shares)[(int) col->widths[j]] += col->shares[j];
	else
	{
		(*shares)[(int) col->width] = 1.0 - (col->width - floor(col->width));
		(*shares)[(int) col->width + 1] = col->width - floor(col->width);
	}
	return n;
}

/*
 * The bytes of one index tuple of these columns, padded to MAXALIGN (its
 * line pointer not counted), on average over their values' widths: its
 * header, with a NULL bitmap if column null_col is NULL (-1: none), then
 * each column's value aligned as index_form_tuple() aligns it (a short
 * varlena, unaligned).  Padding depends on how the widths spread, not on
 * their averages, so the tuple's length is carried as a distribution from
 * column to column, the columns' widths taken as independent.
 */
static double
tuple_bytes(const SizeColumn *cols, int ncols, int null_col)
{
	double	   *shares[INDEX_MAX_KEYS];
	int			nw[INDEX_MAX_KEYS];
	int			size = MAXALIGN(sizeof(IndexTupleData) + sizeof(IndexAttributeBitMapData)) + 1;
	double	   *at;
	double		bytes = 0;

	Assert(ncols <= INDEX_MAX_KEYS);
	for (int i = 0; i < ncols; i++)
	{
		nw[i] = width_shares(&cols[i], &shares[i]);
		size += nw[i] + MAXIMUM_ALIGNOF;
	}
	at = palloc0(size * sizeof(double));
	at[null_col < 0 ? sizeof(IndexTupleData) :
	   MAXALIGN(sizeof(IndexTupleData) + sizeof(IndexAttributeBitMapData))] = 1.0;
	for (int i = 0; i < ncols; i++)
	{
		double	   *next = palloc0(size * sizeof(double));

		for (int off = 0; off < size && i != null_col; off++)
			for (int w = 0; at[off] > 0 && w < nw[i]; w++)
				if (shares[i][w] > 0)
				{
					bool		aligned = cols[i].typlen != -1 || w > VARATT_SHORT_MAX;

					next[(int) (aligned ? align_offset(off, cols[i].typalign) : off) + w] +=
						at[off] * shares[i][w];
				}
		if (i == null_col)
			memcpy(next, at, size * sizeof(double));
		pfree(at);
		pfree(shares[i]);
		at = next;
	}
	for (int off = 0; off < size; off++)
		bytes += at[off] * MAXALIGN(off);
	pfree(at);
	return bytes;
}

/*
 * The average bytes of the index tuples of a candidate's first ncols
 * columns, padded to MAXALIGN each, over their widths and, unless
 * nonnull_only, over a NULL in each column in turn.
 */
static double
avg_tuple_bytes(const SizeColumn *cols, int ncols, bool nonnull_only)
{
	double		bytes = tuple_bytes(cols, ncols, -1);
	double		nonnull = 1.0;
	double		nulls = 0;

	if (nonnull_only)
		return bytes;
	for (int i = 0; i < ncols; i++)
		nonnull *= 1.0 - cols[i].nullfrac;
	for (int i = 0; i < ncols; i++)
		nulls += cols[i].nullfrac;
	bytes *= nonnull;
	for (int i = 0; nulls > 0 && i < ncols; i++)
		bytes += (1.0 - nonnull) * cols[i].nullfrac / nulls * tuple_bytes(cols, ncols, i);
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
 * The rate of a Poisson count of rows per key, none empty, whose mean is k
 * (> 1): Newton's method on lambda = k (1 - e^-lambda), from lambda = k.
 */
static double
spread_rate(double k)
{
	double		lambda = k;

	for (int i = 0; i < 60; i++)
	{
		double		e = exp(-lambda);
		double		step = (lambda - k * (1.0 - e)) / (1.0 - k * e);

		lambda -= step;
		if (fabs(step) < 1e-9)
			break;
	}
	return lambda;
}

/*
 * Adds groups keys of k rows each on average, their rows spread as values
 * drawn at random spread them (a Poisson count, none empty) instead of
 * evenly: posting lists are rounded up to MAXALIGN, so a mix of sizes takes
 * other bytes than even groups.  Keys of many rows each, beyond
 * SPREAD_MOST, are counted even: their rounding is small beside them.
 */
#define SPREAD_MOST 64.0
static void
add_spread_groups(LeafTotals *acc, double t, double groups, double k, double sel)
{
	double		lambda;
	double		p;
	double		left = 1.0;
	int			last = (int) ceil(k + 10.0 * sqrt(k) + 10.0);

	if (k <= 1.0 + 1e-6 || k > SPREAD_MOST)
	{
		add_groups(acc, t, groups, k, sel);
		return;
	}
	lambda = spread_rate(k);
	p = exp(-lambda) / -expm1(-lambda);
	for (int j = 1; j <= last; j++)
	{
		p *= lambda / j;
		add_groups(acc, t, groups * p, j, sel);
		left -= p;
	}
	if (left > 0)
		add_groups(acc, t, groups * left, last + 1, sel);
}

/*
 * The keys of a column whose rows spread at random over its keys (see
 * add_spread_groups) that ANALYZE would count as d.  Its Haas-Stokes
 * estimate from a uniform sample of n rows, n d' / (n - f1 + f1 n / N),
 * counts such keys low: a key of several rows is seen once (f1) as often
 * as a key of one.  With G keys of rate lambda, a key is sampled with
 * probability 1 - PGF(1 - q) and once with q PGF'(1 - q), PGF(x) =
 * expm1(lambda x) / expm1(lambda), q = n / N; G found by bisection.  A
 * sample that saw every row counted exactly.
 */
static double
spread_keys(double d, double rows)
{
	double		n = Min(300.0 * default_statistics_target, rows);
	double		q = n / Max(rows, 1.0);
	double		lo = d;
	double		hi = rows;

	if (n >= rows || d <= 0 || d >= rows || rows / d > SPREAD_MOST)
		return d;
	for (int i = 0; i < 50; i++)
	{
		double		g = (lo + hi) / 2;
		double		lambda = spread_rate(Max(rows / g, 1.0 + 1e-6));
		double		seen = g * (1.0 - expm1(lambda * (1.0 - q)) / expm1(lambda));
		double		once = g * q * lambda * exp(lambda * (1.0 - q)) / expm1(lambda);

		if (n * seen / (n - once + once * q) < d)
			lo = g;
		else
			hi = g;
	}
	return (lo + hi) / 2;
}

/*
 * A B-tree's leaf tuples for rows table rows, of which the index keeps the
 * share sel.  Without deduplication (INCLUDE columns, a key that cannot), a
 * tuple per row.  Else CREATE INDEX stores each key once per posting list:
 * a single-column key's most common values and NULLs as the statistics
 * count them, its other values in groups; several columns' keys in groups,
 * as many as rows drawn from the product of their distinct values make, and
 * at least as many as the most distinct column has.  The statistics cannot
 * tell even groups from groups whose rows spread at random, which ANALYZE
 * counts as fewer keys (spread_keys): spread chooses the second.  No
 * statistics: as if unique.
 */
static void
leaf_tuples(Candidate *c, const SizeColumn *cols, double rows, double sel, bool spread,
			LeafTotals *acc)
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
		(spread ? add_spread_groups : add_groups) (acc, t, groups, rows / groups, sel);
		return;
	}
	/* one column: NULLs, the most common values, and the rest */
	t = avg_tuple_bytes(cols, 1, true);
	if (cols[0].nullfrac > 0)
		add_groups(acc, tuple_bytes(cols, 1, 0), 1, rows * cols[0].nullfrac, sel);
	grouped -= rows * cols[0].nullfrac;
	if (spread)
		groups = spread_keys(groups, grouped);
	for (int i = 0; i < g.nfreqs; i++)
	{
		add_groups(acc, t, 1, Max(1.0, rows * g.freqs[i]), sel);
		grouped -= rows * g.freqs[i];
		groups -= 1;
	}
	if (grouped >= 1)
		(spread ? add_spread_groups : add_groups) (acc, t, Max(groups, 1.0),
												   Max(1.0, grouped / Max(groups, 1.0)), sel);
}

/*
 * A GIN index as CREATE INDEX builds it (gininsert.c, ginbulk.c): each
 * entry (an array's element, a jsonb document's key or scalar value, a
 * path's hash) once, in key order, with the heap TIDs of the rows that
 * have it.  The TIDs are delta-encoded (ginpostinglist.c): block and offset
 * packed as block << 11 | offset, each difference in bytes of 7 bits.  A
 * list that fits an entry tuple of GinMaxItemSize stays in it, a longer one
 * becomes a posting tree: leaf pages filled to the last whole segment of
 * 256 bytes (each segment's first TID whole, 6 bytes, and its length, 2),
 * and a root above two or more.  The entry tree is built in key order, and
 * an entry page splits where its bytes halve (entrySplitPage): each page
 * keeps half a page and a tuple.  The pending list is empty after a build.
 */
#define GIN_PAGE_ROOM ((double) (BLCKSZ - SizeOfPageHeaderData - \
								 MAXALIGN(sizeof(GinPageOpaqueData))))
#define GIN_DATA_ROOM ((double) (BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - \
								 MAXALIGN(sizeof(ItemPointerData)) - \
								 MAXALIGN(sizeof(GinPageOpaqueData))))
#define GIN_SEGMENT 256.0
#define GIN_SEGMENT_HEAD ((double) offsetof(GinPostingList, bytes))
#define GIN_POSTING_ITEM 10.0	/* a posting tree's downlink: block and TID */

/* A GIN index's pages as the model adds them up */
typedef struct GinTotals
{
	double		rows;			/* the index's rows */
	double		per_page;		/* the table's rows a heap page */
	double		entries;		/* entries of all rows (heap TIDs stored) */
	double		leaf_pages;		/* entry tree leaves, in fractions */
	double		leaf_tuples;
	double		heads;			/* bytes of the leaf tuples' keys */
	double		data_pages;		/* posting trees */
} GinTotals;

/*
 * The bytes of one TID's delta in a posting list of an entry every gap-th
 * row has on average (rows in random order: gaps of a geometric spread),
 * of a table of per_page rows a page: 1 byte within a page and 127 rows,
 * 2 up to 7 pages on, 3 up to 1,023, 4 up to 131,071, 5 beyond.  For a gap
 * g the chance to cross k pages or more is clamp(g / per_page - k + 1).
 */
static double
gin_delta_bytes(double gap, double per_page)
{
	static const double blocks[] = {8, 1024, 131072, 16777216};
	double		p = 1.0 / Max(gap, 1.0);
	double		q = 1.0 - p;
	double		r = Max(per_page, 1.0);
	double		bytes = 1.0;

	if (r <= 128)
		bytes += (1.0 - pow(q, r)) / (p * r);
	else
		bytes += pow(q, 127) + ((1.0 - pow(q, 128)) / p - 128 * pow(q, 127)) / r;
	for (int i = 0; i < lengthof(blocks); i++)
		bytes += (pow(q, (blocks[i] - 1) * r) - pow(q, blocks[i] * r)) / (p * r);
	return bytes;
}

/* The bytes an entry page of tuples of s bytes (line pointers too) keeps */
static double
gin_page_fill(double s)
{
	double		n = floor(GIN_PAGE_ROOM / Max(s, 1.0)) + 1;

	return Min(GIN_PAGE_ROOM, (floor(n / 2) + 1) * s);
}

/*
 * Adds n entries of tids heap TIDs each, of key bytes as stored: an entry
 * tuple with its posting list, or with none and a posting tree of its own.
 */
static void
gin_add_entries(GinTotals *acc, double n, double tids, double key)
{
	double		head = MAXALIGN(sizeof(IndexTupleData)) + key;
	double		delta;
	double		tuple;

	if (n <= 0 || tids <= 0)
		return;
	tids = Max(tids, 1.0);
	head = ceil(head / MAXIMUM_ALIGNOF) * MAXIMUM_ALIGNOF;
	delta = gin_delta_bytes(Max(acc->rows, tids) / tids, acc->per_page);
	tuple = head + GIN_SEGMENT_HEAD + (tids - 1) * delta;
	if (tids > 1)
		tuple += (MAXIMUM_ALIGNOF - 1) / 2.0;	/* MAXALIGN, on average */
	acc->entries += n * tids;
	if (tuple > GinMaxItemSize)
	{
		/* a posting tree: its leaves, and a root over two or more */
		double		per_segment = floor((GIN_SEGMENT - GIN_SEGMENT_HEAD - delta / 2) / delta) + 1;
		double		leaves = ceil(tids / (floor(GIN_DATA_ROOM / GIN_SEGMENT) * per_segment));
		double		inner = leaves > 1 ? ceil(leaves / floor(GIN_DATA_ROOM / GIN_POSTING_ITEM)) : 0;

		acc->data_pages += n * (leaves + inner + (inner > 1 ? 1 : 0));
		tuple = head;
	}
	tuple += sizeof(ItemIdData);
	acc->leaf_pages += n * tuple / gin_page_fill(tuple);
	acc->leaf_tuples += n;
	acc->heads += n * (head + sizeof(ItemIdData));
}

/*
 * Of d elements that the table's rows have occurrences times at random,
 * those some row has (at least one, and no more than the occurrences).
 */
static double
gin_present(double d, double occurrences)
{
	d = Max(d, 1.0);
	return Min(occurrences, Max(1.0, d * -expm1(-occurrences / d)));
}

/*
 * Distinct elements of an array column beyond its most common ones, of rest
 * occurrences a row, as ANALYZE's sample of the column (at the default
 * target) counted them.  With the list full, each less frequent than the
 * least listed one: taken at half its frequency.  Else each was counted
 * no more than the cutoff (array_typanalyze.c: 9 elements / bucket width
 * of the sample's elements): as Poisson counts, as few distinct elements
 * as make it a 1 in 10 chance that any of them passed it (err large: no
 * fewer); of those, the ones some row of the table has.
 */
static double
gin_rare_elements(double rest, double per_row, double nonnull, int nlisted, double least)
{
	double		num_mcelem = 10.0 * default_statistics_target;
	double		n = Min(300.0 * default_statistics_target, nonnull);
	double		cutoff = floor(9 * per_row * n / floor(num_mcelem * 1000 / 7));
	double		occurrences = rest * n;
	double		low = 0;
	double		high = cutoff + 1;

	if (nlisted >= num_mcelem && least > 0)
		return gin_present(2.0 * rest / least, rest * nonnull);
	for (int it = 0; it < 50; it++)
	{
		double		lambda = (low + high) / 2;
		double		term = exp(-lambda);
		double		tail = 0;

		for (int k = 1; k <= cutoff + 60; k++)
		{
			term *= lambda / k;
			if (k > cutoff)
				tail += term;
		}
		if (occurrences / lambda * tail > 0.1)
			high = lambda;
		else
			low = lambda;
	}
	return gin_present(occurrences / Max(low, 1e-6), rest * nonnull);
}

/* The bytes an element of this type takes as a key, over the listed ones */
static double
gin_element_bytes(const AttStatsSlot *slot, Oid elemtype)
{
	int16		typlen;
	bool		byval;
	char		align;
	double		bytes = 0;

	get_typlenbyvalalign(elemtype, &typlen, &byval, &align);
	if (typlen > 0)
		return typlen;
	if (slot == NULL || slot->nvalues == 0)
		return varlena_stored(get_typavgwidth(elemtype, -1));
	for (int i = 0; i < slot->nvalues; i++)
		bytes += typlen == -1 ?
			varlena_stored(VARSIZE_ANY_EXHDR(DatumGetPointer(slot->values[i]))) :
			strlen(DatumGetCString(slot->values[i])) + 1;
	return bytes / slot->nvalues;
}

/*
 * An array column's entries from its element statistics: each of the most
 * common elements at its frequency, the others (the distinct elements a
 * row has on average, less the listed ones) as gin_rare_elements() counts
 * them; the rows of no element (the count histogram's zeros) an entry.
 * False without the element count histogram.
 */
static bool
gin_array_entries(HeapTuple stats, Oid elemtype, double nullfrac, GinTotals *acc)
{
	AttStatsSlot hist;
	AttStatsSlot mcelem;
	bool		have;
	double		per_row;
	double		nonnull = acc->rows * (1.0 - nullfrac);
	double		rest;
	double		least = 0;
	double		empty = 0;
	double		key;

	if (!get_attstatsslot(&hist, stats, STATISTIC_KIND_DECHIST, InvalidOid, ATTSTATSSLOT_NUMBERS))
		return false;
	per_row = hist.nnumbers > 0 ? hist.numbers[hist.nnumbers - 1] : 0;
	for (int i = 0; i < hist.nnumbers - 1; i++)	/* the rows of no element */
		if (hist.numbers[i] == 0)
			empty += 1.0 / (hist.nnumbers - 1);
	free_attstatsslot(&hist);
	gin_add_entries(acc, 1, empty * nonnull, 0);
	have = get_attstatsslot(&mcelem, stats, STATISTIC_KIND_MCELEM, InvalidOid,
							ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS);
	key = gin_element_bytes(have ? &mcelem : NULL, elemtype);
	rest = per_row;
	for (int i = 0; have && i < mcelem.nvalues; i++)
	{
		gin_add_entries(acc, 1, mcelem.numbers[i] * nonnull, key);
		rest -= mcelem.numbers[i];
		least = i == 0 ? mcelem.numbers[i] : Min(least, mcelem.numbers[i]);
	}
	if (rest * nonnull >= 1)
	{
		double		d = gin_rare_elements(rest, per_row, nonnull, have ? mcelem.nvalues : 0, least);

		gin_add_entries(acc, d, rest * nonnull / d, key);
	}
	if (have)
		free_attstatsslot(&mcelem);
	return true;
}

/* The type of the keys a GIN candidate's operator class stores */
static Oid
gin_key_type(Candidate *c)
{
	Oid			opclass = GetDefaultOpClass(c->types[0], GIN_AM_OID);
	HeapTuple	tup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
	Oid			type = InvalidOid;

	if (HeapTupleIsValid(tup))
	{
		Form_pg_opclass form = (Form_pg_opclass) GETSTRUCT(tup);

		type = OidIsValid(form->opckeytype) ? form->opckeytype : form->opcintype;
		ReleaseSysCache(tup);
	}
	if (IsPolymorphicType(type))
		type = get_element_type(c->types[0]);
	return type;
}

/* One key an operator class extracted from a value of the statistics */
typedef struct GinSampled
{
	const char *bytes;
	int			len;
	int			value;			/* which value of the sample */
	double		weight;			/* that value's share of the rows */
	bool		common;			/* a most common value */
} GinSampled;

static int
gin_sampled_cmp(const void *a, const void *b)
{
	const GinSampled *x = a;
	const GinSampled *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (memcmp(x->bytes, y->bytes, x->len) != 0)
		return memcmp(x->bytes, y->bytes, x->len);
	return x->value < y->value ? -1 : x->value > y->value;
}

/*
 * Adds the keys the operator class's extractValue gives value number v of
 * the statistics' sample (of weight w) to keys[*n].
 */
static GinSampled *
gin_extract(Candidate *c, Oid proc, int16 keylen, Datum value, int v, double w,
			bool common, GinSampled *keys, int *n, int *size)
{
	int32		nkeys = 0;
	bool	   *nulls = NULL;
	Datum	   *datums = (Datum *) DatumGetPointer(
		OidFunctionCall3Coll(proc, c->collations[0], value, PointerGetDatum(&nkeys),
							 PointerGetDatum(&nulls)));

	for (int i = 0; i < nkeys; i++)
	{
		GinSampled *k;

		if (nulls != NULL && nulls[i])
			continue;
		if (*n >= *size)
		{
			*size *= 2;
			keys = repalloc(keys, *size * sizeof(GinSampled));
		}
		k = &keys[(*n)++];
		if (keylen > 0 && keylen <= sizeof(Datum))
		{
			Datum	   *copy = palloc(sizeof(Datum));

			*copy = datums[i];
			k->bytes = (const char *) copy;
			k->len = sizeof(Datum);
		}
		else
		{
			k->bytes = keylen > 0 ? DatumGetPointer(datums[i]) : VARDATA_ANY(DatumGetPointer(datums[i]));
			k->len = keylen > 0 ? keylen : VARSIZE_ANY_EXHDR(DatumGetPointer(datums[i]));
		}
		k->value = v;
		k->weight = w;
		k->common = common;
	}
	return keys;
}

/*
 * The keys of the values the statistics keep (the most common ones at their
 * frequencies, the histogram's bounds at equal shares of the other rows),
 * as the operator class extracts them, sorted, one per key and value.
 */
static GinSampled *
gin_sample_keys(Candidate *c, HeapTuple stats, double nullfrac, Oid proc, int16 keylen, int *n)
{
	AttStatsSlot slot[2];
	int			kinds[2] = {STATISTIC_KIND_MCV, STATISTIC_KIND_HISTOGRAM};
	bool		have[2];
	double		rest = 1.0 - nullfrac;
	int			size = 64;
	int			v = 0;
	int			kept = 0;
	GinSampled *keys = palloc(size * sizeof(GinSampled));

	*n = 0;
	for (int s = 0; s < 2; s++)
	{
		have[s] = get_attstatsslot(&slot[s], stats, kinds[s], InvalidOid,
								   ATTSTATSSLOT_VALUES | (s == 0 ? ATTSTATSSLOT_NUMBERS : 0));
		for (int i = 0; have[s] && i < slot[s].nvalues; i++)
		{
			double		w = s == 0 ? slot[s].numbers[i] : Max(rest, 0.0) / slot[s].nvalues;

			keys = gin_extract(c, proc, keylen, slot[s].values[i], v++, w, s == 0, keys, n, &size);
			if (s == 0)
				rest -= slot[s].numbers[i];
		}
	}
	qsort(keys, *n, sizeof(GinSampled), gin_sampled_cmp);
	for (int i = 0; i < *n; i++)	/* a key once per value */
		if (kept == 0 || gin_sampled_cmp(&keys[kept - 1], &keys[i]) != 0)
			keys[kept++] = keys[i];
	*n = kept;
	for (int s = 0; s < 2; s++)
		if (have[s])
			free_attstatsslot(&slot[s]);
	return keys;
}

/*
 * Any column's entries from the values its statistics keep, run through the
 * operator class: a key of two values or more, or of a most common value,
 * at their shares of the rows; the keys of one histogram value each (which
 * the sample cannot count) as many distinct ones as their rows have, up
 * to as many a distinct value of the column as a value has.  False when
 * the statistics keep no values.
 */
static bool
gin_sampled_entries(Candidate *c, HeapTuple stats, double nullfrac, GinTotals *acc)
{
	Oid			proc = get_opfamily_proc(c->families[0], c->intypes[0], c->intypes[0],
										 GIN_EXTRACTVALUE_PROC);
	Oid			keytype = gin_key_type(c);
	int16		keylen = get_typlen(keytype);
	double		distinct = ((Form_pg_statistic) GETSTRUCT(stats))->stadistinct;
	double		nonnull = acc->rows * (1.0 - nullfrac);
	double		once = 0;
	double		once_bytes = 0;
	int			n;
	GinSampled *keys;

	if (!OidIsValid(proc) || !OidIsValid(keytype))
		return false;
	keys = gin_sample_keys(c, stats, nullfrac, proc, keylen, &n);
	if (n == 0)
		return false;
	for (int i = 0, j; i < n; i = j)
	{
		double		w = 0;
		bool		common = false;
		double		key = keylen > 0 ? keylen : varlena_stored(keys[i].len);

		for (j = i; j < n && keys[j].len == keys[i].len &&
			 memcmp(keys[j].bytes, keys[i].bytes, keys[i].len) == 0; j++)
		{
			w += keys[j].weight;
			common |= keys[j].common;
		}
		if (j - i > 1 || common)
			gin_add_entries(acc, 1, w * acc->rows, key);
		else
		{
			once += w;
			once_bytes += w * key;
		}
	}
	if (once * acc->rows >= 1)
	{
		double		values = distinct < 0 ? -distinct * nonnull : Max(distinct, 1.0);
		double		d = Min(once * acc->rows,
							Max(1.0, values * once / Max(1.0 - nullfrac, 1e-9)));

		gin_add_entries(acc, d, once * acc->rows / d, once_bytes / once);
	}
	return true;
}

/*
 * A GIN candidate's entries for tuples rows, from its column's statistics:
 * an array's element statistics, else the values the statistics keep; a
 * NULL row, and an array of no element, an entry each.  No statistics: as
 * many entries a row as 12 bytes of its width, each a row's own (err large).
 */
static void
gin_totals(Candidate *c, double tuples, GinTotals *acc)
{
	HeapTuple	stats = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(c->relid),
										Int16GetDatum(c->cols[0]), BoolGetDatum(false));
	HeapTuple	rel = SearchSysCache1(RELOID, ObjectIdGetDatum(c->relid));
	Oid			elemtype = get_element_type(c->types[0]);
	double		nullfrac = 0;
	bool		done = false;

	memset(acc, 0, sizeof(GinTotals));
	acc->rows = Max(tuples, 1.0);
	acc->per_page = MaxHeapTuplesPerPage / 4.0;
	if (HeapTupleIsValid(rel))
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(rel);

		if (form->relpages > 0 && form->reltuples > 0)
			acc->per_page = form->reltuples / form->relpages;
		ReleaseSysCache(rel);
	}
	if (HeapTupleIsValid(stats))
	{
		nullfrac = ((Form_pg_statistic) GETSTRUCT(stats))->stanullfrac;
		done = (OidIsValid(elemtype) && gin_array_entries(stats, elemtype, nullfrac, acc)) ||
			gin_sampled_entries(c, stats, nullfrac, acc);
		ReleaseSysCache(stats);
	}
	if (!done)
		gin_add_entries(acc, acc->rows * Max(1.0, get_attavgwidth(c->relid, c->cols[0]) / 12.0),
						1, MAXIMUM_ALIGNOF);
	gin_add_entries(acc, 1, nullfrac * acc->rows, 0);
}

/* Entries a row gives a GIN candidate of tuples rows */
static double
gin_entries_per_row(Candidate *c, double tuples)
{
	GinTotals	acc;

	gin_totals(c, tuples, &acc);
	return acc.entries / acc.rows;
}

/*
 * A GIN candidate's pages: the metapage, the entry tree's leaves and the
 * levels above (a downlink per page below: a key), and the posting trees.
 */
static double
gin_pages(Candidate *c, double tuples)
{
	GinTotals	acc;
	double		level;
	double		pages;
	double		head;

	gin_totals(c, tuples, &acc);
	level = Max(1.0, ceil(acc.leaf_pages));
	pages = 1 + level + acc.data_pages;
	head = acc.heads / Max(acc.leaf_tuples, 1.0);
	while (level > 1)
	{
		level = ceil(level * head / gin_page_fill(head));
		pages += level;
	}
	return pages;
}
/*
 * A B-tree's pages (the metapage too) and height: its leaf tuples on pages
 * filled as CREATE INDEX fills them (to the reserve, or to a tuple's room
 * when posting lists make the reserve moot; less half a tuple on average,
 * the one that moved on), and the levels above, of pivot tuples (the keys:
 * suffix truncation drops the INCLUDE columns) on pages filled to 70 %.
 */
static double
btree_pages(Candidate *c, const SizeColumn *cols, double table_rows, double tuples, bool spread,
			int *height)
{
	LeafTotals	leaf;
	double		item;
	double		pivot;
	double		level;
	double		pages;

	leaf_tuples(c, cols, table_rows, table_rows > 0 ? tuples / table_rows : 1.0, spread, &leaf);
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
 * The estimated size of a candidate of tuples rows, in pages, with its
 * tree height, and in *most (if not NULL) the most it may take.  A B-tree
 * whose keys group rows: the statistics allow even groups or groups whose
 * rows spread at random (leaf_tuples), and the two differ most for keys of
 * a few rows each (TPC-H's order key, 1 to 7 rows, is the second; a test's
 * i / 4 the first): the estimate is their geometric mean, the most the
 * larger, which a budget counts.  A GIN index: its compressed posting
 * lists.
 */
static double
candidate_pages(Candidate *c, double tuples, int *height, double *most)
{
	SizeColumn	cols[MAX_INDEX_COLUMNS];
	double		table_rows = c->predicate != NIL ? Max(c->tuples, tuples) : tuples;
	double		even;
	double		spread;
	int			spread_height;

	if (c->amoid == GIN_AM_OID)
	{
		*height = -1;
		even = gin_pages(c, tuples);
		if (most)
			*most = even;
		return even;
	}
	for (int i = 0; i < c->ncols; i++)
		size_column(c->relid, c->cols[i], &cols[i]);
	even = btree_pages(c, cols, table_rows, tuples, false, height);
	spread = btree_pages(c, cols, table_rows, tuples, true, &spread_height);
	if (most)
		*most = Max(even, spread);
	*height = Max(*height, spread_height);
	return rint(sqrt(even * spread));
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
	return candidate_pages(&c, tuples, height, NULL);
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
	double		entries = c->amoid == GIN_AM_OID ? gin_entries_per_row(c, tuples) : 1.0;
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
		c->size = candidate_pages(c, index_rows(c), &c->tree_height, &c->most) * BLCKSZ;
		c->most *= BLCKSZ;
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

/* plans made since the call began: for the DEBUG1 lines of its phases */
int64		adv_plans = 0;

/*
 * The estimated cost of one item with these hypothetical indexes; marks
 * those used.  The plan is made in a context of its own, freed at once: a
 * call plans thousands of times.
 */
static Cost
plan_item(WorkItem *w, List *candidates)
{
	Cost		total = 0;
	Cost		loops = 0;
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

			adv_plans++;

			total += adv_judged_cost(w, ps, &loops);
			mark_used(ps->planTree, candidates);
			mark_used_list(ps->subplans, candidates);
		}
		total += adv_loops_beyond_base(w, loops);
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

