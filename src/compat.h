/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every PostgreSQL version guard of pg_conventions, in one place.
 *
 * Tested on 14, 15, 16, 17, 18 and 19 (scripts/test.sh); 13 is kept
 * compiling.  Code elsewhere uses only the names defined here.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CONVENTIONS_COMPAT_H
#define PG_CONVENTIONS_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "pg_conventions requires PostgreSQL 13 or later"
#endif

/* ProcessUtility gained the readOnlyTree argument in 14. */
#if PG_VERSION_NUM >= 140000
#define CONV_UTILITY_ARGS_DECL \
	PlannedStmt *pstmt, const char *queryString, bool readOnlyTree, \
	ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define CONV_UTILITY_ARGS \
	pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc
#else
#define CONV_UTILITY_ARGS_DECL \
	PlannedStmt *pstmt, const char *queryString, \
	ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define CONV_UTILITY_ARGS \
	pstmt, queryString, context, params, queryEnv, dest, qc
#endif

/*
 * MarkGUCPrefixReserved replaced EmitWarningsOnPlaceholders in 15.  On 14 a
 * misspelt pg_conventions.* setting stays a placeholder (with a WARNING when
 * the library loads) instead of being refused.
 */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/*
 * Shared memory is requested from shmem_request_hook since 15; on 14 a
 * library preloaded by the postmaster requests it in _PG_init itself.
 */
#if PG_VERSION_NUM >= 150000
#define CONV_INSTALL_SHMEM_REQUEST(prev, fn) \
	do { (prev) = shmem_request_hook; shmem_request_hook = (fn); } while (0)
#else
typedef void (*shmem_request_hook_type) (void);
#define CONV_INSTALL_SHMEM_REQUEST(prev, fn) do { (prev) = NULL; (fn)(); } while (0)
#endif

/* Parse analysis with fixed or inferred parameter types (renamed in 15). */
#if PG_VERSION_NUM >= 150000
#define CONV_PARSE_ANALYZE_FIXED(stmt, sql, types, n) \
	parse_analyze_fixedparams((stmt), (sql), (types), (n), NULL)
#define CONV_PARSE_ANALYZE_VAR(stmt, sql, types, n) \
	parse_analyze_varparams((stmt), (sql), (types), (n), NULL)
#else
#define CONV_PARSE_ANALYZE_FIXED(stmt, sql, types, n) \
	parse_analyze((stmt), (sql), (types), (n), NULL)
#define CONV_PARSE_ANALYZE_VAR(stmt, sql, types, n) \
	parse_analyze_varparams((stmt), (sql), (types), (n))
#endif

/* strtoi64() since 15; the shared library suffix in pg_config.h since 15. */
#if PG_VERSION_NUM < 150000
#define strtoi64(str, end, base) ((int64) strtoll((str), (end), (base)))
#endif
#ifndef DLSUFFIX
#define DLSUFFIX ".so"
#endif

/* EnableQueryId() and the query jumble moved from utils/ to nodes/ in 16. */
#if PG_VERSION_NUM >= 160000
#include "nodes/queryjumble.h"
#else
#include "utils/queryjumble.h"
#endif

/* Materialized SRF helper: InitMaterializedSRF in 16, SetSingleFuncCall in 15. */
#if PG_VERSION_NUM >= 160000
#define CONV_INIT_MATERIALIZED_SRF(fcinfo) InitMaterializedSRF((fcinfo), 0)
#elif PG_VERSION_NUM >= 150000
#define CONV_INIT_MATERIALIZED_SRF(fcinfo) SetSingleFuncCall((fcinfo), 0)
#else
#define CONV_INIT_MATERIALIZED_SRF(fcinfo) conv_init_materialized_srf(fcinfo)
#define CONV_NEEDS_OWN_MATERIALIZED_SRF
#include "fmgr.h"
extern void conv_init_materialized_srf(FunctionCallInfo fcinfo);
#endif

/*
 * The shared statistics hash can be probed directly from 15 on; its key
 * names the object objoid until 18, objid (64 bits) since.
 */
#if PG_VERSION_NUM >= 180000
#define CONV_PGSTAT_KEY_SET_OBJECT(key, oid) ((key).objid = (uint64) (oid))
#elif PG_VERSION_NUM >= 150000
#define CONV_PGSTAT_KEY_SET_OBJECT(key, oid) ((key).objoid = (oid))
#endif

/* The permission check EXPLAIN makes of a plan (permInfos since 16). */
#if PG_VERSION_NUM >= 160000
#define CONV_CHECK_PLAN_PERMISSIONS(ps) \
	((void) ExecCheckPermissions((ps)->rtable, (ps)->permInfos, true))
#else
#define CONV_CHECK_PLAN_PERMISSIONS(ps) ((void) ExecCheckRTPerms((ps)->rtable, true))
#endif

/* ExecutorRun lost its execute_once argument in 18. */
#if PG_VERSION_NUM >= 180000
#define CONV_EXECUTOR_RUN_ARGS_DECL \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define CONV_EXECUTOR_RUN_ARGS queryDesc, direction, count
#else
#define CONV_EXECUTOR_RUN_ARGS_DECL \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once
#define CONV_EXECUTOR_RUN_ARGS queryDesc, direction, count, execute_once
#endif

/* A path key's sort direction: a compare type since 18, a btree strategy before. */
#if PG_VERSION_NUM >= 180000
#define CONV_PATHKEY_DESCENDING(pk) ((pk)->pk_cmptype == COMPARE_GT)
#else
#define CONV_PATHKEY_DESCENDING(pk) ((pk)->pk_strategy == BTGreaterStrategyNumber)
#endif

/*
 * NOT NULL constraints are rows of pg_constraint since 18 (contype 'n'),
 * named by PostgreSQL; the rules judge the column's attnotnull on every
 * major, and never such a constraint's name.
 */
#define CONV_CONSTRAINT_NOTNULL 'n'

/*
 * A GUC check hook's "extra": PostgreSQL frees it with guc_free() since 16,
 * which insists on guc_malloc()'s memory; free() before.
 */
#if PG_VERSION_NUM >= 160000
#define CONV_GUC_MALLOC(size) guc_malloc(LOG, (size))
#else
#define CONV_GUC_MALLOC(size) malloc(size)
#endif

/* LockHeldByMe gained "or stronger" in 17; we ask for one mode at a time. */
#if PG_VERSION_NUM >= 170000
#define CONV_LOCK_HELD_BY_ME(tag, mode) LockHeldByMe((tag), (mode), false)
#else
#define CONV_LOCK_HELD_BY_ME(tag, mode) LockHeldByMe((tag), (mode))
#endif

/*
 * A permanent relation's storage, opened by its file number: RelFileNode
 * until 15, RelFileLocator since 16, the backend a ProcNumber since 17.
 */
#if PG_VERSION_NUM >= 170000
#define CONV_SMGROPEN(spc, db, num) \
	smgropen((RelFileLocator) {(spc), (db), (num)}, INVALID_PROC_NUMBER)
#elif PG_VERSION_NUM >= 160000
#define CONV_SMGROPEN(spc, db, num) \
	smgropen((RelFileLocator) {(spc), (db), (num)}, InvalidBackendId)
#else
#define CONV_SMGROPEN(spc, db, num) \
	smgropen((RelFileNode) {(spc), (db), (num)}, InvalidBackendId)
#endif

/* REINDEX's options are a list of DefElem since 14 (a flag before). */
#if PG_VERSION_NUM >= 140000
#define CONV_REINDEX_CONCURRENT(stmt) conv_option_true((stmt)->params, "concurrently")
#else
#define CONV_REINDEX_CONCURRENT(stmt) ((stmt)->concurrent)
#endif

/* ALTER TABLE ... SET ACCESS METHOD since 15. */
#if PG_VERSION_NUM >= 150000
#define CONV_HAS_SET_ACCESS_METHOD
#endif

/* A foreign key on a partitioned table can be added NOT VALID since 18. */
#define CONV_NOT_VALID_FK_ON_PARTITIONED (PG_VERSION_NUM >= 180000)

/* UNIQUE NULLS NOT DISTINCT (an index, a constraint) since 15. */
#if PG_VERSION_NUM >= 150000
#define CONV_NULLS_NOT_DISTINCT(node) ((node)->nulls_not_distinct)
#else
#define CONV_NULLS_NOT_DISTINCT(node) false
#endif

/* Generated columns can be VIRTUAL since 18, which rewrites nothing. */
#if PG_VERSION_NUM >= 180000
#define CONV_GENERATED_STORED(con) ((con)->generated_kind == ATTRIBUTE_GENERATED_STORED)
#else
#define CONV_GENERATED_STORED(con) true
#endif

/* A whole-query timer for the executor: asked for before ExecutorStart and
 * made by the executor since 19 (query_instr, an instr_time total); made
 * after ExecutorStart before (totaltime, seconds after InstrEndLoop), as
 * pg_stat_statements does. */
#if PG_VERSION_NUM >= 190000
#define CONV_QUERY_TIMER_BEFORE_START(qd) ((qd)->query_instr_options |= INSTRUMENT_TIMER)
#define CONV_QUERY_TIMER_AFTER_START(qd) ((void) 0)
#define CONV_QUERY_TIME_MS(qd, ms) \
	do { if ((qd)->query_instr) (ms) = INSTR_TIME_GET_MILLISEC((qd)->query_instr->total); } while (0)
#else
#define CONV_QUERY_TIMER_BEFORE_START(qd) ((void) 0)
#define CONV_QUERY_TIMER_AFTER_START(qd) \
	do { \
		if ((qd)->totaltime == NULL) \
		{ \
			MemoryContext conv_old_ = MemoryContextSwitchTo((qd)->estate->es_query_cxt); \
			(qd)->totaltime = InstrAlloc(1, INSTRUMENT_TIMER, false); \
			MemoryContextSwitchTo(conv_old_); \
		} \
	} while (0)
#define CONV_QUERY_TIME_MS(qd, ms) \
	do { if ((qd)->totaltime) { InstrEndLoop((qd)->totaltime); (ms) = (qd)->totaltime->total * 1000.0; } } while (0)
#endif

/* A shared hash table's size: one figure since 19, initial and maximum before. */
#if PG_VERSION_NUM >= 190000
#define CONV_SHMEM_INIT_HASH(name, size, info, flags) ShmemInitHash((name), (size), (info), (flags))
#else
#define CONV_SHMEM_INIT_HASH(name, size, info, flags) ShmemInitHash((name), (size), (size), (info), (flags))
#endif

/* pg_plan_query() takes the EXPLAIN state of the caller since 19. */
#if PG_VERSION_NUM >= 190000
#define CONV_PLAN_QUERY(q, text, opts, params) pg_plan_query((q), (text), (opts), (params), NULL)
#else
#define CONV_PLAN_QUERY(q, text, opts, params) pg_plan_query((q), (text), (opts), (params))
#endif

/* DomainHasConstraints() also says whether one is volatile since 19. */
#if PG_VERSION_NUM >= 190000
#define CONV_DOMAIN_HAS_CONSTRAINTS(type) DomainHasConstraints((type), NULL)
#else
#define CONV_DOMAIN_HAS_CONSTRAINTS(type) DomainHasConstraints(type)
#endif

/* table_beginscan() takes the caller's scan options since 19. */
#if PG_VERSION_NUM >= 190000
#define CONV_TABLE_BEGINSCAN(rel, snap) table_beginscan((rel), (snap), 0, NULL, SO_NONE)
#else
#define CONV_TABLE_BEGINSCAN(rel, snap) table_beginscan((rel), (snap), 0, NULL)
#endif

/*
 * CLUSTER is one of the forms of REPACK since 19 (RepackStmt, whose
 * relation is a VacuumRelation); ClusterStmt before.
 */
#if PG_VERSION_NUM >= 190000
#define CONV_T_CLUSTER T_RepackStmt
#define CONV_CLUSTER_RELATION(stmt) \
	(((RepackStmt *) (stmt))->relation ? ((RepackStmt *) (stmt))->relation->relation : NULL)
#define CONV_CLUSTER_VERB(stmt) \
	(((RepackStmt *) (stmt))->command == REPACK_COMMAND_CLUSTER ? "CLUSTER" : \
	 ((RepackStmt *) (stmt))->command == REPACK_COMMAND_VACUUMFULL ? "VACUUM FULL" : "REPACK")
#else
#define CONV_T_CLUSTER T_ClusterStmt
#define CONV_CLUSTER_RELATION(stmt) (((ClusterStmt *) (stmt))->relation)
#define CONV_CLUSTER_VERB(stmt) "CLUSTER"
#endif

/*
 * The range-table indexes of a plan's result relations: a bitmapset since
 * 19, a list before.  CONV_RESULT_RELATIONS gives a list on every major.
 */
#if PG_VERSION_NUM >= 190000
#include "nodes/bitmapset.h"
#include "nodes/pg_list.h"
#define CONV_RESULT_RELATIONS(plan) conv_bms_to_list((plan)->resultRelationRelids)
static inline List *
conv_bms_to_list(Bitmapset *set)
{
	List	   *result = NIL;
	int			i = -1;

	while ((i = bms_next_member(set, i)) >= 0)
		result = lappend_int(result, i);
	return result;
}
#else
#define CONV_RESULT_RELATIONS(plan) ((plan)->resultRelations)
#endif

/*
 * The planner hook that sees a table's indexes: get_relation_info_hook
 * until 18, build_simple_rel_hook (called just after get_relation_info)
 * since 19.  Declare the hook with CONV_REL_INFO_HOOK_PARAMS; inside it,
 * conv_relid and conv_inhparent say which table it is.
 */
#if PG_VERSION_NUM >= 190000
#include "optimizer/pathnode.h"
#define CONV_REL_INFO_HOOK build_simple_rel_hook
#define conv_rel_info_hook_type build_simple_rel_hook_type
#define CONV_REL_INFO_HOOK_PARAMS PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte
#define CONV_REL_INFO_HOOK_ARGS root, rel, rte
#define CONV_REL_INFO_RELID (rte->rtekind == RTE_RELATION ? rte->relid : InvalidOid)
#define CONV_REL_INFO_INHPARENT (rte->inh)
#else
#include "optimizer/plancat.h"
#define CONV_REL_INFO_HOOK get_relation_info_hook
#define conv_rel_info_hook_type get_relation_info_hook_type
#define CONV_REL_INFO_HOOK_PARAMS PlannerInfo *root, Oid relationObjectId, bool inhparent, RelOptInfo *rel
#define CONV_REL_INFO_HOOK_ARGS root, relationObjectId, inhparent, rel
#define CONV_REL_INFO_RELID relationObjectId
#define CONV_REL_INFO_INHPARENT inhparent
#endif

/*
 * A database's statistics reset time: 0 until the first reset since 15; on
 * 14 the statistics collector sets it when it creates the database's entry,
 * so "never reset" cannot be told from "reset".
 */
#define CONV_STATS_RESET_TIME_KNOWN (PG_VERSION_NUM >= 150000)

/*
 * A table's update and delete counters in the cumulative statistics; the
 * shared hash is probed directly from 15 on.
 */
#if PG_VERSION_NUM >= 150000
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/pgstat_internal.h"
#else
#include "pgstat.h"
#endif
/*
 * Adds a table's update and delete counters to *updates and *deletes, from
 * the shared statistics (from 15 on, a lookup in the shared hash, without
 * building a snapshot of every relation's statistics; before, the
 * snapshot's entry).
 */
static inline void
conv_read_table_counters(Oid relid, int64 *updates, int64 *deletes)
{
#if PG_VERSION_NUM >= 150000
	PgStat_HashKey key;
	PgStatShared_HashEntry *p;

	memset(&key, 0, sizeof(key));
	key.kind = PGSTAT_KIND_RELATION;
	key.dboid = MyDatabaseId;
	CONV_PGSTAT_KEY_SET_OBJECT(key, relid);
	p = dshash_find(pgStatLocal.shared_hash, &key, false);
	if (p == NULL)
		return;
	if (!p->dropped)
	{
		PgStatShared_Relation *shared = dsa_get_address(pgStatLocal.dsa, p->body);

		LWLockAcquire(&shared->header.lock, LW_SHARED);
		*updates += shared->stats.tuples_updated;
		*deletes += shared->stats.tuples_deleted;
		LWLockRelease(&shared->header.lock);
	}
	dshash_release_lock(pgStatLocal.shared_hash, p);
#else
	PgStat_StatTabEntry *stat = pgstat_fetch_stat_tabentry(relid);

	if (stat != NULL)
	{
		*updates += stat->tuples_updated;
		*deletes += stat->tuples_deleted;
	}
#endif
}


/* get_qual_from_partbound() lost its first argument, the partition, in 15. */
#if PG_VERSION_NUM >= 150000
#define CONV_QUAL_FROM_PARTBOUND(rel, parent, spec) get_qual_from_partbound((parent), (spec))
#else
#define CONV_QUAL_FROM_PARTBOUND(rel, parent, spec) get_qual_from_partbound((rel), (parent), (spec))
#endif

/* DETACH PARTITION ... CONCURRENTLY since 14. */
#if PG_VERSION_NUM >= 140000
#define CONV_DETACH_CONCURRENT(cmd) ((cmd)->concurrent)
#else
#define CONV_DETACH_CONCURRENT(cmd) false
#endif

#endif							/* PG_CONVENTIONS_COMPAT_H */
