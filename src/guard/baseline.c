/*-------------------------------------------------------------------------
 *
 * baseline.c
 *		The recorded old debt (conventions.baseline): read by violations()
 *		to date each row, and by the guard, which does not hold against a
 *		transaction what the baseline accepted.  A row is matched by rule,
 *		table and subject (conv_violation_subject: names and columns, never
 *		OIDs), so a foreign key dropped and added back is the same debt.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

/*
 * The baseline's rows; NIL when this database has no conventions.baseline
 * (the extension not created here, or older than 0.7).
 */
List *
conv_load_baseline(void)
{
	List	   *rows = NIL;
	MemoryContext caller = CurrentMemoryContext;
	Oid			nsp = get_namespace_oid("conventions", true);

	bool		snapshot;

	if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("baseline", nsp)))
		return NIL;
	/* the guard reads it at pre-commit, where no snapshot is active */
	snapshot = !ActiveSnapshotSet();
	if (snapshot)
		PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pg_conventions: SPI_connect failed");
	/* the guard's own query, not the application's: nested for the capture */
	conv_workload_nest(1);
	PG_TRY();
	{
		if (SPI_execute("SELECT table_name::pg_catalog.oid, rule, subject, recorded_at "
						"FROM conventions.baseline", true, 0) != SPI_OK_SELECT)
			elog(ERROR, "pg_conventions: reading conventions.baseline failed");
	}
	PG_FINALLY();
	{
		conv_workload_nest(-1);
	}
	PG_END_TRY();
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(caller);
		ConvBaselineRow *row = palloc(sizeof(ConvBaselineRow));

		row->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		row->rule = SPI_getvalue(tup, desc, 2);
		row->subject = SPI_getvalue(tup, desc, 3);
		row->recorded_at = SPI_getbinval(tup, desc, 4, &isnull);
		rows = lappend(rows, row);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	if (snapshot)
		PopActiveSnapshot();
	return rows;
}

/* The baseline's row for this violation (whose subject is given), or NULL. */
const ConvBaselineRow *
conv_baseline_find(List *baseline, const ConvViolation *v, const char *subject)
{
	ListCell   *lc;

	foreach(lc, baseline)
	{
		const ConvBaselineRow *row = lfirst(lc);

		if (row->relid == v->relid && strcmp(row->rule, v->rule->id) == 0 &&
			strcmp(row->subject, subject) == 0)
			return row;
	}
	return NULL;
}
