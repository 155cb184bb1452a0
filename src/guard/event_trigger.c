/*-------------------------------------------------------------------------
 *
 * event_trigger.c
 *		The event-trigger entry point, for servers where the library cannot
 *		be preloaded.
 *
 * conventions.guard_event_trigger() only records what a statement touched,
 * into the same per-transaction set the hooks fill; the checks run at
 * pre-commit exactly as with the preloaded guard, so both give the same
 * verdicts at the same moment.  Calling the function loads the library,
 * which registers the transaction callbacks (but not the hooks).
 *
 *	ddl_command_end		records the objects of pg_event_trigger_ddl_commands()
 *						(in the last transaction of a statement that commits
 *						internally, where its result becomes visible)
 *	ddl_command_start	locks and, under enforce, remembers the tables the
 *						statement is about to change (so that enforce rejects
 *						only what it introduces); for DROP INDEX, records the
 *						tables of the indexes while they still exist, or
 *						judges DROP INDEX CONCURRENTLY before it runs
 *
 * When the preloaded guard is active it has already seen everything, and
 * the trigger does nothing: each violation is reported once.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/tcopprot.h"
#include "utils/fmgroids.h"

PG_FUNCTION_INFO_V1(conventions_guard_event_trigger);

/*
 * Record what the command created or altered.  In the last transaction of
 * CREATE INDEX CONCURRENTLY (concurrent_index), the table before it was
 * the table without the new index.
 */
static void
record_ddl_commands(bool concurrent_index)
{
	int			ret;

	/* DDL under a SELECT of Citus's conversion functions is Citus's own */
	conv_recording_for_citus = conv_citus_converting();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_conventions: SPI_connect failed");
	ret = SPI_execute("SELECT classid, objid FROM pg_catalog.pg_event_trigger_ddl_commands()",
					  true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pg_conventions: reading pg_event_trigger_ddl_commands() failed: %s",
			 SPI_result_code_string(ret));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull1;
		bool		isnull2;
		Oid			classid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull1));
		Oid			objid = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull2));

		if (isnull1 || isnull2)
			continue;
		if (concurrent_index && classid == RelationRelationId)
			conv_remember_before_index(IndexGetRelation(objid, true), objid);
		conv_record_object(classid, objid);
	}
	SPI_finish();
	conv_recording_for_citus = false;
}

Datum
conventions_guard_event_trigger(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	ConvStatementKind kind;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function conventions.guard_event_trigger() was not called by an event trigger"),
				 errhint("CREATE EVENT TRIGGER pg_conventions_guard ON ddl_command_end "
						 "EXECUTE FUNCTION conventions.guard_event_trigger();")));
	trigdata = (EventTriggerData *) fcinfo->context;

	if (conv_mode == CONV_MODE_OFF || conv_guard_active() ||
		creating_extension || IsBinaryUpgrade)
		PG_RETURN_NULL();

	kind = conv_classify_statement(trigdata->parsetree);
	if (strcmp(trigdata->event, "table_rewrite") == 0)
	{
		/* before the first row of a rewrite the start could not foresee */
		conv_safety_rewrite_starting(DatumGetObjectId(OidFunctionCall0Coll(F_PG_EVENT_TRIGGER_TABLE_REWRITE_OID,
																		   InvalidOid)));
		PG_RETURN_NULL();
	}
	if (strcmp(trigdata->event, "ddl_command_end") == 0)
	{
		/*
		 * ddl_command_end of CREATE INDEX CONCURRENTLY and of DETACH
		 * PARTITION CONCURRENTLY fires in the last transaction, after the
		 * internal commits, where the result becomes visible.
		 */
		if (kind == CONV_STMT_COLLECT || IsA(trigdata->parsetree, IndexStmt))
			record_ddl_commands(kind == CONV_STMT_SUSPEND);
		else if (kind == CONV_STMT_SUSPEND)
			conv_record_after_concurrent(trigdata->parsetree);
		conv_remember_unchanged(trigdata->parsetree);
	}
	else if (strcmp(trigdata->event, "ddl_command_start") == 0)
	{
		/* the migration-safety rules: before PostgreSQL takes its lock */
		conv_check_statement_safety(trigdata->parsetree, debug_query_string, -1, 0);
		if (kind == CONV_STMT_COLLECT)
		{
			List	   *tables = conv_remember_before(trigdata->parsetree);
			ListCell   *lc;

			/* DROP INDEX: the tables, while their indexes still exist */
			if (IsA(trigdata->parsetree, DropStmt))
				foreach(lc, tables)
					conv_record_table(lfirst_oid(lc));
		}
		else if (kind == CONV_STMT_SUSPEND)
			conv_precheck_concurrent(trigdata->parsetree, debug_query_string);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("conventions.guard_event_trigger() does not support the %s event",
						trigdata->event),
				 errhint("Create the event trigger ON ddl_command_end, ON ddl_command_start, and ON table_rewrite.")));

	PG_RETURN_NULL();
}
