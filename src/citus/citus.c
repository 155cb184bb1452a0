/*-------------------------------------------------------------------------
 *
 * citus.c
 *		What Citus's metadata says about a relation: whether it is a shard,
 *		a distributed or reference table, and which node this is.
 *
 * On a Citus cluster a distributed table is one logical table: its shell on
 * the coordinator is what the user created, and its shards (<name>_<shardid>,
 * on the workers and, on a single-node cluster, on the coordinator) are
 * copies Citus makes and changes.  The guard and the reports judge the
 * logical table once, on the coordinator: a shard is never in scope, and on
 * a worker neither is a Citus table's shell, whose DDL the coordinator
 * judged before propagating it.
 *
 * The answers come from Citus's catalogs in pg_catalog (pg_dist_partition,
 * pg_dist_shard, pg_dist_local_group), read like any catalog, so nothing
 * here links to or calls into citus.so, and a server without Citus pays one
 * syscache lookup to learn that it has none.  They are complete when a
 * transaction commits (Citus writes a worker's metadata after its shards,
 * within the same transaction), which is when the table rules judge.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "catalog/pg_namespace.h"
#include "nodes/readfuncs.h"
#include "tcop/tcopprot.h"
#include "utils/formatting.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/* One of Citus's catalogs, with the attribute the lookup keys on. */
typedef struct CitusCatalog
{
	Oid			relid;
	Oid			indexid;		/* InvalidOid: a heap scan with the key */
	AttrNumber	keyatt;			/* InvalidAttrNumber: the first row */
	TupleDesc	desc;			/* a copy, once a row is read */
} CitusCatalog;

static bool
open_catalog(const char *relname, const char *indexname, const char *keycol,
			 CitusCatalog *cat)
{
	memset(cat, 0, sizeof(*cat));
	cat->relid = get_relname_relid(relname, PG_CATALOG_NAMESPACE);
	if (!OidIsValid(cat->relid))
		return false;
	cat->indexid = indexname ? get_relname_relid(indexname, PG_CATALOG_NAMESPACE) : InvalidOid;
	cat->keyatt = keycol ? get_attnum(cat->relid, keycol) : InvalidAttrNumber;
	return keycol == NULL || cat->keyatt != InvalidAttrNumber;
}

/* Does this database have Citus's metadata? */
bool
conv_citus_present(void)
{
	return OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE));
}

/*
 * A copy of the first row of the catalog whose key column equals the key
 * (of its first row, for a catalog without a key); NULL when there is none.
 */
static HeapTuple
catalog_row(CitusCatalog *cat, RegProcedure eqproc, Datum key)
{
	Relation	rel;
	ScanKeyData skey;
	SysScanDesc scan;
	HeapTuple	tup;
	HeapTuple	copy = NULL;
	int			nkeys = cat->keyatt != InvalidAttrNumber ? 1 : 0;

	rel = table_open(cat->relid, AccessShareLock);
	if (nkeys > 0)
		ScanKeyInit(&skey, cat->keyatt, BTEqualStrategyNumber, eqproc, key);
	scan = systable_beginscan(rel, cat->indexid, nkeys > 0 && OidIsValid(cat->indexid),
							  NULL, nkeys, &skey);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		copy = heap_copytuple(tup);
		cat->desc = CreateTupleDescCopy(RelationGetDescr(rel));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return copy;
}

/* One column of a row catalog_row() read; null when the catalog has no such column. */
static Datum
catalog_column(const CitusCatalog *cat, HeapTuple row, const char *column, bool *isnull)
{
	AttrNumber	att = get_attnum(cat->relid, column);

	*isnull = true;
	if (att == InvalidAttrNumber)
		return (Datum) 0;
	return heap_getattr(row, att, cat->desc, isnull);
}

/*
 * The logical table whose shard this relation is, or InvalidOid.  A shard
 * is named <logical table's name>_<shard id> (shortened with a hash when
 * that would be too long, the shard id still last) in the logical table's
 * schema, and pg_dist_shard has its row.
 */
Oid
conv_citus_shard_of(Oid relid)
{
	CitusCatalog cat;
	char	   *relname;
	char	   *p;
	char	   *end;
	int64		shardid;
	HeapTuple	row;
	Datum		logical;
	bool		isnull;

	relname = get_rel_name(relid);
	if (relname == NULL)
		return InvalidOid;
	p = strrchr(relname, '_');
	if (p == NULL || p[1] == '\0' || strspn(p + 1, "0123456789") != strlen(p + 1))
		return InvalidOid;
	errno = 0;
	shardid = strtoi64(p + 1, &end, 10);
	if (errno != 0 || *end != '\0' || shardid <= 0)
		return InvalidOid;
	if (!open_catalog("pg_dist_shard", "pg_dist_shard_shardid_index", "shardid", &cat) ||
		(row = catalog_row(&cat, F_INT8EQ, Int64GetDatum(shardid))) == NULL)
		return InvalidOid;
	logical = catalog_column(&cat, row, "logicalrelid", &isnull);
	if (isnull || DatumGetObjectId(logical) == relid ||
		get_rel_namespace(DatumGetObjectId(logical)) != get_rel_namespace(relid))
		return InvalidOid;
	return DatumGetObjectId(logical);
}

/*
 * Is this a Citus table (distributed, reference, or a local table Citus
 * manages)?  In *method its distribution method ('h' hash, 'n' none: a
 * reference or Citus-managed local table, 'a'/'r' the old append and range
 * methods), in *distcol its distribution column (0: none).
 */
bool
conv_citus_table(Oid relid, char *method, AttrNumber *distcol)
{
	CitusCatalog cat;
	HeapTuple	row;
	Datum		value;
	bool		isnull;

	*method = '\0';
	*distcol = InvalidAttrNumber;
	if (!open_catalog("pg_dist_partition", "pg_dist_partition_logical_relid_index",
					  "logicalrelid", &cat) ||
		(row = catalog_row(&cat, F_OIDEQ, ObjectIdGetDatum(relid))) == NULL)
		return false;
	value = catalog_column(&cat, row, "partmethod", &isnull);
	if (!isnull)
		*method = DatumGetChar(value);
	value = catalog_column(&cat, row, "partkey", &isnull);
	if (!isnull)
	{
		/* the column, as Citus writes it: nodeToString() of a Var */
		Node	   *key = stringToNode(TextDatumGetCString(value));

		if (key != NULL && IsA(key, Var))
			*distcol = ((Var *) key)->varattno;
	}
	return true;
}

/*
 * Is this node the coordinator (or a server not in a cluster)?  Its group
 * is 0 in pg_dist_local_group; a worker has the group the coordinator gave
 * it.
 */
bool
conv_citus_is_coordinator(void)
{
	CitusCatalog cat;
	HeapTuple	row;
	Datum		group;
	bool		isnull;

	if (!open_catalog("pg_dist_local_group", NULL, NULL, &cat) ||
		(row = catalog_row(&cat, InvalidOid, (Datum) 0)) == NULL)
		return true;
	group = catalog_column(&cat, row, "groupid", &isnull);
	return isnull || DatumGetInt32(group) == 0;
}

/*
 * Is the statement the client sent a call of one of Citus's functions that
 * convert tables (distribute them, make them reference tables, add them to
 * its metadata, or undo that)?  Citus runs DDL of its own inside them:
 * shards, and for a table that a local table references, the original
 * renamed into a shard under a new shell of the same name.  Read from the
 * client's statement text, only when such DDL runs nested in a statement.
 */
bool
conv_citus_converting(void)
{
	static const char *const functions[] = {
		"create_distributed_table", "create_reference_table",
		"citus_add_local_table_to_metadata", "undistribute_table",
		"alter_distributed_table", "alter_table_set_access_method",
		"update_distributed_table_colocation",
	};
	char	   *text;
	bool		found = false;

	if (debug_query_string == NULL || !conv_citus_present())
		return false;
	text = asc_tolower(debug_query_string, strlen(debug_query_string));
	for (int i = 0; i < lengthof(functions) && !found; i++)
		found = strstr(text, functions[i]) != NULL;
	pfree(text);
	return found;
}

/*
 * Is this table Citus's business rather than the conventions'?  A shard,
 * anywhere; and on a worker, a Citus table's shell, whose DDL reaches the
 * worker from the coordinator, where it was judged.
 */
bool
conv_citus_not_judged_here(Oid relid)
{
	char		method;
	AttrNumber	distcol;

	if (!conv_citus_present())
		return false;
	if (OidIsValid(conv_citus_shard_of(relid)))
		return true;
	return conv_citus_table(relid, &method, &distcol) && !conv_citus_is_coordinator();
}

/*
 * How often each of these indexes of a Citus table was scanned, summed over
 * the table's shard placements (the coordinator's shell is never scanned:
 * the queries run on the shards).  The counters are read where they are,
 * with Citus's run_command_on_placements(); a shard's index is found under
 * the name Citus gives it (shard_name()).  scans[i] is -1 when some
 * placement did not answer for index i.  Returns the number of placements.
 */
int
conv_citus_index_scans(Oid relid, const Oid *indexes, int n, int64 *scans)
{
	static const char *sql =
		"WITH r AS (SELECT shardid, success, result FROM pg_catalog.run_command_on_placements($1, "
		"  'SELECT coalesce(json_object_agg(indexrelname, idx_scan), ''{}'') "
		"   FROM pg_catalog.pg_stat_user_indexes WHERE relid = ''%s''::regclass')) "
		"SELECT i.ord, count(*), count(*) FILTER (WHERE v.scans IS NULL), coalesce(sum(v.scans), 0) "
		"FROM unnest($2::pg_catalog.regclass[]) WITH ORDINALITY AS i(idx, ord) CROSS JOIN r "
		"CROSS JOIN LATERAL (SELECT pg_catalog.parse_ident(pg_catalog.shard_name(i.idx, r.shardid)) AS nm) s "
		"CROSS JOIN LATERAL (SELECT CASE WHEN r.success THEN "
		"  (r.result::pg_catalog.json ->> s.nm[pg_catalog.cardinality(s.nm)])::bigint END AS scans) v "
		"GROUP BY i.ord";
	Oid			argtypes[2] = {REGCLASSOID, REGCLASSARRAYOID};
	Datum		args[2];
	Datum	   *elems = palloc(n * sizeof(Datum));
	int			placements = 0;

	for (int i = 0; i < n; i++)
	{
		elems[i] = ObjectIdGetDatum(indexes[i]);
		scans[i] = -1;
	}
	args[0] = ObjectIdGetDatum(relid);
	args[1] = PointerGetDatum(construct_array(elems, n, REGCLASSOID, sizeof(Oid), true,
											  TYPALIGN_INT));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 2, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the shards' index statistics");
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tup = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		ord = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		int64		total = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		int64		unknown = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
		Datum		sum = SPI_getbinval(tup, desc, 4, &isnull);

		placements = (int) total;
		if (ord >= 1 && ord <= n && unknown == 0 && !isnull)
			scans[ord - 1] = DatumGetInt64(DirectFunctionCall1(numeric_int8, sum));
	}
	SPI_finish();
	return placements;
}
