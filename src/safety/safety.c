/*-------------------------------------------------------------------------
 *
 * safety.c
 *		The migration-safety rules' entry points, their sink, and the
 *		escape hatch conventions.safety_assured().
 *
 * Table rules judge the state a transaction leaves, at commit.  These rules
 * judge the act: before a statement runs (the ProcessUtility hook, and the
 * ddl_command_start event trigger, both before PostgreSQL takes the
 * statement's lock), and before DML executes (the ExecutorStart hook).  Under
 * enforce a hazard is an ERROR there, so nothing has waited, locked or
 * rewritten anything yet; under warn it is a WARNING before the work starts.
 *
 * A hazard is left out when conventions.exemptions exempts its table from
 * the rule, or when the transaction called conventions.safety_assured(),
 * which only the roles granted EXECUTE can call: then it goes to the server
 * log, with who assured it and why.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(conventions_safety_assured);

/* conventions.safety_assured() in this transaction: who, and why */
static char *assured_by = NULL;
static char *assured_reason = NULL;

/* this transaction has run a statement that may hold a lock blocking writes */
static bool ddl_seen = false;

/* Nothing is judged while these hold (the table rules' list, and a standby). */
static bool
exempt_now(void)
{
	return conv_mode == CONV_MODE_OFF || creating_extension || IsBinaryUpgrade ||
		XactReadOnly || RecoveryInProgress();
}

/*
 * The sink: exemptions, then conventions.safety_assured() (which sends a
 * hazard to the server log instead), then WARNING or ERROR.
 */
static void
report(List *violations, const ConvStatementInfo *info)
{
	List	   *reported = NIL;
	ListCell   *lc;
	char	   *statement;

	if (violations == NIL)
		return;
	statement = info != NULL && info->source != NULL ?
		conv_statement_at(info->source, info->location, info->length) : NULL;
	conv_apply_exemptions(violations, conv_load_exemptions());
	foreach(lc, violations)
	{
		ConvViolation *v = lfirst(lc);

		if (v->exemption == NULL && assured_reason != NULL)
		{
			char	   *detail = psprintf("Rule %s: allowed by conventions.safety_assured(), called by role \"%s\": %s",
										  v->rule->id, assured_by, assured_reason);

			conv_findings_add("assured", v->rule->id, v->object, v->message, detail,
							  v->fix_sql, statement);
			ereport(LOG,
					(errmsg("pg_conventions: %s", v->message),
					 errdetail_internal("%s", detail)));
		}
		else
			reported = lappend(reported, v);
	}
	conv_report_violations(reported, statement);
}

/* Every statement rule that is on, then the sink. */
static void
judge(const ConvStatementInfo *info)
{
	MemoryContext cxt;
	MemoryContext old;
	List	   *violations = NIL;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_conventions safety",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	conv_safety_facts_begin();
	/*
	 * will_fail first: a statement that cannot succeed is what enforce's
	 * ERROR names, before how long it would have blocked others.
	 */
	if (!conv_rule_disabled(CONV_RULE_WILL_FAIL))
		conv_rule_at(CONV_RULE_WILL_FAIL)->check_statement(info, &violations);
	for (int i = CONV_NUM_TABLE_RULES; i < CONV_NUM_RULES; i++)
	{
		const ConvRule *rule = conv_rule_at(i);

		if (i != CONV_RULE_WILL_FAIL && !conv_rule_disabled(i))
			rule->check_statement(info, &violations);
	}
	report(violations, info);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	conv_safety_facts_begin();
}

/*
 * A rewrite of this table is about to write its first row (the hooks saw
 * its new heap; the event trigger got table_rewrite): the table_rewrite
 * rule's last word on a rewrite it did not foresee.
 */
void
conv_safety_rewrite_starting(Oid relid)
{
	MemoryContext cxt;
	MemoryContext old;
	List	   *violations = NIL;

	if (exempt_now() || !OidIsValid(relid) || conv_rule_disabled(CONV_RULE_TABLE_REWRITE))
		return;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_conventions safety",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	conv_safety_facts_begin();
	conv_rule_table_rewrite_seen(relid, &violations);
	report(violations, NULL);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	conv_safety_facts_begin();
}

/*
 * Before a utility statement runs.  source is the text its parse tree's
 * locations point into (the hook's query string, or debug_query_string for
 * the event trigger), location where the statement starts in it.
 */
void
conv_check_statement_safety(Node *parsetree, const char *source, int location,
							int length)
{
	ConvStatementInfo info;

	if (exempt_now())
		return;
	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
		case T_IndexStmt:
		case T_DropStmt:
		case T_ReindexStmt:
		case T_RenameStmt:
		case T_VacuumStmt:
		case CONV_T_CLUSTER:
		case T_CreateStmt:
		case T_CreateTrigStmt:
		case T_TruncateStmt:
		case T_AlterObjectSchemaStmt:
		case T_RefreshMatViewStmt:
		case T_AlterDomainStmt:
			break;
		default:
			return;				/* nothing that locks an existing table or view */
	}
	conv_safety_rewrites_forget();
	info.stmt = parsetree;
	info.source = source;
	info.location = location;
	info.length = length;
	info.in_transaction_block = IsTransactionBlock();
	judge(&info);
}

/*
 * Remember that this transaction ran DDL (or LOCK TABLE), so that its DML
 * is worth checking for the locks it runs under; kind is what the
 * classifier made of the statement.  Costs nothing otherwise.
 */
void
conv_safety_note_utility(Node *parsetree, ConvStatementKind kind)
{
	if (kind != CONV_STMT_IGNORE || IsA(parsetree, LockStmt))
		ddl_seen = true;
}

/* Before DML executes (ExecutorStart); source is the query's text. */
void
conv_check_dml_safety(PlannedStmt *plan, const char *source)
{
	ConvStatementInfo info;

	if (!ddl_seen || exempt_now() || CONV_RESULT_RELATIONS(plan) == NIL)
		return;
	info.stmt = (Node *) plan;
	info.source = source;
	info.location = -1;
	info.length = 0;
	info.in_transaction_block = IsTransactionBlock();
	judge(&info);
}

/* At the end of each transaction. */
void
conv_safety_forget(void)
{
	ddl_seen = false;
	if (assured_by != NULL)
		pfree(assured_by);
	if (assured_reason != NULL)
		pfree(assured_reason);
	assured_by = NULL;
	assured_reason = NULL;
}

/*
 * conventions.safety_assured(reason): the migration-safety rules let the
 * rest of this transaction's statements through, logging each hazard they
 * would have reported.  EXECUTE is revoked from PUBLIC by the extension
 * script: a superuser grants it to the roles that review migrations.
 */
Datum
conventions_safety_assured(PG_FUNCTION_ARGS)
{
	char	   *reason;
	bool		seen;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the reason for conventions.safety_assured() must not be null")));
	reason = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strspn(reason, " \t\r\n") == strlen(reason))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the reason for conventions.safety_assured() must not be empty"),
				 errhint("Say why the migration is safe, for the server log: SELECT conventions.safety_assured('reviewed in PR 123: the table is cold at night');")));
	if (!IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_NO_ACTIVE_SQL_TRANSACTION),
				 errmsg("conventions.safety_assured() can only be used in transaction blocks"),
				 errdetail("It lasts until the end of the transaction, and outside a block that is the end of this statement."),
				 errhint("BEGIN; SELECT conventions.safety_assured('...'); <the migration>; COMMIT;")));
	seen = ddl_seen;
	conv_safety_forget();
	ddl_seen = seen;
	assured_by = MemoryContextStrdup(TopMemoryContext, GetUserNameFromId(GetUserId(), false));
	assured_reason = MemoryContextStrdup(TopMemoryContext, reason);
	ereport(LOG,
			(errmsg("pg_conventions: role \"%s\" assured the safety of the rest of this transaction's migration",
					assured_by),
			 errdetail("Reason: %s", assured_reason)));
	PG_RETURN_VOID();
}
