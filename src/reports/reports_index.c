/*-------------------------------------------------------------------------
 *
 * reports_index.c
 *		Index-health reports: missing_fk_indexes(), redundant_indexes(),
 *		unused_indexes(), low_cardinality_indexes().
 *
 * missing_fk_indexes() must answer in milliseconds on catalogs of tens of
 * thousands of tables, so it does not load tables one by one: one heap scan
 * each of pg_constraint, pg_class, pg_index and (for the reported keys'
 * column names) pg_attribute.  The guard's own coverage test judges each
 * index as the pg_index scan meets it (conv_index_covers_fk), or, across a
 * partition tree, from the indexes kept for it (conv_fk_covered).
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

/*
 * Every byte this report allocates is a byte the kernel must hand it, and
 * on a catalog of tens of thousands of tables that is most of its cost: the
 * structures below are kept small, the indexes of ordinary tables are
 * judged as the scan meets them instead of being kept, and what only a
 * reported key needs (column names, quoted names) is read only for those.
 */

struct ReportKey;
struct ColumnSetName;

/* What only a table with a reported key needs. */
typedef struct ReportedTable
{
	char	   *nspname;
	char	   *sql_name;		/* schema.table, quoted as needed */
	char	  **colnames;		/* of key columns 1..63 */
	struct ColumnSetName *column_sets;	/* index names suggested */
} ReportedTable;

/* A table the report reads about: one with keys, or one keys reference. */
typedef struct RelEntry
{
	Oid			relid;
	Oid			nspid;
	char		relkind;
	char		persistence;
	bool		seen;			/* found in pg_class */
	bool		created_here;	/* its pg_class row is this transaction's */
	bool		ispartition;
	bool		keeps_indexes;	/* partitioned or a partition: its indexes are
								 * kept for conv_fk_covered; an ordinary
								 * table's are judged as the scan meets them */
	bool		scope_known;
	bool		in_scope;
	bool		fkcols_high;	/* has key columns numbered 64 and up */
	bool		activity_read;
	int32		relpages;
	float4		reltuples;
	uint64		fkcols;			/* key columns numbered 1..63, clones' too */
	const char *relname;		/* for tables with keys */
	struct ReportKey *keys;		/* its own keys, not its clones of a parent's */
	List	   *indexes;		/* ConvIndex *, when keeps_indexes */
	ReportedTable *out;			/* when it has a reported key */
	int64		updates;		/* write activity, once activity_read */
	int64		deletes;
} RelEntry;

/*
 * A foreign key (not a partition's clone): 36 bytes, then its operators,
 * its columns and its name.
 */
typedef struct ReportKey
{
	struct ReportKey *next;		/* the table's next key */
	struct ReportKey *next_all;	/* the next in pg_constraint order */
	RelEntry   *table;
	RelEntry   *ref;			/* the referenced table */
	int16		nkeys;
	bool		covered;		/* by an ordinary table's index */
	bool		reported;		/* in scope and not covered */
	Oid			pfeqop[FLEXIBLE_ARRAY_MEMBER];	/* then conkey[nkeys], conname */
} ReportKey;

#define KEY_CONKEY(key) ((AttrNumber *) &(key)->pfeqop[(key)->nkeys])
#define KEY_CONNAME(key) ((char *) (KEY_CONKEY(key) + (key)->nkeys))

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

/* An existing idx_ name, kept until the map of taken names is sized. */
typedef struct ExistingName
{
	struct ExistingName *next;
	TakenKey	key;
} ExistingName;

/* The index name suggested for one set of key columns of a table. */
typedef struct ColumnSetName
{
	struct ColumnSetName *next; /* the table's other sets */
	int16		ncols;
	AttrNumber	cols[FLEXIBLE_ARRAY_MEMBER];	/* sorted, then the name */
} ColumnSetName;

#define COLUMN_SET_NAME(cs) ((char *) &(cs)->cols[(cs)->ncols])

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
	ExistingName *existing;		/* idx_ names in pg_class */
	int			nexisting;
	takenmap_hash *taken;		/* idx_ names that exist or were suggested */
	HTAB	   *ext_members;	/* relations that belong to an extension */
	ReportKey  *first_key;		/* every key, in pg_constraint order */
	ReportKey **last_key;
	int			nkeys;
} ReportScan;

/*
 * A reported key, how much its missing index costs, and the first bytes of
 * its table's and constraint's names, so that sorting seldom reads a name.
 */
typedef struct MissingRow
{
	ReportKey  *key;
	double		impact;
	uint64		table_prefix;
	uint64		con_prefix;
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
	RelSlot    *slot;

	Assert(st->rels != NULL);	/* freed once the scans are done */
	slot = relmap_lookup(st->rels, relid);

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

/* The lookup conv_fk_covered uses: the kept indexes, never the catalog. */
static List *
kept_indexes(Oid relid, void *arg)
{
	RelEntry   *e = find_rel((ReportScan *) arg, relid);

	return e ? e->indexes : NIL;
}

/* A key as the shared coverage test takes it, in mem of conv_fk_size(). */
static ConvForeignKey *
key_as_fk(const ReportKey *key, void *mem)
{
	ConvForeignKey *fk = conv_fk_init(memset(mem, 0, conv_fk_size(key->nkeys)), key->nkeys);

	fk->conrelid = key->table->relid;
	fk->confrelid = key->ref->relid;
	fk->conname = KEY_CONNAME(key);
	memcpy(fk->conkey, KEY_CONKEY(key), key->nkeys * sizeof(AttrNumber));
	memcpy(fk->pfeqop, key->pfeqop, key->nkeys * sizeof(Oid));
	return fk;
}

/* Room on the stack for key_as_fk() of a key of any width. */
typedef union FkBuf
{
	ConvForeignKey fk;
	char		data[MAXALIGN(sizeof(ConvForeignKey)) +
					 INDEX_MAX_KEYS * (2 * sizeof(AttrNumber) + 3 * sizeof(Oid) + sizeof(int32))];
} FkBuf;

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

/* The same test as conv_table_in_scope, from what the scans collected. */
static bool
rel_in_scope(ReportScan *st, RelEntry *rel)
{
	if (!rel->scope_known)
	{
		Assert(st->ext_members != NULL);	/* freed once the scans are done */
		rel->in_scope = rel->seen &&
			(rel->relkind == RELKIND_RELATION || rel->relkind == RELKIND_PARTITIONED_TABLE) &&
			rel->persistence != RELPERSISTENCE_TEMP &&
			namespace_entry(st, rel->nspid)->in_scope &&
			hash_search(st->ext_members, &rel->relid, HASH_FIND, NULL) == NULL &&
			!conv_citus_not_judged_here(rel->relid);
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

/* A one-dimensional catalog array of n elements of size width, or NULL. */
static const void *
catalog_array(HeapTuple tup, int attnum, TupleDesc desc, ArrayBuf *buf, int *n, int width)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attnum, desc, &isnull);
	ArrayType  *arr;

	if (isnull)
		return NULL;
	arr = small_array(d, buf);
	if (ARR_NDIM(arr) != 1 || ARR_HASNULL(arr) || ARR_DIMS(arr)[0] < 1 ||
		ARR_DIMS(arr)[0] > INDEX_MAX_KEYS || (Size) ARR_DIMS(arr)[0] * width > sizeof(buf->data))
		return NULL;
	*n = ARR_DIMS(arr)[0];
	return ARR_DATA_PTR(arr);
}

/*
 * pg_constraint: every foreign key; a partition's clone of its parent's key
 * only marks its columns (the leaf's indexes are what covers the parent's).
 */
static void
scan_foreign_keys(ReportScan *st)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;

	st->last_key = &st->first_key;
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		RelEntry   *table;
		ReportKey  *key;
		ArrayBuf	kbuf;
		ArrayBuf	obuf;
		const AttrNumber *conkey;
		const Oid  *pfeqop;
		int			nkeys;
		int			nops;
		Size		namelen;

		if (con->contype != CONSTRAINT_FOREIGN)
			continue;
		conkey = catalog_array(tup, Anum_pg_constraint_conkey, desc, &kbuf, &nkeys,
							   sizeof(AttrNumber));
		if (conkey == NULL)
			continue;
		table = add_rel(st, con->conrelid);
		mark_fk_columns(table, conkey, nkeys);
		if (OidIsValid(con->conparentid))
			continue;			/* judged on the parent */
		pfeqop = catalog_array(tup, Anum_pg_constraint_conpfeqop, desc, &obuf, &nops,
							   sizeof(Oid));
		if (pfeqop == NULL || nops != nkeys)
			continue;

		namelen = strlen(NameStr(con->conname)) + 1;
		key = arena_alloc0(&st->arena, offsetof(ReportKey, pfeqop) +
						   nkeys * (sizeof(Oid) + sizeof(AttrNumber)) + namelen);
		key->nkeys = nkeys;
		key->table = table;
		key->ref = add_rel(st, con->confrelid);
		memcpy(key->pfeqop, pfeqop, nkeys * sizeof(Oid));
		memcpy(KEY_CONKEY(key), conkey, nkeys * sizeof(AttrNumber));
		memcpy(KEY_CONNAME(key), NameStr(con->conname), namelen);
		key->next = table->keys;
		table->keys = key;
		*st->last_key = key;
		st->last_key = &key->next_all;
		st->nkeys++;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * pg_class: what the report needs to know about the tables it met, and
 * every name starting with idx_ (the only names a suggestion can take).
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
		{
			ExistingName *name = arena_alloc0(&st->arena, sizeof(ExistingName));

			name->key.nspid = cls->relnamespace;
			name->key.name = arena_strdup(&st->arena, NameStr(cls->relname));
			name->next = st->existing;
			st->existing = name;
			st->nexisting++;
		}
		e = find_rel(st, cls->oid);
		if (e == NULL)
			continue;
		e->seen = true;
		e->created_here = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
		e->nspid = cls->relnamespace;
		e->relkind = cls->relkind;
		e->persistence = cls->relpersistence;
		e->ispartition = cls->relispartition;
		e->keeps_indexes = cls->relkind == RELKIND_PARTITIONED_TABLE || cls->relispartition;
		{
			double		pages = cls->relpages;
			double		tuples = cls->reltuples;

			conv_class_figures(cls->oid, &pages, &tuples);	/* production's, on a twin */
			e->relpages = (int32) pages;
			e->reltuples = (float4) tuples;
		}
		if (e->keys != NULL)
			e->relname = arena_strdup(&st->arena, NameStr(cls->relname));
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * pg_index: the indexes that could cover a key, those of a table in scope
 * with keys whose first column is a key column (most others never need
 * decoding).  A partitioned table's and a partition's are kept for
 * conv_fk_covered, which looks across the partition tree; an ordinary
 * table's are judged against its keys here, one at a time, in memory that
 * the next index reuses.
 */
static void
scan_indexes(ReportScan *st)
{
	Relation	rel = table_open(IndexRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;
	MemoryContext index_cxt = AllocSetContextCreate(CurrentMemoryContext,
													"pg_conventions index",
													ALLOCSET_SMALL_SIZES);

	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		RelEntry   *table = find_rel(st, idx->indrelid);
		AttrNumber	first = idx->indkey.values[0];
		MemoryContext oldcxt;
		ConvIndex  *ci;

		if (table == NULL || first == 0)
			continue;
		if (!table->fkcols_high && (first >= 64 || !(table->fkcols & ((uint64) 1 << first))))
			continue;
		if (table->keeps_indexes)
		{
			table->indexes = lappend(table->indexes,
									 conv_index_from_tuple(tup, RelationGetDescr(rel)));
			continue;
		}
		if (table->keys == NULL || !rel_in_scope(st, table))
			continue;
		oldcxt = MemoryContextSwitchTo(index_cxt);
		ci = conv_index_from_tuple(tup, RelationGetDescr(rel));
		for (ReportKey *key = table->keys; key != NULL; key = key->next)
		{
			FkBuf		buf;

			if (!key->covered)
				key->covered = conv_index_covers_fk(ci, key_as_fk(key, &buf));
		}
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(index_cxt);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	MemoryContextDelete(index_cxt);
}

/* Is the key covered, by the one test the guard uses too? */
static bool
key_covered(ReportScan *st, ReportKey *key)
{
	FkBuf		buf;

	if (!key->table->keeps_indexes)
		return key->covered;
	return conv_fk_covered(key->table->relid, key->table->relkind, key_as_fk(key, &buf),
						   kept_indexes, st);
}

static inline uint32
name_filter_bit(Oid relid, AttrNumber attnum)
{
	return hash_combine(murmurhash32(relid), (uint32) attnum) & (NAME_FILTER_BITS - 1);
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

/* A key is reported: its table and columns need names. */
static void
need_names(ReportScan *st, ReportKey *key)
{
	RelEntry   *rel = key->table;
	const AttrNumber *conkey = KEY_CONKEY(key);

	if (rel->out == NULL)
	{
		rel->out = arena_alloc0(&st->arena, sizeof(ReportedTable));
		rel->out->colnames = arena_alloc0(&st->arena,
										  (highest_fk_column(rel) + 1) * sizeof(char *));
	}
	for (int k = 0; k < key->nkeys; k++)
	{
		uint32		bit = name_filter_bit(rel->relid, conkey[k]);

		st->name_filter[bit / 64] |= (uint64) 1 << (bit % 64);
	}
}

/*
 * pg_attribute: the names of the key columns of the tables with reported
 * keys.  A bit filter on (table, column) skips most rows without a probe
 * of the relation map.  Columns numbered 64 and up (rare) are looked up one
 * by one.
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
		if (e == NULL || e->out == NULL || !(e->fkcols & ((uint64) 1 << att->attnum)))
			continue;
		e->out->colnames[att->attnum] = arena_strdup(&st->arena, NameStr(att->attname));
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

static const char *
column_name(RelEntry *rel, AttrNumber attnum)
{
	if (attnum > 0 && attnum < 64 && rel->out->colnames[attnum])
		return rel->out->colnames[attnum];
	return get_attname(rel->relid, attnum, false);
}

/* Rows and pages of a table, a partitioned one's summed over its leaves. */
static void
table_size(RelEntry *rel, int64 *nrows, bool *rows_known, int64 *size)
{
	List	   *members;
	ListCell   *lc;
	double		rows = 0;
	double		pages = 0;
	bool		known = true;

	if (rel->relkind != RELKIND_PARTITIONED_TABLE)
	{
		*nrows = (int64) Max(rel->reltuples, 0);
		*rows_known = rel->reltuples >= 0;
		*size = (int64) rel->relpages * BLCKSZ;
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
				double		p = cls->relpages;
				double		t = cls->reltuples;

				conv_class_figures(cls->oid, &p, &t);
				pages += p;
				if (t < 0)
					known = false;
				else
					rows += t;
			}
			ReleaseSysCache(ctup);
		}
	}
	*nrows = (int64) rows;
	*rows_known = known;
	*size = (int64) pages * BLCKSZ;
}

/*
 * Updates and deletes on a referenced table (summed over its leaves, if
 * partitioned), read once per table.
 */
static void
write_activity(RelEntry *ref, int64 *updates, int64 *deletes)
{
	if (!ref->activity_read)
	{
		char		relkind = ref->seen ? ref->relkind : get_rel_relkind(ref->relid);

		ref->updates = ref->deletes = 0;
		if (relkind == RELKIND_PARTITIONED_TABLE)
		{
			ListCell   *lc;

			foreach(lc, find_all_inheritors(ref->relid, NoLock, NULL))
				conv_read_table_counters(lfirst_oid(lc), &ref->updates, &ref->deletes);
		}
		else
			conv_read_table_counters(ref->relid, &ref->updates, &ref->deletes);
		ref->activity_read = true;
	}
	*updates = ref->updates;
	*deletes = ref->deletes;
}

/* "a, b" for the key's columns, quoted as needed. */
static void
append_key_columns(StringInfo buf, int nkeys, const char *const *colnames)
{
	for (int k = 0; k < nkeys; k++)
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
index_name_for(ReportScan *st, RelEntry *rel, const ReportKey *key,
			   const char *const *colnames)
{
	AttrNumber	sorted[INDEX_MAX_KEYS];
	ColumnSetName *cs;
	char	   *name;
	Size		namelen;
	int			n = key->nkeys;

	memcpy(sorted, KEY_CONKEY(key), n * sizeof(AttrNumber));
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
		{
			AttrNumber	t = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (cs = rel->out->column_sets; cs != NULL; cs = cs->next)
		if (cs->ncols == n && memcmp(cs->cols, sorted, n * sizeof(AttrNumber)) == 0)
			return COLUMN_SET_NAME(cs);

	/* chosen in the row's memory, kept with its column set */
	name = conv_choose_index_name(rel->nspid, rel->relname, n, colnames,
								  InvalidOid, name_taken, st->taken);
	namelen = strlen(name) + 1;
	cs = arena_alloc0(&st->arena, offsetof(ColumnSetName, cols) + n * sizeof(AttrNumber) +
					  namelen);
	cs->ncols = n;
	memcpy(cs->cols, sorted, n * sizeof(AttrNumber));
	memcpy(COLUMN_SET_NAME(cs), name, namelen);
	take_name(st->taken, rel->nspid, COLUMN_SET_NAME(cs));
	cs->next = rel->out->column_sets;
	rel->out->column_sets = cs;
	return COLUMN_SET_NAME(cs);
}

/*
 * The fix.  IF NOT EXISTS, so every row can be run even when two share an
 * index.  A partitioned table cannot be indexed CONCURRENTLY: the fix builds
 * on the parent (blocking writes to each partition while it builds), and
 * the note gives the statements that build each partition's index
 * concurrently and attach it, to be run one at a time.
 */
static void
fix_for(ReportScan *st, ReportKey *key, const char *const *colnames,
		StringInfo fix_sql, char **note)
{
	RelEntry   *rel = key->table;
	ReportedTable *out = rel->out;
	char	   *name = index_name_for(st, rel, key, colnames);
	char	   *columns;
	StringInfoData buf;
	ListCell   *lc;
	FkBuf		fkbuf;
	ConvForeignKey *fk;

	if (out->sql_name == NULL)
	{
		/* schema.table, quoted as needed, sized exactly: one per table */
		NspEntry   *nsp = namespace_entry(st, rel->nspid);
		const char *quoted = quote_identifier(rel->relname);
		Size		nsplen = strlen(nsp->quoted);
		Size		rellen = strlen(quoted);

		out->nspname = nsp->nspname;
		out->sql_name = arena_alloc0(&st->arena, nsplen + rellen + 2);
		memcpy(out->sql_name, nsp->quoted, nsplen);
		out->sql_name[nsplen] = '.';
		memcpy(out->sql_name + nsplen + 1, quoted, rellen);
	}

	/* appends, not printf: the report builds tens of thousands of these */
	*note = NULL;
	appendStringInfoString(fix_sql, "CREATE INDEX ");
	if (rel->relkind != RELKIND_PARTITIONED_TABLE &&
		!(rel->created_here && conv_created_in_current_xact(rel->relid)))
		appendStringInfoString(fix_sql, "CONCURRENTLY ");
	appendStringInfoString(fix_sql, "IF NOT EXISTS ");
	appendStringInfoString(fix_sql, quote_identifier(name));
	appendStringInfoString(fix_sql, " ON ");
	appendStringInfoString(fix_sql, out->sql_name);
	appendStringInfoString(fix_sql, " (");
	append_key_columns(fix_sql, key->nkeys, colnames);
	appendStringInfoString(fix_sql, ");");
	if (rel->relkind != RELKIND_PARTITIONED_TABLE)
		return;

	initStringInfo(&buf);
	append_key_columns(&buf, key->nkeys, colnames);
	columns = buf.data;
	initStringInfo(&buf);
	appendStringInfo(&buf,
					 "PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table, and "
					 "fix_sql blocks writes to each partition while it builds. Without that, run "
					 "one at a time: CREATE INDEX IF NOT EXISTS %s ON ONLY %s (%s);",
					 quote_identifier(name), out->sql_name, columns);
	fk = key_as_fk(key, &fkbuf);
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
						 conv_qualified_sql_name(out->nspname, name),
						 conv_qualified_sql_name(get_namespace_name(leafnspid), leafindex));
	}
	*note = buf.data;
}

/* The first 8 bytes of a name, compared as strcmp() compares them. */
static uint64
name_prefix(const char *s)
{
	uint64		v = 0;

	for (int i = 0; i < 8 && s[i] != '\0'; i++)
		v |= (uint64) (unsigned char) s[i] << (56 - 8 * i);
	return v;
}

/* Most costly first; then by table and constraint name. */
static inline int
missing_row_cmp(const MissingRow *x, const MissingRow *y)
{
	if (x->impact != y->impact)
		return x->impact > y->impact ? -1 : 1;
	if (x->table_prefix != y->table_prefix)
		return x->table_prefix < y->table_prefix ? -1 : 1;
	if (x->key->table != y->key->table)
	{
		int			c = strcmp(x->key->table->relname, y->key->table->relname);

		if (c != 0)
			return c;
	}
	if (x->con_prefix != y->con_prefix)
		return x->con_prefix < y->con_prefix ? -1 : 1;
	return strcmp(KEY_CONNAME(x->key), KEY_CONNAME(y->key));
}

#define ST_SORT sort_missing_rows
#define ST_ELEMENT_TYPE MissingRow
#define ST_COMPARE(a, b) missing_row_cmp(a, b)
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"
#include "utils/tuplestore.h"

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

/* A catalog's row count, by its own pg_class estimate, within bounds. */
static uint32
catalog_rows_estimate(Oid catalog)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(catalog));
	float4		n = 0;

	if (HeapTupleIsValid(tup))
	{
		n = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	return (uint32) Min(Max(n, 256), 16 * 1024 * 1024);
}

Datum
conventions_missing_fk_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ReportScan	st;
	MissingRow *rows;
	int			nrows = 0;
	MemoryContext row_cxt;
	StringInfoData fix_sql;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);

	memset(&st, 0, sizeof(st));
	st.report_cxt = CurrentMemoryContext;
	st.arena.cxt = CurrentMemoryContext;
	/*
	 * A key brings at most its table and the one it references, and most
	 * share them; a table has its primary key too.  A map too small grows.
	 */
	st.rels = relmap_create(CurrentMemoryContext, catalog_rows_estimate(ConstraintRelationId) / 3,
							NULL);
	st.nsps = make_hash("pg_conventions namespaces", sizeof(Oid), sizeof(NspEntry), 64, HASH_BLOBS);
	st.ext_members = extension_members();

	scan_foreign_keys(&st);
	scan_relations(&st);
	scan_indexes(&st);

	/* judge every key; the reported ones need names and counters */
	for (ReportKey *key = st.first_key; key != NULL; key = key->next_all)
	{
		key->reported = rel_in_scope(&st, key->table) && !key_covered(&st, key);
		nrows += key->reported;
	}
	rows = palloc(Max(nrows, 1) * sizeof(MissingRow));
	st.name_filter = palloc0(NAME_FILTER_BITS / 8);
	nrows = 0;
	for (ReportKey *key = st.first_key; key != NULL; key = key->next_all)
		if (key->reported)
		{
			rows[nrows++].key = key;
			need_names(&st, key);
		}
	if (nrows > 0)
		scan_attribute_names(&st);

	/* what only the scans needed goes back for the rows to use */
	relmap_destroy(st.rels);
	st.rels = NULL;
	pfree(st.name_filter);
	st.name_filter = NULL;
	hash_destroy(st.ext_members);
	st.ext_members = NULL;

	/* the names that exist, and one suggested per reported key at most */
	st.taken = takenmap_create(CurrentMemoryContext, st.nexisting + nrows + 16, NULL);
	for (ExistingName *name = st.existing; name != NULL; name = name->next)
		take_name(st.taken, name->key.nspid, name->key.name);

	for (int i = 0; i < nrows; i++)
	{
		int64		nrel;
		bool		known;
		int64		size;
		int64		updates;
		int64		deletes;

		table_size(rows[i].key->table, &nrel, &known, &size);
		write_activity(rows[i].key->ref, &updates, &deletes);
		rows[i].impact = ((double) updates + deletes + 1) * ((double) size + BLCKSZ);
		rows[i].table_prefix = name_prefix(rows[i].key->table->relname);
		rows[i].con_prefix = name_prefix(KEY_CONNAME(rows[i].key));
	}
	sort_missing_rows(rows, nrows);

	/* each row is built in memory freed once the tuplestore has copied it */
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_conventions report row",
									ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&fix_sql);
	for (int i = 0; i < nrows; i++)
	{
		ReportKey  *key = rows[i].key;
		RelEntry   *rel = key->table;
		const AttrNumber *conkey = KEY_CONKEY(key);
		Datum		values[10];
		bool		nulls[10] = {false};
		Datum		cols[INDEX_MAX_KEYS];
		NameData	names[INDEX_MAX_KEYS + 1];
		const char *colnames[INDEX_MAX_KEYS];
		char	   *note;
		int64		nrel;
		bool		known;
		int64		size;
		int64		updates;
		int64		deletes;

		MemoryContextSwitchTo(row_cxt);
		for (int k = 0; k < key->nkeys; k++)
		{
			colnames[k] = column_name(rel, conkey[k]);
			cols[k] = name_datum_in(&names[k + 1], colnames[k]);
		}
		resetStringInfo(&fix_sql);
		fix_for(&st, key, colnames, &fix_sql, &note);
		/* again, not kept from the impact pass: field reads, cheaper than memory */
		table_size(rel, &nrel, &known, &size);
		write_activity(key->ref, &updates, &deletes);

		values[0] = ObjectIdGetDatum(rel->relid);
		values[1] = name_datum_in(&names[0], KEY_CONNAME(key));
		values[2] = PointerGetDatum(construct_array(cols, key->nkeys, NAMEOID,
													NAMEDATALEN, false, TYPALIGN_CHAR));
		values[3] = ObjectIdGetDatum(key->ref->relid);
		values[4] = Int64GetDatum(nrel);
		nulls[4] = !known;
		values[5] = Int64GetDatum(size);
		values[6] = Int64GetDatum(updates);
		values[7] = Int64GetDatum(deletes);
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
		double		pages = ((Form_pg_class) GETSTRUCT(tup))->relpages;
		double		tuples = ((Form_pg_class) GETSTRUCT(tup))->reltuples;

		ReleaseSysCache(tup);
		conv_class_figures(relid, &pages, &tuples);
		size = (int64) pages * BLCKSZ;
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

/* An index may be reported unused when nothing it enforces needs it. */
static bool
unused_candidate(ConvTable *table, ConvIndex *index)
{
	/* unique indexes enforce something even when never scanned */
	return conv_index_may_drop(index) && !index->isunique &&
		!conv_index_covers_a_foreign_key(table, index);
}

static void
unused_row(ConvTable *table, ConvIndex *index, TimestampTz since, const char *note,
		   ReturnSetInfo *rsinfo)
{
	Datum		values[8];
	bool		nulls[8] = {false};

	values[0] = ObjectIdGetDatum(index->indexrelid);
	values[1] = ObjectIdGetDatum(table->relid);
	values[2] = Int64GetDatum(relation_size_estimate(index->indexrelid));
	values[3] = Int64GetDatum(0);
	if (since != 0)
	{
		values[4] = TimestampTzGetDatum(since);
		values[5] = DirectFunctionCall2(timestamp_mi,
										TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
										TimestampTzGetDatum(since));
	}
	else
		nulls[4] = nulls[5] = true;
	values[6] = CStringGetTextDatum(conv_drop_index_sql(table, index));
	values[7] = CStringGetTextDatum(note);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * A Citus table's indexes are scanned on its shards, never on the
 * coordinator's shell: an index is unused when no placement of any shard
 * scanned it.  One that some placement could not answer for is left out.
 */
static void
unused_citus_rows(ConvTable *table, ReturnSetInfo *rsinfo)
{
	List	   *candidates = NIL;
	Oid		   *oids;
	int64	   *scans;
	int			n = 0;
	int			placements;
	ListCell   *lc;

	foreach(lc, conv_table_indexes(table))
		if (unused_candidate(table, lfirst(lc)))
			candidates = lappend(candidates, lfirst(lc));
	if (candidates == NIL)
		return;
	oids = palloc(list_length(candidates) * sizeof(Oid));
	scans = palloc(list_length(candidates) * sizeof(int64));
	foreach(lc, candidates)
		oids[n++] = ((ConvIndex *) lfirst(lc))->indexrelid;
	placements = conv_citus_index_scans(table->relid, oids, n, scans);
	n = 0;
	foreach(lc, candidates)
	{
		if (scans[n++] == 0)
			unused_row(table, lfirst(lc), 0,
					   psprintf("no scan on any of its %d shard placements since each node's statistics were reset; the table is distributed by Citus, and DROP INDEX is propagated to its shards",
								placements),
					   rsinfo);
	}
}

static void
unused_rows(ConvTable *table, ReturnSetInfo *rsinfo)
{
	PgStat_StatDBEntry *db = pgstat_fetch_stat_dbentry(MyDatabaseId);
	TimestampTz since = db ? db->stat_reset_timestamp : 0;
	ListCell   *lc;

	if (table->relkind != RELKIND_RELATION)
		return;					/* a partitioned table's scans count on its leaves */
	if (table->citus_method != '\0')
	{
		unused_citus_rows(table, rsinfo);
		return;
	}
	foreach(lc, conv_table_indexes(table))
	{
		ConvIndex  *index = lfirst(lc);
		PgStat_StatTabEntry *stat;

		if (!unused_candidate(table, index))
			continue;
		stat = pgstat_fetch_stat_tabentry(index->indexrelid);
		if (stat != NULL && stat->numscans > 0)
			continue;
		unused_row(table, index, since,
				   since == 0 ?
				   "no scan on this server since its statistics began (they were never reset); a replica counts its own scans, so check it there too before dropping" :
				   CONV_STATS_RESET_TIME_KNOWN ?
				   "no scan on this server since the statistics were reset; a replica counts its own scans, so check it there too before dropping" :
				   "no scan on this server since its statistics began or were last reset; a replica counts its own scans, so check it there too before dropping",
				   rsinfo);
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
