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
#if PG_VERSION_NUM >= 150000
#include "utils/pgstat_internal.h"
#endif
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "common/hashfn.h"

PG_FUNCTION_INFO_V1(conventions_missing_fk_indexes);
PG_FUNCTION_INFO_V1(conventions_redundant_indexes);
PG_FUNCTION_INFO_V1(conventions_unused_indexes);
PG_FUNCTION_INFO_V1(conventions_low_cardinality_indexes);

/* ---- missing_fk_indexes() ---- */

struct ColumnSetName;

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
	char	  **colnames;		/* of key columns 1..63, when needs_names */
	struct ColumnSetName *column_sets;	/* index names suggested */
	bool		wants_activity; /* a referenced table, or a leaf of one */
	List	   *leaves;			/* of a partitioned referenced table */
	int64		updates;		/* its own counters */
	int64		deletes;
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
	char	   *nspname;
	const char *quoted;			/* as SQL writes it */
} NspEntry;

/* An index name that exists or was suggested, in its schema. */
typedef struct TakenKey
{
	Oid			nspid;
	const char *name;
} TakenKey;

typedef struct TakenSlot
{
	TakenKey	key;
	uint32		hash;
	char		status;
} TakenSlot;

static inline uint32
taken_hash(TakenKey key)
{
	return hash_combine(murmurhash32(key.nspid),
						hash_bytes((const unsigned char *) key.name, strlen(key.name)));
}

#define SH_PREFIX takenmap
#define SH_ELEMENT_TYPE TakenSlot
#define SH_KEY_TYPE TakenKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) taken_hash(k)
#define SH_EQUAL(tb, a, b) ((a).nspid == (b).nspid && strcmp((a).name, (b).name) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* The index name suggested for one set of key columns of a table. */
typedef struct ColumnSetName
{
	struct ColumnSetName *next; /* the table's other sets */
	char	   *name;
	int			ncols;
	AttrNumber	cols[FLEXIBLE_ARRAY_MEMBER];	/* sorted */
} ColumnSetName;

/*
 * Memory for the many small things that live until the report ends: carved
 * from 64 kB blocks, without a chunk header or power-of-two rounding each.
 */
typedef struct Arena
{
	MemoryContext cxt;			/* where its blocks are */
	char	   *next;
	Size		left;
} Arena;

static void *
arena_alloc0(Arena *arena, Size size)
{
	void	   *p;

	size = MAXALIGN(size);
	if (size > arena->left)
	{
		Size		block = Max(size, 64 * 1024);

		arena->next = MemoryContextAlloc(arena->cxt, block);
		arena->left = block;
	}
	p = arena->next;
	arena->next += size;
	arena->left -= size;
	return memset(p, 0, size);
}

static char *
arena_strdup(Arena *arena, const char *s)
{
	Size		len = strlen(s) + 1;

	return memcpy(arena_alloc0(arena, len), s, len);
}

/* bits of the column-name filter: 128 kB, small enough to stay in cache */
#define NAME_FILTER_BITS (1 << 20)

typedef struct ReportScan
{
	uint64	   *name_filter;	/* (table, column) pairs that need a name */
	MemoryContext report_cxt;	/* lives until the report ends */
	Arena		arena;
	relmap_hash *rels;
	HTAB	   *nsps;
	takenmap_hash *taken;		/* idx_ names that exist or were suggested */
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
find_rel(ReportScan *st, Oid relid)
{
	RelSlot    *slot = relmap_lookup(st->rels, relid);

	return slot ? slot->entry : NULL;
}

static RelEntry *
add_rel(ReportScan *st, Oid relid)
{
	bool		found;
	RelSlot    *slot = relmap_insert(st->rels, relid, &found);

	if (!found)
	{
		slot->entry = arena_alloc0(&st->arena, sizeof(RelEntry));
		slot->entry->relid = relid;
	}
	return slot->entry;
}

/* The lookup conv_fk_covered uses: indexes from the hash, never the catalog. */
static List *
hashed_indexes(Oid relid, void *arg)
{
	RelEntry   *e = find_rel((ReportScan *) arg, relid);

	return e ? e->indexes : NIL;
}

static NspEntry *
namespace_entry(ReportScan *st, Oid nspid)
{
	bool		found;
	NspEntry   *e = hash_search(st->nsps, &nspid, HASH_ENTER, &found);

	if (!found)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(st->report_cxt);
		char	   *nspname = get_namespace_name(nspid);

		e->nspname = nspname;
		e->quoted = nspname ? quote_identifier(nspname) : NULL;
		e->in_scope = nspname != NULL && !IsCatalogNamespace(nspid) &&
			!IsToastNamespace(nspid) && !isAnyTempNamespace(nspid) &&
			strcmp(nspname, "information_schema") != 0 &&
			conv_schema_in_scope(nspname);
		MemoryContextSwitchTo(oldcxt);
	}
	return e;
}

static bool
namespace_in_scope(ReportScan *st, Oid nspid)
{
	return namespace_entry(st, nspid)->in_scope;
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
	TakenKey	key = {nspid, name};

	return takenmap_lookup((takenmap_hash *) arg, key) != NULL;
}

/* name must live as long as the map */
static void
take_name(takenmap_hash *taken, Oid nspid, const char *name)
{
	TakenKey	key = {nspid, name};
	bool		found;

	takenmap_insert(taken, key, &found);
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

/* Room for a catalog's small array, aligned, on the stack. */
typedef union ArrayBuf
{
	ArrayType	hdr;
	double		align;
	char		data[512];
} ArrayBuf;

/*
 * A catalog array, without a palloc per tuple: a short (1-byte header)
 * array is copied to buf with a 4-byte header, as detoasting would.
 */
static ArrayType *
small_array(Datum d, ArrayBuf *buf)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (VARATT_IS_SHORT(v) && VARSIZE_SHORT(v) - VARHDRSZ_SHORT + VARHDRSZ <= sizeof(buf->data))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		SET_VARSIZE(buf->data, len + VARHDRSZ);
		memcpy(buf->data + VARHDRSZ, VARDATA_SHORT(v), len);
		return &buf->hdr;
	}
	return DatumGetArrayTypeP(d);
}

/* pg_constraint: every foreign key (clones too mark their table as needed). */
static List *
scan_foreign_keys(ReportScan *st)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;
	List	   *fks = NIL;
	Datum		values[Natts_pg_constraint];
	bool		nulls[Natts_pg_constraint];

	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		ConvForeignKey *fk;
		RelEntry   *table;
		ArrayType  *arr;
		ArrayBuf	buf;
		AttrNumber	conkey[INDEX_MAX_KEYS];
		int			nkeys;

		if (con->contype != CONSTRAINT_FOREIGN)
			continue;
		/* one pass over the tuple: both arrays follow variable-width columns */
		heap_deform_tuple(tup, RelationGetDescr(rel), values, nulls);
		if (nulls[Anum_pg_constraint_conkey - 1] || nulls[Anum_pg_constraint_conpfeqop - 1])
			continue;
		arr = small_array(values[Anum_pg_constraint_conkey - 1], &buf);
		nkeys = ARR_DIMS(arr)[0];
		if (ARR_NDIM(arr) != 1 || nkeys < 1 || nkeys > INDEX_MAX_KEYS)
			continue;
		memcpy(conkey, ARR_DATA_PTR(arr), nkeys * sizeof(int16));

		table = add_rel(st, con->conrelid);
		mark_fk_columns(table, conkey, nkeys);
		if (OidIsValid(con->conparentid))
			continue;			/* judged on the parent */
		add_rel(st, con->confrelid);	/* pg_class tells its kind */

		fk = conv_fk_init(arena_alloc0(&st->arena, conv_fk_size(nkeys)), nkeys);
		fk->conoid = con->oid;
		fk->conrelid = con->conrelid;
		fk->confrelid = con->confrelid;
		fk->conname = arena_strdup(&st->arena, NameStr(con->conname));
		memcpy(fk->conkey, conkey, nkeys * sizeof(AttrNumber));
		arr = small_array(values[Anum_pg_constraint_conpfeqop - 1], &buf);
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
		RelEntry   *table = find_rel(st, idx->indrelid);
		AttrNumber	first = idx->indkey.values[0];
		ConvIndex  *ci;

		if (table == NULL || first == 0)
			continue;
		if (!table->fkcols_high && (first >= 64 || !(table->fkcols & ((uint64) 1 << first))))
			continue;
		ci = conv_index_from_tuple(tup, RelationGetDescr(rel));
		table->indexes = lappend(table->indexes, ci);
		add_rel(st, idx->indexrelid);
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
			take_name(st->taken, cls->relnamespace, arena_strdup(&st->arena, NameStr(cls->relname)));
		e = find_rel(st, cls->oid);
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

/* The highest key column numbered below 64 of a table. */
static int
highest_fk_column(const RelEntry *rel)
{
	int			n = 0;

	for (int i = 1; i < 64; i++)
		if (rel->fkcols & ((uint64) 1 << i))
			n = i;
	return n;
}

static inline uint32
name_filter_bit(Oid relid, AttrNumber attnum)
{
	return hash_combine(murmurhash32(relid), (uint32) attnum) & (NAME_FILTER_BITS - 1);
}

static void
need_column_name(ReportScan *st, Oid relid, AttrNumber attnum)
{
	uint32		bit = name_filter_bit(relid, attnum);

	st->name_filter[bit / 64] |= (uint64) 1 << (bit % 64);
}

/*
 * pg_attribute: the names of the key columns of the tables with reported
 * keys, kept in their entries.  A bit filter on (table, column) skips most
 * rows without a probe of the relation map.  Columns numbered 64 and up
 * (rare) are looked up one by one.
 */
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
		uint32		bit;

		if (att->attnum <= 0 || att->attnum >= 64)
			continue;
		bit = name_filter_bit(att->attrelid, att->attnum);
		if (!(st->name_filter[bit / 64] & ((uint64) 1 << (bit % 64))))
			continue;
		e = find_rel(st, att->attrelid);
		if (e == NULL || e->colnames == NULL || !(e->fkcols & ((uint64) 1 << att->attnum)))
			continue;
		e->colnames[att->attnum] = arena_strdup(&st->arena, NameStr(att->attname));
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

static const char *
column_name(RelEntry *rel, AttrNumber attnum)
{
	if (attnum > 0 && attnum < 64 && rel->colnames && rel->colnames[attnum])
		return rel->colnames[attnum];
	return get_attname(rel->relid, attnum, false);
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

/* A referenced table needs its write activity, or its leaves' if partitioned. */
static void
want_activity(ReportScan *st, Oid relid)
{
	RelEntry   *ref = add_rel(st, relid);
	char		relkind;
	ListCell   *lc;

	if (ref->wants_activity)
		return;
	ref->wants_activity = true;
	relkind = ref->seen ? ref->relkind : get_rel_relkind(relid);
	if (relkind != RELKIND_PARTITIONED_TABLE)
		return;
	ref->leaves = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, ref->leaves)
		add_rel(st, lfirst_oid(lc))->wants_activity = true;
}

/*
 * The tables' update and delete counters.  From 15 on, one pass over the
 * shared statistics hash, as a statistics snapshot is built, instead of a
 * lookup per table; before, a lookup per table.
 */
static void
read_write_activity(ReportScan *st)
{
#if PG_VERSION_NUM >= 150000
	dshash_seq_status hstat;
	PgStatShared_HashEntry *p;

	dshash_seq_init(&hstat, pgStatLocal.shared_hash, false);
	while ((p = dshash_seq_next(&hstat)) != NULL)
	{
		RelEntry   *e;
		PgStatShared_Relation *shared;

		if (p->key.kind != PGSTAT_KIND_RELATION || p->key.dboid != MyDatabaseId || p->dropped)
			continue;
		e = find_rel(st, CONV_PGSTAT_KEY_OBJECT(p->key));
		if (e == NULL || !e->wants_activity)
			continue;
		shared = dsa_get_address(pgStatLocal.dsa, p->body);
		LWLockAcquire(&shared->header.lock, LW_SHARED);
		e->updates = shared->stats.tuples_updated;
		e->deletes = shared->stats.tuples_deleted;
		LWLockRelease(&shared->header.lock);
	}
	dshash_seq_term(&hstat);
#else
	relmap_iterator it;
	RelSlot    *slot;

	relmap_start_iterate(st->rels, &it);
	while ((slot = relmap_iterate(st->rels, &it)) != NULL)
	{
		PgStat_StatTabEntry *stat;

		if (!slot->entry->wants_activity)
			continue;
		stat = pgstat_fetch_stat_tabentry(slot->relid);
		if (stat != NULL)
		{
			slot->entry->updates = stat->tuples_updated;
			slot->entry->deletes = stat->tuples_deleted;
		}
	}
#endif
}

/* Updates and deletes on the referenced table (its leaves, if partitioned). */
static void
write_activity(ReportScan *st, Oid relid, MissingRow *row)
{
	RelEntry   *ref = find_rel(st, relid);
	ListCell   *lc;

	row->ref_updates = row->ref_deletes = 0;
	if (ref->leaves == NIL)
	{
		row->ref_updates = ref->updates;
		row->ref_deletes = ref->deletes;
		return;
	}
	foreach(lc, ref->leaves)
	{
		RelEntry   *leaf = find_rel(st, lfirst_oid(lc));

		row->ref_updates += leaf->updates;
		row->ref_deletes += leaf->deletes;
	}
}

/* "a, b" for the key's columns, quoted as needed. */
static void
append_key_columns(StringInfo buf, const ConvForeignKey *fk, const char *const *colnames)
{
	for (int k = 0; k < fk->nkeys; k++)
	{
		if (k > 0)
			appendStringInfoString(buf, ", ");
		appendStringInfoString(buf, quote_identifier(colnames[k]));
	}
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
	ColumnSetName *cs;
	MemoryContext oldcxt;

	memcpy(sorted, fk->conkey, fk->nkeys * sizeof(AttrNumber));
	for (int i = 1; i < fk->nkeys; i++)
		for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
		{
			AttrNumber	t = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (cs = rel->column_sets; cs != NULL; cs = cs->next)
		if (cs->ncols == fk->nkeys &&
			memcmp(cs->cols, sorted, fk->nkeys * sizeof(AttrNumber)) == 0)
			return cs->name;

	cs = arena_alloc0(&st->arena, offsetof(ColumnSetName, cols) + fk->nkeys * sizeof(AttrNumber));
	cs->ncols = fk->nkeys;
	memcpy(cs->cols, sorted, fk->nkeys * sizeof(AttrNumber));
	oldcxt = MemoryContextSwitchTo(st->report_cxt);
	cs->name = conv_choose_index_name(rel->nspid, NameStr(rel->relname), fk->nkeys, colnames,
									  InvalidOid, name_taken, st->taken);
	MemoryContextSwitchTo(oldcxt);
	take_name(st->taken, rel->nspid, cs->name);
	cs->next = rel->column_sets;
	rel->column_sets = cs;
	return cs->name;
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
		StringInfo fix_sql, char **note)
{
	char	   *nspname;
	char	   *sql_name;
	char	   *name = index_name_for(st, rel, fk, colnames);
	char	   *columns;
	StringInfoData buf;
	ListCell   *lc;

	if (rel->sql_name == NULL)
	{
		/* schema.table, quoted as needed, sized exactly: one per table */
		NspEntry   *nsp = namespace_entry(st, rel->nspid);
		const char *quoted = quote_identifier(NameStr(rel->relname));
		Size		nsplen = strlen(nsp->quoted);
		Size		rellen = strlen(quoted);

		rel->nspname = nsp->nspname;
		rel->sql_name = arena_alloc0(&st->arena, nsplen + rellen + 2);
		memcpy(rel->sql_name, nsp->quoted, nsplen);
		rel->sql_name[nsplen] = '.';
		memcpy(rel->sql_name + nsplen + 1, quoted, rellen);
	}
	nspname = rel->nspname;
	sql_name = rel->sql_name;

	/* appends, not printf: the report builds tens of thousands of these */
	*note = NULL;
	appendStringInfoString(fix_sql, "CREATE INDEX ");
	if (rel->relkind != RELKIND_PARTITIONED_TABLE &&
		!(rel->created_here && conv_created_in_current_xact(rel->relid)))
		appendStringInfoString(fix_sql, "CONCURRENTLY ");
	appendStringInfoString(fix_sql, "IF NOT EXISTS ");
	appendStringInfoString(fix_sql, quote_identifier(name));
	appendStringInfoString(fix_sql, " ON ");
	appendStringInfoString(fix_sql, sql_name);
	appendStringInfoString(fix_sql, " (");
	append_key_columns(fix_sql, fk, colnames);
	appendStringInfoString(fix_sql, ");");
	if (rel->relkind != RELKIND_PARTITIONED_TABLE)
		return;

	initStringInfo(&buf);
	append_key_columns(&buf, fk, colnames);
	columns = buf.data;
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

/* Most costly first; then by table and constraint name. */
static int
impact_cmp(const void *a, const void *b)
{
	const MissingRow *x = *(MissingRow *const *) a;
	const MissingRow *y = *(MissingRow *const *) b;

	if (x->impact != y->impact)
		return x->impact > y->impact ? -1 : 1;
	if (x->rel != y->rel)
	{
		int			c = strcmp(NameStr(x->rel->relname), NameStr(y->rel->relname));

		if (c != 0)
			return c;
	}
	return strcmp(x->fk->conname, y->fk->conname);
}

static Datum
name_datum_in(NameData *n, const char *s)
{
	namestrcpy(n, s);
	return NameGetDatum(n);
}

static Datum
name_datum(const char *s)
{
	return name_datum_in(palloc(NAMEDATALEN), s);
}

static uint32
relation_count_estimate(void)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(RelationRelationId));
	float4		n = 0;

	if (HeapTupleIsValid(tup))
	{
		n = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	return (uint32) Min(Max(n, 1024), 16 * 1024 * 1024);
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
	MissingRow **order;
	int			nrows = 0;
	MemoryContext row_cxt;
	StringInfoData fix_sql;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);

	memset(&st, 0, sizeof(st));
	st.report_cxt = CurrentMemoryContext;
	st.arena.cxt = CurrentMemoryContext;
	st.name_filter = palloc0(NAME_FILTER_BITS / 8);
	/* sized once: at most every relation, by pg_class's own estimate */
	st.rels = relmap_create(CurrentMemoryContext, relation_count_estimate(), NULL);
	st.nsps = make_hash("pg_conventions namespaces", sizeof(Oid), sizeof(NspEntry), 64, HASH_BLOBS);
	st.ext_members = extension_members();

	fks = scan_foreign_keys(&st);
	/* the names of idx_ relations, and one per key at most */
	st.taken = takenmap_create(CurrentMemoryContext, list_length(fks) + 1024, NULL);
	indexes = scan_indexes(&st);
	scan_relations(&st);

	/* what pg_index does not say about an index, pg_class did */
	foreach(lc, indexes)
	{
		ConvIndex  *ci = lfirst(lc);
		RelEntry   *e = find_rel(&st, ci->indexrelid);

		ci->relam = e->relam;
		ci->ispartition = e->ispartition;
		ci->name = NameStr(e->relname);
		ci->usable = ci->usable && e->seen;
	}

	rows = palloc0(Max(list_length(fks), 1) * sizeof(MissingRow));
	foreach(lc, fks)
	{
		ConvForeignKey *fk = lfirst(lc);
		RelEntry   *rel = find_rel(&st, fk->conrelid);
		MissingRow *row;

		if (rel == NULL || !rel_in_scope(&st, rel) ||
			conv_fk_covered(fk->conrelid, rel->relkind, fk, hashed_indexes, &st))
			continue;
		if (!rel->needs_names)
		{
			rel->needs_names = true;
			rel->colnames = arena_alloc0(&st.arena, (highest_fk_column(rel) + 1) * sizeof(char *));
		}
		row = &rows[nrows++];
		row->fk = fk;
		row->rel = rel;
		for (int k = 0; k < fk->nkeys; k++)
			need_column_name(&st, fk->conrelid, fk->conkey[k]);
		want_activity(&st, fk->confrelid);
	}
	if (nrows > 0)
	{
		read_write_activity(&st);
		scan_attribute_names(&st);
	}
	for (int i = 0; i < nrows; i++)
	{
		MissingRow *row = &rows[i];

		table_size(&st, row->rel, row);
		write_activity(&st, row->fk->confrelid, row);
		row->impact = ((double) row->ref_updates + row->ref_deletes + 1) *
			((double) row->size + BLCKSZ);
	}

	order = palloc(Max(nrows, 1) * sizeof(MissingRow *));
	for (int i = 0; i < nrows; i++)
		order[i] = &rows[i];
	qsort(order, nrows, sizeof(MissingRow *), impact_cmp);

	/* each row is built in memory freed once the tuplestore has copied it */
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_conventions report row",
									ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&fix_sql);
	for (int i = 0; i < nrows; i++)
	{
		MissingRow *row = order[i];
		ConvForeignKey *fk = row->fk;
		Datum		values[10];
		bool		nulls[10] = {false};
		Datum		cols[INDEX_MAX_KEYS];
		NameData	names[INDEX_MAX_KEYS + 1];
		const char *colnames[INDEX_MAX_KEYS];
		char	   *note;

		MemoryContextSwitchTo(row_cxt);
		for (int k = 0; k < fk->nkeys; k++)
		{
			colnames[k] = column_name(row->rel, fk->conkey[k]);
			cols[k] = name_datum_in(&names[k + 1], colnames[k]);
		}
		resetStringInfo(&fix_sql);
		fix_for(&st, row->rel, fk, colnames, &fix_sql, &note);

		values[0] = ObjectIdGetDatum(fk->conrelid);
		values[1] = name_datum_in(&names[0], fk->conname);
		values[2] = PointerGetDatum(construct_array(cols, fk->nkeys, NAMEOID,
													NAMEDATALEN, false, TYPALIGN_CHAR));
		values[3] = ObjectIdGetDatum(fk->confrelid);
		values[4] = Int64GetDatum(row->rows);
		nulls[4] = !row->rows_known;
		values[5] = Int64GetDatum(row->size);
		values[6] = Int64GetDatum(row->ref_updates);
		values[7] = Int64GetDatum(row->ref_deletes);
		values[8] = PointerGetDatum(cstring_to_text_with_len(fix_sql.data, fix_sql.len));
		if (note)
			values[9] = CStringGetTextDatum(note);
		else
			nulls[9] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(st.report_cxt);
		MemoryContextReset(row_cxt);
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
