/*-------------------------------------------------------------------------
 *
 * index_builds.c
 *		Migration-safety rules about building and dropping indexes:
 *		concurrent_index and constraint_index.
 *
 * CREATE INDEX holds a SHARE lock on its table for the whole build (writes
 * wait), DROP INDEX and REINDEX INDEX an ACCESS EXCLUSIVE one (everything
 * waits), and ADD PRIMARY KEY / UNIQUE builds its index under ACCESS
 * EXCLUSIVE.  Each has a CONCURRENTLY form that lets writes go on.  So
 * has REFRESH MATERIALIZED VIEW, which otherwise holds ACCESS EXCLUSIVE
 * on the view while its query runs (concurrent_index here too; DETACH
 * PARTITION is in partitions.c).  ADD CONSTRAINT ... EXCLUDE builds its
 * index under ACCESS EXCLUSIVE and has no online form at all, except that
 * with = as every operator it says what UNIQUE says.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_statistic.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/fmgroids.h"
#include "utils/syscache.h"

/* The text of the statement whose parse tree names rv, when we have it. */
static char *
statement_naming(const ConvStatementInfo *s, const RangeVar *rv)
{
	const char *first = rv->catalogname ? rv->catalogname :
		rv->schemaname ? rv->schemaname : rv->relname;

	if (!conv_source_names(s->source, rv->location, first))
		return NULL;
	return conv_statement_text(s->source, rv->location);
}

/* "(user_id, created_at)" of plain column names; NULL when any is not one. */
static char *
plain_columns_sql(List *elems, bool as_js)
{
	StringInfoData out;
	ListCell   *lc;

	initStringInfo(&out);
	appendStringInfoChar(&out, as_js ? '[' : '(');
	foreach(lc, elems)
	{
		Node	   *n = lfirst(lc);
		const char *name;

		if (IsA(n, IndexElem))
		{
			IndexElem  *e = (IndexElem *) n;

			if (e->name == NULL || e->opclass != NIL || e->collation != NIL ||
				e->ordering != SORTBY_DEFAULT || e->nulls_ordering != SORTBY_NULLS_DEFAULT)
				return NULL;
			name = e->name;
		}
		else
			name = strVal(n);
		if (foreach_current_index(lc) > 0)
			appendStringInfoString(&out, ", ");
		if (as_js)
			appendStringInfo(&out, "\"%s\"", name);
		else
			appendStringInfoString(&out, quote_identifier(name));
	}
	appendStringInfoChar(&out, as_js ? ']' : ')');
	return out.data;
}

/* The Sequelize migration line that builds this index concurrently. */
static char *
sequelize_add_index(const ConvSafetyTable *t, List *elems, bool unique,
					const char *name)
{
	char	   *fields = plain_columns_sql(elems, true);
	StringInfoData out;

	if (fields == NULL)
		return NULL;
	initStringInfo(&out);
	appendStringInfo(&out, "In a Sequelize migration that runs outside a transaction: "
					 "await queryInterface.addIndex(\"%s\", %s, { ", t->relname, fields);
	if (name != NULL)
		appendStringInfo(&out, "name: \"%s\", ", name);
	if (unique)
		appendStringInfoString(&out, "unique: true, ");
	appendStringInfoString(&out, "concurrently: true });");
	return out.data;
}

static void
build_index(const ConvStatementInfo *s, IndexStmt *stmt, List **violations)
{
	ConvSafetyTable t;
	char	   *text;
	char	   *fix = NULL;
	ConvViolation *v;

	if (stmt->concurrent || !conv_safety_table_named(stmt->relation, &t) ||
		!conv_safety_is_large(&t))
		return;
	/* ON ONLY a partitioned table: an invalid index at once, nothing built */
	if (t.relkind == RELKIND_PARTITIONED_TABLE && !stmt->relation->inh)
		return;
	text = statement_naming(s, stmt->relation);
	if (t.relkind == RELKIND_PARTITIONED_TABLE)
	{
		/* CONCURRENTLY builds no index on a partitioned table: one per partition */
		fix = conv_partitioned_index_recipe(s, stmt, t.relid, text);
		if (fix == NULL)
			fix = "CREATE INDEX <name> ON ONLY <the table> (<the same columns>);\n"
				"-- then, for each partition, outside a transaction block:\n"
				"-- CREATE INDEX CONCURRENTLY <name> ON <partition> (<the same columns>);\n"
				"-- ALTER INDEX <the index above> ATTACH PARTITION <name>;";
	}
	else if (text != NULL)
		fix = conv_insert_after_keyword(text, 0, "index", "CONCURRENTLY");
	if (fix == NULL)
		fix = "CREATE INDEX CONCURRENTLY <the same index>;";
	else if (t.relkind != RELKIND_PARTITIONED_TABLE)
		fix = psprintf("%s%s;", conv_outside_block_note(s),
					   fix);
	v = conv_add_hazard(violations, CONV_RULE_CONCURRENT_INDEX, &t, 0, "create index",
						psprintf("CREATE INDEX without CONCURRENTLY blocks writes to table \"%s\" while the index builds",
								 t.display_name),
						psprintf("the build holds a SHARE lock on \"%s\" (%s) until it ends: %s waits.",
								 t.display_name, conv_safety_size_text(&t),
								 conv_lock_blocks(ShareLock)),
						fix);
	if (conv_profile == CONV_PROFILE_SEQUELIZE && t.relkind == RELKIND_PARTITIONED_TABLE)
		v->advice = pstrdup("In Sequelize: queryInterface.addIndex() with concurrently: true fails on a partitioned table; "
							"run each statement above with queryInterface.sequelize.query(), in a migration that runs outside a transaction.");
	else if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = sequelize_add_index(&t, stmt->indexParams, stmt->unique, stmt->idxname);
}

static void
drop_index(const ConvStatementInfo *s, DropStmt *stmt, List **violations)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		Oid			indexoid = RangeVarGetRelid(rv, NoLock, true);
		ConvSafetyTable t;
		char	   *index_sql;
		ConvViolation *v;

		if (!OidIsValid(indexoid) || get_rel_relkind(indexoid) != RELKIND_INDEX ||
			!conv_safety_table(IndexGetRelation(indexoid, true), &t) ||
			!conv_safety_is_large(&t))
			continue;
		index_sql = conv_relation_sql_name(indexoid);
		v = conv_add_hazard(violations, CONV_RULE_CONCURRENT_INDEX, &t, 0, "drop index",
							psprintf("DROP INDEX without CONCURRENTLY locks table \"%s\" against every query",
									 t.display_name),
							conv_exclusive_wait_text(psprintf("dropping \"%s\"", get_rel_name(indexoid)), &t),
							psprintf("%sDROP INDEX CONCURRENTLY %s;",
									 conv_outside_block_note(s),
									 index_sql));
		if (conv_profile == CONV_PROFILE_SEQUELIZE)
			v->advice = psprintf("In a Sequelize migration that runs outside a transaction: "
								 "await queryInterface.removeIndex(\"%s\", \"%s\", { concurrently: true });",
								 t.relname, get_rel_name(indexoid));
	}
}

static void
reindex(const ConvStatementInfo *s, ReindexStmt *stmt, List **violations)
{
	Oid			relid;
	Oid			tableid;
	ConvSafetyTable t;
	const char *what;

	if (CONV_REINDEX_CONCURRENT(stmt) || stmt->relation == NULL ||
		(stmt->kind != REINDEX_OBJECT_TABLE && stmt->kind != REINDEX_OBJECT_INDEX))
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	tableid = stmt->kind == REINDEX_OBJECT_INDEX ? IndexGetRelation(relid, true) : relid;
	if (!conv_safety_table(tableid, &t) || !conv_safety_is_large(&t))
		return;
	what = stmt->kind == REINDEX_OBJECT_INDEX ? "INDEX" : "TABLE";
	conv_add_hazard(violations, CONV_RULE_CONCURRENT_INDEX, &t, 0, "reindex",
					psprintf("REINDEX without CONCURRENTLY blocks writes to table \"%s\" while it rebuilds",
							 t.display_name),
					psprintf("the rebuild holds a SHARE lock on \"%s\" (%s), and an ACCESS EXCLUSIVE lock on each index it rebuilds, until it ends: %s waits, and so does every query that would use the index.",
							 t.display_name, conv_safety_size_text(&t),
							 conv_lock_blocks(ShareLock)),
					psprintf("%sREINDEX %s CONCURRENTLY %s;",
							 conv_outside_block_note(s),
							 what,
							 conv_relation_sql_name(relid)));
}

/*
 * A unique index REFRESH ... CONCURRENTLY can use: unique, immediate,
 * valid, btree, no WHERE, plain columns only (PostgreSQL's
 * is_usable_unique_index); its name, or NULL.
 */
static Oid
index_am(Oid indexoid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	Oid			am;

	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	am = ((Form_pg_class) GETSTRUCT(tup))->relam;
	ReleaseSysCache(tup);
	return am;
}

static char *
refresh_key_index(Oid matview)
{
	Relation	rel = table_open(IndexRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *result = NULL;

	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(matview));
	scan = systable_beginscan(rel, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (result == NULL && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index index = (Form_pg_index) GETSTRUCT(tup);
		bool		usable = index->indisunique && index->indimmediate && index->indisvalid &&
			index->indnatts > 0 && heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
			index_am(index->indexrelid) == BTREE_AM_OID;

		for (int i = 0; usable && i < index->indnatts; i++)
			usable = index->indkey.values[i] > 0;
		if (usable)
			result = get_rel_name(index->indexrelid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * A column ANALYZE found distinct and never null in every row it sampled
 * (pg_stats' n_distinct -1, null_frac 0), of a type btree can index: a
 * candidate key for the view's unique index; or NULL.
 */
static char *
distinct_column(Oid relid)
{
	HeapTuple	att;
	char	   *result = NULL;

	for (AttrNumber attnum = 1;
		 result == NULL &&
		 HeapTupleIsValid(att = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid),
												Int16GetDatum(attnum)));
		 attnum++)
	{
		Form_pg_attribute a = (Form_pg_attribute) GETSTRUCT(att);
		HeapTuple	stats = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(relid),
											Int16GetDatum(attnum), BoolGetDatum(false));

		if (HeapTupleIsValid(stats))
		{
			Form_pg_statistic st = (Form_pg_statistic) GETSTRUCT(stats);

			if (!a->attisdropped && st->stadistinct == -1.0 && st->stanullfrac == 0 &&
				OidIsValid(GetDefaultOpClass(a->atttypid, BTREE_AM_OID)))
				result = pstrdup(NameStr(a->attname));
			ReleaseSysCache(stats);
		}
		ReleaseSysCache(att);
	}
	return result;
}

/* REFRESH MATERIALIZED VIEW without CONCURRENTLY: readers wait for the whole query. */
static void
refresh_matview(const ConvStatementInfo *s, RefreshMatViewStmt *stmt, List **violations)
{
	ConvSafetyTable t;
	char	   *key;
	char	   *column;
	char	   *fix;
	ConvViolation *v;

	/* WITH NO DATA empties it at once: no wait, and no data (not this rule) */
	if (stmt->concurrent || stmt->skipData ||
		!conv_safety_matview(RangeVarGetRelid(stmt->relation, NoLock, true), &t) ||
		!conv_safety_is_large(&t))
		return;
	key = refresh_key_index(t.relid);
	column = key ? NULL : distinct_column(t.relid);
	if (key != NULL)
		fix = psprintf("REFRESH MATERIALIZED VIEW CONCURRENTLY %s;  -- by its unique index \"%s\"",
					   t.sql_name, key);
	else
		fix = psprintf("-- CONCURRENTLY needs a unique index on columns that identify each row of \"%s\" (btree, no WHERE, no expressions)%s\n"
					   "%sCREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s);\n"
					   "REFRESH MATERIALIZED VIEW CONCURRENTLY %s;",
					   t.display_name,
					   column ? psprintf(": ANALYZE found \"%s\" distinct in every row; if the view's query keeps it so:", column) :
					   ", e.g.:",
					   conv_outside_block_note(s),
					   quote_identifier(ChooseRelationName(t.relname, column, "key",
														   get_rel_namespace(t.relid), false)),
					   t.sql_name, column ? quote_identifier(column) : "<the columns that identify a row>",
					   t.sql_name);
	v = conv_add_hazard(violations, CONV_RULE_CONCURRENT_INDEX, &t, 0, "refresh",
						psprintf("REFRESH MATERIALIZED VIEW without CONCURRENTLY locks materialized view \"%s\" against every query",
								 t.display_name),
						psprintf("the refresh holds an ACCESS EXCLUSIVE lock on \"%s\" (%s) while it runs the view's query and writes the result: %s waits.",
								 t.display_name, conv_safety_size_text(&t),
								 conv_lock_blocks(AccessExclusiveLock)),
						fix);
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = psprintf("In Sequelize: await queryInterface.sequelize.query('REFRESH MATERIALIZED VIEW CONCURRENTLY %s');",
							 t.sql_name);
}

void
conv_rule_concurrent_index(const ConvStatementInfo *s, List **violations)
{
	if (IsA(s->stmt, AlterTableStmt))
		conv_detach_partition_hazards(s, (AlterTableStmt *) s->stmt, violations);
	else if (IsA(s->stmt, RefreshMatViewStmt))
		refresh_matview(s, (RefreshMatViewStmt *) s->stmt, violations);
	else if (IsA(s->stmt, IndexStmt))
		build_index(s, (IndexStmt *) s->stmt, violations);
	else if (IsA(s->stmt, DropStmt) &&
			 ((DropStmt *) s->stmt)->removeType == OBJECT_INDEX &&
			 !((DropStmt *) s->stmt)->concurrent)
		drop_index(s, (DropStmt *) s->stmt, violations);
	else if (IsA(s->stmt, ReindexStmt))
		reindex(s, (ReindexStmt *) s->stmt, violations);
}

/* ---- constraint_index ---- */

/* ADD PRIMARY KEY / UNIQUE (table or column form) that builds its index. */
static void
key_constraint(const ConvStatementInfo *s, const ConvSafetyTable *t, Constraint *con,
			   const char *column, const char *column_type, List **violations)
{
	List	   *keys = column ? list_make1(makeString(pstrdup(column))) : con->keys;
	bool		primary = con->contype == CONSTR_PRIMARY;
	char	   *cols = plain_columns_sql(keys, false);
	char	   *name;
	StringInfoData fix;
	ConvViolation *v;

	if (cols == NULL || keys == NIL)
		return;
	name = con->conname ? con->conname :
		ChooseConstraintName(t->relname, primary ? NULL : strVal(linitial(keys)),
							 primary ? "pkey" : "key", get_rel_namespace(t->relid), NIL);
	initStringInfo(&fix);
	if (column != NULL)
		appendStringInfo(&fix, "ALTER TABLE %s ADD COLUMN %s %s;\n", t->sql_name,
						 quote_identifier(column), column_type);
	appendStringInfoString(&fix, conv_outside_block_note(s));
	appendStringInfo(&fix, "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s %s",
					 quote_identifier(name), t->sql_name, cols);
	if (con->including != NIL)
		appendStringInfo(&fix, " INCLUDE %s", plain_columns_sql(con->including, false));
	appendStringInfo(&fix, ";\n%s\nALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;",
					 conv_lock_timeout_sql(s), t->sql_name, quote_identifier(name),
					 primary ? "PRIMARY KEY" : "UNIQUE", quote_identifier(name));
	if (primary)
		appendStringInfoString(&fix, "\n-- (a key column that allows nulls is scanned for them: prove it NOT NULL first, see rule not_null_scan)");
	v = conv_add_hazard(violations, CONV_RULE_CONSTRAINT_INDEX, t, 0,
						primary ? "primary key" : "unique",
						psprintf("ADD %s builds its index under an ACCESS EXCLUSIVE lock on table \"%s\"",
								 primary ? "PRIMARY KEY" : "UNIQUE", t->display_name),
						psprintf("%s waits until the unique index on \"%s\" (%s) is built.",
								 conv_lock_blocks(AccessExclusiveLock), t->display_name,
								 conv_safety_size_text(t)),
						fix.data);
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = psprintf("%s Then, in the next migration: await queryInterface.sequelize.query('ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s');",
							 sequelize_add_index(t, keys, true, name), t->sql_name,
							 quote_identifier(name), primary ? "PRIMARY KEY" : "UNIQUE",
							 quote_identifier(name));
}

/* The columns, when every operator of the exclusion constraint is = on a plain column; else NIL. */
static List *
exclusion_as_unique(Constraint *con)
{
	List	   *elems = NIL;
	ListCell   *lc;

	if (con->where_clause != NULL || con->deferrable ||
		(con->access_method != NULL && strcmp(con->access_method, "btree") != 0 &&
		 strcmp(con->access_method, "gist") != 0 && strcmp(con->access_method, "hash") != 0))
		return NIL;
	foreach(lc, con->exclusions)
	{
		List	   *pair = lfirst(lc);
		List	   *op = lsecond(pair);

		if (strcmp(strVal(llast(op)), "=") != 0)
			return NIL;
		elems = lappend(elems, linitial(pair));
	}
	return plain_columns_sql(elems, false) ? elems : NIL;
}

/*
 * ADD CONSTRAINT ... EXCLUDE: its index is built and every row checked
 * under ACCESS EXCLUSIVE, and there is no NOT VALID or USING INDEX form.
 */
static void
exclusion_constraint(const ConvStatementInfo *s, const ConvSafetyTable *t, Constraint *con,
					 List **violations)
{
	char	   *name = con->conname;
	List	   *elems = exclusion_as_unique(con);
	char	   *cols = elems ? plain_columns_sql(elems, false) : NULL;
	char	   *text = statement_naming(s, ((AlterTableStmt *) s->stmt)->relation);
	char	   *fix;
	ConvViolation *v;

	if (name == NULL)
	{
		List	   *columns = NIL;
		ListCell   *lc;

		foreach(lc, con->exclusions)
			columns = lappend(columns, linitial((List *) lfirst(lc)));
		name = ChooseRelationName(t->relname, conv_index_name_addition(columns), "excl",
								  get_rel_namespace(t->relid), true);
	}
	if (cols != NULL)
		fix = psprintf("-- with = as every operator it says what UNIQUE says, which has an online form:\n%s"
					   "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s %s;\n%s\n"
					   "ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s;",
					   conv_outside_block_note(s),
					   quote_identifier(name), t->sql_name, cols, conv_lock_timeout_sql(s),
					   t->sql_name, quote_identifier(name), quote_identifier(name));
	else
		fix = psprintf("-- there is no online form: run it when \"%s\" is quiet, with a bound on the wait for its lock\n%s",
					   t->display_name,
					   conv_quiet_window_sql(s, psprintf("exclusion constraint %s of %s, built in a quiet window",
														 name, t->display_name),
											 text ? psprintf("%s;", text) : "<the same ALTER TABLE>;"));
	v = conv_add_hazard(violations, CONV_RULE_CONSTRAINT_INDEX, t, 0, name,
						psprintf("ADD CONSTRAINT ... EXCLUDE builds its index under an ACCESS EXCLUSIVE lock on table \"%s\"",
								 t->display_name),
						psprintf("%s waits until the index of exclusion constraint \"%s\" on \"%s\" (%s) is built and every row checked; an exclusion constraint cannot be added NOT VALID or USING INDEX.",
								 conv_lock_blocks(AccessExclusiveLock), name, t->display_name,
								 conv_safety_size_text(t)),
						fix);
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = cols != NULL ?
			psprintf("%s Then, in the next migration: await queryInterface.sequelize.query('ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s');",
					 sequelize_add_index(t, elems, true, name), t->sql_name,
					 quote_identifier(name), quote_identifier(name)) :
			pstrdup("In Sequelize: queryInterface.addConstraint() has no exclusion constraints; run it with queryInterface.sequelize.query() in a migration of its own, in a quiet window.");
}

void
conv_rule_constraint_index(const ConvStatementInfo *s, List **violations)
{
	ConvSafetyTable t;
	AlterTableStmt *stmt = conv_large_table_altered(s, &t);
	ListCell   *lc;

	if (stmt == NULL)
		return;
	foreach(lc, conv_added_constraints(stmt))
	{
		ConvAddedConstraint *added = lfirst(lc);
		Constraint *con = added->con;

		if (con->contype == CONSTR_EXCLUSION && added->column == NULL)
			exclusion_constraint(s, &t, con, violations);
		if ((con->contype != CONSTR_PRIMARY && con->contype != CONSTR_UNIQUE) ||
			con->indexname != NULL)
			continue;
		if (added->column == NULL)
			key_constraint(s, &t, con, NULL, NULL, violations);
		else
			key_constraint(s, &t, con, added->column->colname,
						   conv_type_name_sql(added->column->typeName), violations);
	}
}
