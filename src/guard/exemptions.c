/*-------------------------------------------------------------------------
 *
 * exemptions.c
 *		Per-object exemptions, kept in conventions.exemptions.
 *
 * The table is an extension configuration table (pg_dump keeps its rows),
 * written only through conventions.exempt() and conventions.unexempt(),
 * which check that the caller owns the table (or is a superuser) and which
 * nobody may execute until granted.  A trigger keeps it to tables the rules
 * judge, and an event trigger deletes a dropped table's rows (both in the
 * 0.6 script), so an OID never outlives its table here.  The guard and the
 * audit read it here: once per check run, so a migration pays for one
 * small scan.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/table.h"
#include "access/tableam.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

typedef struct ConvExemption
{
	Oid			relid;
	char	   *rule;			/* a rule id, or "*" */
	char	   *reason;
} ConvExemption;

/* Our exemptions table in this database, or InvalidOid without the extension. */
static Oid
exemptions_relid(void)
{
	Oid			extoid = get_extension_oid("pg_conventions", true);
	Oid			nspid;
	Oid			relid;

	if (!OidIsValid(extoid))
		return InvalidOid;
	nspid = get_namespace_oid("conventions", true);
	if (!OidIsValid(nspid))
		return InvalidOid;
	relid = get_relname_relid("exemptions", nspid);
	if (!OidIsValid(relid) || getExtensionOfObject(RelationRelationId, relid) != extoid)
		return InvalidOid;
	return relid;
}

List *
conv_load_exemptions(void)
{
	Oid			relid = exemptions_relid();
	Relation	rel;
	Snapshot	snapshot;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	att_table;
	AttrNumber	att_rule;
	AttrNumber	att_reason;
	List	   *result = NIL;

	if (!OidIsValid(relid))
		return NIL;
	att_table = get_attnum(relid, "table_name");
	att_rule = get_attnum(relid, "rule");
	att_reason = get_attnum(relid, "reason");
	if (att_table == InvalidAttrNumber || att_rule == InvalidAttrNumber ||
		att_reason == InvalidAttrNumber)
		return NIL;

	rel = table_open(relid, AccessShareLock);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	scan = CONV_TABLE_BEGINSCAN(rel, snapshot);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		n1,
					n2,
					n3;
		Datum		t = slot_getattr(slot, att_table, &n1);
		Datum		r = slot_getattr(slot, att_rule, &n2);
		Datum		why = slot_getattr(slot, att_reason, &n3);
		ConvExemption *e;

		if (n1 || n2 || n3)
			continue;
		e = palloc(sizeof(ConvExemption));
		e->relid = DatumGetObjectId(t);
		e->rule = TextDatumGetCString(r);
		e->reason = TextDatumGetCString(why);
		result = lappend(result, e);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return result;
}

/* Mark the violations an exemption covers. */
void
conv_apply_exemptions(List *violations, List *exemptions)
{
	ListCell   *lv;

	if (exemptions == NIL)
		return;
	foreach(lv, violations)
	{
		ConvViolation *v = lfirst(lv);
		ListCell   *le;

		foreach(le, exemptions)
		{
			ConvExemption *e = lfirst(le);

			if (e->relid == v->relid &&
				(strcmp(e->rule, "*") == 0 || strcmp(e->rule, v->rule->id) == 0))
			{
				v->exemption = e->reason;
				break;
			}
		}
	}
}
