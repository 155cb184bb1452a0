/*-------------------------------------------------------------------------
 *
 * planner.c
 *		The planner on a production twin: production's pages and rows for
 *		each table and index, instead of the empty files' (a
 *		get_relation_info_hook, as HypoPG's).
 *
 * PostgreSQL plans a table from its file: estimate_rel_size() scales
 * pg_class's density by the pages the file has now, so an empty twin table
 * plans for no rows whatever its statistics say.  Under
 * pg_conventions.table_size_source = statistics this hook replaces the
 * table's pages, tuples and all-visible fraction, and each real index's
 * pages, tuples and B-tree height, with the figures of snapshot.c; with
 * larger, only where they are larger than the file's.  The column
 * statistics are pg_statistic's, restored by pg_dump --statistics (18 and
 * later) or conventions.twin_restore_column_statistics(); so on a twin
 * EXPLAIN, the backfill rule's plan and the advisor see production's
 * plans.  A B-tree's height is not in the statistics: it is estimated from
 * the index's pages and rows as its fan-out would make it.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include <math.h>

#include "catalog/pg_am.h"
#include "nodes/pathnodes.h"

#include "../advisor/advisor.h"

static conv_rel_info_hook_type prev_rel_info_hook = NULL;

/* The height of a B-tree of these pages and rows, as its fan-out makes it. */
static int
btree_height(double pages, double tuples)
{
	double		per_page;

	if (pages <= 2)				/* a metapage and one leaf: the root is a leaf */
		return 0;
	per_page = Max(tuples / (pages - 1), 2.0);
	return (int) ceil(log(pages - 1) / log(per_page));
}

/*
 * An index the snapshot does not have, on a table it has (one a migration
 * made on the twin): sized for production's rows as the advisor sizes a
 * candidate, not as the empty file it is.
 */
static void
twin_new_index_figures(Oid relid, RelOptInfo *rel, IndexOptInfo *info)
{
	int			height;
	double		pages = adv_existing_index_pages(relid, info, rel->tuples, &height);

	if (pages <= info->pages)
		return;
	info->pages = (BlockNumber) pages;
	info->tuples = rel->tuples;
	info->tree_height = height;
}

static void
twin_index_figures(Oid relid, RelOptInfo *rel, IndexOptInfo *info, bool larger,
				   bool table_from_snapshot)
{
	ConvRelFigures f;
	bool		known;

	if (info->hypothetical)
		return;
	known = conv_statistics_figures(info->indexoid, &f);
	if (table_from_snapshot && !(known && f.origin == CONV_FIGURES_SNAPSHOT))
	{
		twin_new_index_figures(relid, rel, info);
		return;
	}
	if (!known || (larger && f.pages <= info->pages))
		return;
	info->pages = (BlockNumber) f.pages;
	/* as plancat.c: a partial index has its own rows, the others the table's */
	info->tuples = info->indpred != NIL && f.tuples >= 0 ? f.tuples : rel->tuples;
	if (info->relam == BTREE_AM_OID)
		info->tree_height = btree_height(f.pages, info->tuples);
}

static void
twin_rel_info_hook(CONV_REL_INFO_HOOK_PARAMS)
{
	Oid			relid = CONV_REL_INFO_RELID;
	bool		larger = conv_table_size_source == CONV_SIZE_LARGER;
	ConvRelFigures f;
	bool		from_snapshot = false;
	ListCell   *lc;

	if (prev_rel_info_hook)
		prev_rel_info_hook(CONV_REL_INFO_HOOK_ARGS);
	if (conv_table_size_source == CONV_SIZE_FILE || CONV_REL_INFO_INHPARENT || !OidIsValid(relid))
		return;
	if (conv_twin_figures(relid, rel->pages, &f))
	{
		rel->pages = (BlockNumber) f.pages;
		rel->tuples = f.tuples;
		rel->allvisfrac = f.pages > 0 ? Min(1.0, f.allvisible / f.pages) : 0;
		from_snapshot = f.origin == CONV_FIGURES_SNAPSHOT;
	}
	foreach(lc, rel->indexlist)
		twin_index_figures(relid, rel, lfirst(lc), larger, from_snapshot);
}

void
conv_twin_planner_init(void)
{
	prev_rel_info_hook = CONV_REL_INFO_HOOK;
	CONV_REL_INFO_HOOK = twin_rel_info_hook;
}
