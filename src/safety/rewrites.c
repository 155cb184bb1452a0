/*-------------------------------------------------------------------------
 *
 * rewrites.c
 *		The migration-safety rule table_rewrite: statements that write a new
 *		copy of a large table while holding ACCESS EXCLUSIVE on it.
 *
 * Whether ALTER COLUMN TYPE rewrites is decided as PostgreSQL decides it
 * (ATColumnChangeRequiresRewrite): the column coerced to its new type,
 * simplified by the planner (which turns a varchar or numeric widening into
 * a relabelling, through the types' support functions), rewrites unless it
 * is the column itself, relabelled, or a timestamp/timestamptz conversion
 * under a UTC time zone.  ADD COLUMN rewrites for a volatile default, an
 * identity or serial column and a stored generated column.  SET LOGGED,
 * SET UNLOGGED, SET TABLESPACE, SET ACCESS METHOD, VACUUM FULL and CLUSTER
 * always copy the table.
 *
 * Where this prediction does not know (a domain's constraints, say), the
 * object-access hook sees the new heap PostgreSQL creates for the copy,
 * before a row is written, and asks conv_safety_rewrite_starting().
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_am.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "commands/tablespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

/* the tables this statement was already reported for: no second report */
static List *reported = NIL;
static MemoryContext reported_cxt = NULL;

/* PostgreSQL's test, on the planned coercion of column varattno. */
static bool
coercion_rewrites(Node *expr, AttrNumber varattno)
{
	for (;;)
	{
		if (IsA(expr, Var) && ((Var *) expr)->varattno == varattno)
			return false;
		else if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else if (IsA(expr, CoerceToDomain))
		{
			CoerceToDomain *d = (CoerceToDomain *) expr;

			if (CONV_DOMAIN_HAS_CONSTRAINTS(d->resulttype))
				return true;
			expr = (Node *) d->arg;
		}
		else if (IsA(expr, FuncExpr) &&
				 (((FuncExpr *) expr)->funcid == F_TIMESTAMPTZ_TIMESTAMP ||
				  ((FuncExpr *) expr)->funcid == F_TIMESTAMP_TIMESTAMPTZ))
		{
			if (TimestampTimestampTzRequiresRewrite())
				return true;
			expr = linitial(((FuncExpr *) expr)->args);
		}
		else
			return true;
	}
}

/* Is a USING clause just the column itself? */
static bool
using_is_column(Node *using, const char *colname)
{
	ColumnRef  *ref = (ColumnRef *) using;

	return using == NULL ||
		(IsA(using, ColumnRef) && list_length(ref->fields) == 1 &&
		 IsA(linitial(ref->fields), String) && strcmp(strVal(linitial(ref->fields)), colname) == 0);
}

/*
 * Does ALTER COLUMN colname TYPE def rewrite the table?  A USING clause
 * other than the column itself is taken to rewrite.  *target is the new
 * type's name, for the recipe.
 */
static bool
type_change_rewrites(Oid relid, const char *colname, ColumnDef *def, char **target,
					 AttrNumber *attnum)
{
	HeapTuple	atttup = SearchSysCacheAttName(relid, colname);
	Form_pg_attribute att;
	Type		typ;
	int32		typmod;
	Oid			typid;
	Node	   *expr;
	bool		result;

	if (!HeapTupleIsValid(atttup))
		return false;
	att = (Form_pg_attribute) GETSTRUCT(atttup);
	*attnum = att->attnum;
	typ = LookupTypeName(NULL, def->typeName, &typmod, true);
	if (typ == NULL)
	{
		ReleaseSysCache(atttup);
		return false;			/* PostgreSQL reports the unknown type */
	}
	typid = typeTypeId(typ);
	ReleaseSysCache(typ);
	*target = format_type_with_typemod(typid, typmod);
	if (!using_is_column(def->raw_default, colname))
	{
		ReleaseSysCache(atttup);
		return true;
	}
	expr = (Node *) makeVar(1, att->attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
	ReleaseSysCache(atttup);
	expr = coerce_to_target_type(NULL, expr, exprType(expr), typid, typmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
		return false;			/* no cast: PostgreSQL reports it */
	expr = (Node *) expression_planner((Expr *) expr);
	result = coercion_rewrites(expr, *attnum);
	return result;
}

static void
add_rewrite(List **violations, const ConvSafetyTable *t, AttrNumber attnum, const char *aspect,
			const char *what, const char *fix)
{
	MemoryContext old;
	ConvViolation *v;

	v = conv_add_hazard(violations, CONV_RULE_TABLE_REWRITE, t, attnum, aspect,
					psprintf("%s rewrites table \"%s\" while every query on it waits",
							 what, t->display_name),
					psprintf("PostgreSQL writes a new copy of \"%s\" (%s), and its indexes, under an ACCESS EXCLUSIVE lock held to the end of the transaction.",
							 t->display_name, conv_safety_size_text(t)),
					fix);
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = pstrdup("In Sequelize: queryInterface.addColumn() with no defaultValue (or the old column kept), a backfill in its own migration in batches, then queryInterface.changeColumn() for the default or the new name.");
	if (reported_cxt == NULL)
		reported_cxt = AllocSetContextCreate(TopMemoryContext, "pg_conventions rewrites",
											 ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(reported_cxt);
	reported = list_append_unique_oid(reported, t->relid);
	MemoryContextSwitchTo(old);
}

/* The recipe for a type change: a new column, backfilled, then swapped. */
static char *
type_change_fix(const ConvStatementInfo *s, const ConvSafetyTable *t, const char *colname,
				const char *target)
{
	const char *col = quote_identifier(colname);
	const char *newcol = quote_identifier(psprintf("%s_new", colname));

	return psprintf("ALTER TABLE %s ADD COLUMN %s %s;\n%s\n%s\n"
					"-- keep %s current from the application (or a trigger) meanwhile; then, in one short transaction:\n"
					"%s\nALTER TABLE %s RENAME COLUMN %s TO %s;\nALTER TABLE %s RENAME COLUMN %s TO %s;",
					t->sql_name, newcol, target, conv_separate_transaction_note(s),
					conv_batched_update_sql(t->relid, t->sql_name,
											psprintf("%s = %s::%s", newcol, col, target),
											psprintf("%s IS NULL AND %s IS NOT NULL", newcol, col)),
					newcol, conv_lock_timeout_sql(s),
					t->sql_name, col, quote_identifier(psprintf("%s_old", colname)),
					t->sql_name, newcol, col);
}

/* Why ADD COLUMN rewrites, or NULL; *default_sql is a volatile default's text. */
static const char *
add_column_rewrites(ColumnDef *col, char **default_sql)
{
	Node	   *raw = col->raw_default;
	ListCell   *lc;

	*default_sql = NULL;
	if (col->identity)
		return "ADD COLUMN of an identity column";
	if (conv_serial_type(col->typeName) != NULL)
		return "ADD COLUMN of a serial column";
	foreach(lc, col->constraints)
	{
		Constraint *con = lfirst(lc);

		if (con->contype == CONSTR_IDENTITY)
			return "ADD COLUMN of an identity column";
		if (con->contype == CONSTR_GENERATED && CONV_GENERATED_STORED(con))
			return "ADD COLUMN of a stored generated column";
		if (con->contype == CONSTR_DEFAULT)
			raw = con->raw_expr;
	}
	if (raw != NULL)
	{
		ParseState *pstate = make_parsestate(NULL);
		Node	   *expr = transformExpr(pstate, raw, EXPR_KIND_COLUMN_DEFAULT);

		free_parsestate(pstate);
		if (contain_volatile_functions(expr))
		{
			*default_sql = deparse_expression(expr, NIL, false, false);
			return "ADD COLUMN with a volatile default";
		}
	}
	return NULL;
}

static void
add_column(const ConvStatementInfo *s, const ConvSafetyTable *t, ColumnDef *col,
		   List **violations)
{
	char	   *default_sql;
	const char *why = add_column_rewrites(col, &default_sql);
	const char *name = quote_identifier(col->colname);
	char	   *type;
	char	   *fix;

	if (why == NULL)
		return;
	type = conv_type_name_sql(col->typeName);
	if (default_sql != NULL)
		fix = psprintf("ALTER TABLE %s ADD COLUMN %s %s;\nALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n%s\n%s",
					   t->sql_name, name, type, t->sql_name, name, default_sql,
					   conv_separate_transaction_note(s),
					   conv_batched_update_sql(t->relid, t->sql_name,
											   psprintf("%s = %s", name, default_sql),
											   psprintf("%s IS NULL", name)));
	else
		fix = psprintf("ALTER TABLE %s ADD COLUMN %s %s;\n"
					   "-- then fill it in batches, each its own transaction, and only then make it what it should be",
					   t->sql_name, name, type);
	add_rewrite(violations, t, 0, psprintf("add column %s", col->colname),
				psprintf("%s (\"%s\")", why, col->colname), fix);
}

/* The recipe when nothing but a copy does it. */
static char *
copy_fix(const ConvSafetyTable *t, const char *options)
{
	return psprintf("-- there is no in-place form that avoids the copy; build the new table beside it:\n"
					"CREATE %sTABLE %s (LIKE %s INCLUDING ALL);\n"
					"-- copy the rows in batches (keep it current with a trigger), then swap the names in one short transaction",
					options, quote_identifier(psprintf("%s_new", t->relname)), t->sql_name);
}

static void
alter_table(const ConvStatementInfo *s, List **violations)
{
	ConvSafetyTable t;
	AlterTableStmt *stmt = conv_large_table_altered(s, &t);
	ListCell   *lc;
	HeapTuple	tup;
	Form_pg_class cls;
	char		persistence;
	Oid			tablespace;
	Oid			am;

	if (stmt == NULL)
		return;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(t.relid));
	if (!HeapTupleIsValid(tup))
		return;
	cls = (Form_pg_class) GETSTRUCT(tup);
	persistence = cls->relpersistence;
	tablespace = cls->reltablespace;
	am = cls->relam;
	ReleaseSysCache(tup);

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		switch (cmd->subtype)
		{
			case AT_AlterColumnType:
				{
					char	   *target = NULL;
					AttrNumber	attnum = 0;

					if (cmd->name != NULL && IsA(cmd->def, ColumnDef) &&
						type_change_rewrites(t.relid, cmd->name, (ColumnDef *) cmd->def,
											 &target, &attnum))
						add_rewrite(violations, &t, attnum, "type",
									psprintf("changing the type of column \"%s\" to %s", cmd->name, target),
									type_change_fix(s, &t, cmd->name, target));
					break;
				}
			case AT_AddColumn:
				if (IsA(cmd->def, ColumnDef))
					add_column(s, &t, (ColumnDef *) cmd->def, violations);
				break;
			case AT_SetLogged:
			case AT_SetUnLogged:
				{
					bool		logged = cmd->subtype == AT_SetLogged;

					if ((persistence == RELPERSISTENCE_PERMANENT) != logged)
						add_rewrite(violations, &t, 0, "persistence",
									logged ? "SET LOGGED" : "SET UNLOGGED",
									copy_fix(&t, logged ? "" : "UNLOGGED "));
					break;
				}
			case AT_SetTableSpace:
				{
					Oid			target = get_tablespace_oid(cmd->name, true);

					if (target == MyDatabaseTableSpace)
						target = InvalidOid;
					if (cmd->name != NULL && target != tablespace)
						add_rewrite(violations, &t, 0, "tablespace",
									psprintf("SET TABLESPACE %s", quote_identifier(cmd->name)),
									copy_fix(&t, ""));
					break;
				}
#ifdef CONV_HAS_SET_ACCESS_METHOD
			case AT_SetAccessMethod:
				if (cmd->name != NULL && get_am_oid(cmd->name, true) != am)
					add_rewrite(violations, &t, 0, "access method",
								psprintf("SET ACCESS METHOD %s", quote_identifier(cmd->name)),
								copy_fix(&t, ""));
				break;
#endif
			default:
				break;
		}
	}
	(void) am;
}

/* VACUUM FULL and CLUSTER of one table. */
static void
copy_command(const ConvStatementInfo *s, Oid relid, const char *what, List **violations)
{
	ConvSafetyTable t;

	if (!conv_safety_table(relid, &t) || !conv_safety_is_large(&t))
		return;
	add_rewrite(violations, &t, 0, "copy", what,
				psprintf("VACUUM (ANALYZE) %s;\n"
						 "-- plain VACUUM makes the dead space reusable with no lock that blocks queries; "
						 "to give it back to the operating system online, use pg_repack or pg_squeeze",
						 t.sql_name));
}

void
conv_rule_table_rewrite(const ConvStatementInfo *s, List **violations)
{
	ListCell   *lc;

	if (IsA(s->stmt, AlterTableStmt))
		alter_table(s, violations);
	else if (IsA(s->stmt, VacuumStmt) && ((VacuumStmt *) s->stmt)->is_vacuumcmd &&
			 conv_option_true(((VacuumStmt *) s->stmt)->options, "full"))
	{
		VacuumStmt *stmt = (VacuumStmt *) s->stmt;

		if (stmt->rels == NIL)
		{
			int			n;
			ConvNamedTable *all = conv_tables_in_scope(&n);

			/* every table with storage: a partitioned one is its partitions */
			for (int i = 0; i < n; i++)
				if (get_rel_relkind(all[i].relid) != RELKIND_PARTITIONED_TABLE)
					copy_command(s, all[i].relid, "VACUUM FULL", violations);
		}
		foreach(lc, stmt->rels)
		{
			VacuumRelation *rel = lfirst(lc);

			if (rel->relation != NULL)
				copy_command(s, RangeVarGetRelid(rel->relation, NoLock, true),
							 "VACUUM FULL", violations);
		}
	}
	else if (nodeTag(s->stmt) == CONV_T_CLUSTER && CONV_CLUSTER_RELATION(s->stmt) != NULL)
		copy_command(s, RangeVarGetRelid(CONV_CLUSTER_RELATION(s->stmt), NoLock, true),
					 CONV_CLUSTER_VERB(s->stmt), violations);
}

/*
 * A rewrite is about to write its first row (the object-access hook saw
 * its new heap): report it unless this statement was already reported for
 * the table.  Judged like any other hazard of the statement.
 */
static bool
rewrite_reported(Oid relid)
{
	ListCell   *lc;

	if (list_member_oid(reported, relid))
		return true;
	/* a partition, rewritten for its partitioned table */
	if (get_rel_relispartition(relid))
		foreach(lc, get_partition_ancestors(relid))
			if (list_member_oid(reported, lfirst_oid(lc)))
				return true;
	return false;
}

/* A new top-level statement: forget what the last one reported. */
void
conv_safety_rewrites_forget(void)
{
	if (reported_cxt != NULL)
		MemoryContextReset(reported_cxt);
	reported = NIL;
}

/* The hazard, for a rewrite the prediction above did not foresee. */
void
conv_rule_table_rewrite_seen(Oid relid, List **violations)
{
	ConvSafetyTable t;

	if (!conv_safety_table(relid, &t) || !conv_safety_is_large(&t) ||
		rewrite_reported(relid))
		return;
	add_rewrite(violations, &t, 0, "copy", "the statement", copy_fix(&t, ""));
}
