/*-------------------------------------------------------------------------
 *
 * engine.c
 *		The rule registry, what a transaction introduced, and the guard's
 *		sink.
 *
 * A rule is one function that looks at a table (tableinfo.c) and appends
 * violations (violation.c).  The guard sends them to ereport (this file);
 * the audit sends them to result rows (reports.c).  Nothing else differs
 * between the two.
 *
 * What a transaction is judged for is what it changed.  Before a statement
 * first changes an existing table, the table's violations are remembered
 * (collector.c keeps them); at commit a violation the table already had,
 * or one the recorded baseline accepted, is old debt: never the ERROR, and
 * said in one WARNING per table (how many, of which rules, and the query
 * that lists them) instead of repeating each of them at every migration
 * that touches the table.  A violation is recognised by what it is about,
 * not by its words, so a rename does not turn old debt into new.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#define CONV_RULE_ENTRY(name, id, s1, s2, s3, description, check) \
	{#id, description, MAKE_SQLSTATE('P', 'C', s1, s2, s3), check, NULL, CONV_RULE_##name},
#define CONV_STATEMENT_RULE_ENTRY(name, id, s1, s2, s3, description, check) \
	{#id, description, MAKE_SQLSTATE('P', 'C', s1, s2, s3), NULL, check, CONV_RULE_##name},

/* The rules, in the order they are checked and reported (pg_conventions.h). */
static const ConvRule conv_rules[CONV_NUM_RULES] = {
	CONV_RULE_LIST(CONV_RULE_ENTRY)
	CONV_STATEMENT_RULE_LIST(CONV_STATEMENT_RULE_ENTRY)
};

StaticAssertDecl(CONV_NUM_RULES <= 32, "rule masks are 32 bits wide");

int
conv_num_rules(void)
{
	return CONV_NUM_RULES;
}

const ConvRule *
conv_rule_at(int index)
{
	return &conv_rules[index];
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

/* Every rule on one table; NIL when the table has gone. */
List *
conv_check_table(Oid relid, Oid ignore_index)
{
	ConvTable  *table = conv_table_load(relid);
	List	   *violations = NIL;

	if (table == NULL)
		return NIL;
	table->ignore_index = ignore_index;
	for (int i = 0; i < CONV_NUM_TABLE_RULES; i++)
	{
		if (!conv_rule_disabled(i))
			conv_rules[i].check(table, &violations);
	}
	return violations;
}

/*
 * The foreign keys of a table that rule foreign_key_index requires an index
 * for (ConvForeignKey *), unless the rule is off or an exemption covers the
 * table: what the index advisor puts in every answer.
 */
List *
conv_required_fk_indexes(Oid relid)
{
	ConvTable  *table;
	List	   *violations = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	if (conv_rule_disabled(CONV_RULE_FOREIGN_KEY_INDEX) ||
		(table = conv_table_load(relid)) == NULL)
		return NIL;
	conv_rule_foreign_key_index(table, &violations);
	foreach(lc, violations)
		((ConvViolation *) lfirst(lc))->rule = conv_rule_at(((ConvViolation *) lfirst(lc))->rule_index);
	conv_apply_exemptions(violations, conv_load_exemptions());
	foreach(lc, violations)
	{
		ConvViolation *v = lfirst(lc);
		ListCell   *fc;

		if (v->exemption != NULL)
			continue;
		foreach(fc, table->foreign_keys)
			if (((ConvForeignKey *) lfirst(fc))->conoid == v->about.objid)
				result = lappend(result, lfirst(fc));
	}
	return result;
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

/* ---- before and after ---- */

/* Remember one table as it is now, unless its earlier state is known. */
static void
remember_table(Oid relid, Oid ignore_index)
{
	MemoryContext cxt;
	MemoryContext old;

	/* cheapest first: a migration's new tables are most of what it touches */
	if (conv_before_known(relid) || conv_created_in_current_xact(relid) ||
		!conv_table_in_scope(relid))
		return;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_conventions before-state",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	conv_before_store(relid, conv_check_table(relid, ignore_index));
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/* Whether the guard tells new violations from old debt now: unless it is off. */
static bool
comparing(void)
{
	return conv_mode != CONV_MODE_OFF && !creating_extension && !IsBinaryUpgrade;
}

/*
 * Before a statement runs: lock the tables it is about to change, and
 * remember them (and a partition's root, whose keys its indexes help
 * cover).  The lock is the lock the statement takes anyway, a moment
 * earlier, and the tolerant lookups before it read the invalidations of a
 * concurrent DROP, which PostgreSQL's own permission check of CREATE INDEX
 * and ALTER TABLE (RangeVarCallbackOwnsRelation and friends) would
 * otherwise meet as "cache lookup failed for relation" (SQLSTATE XX000),
 * on a plain server too; test/isolation/specs/create_index_vs_drop.spec.
 * Returns the relations locked (for DROP INDEX, the indexes' tables).
 */
List *
conv_remember_before(Node *parsetree)
{
	List	   *tables;
	ListCell   *lc;

	/*
	 * A read-only transaction or a standby refuses the statement before it
	 * looks anything up, and takes no such lock: neither do we.
	 */
	if (conv_mode == CONV_MODE_OFF || creating_extension || IsBinaryUpgrade ||
		XactReadOnly || RecoveryInProgress())
		return NIL;
	tables = conv_statement_tables(parsetree);
	if (!comparing())
		return tables;
	foreach(lc, tables)
	{
		Oid			relid = conv_table_of_relation(lfirst_oid(lc));

		if (!OidIsValid(relid))
			continue;
		remember_table(relid, InvalidOid);
		if (get_rel_relispartition(relid))
		{
			List	   *ancestors = get_partition_ancestors(relid);

			if (ancestors != NIL)
				remember_table(llast_oid(ancestors), InvalidOid);
		}
	}
	return tables;
}

/*
 * After a statement that leaves some tables as they were (a detached
 * partition): what they have now, they had before.
 */
void
conv_remember_unchanged(Node *parsetree)
{
	ListCell   *lc;

	if (!comparing())
		return;
	foreach(lc, conv_statement_unchanged_tables(parsetree))
		remember_table(lfirst_oid(lc), InvalidOid);
}

/*
 * In the last transaction of CREATE INDEX CONCURRENTLY: the table before
 * it was the table without its new index.
 */
void
conv_remember_before_index(Oid relid, Oid new_index)
{
	if (comparing() && OidIsValid(relid))
		remember_table(relid, new_index);
}

/*
 * Old debt: a violation the table had before the transaction changed it,
 * or one about the name of a schema that already held a table before the
 * transaction (a schema is judged with its tables, so a new schema, or one
 * that only now gets its first table, is judged as new); and one the
 * recorded baseline accepted (conventions.baseline_record()), matched by
 * what it is about, not by OIDs: a foreign key dropped in one transaction
 * and added back in the next, or renamed, is the debt it was.  The
 * baseline is read only when something else would be new.
 */
static void
mark_debt(List *violations)
{
	ListCell   *lc;
	List	   *baseline = NIL;
	bool		baseline_read = false;

	if (!comparing())
		return;
	foreach(lc, violations)
	{
		ConvViolation *v = lfirst(lc);

		if (v->about.classid == NamespaceRelationId)
			v->debt = conv_namespace_has_older_table(v->about.objid);
		else
			v->debt = conv_before_had(v);
		if (v->debt || v->exemption != NULL)
			continue;
		if (!baseline_read)
		{
			baseline = conv_load_baseline();
			baseline_read = true;
		}
		if (baseline != NIL)
			v->debt = conv_baseline_find(baseline, v, conv_violation_subject(v)) != NULL;
	}
}

/* ---- the sink ---- */

static bool
is_error(const ConvViolation *v)
{
	return !v->debt && strcmp(conv_rule_severity(v->rule), "error") == 0;
}

const char *
conv_severity_name(const ConvViolation *v)
{
	return conv_rule_severity(v->rule);
}

/* A violation's DETAIL and HINT, as the client gets them (and the log keeps). */
static char *
detail_of(const ConvViolation *v)
{
	return psprintf("Rule %s: %s", v->rule->id, v->detail);
}

static char *
hint_of(const ConvViolation *v)
{
	return v->advice ? psprintf("%s\n%s", v->fix_sql, v->advice) : v->fix_sql;
}

static void
emit(int elevel, const ConvViolation *v, int others, const char *statement)
{
	char	   *detail = detail_of(v);
	char	   *hint;

	if (others > 0 && v->rule->check_statement != NULL)
		detail = psprintf(others == 1 ? "%s The statement has %d more migration hazard." :
						  "%s The statement has %d more migration hazards.", detail, others);
	else if (others == 1)
		detail = psprintf("%s The transaction has 1 more violation of the schema conventions.",
						  detail);
	else if (others > 1)
		detail = psprintf("%s The transaction has %d more violations of the schema conventions.",
						  detail, others);

	hint = hint_of(v);
	conv_findings_add(elevel == ERROR ? "error" : "warning", v->rule->id, v->object,
					  v->message, detail, hint, statement);
	ereport(elevel,
			(errcode(v->rule->sqlstate),
			 errmsg_internal("%s", v->message),
			 errdetail_internal("%s", detail),
			 errhint("%s", hint)));
}

/*
 * One table's old debt in one WARNING: how many violations, of which
 * rules, and the query that lists them.  `debt` holds the table's
 * violations marked as debt, in the order they were found.
 */
static void
emit_debt(Oid relid, List *debt, const char *statement)
{
	char	   *table = conv_relation_display_name(relid);
	StringInfoData rules;
	int			counts[CONV_NUM_RULES] = {0};
	char	   *message;
	char	   *detail;
	char	   *hint;
	ListCell   *lc;

	foreach(lc, debt)
		counts[((const ConvViolation *) lfirst(lc))->rule_index]++;
	/* each rule once, where it first appears, with its count */
	initStringInfo(&rules);
	foreach(lc, debt)
	{
		const ConvViolation *v = lfirst(lc);

		if (counts[v->rule_index] == 0)
			continue;
		appendStringInfo(&rules, "%s%s (%d)", rules.len > 0 ? ", " : "", v->rule->id,
						 counts[v->rule_index]);
		counts[v->rule_index] = 0;
	}
	message = psprintf(list_length(debt) == 1 ?
					   "table \"%s\" still has %d violation of the schema conventions that it had before" :
					   "table \"%s\" still has %d violations of the schema conventions that it had before",
					   table, list_length(debt));
	detail = psprintf("Old debt, not repeated here: %s. The transaction changed the table but "
					  "did not introduce %s.", rules.data, list_length(debt) == 1 ? "it" : "them");
	hint = psprintf("SELECT * FROM conventions.violations() WHERE table_name = %s::regclass;",
					quote_literal_cstr(conv_relation_sql_name(relid)));
	conv_findings_add("debt", NULL, table, message, detail, hint, statement);
	ereport(WARNING,
			(errcode(CONV_SQLSTATE_OLD_DEBT),
			 errmsg_internal("%s", message),
			 errdetail_internal("%s", detail),
			 errhint("%s", hint)));
}

/*
 * The guard's sink: a WARNING per new violation that is not enforced, one
 * per table for its old debt, then one ERROR for the first enforced
 * violation, whose DETAIL counts the others (each of them is in the
 * findings log too).
 */
void
conv_report_violations(List *violations, const char *statement)
{
	const ConvViolation *first_error = NULL;
	int			nerrors = 0;
	List	   *debt_tables = NIL;
	ListCell   *lc;

	foreach(lc, violations)
	{
		const ConvViolation *v = lfirst(lc);

		if (v->exemption != NULL)
			continue;
		if (v->debt)
			debt_tables = list_append_unique_oid(debt_tables, v->relid);
		else if (!is_error(v))
			emit(WARNING, v, 0, statement);
		else if (nerrors++ == 0)
			first_error = v;
		else
			conv_findings_add("error", v->rule->id, v->object, v->message,
							  detail_of(v), hint_of(v), statement);
	}
	foreach(lc, debt_tables)
	{
		List	   *debt = NIL;
		ListCell   *lv;

		foreach(lv, violations)
		{
			ConvViolation *v = lfirst(lv);

			if (v->debt && v->exemption == NULL && v->relid == lfirst_oid(lc))
				debt = lappend(debt, v);
		}
		emit_debt(lfirst_oid(lc), debt, statement);
	}
	if (first_error != NULL)
		emit(ERROR, first_error, nerrors - 1, statement);
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

	/*
	 * Judge the state the transaction leaves, its last command's changes
	 * included: an extension's hook may change the catalog after the last
	 * command ended (Citus marks a distributed table's new index valid at the
	 * end of CREATE INDEX CONCURRENTLY).  Nothing when nothing is pending.
	 */
	CommandCounterIncrement();

	cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_conventions checks",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	violations = conv_check_tables(conv_touched_tables(), InvalidOid);
	mark_debt(violations);
	conv_report_violations(violations, NULL);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/*
 * What CREATE INDEX CONCURRENTLY settles before it builds: under enforce,
 * a name that breaks index_naming is rejected before the build, which would
 * otherwise end in the rejection and leave an INVALID index behind.  The
 * HINT is the statement itself with the conventional name.  (The index's
 * other verdicts need the built index; they come in its last transaction.)
 */
static void
precheck_index_name(IndexStmt *stmt, const char *sql)
{
	Oid			relid;
	ConvTable  *table;
	ConvIndex  *index;
	bool		named;
	List	   *violations = NIL;
	char	   *conventional;
	char	   *fix;

	if (!comparing() || conv_rule_disabled(CONV_RULE_INDEX_NAMING) ||
		strcmp(conv_rule_severity(conv_rule_at(CONV_RULE_INDEX_NAMING)), "error") != 0)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || !conv_table_in_scope(relid) ||
		(table = conv_table_load(relid)) == NULL)
		return;
	index = conv_statement_index(stmt, relid, &named);
	conventional = conv_check_index_name(table, index, &violations);
	if (conventional == NULL)
		return;
	conv_apply_exemptions(violations, conv_load_exemptions());
	fix = sql ? conv_name_index_in_statement(sql, named, conventional) : NULL;
	if (fix != NULL)
		((ConvViolation *) linitial(violations))->fix_sql = fix;
	conv_report_violations(violations, sql);
}

/*
 * A statement that commits internally cannot be judged at its commits.
 * DROP INDEX CONCURRENTLY is judged before it runs, on the state it would
 * leave: the table without that index, against the table as it is.  CREATE
 * INDEX CONCURRENTLY is judged in its last transaction (see collector.c),
 * its name before it starts (precheck_index_name).  `sql` is the
 * statement's text, or NULL.
 */
void
conv_precheck_concurrent(Node *parsetree, const char *sql)
{
	DropStmt   *stmt = (DropStmt *) parsetree;
	ListCell   *lc;

	if (IsA(parsetree, IndexStmt))
	{
		precheck_index_name((IndexStmt *) parsetree, sql);
		return;
	}
	if (!IsA(parsetree, DropStmt) || stmt->removeType != OBJECT_INDEX)
		return;
	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		Oid			indexoid = RangeVarGetRelid(rv, NoLock, true);
		Oid			relid;
		List	   *violations;

		if (!OidIsValid(indexoid))
			continue;
		relid = conv_lock_table_of_dropped_index(indexoid, true);
		if (!OidIsValid(relid) || !conv_table_in_scope(relid))
			continue;
		if (comparing())
			remember_table(relid, InvalidOid);
		violations = conv_check_tables(list_make1_oid(relid), indexoid);
		mark_debt(violations);
		conv_report_violations(violations, sql);
	}
}
