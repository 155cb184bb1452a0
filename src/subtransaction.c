/*-------------------------------------------------------------------------
 *
 * subtransaction.c
 *		One step in a subtransaction: on error, the step's work is undone,
 *		its message kept, and the caller goes on with the next step (one
 *		statement of a workload that no longer parses, one column whose
 *		statistics no longer fit the twin's type, a read of will_fail's
 *		evidence or of a Citus table's shards that must never fail the
 *		statement it judges).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/xact.h"
#include "utils/resowner.h"

/*
 * Run fn(arg) in a subtransaction: NULL when it ran to its end, else its
 * error, copied into the caller's memory context and flushed.  The work is
 * kept on success when keep is true, and rolled back otherwise (always, when
 * keep is false: a read that must leave nothing behind).  The caller decides
 * what an error means (a cancel it did not cause is raised again with
 * ReThrowError).
 */
ErrorData *
conv_subtransaction(void (*fn) (void *), void *arg, bool keep)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		if (keep)
			ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		keep = false;
	}
	PG_END_TRY();
	if (!keep)
		RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return edata;
}

/*
 * Run fn(arg) in a subtransaction.  True when it succeeded; false when it
 * raised an error, whose message is then in *message (the caller's memory
 * context) and whose work is rolled back.  A cancel (statement_timeout,
 * pg_cancel_backend(), the client's) is the statement's, not the step's:
 * raised again, or the statement would go on to its next step, waiting on
 * the next lock, past every cancel.
 */
bool
conv_try_subtransaction(void (*fn) (void *), void *arg, char **message)
{
	ErrorData  *edata = conv_subtransaction(fn, arg, true);

	if (edata == NULL)
		return true;
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		ReThrowError(edata);
	*message = pstrdup(edata->message);
	FreeErrorData(edata);
	return false;
}
