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
 * here links to citus.so, and a server without Citus pays one syscache
 * lookup to learn that it has none.  They are complete when a transaction
 * commits (Citus writes a worker's metadata after its shards, within the
 * same transaction), which is when the table rules judge.
 *
 * What only the shards' nodes know (their indexes' scans, for a report;
 * their sizes, for a size-based safety rule) is asked through Citus's SQL
 * functions, on the coordinator, when a report or a rule needs it.  The
 * coordinator's shell of a distributed table is empty: its size is its
 * shards', one placement each, read within a bound (SHARD_SIZE_TIMEOUT_MS)
 * after which the guard judges from what the coordinator knows.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "nodes/readfuncs.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/formatting.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

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

/* SPI connected and the query run, its rows in SPI_tuptable; what: for the error. */
static void
spi_select(const char *sql, int nargs, Oid *argtypes, Datum *args, bool read_only,
		   const char *what)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, nargs, argtypes, args, NULL, read_only, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s", what);
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
	spi_select(sql, 2, argtypes, args, true, "the shards' index statistics");
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

/* ---- a Citus table's size, from its shards ---- */

/*
 * How long the guard waits for the nodes that hold a Citus table's shards
 * before it judges from what the coordinator knows: connecting gives up
 * after SHARD_CONNECT_TIMEOUT_MS (Citus's citus.node_connection_timeout,
 * in the background worker that asks them), and the backend stops waiting
 * for that worker after SHARD_SIZE_TIMEOUT_MS, whatever a node does.
 */
#define SHARD_CONNECT_TIMEOUT_MS 1000
#define SHARD_SIZE_TIMEOUT_MS 2000

/*
 * One placement per shard (a reference table's shard has one on every
 * node: one copy is its size), on an active primary node, this node's own
 * when it has one; grouped by node.  For this node the shards' OIDs, which
 * are measured here; for the others the query that measures them there
 * (SHARD_SIZES_SQL on the shards' names).  shardlength is Citus's own
 * record of a shard's size (kept for append-distributed tables only).
 */
static const char *const placements_sql =
"WITH picked AS ("
"  SELECT DISTINCT ON (s.shardid) s.logicalrelid, s.shardid, p.shardlength, n.nodeid, n.nodename, n.nodeport,"
"    n.groupid = coalesce((SELECT g.groupid FROM pg_catalog.pg_dist_local_group g), 0) AS here"
"  FROM pg_catalog.pg_dist_shard s"
"  JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid"
"  JOIN pg_catalog.pg_dist_node n ON n.groupid = p.groupid AND n.isactive AND n.noderole = 'primary'"
"  WHERE s.logicalrelid = ANY ($1)"
"  ORDER BY s.shardid, here DESC, n.nodeid) "
"SELECT here, nodename, nodeport, count(*), coalesce(sum(shardlength), 0),"
"  array_agg(pg_catalog.to_regclass(pg_catalog.shard_name(logicalrelid, shardid))::oid) FILTER (WHERE here),"
"  pg_catalog.format($2, pg_catalog.array_agg(pg_catalog.shard_name(logicalrelid, shardid))::text) "
"FROM picked GROUP BY here, nodeid, nodename, nodeport ORDER BY here DESC, nodeid";

/*
 * What a node answers for its shards (%L: their names): "<bytes> <rows>
 * <shards whose rows are a guess> <shards measured from their statistics,
 * not their files> <shards found>".  As facts.c measures a table: the file
 * when no other transaction holds or awaits an ACCESS EXCLUSIVE lock on the
 * shard (and pg_relation_size() then waits at most lock_timeout), else
 * pg_class's relpages; rows by pg_class's density, a guess of a hundred
 * bytes a row for a shard never vacuumed or analyzed.
 */
#define SHARD_SIZES_SQL \
"SELECT coalesce(sum(b), 0)::bigint || ' ' || coalesce(sum(CASE WHEN guess THEN b / 100.0 " \
"  WHEN relpages > 0 THEN reltuples::float8 / relpages * b / bs ELSE reltuples END), 0)::bigint" \
"  || ' ' || count(*) FILTER (WHERE guess) || ' ' || count(*) FILTER (WHERE NOT free) || ' ' || count(*) " \
"FROM (SELECT c.relpages, c.reltuples, x.free, x.b, x.bs, c.reltuples < 0 OR (c.relpages = 0 AND x.b > 0) AS guess" \
"  FROM pg_catalog.unnest(%L::text[]) AS n(name)" \
"  JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(n.name)" \
"  CROSS JOIN LATERAL (SELECT f.free, pg_catalog.current_setting('block_size')::bigint AS bs," \
"    CASE WHEN f.free AND pg_catalog.set_config('lock_timeout', '200', true) IS NOT NULL" \
"      THEN pg_catalog.pg_relation_size(c.oid)" \
"      ELSE c.relpages::bigint * pg_catalog.current_setting('block_size')::bigint END AS b" \
"    FROM (SELECT c.oid NOT IN (SELECT l.relation FROM pg_catalog.pg_locks l" \
"      WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'" \
"        AND l.pid <> pg_catalog.pg_backend_pid() AND l.database = (SELECT d.oid" \
"          FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())) AS free) f) x) s"

/* What the reading found, filled inside its subtransaction. */
typedef struct ShardSizes
{
	List	   *relids;			/* the Citus tables (a partitioned one's partitions) */
	ConvSafetyTable *t;			/* the other nodes' shards' figures are added here */
	MemoryContext cxt;			/* the caller's */
	List	   *local;			/* this node's shards, to measure here */
	int			answered;		/* nodes that answered, this one included */
	int			silent;			/* nodes that did not */
} ShardSizes;

/* A node other than this one, and what it is asked. */
typedef struct ShardNode
{
	char	   *name;
	int			port;
	int			shards;
	int64		length;			/* their shardlength, for when it does not answer */
	char	   *command;		/* SHARD_SIZES_SQL on their names */
} ShardNode;

/*
 * What the background worker that asks the nodes shares with the backend
 * that waits for it: the nodes, then their names and commands (offsets
 * into the text after the last node); the answers, complete once done.
 */
#define ANSWER_LEN 128

typedef struct SizesNode
{
	int			port;
	Size		name;
	Size		command;
	bool		success;
	char		answer[ANSWER_LEN];
} SizesNode;

typedef struct SizesShared
{
	Oid			dbid;
	Oid			userid;
	int			n;
	bool		done;
	SizesNode	nodes[FLEXIBLE_ARRAY_MEMBER];
} SizesShared;

PGDLLEXPORT void conv_citus_sizes_main(Datum main_arg);

/*
 * The background worker: in its own session (the database and role of the
 * backend that started it), master_run_on_worker() asks every node at once
 * (a new connection to each, in parallel, closed after), connecting within
 * SHARD_CONNECT_TIMEOUT_MS (Citus's citus.node_connection_timeout).  Its
 * connections are its own: when the backend stops waiting and terminates
 * it, no half-read connection is left in the backend's Citus session for
 * the statement to meet; Citus's warnings of a node it cannot reach go to
 * the server's log.
 */
void
conv_citus_sizes_main(Datum main_arg)
{
	static const char *sql =
		"SELECT success, result FROM pg_catalog.master_run_on_worker($1, $2, $3, true)";
	Oid			argtypes[3] = {TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID};
	Datum		args[3];
	dsm_segment *seg;
	SizesShared *sh;
	char	   *text;
	Datum	   *names;
	Datum	   *ports;
	Datum	   *commands;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		proc_exit(0);
	sh = dsm_segment_address(seg);
	text = (char *) &sh->nodes[sh->n];
	BackgroundWorkerInitializeConnectionByOid(sh->dbid, sh->userid, 0);
	StartTransactionCommand();
	(void) set_config_option("citus.node_connection_timeout",
							 CppAsString2(SHARD_CONNECT_TIMEOUT_MS), PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SET, true, 0, false);
	PushActiveSnapshot(GetTransactionSnapshot());
	names = palloc(sh->n * sizeof(Datum));
	ports = palloc(sh->n * sizeof(Datum));
	commands = palloc(sh->n * sizeof(Datum));
	for (int i = 0; i < sh->n; i++)
	{
		names[i] = CStringGetTextDatum(text + sh->nodes[i].name);
		ports[i] = Int32GetDatum(sh->nodes[i].port);
		commands[i] = CStringGetTextDatum(text + sh->nodes[i].command);
	}
	args[0] = PointerGetDatum(construct_array(names, sh->n, TEXTOID, -1, false, TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(ports, sh->n, INT4OID, sizeof(int32), true,
											  TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(commands, sh->n, TEXTOID, -1, false, TYPALIGN_INT));
	spi_select(sql, 3, argtypes, args, false, "the nodes' answers");
	for (int i = 0; i < sh->n && i < (int) SPI_processed; i++)
	{
		bool		isnull;
		char	   *answer = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);

		sh->nodes[i].success = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
														  SPI_tuptable->tupdesc, 1, &isnull)) &&
			!isnull;
		strlcpy(sh->nodes[i].answer, answer ? answer : "", ANSWER_LEN);
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pg_write_barrier();
	sh->done = true;
	dsm_detach(seg);
	proc_exit(0);
}

/*
 * Wait for the background worker to stop, at most SHARD_SIZE_TIMEOUT_MS;
 * terminated when it has not.  True when it stopped.  The user's cancel or
 * statement_timeout still cancels the statement (and terminates it).
 */
static bool
wait_for_worker(BackgroundWorkerHandle *handle)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   SHARD_SIZE_TIMEOUT_MS);
	bool		stopped = false;

	PG_TRY();
	{
		for (;;)
		{
			pid_t		pid;
			BgwHandleStatus status = GetBackgroundWorkerPid(handle, &pid);
			long		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);

			if (status == BGWH_STOPPED || status == BGWH_POSTMASTER_DIED)
			{
				stopped = status == BGWH_STOPPED;
				break;
			}
			if (remaining <= 0)
				break;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 remaining, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
	PG_CATCH();
	{
		TerminateBackgroundWorker(handle);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (!stopped)
		TerminateBackgroundWorker(handle);
	return stopped;
}

/* The nodes, and where their names and commands go, in a new segment. */
static dsm_segment *
share_nodes(List *nodes)
{
	Size		size = offsetof(SizesShared, nodes) + list_length(nodes) * sizeof(SizesNode);
	Size		at = 0;
	dsm_segment *seg;
	SizesShared *sh;
	ListCell   *lc;

	foreach(lc, nodes)
		size += strlen(((ShardNode *) lfirst(lc))->name) + 1 +
			strlen(((ShardNode *) lfirst(lc))->command) + 1;
	seg = dsm_create(size, 0);
	sh = dsm_segment_address(seg);
	memset(sh, 0, offsetof(SizesShared, nodes));
	sh->dbid = MyDatabaseId;
	sh->userid = GetUserId();
	sh->n = list_length(nodes);
	foreach(lc, nodes)
	{
		ShardNode  *node = lfirst(lc);
		SizesNode  *out = &sh->nodes[foreach_current_index(lc)];
		char	   *text = (char *) &sh->nodes[sh->n];

		memset(out, 0, sizeof(*out));
		out->port = node->port;
		out->name = at;
		strcpy(text + at, node->name);
		at += strlen(node->name) + 1;
		out->command = at;
		strcpy(text + at, node->command);
		at += strlen(node->command) + 1;
	}
	return seg;
}

/* One node's answer (SHARD_SIZES_SQL) added to the figures; false if unreadable. */
static bool
add_node_answer(const char *answer, ConvSafetyTable *t, int expected)
{
	long long	bytes;
	long long	rows;
	int			guessed;
	int			estimated;
	int			found;

	if (sscanf(answer, "%lld %lld %d %d %d", &bytes, &rows, &guessed, &estimated, &found) != 5)
		return false;
	t->bytes += bytes;
	t->rows += rows;
	if (guessed > 0)
		t->counted = false;
	if (estimated > 0 || found < expected)
		t->measured = false;
	return true;
}

/*
 * The nodes other than this one, asked by a background worker
 * (conv_citus_sizes_main) for at most SHARD_SIZE_TIMEOUT_MS; a node's
 * shardlength stands in when it does not answer.
 */
static void
ask_nodes(ShardSizes *sz, List *nodes)
{
	dsm_segment *seg = share_nodes(nodes);
	SizesShared *sh = dsm_segment_address(seg);
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	const char *why = NULL;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "pg_conventions", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "conv_citus_sizes_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_conventions shard sizes for PID %d", MyProcPid);
	strlcpy(worker.bgw_type, "pg_conventions shard sizes", BGW_MAXLEN);
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		why = "no background worker slot is free (max_worker_processes)";
	else if (!wait_for_worker(handle))
		why = "no answer within " CppAsString2(SHARD_SIZE_TIMEOUT_MS) " ms";
	else if (!sh->done)
		why = "the background worker that asks them failed (see the server log)";
	pg_read_barrier();
	for (int i = 0; i < sh->n; i++)
	{
		ShardNode  *node = list_nth(nodes, i);

		if (why == NULL && sh->nodes[i].success &&
			add_node_answer(sh->nodes[i].answer, sz->t, node->shards))
			sz->answered++;
		else
		{
			sz->silent++;
			sz->t->bytes += node->length;
			ereport(DEBUG1,
					(errmsg_internal("no size of the shards of \"%s\" from %s:%d: %s",
									 sz->t->display_name, node->name, node->port,
									 why ? why : sh->nodes[i].answer)));
		}
	}
	dsm_detach(seg);
}

/*
 * In a subtransaction: the placements, this node's shards kept for the
 * caller, the other nodes asked.
 */
static void
read_shard_sizes(void *arg)
{
	ShardSizes *sz = arg;
	Oid			argtypes[2] = {REGCLASSARRAYOID, TEXTOID};
	Datum		args[2];
	Datum	   *elems = palloc(list_length(sz->relids) * sizeof(Datum));
	List	   *nodes = NIL;

	for (int i = 0; i < list_length(sz->relids); i++)
		elems[i] = ObjectIdGetDatum(list_nth_oid(sz->relids, i));
	args[0] = PointerGetDatum(construct_array(elems, list_length(sz->relids), REGCLASSOID,
											  sizeof(Oid), true, TYPALIGN_INT));
	args[1] = CStringGetTextDatum(SHARD_SIZES_SQL);
	spi_select(placements_sql, 2, argtypes, args, false, "the shards' placements");
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tup = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		if (DatumGetBool(SPI_getbinval(tup, desc, 1, &isnull)))
		{
			MemoryContext spi = MemoryContextSwitchTo(sz->cxt);
			Datum	   *shards;
			bool	   *nulls;
			int			nshards;

			deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, 6, &isnull)),
							  OIDOID, sizeof(Oid), true, TYPALIGN_INT, &shards, &nulls, &nshards);
			for (int i = 0; i < nshards; i++)
				if (!nulls[i])
					sz->local = lappend_oid(sz->local, DatumGetObjectId(shards[i]));
			MemoryContextSwitchTo(spi);
			sz->answered++;
		}
		else
		{
			ShardNode  *node = palloc(sizeof(ShardNode));

			node->name = SPI_getvalue(tup, desc, 2);
			node->port = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
			node->shards = (int) DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
			node->length = DatumGetInt64(DirectFunctionCall1(numeric_int8,
															 SPI_getbinval(tup, desc, 5, &isnull)));
			node->command = SPI_getvalue(tup, desc, 7);
			nodes = lappend(nodes, node);
		}
	}
	if (nodes != NIL)
		ask_nodes(sz, nodes);
	SPI_finish();
}

static void
read_shard_sizes_step(void *arg)
{
	read_shard_sizes((ShardSizes *) arg);
}

/*
 * read_shard_sizes() in a subtransaction: on an error the reading is
 * undone and the figures are what it had added, except that the user's
 * cancel or statement_timeout, arriving while the guard waits, cancels the
 * statement.  True when it completed.
 */
static bool
read_shard_sizes_safely(ShardSizes *sz)
{
	MemoryContext old = MemoryContextSwitchTo(sz->cxt);
	ErrorData  *edata = conv_subtransaction(read_shard_sizes_step, sz, true);

	MemoryContextSwitchTo(old);
	if (edata == NULL)
		return true;
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
	{
		edata->context = psprintf("reading the size of table \"%s\" from its shards",
								  sz->t->display_name);
		ReThrowError(edata);
	}
	ereport(DEBUG1,
			(errmsg_internal("no size of the shards of \"%s\": %s",
							 sz->t->display_name, edata->message)));
	return false;
}

/*
 * A Citus table's size on the coordinator, from its shards: one placement
 * of each (a reference table counts once), this node's measured by the
 * caller from their files (*local replaces *relids), the others' read on
 * their nodes (SHARD_SIZES_SQL), within the bound.  The figures are added
 * to *t, and *origin says whether every node answered.  False, *t and
 * *relids untouched, for a table that is not Citus's, on a worker, or when
 * no node with its shards answered: the coordinator's shell is then all
 * the guard knows.  Only the rules that ask a size come here, once per
 * table and statement (conv_safety_table()).
 */
bool
conv_citus_shard_sizes(List **relids, ConvSafetyTable *t, ConvFiguresOrigin *origin)
{
	ShardSizes	sz;
	ConvSafetyTable found = *t;
	char		method;
	AttrNumber	distcol;

	if (*relids == NIL || !conv_citus_present() ||
		!conv_citus_table(linitial_oid(*relids), &method, &distcol) ||
		!conv_citus_is_coordinator())
		return false;
	memset(&sz, 0, sizeof(sz));
	sz.relids = *relids;
	sz.t = &found;
	sz.cxt = CurrentMemoryContext;
	if (!read_shard_sizes_safely(&sz) || sz.answered == 0)
		return false;
	*t = found;
	*relids = sz.local;
	*origin = sz.silent > 0 ? CONV_FIGURES_SOME_SHARDS : CONV_FIGURES_SHARDS;
	if (sz.silent > 0)
		t->measured = false;
	return true;
}
