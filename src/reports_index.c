/*-------------------------------------------------------------------------
 *
 * reports_index.c
 *		Index-health reports: missing_fk_indexes(), redundant_indexes(),
 *		unused_indexes(), low_cardinality_indexes().
 *
 * missing_fk_indexes() must answer in milliseconds on catalogs of tens of
 * thousands of tables, so it does not load tables one by one: one heap scan
 * each of pg_constraint, pg_index and pg_class fills hash tables, and the
 * guard's own coverage test (conv_fk_covered) reads its indexes from them.
 * The other reports share the rules' finders (rules_index.c) table by table.
 * All of them read only the catalog and the statistics, never a table.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(conventions_missing_fk_indexes);
PG_FUNCTION_INFO_V1(conventions_redundant_indexes);
PG_FUNCTION_INFO_V1(conventions_unused_indexes);
PG_FUNCTION_INFO_V1(conventions_low_cardinality_indexes);

/* ---- missing_fk_indexes() ---- */

/* A relation the report needs: a referencing table or one of its indexes. */
typedef struct RelEntry
{
	Oid			relid;			/* hash key */
	bool		seen;			/* found in pg_class */
	Oid			nspid;
	char		relkind;
	char		persistence;
	bool		ispartition;
	int32		relpages;
	float4		reltuples;
	Oid			relam;
	NameData	relname;
	List	   *indexes;		/* ConvIndex *, for tables */
} RelEntry;

typedef struct NspEntry
{
	Oid			nspid;			/* hash key */
	bool		in_scope;
} NspEntry;

typedef struct SuggestedName
{
	Oid			nspid;
	NameData	name;
} SuggestedName;

typedef struct MissingRow
{
	ConvForeignKey *fk;
	RelEntry   *rel;
	double		impact;
	int64		rows;
	bool		rows_known;
	int64		size;
	int64		ref_updates;
	int64		ref_deletes;
	char	   *fix_sql;
	char	   *note;
} MissingRow;

typedef struct ColumnSetName
{
	char		key[64];		/* table OID and its sorted key columns */
	NameData	name;
} ColumnSetName;

typedef struct ReportScan
{
	HTAB	   *rels;
	HTAB	   *nsps;
	HTAB	   *suggested;
	HTAB	   *column_sets;	/* one index name per set of key columns */
} ReportScan;

static RelEntry *
rel_entry(HTAB *rels, Oid relid, bool create)
{
	bool		found;
	RelEntry   *e = hash_search(rels, &relid, create ? HASH_ENTER : HASH_FIND, &found);

	if (create && !found)
	{
		memset(((char *) e) + sizeof(Oid), 0, sizeof(RelEntry) - sizeof(Oid));
	}
	return e;
}

/* The lookup conv_fk_covered uses: indexes from the hash, never the catalog. */
static List *
hashed_indexes(Oid relid, void *arg)
{
	RelEntry   *e = rel_entry(((ReportScan *) arg)->rels, relid, false);

	return e ? e->indexes : NIL;
}

static bool
namespace_in_scope(ReportScan *st, Oid nspid)
{
	bool		found;
	NspEntry   *e = hash_search(st->nsps, &nspid, HASH_ENTER, &found);

	if (!found)
	{
		char	   *nspname = get_namespace_name(nspid);

		e->in_scope = nspname != NULL && !IsCatalogNamespace(nspid) &&
			!IsToastNamespace(nspid) && !isAnyTempNamespace(nspid) &&
			strcmp(nspname, "information_schema") != 0 &&
			conv_schema_in_scope(nspname);
	}
	return e->in_scope;
}

static bool
name_suggested(Oid nspid, const char *name, void *arg)
{
	SuggestedName key;

	memset(&key, 0, sizeof(key));
	key.nspid = nspid;
	namestrcpy(&key.name, name);
	return hash_search((HTAB *) arg, &key, HASH_FIND, NULL) != NULL;
}

static void
remember_name(HTAB *suggested, Oid nspid, const char *name)
{
	SuggestedName key;

	memset(&key, 0, sizeof(key));
	key.nspid = nspid;
	namestrcpy(&key.name, name);
	hash_search(suggested, &key, HASH_ENTER, NULL);
}

/* pg_constraint: every foreign key (clones too mark their table as needed). */
static List *
scan_foreign_keys(ReportScan *st)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;
	List	   *fks = NIL;

	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		ConvForeignKey *fk;
		ArrayType  *arr;
		bool		isnull;
		Datum		d;

		if (con->contype != CONSTRAINT_FOREIGN)
			continue;
		rel_entry(st->rels, con->conrelid, true);
		if (OidIsValid(con->conparentid))
			continue;			/* judged on the parent */

		fk = palloc0(sizeof(ConvForeignKey));
		fk->conoid = con->oid;
		fk->conrelid = con->conrelid;
		fk->confrelid = con->confrelid;
		fk->conname = pstrdup(NameStr(con->conname));
		d = heap_getattr(tup, Anum_pg_constraint_conkey, RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		arr = DatumGetArrayTypeP(d);
		fk->nkeys = ARR_DIMS(arr)[0];
		if (ARR_NDIM(arr) != 1 || fk->nkeys < 1 || fk->nkeys > INDEX_MAX_KEYS)
			continue;
		memcpy(fk->conkey, ARR_DATA_PTR(arr), fk->nkeys * sizeof(int16));
		d = heap_getattr(tup, Anum_pg_constraint_conpfeqop, RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		arr = DatumGetArrayTypeP(d);
		if (ARR_NDIM(arr) != 1 || ARR_DIMS(arr)[0] != fk->nkeys)
			continue;
		memcpy(fk->pfeqop, ARR_DATA_PTR(arr), fk->nkeys * sizeof(Oid));
		fks = lappend(fks, fk);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return fks;
}

/* pg_index: the indexes of every table with a foreign key. */
static List *
scan_indexes(ReportScan *st)
{
	Relation	rel = table_open(IndexRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;
	List	   *all = NIL;

	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		RelEntry   *table = rel_entry(st->rels, idx->indrelid, false);
		ConvIndex  *ci;

		if (table == NULL)
			continue;
		ci = conv_index_from_tuple(tup, RelationGetDescr(rel));
		table->indexes = lappend(table->indexes, ci);
		rel_entry(st->rels, idx->indexrelid, true);
		all = lappend(all, ci);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return all;
}

/* pg_class: what the hash needs to know about those tables and indexes. */
static void
scan_relations(ReportScan *st)
{
	Relation	rel = table_open(RelationRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;

	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);
		RelEntry   *e = rel_entry(st->rels, cls->oid, false);

		if (e == NULL)
			continue;
		e->seen = true;
		e->nspid = cls->relnamespace;
		e->relkind = cls->relkind;
		e->persistence = cls->relpersistence;
		e->ispartition = cls->relispartition;
		e->relpages = cls->relpages;
		e->reltuples = cls->reltuples;
		e->relam = cls->relam;
		e->relname = cls->relname;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* Rows and pages of a table, a partitioned one's summed over its leaves. */
static void
table_size(ReportScan *st, RelEntry *rel, MissingRow *row)
{
	List	   *members = rel->relkind == RELKIND_PARTITIONED_TABLE ?
		find_all_inheritors(rel->relid, NoLock, NULL) : list_make1_oid(rel->relid);
	ListCell   *lc;
	double		rows = 0;
	double		pages = 0;
	bool		known = true;

	foreach(lc, members)
	{
		RelEntry   *m = rel_entry(st->rels, lfirst_oid(lc), false);
		HeapTuple	ctup;

		if (m != NULL && m->seen)
		{
			if (m->relkind == RELKIND_PARTITIONED_TABLE)
				continue;
			pages += m->relpages;
			if (m->reltuples < 0)
				known = false;
			else
				rows += m->reltuples;
			continue;
		}
		ctup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
		if (HeapTupleIsValid(ctup))
		{
			Form_pg_class cls = (Form_pg_class) GETSTRUCT(ctup);

			if (cls->relkind != RELKIND_PARTITIONED_TABLE)
			{
				pages += cls->relpages;
				if (cls->reltuples < 0)
					known = false;
				else
					rows += cls->reltuples;
			}
			ReleaseSysCache(ctup);
		}
	}
	row->rows = (int64) rows;
	row->rows_known = known;
	row->size = (int64) pages * BLCKSZ;
}

/* Updates and deletes on the referenced table (its leaves, if partitioned). */
static void
write_activity(Oid relid, MissingRow *row)
{
	List	   *members = get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE ?
		find_all_inheritors(relid, NoLock, NULL) : list_make1_oid(relid);
	ListCell   *lc;

	foreach(lc, members)
	{
		PgStat_StatTabEntry *stat = pgstat_fetch_stat_tabentry(lfirst_oid(lc));

		if (stat != NULL)
		{
			row->ref_updates += stat->tuples_updated;
			row->ref_deletes += stat->tuples_deleted;
		}
	}
}

/*
 * The fix.  One name per set of key columns per table, so two keys on the
 * same columns share one index; IF NOT EXISTS, so every row can be run.
 * A partitioned table cannot be indexed CONCURRENTLY: the fix builds on the
 * parent (locking each partition against writes while it builds), and the
 * note gives the statements that build each partition's index concurrently
 * and attach it, to be run one at a time.
 */
static void
fix_for(ReportScan *st, RelEntry *rel, ConvForeignKey *fk, MissingRow *row)
{
	char	   *nspname = get_namespace_name(rel->nspid);
	char	   *relname = NameStr(rel->relname);
	char	   *sql_name = conv_qualified_sql_name(nspname, relname);
	char	   *name;
	AttrNumber	sorted[INDEX_MAX_KEYS];
	StringInfoData key;
	ColumnSetName *cs;
	bool		found;

	/* keys on the same columns, in any order, are covered by one index */
	memcpy(sorted, fk->conkey, fk->nkeys * sizeof(AttrNumber));
	for (int i = 1; i < fk->nkeys; i++)
		for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
		{
			AttrNumber	t = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	initStringInfo(&key);
	appendStringInfo(&key, "%u", rel->relid);
	for (int i = 0; i < fk->nkeys; i++)
		appendStringInfo(&key, ",%d", sorted[i]);
	if (key.len >= (int) sizeof(cs->key))
		key.data[sizeof(cs->key) - 1] = '\0';
	{
		char		k[64] = {0};

		strlcpy(k, key.data, sizeof(k));
		cs = hash_search(st->column_sets, k, HASH_ENTER, &found);
	}
	if (found)
		name = pstrdup(NameStr(cs->name));
	else
	{
		name = conv_fk_index_name(rel->nspid, relname, rel->relid, fk, InvalidOid,
								  name_suggested, st->suggested);
		remember_name(st->suggested, rel->nspid, name);
		namestrcpy(&cs->name, name);
	}

	if (rel->relkind != RELKIND_PARTITIONED_TABLE)
	{
		row->fix_sql = conv_fk_index_sql(rel->relid, sql_name, name, fk,
										 !conv_created_in_current_xact(rel->relid), true);
		return;
	}

	row->fix_sql = conv_fk_index_sql(rel->relid, sql_name, name, fk, false, true);
	{
		StringInfoData note;
		ListCell   *lc;

		initStringInfo(&note);
		appendStringInfo(&note,
						 "PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table, and "
						 "fix_sql blocks writes to each partition while it builds. Without that, run "
						 "one at a time: CREATE INDEX IF NOT EXISTS %s ON ONLY %s (%s);",
						 quote_identifier(name), sql_name,
						 conv_column_list_sql(rel->relid, fk->nkeys, fk->conkey));
		foreach(lc, find_inheritance_children(rel->relid, NoLock))
		{
			Oid			leaf = lfirst_oid(lc);
			ConvForeignKey mapped;
			char	   *leafname;
			char	   *leafnsp;
			char	   *leafindex;

			if (!conv_fk_for_partition(fk, rel->relid, leaf, &mapped))
				continue;
			leafname = get_rel_name(leaf);
			leafnsp = get_namespace_name(get_rel_namespace(leaf));
			leafindex = conv_fk_index_name(get_rel_namespace(leaf), leafname, leaf,
										   &mapped, InvalidOid, name_suggested,
										   st->suggested);
			remember_name(st->suggested, get_rel_namespace(leaf), leafindex);
			appendStringInfo(&note, " %s ALTER INDEX %s ATTACH PARTITION %s;",
							 conv_fk_index_sql(leaf, conv_qualified_sql_name(leafnsp, leafname),
											   leafindex, &mapped,
											   get_rel_relkind(leaf) != RELKIND_PARTITIONED_TABLE,
											   true),
							 conv_qualified_sql_name(nspname, name),
							 conv_qualified_sql_name(leafnsp, leafindex));
		}
		row->note = note.data;
	}
}

static int
impact_cmp(const void *a, const void *b)
{
	const MissingRow *x = a;
	const MissingRow *y = b;
	int			c;

	if (x->impact != y->impact)
		return x->impact > y->impact ? -1 : 1;
	c = strcmp(NameStr(x->rel->relname), NameStr(y->rel->relname));
	return c != 0 ? c : strcmp(x->fk->conname, y->fk->conname);
}

static Datum
name_datum(const char *s)
{
	Name		n = palloc0(NAMEDATALEN);

	namestrcpy(n, s);
	return NameGetDatum(n);
}

Datum
conventions_missing_fk_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ReportScan	st;
	HASHCTL		ctl;
	List	   *fks;
	List	   *indexes;
	ListCell   *lc;
	MissingRow *rows;
	int			nrows = 0;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(RelEntry);
	ctl.hcxt = CurrentMemoryContext;
	st.rels = hash_create("pg_conventions relations", 4096, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = sizeof(NspEntry);
	st.nsps = hash_create("pg_conventions namespaces", 64, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(SuggestedName);
	ctl.entrysize = sizeof(SuggestedName);
	st.suggested = hash_create("pg_conventions suggested names", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = 64;
	ctl.entrysize = sizeof(ColumnSetName);
	st.column_sets = hash_create("pg_conventions key column sets", 64, &ctl,
								 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	fks = scan_foreign_keys(&st);
	indexes = scan_indexes(&st);
	scan_relations(&st);

	/* what pg_index does not say about an index, pg_class did */
	foreach(lc, indexes)
	{
		ConvIndex  *ci = lfirst(lc);
		RelEntry   *e = rel_entry(st.rels, ci->indexrelid, false);

		ci->relam = e->relam;
		ci->ispartition = e->ispartition;
		ci->name = NameStr(e->relname);
		ci->usable = ci->usable && e->seen;
	}

	rows = palloc0(Max(list_length(fks), 1) * sizeof(MissingRow));
	foreach(lc, fks)
	{
		ConvForeignKey *fk = lfirst(lc);
		RelEntry   *rel = rel_entry(st.rels, fk->conrelid, false);
		MissingRow *row;

		if (rel == NULL || !rel->seen ||
			(rel->relkind != RELKIND_RELATION && rel->relkind != RELKIND_PARTITIONED_TABLE) ||
			rel->persistence == RELPERSISTENCE_TEMP || !namespace_in_scope(&st, rel->nspid))
			continue;
		rel->relid = fk->conrelid;
		if (conv_fk_covered(fk->conrelid, rel->relkind, fk, hashed_indexes, &st))
			continue;
		/* extension membership costs a pg_depend scan: only for the uncovered */
		if (!conv_table_in_scope(fk->conrelid))
			continue;

		row = &rows[nrows++];
		row->fk = fk;
		row->rel = rel;
		table_size(&st, rel, row);
		write_activity(fk->confrelid, row);
		row->impact = ((double) row->ref_updates + row->ref_deletes + 1) *
			((double) row->size + BLCKSZ);
	}

	qsort(rows, nrows, sizeof(MissingRow), impact_cmp);
	for (int i = 0; i < nrows; i++)
	{
		MissingRow *row = &rows[i];
		ConvForeignKey *fk = row->fk;
		Datum		values[10];
		bool		nulls[10] = {false};
		Datum	   *cols = palloc(fk->nkeys * sizeof(Datum));

		fix_for(&st, row->rel, fk, row);
		for (int k = 0; k < fk->nkeys; k++)
			cols[k] = name_datum(get_attname(fk->conrelid, fk->conkey[k], false));

		values[0] = ObjectIdGetDatum(fk->conrelid);
		values[1] = name_datum(fk->conname);
		values[2] = PointerGetDatum(construct_array(cols, fk->nkeys, NAMEOID,
													NAMEDATALEN, false, TYPALIGN_CHAR));
		values[3] = ObjectIdGetDatum(fk->confrelid);
		values[4] = Int64GetDatum(row->rows);
		nulls[4] = !row->rows_known;
		values[5] = Int64GetDatum(row->size);
		values[6] = Int64GetDatum(row->ref_updates);
		values[7] = Int64GetDatum(row->ref_deletes);
		values[8] = CStringGetTextDatum(row->fix_sql);
		if (row->note)
			values[9] = CStringGetTextDatum(row->note);
		else
			nulls[9] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---- the reports that go table by table ---- */

static int64
relation_size_estimate(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	int64		size = 0;

	if (HeapTupleIsValid(tup))
	{
		size = (int64) ((Form_pg_class) GETSTRUCT(tup))->relpages * BLCKSZ;
		ReleaseSysCache(tup);
	}
	return size;
}

/*
 * Is this index the only one that covers one of the table's foreign keys?
 * Then no report proposes dropping it.
 */
static bool
needed_by_a_foreign_key(ConvTable *table, const ConvIndex *index)
{
	ListCell   *lf;

	foreach(lf, table->foreign_keys)
	{
		ConvForeignKey *fk = lfirst(lf);
		ListCell   *li;
		bool		other = false;

		if (!conv_index_covers_fk(index, fk))
			continue;
		foreach(li, conv_table_indexes(table))
		{
			ConvIndex  *o = lfirst(li);

			if (o != index && conv_index_covers_fk(o, fk))
				other = true;
		}
		if (!other)
			return true;
	}
	return false;
}

Datum
conventions_redundant_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ConvNamedTable *tables;
	int			ntables;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	tables = conv_tables_in_scope(&ntables);
	for (int i = 0; i < ntables; i++)
	{
		ConvTable  *table = conv_table_load(tables[i].relid);
		ListCell   *lc;

		if (table == NULL)
			continue;
		foreach(lc, conv_find_redundant_indexes(table))
		{
			ConvRedundancy *r = lfirst(lc);
			Datum		values[6];
			bool		nulls[6] = {false};

			if (needed_by_a_foreign_key(table, r->index))
				continue;
			values[0] = ObjectIdGetDatum(r->index->indexrelid);
			values[1] = ObjectIdGetDatum(table->relid);
			values[2] = ObjectIdGetDatum(r->by->indexrelid);
			values[3] = CStringGetTextDatum(r->exact ?
											psprintf("duplicate of %s", r->by->name) :
											psprintf("its columns lead %s, indexed the same way",
													 r->by->name));
			values[4] = Int64GetDatum(relation_size_estimate(r->index->indexrelid));
			values[5] = CStringGetTextDatum(conv_drop_index_sql(table, r->index));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

Datum
conventions_unused_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ConvNamedTable *tables;
	int			ntables;
	PgStat_StatDBEntry *db = pgstat_fetch_stat_dbentry(MyDatabaseId);
	TimestampTz since = db ? db->stat_reset_timestamp : 0;
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	tables = conv_tables_in_scope(&ntables);
	for (int i = 0; i < ntables; i++)
	{
		ConvTable  *table = conv_table_load(tables[i].relid);
		ListCell   *lc;

		if (table == NULL || table->relkind != RELKIND_RELATION)
			continue;			/* a partitioned table's scans count on its leaves */
		foreach(lc, conv_table_indexes(table))
		{
			ConvIndex  *index = lfirst(lc);
			PgStat_StatTabEntry *stat;
			Datum		values[8];
			bool		nulls[8] = {false};

			/* unique indexes enforce something even when never scanned */
			if (!conv_index_may_drop(index) || index->isunique ||
				conv_index_covers_a_foreign_key(table, index))
				continue;
			stat = pgstat_fetch_stat_tabentry(index->indexrelid);
			if (stat != NULL && stat->numscans > 0)
				continue;

			values[0] = ObjectIdGetDatum(index->indexrelid);
			values[1] = ObjectIdGetDatum(table->relid);
			values[2] = Int64GetDatum(relation_size_estimate(index->indexrelid));
			values[3] = Int64GetDatum(0);
			if (since != 0)
			{
				values[4] = TimestampTzGetDatum(since);
				values[5] = DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(now),
												TimestampTzGetDatum(since));
			}
			else
				nulls[4] = nulls[5] = true;
			values[6] = CStringGetTextDatum(conv_drop_index_sql(table, index));
			values[7] = CStringGetTextDatum(since != 0 ?
											"no scan on this server since the statistics were reset; a replica counts its own scans, so check it there too before dropping" :
											"no scan on this server since its statistics began (they were never reset); a replica counts its own scans, so check it there too before dropping");
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

Datum
conventions_low_cardinality_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ConvNamedTable *tables;
	int			ntables;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	tables = conv_tables_in_scope(&ntables);
	for (int i = 0; i < ntables; i++)
	{
		ConvTable  *table = conv_table_load(tables[i].relid);
		ListCell   *lc;

		if (table == NULL)
			continue;
		foreach(lc, conv_find_low_cardinality_indexes(table))
		{
			ConvLowCardinality *low = lfirst(lc);
			Datum		values[9];
			bool		nulls[9] = {false};

			values[0] = ObjectIdGetDatum(low->index->indexrelid);
			values[1] = ObjectIdGetDatum(table->relid);
			values[2] = name_datum(low->column);
			values[3] = Float8GetDatum(low->ndistinct);
			if (low->dominant != NULL)
			{
				values[4] = CStringGetTextDatum(low->dominant);
				values[5] = Float8GetDatum(low->dominant_fraction);
				values[8] = CStringGetTextDatum(conv_partial_index_sql(table, low));
			}
			else
				nulls[4] = nulls[5] = nulls[8] = true;
			values[6] = Int64GetDatum(relation_size_estimate(low->index->indexrelid));
			values[7] = CStringGetTextDatum(conv_drop_index_sql(table, low->index));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
