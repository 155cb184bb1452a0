/*-------------------------------------------------------------------------
 *
 * snapshot.c
 *		The production twin's statistics: production's pages and rows of
 *		each relation, and its columns' statistics, on a server that holds
 *		production's schema and no rows.
 *
 * A twin's tables are empty files, so everything PostgreSQL and the rules
 * measure there says "empty".  Under pg_conventions.table_size_source =
 * statistics (or larger) a relation's figures are instead those of the
 * snapshot in conventions.twin_relations (what production's pg_class said
 * when pg_conventions_twin took it), else pg_class's relpages and
 * reltuples (what pg_restore_relation_stats() wrote, on 18 and later).
 * The snapshot comes first because the twin's own pg_class does not keep
 * production's figures: CREATE INDEX, VACUUM and ANALYZE of an empty table
 * write zeros there.  Relations are matched by schema and name.
 *
 * The snapshot is read once per transaction into a hash (a migration asks
 * about the same tables statement after statement, the planner hook about
 * every table of every query), and again after this session changes it
 * (a statement trigger on the table calls conventions_twin_changed).
 *
 * conventions.twin_restore_column_statistics() writes the snapshot's
 * column statistics into pg_statistic, as ANALYZE would have, so that a
 * twin before 18 (no pg_restore_attribute_stats()) plans production's
 * selectivities too.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_statistic.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

typedef struct SnapshotKey
{
	NameData	nspname;
	NameData	relname;
} SnapshotKey;

typedef struct SnapshotEntry
{
	SnapshotKey key;
	double		pages;
	double		tuples;
	double		allvisible;
} SnapshotEntry;

/* conventions.twin_relations' columns, as the 0.12 script makes them */
#define SNAPSHOT_NATTS 6

/* This transaction's copy of the snapshot; NULL when there is none. */
static HTAB *snapshot = NULL;
static bool snapshot_read = false;

static void
forget_snapshot(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT)
	{
		snapshot = NULL;		/* its memory went with TopTransactionContext */
		snapshot_read = false;
	}
}

void
conv_twin_init(void)
{
	RegisterXactCallback(forget_snapshot, NULL);
}

static void
read_snapshot(void)
{
	Oid			nsp = get_namespace_oid("conventions", true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid("twin_relations", nsp) : InvalidOid;
	HASHCTL		ctl;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	HTAB	   *read;

	snapshot = NULL;
	if (!OidIsValid(relid))
	{
		snapshot_read = true;	/* the extension is not here, or older than 0.12 */
		return;
	}
	rel = table_open(relid, AccessShareLock);
	if (RelationGetDescr(rel)->natts != SNAPSHOT_NATTS)
	{
		table_close(rel, AccessShareLock);
		snapshot_read = true;
		return;
	}
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(SnapshotKey);
	ctl.entrysize = sizeof(SnapshotEntry);
	ctl.hcxt = TopTransactionContext;
	read = hash_create("pg_conventions twin snapshot", 256, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum		values[SNAPSHOT_NATTS];
		bool		nulls[SNAPSHOT_NATTS];
		SnapshotKey key;
		SnapshotEntry *e;

		heap_deform_tuple(tup, RelationGetDescr(rel), values, nulls);
		memset(&key, 0, sizeof(key));
		namestrcpy(&key.nspname, NameStr(*DatumGetName(values[0])));
		namestrcpy(&key.relname, NameStr(*DatumGetName(values[1])));
		e = hash_search(read, &key, HASH_ENTER, NULL);
		e->pages = (double) DatumGetInt64(values[3]);
		e->tuples = (double) DatumGetFloat4(values[4]);
		e->allvisible = (double) DatumGetInt64(values[5]);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	/* only once whole: an error above leaves the snapshot to be read again */
	snapshot = read;
	snapshot_read = true;
}

/* The snapshot's figures of a relation, by its schema and name. */
static bool
snapshot_figures(Oid relid, ConvRelFigures *f)
{
	SnapshotKey key;
	SnapshotEntry *e;
	char	   *relname;
	char	   *nspname;

	if (!snapshot_read)
		read_snapshot();
	if (snapshot == NULL || (relname = get_rel_name(relid)) == NULL ||
		(nspname = get_namespace_name(get_rel_namespace(relid))) == NULL)
		return false;
	memset(&key, 0, sizeof(key));
	namestrcpy(&key.nspname, nspname);
	namestrcpy(&key.relname, relname);
	e = hash_search(snapshot, &key, HASH_FIND, NULL);
	if (e == NULL)
		return false;
	f->pages = e->pages;
	f->tuples = e->tuples;
	f->allvisible = e->allvisible;
	f->origin = CONV_FIGURES_SNAPSHOT;
	return true;
}

/*
 * A relation's figures by its statistics: the twin's snapshot, else
 * pg_class when it was ever vacuumed or analyzed (or its statistics
 * restored).  False when neither knows the relation.
 */
bool
conv_statistics_figures(Oid relid, ConvRelFigures *f)
{
	HeapTuple	tup;
	Form_pg_class cls;
	bool		known;

	if (snapshot_figures(relid, f))
		return true;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return false;
	cls = (Form_pg_class) GETSTRUCT(tup);
	known = cls->reltuples >= 0 || cls->relpages > 0;
	f->pages = cls->relpages;
	f->tuples = cls->reltuples;
	f->allvisible = cls->relallvisible;
	f->origin = CONV_FIGURES_PG_CLASS;
	ReleaseSysCache(tup);
	return known;
}

/*
 * Production's figures of a relation when they stand in for the server's
 * own (pages: from its file, or pg_class's): on a twin, whenever the
 * statistics know its rows; under larger, only where they are larger.
 * False outside a twin.  The one decision the safety facts, the reports
 * and the planner hook share.
 */
bool
conv_twin_figures(Oid relid, double pages, ConvRelFigures *f)
{
	return conv_table_size_source != CONV_SIZE_FILE && conv_statistics_figures(relid, f) &&
		f->tuples >= 0 && !(conv_table_size_source == CONV_SIZE_LARGER && f->pages <= pages);
}

/*
 * pg_class's pages and rows of a relation (given), replaced by the
 * snapshot's on a twin: what the reports and the table rules read.
 */
void
conv_class_figures(Oid relid, double *pages, double *tuples)
{
	ConvRelFigures f;

	if (!conv_twin_figures(relid, *pages, &f))
		return;
	*pages = f.pages;
	*tuples = f.tuples;
}

/*
 * The statement trigger on conventions.twin_relations: this session reads
 * the snapshot again.  (Other sessions read it in their next transaction.)
 */
PG_FUNCTION_INFO_V1(conventions_twin_changed);
Datum
conventions_twin_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("conventions_twin_changed() must be called as a trigger")));
	snapshot = NULL;
	snapshot_read = false;
	return PointerGetDatum(NULL);
}

/* ---- column statistics into pg_statistic ---- */

/* One column of conventions.twin_columns, resolved to the twin's column. */
typedef struct ColumnStats
{
	Oid			relid;
	AttrNumber	attnum;
	bool		inherited;
	float4		null_frac;
	int32		avg_width;
	float4		n_distinct;
	char	   *mcv;			/* NULL when absent */
	Datum		mcf;			/* float4[], when mcv is set */
	char	   *histogram;
	bool		has_correlation;
	float4		correlation;
	Oid			typid;
	int32		typmod;
	Oid			collation;
} ColumnStats;

/* Fills slot *slot of a pg_statistic row. */
static void
set_slot(Datum *values, bool *nulls, int *slot, int16 kind, Oid op, Oid coll,
		 Datum numbers, bool has_numbers, Datum stavalues, bool has_values)
{
	int			i = *slot;

	if (i >= STATISTIC_NUM_SLOTS)
		return;
	values[Anum_pg_statistic_stakind1 - 1 + i] = Int16GetDatum(kind);
	values[Anum_pg_statistic_staop1 - 1 + i] = ObjectIdGetDatum(op);
	values[Anum_pg_statistic_stacoll1 - 1 + i] = ObjectIdGetDatum(coll);
	values[Anum_pg_statistic_stanumbers1 - 1 + i] = numbers;
	nulls[Anum_pg_statistic_stanumbers1 - 1 + i] = !has_numbers;
	values[Anum_pg_statistic_stavalues1 - 1 + i] = stavalues;
	nulls[Anum_pg_statistic_stavalues1 - 1 + i] = !has_values;
	(*slot)++;
}

/* The values of an array of the column's type, from pg_stats' text. */
static Datum
column_values(const ColumnStats *c, const char *text)
{
	return OidInputFunctionCall(F_ARRAY_IN, (char *) text, c->typid, c->typmod);
}

/*
 * Writes one column's pg_statistic row: the fractions, and the slots
 * ANALYZE makes for a scalar column (most common values, histogram,
 * correlation) with the operators it uses, the type's = and <.  An array
 * or tsvector column's element statistics are not in the snapshot.
 */
static void
write_column_stats(Relation sd, const ColumnStats *c)
{
	Datum		values[Natts_pg_statistic];
	bool		nulls[Natts_pg_statistic];
	bool		replaces[Natts_pg_statistic];
	TypeCacheEntry *tc = lookup_type_cache(c->typid, TYPECACHE_EQ_OPR | TYPECACHE_LT_OPR);
	bool		scalar = !type_is_array(getBaseType(c->typid));
	int			slot = 0;
	HeapTuple	old;
	HeapTuple	tup;

	memset(values, 0, sizeof(values));
	memset(nulls, false, sizeof(nulls));
	memset(replaces, true, sizeof(replaces));
	values[Anum_pg_statistic_starelid - 1] = ObjectIdGetDatum(c->relid);
	values[Anum_pg_statistic_staattnum - 1] = Int16GetDatum(c->attnum);
	values[Anum_pg_statistic_stainherit - 1] = BoolGetDatum(c->inherited);
	values[Anum_pg_statistic_stanullfrac - 1] = Float4GetDatum(c->null_frac);
	values[Anum_pg_statistic_stawidth - 1] = Int32GetDatum(c->avg_width);
	values[Anum_pg_statistic_stadistinct - 1] = Float4GetDatum(c->n_distinct);
	for (int i = 0; i < STATISTIC_NUM_SLOTS; i++)
	{
		values[Anum_pg_statistic_stakind1 - 1 + i] = Int16GetDatum(0);
		values[Anum_pg_statistic_staop1 - 1 + i] = ObjectIdGetDatum(InvalidOid);
		values[Anum_pg_statistic_stacoll1 - 1 + i] = ObjectIdGetDatum(InvalidOid);
		nulls[Anum_pg_statistic_stanumbers1 - 1 + i] = true;
		nulls[Anum_pg_statistic_stavalues1 - 1 + i] = true;
	}
	if (scalar && c->mcv != NULL && OidIsValid(tc->eq_opr))
		set_slot(values, nulls, &slot, STATISTIC_KIND_MCV, tc->eq_opr, c->collation,
				 c->mcf, true, column_values(c, c->mcv), true);
	if (scalar && c->histogram != NULL && OidIsValid(tc->lt_opr))
		set_slot(values, nulls, &slot, STATISTIC_KIND_HISTOGRAM, tc->lt_opr, c->collation,
				 (Datum) 0, false, column_values(c, c->histogram), true);
	if (c->has_correlation && OidIsValid(tc->lt_opr))
	{
		Datum		corr = Float4GetDatum(c->correlation);

		set_slot(values, nulls, &slot, STATISTIC_KIND_CORRELATION, tc->lt_opr, c->collation,
				 PointerGetDatum(construct_array(&corr, 1, FLOAT4OID, sizeof(float4),
												 true, TYPALIGN_INT)),
				 true, (Datum) 0, false);
	}
	old = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(c->relid),
						  Int16GetDatum(c->attnum), BoolGetDatum(c->inherited));
	if (HeapTupleIsValid(old))
	{
		tup = heap_modify_tuple(old, RelationGetDescr(sd), values, nulls, replaces);
		ReleaseSysCache(old);
		CatalogTupleUpdate(sd, &tup->t_self, tup);
	}
	else
	{
		tup = heap_form_tuple(RelationGetDescr(sd), values, nulls);
		CatalogTupleInsert(sd, tup);
	}
	heap_freetuple(tup);
}

typedef struct WriteCall
{
	Relation	sd;
	ColumnStats *c;
} WriteCall;

static void
write_column_call(void *arg)
{
	WriteCall  *call = arg;

	write_column_stats(call->sd, call->c);
}

/* Row i of the SPI result as a ColumnStats, in the caller's memory. */
static void
read_column_stats(uint64 i, ColumnStats *c)
{
	HeapTuple	tup = SPI_tuptable->vals[i];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;
	Datum		d;

	c->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
	c->attnum = DatumGetInt16(SPI_getbinval(tup, desc, 2, &isnull));
	c->inherited = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
	c->null_frac = DatumGetFloat4(SPI_getbinval(tup, desc, 4, &isnull));
	c->avg_width = DatumGetInt32(SPI_getbinval(tup, desc, 5, &isnull));
	c->n_distinct = DatumGetFloat4(SPI_getbinval(tup, desc, 6, &isnull));
	c->mcv = SPI_getvalue(tup, desc, 7);
	d = SPI_getbinval(tup, desc, 8, &isnull);
	if (isnull)
		c->mcv = NULL;
	else
		c->mcf = PointerGetDatum(DatumGetArrayTypePCopy(d));
	c->histogram = SPI_getvalue(tup, desc, 9);
	d = SPI_getbinval(tup, desc, 10, &isnull);
	c->has_correlation = !isnull;
	c->correlation = isnull ? 0 : DatumGetFloat4(d);
	c->typid = DatumGetObjectId(SPI_getbinval(tup, desc, 11, &isnull));
	c->typmod = DatumGetInt32(SPI_getbinval(tup, desc, 12, &isnull));
	c->collation = DatumGetObjectId(SPI_getbinval(tup, desc, 13, &isnull));
}

/*
 * conventions.twin_restore_column_statistics(): the snapshot's columns of
 * the tables the caller owns (as pg_restore_attribute_stats() asks), into
 * pg_statistic.  Returns how many columns it wrote; a column whose
 * statistics do not fit the twin's column (its type changed) is left out
 * with a WARNING.
 */
PG_FUNCTION_INFO_V1(conventions_twin_restore_column_statistics);
Datum
conventions_twin_restore_column_statistics(PG_FUNCTION_ARGS)
{
	MemoryContext caller = CurrentMemoryContext;
	List	   *columns = NIL;
	ListCell   *lc;
	Relation	sd;
	int			written = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT c.oid, a.attnum, t.inherited, t.null_frac, t.avg_width, t.n_distinct, "
					"t.most_common_vals, t.most_common_freqs, t.histogram_bounds, t.correlation, "
					"a.atttypid, a.atttypmod, a.attcollation "
					"FROM conventions.twin_columns t "
					"JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema_name "
					"JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.table_name "
					"JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
					" AND a.attname = t.column_name AND a.attnum > 0 AND NOT a.attisdropped "
					"WHERE c.relkind IN ('r', 'm', 'p', 'f') "
					" AND pg_catalog.pg_has_role(c.relowner, 'USAGE') "
					"ORDER BY c.oid, a.attnum, t.inherited", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read conventions.twin_columns");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(caller);
		ColumnStats *c = palloc0(sizeof(ColumnStats));

		read_column_stats(i, c);
		columns = lappend(columns, c);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	sd = table_open(StatisticRelationId, RowExclusiveLock);
	foreach(lc, columns)
	{
		WriteCall	call = {sd, lfirst(lc)};
		char	   *message;

		if (conv_try_subtransaction(write_column_call, &call, &message))
			written++;
		else
			ereport(WARNING,
					(errmsg("could not restore the statistics of column \"%s\" of table \"%s.%s\"",
							get_attname(call.c->relid, call.c->attnum, false),
							get_namespace_name(get_rel_namespace(call.c->relid)),
							get_rel_name(call.c->relid)),
					 errdetail("%s", message),
					 errhint("The column's type on the twin may differ from production's; "
							 "the planner uses its default selectivities for it.")));
	}
	table_close(sd, RowExclusiveLock);
	PG_RETURN_INT32(written);
}
