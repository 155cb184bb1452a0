/*-------------------------------------------------------------------------
 *
 * breaking.c
 *		The migration-safety rule rename_or_drop: renaming or dropping a
 *		column or table that application code may still use, and
 *		truncating a table that holds data.
 *
 * During a deploy the old code runs beside the new: a table or column the
 * old code names must outlive it.  A table that existed before the
 * transaction and holds data is taken to be in use; one that is empty, or
 * that this transaction created, is not.  The safe order is expand, then
 * contract: add the new name, move the code, drop the old name last, in a
 * migration of its own (with conventions.safety_assured() once the code no
 * longer uses it).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/*
 * In use: existed before the transaction, and has storage (a table with no
 * pages has never held a row; the planner's estimate would guess ten pages).
 */
static bool
in_use(Oid relid, ConvSafetyTable *t)
{
	return conv_safety_table(relid, t) && (t->bytes > 0 || (!t->measured && t->rows > 0));
}

/* The statement, let through by conventions.safety_assured(). */
static char *
assured_sql(const ConvStatementInfo *s, const char *stmt)
{
	const char *assure = "SELECT conventions.safety_assured('no deployed code uses it any more');";

	if (s->in_transaction_block)
		return psprintf("%s\n%s", assure, stmt);
	return psprintf("BEGIN;\n%s\n%s\nCOMMIT;", assure, stmt);
}

static void
rename_table(const ConvStatementInfo *s, RenameStmt *stmt, List **violations)
{
	ConvSafetyTable t;
	ConvViolation *v;
	char	   *newname;

	if (!in_use(RangeVarGetRelid(stmt->relation, NoLock, true), &t))
		return;
	newname = conv_qualified_sql_name(t.nspname, stmt->newname);
	v = conv_add_hazard(violations, CONV_RULE_RENAME_OR_DROP, &t, 0, "rename table",
						psprintf("renaming table \"%s\" breaks the code that still uses the old name",
								 t.display_name),
						psprintf("\"%s\" holds data (%s), so application code may be reading and writing it; during a deploy the old code runs beside the new.",
								 t.display_name, conv_safety_size_text(&t)),
						psprintf("%sALTER TABLE %s RENAME TO %s;\n"
								 "CREATE VIEW %s AS SELECT * FROM %s;  -- the old name keeps working: the view is updatable\n"
								 "%s-- once no deployed code uses the old name: DROP VIEW %s;",
								 s->in_transaction_block ? "" : "BEGIN;\n",
								 t.sql_name, quote_identifier(stmt->newname),
								 t.sql_name, newname,
								 s->in_transaction_block ? "" : "COMMIT;\n",
								 t.sql_name));
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = psprintf("In Sequelize: point the model at the new name with tableName: \"%s\" only after the view exists.",
							 stmt->newname);
}

static void
rename_column(const ConvStatementInfo *s, RenameStmt *stmt, List **violations)
{
	ConvSafetyTable t;
	ConvViolation *v;
	AttrNumber	attnum;
	Oid			typid;
	int32		typmod;
	Oid			collid;
	const char *old;
	const char *new;

	if (stmt->subname == NULL || !in_use(RangeVarGetRelid(stmt->relation, NoLock, true), &t))
		return;
	attnum = get_attnum(t.relid, stmt->subname);
	if (attnum == InvalidAttrNumber)
		return;
	get_atttypetypmodcoll(t.relid, attnum, &typid, &typmod, &collid);
	old = quote_identifier(stmt->subname);
	new = quote_identifier(stmt->newname);
	v = conv_add_hazard(violations, CONV_RULE_RENAME_OR_DROP, &t, attnum, "rename column",
						psprintf("renaming column \"%s\" of table \"%s\" breaks the code that still uses the old name",
								 stmt->subname, t.display_name),
						psprintf("\"%s\" holds data (%s), so application code may be reading and writing the column; during a deploy the old code runs beside the new.",
								 t.display_name, conv_safety_size_text(&t)),
						psprintf("ALTER TABLE %s ADD COLUMN %s %s;\n"
								 "-- write both columns from the application, then backfill:\n%s\n"
								 "-- move every reader to %s; once nothing uses %s:\n%s",
								 t.sql_name, new, format_type_with_typemod(typid, typmod),
								 conv_batched_update_sql(t.relid, t.sql_name,
														 psprintf("%s = %s", new, old),
														 psprintf("%s IS DISTINCT FROM %s", new, old)),
								 new, old,
								 assured_sql(s, psprintf("ALTER TABLE %s DROP COLUMN %s;", t.sql_name, old))));
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = psprintf("In Sequelize: keep the attribute and map it with field: \"%s\" once the new column is backfilled; remove the old column from the model before dropping it.",
							 stmt->newname);
}

static void
drop_column(const ConvStatementInfo *s, const ConvSafetyTable *t, const char *colname,
			List **violations)
{
	AttrNumber	attnum = get_attnum(t->relid, colname);
	ConvViolation *v;

	if (attnum == InvalidAttrNumber)
		return;
	v = conv_add_hazard(violations, CONV_RULE_RENAME_OR_DROP, t, attnum, "drop column",
						psprintf("dropping column \"%s\" of table \"%s\" breaks the code that still uses it",
								 colname, t->display_name),
						psprintf("\"%s\" holds data (%s), so application code may be reading and writing the column; during a deploy the old code runs beside the new.",
								 t->display_name, conv_safety_size_text(t)),
						psprintf("-- first deploy code that neither reads nor writes %s; then:\n%s",
								 quote_identifier(colname),
								 assured_sql(s, psprintf("ALTER TABLE %s DROP COLUMN %s;", t->sql_name,
														 quote_identifier(colname)))));
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = psprintf("In Sequelize: remove the attribute \"%s\" from the model and deploy before the migration that drops the column.",
							 colname);
}

static void
drop_table(const ConvStatementInfo *s, DropStmt *stmt, List **violations)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		ConvSafetyTable t;
		ConvViolation *v;

		if (!in_use(RangeVarGetRelid(rv, NoLock, true), &t))
			continue;
		v = conv_add_hazard(violations, CONV_RULE_RENAME_OR_DROP, &t, 0, "drop table",
							psprintf("dropping table \"%s\" breaks the code that still uses it",
									 t.display_name),
							psprintf("\"%s\" holds data (%s), so application code may be reading and writing it; during a deploy the old code runs beside the new.",
									 t.display_name, conv_safety_size_text(&t)),
							psprintf("-- first deploy code that no longer uses %s; then:\n%s",
									 t.sql_name, assured_sql(s, psprintf("DROP TABLE %s;", t.sql_name))));
		if (conv_profile == CONV_PROFILE_SEQUELIZE)
			v->advice = pstrdup("In Sequelize: remove the model and its associations and deploy before the migration that drops the table.");
	}
}

/*
 * One table TRUNCATE empties: a table it names, or (fk set) one that
 * CASCADE reaches because it references another.  statement: TRUNCATE's
 * own, for the recipe.
 */
static void
truncate_table(const ConvStatementInfo *s, Oid relid, const ConvForeignKeyLink *fk,
			   const char *statement, List **violations)
{
	ConvSafetyTable t;
	ConvViolation *v;

	if (!in_use(relid, &t))
		return;
	v = conv_add_hazard(violations, CONV_RULE_RENAME_OR_DROP, &t, 0, "truncate table",
						fk != NULL ?
						psprintf("TRUNCATE ... CASCADE also deletes every row of table \"%s\", which references \"%s\"",
								 t.display_name, conv_relation_display_name(fk->confrelid)) :
						psprintf("truncating table \"%s\" deletes every row of it",
								 t.display_name),
						psprintf("\"%s\" holds data (%s), which application code may still read; TRUNCATE cannot be undone once committed, and it waits for an ACCESS EXCLUSIVE lock.",
								 t.display_name, conv_safety_size_text(&t)),
						psprintf("-- first make sure no deployed code needs its rows (a copy: CREATE TABLE ... AS TABLE %s); then:\n%s",
								 t.sql_name, assured_sql(s, statement)));
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = pstrdup("In Sequelize: a migration that empties a table (queryInterface.bulkDelete() with { truncate: true }, Model.truncate()) empties production's too; keep the rows until no deployed code reads them.");
}

/*
 * TRUNCATE of tables that hold data: their rows are gone for the code that
 * still reads them; with CASCADE, those of every table referencing them
 * too, which PostgreSQL truncates as well.
 */
static void
truncate_tables(const ConvStatementInfo *s, TruncateStmt *stmt, List **violations)
{
	ListCell   *lc;
	List	   *named = NIL;
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "TRUNCATE ");
	foreach(lc, stmt->relations)
	{
		Oid			relid = RangeVarGetRelid(lfirst_node(RangeVar, lc), NoLock, true);

		named = lappend_oid(named, relid);
		appendStringInfo(&sql, "%s%s", foreach_current_index(lc) > 0 ? ", " : "",
						 OidIsValid(relid) ? conv_relation_sql_name(relid) : "?");
	}
	appendStringInfo(&sql, "%s;", stmt->behavior == DROP_CASCADE ? " CASCADE" : "");
	foreach(lc, named)
		truncate_table(s, lfirst_oid(lc), NULL, sql.data, violations);
	if (stmt->behavior != DROP_CASCADE)
		return;
	foreach(lc, conv_truncate_cascade(named))
		truncate_table(s, ((ConvForeignKeyLink *) lfirst(lc))->conrelid, lfirst(lc),
					   sql.data, violations);
}

void
conv_rule_rename_or_drop(const ConvStatementInfo *s, List **violations)
{
	if (IsA(s->stmt, RenameStmt))
	{
		RenameStmt *stmt = (RenameStmt *) s->stmt;

		if (stmt->renameType == OBJECT_TABLE && stmt->relation != NULL)
			rename_table(s, stmt, violations);
		else if (stmt->renameType == OBJECT_COLUMN && stmt->relationType == OBJECT_TABLE &&
				 stmt->relation != NULL)
			rename_column(s, stmt, violations);
	}
	else if (IsA(s->stmt, DropStmt) && ((DropStmt *) s->stmt)->removeType == OBJECT_TABLE)
		drop_table(s, (DropStmt *) s->stmt, violations);
	else if (IsA(s->stmt, TruncateStmt))
		truncate_tables(s, (TruncateStmt *) s->stmt, violations);
	else if (IsA(s->stmt, AlterTableStmt))
	{
		AlterTableStmt *stmt = (AlterTableStmt *) s->stmt;
		ConvSafetyTable t;
		ListCell   *lc;
		bool		loaded = false;
		bool		used = false;

		foreach(lc, stmt->cmds)
		{
			AlterTableCmd *cmd = lfirst(lc);

			if (cmd->subtype != AT_DropColumn || cmd->name == NULL)
				continue;
			if (!loaded)
			{
				used = in_use(RangeVarGetRelid(stmt->relation, NoLock, true), &t);
				loaded = true;
			}
			if (used)
				drop_column(s, &t, cmd->name, violations);
		}
	}
}
