/*-------------------------------------------------------------------------
 *
 * subtransaction.c
 *		One step in a subtransaction: on error, the step's work is undone,
 *		its message kept, and the caller goes on with the next step (one
 *		statement of a workload that no longer parses, one column whose
 *		statistics no longer fit the twin's type).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/xact.h"
#include "utils/resowner.h"

/*
 * Run fn(arg) in a subtransaction.  True when it succeeded; false when it
 * raised an error, whose message is then in *message (the caller's memory
 * context) and whose work is rolled back.
 */
bool
conv_try_subtransaction(void (*fn) (void *), void *arg, char **message)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	bool		ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		*message = pstrdup(edata->message);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return ok;
}
