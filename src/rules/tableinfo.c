/*-------------------------------------------------------------------------
 *
 * tableinfo.c
 *		What the rules read from the catalog about one table.
 *
 * Everything comes from the system caches and catalog index scans, never
 * from opening the table itself: the audit functions can then read every
 * table of a database without taking a lock on any of them, and the guard
 * reads exactly what the report functions read.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* Copy an int2[] or oid[] catalog array into a C array; returns its length. */
static int
copy_int2_array(Datum d, AttrNumber *out)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	int			n = ARR_DIMS(arr)[0];

	if (ARR_NDIM(arr) != 1 || n < 0 || n > INDEX_MAX_KEYS ||
		ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != INT2OID)
		elog(ERROR, "pg_conventions: malformed int2 array in pg_constraint");
	memcpy(out, ARR_DATA_PTR(arr), n * sizeof(int16));
	return n;
}

static void
copy_oid_array(Datum d, Oid *out, int expected)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);

	if (ARR_NDIM(arr) != 1 || ARR_DIMS(arr)[0] != expected ||
		ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != OIDOID)
		elog(ERROR, "pg_conventions: malformed oid array in pg_constraint");
	memcpy(out, ARR_DATA_PTR(arr), expected * sizeof(Oid));
}

static int
constraint_name_cmp(const ListCell *a, const ListCell *b)
{
	const ConvConstraint *x = lfirst(a);
	const ConvConstraint *y = lfirst(b);

	return strcmp(x->conname, y->conname);
}

static int
fk_name_cmp(const ListCell *a, const ListCell *b)
{
	const ConvForeignKey *x = lfirst(a);
	const ConvForeignKey *y = lfirst(b);

	return strcmp(x->conname, y->conname);
}

/* The size of a key with room for nkeys columns. */
Size
conv_fk_size(int nkeys)
{
	return MAXALIGN(sizeof(ConvForeignKey)) +
		nkeys * (2 * sizeof(AttrNumber) + 3 * sizeof(Oid) + sizeof(int32));
}

/* A key with room for nkeys columns, in one allocation. */
ConvForeignKey *
conv_fk_alloc(int nkeys)
{
	return conv_fk_init(palloc0(conv_fk_size(nkeys)), nkeys);
}

/* Lay a key out in zeroed memory of conv_fk_size(nkeys) bytes. */
ConvForeignKey *
conv_fk_init(void *mem, int nkeys)
{
	ConvForeignKey *fk = mem;
	char	   *p = ((char *) fk) + MAXALIGN(sizeof(ConvForeignKey));

	fk->nkeys = nkeys;
	fk->pfeqop = (Oid *) p;
	p += nkeys * sizeof(Oid);
	fk->coltypes = (Oid *) p;
	p += nkeys * sizeof(Oid);
	fk->colcollations = (Oid *) p;
	p += nkeys * sizeof(Oid);
	fk->coltypmods = (int32 *) p;
	p += nkeys * sizeof(int32);
	fk->conkey = (AttrNumber *) p;
	p += nkeys * sizeof(AttrNumber);
	fk->confkey = (AttrNumber *) p;
	return fk;
}

/* Types, type modifiers and collations of the referencing columns. */
void
conv_fk_load_colinfo(ConvForeignKey *fk)
{
	if (fk->colinfo_loaded)
		return;
	for (int k = 0; k < fk->nkeys; k++)
		get_atttypetypmodcoll(fk->conrelid, fk->conkey[k], &fk->coltypes[k],
							  &fk->coltypmods[k], &fk->colcollations[k]);
	fk->colinfo_loaded = true;
}

/* Primary key and foreign keys, from one scan of pg_constraint. */
static void
load_constraints(ConvTable *table)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	rel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(table->relid));
	scan = systable_beginscan(rel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		ConvConstraint *cc = palloc(sizeof(ConvConstraint));
		bool		isnull;
		Datum		d;

		cc->conoid = con->oid;
		cc->conname = pstrdup(NameStr(con->conname));
		cc->contype = con->contype;
		cc->conindid = con->conindid;
		table->constraints = lappend(table->constraints, cc);

		if (con->contype == CONSTRAINT_PRIMARY)
		{
			d = heap_getattr(tup, Anum_pg_constraint_conkey,
							 RelationGetDescr(rel), &isnull);
			if (!isnull)
				table->pk_nkeys = copy_int2_array(d, table->pk_keys);
			table->pk_conname = cc->conname;
		}
		else if (con->contype == CONSTRAINT_FOREIGN)
		{
			ConvForeignKey *fk;
			AttrNumber	conkey[INDEX_MAX_KEYS];
			int			nkeys;

			d = heap_getattr(tup, Anum_pg_constraint_conkey,
							 RelationGetDescr(rel), &isnull);
			if (isnull)
				continue;
			nkeys = copy_int2_array(d, conkey);
			fk = conv_fk_alloc(nkeys);
			memcpy(fk->conkey, conkey, nkeys * sizeof(AttrNumber));
			fk->inherited = OidIsValid(con->conparentid);
			fk->conoid = con->oid;
			fk->conrelid = table->relid;
			fk->conname = pstrdup(NameStr(con->conname));
			fk->confrelid = con->confrelid;
			d = heap_getattr(tup, Anum_pg_constraint_confkey,
							 RelationGetDescr(rel), &isnull);
			if (isnull || copy_int2_array(d, conkey) != fk->nkeys)
				continue;
			memcpy(fk->confkey, conkey, nkeys * sizeof(AttrNumber));
			d = heap_getattr(tup, Anum_pg_constraint_conpfeqop,
							 RelationGetDescr(rel), &isnull);
			if (isnull)
				continue;
			copy_oid_array(d, fk->pfeqop, fk->nkeys);
			conv_fk_load_colinfo(fk);
			table->foreign_keys = lappend(table->foreign_keys, fk);
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	list_sort(table->foreign_keys, fk_name_cmp);
	list_sort(table->constraints, constraint_name_cmp);
}

/* The table's columns, in order, without dropped ones. */
static void
load_columns(ConvTable *table)
{
	for (AttrNumber att = 1; att <= table->natts; att++)
	{
		HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(table->relid),
										  Int16GetDatum(att));
		Form_pg_attribute attr;

		if (!HeapTupleIsValid(tup))
			continue;
		attr = (Form_pg_attribute) GETSTRUCT(tup);
		if (!attr->attisdropped)
		{
			ConvColumn *col = palloc(sizeof(ConvColumn));

			col->attnum = att;
			col->name = pstrdup(NameStr(attr->attname));
			col->typid = attr->atttypid;
			col->typmod = attr->atttypmod;
			col->notnull = attr->attnotnull;
			col->hasdef = attr->atthasdef;
			col->identity = attr->attidentity;
			col->generated = attr->attgenerated;
			table->columns = lappend(table->columns, col);
		}
		ReleaseSysCache(tup);
	}
}

ConvColumn *
conv_table_column(ConvTable *table, const char *name)
{
	ListCell   *lc;

	foreach(lc, table->columns)
	{
		ConvColumn *col = lfirst(lc);

		if (strcmp(col->name, name) == 0)
			return col;
	}
	return NULL;
}

/* The column with this attribute number, or NULL (dropped, or none). */
ConvColumn *
conv_table_column_at(ConvTable *table, AttrNumber attnum)
{
	ListCell   *lc;

	foreach(lc, table->columns)
	{
		ConvColumn *col = lfirst(lc);

		if (col->attnum == attnum)
			return col;
	}
	return NULL;
}

/* The default expression of a column, or NULL. */
Node *
conv_column_default(Oid relid, AttrNumber attnum)
{
	Relation	rel;
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tup;
	Node	   *result = NULL;

	rel = table_open(AttrDefaultRelationId, AccessShareLock);
	ScanKeyInit(&keys[0], Anum_pg_attrdef_adrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&keys[1], Anum_pg_attrdef_adnum, BTEqualStrategyNumber,
				F_INT2EQ, Int16GetDatum(attnum));
	scan = systable_beginscan(rel, AttrDefaultIndexId, true, NULL, 2, keys);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_attrdef_adbin,
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			result = stringToNode(TextDatumGetCString(d));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Load a table, or return NULL when it no longer exists (the audit and the
 * guard both race with concurrent DROPs and must not fail on them).
 */
ConvTable *
conv_table_load(Oid relid)
{
	HeapTuple	tup;
	Form_pg_class cls;
	ConvTable  *table;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return NULL;
	cls = (Form_pg_class) GETSTRUCT(tup);

	table = palloc0(sizeof(ConvTable));
	table->relid = relid;
	table->nspid = cls->relnamespace;
	table->relkind = cls->relkind;
	table->ispartition = cls->relispartition;
	table->natts = cls->relnatts;
	table->relname = pstrdup(NameStr(cls->relname));
	ReleaseSysCache(tup);

	table->nspname = get_namespace_name(table->nspid);
	if (table->nspname == NULL)
		return NULL;
	table->display_name = psprintf("%s.%s", table->nspname, table->relname);
	table->sql_name = conv_qualified_sql_name(table->nspname, table->relname);
	load_columns(table);
	load_constraints(table);
	if (conv_citus_present())
		conv_citus_table(relid, &table->citus_method, &table->citus_distcol);
	return table;
}

static int
index_oid_cmp(const ListCell *a, const ListCell *b)
{
	const ConvIndex *x = lfirst(a);
	const ConvIndex *y = lfirst(b);

	return (x->indexrelid > y->indexrelid) - (x->indexrelid < y->indexrelid);
}

/*
 * An index as the rules need it, from its pg_index row: everything but
 * what only pg_class holds (name, relispartition), which the caller fills
 * in.  The access method is its operator classes' (one syscache lookup per
 * column gives both it and the operator family).  The predicate is kept in
 * the planner's implicit-AND form.  It is not const-simplified: that could
 * run user functions, and this runs at pre-commit, where no user code may
 * run.
 */
ConvIndex *
conv_index_from_tuple(HeapTuple tup, TupleDesc desc)
{
	Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
	int			natts = idx->indnatts;
	int			nkey = idx->indnkeyatts;
	ConvIndex  *ci;
	char	   *p;
	Datum		values[Natts_pg_index];
	bool		nulls[Natts_pg_index];
	oidvector  *collations;
	oidvector  *opclasses;
	int2vector *options;

	/* one allocation, arrays sized to the index: reports decode thousands */
	ci = palloc0(MAXALIGN(sizeof(ConvIndex)) + nkey * (3 * sizeof(Oid)) +
				 natts * sizeof(AttrNumber) + nkey * sizeof(int16));
	p = ((char *) ci) + MAXALIGN(sizeof(ConvIndex));
	ci->collations = (Oid *) p;
	p += nkey * sizeof(Oid);
	ci->opclasses = (Oid *) p;
	p += nkey * sizeof(Oid);
	ci->opfamilies = (Oid *) p;
	p += nkey * sizeof(Oid);
	ci->keys = (AttrNumber *) p;
	p += natts * sizeof(AttrNumber);
	ci->options = (int16 *) p;

	ci->indexrelid = idx->indexrelid;
	ci->usable = idx->indisvalid && idx->indislive;
	ci->isprimary = idx->indisprimary;
	ci->isunique = idx->indisunique;
	ci->natts = idx->indnatts;
	ci->nkeyatts = idx->indnkeyatts;
	for (int i = 0; i < idx->indnatts; i++)
		ci->keys[i] = idx->indkey.values[i];

	/* one pass over the tuple: these follow the variable-width indkey */
	heap_deform_tuple(tup, desc, values, nulls);
	collations = (oidvector *) DatumGetPointer(values[Anum_pg_index_indcollation - 1]);
	opclasses = (oidvector *) DatumGetPointer(values[Anum_pg_index_indclass - 1]);
	options = (int2vector *) DatumGetPointer(values[Anum_pg_index_indoption - 1]);
	for (int i = 0; i < idx->indnkeyatts; i++)
	{
		HeapTuple	optup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclasses->values[i]));

		if (!HeapTupleIsValid(optup))
			elog(ERROR, "cache lookup failed for operator class %u", opclasses->values[i]);
		/* an index's operator classes all belong to its access method */
		ci->relam = ((Form_pg_opclass) GETSTRUCT(optup))->opcmethod;
		ci->opfamilies[i] = ((Form_pg_opclass) GETSTRUCT(optup))->opcfamily;
		ReleaseSysCache(optup);
		ci->collations[i] = collations->values[i];
		ci->opclasses[i] = opclasses->values[i];
		ci->options[i] = options->values[i];
	}

	if (!nulls[Anum_pg_index_indexprs - 1])
		ci->expressions = (List *) stringToNode(TextDatumGetCString(values[Anum_pg_index_indexprs - 1]));

	if (!nulls[Anum_pg_index_indpred - 1])
	{
		Node	   *pred = stringToNode(TextDatumGetCString(values[Anum_pg_index_indpred - 1]));

		pred = (Node *) canonicalize_qual((Expr *) pred, false);
		fix_opfuncids(pred);
		ci->predicate = make_ands_implicit((Expr *) pred);
	}
	return ci;
}

/* Every index of a relation as the rules need it, in OID order. */
List *
conv_load_indexes(Oid relid, Oid ignore_index)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;

	rel = table_open(IndexRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		ConvIndex  *ci;
		HeapTuple	ctup;

		if (idx->indexrelid == ignore_index)
			continue;
		ctup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indexrelid));
		if (!HeapTupleIsValid(ctup))
			continue;
		ci = conv_index_from_tuple(tup, RelationGetDescr(rel));
		ci->name = pstrdup(NameStr(((Form_pg_class) GETSTRUCT(ctup))->relname));
		ci->ispartition = ((Form_pg_class) GETSTRUCT(ctup))->relispartition;
		ReleaseSysCache(ctup);
		result = lappend(result, ci);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	list_sort(result, index_oid_cmp);
	return result;
}

List *
conv_table_indexes(ConvTable *table)
{
	if (!table->indexes_loaded)
	{
		ListCell   *li;

		table->indexes = conv_load_indexes(table->relid, table->ignore_index);
		table->indexes_loaded = true;

		/* which index backs a constraint: pg_constraint.conindid says */
		foreach(li, table->indexes)
		{
			ConvIndex  *index = lfirst(li);
			ListCell   *lc;

			foreach(lc, table->constraints)
			{
				ConvConstraint *con = lfirst(lc);

				if ((con->contype == CONSTRAINT_PRIMARY || con->contype == CONSTRAINT_UNIQUE ||
					 con->contype == CONSTRAINT_EXCLUSION) && con->conindid == index->indexrelid)
					index->constraint = con->conoid;
			}
		}
	}
	return table->indexes;
}

bool
conv_attnum_in_foreign_key(ConvTable *table, AttrNumber attnum)
{
	ListCell   *lc;

	foreach(lc, table->foreign_keys)
	{
		ConvForeignKey *fk = lfirst(lc);

		for (int i = 0; i < fk->nkeys; i++)
			if (fk->conkey[i] == attnum)
				return true;
	}
	return false;
}

/*
 * A junction table (the seed's post_tags): a primary key of two or more
 * columns, each of them a foreign-key column.
 */
bool
conv_table_is_junction(ConvTable *table)
{
	if (table->pk_nkeys < 2)
		return false;
	for (int i = 0; i < table->pk_nkeys; i++)
		if (!conv_attnum_in_foreign_key(table, table->pk_keys[i]))
			return false;
	return true;
}

/*
 * Was the table created by the current transaction?  Then it is empty to
 * everybody else, and a plain CREATE INDEX is both possible inside the
 * migration's transaction and free.  The pg_class row's xmin rules most
 * tables out without opening anything; only a table whose row this
 * transaction wrote (so it holds a lock on it) is looked up in the relcache.
 */
bool
conv_created_in_current_xact(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	TransactionId xmin;
	Relation	rel;
	bool		result;

	if (!HeapTupleIsValid(tup))
		return false;
	xmin = HeapTupleHeaderGetXmin(tup->t_data);
	ReleaseSysCache(tup);
	if (!TransactionIdIsCurrentTransactionId(xmin))
		return false;

	rel = relation_open(relid, AccessShareLock);
	result = rel->rd_createSubid != InvalidSubTransactionId;
	relation_close(rel, AccessShareLock);
	return result;
}

/*
 * Is this a table the conventions apply to?  Ordinary and partitioned
 * tables, not temporary, outside the system schemas, not belonging to an
 * extension, and not Citus's own copies (a shard; a Citus table's shell on
 * a worker: citus/citus.c).
 */
bool
conv_table_in_scope(Oid relid)
{
	return conv_relation_in_scope(relid, false);
}

/*
 * The same test, and with matviews also a materialized view in such a
 * schema: the migration-safety rules judge what REFRESH does to one (the
 * table rules never see one).
 */
bool
conv_relation_in_scope(Oid relid, bool matviews)
{
	HeapTuple	tup;
	Form_pg_class cls;
	Oid			nspid;
	bool		candidate;
	char	   *nspname;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return false;
	cls = (Form_pg_class) GETSTRUCT(tup);
	nspid = cls->relnamespace;
	candidate = (cls->relkind == RELKIND_RELATION ||
				 cls->relkind == RELKIND_PARTITIONED_TABLE ||
				 (matviews && cls->relkind == RELKIND_MATVIEW)) &&
		cls->relpersistence != RELPERSISTENCE_TEMP &&
		!conv_table_name_ignored(NameStr(cls->relname));
	ReleaseSysCache(tup);

	if (!candidate || IsCatalogNamespace(nspid) || IsToastNamespace(nspid) ||
		isAnyTempNamespace(nspid))
		return false;
	nspname = get_namespace_name(nspid);
	if (nspname == NULL || strcmp(nspname, "information_schema") == 0 ||
		!conv_schema_in_scope(nspname))
		return false;
	return !OidIsValid(getExtensionOfObject(RelationRelationId, relid)) &&
		!conv_citus_not_judged_here(relid);
}


/*
 * Does the schema hold a table that existed before this transaction?  Then
 * a name the schema has had is the schema's old debt, not something the
 * transaction introduced by putting a table there.
 */
bool
conv_namespace_has_older_table(Oid nspid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	rel = table_open(RelationRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_class_relnamespace, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(nspid));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

		if ((cls->relkind == RELKIND_RELATION ||
			 cls->relkind == RELKIND_PARTITIONED_TABLE) &&
			!conv_created_in_current_xact(cls->oid))
			found = true;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/* The table an index belongs to, or the relation itself. */
Oid
conv_table_of_relation(Oid relid)
{
	char		relkind = get_rel_relkind(relid);

	if (relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX)
		return IndexGetRelation(relid, true);
	return relid;
}
