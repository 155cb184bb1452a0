/*-------------------------------------------------------------------------
 *
 * engine.c
 *		The rule registry, what is in scope, and the guard's sink.
 *
 * A rule is one function that looks at a table (tableinfo.c) and appends
 * violations.  The guard sends them to ereport (this file); the audit sends
 * them to result rows (reports.c).  Nothing else differs between the two.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/htup_details.h"
#include "catalog/catalog.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/dependency.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/lsyscache.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

/*
 * The rules, in the order they are checked and reported.  SQLSTATEs are in
 * the implementation-defined class "PC" (pg_conventions) and documented in
 * the README.
 */
static const ConvRule conv_rules[] = {
	{"snake_case_names",
		"tables, columns, indexes, constraints and schemas are named ^[a-z][a-z0-9_]*$",
	MAKE_SQLSTATE('P', 'C', '0', '0', '4'), conv_rule_snake_case_names, 0},
	{"require_primary_key", "every table has a primary key",
	MAKE_SQLSTATE('P', 'C', '0', '0', '1'), conv_rule_require_primary_key, 1},
	{"primary_key_type",
		"the primary key is one uuid column with DEFAULT gen_random_uuid() (per pg_conventions.primary_key_type); junction tables may use their foreign-key columns",
	MAKE_SQLSTATE('P', 'C', '0', '0', '5'), conv_rule_primary_key_type, 2},
	{"require_timestamps",
		"created_at and updated_at are timestamptz DEFAULT now(); junction tables need only created_at",
	MAKE_SQLSTATE('P', 'C', '0', '0', '2'), conv_rule_require_timestamps, 3},
	{"timestamptz_only", "no column is timestamp without time zone",
	MAKE_SQLSTATE('P', 'C', '0', '0', '6'), conv_rule_timestamptz_only, 4},
	{"soft_delete_column",
		"the soft-delete column, where present, is a nullable timestamptz without default",
	MAKE_SQLSTATE('P', 'C', '0', '0', '7'), conv_rule_soft_delete_column, 5},
	{"foreign_key_type", "foreign-key columns have exactly the referenced columns' types",
	MAKE_SQLSTATE('P', 'C', '0', '0', '8'), conv_rule_foreign_key_type, 6},
	{"foreign_key_index", "every foreign key has a covering index",
	MAKE_SQLSTATE('P', 'C', '0', '0', '3'), conv_rule_foreign_key_index, 7},
	{"index_naming", "indexes that back no constraint are named idx_<table>_<columns>",
	MAKE_SQLSTATE('P', 'C', '0', '0', '9'), conv_rule_index_naming, 8},
	{"redundant_index",
		"no index duplicates another or is a leading part of another (same method, operator classes, collations, order, predicate)",
	MAKE_SQLSTATE('P', 'C', '0', '1', '0'), conv_rule_redundant_index, 9},
	{"low_cardinality_index",
		"no single-column btree on a column with very few distinct values (pg_stats)",
	MAKE_SQLSTATE('P', 'C', '0', '1', '1'), conv_rule_low_cardinality_index, 10},
};

#define NUM_RULES lengthof(conv_rules)

StaticAssertDecl(lengthof(conv_rules) <= 32, "rule masks are 32 bits wide");

int
conv_rule_index(const char *id)
{
	for (int i = 0; i < (int) NUM_RULES; i++)
		if (strcmp(conv_rules[i].id, id) == 0)
			return i;
	return -1;
}

int
conv_num_rules(void)
{
	return NUM_RULES;
}

const ConvRule *
conv_rule_at(int index)
{
	return &conv_rules[index];
}

static const ConvRule *
find_rule(const char *id)
{
	int			i = conv_rule_index(id);

	if (i < 0)
		elog(ERROR, "pg_conventions: unknown rule \"%s\"", id);
	return &conv_rules[i];
}

bool
conv_rule_enabled(const char *id)
{
	return !conv_rule_disabled(find_rule(id)->index);
}

/* What the guard does about this rule now: off, warning or error. */
const char *
conv_rule_severity(const ConvRule *rule)
{
	if (conv_mode == CONV_MODE_OFF || conv_rule_disabled(rule->index))
		return "off";
	if (conv_mode == CONV_MODE_ENFORCE && !conv_rule_warning_only(rule->index))
		return "error";
	return "warning";
}

ConvViolation *
conv_add_violation(List **violations, const char *rule_id, ConvTable *table,
				   const char *object, const char *message, const char *detail,
				   const char *fix_sql)
{
	ConvViolation *v = palloc0(sizeof(ConvViolation));

	v->rule = find_rule(rule_id);
	v->relid = table->relid;
	v->object = pstrdup(object);
	v->message = pstrdup(message);
	v->detail = pstrdup(detail);
	v->fix_sql = pstrdup(fix_sql);
	*violations = lappend(*violations, v);
	return v;
}

/*
 * Is this a table the conventions apply to?  Ordinary and partitioned
 * tables, not temporary, outside the system schemas, not belonging to an
 * extension.
 */
bool
conv_table_in_scope(Oid relid)
{
	HeapTuple	tup;
	Form_pg_class cls;
	Oid			nspid;
	bool		candidate;
	char	   *nspname;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return false;
	cls = (Form_pg_class) GETSTRUCT(tup);
	nspid = cls->relnamespace;
	candidate = (cls->relkind == RELKIND_RELATION ||
				 cls->relkind == RELKIND_PARTITIONED_TABLE) &&
		cls->relpersistence != RELPERSISTENCE_TEMP;
	ReleaseSysCache(tup);

	if (!candidate || IsCatalogNamespace(nspid) || IsToastNamespace(nspid) ||
		isAnyTempNamespace(nspid))
		return false;
	nspname = get_namespace_name(nspid);
	if (nspname == NULL || strcmp(nspname, "information_schema") == 0 ||
		!conv_schema_in_scope(nspname))
		return false;
	return !OidIsValid(getExtensionOfObject(RelationRelationId, relid));
}

/* Every rule on one table; NIL when the table has gone. */
List *
conv_check_table(Oid relid, Oid ignore_index)
{
	ConvTable  *table = conv_table_load(relid);
	List	   *violations = NIL;

	if (table == NULL)
		return NIL;
	table->ignore_index = ignore_index;
	for (int i = 0; i < (int) NUM_RULES; i++)
	{
		if (!conv_rule_disabled(i))
			conv_rules[i].check(table, &violations);
	}
	return violations;
}

/*
 * Every rule on each table, exemptions applied, and each violation once: a
 * schema's name, say, is judged with each of its tables.
 */
List *
conv_check_tables(List *relids, Oid ignore_index)
{
	List	   *result = NIL;
	List	   *exemptions;
	HTAB	   *seen;
	HASHCTL		ctl;
	ListCell   *lc;

	if (relids == NIL)
		return NIL;
	ctl.keysize = 1024;
	ctl.entrysize = ctl.keysize;
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("pg_conventions reported", 64, &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	exemptions = conv_load_exemptions();

	foreach(lc, relids)
	{
		List	   *violations = conv_check_table(lfirst_oid(lc), ignore_index);
		ListCell   *lv;

		conv_apply_exemptions(violations, exemptions);
		foreach(lv, violations)
		{
			ConvViolation *v = lfirst(lv);
			char		key[1024];
			bool		found;

			snprintf(key, sizeof(key), "%s|%s|%s", v->rule->id, v->object, v->message);
			hash_search(seen, key, HASH_ENTER, &found);
			if (!found)
				result = lappend(result, v);
		}
	}
	hash_destroy(seen);
	return result;
}

static bool
is_error(const ConvViolation *v)
{
	return strcmp(conv_rule_severity(v->rule), "error") == 0;
}

const char *
conv_severity_name(const ConvViolation *v)
{
	return conv_rule_severity(v->rule);
}

static void
emit(int elevel, const ConvViolation *v, int others)
{
	char	   *detail = psprintf("Rule %s: %s", v->rule->id, v->detail);

	if (others == 1)
		detail = psprintf("%s The transaction has 1 more violation of the schema conventions.",
						  detail);
	else if (others > 1)
		detail = psprintf("%s The transaction has %d more violations of the schema conventions.",
						  detail, others);

	ereport(elevel,
			(errcode(v->rule->sqlstate),
			 errmsg_internal("%s", v->message),
			 errdetail_internal("%s", detail),
			 v->advice ? errhint("%s\n%s", v->fix_sql, v->advice) :
			 errhint("%s", v->fix_sql)));
}

/*
 * The guard's sink: a WARNING per violation that is not enforced, then one
 * ERROR for the first enforced violation, whose DETAIL counts the others.
 */
void
conv_report_violations(List *violations)
{
	const ConvViolation *first_error = NULL;
	int			nerrors = 0;
	ListCell   *lc;

	foreach(lc, violations)
	{
		const ConvViolation *v = lfirst(lc);

		if (v->exemption != NULL)
			continue;
		if (!is_error(v))
			emit(WARNING, v, 0);
		else if (nerrors++ == 0)
			first_error = v;
	}
	if (first_error != NULL)
		emit(ERROR, first_error, nerrors - 1);
}

/* Pre-commit: judge every table the transaction touched. */
void
conv_run_deferred_checks(void)
{
	MemoryContext cxt;
	MemoryContext old;
	List	   *violations = NIL;

	if (conv_mode == CONV_MODE_OFF || creating_extension || IsBinaryUpgrade)
		return;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_conventions checks",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	violations = conv_check_tables(conv_touched_tables(), InvalidOid);
	conv_report_violations(violations);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/*
 * A statement that commits internally cannot be judged at its commits.
 * DROP INDEX CONCURRENTLY is judged before it runs, on the state it would
 * leave: the table without that index.  (CREATE INDEX CONCURRENTLY can only
 * add coverage and is not judged; see conv_classify_statement.)
 */
void
conv_precheck_concurrent(Node *parsetree)
{
	DropStmt   *stmt = (DropStmt *) parsetree;
	ListCell   *lc;

	if (!IsA(parsetree, DropStmt) || stmt->removeType != OBJECT_INDEX)
		return;
	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		Oid			indexoid = RangeVarGetRelid(rv, NoLock, true);
		Oid			relid;

		if (!OidIsValid(indexoid))
			continue;
		relid = IndexGetRelation(indexoid, true);
		if (OidIsValid(relid) && conv_table_in_scope(relid))
			conv_report_violations(conv_check_tables(list_make1_oid(relid), indexoid));
	}
}
