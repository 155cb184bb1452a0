/*-------------------------------------------------------------------------
 *
 * reports.c
 *		SQL-callable report functions.
 *
 * conventions.violations() runs the guard's rules over every table in scope
 * and returns one row per violation: the audit sink of the rule engine.  It
 * reads only the catalog (and the exemptions table), so it takes no lock on
 * any table and works on a hot standby.  conventions.rules() lists the rules.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(conventions_violations);
PG_FUNCTION_INFO_V1(conventions_rules);

static int
named_table_cmp(const void *a, const void *b)
{
	const ConvNamedTable *x = a;
	const ConvNamedTable *y = b;
	int			c = strcmp(x->nspname, y->nspname);

	return c != 0 ? c : strcmp(x->relname, y->relname);
}

/* Every table in scope, ordered by schema and name. */
ConvNamedTable *
conv_tables_in_scope(int *count)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	int			n = 0;
	int			cap = 256;
	ConvNamedTable *tables = palloc(cap * sizeof(ConvNamedTable));

	rel = table_open(RelationRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

		if (cls->relkind != RELKIND_RELATION &&
			cls->relkind != RELKIND_PARTITIONED_TABLE)
			continue;
		if (!conv_table_in_scope(cls->oid))
			continue;
		if (n == cap)
		{
			cap *= 2;
			tables = repalloc(tables, cap * sizeof(ConvNamedTable));
		}
		tables[n].relid = cls->oid;
		tables[n].nspname = get_namespace_name(cls->relnamespace);
		tables[n].relname = pstrdup(NameStr(cls->relname));
		n++;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);

	qsort(tables, n, sizeof(ConvNamedTable), named_table_cmp);
	*count = n;
	return tables;
}

Datum
conventions_violations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ConvNamedTable *tables;
	int			ntables;
	int			natts;
	List	   *relids = NIL;
	List	   *baseline = NIL;
	ListCell   *lc;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);

	/* 0.1 declared seven columns, 0.2 added the exemption ones, 0.7 two more */
	natts = rsinfo->setDesc->natts;
	if (natts != 7 && natts != 9 && natts != 11)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("conventions.violations() does not match the pg_conventions library"),
				 errhint("ALTER EXTENSION pg_conventions UPDATE;")));
	if (natts == 11)
		baseline = conv_load_baseline();

	tables = conv_tables_in_scope(&ntables);
	for (int i = 0; i < ntables; i++)
		relids = lappend_oid(relids, tables[i].relid);

	foreach(lc, conv_check_tables(relids, InvalidOid))
	{
		ConvViolation *v = lfirst(lc);
		Datum		values[11];
		bool		nulls[11] = {false};

		values[0] = CStringGetTextDatum(v->rule->id);
		values[1] = CStringGetTextDatum(conv_severity_name(v));
		values[2] = ObjectIdGetDatum(v->relid);
		values[3] = CStringGetTextDatum(v->object);
		values[4] = CStringGetTextDatum(v->message);
		values[5] = CStringGetTextDatum(v->advice ?
										psprintf("Rule %s: %s %s", v->rule->id, v->detail, v->advice) :
										psprintf("Rule %s: %s", v->rule->id, v->detail));
		values[6] = CStringGetTextDatum(v->fix_sql);
		values[7] = BoolGetDatum(v->exemption != NULL);
		if (v->exemption != NULL)
			values[8] = CStringGetTextDatum(v->exemption);
		else
			nulls[8] = true;
		if (natts == 11)
		{
			char	   *subject = conv_violation_subject(v);
			const ConvBaselineRow *row = conv_baseline_find(baseline, v, subject);

			values[9] = CStringGetTextDatum(subject);
			values[10] = row ? row->recorded_at : (Datum) 0;
			nulls[10] = row == NULL;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* conventions.rules(): every rule, what it checks, and what the guard does now. */
Datum
conventions_rules(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	for (int i = 0; i < conv_num_rules(); i++)
	{
		const ConvRule *rule = conv_rule_at(i);
		Datum		values[5];
		bool		nulls[5] = {false};

		values[0] = CStringGetTextDatum(rule->id);
		values[1] = CStringGetTextDatum(rule->description);
		values[2] = CStringGetTextDatum(conv_rule_severity(rule));
		values[3] = CStringGetTextDatum(rule->check ? "commit" : "statement");
		values[4] = CStringGetTextDatum(unpack_sql_state(rule->sqlstate));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

#ifdef CONV_NEEDS_OWN_MATERIALIZED_SRF
/* PostgreSQL 13 and 14 have no helper to set up a materialized SRF. */
void
conv_init_materialized_srf(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	tupdesc;
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(old);
}
#endif
