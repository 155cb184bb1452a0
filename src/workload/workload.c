/*-------------------------------------------------------------------------
 *
 * workload.c
 *		The workload capture: what the executed queries ask of the tables,
 *		for its two readers, the index advisor and the query-pattern
 *		detector.
 *
 * When the library is in shared_preload_libraries, executor hooks sample
 * executed SELECT, UPDATE and DELETE statements that read a user table.
 * Sampling keeps sequences whole: what is sampled is a client (database,
 * login role, client address, application_name) for a period of time
 * (pg_conventions.capture_sample_period): every statement of every
 * transaction that starts in that period, over every connection of that
 * client, or none.  The decision is a hash of the client and the period,
 * the same in every backend, so the pooled connections of one client agree
 * without talking to each other, and an N+1 burst is seen whole at any
 * rate.  pg_conventions.capture_sample_rate is the fraction of
 * client-periods sampled.
 *
 * A sampled statement, when it ends, goes
 *  - into a hash table in shared memory of fixed size
 *    (pg_conventions.capture_max_statements), for the advisor: one entry per
 *    statement shape of one role in one database (the query ID when the
 *    server computes one, else the text normalized here: the library does
 *    not turn query IDs on, which would change EXPLAIN VERBOSE), as
 *    pg_stat_statements keeps them, with the first text seen (texts that
 *    differ only in the constants an ORM inlines are one entry, not a
 *    thousand one-off ones pushing each other out), the search_path it ran
 *    under and, for a statement with parameters, the parameter values it
 *    ran with most often (space-saving counts), so that a partial index for
 *    `status = $1` can be judged with the values that really come.  The
 *    planner, not this file, turns statements into predicates per table
 *    (advisor.c): the statements are what suggest_indexes() has to plan
 *    again to verify each index.  A full table evicts its least-sampled
 *    tenth at once.
 *  - to the query-pattern detector (patterns.c), as one execution of its
 *    client: its shape (the query ID, or the normalized text), the rows it
 *    returned, its executor time, the OFFSET it skipped.
 *
 * An unsampled statement costs one hash of two integers.  A sampled one
 * costs a timer around the executor, one output-function call per
 * parameter, the text normalized once per shape and backend, and two
 * exclusive LWLocks.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/instrument.h"
#include "libpq/libpq-be.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parsetree.h"
#include "parser/scansup.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(conventions_workload);
PG_FUNCTION_INFO_V1(conventions_workload_reset);
PG_FUNCTION_INFO_V1(conventions_workload_info);

/* sizes of one entry (its text's: pg_conventions.capture_text_size) */
#define WL_PATH_BYTES	256		/* the search_path they ran under */
#define WL_MAX_PARAMS	16		/* more parameters: values not kept */
#define WL_PARAM_SETS	CONV_PARAM_SETS	/* most frequent value sets kept */
#define WL_SET_BYTES	256		/* all values of one set, encoded */

double		conv_capture_sample_rate = 0.01;
static int	capture_sample_period = 10000;	/* ms */
static int	capture_max_statements = 1000;
static int	capture_text_size = 8192;	/* bytes of a statement's text, its end included */

typedef struct WorkloadKey
{
	Oid			userid;
	Oid			dbid;
	uint64		shape;			/* the query ID, or the text's hash */
} WorkloadKey;

/* One set of parameter values: each value a length (-1: NULL) and its bytes. */
typedef struct ParamSet
{
	int64		calls;
	uint16		len;			/* bytes used in data; 0: slot empty */
	char		data[WL_SET_BYTES];
} ParamSet;

typedef struct WorkloadEntry
{
	WorkloadKey key;			/* hash key */
	int64		calls;			/* sampled executions */
	int64		unbound;		/* of them, values not kept (or no parameters) */
	int64		failed;			/* of them, ended by an error or a cancel */
	double		total_ms;		/* their executor time, to the error for those */
	int64		rows;			/* rows returned or changed by those that ended */
	uint64		queryid;
	int			nparams;
	Oid			paramtypes[WL_MAX_PARAMS];
	ParamSet	sets[WL_PARAM_SETS];
	char		search_path[WL_PATH_BYTES];
	int			len;
	char		text[FLEXIBLE_ARRAY_MEMBER];	/* capture_text_size bytes */
} WorkloadEntry;

#define WL_ENTRY_SIZE	(offsetof(WorkloadEntry, text) + capture_text_size)

typedef struct WorkloadShared
{
	LWLock	   *lock;
	int64		evicted;		/* entries pushed out by newer ones */
	pg_atomic_uint64 too_long;	/* executions not kept: their text over capture_text_size */
	TimestampTz reset_time;
} WorkloadShared;

static WorkloadShared *wl_shared = NULL;
static HTAB *wl_hash = NULL;

static shmem_request_hook_type prev_shmem_request = NULL;
static shmem_startup_hook_type prev_shmem_startup = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;

/*
 * Statements run while another executes (functions' queries, foreign-key
 * checks in triggers) are not captured: top-level statements only, like
 * pg_stat_statements' default.
 */
static int	nesting_level = 0;

/*
 * What a utility statement runs inside it is nested too (the guard's own
 * queries before it, an event trigger's, a DO block's, CREATE TABLE AS's),
 * as pg_stat_statements counts it; the ProcessUtility hook calls this around
 * every utility statement except those that run a client's query as their
 * own (EXECUTE, DECLARE, FETCH).
 */
void
conv_workload_nest(int delta)
{
	nesting_level += delta;
}

bool
conv_workload_runs_client_query(Node *utility)
{
	return IsA(utility, ExecuteStmt) || IsA(utility, DeclareCursorStmt) ||
		IsA(utility, FetchStmt) || IsA(utility, ClosePortalStmt);
}

static Size
workload_shmem_size(void)
{
	return add_size(add_size(MAXALIGN(sizeof(WorkloadShared)),
							 hash_estimate_size(capture_max_statements, WL_ENTRY_SIZE)),
					conv_patterns_shmem_size());
}

static void
workload_shmem_request(void)
{
	if (prev_shmem_request)
		prev_shmem_request();
	RequestAddinShmemSpace(workload_shmem_size());
	RequestNamedLWLockTranche("pg_conventions", 2);
}

static void
workload_shmem_startup(void)
{
	bool		found;
	HASHCTL		info;

	if (prev_shmem_startup)
		prev_shmem_startup();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	wl_shared = ShmemInitStruct("pg_conventions workload", sizeof(WorkloadShared), &found);
	if (!found)
	{
		wl_shared->lock = &(GetNamedLWLockTranche("pg_conventions"))[0].lock;
		wl_shared->evicted = 0;
		pg_atomic_init_u64(&wl_shared->too_long, 0);
		wl_shared->reset_time = GetCurrentTimestamp();
	}
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(WorkloadKey);
	info.entrysize = WL_ENTRY_SIZE;
	wl_hash = CONV_SHMEM_INIT_HASH("pg_conventions workload statements",
								   capture_max_statements, &info, HASH_ELEM | HASH_BLOBS);
	conv_patterns_shmem_startup(&(GetNamedLWLockTranche("pg_conventions"))[1].lock);
	LWLockRelease(AddinShmemInitLock);
}

/* The first user table the plan reads (not a catalog, a view of one, or nothing). */
static Oid
first_user_table(PlannedStmt *ps)
{
	ListCell   *lc;

	foreach(lc, ps->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind == RTE_RELATION && rte->relid >= FirstNormalObjectId &&
			(rte->relkind == RELKIND_RELATION || rte->relkind == RELKIND_PARTITIONED_TABLE ||
			 rte->relkind == RELKIND_MATVIEW))
			return rte->relid;
	}
	return InvalidOid;
}

/* Encode the parameter values; false when they do not fit in a set. */
static bool
encode_params(ParamListInfo params, ParamSet *set, Oid *types)
{
	char	   *p = set->data;
	char	   *end = set->data + WL_SET_BYTES;

	for (int i = 0; i < params->numParams; i++)
	{
		ParamExternData *prm = &params->params[i];
		int16		len = -1;
		char	   *str = NULL;

		types[i] = prm->ptype;
		if (!OidIsValid(prm->ptype))
			return false;
		if (!prm->isnull)
		{
			Oid			typoutput;
			bool		isvarlena;

			getTypeOutputInfo(prm->ptype, &typoutput, &isvarlena);
			str = OidOutputFunctionCall(typoutput, prm->value);
			if (strlen(str) >= WL_SET_BYTES)
				return false;
			len = (int16) strlen(str);
		}
		if (p + sizeof(int16) + Max(len, 0) > end)
			return false;
		memcpy(p, &len, sizeof(int16));
		p += sizeof(int16);
		if (len > 0)
		{
			memcpy(p, str, len);
			p += len;
		}
	}
	set->len = (uint16) (p - set->data);
	return set->len > 0;
}

/* Count one execution with this value set: space-saving over WL_PARAM_SETS slots. */
static void
count_set(WorkloadEntry *e, const ParamSet *set)
{
	ParamSet   *least = NULL;

	for (int i = 0; i < WL_PARAM_SETS; i++)
	{
		ParamSet   *s = &e->sets[i];

		if (s->len == set->len && memcmp(s->data, set->data, set->len) == 0)
		{
			s->calls++;
			return;
		}
		if (s->len == 0)
		{
			memcpy(s->data, set->data, set->len);
			s->len = set->len;
			s->calls = 1;
			return;
		}
		if (least == NULL || s->calls < least->calls)
			least = s;
	}
	memcpy(least->data, set->data, set->len);
	least->len = set->len;
	least->calls++;
}

typedef struct EvictCandidate
{
	int64		calls;
	WorkloadKey key;
} EvictCandidate;

static int
candidate_cmp(const void *a, const void *b)
{
	int64		x = ((const EvictCandidate *) a)->calls;
	int64		y = ((const EvictCandidate *) b)->calls;

	return x < y ? -1 : x > y;
}

/*
 * Make room: the tenth of the entries sampled least go at once, so that a
 * workload of one-off texts (constants inlined) pays one scan of the table
 * per hundred new entries, not one per entry.
 */
static void
evict_some(void)
{
	HASH_SEQ_STATUS seq;
	WorkloadEntry *e;
	long		n = hash_get_num_entries(wl_hash);
	long		goal = Max(n / 10, 1);
	EvictCandidate *c = palloc(Max(n, 1) * sizeof(EvictCandidate));
	long		i = 0;

	hash_seq_init(&seq, wl_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (i < n)
		{
			c[i].calls = e->calls;
			c[i++].key = e->key;
		}
	qsort(c, i, sizeof(EvictCandidate), candidate_cmp);
	for (long k = 0; k < Min(goal, i); k++)
		hash_search(wl_hash, &c[k].key, HASH_REMOVE, NULL);
	wl_shared->evicted += Min(goal, i);
	pfree(c);
}

/* The statement's own text: its part of a multi-statement string, trimmed. */
static const char *
statement_text(QueryDesc *qd, int *lenp)
{
	PlannedStmt *ps = qd->plannedstmt;
	const char *text = qd->sourceText;
	int			len;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	if (ps->stmt_location >= 0 && ps->stmt_location <= len)
	{
		text += ps->stmt_location;
		len = ps->stmt_len > 0 ? Min(ps->stmt_len, len - ps->stmt_location) :
			len - ps->stmt_location;
	}
	while (len > 0 && scanner_isspace(*text))
		text++, len--;
	while (len > 0 && (scanner_isspace(text[len - 1]) || text[len - 1] == ';'))
		len--;
	if (len == 0)
		return NULL;
	*lenp = len;
	return text;
}

/* ---- the client, and which of its periods are sampled ---- */

static bool client_known = false;
static uint64 client_hash;
static Oid	client_dbid;
static Oid	client_user;
static char client_application[NAMEDATALEN];
static bool client_citus_internal;

/* This session's client: recomputed when application_name or the login role changes. */
static uint64
current_client(void)
{
	const char *app = application_name ? application_name : "";
	const char *addr = MyProcPort && MyProcPort->remote_host ? MyProcPort->remote_host : "";

	if (!client_known || client_user != GetSessionUserId() || client_dbid != MyDatabaseId ||
		strncmp(client_application, app, NAMEDATALEN - 1) != 0)
	{
		uint64		h;

		client_user = GetSessionUserId();
		client_dbid = MyDatabaseId;
		strlcpy(client_application, app, NAMEDATALEN);
		h = hash_bytes_extended((const unsigned char *) client_application,
								strlen(client_application), client_user);
		h = hash_combine64(h, hash_bytes_extended((const unsigned char *) addr, strlen(addr),
												  client_dbid));
		client_hash = h;
		/* Citus's own connections: shard queries, not the application's */
		client_citus_internal = strncmp(app, "citus_internal gpid=", 20) == 0 ||
			strncmp(app, "citus_run_command gpid=", 23) == 0 ||
			strncmp(app, "citus_rebalancer gpid=", 22) == 0;
		client_known = true;
	}
	return client_hash;
}

/*
 * Is this client's period sampled?  The period is that of the start of the
 * transaction, so a transaction is never cut.  Citus's own connections
 * (its queries on shards, on workers and on a coordinator holding shards)
 * never are: the application's statements are captured where it sent them.
 */
static bool
period_sampled(void)
{
	uint64		period;
	uint64		h;

	if (conv_capture_sample_rate <= 0.0)
		return false;
	h = current_client();
	if (client_citus_internal)
		return false;
	if (conv_capture_sample_rate >= 1.0)
		return true;
	period = (uint64) GetCurrentTransactionStartTimestamp() /
		((uint64) capture_sample_period * 1000);
	h = hash_combine64(h, period);
	h = hash_bytes_extended((const unsigned char *) &h, sizeof(h), 0);
	return (double) (h >> 11) * (1.0 / (double) (UINT64CONST(1) << 53)) < conv_capture_sample_rate;
}

/* ---- the shape, for the detector ---- */

/*
 * Normalized texts this backend has made, by query ID or, without one, by
 * the text's shape key (conv_shape_key: the text less its constants): each
 * shape is normalized once, not each statement.
 */
typedef struct ShapeEntry
{
	uint64		key;
	uint64		shape;
	char	   *text;			/* NULL: the scanner could not read it */
} ShapeEntry;

#define WL_SHAPES_MAX 512
static HTAB *shapes = NULL;
static MemoryContext shapes_cxt = NULL;
static uint64 shapes_generation = 0;	/* counts the table's resets */

/*
 * The statement's shape; in *constants, the hash of what tells its
 * executions apart in the text (its constants, or the whole text).
 */
static ShapeEntry *
statement_shape(uint64 queryid, const char *text, int len, uint64 *constants)
{
	uint64		key;
	ShapeEntry *se;
	bool		found;

	if (!conv_shape_key(text, len, &key, constants))
		key = *constants = hash_bytes_extended((const unsigned char *) text, len, 2);
	if (queryid)
		key = queryid;
	if (shapes == NULL || hash_get_num_entries(shapes) >= WL_SHAPES_MAX)
	{
		HASHCTL		info;

		if (shapes_cxt == NULL)
			shapes_cxt = AllocSetContextCreate(TopMemoryContext, "pg_conventions shapes",
											   ALLOCSET_DEFAULT_SIZES);
		else
			MemoryContextReset(shapes_cxt);
		shapes_generation++;
		memset(&info, 0, sizeof(info));
		info.keysize = sizeof(uint64);
		info.entrysize = sizeof(ShapeEntry);
		info.hcxt = shapes_cxt;
		shapes = hash_create("pg_conventions shapes", 64, &info,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	se = hash_search(shapes, &key, HASH_ENTER, &found);
	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(shapes_cxt);
		char	   *copy = pnstrdup(text, len);

		se->text = conv_normalize_query(copy);
		pfree(copy);
		MemoryContextSwitchTo(old);
		se->shape = queryid ? queryid :
			(se->text ? hash_bytes_extended((const unsigned char *) se->text,
											strlen(se->text), 3) : key);
	}
	return se;
}

/* Is the plan a plain count() (or several) of the rows it reads? */
static bool
is_plain_count(Plan *plan)
{
	ListCell   *lc;
	bool		any = false;

	if (plan == NULL || !IsA(plan, Agg) || ((Agg *) plan)->aggstrategy != AGG_PLAIN)
		return false;
	foreach(lc, plan->targetlist)
	{
		TargetEntry *tle = lfirst(lc);
		Aggref	   *agg = (Aggref *) tle->expr;

		if (tle->resjunk)
			continue;
		if (!IsA(agg, Aggref) ||
			(agg->aggfnoid != F_COUNT_ && agg->aggfnoid != F_COUNT_ANY))
			return false;
		any = true;
	}
	return any;
}

/*
 * A sampled statement being executed, made ready at its start for the
 * advisor's table, so that an error or a cancel can record it with no more
 * than a lock and a copy: no output function, no allocation.
 */
typedef struct Pending
{
	QueryDesc  *qd;
	WorkloadKey key;
	uint64		queryid;
	int			nparams;		/* 0 when more than WL_MAX_PARAMS */
	bool		bound;			/* the values are in set */
	Oid			types[WL_MAX_PARAMS];
	ParamSet	set;
	uint64		values;			/* hash of the values, 0 without */
	uint64		constants;		/* hash of the text's constants */
	ShapeEntry *shape;			/* valid while shapes_generation is the same */
	uint64		shape_generation;
	Oid			relid;			/* the first user table it reads */
	const char *text;			/* the statement's own text, in its portal */
	int			len;
	char		search_path[WL_PATH_BYTES];
	instr_time	start;
} Pending;

/*
 * Make the pending record of a statement: false when it is not one to
 * capture (not a SELECT, UPDATE or DELETE of a user table, or its text or
 * search_path too long).
 */
static bool
prepare_capture(Pending *p, QueryDesc *qd)
{
	PlannedStmt *ps = qd->plannedstmt;
	const char *path;
	ShapeEntry *se;

	if (ps->commandType != CMD_SELECT && ps->commandType != CMD_UPDATE &&
		ps->commandType != CMD_DELETE)
		return false;
	if (ps->utilityStmt != NULL || !OidIsValid(p->relid = first_user_table(ps)))
		return false;
	p->text = statement_text(qd, &p->len);
	if (p->text != NULL && p->len >= capture_text_size)
	{
		pg_atomic_fetch_add_u64(&wl_shared->too_long, 1);
		return false;
	}
	path = GetConfigOption("search_path", false, false);
	if (p->text == NULL || strlen(path) >= WL_PATH_BYTES)
		return false;
	strlcpy(p->search_path, path, WL_PATH_BYTES);
	se = statement_shape(ps->queryId, p->text, p->len, &p->constants);
	p->shape = se;
	p->shape_generation = shapes_generation;

	memset(&p->key, 0, sizeof(p->key));
	p->key.userid = GetUserId();
	p->key.dbid = MyDatabaseId;
	/* one entry per statement shape: see the head of this file */
	p->key.shape = se->shape;
	p->queryid = ps->queryId;
	p->nparams = 0;
	p->bound = false;
	p->values = 0;
	if (qd->params && qd->params->numParams > 0)
	{
		p->nparams = qd->params->numParams;
		/* values fetched on demand (PL/pgSQL) or too many: counted, not kept */
		if (qd->params->paramFetch == NULL && p->nparams <= WL_MAX_PARAMS)
		{
			memset(&p->set, 0, offsetof(ParamSet, data));
			p->bound = encode_params(qd->params, &p->set, p->types);
			if (p->bound)
				p->values = hash_bytes_extended((const unsigned char *) p->set.data,
												p->set.len, 1);
		}
		if (p->nparams > WL_MAX_PARAMS)
			p->nparams = 0;
	}
	p->qd = qd;
	INSTR_TIME_SET_CURRENT(p->start);
	return true;
}

/*
 * Into the advisor's table: one execution, its time and rows, failed when
 * an error or a cancel ended it.  On that path nothing is allocated: a full
 * table then evicts nothing and the execution is not recorded.
 */
static void
record_capture(const Pending *p, bool failed, double ms, int64 rows)
{
	WorkloadEntry *e;
	bool		found;

	LWLockAcquire(wl_shared->lock, LW_EXCLUSIVE);
	e = hash_search(wl_hash, &p->key, HASH_FIND, NULL);
	if (e == NULL)
	{
		if (hash_get_num_entries(wl_hash) >= capture_max_statements && !failed)
			evict_some();
		e = hash_search(wl_hash, &p->key, HASH_ENTER_NULL, &found);
		if (e == NULL)
		{
			LWLockRelease(wl_shared->lock);
			return;
		}
		memset((char *) e + sizeof(WorkloadKey), 0, offsetof(WorkloadEntry, text) - sizeof(WorkloadKey));
		e->queryid = p->queryid;
		e->nparams = p->nparams;
		if (p->bound)
			memcpy(e->paramtypes, p->types, p->nparams * sizeof(Oid));
		strlcpy(e->search_path, p->search_path, WL_PATH_BYTES);
		memcpy(e->text, p->text, p->len);
		e->text[p->len] = '\0';
		e->len = p->len;
	}
	e->calls++;
	e->failed += failed ? 1 : 0;
	e->total_ms += ms;
	e->rows += rows;
	if (p->bound && e->nparams == p->nparams &&
		memcmp(e->paramtypes, p->types, p->nparams * sizeof(Oid)) == 0)
		count_set(e, &p->set);
	else
		e->unbound++;
	LWLockRelease(wl_shared->lock);
}

/*
 * The statements being executed that were sampled (portals can be open
 * side by side); forgotten at the end of the transaction, for those an
 * error ended outside the executor's run.
 */
#define WL_OPEN_MAX 8
static Pending pending[WL_OPEN_MAX];
static int	npending = 0;

/* The statement's pending record, taken off the list (false: none). */
static bool
take_pending(QueryDesc *qd, Pending *p)
{
	for (int i = 0; i < npending; i++)
		if (pending[i].qd == qd)
		{
			*p = pending[i];
			if (i != --npending)
				pending[i] = pending[npending];
			return true;
		}
	return false;
}

static void
workload_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_COMMIT || event == XACT_EVENT_PREPARE)
		npending = 0;
}

/* A sampled statement ends: into the capture and to the detector. */
static void
capture(QueryDesc *qd, const Pending *p)
{
	PlannedStmt *ps = qd->plannedstmt;
	ConvExecution e;
	ShapeEntry *se;
	PlanState  *top = qd->planstate;
	uint64		constants;

	memset(&e, 0, sizeof(e));
	e.rows = qd->estate ? (int64) qd->estate->es_processed : 0;
	CONV_QUERY_TIME_MS(qd, e.time_ms);
	record_capture(p, false, e.time_ms, e.rows);

	/* its normalized text for the detector: the start's, unless the table was reset since */
	se = p->shape_generation == shapes_generation ? p->shape :
		statement_shape(ps->queryId, p->text, p->len, &constants);
	e.client = current_client();
	e.dbid = MyDatabaseId;
	e.userid = GetUserId();
	e.application = client_application;
	e.address = MyProcPort && MyProcPort->remote_host ? MyProcPort->remote_host : "";
	e.pid = MyProcPid;
	e.shape = se->shape;
	e.text = se->text;
	/* constants differ in the text, parameters in their values */
	e.values = hash_combine64(p->constants, p->values);
	e.relid = p->relid;
	e.end = GetCurrentTimestamp();
	e.limit = -1;
	if (top && IsA(top, LimitState))
	{
		LimitState *ls = (LimitState *) top;

		e.limited = true;
		e.offset = ls->offset;
		e.limit = ls->noCount ? -1 : ls->count;
	}
	e.counts = ps->commandType == CMD_SELECT && is_plain_count(ps->planTree);
	conv_patterns_record(&e);
}

/*
 * An error or a cancel ends a top-level statement in the executor: it is
 * recorded with the time it ran, which pg_stat_statements never counts (the
 * statement that statement_timeout cancels is the one that most needs an
 * index).  Only the shared table is written, from what its start prepared.
 */
static void
capture_failed(QueryDesc *qd)
{
	Pending		p;
	instr_time	now;

	if (nesting_level != 0 || npending == 0 || !take_pending(qd, &p))
		return;
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, p.start);
	record_capture(&p, true, INSTR_TIME_GET_MILLISEC(now), 0);
}

static void
workload_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	bool		sampled;

	sampled = conv_capture_sample_rate > 0 && wl_hash != NULL && nesting_level == 0 &&
		(eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 && !IsParallelWorker() &&
		queryDesc->plannedstmt->commandType != CMD_UTILITY && npending < WL_OPEN_MAX &&
		period_sampled() && prepare_capture(&pending[npending], queryDesc);
	/* time the executor, as pg_stat_statements does, unless it already does */
	if (sampled)
		CONV_QUERY_TIMER_BEFORE_START(queryDesc);
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
	if (sampled)
	{
		CONV_QUERY_TIMER_AFTER_START(queryDesc);
		npending++;
	}
}

static void
workload_ExecutorEnd(QueryDesc *queryDesc)
{
	Pending		p;

	if (npending > 0 && take_pending(queryDesc, &p))
		capture(queryDesc, &p);
	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

static void
workload_ExecutorRun(CONV_EXECUTOR_RUN_ARGS_DECL)
{
	nesting_level++;
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(CONV_EXECUTOR_RUN_ARGS);
		else
			standard_ExecutorRun(CONV_EXECUTOR_RUN_ARGS);
	}
	PG_CATCH();
	{
		nesting_level--;
		capture_failed(queryDesc);
		PG_RE_THROW();
	}
	PG_END_TRY();
	nesting_level--;
}

static void
workload_ExecutorFinish(QueryDesc *queryDesc)
{
	nesting_level++;
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_CATCH();
	{
		nesting_level--;
		capture_failed(queryDesc);
		PG_RE_THROW();
	}
	PG_END_TRY();
	nesting_level--;
}

/*
 * Called from _PG_init.  The capture exists only when preloaded with
 * shared_preload_libraries: shared memory is sized at server start.
 */
void
conv_workload_init(void)
{
	DefineCustomRealVariable("pg_conventions.capture_sample_rate",
							 "Fraction of client periods the workload capture samples, for the index advisor and the query-pattern detector.",
							 "0 turns the capture off, 1 records every SELECT, UPDATE and DELETE "
							 "that reads a user table.  Only with shared_preload_libraries.",
							 &conv_capture_sample_rate,
							 0.01, 0.0, 1.0,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("pg_conventions.capture_sample_period",
							"Length of the periods sampled whole, per client.",
							"A client (database, login role, address, application_name) is "
							"sampled or not for a whole period: every statement of every "
							"transaction that starts in it, over all its connections.",
							&capture_sample_period,
							10000, 1, 3600 * 1000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	conv_patterns_init();
	/* a server-start setting can only be defined while the server starts */
	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomIntVariable("pg_conventions.capture_max_statements",
							"Statements the workload capture keeps; the least sampled make room.",
							NULL,
							&capture_max_statements,
							1000, 10, 100000,
							PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_conventions.capture_text_size",
							"Longest statement text the workload capture keeps, in bytes.",
							"Each kept statement takes this much shared memory for its text; "
							"a longer statement is counted in workload_info(), not kept.",
							&capture_text_size,
							8192, 1024, 1024 * 1024,
							PGC_POSTMASTER, GUC_UNIT_BYTE,
							NULL, NULL, NULL);
	CONV_INSTALL_SHMEM_REQUEST(prev_shmem_request, workload_shmem_request);
	prev_shmem_startup = shmem_startup_hook;
	shmem_startup_hook = workload_shmem_startup;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = workload_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = workload_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = workload_ExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = workload_ExecutorEnd;
	RegisterXactCallback(workload_xact_callback, NULL);
}

bool
conv_workload_available(void)
{
	return wl_hash != NULL;
}

void
conv_workload_require(void)
{
	if (wl_hash == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the workload capture is not available"),
				 errdetail("pg_conventions is not in shared_preload_libraries."),
				 errhint("Add pg_conventions to shared_preload_libraries and restart the server.")));
}

/* May the current role see the statements of that one?  As pg_stat_statements decides. */
bool
conv_workload_may_see(Oid userid)
{
	return userid == GetUserId() ||
		has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
}

/* The values of one set, decoded: NULL entries for NULL values. */
static char **
decode_set(const ParamSet *set, int nparams)
{
	char	  **values = palloc0(nparams * sizeof(char *));
	const char *p = set->data;

	for (int i = 0; i < nparams; i++)
	{
		int16		len;

		memcpy(&len, p, sizeof(int16));
		p += sizeof(int16);
		if (len >= 0)
		{
			values[i] = pnstrdup(p, len);
			p += len;
		}
	}
	return values;
}

/*
 * Copies of the captured statements of one database that the current role
 * may see, most sampled first.
 */
List *
conv_workload_statements(Oid dbid)
{
	List	   *result = NIL;
	HASH_SEQ_STATUS seq;
	WorkloadEntry *e;

	conv_workload_require();
	LWLockAcquire(wl_shared->lock, LW_SHARED);
	hash_seq_init(&seq, wl_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		ConvStatement *s;

		if ((OidIsValid(dbid) && e->key.dbid != dbid) || !conv_workload_may_see(e->key.userid))
			continue;
		s = palloc0(sizeof(ConvStatement));
		s->userid = e->key.userid;
		s->dbid = e->key.dbid;
		s->queryid = e->queryid;
		s->query = pstrdup(e->text);
		s->search_path = pstrdup(e->search_path);
		s->calls = e->calls;
		s->unbound = e->unbound;
		s->failed = e->failed;
		s->total_ms = e->total_ms;
		s->rows = e->rows;
		s->nparams = e->nparams;
		s->paramtypes = palloc(Max(e->nparams, 1) * sizeof(Oid));
		memcpy(s->paramtypes, e->paramtypes, e->nparams * sizeof(Oid));
		for (int i = 0; i < WL_PARAM_SETS; i++)
			if (e->sets[i].len > 0 && e->nparams > 0)
			{
				s->set_values[s->nsets] = decode_set(&e->sets[i], e->nparams);
				s->set_calls[s->nsets] = e->sets[i].calls;
				s->nsets++;
			}
		result = lappend(result, s);
	}
	LWLockRelease(wl_shared->lock);
	return result;
}

/*
 * conventions.workload(): one row per captured statement and value set,
 * and one with NULL params for the executions whose values were not kept.
 * The statement's executions that failed, their time and rows are on each
 * of its rows (not in the definitions before 0.13, with 7 columns).
 */
Datum
conventions_workload(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *stmts;
	ListCell   *lc;

	conv_workload_require();
	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	if (rsinfo->setDesc->natts != 7 && rsinfo->setDesc->natts != 10)
		elog(ERROR, "unexpected result type of conventions.workload()");
	stmts = conv_workload_statements(InvalidOid);
	foreach(lc, stmts)
	{
		ConvStatement *s = lfirst(lc);
		Datum		values[10];
		bool		nulls[10] = {false};

		values[0] = ObjectIdGetDatum(s->userid);
		values[1] = ObjectIdGetDatum(s->dbid);
		values[2] = Int64GetDatum((int64) s->queryid);
		nulls[2] = s->queryid == 0;
		values[3] = CStringGetTextDatum(s->query);
		values[6] = CStringGetTextDatum(s->search_path);
		values[7] = Int64GetDatum(s->failed);
		values[8] = Float8GetDatum(s->total_ms);
		values[9] = Int64GetDatum(s->rows);
		for (int i = 0; i < s->nsets; i++)
		{
			Datum	   *elems = palloc(s->nparams * sizeof(Datum));
			bool	   *enulls = palloc(s->nparams * sizeof(bool));
			int			dims[1] = {s->nparams};
			int			lbs[1] = {1};

			for (int j = 0; j < s->nparams; j++)
			{
				enulls[j] = s->set_values[i][j] == NULL;
				elems[j] = enulls[j] ? (Datum) 0 : CStringGetTextDatum(s->set_values[i][j]);
			}
			values[4] = PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs,
														   TEXTOID, -1, false, TYPALIGN_INT));
			nulls[4] = false;
			values[5] = Int64GetDatum(s->set_calls[i]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		if (s->unbound > 0 || s->nsets == 0)
		{
			nulls[4] = true;
			values[5] = Int64GetDatum(s->unbound);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/* Executions not kept since the last reset: their text over capture_text_size. */
int64
conv_workload_too_long(void)
{
	conv_workload_require();
	return (int64) pg_atomic_read_u64(&wl_shared->too_long);
}

/*
 * conventions.workload_info(): what the capture holds and what it could not
 * keep since the last reset, as pg_stat_statements_info() says it.
 */
Datum
conventions_workload_info(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {false};

	conv_workload_require();
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	LWLockAcquire(wl_shared->lock, LW_SHARED);
	values[0] = Int64GetDatum(hash_get_num_entries(wl_hash));
	values[1] = Int64GetDatum(wl_shared->evicted);
	values[2] = Int64GetDatum((int64) pg_atomic_read_u64(&wl_shared->too_long));
	values[3] = Int32GetDatum(capture_text_size);
	values[4] = TimestampTzGetDatum(wl_shared->reset_time);
	LWLockRelease(wl_shared->lock);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/* conventions.workload_reset(): forget every captured statement. */
Datum
conventions_workload_reset(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS seq;
	WorkloadEntry *e;

	conv_workload_require();
	LWLockAcquire(wl_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, wl_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
		hash_search(wl_hash, &e->key, HASH_REMOVE, NULL);
	wl_shared->evicted = 0;
	pg_atomic_write_u64(&wl_shared->too_long, 0);
	wl_shared->reset_time = GetCurrentTimestamp();
	LWLockRelease(wl_shared->lock);
	conv_patterns_reset();
	PG_RETURN_VOID();
}
