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

#include "access/genam.h"
#include "access/heapam.h"
#include "access/xact.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "common/hashfn.h"

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
	bool		created_here;	/* its pg_class row is this transaction's */
	bool		scope_known;
	bool		in_scope;
	bool		needs_names;	/* has a reported key: read its column names */
	Oid			nspid;
	char		relkind;
	char		persistence;
	bool		ispartition;
	int32		relpages;
	float4		reltuples;
	Oid			relam;
	NameData	relname;
	char	   *nspname;		/* filled when first needed */
	char	   *sql_name;
	uint64		fkcols;			/* key columns numbered 1..63 */
	bool		fkcols_high;	/* and some numbered higher */
	List	   *indexes;		/* ConvIndex *, for tables */
} RelEntry;

/* The relation map: simplehash, as it is probed a few hundred thousand times. */
typedef struct RelSlot
{
	Oid			relid;
	char		status;
	RelEntry   *entry;
} RelSlot;

#define SH_PREFIX relmap
#define SH_ELEMENT_TYPE RelSlot
#define SH_KEY_TYPE Oid
#define SH_KEY relid
#define SH_HASH_KEY(tb, key) murmurhash32(key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct NspEntry
{
	Oid			nspid;			/* hash key */
	bool		in_scope;
} NspEntry;

typedef struct TakenName
{
	Oid			nspid;
	NameData	name;
} TakenName;

typedef struct AttName
{
	Oid			relid;
	AttrNumber	attnum;
	NameData	name;
} AttName;

typedef struct Activity
{
	Oid			relid;
	int64		updates;
	int64		deletes;
} Activity;

/* room for a table OID and 32 column numbers: never truncated */
#define COLUMN_SET_KEY_LEN (12 + INDEX_MAX_KEYS * 6)

typedef struct ColumnSetName
{
	char		key[COLUMN_SET_KEY_LEN];	/* table OID, sorted key columns */
	NameData	name;
} ColumnSetName;

typedef struct ReportScan
{
	relmap_hash *rels;
	HTAB	   *nsps;
	HTAB	   *taken;			/* idx_ names that exist or were suggested */
	HTAB	   *attnames;
	HTAB	   *activity;
	HTAB	   *column_sets;	/* one index name per set of key columns */
	HTAB	   *ext_members;	/* relations that belong to an extension */
} ReportScan;

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
} MissingRow;

static HTAB *
make_hash(const char *name, Size keysize, Size entrysize, long size, int flags)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, size, &ctl, HASH_ELEM | HASH_CONTEXT | flags);
}

static RelEntry *
rel_entry(relmap_hash *rels, Oid relid, bool create)
{
	RelSlot    *slot;
	bool		found;

	if (!create)
	{
		slot = relmap_lookup(rels, relid);
		return slot ? slot->entry : NULL;
	}
	slot = relmap_insert(rels, relid, &found);
	if (!found)
	{
		slot->entry = palloc0(sizeof(RelEntry));
		slot->entry->relid = relid;
	}
	return slot->entry;
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

/* The same test as conv_table_in_scope, from what the scans collected. */
static bool
rel_in_scope(ReportScan *st, RelEntry *rel)
{
	if (!rel->scope_known)
	{
		rel->in_scope = rel->seen &&
			(rel->relkind == RELKIND_RELATION || rel->relkind == RELKIND_PARTITIONED_TABLE) &&
			rel->persistence != RELPERSISTENCE_TEMP &&
			namespace_in_scope(st, rel->nspid) &&
			hash_search(st->ext_members, &rel->relid, HASH_FIND, NULL) == NULL;
		rel->scope_known = true;
	}
	return rel->in_scope;
}

static bool
name_taken(Oid nspid, const char *name, void *arg)
{
	TakenName	key;

	memset(&key, 0, sizeof(key));
	key.nspid = nspid;
	namestrcpy(&key.name, name);
	return hash_search((HTAB *) arg, &key, HASH_FIND, NULL) != NULL;
}

static void
take_name(HTAB *taken, Oid nspid, const char *name)
{
	TakenName	key;

	memset(&key, 0, sizeof(key));
	key.nspid = nspid;
	namestrcpy(&key.name, name);
	hash_search(taken, &key, HASH_ENTER, NULL);
}

/*
 * Relations that belong to an extension: one probe of pg_depend per
 * extension, instead of one per table.
 */
static HTAB *
extension_members(void)
{
	HTAB	   *members = make_hash("pg_conventions extension members", sizeof(Oid),
									sizeof(Oid), 256, HASH_BLOBS);
	Relation	extrel = table_open(ExtensionRelationId, AccessShareLock);
	Relation	deprel = table_open(DependRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(extrel, 0, NULL);
	HeapTuple	tup;

	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Oid			extoid = ((Form_pg_extension) GETSTRUCT(tup))->oid;
		ScanKeyData keys[2];
		SysScanDesc dscan;
		HeapTuple	dtup;

		ScanKeyInit(&keys[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(ExtensionRelationId));
		ScanKeyInit(&keys[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(extoid));
		dscan = systable_beginscan(deprel, DependReferenceIndexId, true, NULL, 2, keys);
		while (HeapTupleIsValid(dtup = systable_getnext(dscan)))
		{
			Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(dtup);

			if (dep->classid == RelationRelationId && dep->deptype == DEPENDENCY_EXTENSION)
				hash_search(members, &dep->objid, HASH_ENTER, NULL);
		}
		systable_endscan(dscan);
	}
	table_endscan(scan);
	table_close(deprel, AccessShareLock);
	table_close(extrel, AccessShareLock);
	return members;
}

static void
mark_fk_columns(RelEntry *rel, const AttrNumber *cols, int n)
{
	for (int k = 0; k < n; k++)
	{
		if (cols[k] > 0 && cols[k] < 64)
			rel->fkcols |= (uint64) 1 << cols[k];
		else
			rel->fkcols_high = true;
	}
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
		RelEntry   *table;
		ArrayType  *arr;
		bool		isnull;
		Datum		d;
		AttrNumber	conkey[INDEX_MAX_KEYS];
		int			nkeys;

		if (con->contype != CONSTRAINT_FOREIGN)
			continue;
		d = heap_getattr(tup, Anum_pg_constraint_conkey, RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		arr = DatumGetArrayTypeP(d);
		nkeys = ARR_DIMS(arr)[0];
		if (ARR_NDIM(arr) != 1 || nkeys < 1 || nkeys > INDEX_MAX_KEYS)
			continue;
		memcpy(conkey, ARR_DATA_PTR(arr), nkeys * sizeof(int16));

		table = rel_entry(st->rels, con->conrelid, true);
		mark_fk_columns(table, conkey, nkeys);
		if (OidIsValid(con->conparentid))
			continue;			/* judged on the parent */

		fk = conv_fk_alloc(nkeys);
		fk->conoid = con->oid;
		fk->conrelid = con->conrelid;
		fk->confrelid = con->confrelid;
		fk->conname = pstrdup(NameStr(con->conname));
		memcpy(fk->conkey, conkey, nkeys * sizeof(AttrNumber));
		d = heap_getattr(tup, Anum_pg_constraint_conpfeqop, RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		arr = DatumGetArrayTypeP(d);
		if (ARR_NDIM(arr) != 1 || ARR_DIMS(arr)[0] != nkeys)
			continue;
		memcpy(fk->pfeqop, ARR_DATA_PTR(arr), nkeys * sizeof(Oid));
		fks = lappend(fks, fk);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return fks;
}

/*
 * pg_index: the indexes that could cover a key: those of a table with keys
 * whose first column is one of the keys' columns (a covering index starts
 * with one; most others never need decoding).
 */
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
		AttrNumber	first = idx->indkey.values[0];
		ConvIndex  *ci;

		if (table == NULL || first == 0)
			continue;
		if (!table->fkcols_high && (first >= 64 || !(table->fkcols & ((uint64) 1 << first))))
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

/*
 * pg_class: what the report needs to know about those tables and indexes,
 * and every name starting with idx_ (the only names a suggestion can take).
 */
static void
scan_relations(ReportScan *st)
{
	Relation	rel = table_open(RelationRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;

	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);
		RelEntry   *e;

		if (strncmp(NameStr(cls->relname), "idx_", 4) == 0)
			take_name(st->taken, cls->relnamespace, NameStr(cls->relname));
		e = rel_entry(st->rels, cls->oid, false);
		if (e == NULL)
			continue;
		e->seen = true;
		e->created_here = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
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

/* pg_attribute: the column names of the tables with reported keys. */
static void
scan_attribute_names(ReportScan *st)
{
	Relation	rel = table_open(AttributeRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;

	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tup);
		RelEntry   *e;
		AttName		key;
		AttName    *an;

		if (att->attnum <= 0 || att->attisdropped)
			continue;
		e = rel_entry(st->rels, att->attrelid, false);
		if (e == NULL || !e->needs_names ||
			(!e->fkcols_high && (att->attnum >= 64 || !(e->fkcols & ((uint64) 1 << att->attnum)))))
			continue;
		memset(&key, 0, sizeof(key));
		key.relid = att->attrelid;
		key.attnum = att->attnum;
		an = hash_search(st->attnames, &key, HASH_ENTER, NULL);
		an->name = att->attname;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

static const char *
column_name(ReportScan *st, Oid relid, AttrNumber attnum)
{
	AttName		key;
	AttName    *an;

	memset(&key, 0, sizeof(key));
	key.relid = relid;
	key.attnum = attnum;
	an = hash_search(st->attnames, &key, HASH_FIND, NULL);
	return an ? NameStr(an->name) : get_attname(relid, attnum, false);
}

/* Rows and pages of a table, a partitioned one's summed over its leaves. */
static void
table_size(ReportScan *st, RelEntry *rel, MissingRow *row)
{
	List	   *members;
	ListCell   *lc;
	double		rows = 0;
	double		pages = 0;
	bool		known = true;

	if (rel->relkind != RELKIND_PARTITIONED_TABLE)
	{
		row->rows = (int64) Max(rel->reltuples, 0);
		row->rows_known = rel->reltuples >= 0;
		row->size = (int64) rel->relpages * BLCKSZ;
		return;
	}
	members = find_all_inheritors(rel->relid, NoLock, NULL);
	foreach(lc, members)
	{
		HeapTuple	ctup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));

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
write_activity(ReportScan *st, Oid relid, MissingRow *row)
{
	bool		found;
	Activity   *a = hash_search(st->activity, &relid, HASH_ENTER, &found);

	if (!found)
	{
		RelEntry   *known = rel_entry(st->rels, relid, false);
		char		relkind = known && known->seen ? known->relkind : get_rel_relkind(relid);
		List	   *members = relkind == RELKIND_PARTITIONED_TABLE ?
			find_all_inheritors(relid, NoLock, NULL) : list_make1_oid(relid);
		ListCell   *lc;

		a->updates = a->deletes = 0;
		foreach(lc, members)
		{
			PgStat_StatTabEntry *stat = pgstat_fetch_stat_tabentry(lfirst_oid(lc));

			if (stat != NULL)
			{
				a->updates += stat->tuples_updated;
				a->deletes += stat->tuples_deleted;
			}
		}
	}
	row->ref_updates = a->updates;
	row->ref_deletes = a->deletes;
}

/* "a, b" for the key's columns, quoted as needed. */
static char *
key_column_list(const ConvForeignKey *fk, const char *const *colnames)
{
	char		buf[INDEX_MAX_KEYS * (NAMEDATALEN * 2 + 4)];
	int			len = 0;

	for (int k = 0; k < fk->nkeys && len < (int) sizeof(buf); k++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", k > 0 ? ", " : "",
						quote_identifier(colnames[k]));
	return pstrdup(buf);
}

/*
 * The name of the index for a key: one per set of key columns per table, so
 * keys on the same columns share one index, and never a name that exists or
 * that this report suggested for another index.
 */
static char *
index_name_for(ReportScan *st, RelEntry *rel, const ConvForeignKey *fk,
			   const char *const *colnames)
{
	AttrNumber	sorted[INDEX_MAX_KEYS];
	char		key[COLUMN_SET_KEY_LEN];
	int			len;
	ColumnSetName *cs;
	bool		found;
	char	   *name;

	memcpy(sorted, fk->conkey, fk->nkeys * sizeof(AttrNumber));
	for (int i = 1; i < fk->nkeys; i++)
		for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
		{
			AttrNumber	t = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	memset(key, 0, sizeof(key));
	len = snprintf(key, sizeof(key), "%u", rel->relid);
	for (int i = 0; i < fk->nkeys; i++)
		len += snprintf(key + len, sizeof(key) - len, ",%d", sorted[i]);
	cs = hash_search(st->column_sets, key, HASH_ENTER, &found);
	if (found)
		return pstrdup(NameStr(cs->name));

	name = conv_choose_index_name(rel->nspid, NameStr(rel->relname), fk->nkeys, colnames,
								  InvalidOid, name_taken, st->taken);
	take_name(st->taken, rel->nspid, name);
	namestrcpy(&cs->name, name);
	return name;
}

/*
 * The fix.  IF NOT EXISTS, so every row can be run even when two share an
 * index.  A partitioned table cannot be indexed CONCURRENTLY: the fix builds
 * on the parent (blocking writes to each partition while it builds), and
 * the note gives the statements that build each partition's index
 * concurrently and attach it, to be run one at a time.
 */
static void
fix_for(ReportScan *st, RelEntry *rel, ConvForeignKey *fk, const char *const *colnames,
		char **fix_sql, char **note)
{
	char	   *nspname;
	char	   *sql_name;
	char	   *name = index_name_for(st, rel, fk, colnames);
	char	   *columns = key_column_list(fk, colnames);
	StringInfoData buf;
	ListCell   *lc;

	if (rel->sql_name == NULL)
	{
		rel->nspname = get_namespace_name(rel->nspid);
		rel->sql_name = conv_qualified_sql_name(rel->nspname, NameStr(rel->relname));
	}
	nspname = rel->nspname;
	sql_name = rel->sql_name;

	*note = NULL;
	if (rel->relkind != RELKIND_PARTITIONED_TABLE)
	{
		*fix_sql = psprintf("CREATE INDEX %sIF NOT EXISTS %s ON %s (%s);",
							rel->created_here && conv_created_in_current_xact(rel->relid) ?
							"" : "CONCURRENTLY ",
							quote_identifier(name), sql_name, columns);
		return;
	}

	*fix_sql = psprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s);",
						quote_identifier(name), sql_name, columns);
	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table, and "
					 "fix_sql blocks writes to each partition while it builds. Without that, run "
					 "one at a time: CREATE INDEX IF NOT EXISTS %s ON ONLY %s (%s);",
					 quote_identifier(name), sql_name, columns);
	foreach(lc, find_inheritance_children(rel->relid, NoLock))
	{
		Oid			leaf = lfirst_oid(lc);
		Oid			leafnspid = get_rel_namespace(leaf);
		ConvForeignKey mapped;
		char	   *leafname = get_rel_name(leaf);
		char	   *leafsql = conv_qualified_sql_name(get_namespace_name(leafnspid), leafname);
		char	   *leafindex;

		if (!conv_fk_for_partition(fk, rel->relid, leaf, &mapped))
			continue;
		leafindex = conv_fk_index_name(leafnspid, leafname, leaf, &mapped, InvalidOid,
									   NULL, NULL);
		appendStringInfo(&buf, " %s ALTER INDEX %s ATTACH PARTITION %s;",
						 conv_fk_index_sql(leaf, leafsql, leafindex, &mapped,
										   get_rel_relkind(leaf) != RELKIND_PARTITIONED_TABLE,
										   true),
						 conv_qualified_sql_name(nspname, name),
						 conv_qualified_sql_name(get_namespace_name(leafnspid), leafindex));
	}
	*note = buf.data;
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
	List	   *fks;
	List	   *indexes;
	ListCell   *lc;
	MissingRow *rows;
	int			nrows = 0;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);

	st.rels = relmap_create(CurrentMemoryContext, 8192, NULL);
	st.nsps = make_hash("pg_conventions namespaces", sizeof(Oid), sizeof(NspEntry), 64, HASH_BLOBS);
	st.taken = make_hash("pg_conventions index names", sizeof(TakenName), sizeof(TakenName), 256, HASH_BLOBS);
	st.attnames = make_hash("pg_conventions column names", offsetof(AttName, name), sizeof(AttName), 4096, HASH_BLOBS);
	st.activity = make_hash("pg_conventions write activity", sizeof(Oid), sizeof(Activity), 1024, HASH_BLOBS);
	st.column_sets = make_hash("pg_conventions key column sets", COLUMN_SET_KEY_LEN, sizeof(ColumnSetName), 1024, HASH_STRINGS);
	st.ext_members = extension_members();

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

		if (rel == NULL || !rel_in_scope(&st, rel) ||
			conv_fk_covered(fk->conrelid, rel->relkind, fk, hashed_indexes, &st))
			continue;
		rel->needs_names = true;
		row = &rows[nrows++];
		row->fk = fk;
		row->rel = rel;
		table_size(&st, rel, row);
		write_activity(&st, fk->confrelid, row);
		row->impact = ((double) row->ref_updates + row->ref_deletes + 1) *
			((double) row->size + BLCKSZ);
	}
	if (nrows > 0)
		scan_attribute_names(&st);

	qsort(rows, nrows, sizeof(MissingRow), impact_cmp);
	for (int i = 0; i < nrows; i++)
	{
		MissingRow *row = &rows[i];
		ConvForeignKey *fk = row->fk;
		Datum		values[10];
		bool		nulls[10] = {false};
		Datum		cols[INDEX_MAX_KEYS];
		const char *colnames[INDEX_MAX_KEYS];
		char	   *fix_sql;
		char	   *note;

		for (int k = 0; k < fk->nkeys; k++)
		{
			colnames[k] = column_name(&st, fk->conrelid, fk->conkey[k]);
			cols[k] = name_datum(colnames[k]);
		}
		fix_for(&st, row->rel, fk, colnames, &fix_sql, &note);

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
		values[8] = CStringGetTextDatum(fix_sql);
		if (note)
			values[9] = CStringGetTextDatum(note);
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

/* Run a report over every table in scope, one table at a time. */
typedef void (*TableReport) (ConvTable *table, ReturnSetInfo *rsinfo);

static void
report_each_table(FunctionCallInfo fcinfo, TableReport report)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ConvNamedTable *tables;
	int			ntables;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	tables = conv_tables_in_scope(&ntables);
	for (int i = 0; i < ntables; i++)
	{
		ConvTable  *table = conv_table_load(tables[i].relid);

		if (table != NULL)
			report(table, rsinfo);
	}
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

static void
redundant_rows(ConvTable *table, ReturnSetInfo *rsinfo)
{
	ListCell   *lc;

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

Datum
conventions_redundant_indexes(PG_FUNCTION_ARGS)
{
	report_each_table(fcinfo, redundant_rows);
	return (Datum) 0;
}

static void
unused_rows(ConvTable *table, ReturnSetInfo *rsinfo)
{
	PgStat_StatDBEntry *db = pgstat_fetch_stat_dbentry(MyDatabaseId);
	TimestampTz since = db ? db->stat_reset_timestamp : 0;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	ListCell   *lc;

	if (table->relkind != RELKIND_RELATION)
		return;					/* a partitioned table's scans count on its leaves */
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

Datum
conventions_unused_indexes(PG_FUNCTION_ARGS)
{
	report_each_table(fcinfo, unused_rows);
	return (Datum) 0;
}

static void
low_cardinality_rows(ConvTable *table, ReturnSetInfo *rsinfo)
{
	ListCell   *lc;

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

Datum
conventions_low_cardinality_indexes(PG_FUNCTION_ARGS)
{
	report_each_table(fcinfo, low_cardinality_rows);
	return (Datum) 0;
}
