/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every PostgreSQL version guard of pg_conventions, in one place.
 *
 * PostgreSQL 15 is the tested target; the guards below keep 13 to 18
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

/* MarkGUCPrefixReserved replaced EmitWarningsOnPlaceholders in 15. */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
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

/* Generated columns can be VIRTUAL since 18, which rewrites nothing. */
#if PG_VERSION_NUM >= 180000
#define CONV_GENERATED_STORED(con) ((con)->generated_kind == ATTRIBUTE_GENERATED_STORED)
#else
#define CONV_GENERATED_STORED(con) true
#endif

#endif							/* PG_CONVENTIONS_COMPAT_H */
