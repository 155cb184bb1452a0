/*-------------------------------------------------------------------------
 *
 * pg_conventions.c
 *		Module initialisation, configuration, and the guard's hook wiring.
 *
 * The guard has two ways in and one way out.  The ProcessUtility hook and
 * the object-access hook (installed only when the library is preloaded)
 * record which catalog objects each schema-shaping statement creates, alters
 * or drops; the event-trigger function (event_trigger.c) records the same
 * from pg_event_trigger_ddl_commands() where nothing is preloaded.  Both feed
 * one per-transaction set (collector.c).  At pre-commit the set is resolved
 * to tables and the rules judge the state the transaction leaves, like a
 * DEFERRABLE INITIALLY DEFERRED constraint: a migration run in one
 * transaction passes when it ends conforming, an autocommit statement is
 * judged at once.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/varlena.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* ---- configuration ---- */

int			conv_mode = CONV_MODE_WARN;

static const struct config_enum_entry mode_options[] = {
	{"off", CONV_MODE_OFF, false},
	{"warn", CONV_MODE_WARN, false},
	{"enforce", CONV_MODE_ENFORCE, false},
	{NULL, 0, false}
};

/* ---- hook state ---- */

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static object_access_hook_type prev_object_access = NULL;

/* True once the hooks are installed, i.e. the library was preloaded. */
static bool hooks_installed = false;

/*
 * What the innermost utility statement now executing means to the guard.
 * Nested statements (a DO block's DDL, CREATE TABLE's generated index
 * commands) save and restore it, so object-access events are attributed to
 * the statement that caused them.
 */
static ConvStatementKind current_statement = CONV_STMT_IGNORE;

/*
 * The index CREATE INDEX CONCURRENTLY made, seen in its first transaction
 * and needed in its last: a plain variable, as it outlives both.
 */
static Oid	suspended_index = InvalidOid;

/*
 * Is this library named in one of the *_preload_libraries lists?  Session
 * preloading sets no flag, so we look at the settings themselves.  Each
 * entry may be a bare name, a $libdir path, or carry the platform suffix.
 */
static bool
listed_in(const char *guc_name)
{
	const char *value = GetConfigOption(guc_name, true, false);
	char	   *copy;
	List	   *elems;
	ListCell   *lc;
	bool		found = false;

	if (value == NULL || value[0] == '\0')
		return false;
	copy = pstrdup(value);
	if (!SplitDirectoriesString(copy, ',', &elems))
		return false;
	foreach(lc, elems)
	{
		char	   *elem = (char *) lfirst(lc);
		char	   *base = last_dir_separator(elem);
		size_t		len;

		base = base ? base + 1 : elem;
		len = strlen(base);
		if (len > strlen(DLSUFFIX) &&
			strcmp(base + len - strlen(DLSUFFIX), DLSUFFIX) == 0)
			len -= strlen(DLSUFFIX);
		if (len == strlen("pg_conventions") &&
			strncmp(base, "pg_conventions", len) == 0)
		{
			found = true;
			break;
		}
	}
	return found;
}

/* Does a startup option name one of our settings? */
static bool
names_our_setting(const char *name)
{
	return pg_strncasecmp(name, "pg_conventions.", strlen("pg_conventions.")) == 0;
}

/*
 * With session_preload_libraries, the connection's options are applied
 * before the library defines its settings, to placeholders.  A client value
 * from a role without the privilege is then dropped with a WARNING when the
 * library loads, but being a client value it has already replaced the value
 * from postgresql.conf or ALTER ROLE/DATABASE, so the session would fall
 * back to the built-in default: a way out of enforce.  Refuse such a
 * connection, as PostgreSQL itself does when the library is in
 * shared_preload_libraries.  (superuser() is answered from the cache
 * InitPostgres filled; no catalog access happens here.)
 */
static void
refuse_unprivileged_startup_options(void)
{
	const char *offending = NULL;
	ListCell   *lc;

	if (MyProcPort == NULL || superuser())
		return;

	if (MyProcPort->cmdline_options != NULL)
	{
		int			maxac = 2 + (strlen(MyProcPort->cmdline_options) + 1) / 2;
		char	  **av = palloc(maxac * sizeof(char *));
		int			ac = 0;

		pg_split_opts(av, &ac, MyProcPort->cmdline_options);
		for (int i = 0; i < ac && offending == NULL; i++)
		{
			const char *opt = av[i];

			if (strncmp(opt, "--", 2) == 0)
				opt += 2;
			else if (strncmp(opt, "-c", 2) == 0)
				opt = opt[2] != '\0' ? opt + 2 : (i + 1 < ac ? av[++i] : "");
			if (names_our_setting(opt))
				offending = opt;
		}
	}
	for (lc = list_head(MyProcPort->guc_options); lc != NULL && offending == NULL;
		 lc = lnext(MyProcPort->guc_options, lnext(MyProcPort->guc_options, lc)))
	{
		if (names_our_setting((char *) lfirst(lc)))
			offending = (char *) lfirst(lc);
	}

	if (offending != NULL)
		ereport(FATAL,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to set parameter \"%.*s\"",
						(int) strcspn(offending, "="), offending),
				 errdetail("pg_conventions is loaded through session_preload_libraries, "
						   "and only superusers may set its parameters as connection options.")));
}

/*
 * Is the preloaded guard in charge of this statement?  When it is, the event
 * trigger defers to it, so each violation is reported once.
 */
bool
conv_guard_active(void)
{
	return hooks_installed && conv_mode != CONV_MODE_OFF;
}

/* Nothing is ever judged while these hold (DESIGN.md, "never checked"). */
static bool
guard_exempt_now(void)
{
	return conv_mode == CONV_MODE_OFF || creating_extension ||
		IsBinaryUpgrade || IsParallelWorker();
}

/*
 * The guard's part of the ProcessUtility hook: classify the statement, and
 * keep that classification in force while it executes so the object-access
 * hook knows whether to record what it sees.  Statements that commit internally (CONCURRENTLY) are
 * judged before they run instead; see collector.c.
 */
static void
guard_utility(CONV_UTILITY_ARGS_DECL)
{
	ConvStatementKind saved = current_statement;
	ConvStatementKind kind = CONV_STMT_IGNORE;
	bool		citus_saved;

	if (!guard_exempt_now())
	{
		/* the migration-safety rules: before anything is locked */
		if (context != PROCESS_UTILITY_SUBCOMMAND)
			conv_check_statement_safety(pstmt->utilityStmt, queryString,
										pstmt->stmt_location, pstmt->stmt_len);
		kind = conv_classify_statement(pstmt->utilityStmt);
		conv_safety_note_utility(pstmt->utilityStmt, kind);

		/*
		 * What a statement that commits internally runs inside it (Citus
		 * runs commands of its own within CREATE INDEX CONCURRENTLY of a
		 * distributed table) is that statement's: judged with it, at its
		 * end, not at a commit in the middle of it.
		 */
		if (saved == CONV_STMT_SUSPEND && kind == CONV_STMT_COLLECT)
			kind = CONV_STMT_IGNORE;
	}

	if (kind != CONV_STMT_IGNORE && context != PROCESS_UTILITY_SUBCOMMAND)
		conv_findings_note_statement(queryString, pstmt->stmt_location, pstmt->stmt_len);
	if (kind == CONV_STMT_SUSPEND)
	{
		suspended_index = InvalidOid;
		conv_precheck_concurrent(pstmt->utilityStmt, queryString);
	}
	else if (kind == CONV_STMT_COLLECT)
		conv_remember_before(pstmt->utilityStmt);

	if (kind == CONV_STMT_IGNORE && saved == CONV_STMT_IGNORE)
	{
		/* The common case: nothing to attribute, nothing to restore. */
		if (prev_ProcessUtility)
			prev_ProcessUtility(CONV_UTILITY_ARGS);
		else
			standard_ProcessUtility(CONV_UTILITY_ARGS);
		return;
	}

	current_statement = kind;
	citus_saved = conv_recording_for_citus;
	if (kind == CONV_STMT_COLLECT && context != PROCESS_UTILITY_TOPLEVEL &&
		!conv_recording_for_citus && conv_citus_converting())
		conv_recording_for_citus = true;
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(CONV_UTILITY_ARGS);
		else
			standard_ProcessUtility(CONV_UTILITY_ARGS);
	}
	PG_FINALLY();
	{
		current_statement = saved;
		conv_recording_for_citus = citus_saved;
	}
	PG_END_TRY();

	/* pstmt is the caller's and still valid; we only read it */
	if (kind == CONV_STMT_SUSPEND)
	{
		if (OidIsValid(suspended_index))
			conv_remember_before_index(IndexGetRelation(suspended_index, true),
									   suspended_index);
		conv_record_after_concurrent(pstmt->utilityStmt);
	}
	conv_remember_unchanged(pstmt->utilityStmt);
}

/*
 * ProcessUtility hook: the guard (guard_utility), with the statement and
 * everything it runs nested for the workload capture (workload.c), so that
 * neither the guard's own queries nor an event trigger's are taken for the
 * application's.
 */
static void
conv_ProcessUtility(CONV_UTILITY_ARGS_DECL)
{
	if (conv_workload_runs_client_query(pstmt->utilityStmt))
	{
		guard_utility(CONV_UTILITY_ARGS);
		return;
	}
	conv_workload_nest(1);
	PG_TRY();
	{
		guard_utility(CONV_UTILITY_ARGS);
	}
	PG_FINALLY();
	{
		conv_workload_nest(-1);
	}
	PG_END_TRY();
}

/*
 * ExecutorStart hook: DML about to run under a lock that an earlier
 * statement of the transaction took (safety/locks.c).
 */
static void
conv_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (!guard_exempt_now() && (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
		conv_check_dml_safety(queryDesc->plannedstmt, queryDesc->sourceText);
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * Object-access hook: whatever the syntax, every catalog object a statement
 * creates, alters or drops passes through here (sepgsql relies on the same).
 */
static void
conv_object_access(ObjectAccessType access, Oid classId, Oid objectId,
				   int subId, void *arg)
{
	if (prev_object_access)
		prev_object_access(access, classId, objectId, subId, arg);

	if (current_statement == CONV_STMT_SUSPEND && access == OAT_POST_CREATE &&
		classId == RelationRelationId && subId == 0)
		suspended_index = objectId;

	/* a rewrite's new heap, before its first row: see safety/rewrites.c */
	if (access == OAT_POST_CREATE && classId == RelationRelationId && subId == 0 &&
		arg != NULL && ((ObjectAccessPostCreate *) arg)->is_internal &&
		!guard_exempt_now())
		conv_safety_rewrite_starting(conv_table_being_rewritten(objectId));
	if (current_statement != CONV_STMT_COLLECT || guard_exempt_now())
		return;

	switch (access)
	{
		case OAT_POST_CREATE:

			/*
			 * A new column default is announced with the table's OID (and
			 * the column number), unlike its drop, which names the
			 * pg_attrdef row.
			 */
			if (classId == AttrDefaultRelationId)
				conv_record_object(RelationRelationId, objectId);
			else
				conv_record_object(classId, objectId);
			break;
		case OAT_POST_ALTER:
			conv_record_object(classId, objectId);
			break;
		case OAT_DROP:
			conv_record_dropped_object(classId, objectId, subId);
			break;
		default:
			break;
	}
}

/*
 * Transaction callbacks: judge at pre-commit (and pre-prepare), forget at the
 * end either way.  These are registered whenever the library is loaded, so
 * the event-trigger path gets the same deferred verdicts as the hook.
 */
static void
conv_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (conv_have_touched())
				conv_run_deferred_checks();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			conv_forget_all();
			conv_safety_forget();
			current_statement = CONV_STMT_IGNORE;
			break;
		default:
			break;
	}
}

static void
conv_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	switch (event)
	{
		case SUBXACT_EVENT_COMMIT_SUB:
			conv_subxact_commit(mySubid, parentSubid);
			break;
		case SUBXACT_EVENT_ABORT_SUB:
			conv_subxact_abort(mySubid);
			break;
		default:
			break;
	}
}

void
_PG_init(void)
{
	DefineCustomEnumVariable("pg_conventions.mode",
							 "What the guard does when DDL breaks a schema convention.",
							 "off: nothing at all; warn: report each violation as a WARNING "
							 "when the transaction commits; enforce: reject the transaction "
							 "with an ERROR.",
							 &conv_mode,
							 CONV_MODE_WARN,
							 mode_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	conv_define_settings();
	/* the workload capture: shared memory, so shared_preload_libraries only */
	conv_workload_init();
	/* the findings log: shared memory too */
	conv_findings_init();
	MarkGUCPrefixReserved("pg_conventions");

	RegisterXactCallback(conv_xact_callback, NULL);
	RegisterSubXactCallback(conv_subxact_callback, NULL);

	/* the advisor's planner hooks: inert unless suggest_indexes() runs */
	conv_advisor_init();
	/* the production twin: production's sizes, inert under table_size_source = file */
	conv_twin_init();
	conv_twin_planner_init();

	/*
	 * The hooks only when preloaded.  Loading the library because someone
	 * called a report function or the event trigger must not turn the guard
	 * on for the rest of that session.
	 */
	if (process_shared_preload_libraries_in_progress ||
		listed_in("session_preload_libraries") ||
		listed_in("local_preload_libraries"))
	{
		if (!process_shared_preload_libraries_in_progress)
			refuse_unprivileged_startup_options();
		prev_ProcessUtility = ProcessUtility_hook;
		ProcessUtility_hook = conv_ProcessUtility;
		prev_object_access = object_access_hook;
		object_access_hook = conv_object_access;
		prev_ExecutorStart = ExecutorStart_hook;
		ExecutorStart_hook = conv_ExecutorStart;
		hooks_installed = true;
	}
}
