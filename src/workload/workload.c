/*-------------------------------------------------------------------------
 *
 * workload.c
 *		The workload capture: what the executed queries ask of the tables.
 *
 * When the library is in shared_preload_libraries, an ExecutorStart hook
 * samples executed SELECT, UPDATE and DELETE statements that read a user
 * table (pg_conventions.capture_sample_rate of them) into a hash table in
 * shared memory of fixed size (pg_conventions.capture_max_statements).
 * Each entry is one statement text of one role in one database, with the
 * search_path it ran under and, for a statement with parameters, the
 * parameter values it ran with most often (space-saving counts), so that a
 * partial index for `status = $1` can be judged with the values that really
 * come.  The planner, not this file, turns statements into predicates per
 * table (advisor.c): the statements are what suggest_indexes() has to plan
 * again to verify each index, and a capture of predicates alone could not
 * be verified.
 *
 * A full table evicts its least-sampled entry.  Nothing here runs unless
 * a statement is sampled; a sampled one costs one output-function call per
 * parameter and one exclusive lock on the table.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/parallel.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parsetree.h"
#include "parser/scansup.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(conventions_workload);
PG_FUNCTION_INFO_V1(conventions_workload_reset);

/* sizes of one entry */
#define WL_TEXT_BYTES	4096	/* longer statements are not kept */
#define WL_PATH_BYTES	256		/* the search_path they ran under */
#define WL_MAX_PARAMS	16		/* more parameters: values not kept */
#define WL_PARAM_SETS	CONV_PARAM_SETS	/* most frequent value sets kept */
#define WL_SET_BYTES	256		/* all values of one set, encoded */

double		conv_capture_sample_rate = 0.01;
static int	capture_max_statements = 1000;

typedef struct WorkloadKey
{
	Oid			userid;
	Oid			dbid;
	uint64		texthash;
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
	uint64		queryid;
	int			nparams;
	Oid			paramtypes[WL_MAX_PARAMS];
	ParamSet	sets[WL_PARAM_SETS];
	char		search_path[WL_PATH_BYTES];
	int			len;
	char		text[WL_TEXT_BYTES];
} WorkloadEntry;

typedef struct WorkloadShared
{
	LWLock	   *lock;
	int64		evicted;		/* entries pushed out by newer ones */
	TimestampTz reset_time;
} WorkloadShared;

static WorkloadShared *wl_shared = NULL;
static HTAB *wl_hash = NULL;

static shmem_request_hook_type prev_shmem_request = NULL;
static shmem_startup_hook_type prev_shmem_startup = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;

/*
 * Statements run while another executes (functions' queries, foreign-key
 * checks in triggers) are not captured: top-level statements only, like
 * pg_stat_statements' default.
 */
static int	nesting_level = 0;

static Size
workload_shmem_size(void)
{
	return add_size(MAXALIGN(sizeof(WorkloadShared)),
					hash_estimate_size(capture_max_statements, sizeof(WorkloadEntry)));
}

static void
workload_shmem_request(void)
{
	if (prev_shmem_request)
		prev_shmem_request();
	RequestAddinShmemSpace(workload_shmem_size());
	RequestNamedLWLockTranche("pg_conventions", 1);
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
		wl_shared->lock = &(GetNamedLWLockTranche("pg_conventions"))->lock;
		wl_shared->evicted = 0;
		wl_shared->reset_time = GetCurrentTimestamp();
	}
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(WorkloadKey);
	info.entrysize = sizeof(WorkloadEntry);
	wl_hash = ShmemInitHash("pg_conventions workload statements",
							capture_max_statements, capture_max_statements,
							&info, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

/* Does the plan read a user table (not only catalogs, views of them, or nothing)? */
static bool
reads_user_table(PlannedStmt *ps)
{
	ListCell   *lc;

	foreach(lc, ps->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind == RTE_RELATION && rte->relid >= FirstNormalObjectId &&
			(rte->relkind == RELKIND_RELATION || rte->relkind == RELKIND_PARTITIONED_TABLE ||
			 rte->relkind == RELKIND_MATVIEW))
			return true;
	}
	return false;
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

/* Make room: the entry sampled least goes. */
static void
evict_one(void)
{
	HASH_SEQ_STATUS seq;
	WorkloadEntry *e;
	WorkloadEntry *least = NULL;

	hash_seq_init(&seq, wl_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (least == NULL || e->calls < least->calls)
			least = e;
	if (least)
	{
		hash_search(wl_hash, &least->key, HASH_REMOVE, NULL);
		wl_shared->evicted++;
	}
}

static void
capture(QueryDesc *qd)
{
	PlannedStmt *ps = qd->plannedstmt;
	const char *text = qd->sourceText;
	const char *path;
	int			len;
	WorkloadKey key;
	ParamSet	set;
	Oid			types[WL_MAX_PARAMS];
	bool		bound = false;
	int			nparams = 0;
	WorkloadEntry *e;
	bool		found;

	if (ps->commandType != CMD_SELECT && ps->commandType != CMD_UPDATE &&
		ps->commandType != CMD_DELETE)
		return;
	if (ps->utilityStmt != NULL || text == NULL || !reads_user_table(ps))
		return;
	/* this statement's part of a multi-statement string */
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
	if (len == 0 || len >= WL_TEXT_BYTES)
		return;
	path = GetConfigOption("search_path", false, false);
	if (strlen(path) >= WL_PATH_BYTES)
		return;

	if (qd->params && qd->params->numParams > 0)
	{
		nparams = qd->params->numParams;
		/* values fetched on demand (PL/pgSQL) or too many: counted, not kept */
		if (qd->params->paramFetch == NULL && nparams <= WL_MAX_PARAMS)
		{
			memset(&set, 0, offsetof(ParamSet, data));
			bound = encode_params(qd->params, &set, types);
		}
		if (nparams > WL_MAX_PARAMS)
			nparams = 0;
	}

	memset(&key, 0, sizeof(key));
	key.userid = GetUserId();
	key.dbid = MyDatabaseId;
	key.texthash = hash_bytes_extended((const unsigned char *) text, len, 0);

	LWLockAcquire(wl_shared->lock, LW_EXCLUSIVE);
	e = hash_search(wl_hash, &key, HASH_FIND, NULL);
	if (e == NULL)
	{
		if (hash_get_num_entries(wl_hash) >= capture_max_statements)
			evict_one();
		e = hash_search(wl_hash, &key, HASH_ENTER_NULL, &found);
		if (e == NULL)
		{
			LWLockRelease(wl_shared->lock);
			return;
		}
		memset((char *) e + sizeof(WorkloadKey), 0, offsetof(WorkloadEntry, text) - sizeof(WorkloadKey));
		e->queryid = ps->queryId;
		e->nparams = nparams;
		if (bound)
			memcpy(e->paramtypes, types, nparams * sizeof(Oid));
		strlcpy(e->search_path, path, WL_PATH_BYTES);
		memcpy(e->text, text, len);
		e->text[len] = '\0';
		e->len = len;
	}
	e->calls++;
	if (bound && e->nparams == nparams &&
		memcmp(e->paramtypes, types, nparams * sizeof(Oid)) == 0)
		count_set(e, &set);
	else
		e->unbound++;
	LWLockRelease(wl_shared->lock);
}

static void
workload_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (conv_capture_sample_rate > 0 && wl_hash != NULL && nesting_level == 0 &&
		(eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 && !IsParallelWorker() &&
		(conv_capture_sample_rate >= 1.0 ||
		 pg_prng_double(&pg_global_prng_state) < conv_capture_sample_rate))
		capture(queryDesc);
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
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
	PG_FINALLY();
	{
		nesting_level--;
	}
	PG_END_TRY();
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
	PG_FINALLY();
	{
		nesting_level--;
	}
	PG_END_TRY();
}

/*
 * Called from _PG_init.  The capture exists only when preloaded with
 * shared_preload_libraries: shared memory is sized at server start.
 */
void
conv_workload_init(void)
{
	DefineCustomRealVariable("pg_conventions.capture_sample_rate",
							 "Fraction of executed queries the index advisor's workload capture records.",
							 "0 turns the capture off, 1 records every SELECT, UPDATE and DELETE "
							 "that reads a user table.  Only with shared_preload_libraries.",
							 &conv_capture_sample_rate,
							 0.01, 0.0, 1.0,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
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
	prev_shmem_request = shmem_request_hook;
	shmem_request_hook = workload_shmem_request;
	prev_shmem_startup = shmem_startup_hook;
	shmem_startup_hook = workload_shmem_startup;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = workload_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = workload_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = workload_ExecutorFinish;
}

bool
conv_workload_available(void)
{
	return wl_hash != NULL;
}

static void
require_capture(void)
{
	if (wl_hash == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the workload capture is not available"),
				 errdetail("pg_conventions is not in shared_preload_libraries."),
				 errhint("Add pg_conventions to shared_preload_libraries and restart the server.")));
}

/* May the current role see the statements of that one?  As pg_stat_statements decides. */
static bool
may_see(Oid userid)
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

	require_capture();
	LWLockAcquire(wl_shared->lock, LW_SHARED);
	hash_seq_init(&seq, wl_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		ConvStatement *s;

		if ((OidIsValid(dbid) && e->key.dbid != dbid) || !may_see(e->key.userid))
			continue;
		s = palloc0(sizeof(ConvStatement));
		s->userid = e->key.userid;
		s->dbid = e->key.dbid;
		s->queryid = e->queryid;
		s->query = pstrdup(e->text);
		s->search_path = pstrdup(e->search_path);
		s->calls = e->calls;
		s->unbound = e->unbound;
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
 */
Datum
conventions_workload(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *stmts;
	ListCell   *lc;

	require_capture();
	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	stmts = conv_workload_statements(InvalidOid);
	foreach(lc, stmts)
	{
		ConvStatement *s = lfirst(lc);
		Datum		values[7];
		bool		nulls[7] = {false};

		values[0] = ObjectIdGetDatum(s->userid);
		values[1] = ObjectIdGetDatum(s->dbid);
		values[2] = Int64GetDatum((int64) s->queryid);
		nulls[2] = s->queryid == 0;
		values[3] = CStringGetTextDatum(s->query);
		values[6] = CStringGetTextDatum(s->search_path);
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

/* conventions.workload_reset(): forget every captured statement. */
Datum
conventions_workload_reset(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS seq;
	WorkloadEntry *e;

	require_capture();
	LWLockAcquire(wl_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, wl_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
		hash_search(wl_hash, &e->key, HASH_REMOVE, NULL);
	wl_shared->evicted = 0;
	wl_shared->reset_time = GetCurrentTimestamp();
	LWLockRelease(wl_shared->lock);
	PG_RETURN_VOID();
}
