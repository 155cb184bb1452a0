/*-------------------------------------------------------------------------
 *
 * findings.c
 *		The findings log: every verdict the guard gives, kept in shared
 *		memory where any client reads it back.
 *
 * A WARNING of warn, the ERROR of enforce, a hazard that
 * conventions.safety_assured() let through, the one-line summary of a
 * table's old debt: each is one finding, written here by the sinks
 * (engine.c, safety.c) as it is said, whatever client_min_messages or the
 * client does with the message (Sequelize drops every WARNING).
 * conventions.findings() reads them, most recent first, in any session;
 * conventions.findings_reset() forgets them.  The CI reports
 * (conventions.ci_junit(), ci_markdown() in the extension script, and the
 * pg_conventions_ci command) are made from them.
 *
 * A ring of pg_conventions.findings_max fixed-size slots: the oldest is
 * overwritten first, texts are cut at a character boundary to their slot.
 * Like pg_stat_statements, the texts of another role's findings (message,
 * DETAIL, HINT, statement: a HINT may quote data) are shown only to roles
 * with the privileges of pg_read_all_stats.  The log lives as long as the
 * server: shared memory, and so only when the library is in
 * shared_preload_libraries; the event trigger's verdicts, without it,
 * reach the client and the server log only.
 *
 * The statement of a finding: for a statement rule, the statement judged;
 * for a verdict at commit, the transaction's DDL statements in order (the
 * collector's statements, noted by the ProcessUtility hook), cut to their
 * slot.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#define FD_VERDICT_BYTES	16
#define FD_OBJECT_BYTES		256
#define FD_MESSAGE_BYTES	512
#define FD_DETAIL_BYTES		1024
#define FD_HINT_BYTES		2048
#define FD_STATEMENT_BYTES	1024

typedef struct Finding
{
	int64		seq;			/* 0: the slot is empty */
	TimestampTz time;
	Oid			userid;
	int			pid;
	char		dbname[NAMEDATALEN];
	char		rolname[NAMEDATALEN];
	char		appname[NAMEDATALEN];
	char		rule[NAMEDATALEN];
	char		verdict[FD_VERDICT_BYTES];
	char		object[FD_OBJECT_BYTES];
	char		message[FD_MESSAGE_BYTES];
	char		detail[FD_DETAIL_BYTES];
	char		hint[FD_HINT_BYTES];
	char		statement[FD_STATEMENT_BYTES];
} Finding;

typedef struct FindingsShared
{
	LWLock	   *lock;
	int64		next_seq;		/* of the next finding; the first is 1 */
	Finding		slots[FLEXIBLE_ARRAY_MEMBER];
} FindingsShared;

static int	findings_max = 1000;
static FindingsShared *fd_shared = NULL;

static shmem_request_hook_type prev_shmem_request = NULL;
static shmem_startup_hook_type prev_shmem_startup = NULL;

/* The transaction's DDL statements, for the verdicts given at its commit. */
static StringInfo xact_statements = NULL;

PG_FUNCTION_INFO_V1(conventions_findings);
PG_FUNCTION_INFO_V1(conventions_findings_reset);

static Size
findings_shmem_size(void)
{
	return add_size(offsetof(FindingsShared, slots),
					mul_size(findings_max, sizeof(Finding)));
}

static void
findings_shmem_request(void)
{
	if (prev_shmem_request)
		prev_shmem_request();
	RequestAddinShmemSpace(findings_shmem_size());
	RequestNamedLWLockTranche("pg_conventions findings", 1);
}

static void
findings_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup)
		prev_shmem_startup();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	fd_shared = ShmemInitStruct("pg_conventions findings", findings_shmem_size(), &found);
	if (!found)
	{
		fd_shared->lock = &(GetNamedLWLockTranche("pg_conventions findings"))[0].lock;
		fd_shared->next_seq = 1;
		for (int i = 0; i < findings_max; i++)
			fd_shared->slots[i].seq = 0;
	}
	LWLockRelease(AddinShmemInitLock);
}

static void
findings_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT)
		xact_statements = NULL; /* the memory goes with TopTransactionContext */
}

/* From _PG_init: the setting, and the shared memory when preloading. */
void
conv_findings_init(void)
{
	/* a server-start setting can only be defined while the server starts */
	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomIntVariable("pg_conventions.findings_max",
							"Findings the findings log keeps; the oldest make room.",
							"Each takes about 5 kB of shared memory.",
							&findings_max,
							1000, 10, 100000,
							PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	CONV_INSTALL_SHMEM_REQUEST(prev_shmem_request, findings_shmem_request);
	prev_shmem_startup = shmem_startup_hook;
	shmem_startup_hook = findings_shmem_startup;
	RegisterXactCallback(findings_xact_callback, NULL);
}

static void
require_log(void)
{
	if (fd_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the findings log is not available"),
				 errdetail("pg_conventions is not in shared_preload_libraries: the guard's "
						   "verdicts reach the client and the server log only."),
				 errhint("Add pg_conventions to shared_preload_libraries and restart the server.")));
}

/* Copy src into a slot of size bytes, cut at a character boundary. */
static void
copy_bounded(char *dst, const char *src, int size)
{
	int			len;

	if (src == NULL)
	{
		dst[0] = '\0';
		return;
	}
	len = strlen(src);
	if (len >= size)
		len = pg_mbcliplen(src, len, size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * A DDL statement of this transaction (the hook's query string, where the
 * statement starts in it, and its length, 0 for the rest of the string),
 * for the verdicts given at commit.  Only what fits in a finding is kept.
 */
void
conv_findings_note_statement(const char *source, int location, int length)
{
	char	   *text;

	if (fd_shared == NULL || source == NULL)
		return;
	if (xact_statements != NULL && xact_statements->len >= FD_STATEMENT_BYTES)
		return;
	text = conv_statement_at(source, location, length);
	if (xact_statements == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

		xact_statements = makeStringInfo();
		MemoryContextSwitchTo(old);
	}
	if (xact_statements->len > 0)
		appendStringInfoString(xact_statements, ";\n");
	appendBinaryStringInfo(xact_statements, text,
						   Min((int) strlen(text), FD_STATEMENT_BYTES));
	pfree(text);
}

/*
 * Keep one finding: verdict is "error", "warning", "assured" or "debt";
 * rule and object may be NULL (a summary); statement NULL means the
 * transaction's DDL statements.  Never fails for want of room.
 */
void
conv_findings_add(const char *verdict, const char *rule, const char *object,
				  const char *message, const char *detail, const char *hint,
				  const char *statement)
{
	Finding    *f;
	char	   *dbname;
	char	   *rolname;

	if (fd_shared == NULL)
		return;
	if (statement == NULL)
		statement = xact_statements != NULL ? xact_statements->data : debug_query_string;
	/* names before the lock: the lookups may read the catalog */
	dbname = get_database_name(MyDatabaseId);
	rolname = GetUserNameFromId(GetUserId(), true);

	LWLockAcquire(fd_shared->lock, LW_EXCLUSIVE);
	f = &fd_shared->slots[(fd_shared->next_seq - 1) % findings_max];
	f->seq = fd_shared->next_seq++;
	f->time = GetCurrentTimestamp();
	f->userid = GetUserId();
	f->pid = MyProcPid;
	copy_bounded(f->dbname, dbname, NAMEDATALEN);
	copy_bounded(f->rolname, rolname, NAMEDATALEN);
	copy_bounded(f->appname, application_name, NAMEDATALEN);
	copy_bounded(f->rule, rule, NAMEDATALEN);
	copy_bounded(f->verdict, verdict, FD_VERDICT_BYTES);
	copy_bounded(f->object, object, FD_OBJECT_BYTES);
	copy_bounded(f->message, message, FD_MESSAGE_BYTES);
	copy_bounded(f->detail, detail, FD_DETAIL_BYTES);
	copy_bounded(f->hint, hint, FD_HINT_BYTES);
	copy_bounded(f->statement, statement, FD_STATEMENT_BYTES);
	LWLockRelease(fd_shared->lock);
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = s[0] == '\0';
	return *isnull ? (Datum) 0 : CStringGetTextDatum(s);
}

#define FD_COLUMNS 12

/* One finding as a row (under the lock: no catalog access). */
static void
finding_row(const Finding *f, bool may_see, Datum *values, bool *nulls)
{
	memset(nulls, 0, FD_COLUMNS * sizeof(bool));
	values[0] = TimestampTzGetDatum(f->time);
	values[1] = text_or_null(f->dbname, &nulls[1]);
	values[2] = text_or_null(f->rolname, &nulls[2]);
	values[3] = text_or_null(f->appname, &nulls[3]);
	values[4] = Int32GetDatum(f->pid);
	values[5] = text_or_null(f->rule, &nulls[5]);
	values[6] = text_or_null(f->object, &nulls[6]);
	values[7] = CStringGetTextDatum(f->verdict);
	if (may_see)
	{
		values[8] = text_or_null(f->message, &nulls[8]);
		values[9] = text_or_null(f->detail, &nulls[9]);
		values[10] = text_or_null(f->hint, &nulls[10]);
		values[11] = text_or_null(f->statement, &nulls[11]);
	}
	else
	{
		nulls[8] = nulls[9] = nulls[10] = true;
		values[11] = CStringGetTextDatum("<insufficient privilege>");
	}
}

/*
 * conventions.findings(): the log, most recent first.  The rows are made
 * under the shared lock, as pg_stat_statements makes its own.
 */
Datum
conventions_findings(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			userid = GetUserId();
	bool		read_all;

	require_log();
	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	read_all = has_privs_of_role(userid, ROLE_PG_READ_ALL_STATS);
	LWLockAcquire(fd_shared->lock, LW_SHARED);
	for (int64 seq = fd_shared->next_seq - 1;
		 seq >= 1 && seq > fd_shared->next_seq - 1 - findings_max; seq--)
	{
		const Finding *f = &fd_shared->slots[(seq - 1) % findings_max];
		Datum		values[FD_COLUMNS];
		bool		nulls[FD_COLUMNS];

		if (f->seq != seq)
			break;				/* reset since */
		finding_row(f, read_all || f->userid == userid, values, nulls);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	LWLockRelease(fd_shared->lock);
	return (Datum) 0;
}

/* conventions.findings_reset(): forget every finding. */
Datum
conventions_findings_reset(PG_FUNCTION_ARGS)
{
	require_log();
	LWLockAcquire(fd_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < findings_max; i++)
		fd_shared->slots[i].seq = 0;
	LWLockRelease(fd_shared->lock);
	PG_RETURN_VOID();
}
