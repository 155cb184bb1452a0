/*-------------------------------------------------------------------------
 *
 * constraints.c
 *		Migration-safety rules about constraints that scan the table:
 *		constraint_validation and not_null_scan.
 *
 * Adding a foreign key scans the referencing table under SHARE ROW
 * EXCLUSIVE locks on both tables; adding a CHECK constraint scans under
 * ACCESS EXCLUSIVE; SET NOT NULL scans under ACCESS EXCLUSIVE unless a
 * validated CHECK constraint already proves the column has no nulls
 * (PostgreSQL asks predicate_implied_by(), and so do we).  The safe forms
 * split the lock from the scan: NOT VALID now, VALIDATE CONSTRAINT (SHARE
 * UPDATE EXCLUSIVE, writes go on) in a later transaction.
 *
 * ALTER DOMAIN ... ADD CONSTRAINT reads every column of the domain (and of
 * the domains over it) under a SHARE lock on each table; its VALIDATE
 * CONSTRAINT takes the same lock (14 to 19), so there NOT VALID only moves
 * the scan to a moment of one's choosing.  ATTACH PARTITION's scans are in
 * partitions.c.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "miscadmin.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* "(a, b)" of a list of String column names */
static char *
name_list_sql(List *names)
{
	StringInfoData out;
	ListCell   *lc;

	initStringInfo(&out);
	appendStringInfoChar(&out, '(');
	foreach(lc, names)
	{
		if (foreach_current_index(lc) > 0)
			appendStringInfoString(&out, ", ");
		appendStringInfoString(&out, quote_identifier(strVal(lfirst(lc))));
	}
	appendStringInfoChar(&out, ')');
	return out.data;
}

static const char *
fk_action_sql(char action)
{
	switch (action)
	{
		case FKCONSTR_ACTION_RESTRICT:
			return "RESTRICT";
		case FKCONSTR_ACTION_CASCADE:
			return "CASCADE";
		case FKCONSTR_ACTION_SETNULL:
			return "SET NULL";
		case FKCONSTR_ACTION_SETDEFAULT:
			return "SET DEFAULT";
		default:
			return NULL;		/* NO ACTION, the default */
	}
}

/* The body of a foreign key, from its parse tree: FOREIGN KEY (...) REFERENCES ... */
static char *
foreign_key_sql(Constraint *con, const char *column)
{
	StringInfoData out;
	Oid			pkrel = RangeVarGetRelid(con->pktable, NoLock, true);
	const char *action;

	initStringInfo(&out);
	appendStringInfo(&out, "FOREIGN KEY %s REFERENCES %s",
					 column ? psprintf("(%s)", quote_identifier(column)) : name_list_sql(con->fk_attrs),
					 OidIsValid(pkrel) ? conv_relation_sql_name(pkrel) :
					 quote_qualified_identifier(con->pktable->schemaname, con->pktable->relname));
	if (con->pk_attrs != NIL)
		appendStringInfo(&out, " %s", name_list_sql(con->pk_attrs));
	if (con->fk_matchtype == FKCONSTR_MATCH_FULL)
		appendStringInfoString(&out, " MATCH FULL");
	if ((action = fk_action_sql(con->fk_upd_action)) != NULL)
		appendStringInfo(&out, " ON UPDATE %s", action);
	if ((action = fk_action_sql(con->fk_del_action)) != NULL)
		appendStringInfo(&out, " ON DELETE %s", action);
	if (con->deferrable)
		appendStringInfo(&out, " DEFERRABLE%s", con->initdeferred ? " INITIALLY DEFERRED" : "");
	return out.data;
}

/* The body of a CHECK constraint, from the statement's text (CHECK (...)). */
static char *
check_sql(const ConvStatementInfo *s, Constraint *con)
{
	char	   *text;

	if (!(conv_source_names(s->source, con->location, "constraint") ||
		  conv_source_names(s->source, con->location, "check")))
		return NULL;
	text = conv_clause_text(s->source, con->location);
	/* CONSTRAINT name CHECK (...): the recipe restates the name */
	if (!conv_source_names(s->source, con->location, "check"))
	{
		int			at = conv_keyword_offset(text, 0, "check", false);

		if (at < 0)
			return NULL;
		text += at;
	}
	return text;
}

/* "schema.table" of the referenced table, as the statement names it if it is not found */
static char *
referenced_display_name(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	if (OidIsValid(relid))
		return conv_relation_display_name(relid);
	return rv->schemaname ? psprintf("%s.%s", rv->schemaname, rv->relname) : rv->relname;
}

/* The recipe: add it NOT VALID now, validate it in a later transaction. */
static void
validation_hazard(const ConvStatementInfo *s, const ConvSafetyTable *t, Constraint *con,
				  ColumnDef *column, List **violations)
{
	bool		fk = con->contype == CONSTR_FOREIGN;
	char	   *body = fk ? foreign_key_sql(con, column ? column->colname : NULL) : check_sql(s, con);
	char	   *name = con->conname;
	StringInfoData fix;
	ConvViolation *v;

	if (name == NULL)
	{
		const char *col = column ? column->colname :
			fk ? strVal(linitial(con->fk_attrs)) : NULL;

		name = ChooseConstraintName(t->relname, col, fk ? "fkey" : "check",
									get_rel_namespace(t->relid), NIL);
	}
	initStringInfo(&fix);
	if (column != NULL)
		appendStringInfo(&fix, "ALTER TABLE %s ADD COLUMN %s %s;\n", t->sql_name,
						 quote_identifier(column->colname), conv_type_name_sql(column->typeName));
	if (body != NULL)
		appendStringInfo(&fix, "ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID;\n",
						 t->sql_name, quote_identifier(name), body);
	else
		appendStringInfo(&fix, "-- the same ADD CONSTRAINT %s, with NOT VALID at its end\n",
						 quote_identifier(name));
	appendStringInfo(&fix, "%s\nALTER TABLE %s VALIDATE CONSTRAINT %s;",
					 conv_separate_transaction_note(s), t->sql_name, quote_identifier(name));
	if (fk && !CONV_NOT_VALID_FK_ON_PARTITIONED &&
		get_rel_relkind(t->relid) == RELKIND_PARTITIONED_TABLE)
		appendStringInfoString(&fix, "\n-- (before PostgreSQL 18, NOT VALID foreign keys go on each partition, not on the partitioned table)");
	v = conv_add_hazard(violations, CONV_RULE_CONSTRAINT_VALIDATION, t, 0, name,
						fk ? psprintf("adding foreign key \"%s\" scans table \"%s\" while writes to it and to \"%s\" wait",
									  name, t->display_name, referenced_display_name(con->pktable)) :
						psprintf("adding CHECK constraint \"%s\" scans table \"%s\" while every query on it waits",
								 name, t->display_name),
						fk ? psprintf("the validation reads all of \"%s\" (%s) under a SHARE ROW EXCLUSIVE lock on both tables: every INSERT, UPDATE and DELETE on them waits.",
									  t->display_name, conv_safety_size_text(t)) :
						psprintf("the validation reads all of \"%s\" (%s) under an ACCESS EXCLUSIVE lock: every query on it waits.",
								 t->display_name, conv_safety_size_text(t)),
						fix.data);
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = pstrdup("In Sequelize: queryInterface.addConstraint() and references: { ... } cannot say NOT VALID; run the first statement with queryInterface.sequelize.query() in one migration and VALIDATE CONSTRAINT in the next.");
}

/* VALIDATE CONSTRAINT while the transaction holds a lock that blocks writes. */
static void
validate_under_lock(const ConvStatementInfo *s, const ConvSafetyTable *t, const char *name,
					List **violations)
{
	LOCKMODE	held = NoLock;

	for (LOCKMODE m = AccessExclusiveLock; m >= ShareLock && held == NoLock; m--)
		if (conv_lock_held(t->relid, m))
			held = m;
	if (held == NoLock)
		return;
	conv_add_hazard(violations, CONV_RULE_CONSTRAINT_VALIDATION, t, 0, name,
					psprintf("VALIDATE CONSTRAINT \"%s\" scans table \"%s\" under the %s lock this transaction already holds",
							 name, t->display_name, conv_lock_mode_name(held)),
					psprintf("an earlier statement of the transaction (the ADD CONSTRAINT ... NOT VALID, say) took it, and it is held through the scan of \"%s\" (%s) until COMMIT: %s waits.",
							 t->display_name, conv_safety_size_text(t), conv_lock_blocks(held)),
					psprintf("COMMIT;\n-- then, in a new transaction:\nALTER TABLE %s VALIDATE CONSTRAINT %s;",
							 t->sql_name, quote_identifier(name)));
}

/* ---- ALTER DOMAIN ... ADD CONSTRAINT ---- */

/* One relation with columns of a domain (or of a domain over it). */
typedef struct DomainUse
{
	Oid			relid;
	List	   *attnums;		/* int, ascending */
} DomainUse;

/*
 * The relations whose rows ALTER DOMAIN reads: PostgreSQL's
 * get_rels_with_domain() follows pg_depend from the domain to the columns
 * of tables and materialized views, through the domains over it.  (A
 * container type of the domain stored in a column makes it fail instead.)
 */
static void
domain_uses(Oid domainoid, List **uses)
{
	Relation	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;

	check_stack_depth();
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(TypeRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(domainoid));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		char		relkind;
		DomainUse  *use = NULL;
		ListCell   *lc;

		if (dep->classid == TypeRelationId && get_typtype(dep->objid) == TYPTYPE_DOMAIN)
			domain_uses(dep->objid, uses);
		if (dep->classid != RelationRelationId || dep->objsubid <= 0)
			continue;
		relkind = get_rel_relkind(dep->objid);
		if ((relkind != RELKIND_RELATION && relkind != RELKIND_MATVIEW) ||
			get_attname(dep->objid, dep->objsubid, true) == NULL ||
			get_atttype(dep->objid, dep->objsubid) != domainoid)
			continue;
		foreach(lc, *uses)
			if (((DomainUse *) lfirst(lc))->relid == dep->objid)
				use = lfirst(lc);
		if (use == NULL)
		{
			use = palloc0(sizeof(DomainUse));
			use->relid = dep->objid;
			*uses = lappend(*uses, use);
		}
		use->attnums = list_append_unique_int(use->attnums, dep->objsubid);
		list_sort(use->attnums, list_int_cmp);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* "column \"a\"", "columns \"a\" and \"b\"", "columns \"a\", \"b\" and \"c\"" */
static char *
columns_text(List *names)
{
	StringInfoData out;
	ListCell   *lc;

	initStringInfo(&out);
	appendStringInfoString(&out, list_length(names) == 1 ? "column " : "columns ");
	foreach(lc, names)
	{
		int			i = foreach_current_index(lc);

		if (i > 0)
			appendStringInfoString(&out, i == list_length(names) - 1 ? " and " : ", ");
		appendStringInfo(&out, "\"%s\"", strVal(lfirst(lc)));
	}
	return out.data;
}

/* The same, of column numbers. */
static char *
attnums_text(Oid relid, List *attnums)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, attnums)
		names = lappend(names, makeString(get_attname(relid, lfirst_int(lc), false)));
	return columns_text(names);
}

/* ALTER DOMAIN ADD CONSTRAINT ... CHECK, validated: every row of every large user is read. */
static void
domain_constraint(const ConvStatementInfo *s, AlterDomainStmt *stmt, List **violations)
{
	Constraint *con = (Constraint *) stmt->def;
	Oid			domainoid;
	HeapTuple	tup;
	Oid			nspid;
	char	   *typname;
	List	   *uses = NIL;
	ListCell   *lc;
	char	   *domain_sql;
	char	   *name;
	char	   *body;

	if (stmt->subtype != 'C' || con == NULL || !IsA(con, Constraint) ||
		con->contype != CONSTR_CHECK || con->skip_validation ||
		!OidIsValid(domainoid = LookupTypeNameOid(NULL, makeTypeNameFromNameList(stmt->typeName), true)) ||
		!HeapTupleIsValid(tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(domainoid))))
		return;
	nspid = ((Form_pg_type) GETSTRUCT(tup))->typnamespace;
	typname = pstrdup(NameStr(((Form_pg_type) GETSTRUCT(tup))->typname));
	if (((Form_pg_type) GETSTRUCT(tup))->typtype != TYPTYPE_DOMAIN)
		uses = NIL;
	else
		domain_uses(domainoid, &uses);
	ReleaseSysCache(tup);
	domain_sql = quote_qualified_identifier(get_namespace_name(nspid), typname);
	name = con->conname ? con->conname : ChooseConstraintName(typname, NULL, "check", nspid, NIL);
	body = check_sql(s, con);
	foreach(lc, uses)
	{
		DomainUse  *use = lfirst(lc);
		ConvSafetyTable t;
		ConvViolation *v;

		if ((!conv_safety_table(use->relid, &t) && !conv_safety_matview(use->relid, &t)) ||
			!conv_safety_is_large(&t))
			continue;
		v = conv_add_hazard(violations, CONV_RULE_CONSTRAINT_VALIDATION, &t, 0, name,
							psprintf("adding CHECK constraint \"%s\" to domain \"%s\" scans table \"%s\" while writes to it wait",
									 name, psprintf("%s.%s", get_namespace_name(nspid), typname),
									 t.display_name),
							psprintf("PostgreSQL checks every value of %s of \"%s\" (%s) under a SHARE lock on \"%s\": every INSERT, UPDATE and DELETE waits.",
									 attnums_text(use->relid, use->attnums), t.display_name,
									 conv_safety_size_text(&t), t.display_name),
							psprintf("ALTER DOMAIN %s ADD CONSTRAINT %s %s NOT VALID;\n%s\n"
									 "-- when \"%s\" is quiet: VALIDATE reads the tables again under the same SHARE lock (PostgreSQL has no form of it that lets writes go on); NOT VALID checks new values at once and leaves the scan for a moment you choose\n"
									 "%s\nALTER DOMAIN %s VALIDATE CONSTRAINT %s;",
									 domain_sql, quote_identifier(name),
									 body ? body : "CHECK (<the same condition>)",
									 conv_separate_transaction_note(s), t.display_name,
									 conv_lock_timeout_sql(s), domain_sql, quote_identifier(name)));
		if (conv_profile == CONV_PROFILE_SEQUELIZE)
			v->advice = pstrdup("In Sequelize: run the ADD CONSTRAINT ... NOT VALID with queryInterface.sequelize.query() in one migration, and VALIDATE CONSTRAINT in the next.");
	}
}

void
conv_rule_constraint_validation(const ConvStatementInfo *s, List **violations)
{
	ConvSafetyTable t;
	AlterTableStmt *stmt;
	ListCell   *lc;

	if (IsA(s->stmt, AlterDomainStmt))
	{
		domain_constraint(s, (AlterDomainStmt *) s->stmt, violations);
		return;
	}
	if (IsA(s->stmt, AlterTableStmt))
		conv_attach_partition_hazards(s, (AlterTableStmt *) s->stmt, violations);
	stmt = conv_large_table_altered(s, &t);
	if (stmt == NULL)
		return;
	foreach(lc, conv_added_constraints(stmt))
	{
		ConvAddedConstraint *added = lfirst(lc);

		if ((added->con->contype == CONSTR_FOREIGN || added->con->contype == CONSTR_CHECK) &&
			(added->column != NULL || !added->con->skip_validation))
			validation_hazard(s, &t, added->con, added->column, violations);
	}
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_ValidateConstraint && cmd->name != NULL)
			validate_under_lock(s, &t, cmd->name, violations);
	}
}

/* ---- not_null_scan ---- */

/*
 * Do the table's validated CHECK constraints prove the column is never
 * null?  PostgreSQL's own test (NotNullImpliedByRelConstraints).
 */
static bool
not_null_proven(Oid relid, AttrNumber attnum, Oid typid, int32 typmod, Oid collid)
{
	List	   *clauses = conv_validated_checks(relid);

	return clauses != NIL &&
		predicate_implied_by(list_make1(conv_is_not_null(attnum, typid, typmod, collid)),
							 clauses, false);
}

/* Is the column nullable, with no validated CHECK proving it has no nulls? */
static bool
needs_null_scan(Oid relid, const char *colname, AttrNumber *attnum)
{
	HeapTuple	tup = SearchSysCacheAttName(relid, colname);
	Form_pg_attribute att;
	bool		result;

	if (!HeapTupleIsValid(tup))
		return false;
	att = (Form_pg_attribute) GETSTRUCT(tup);
	*attnum = att->attnum;
	result = !att->attnotnull &&
		!not_null_proven(relid, att->attnum, att->atttypid, att->atttypmod, att->attcollation);
	ReleaseSysCache(tup);
	return result;
}

static void
set_not_null(const ConvStatementInfo *s, const ConvSafetyTable *t, const char *colname,
			 List **violations)
{
	AttrNumber	attnum;
	char	   *name;
	const char *col;
	ConvViolation *v;

	if (!needs_null_scan(t->relid, colname, &attnum))
		return;
	name = ChooseConstraintName(t->relname, colname, "not_null", get_rel_namespace(t->relid), NIL);
	col = quote_identifier(colname);
	v = conv_add_hazard(violations, CONV_RULE_NOT_NULL_SCAN, t, attnum, "",
						psprintf("SET NOT NULL on column \"%s\" scans table \"%s\" while every query on it waits",
								 colname, t->display_name),
						psprintf("no validated CHECK constraint proves \"%s\" has no nulls, so PostgreSQL reads all of \"%s\" (%s) under an ACCESS EXCLUSIVE lock.",
								 colname, t->display_name, conv_safety_size_text(t)),
						psprintf("%s\nALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;\n%s\n"
								 "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n"
								 "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n"
								 "ALTER TABLE %s DROP CONSTRAINT %s;",
								 conv_lock_timeout_sql(s), t->sql_name, quote_identifier(name), col,
								 conv_separate_transaction_note(s),
								 t->sql_name, quote_identifier(name),
								 t->sql_name, col, t->sql_name, quote_identifier(name)));
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = psprintf("In Sequelize: run the first statement with queryInterface.sequelize.query() in one migration; in the next, VALIDATE CONSTRAINT, then queryInterface.changeColumn(\"%s\", \"%s\", { allowNull: false, ... }) sets NOT NULL without a scan, then drop the CHECK.",
							 t->relname, colname);
}

/* The column names (String) of ADD PRIMARY KEY: its list, or USING INDEX's. */
static List *
primary_key_columns(const ConvSafetyTable *t, Constraint *con)
{
	Oid			indexoid;
	HeapTuple	tup;
	Form_pg_index index;
	List	   *names = NIL;

	if (con->indexname == NULL)
		return con->keys;
	indexoid = get_relname_relid(con->indexname, get_rel_namespace(t->relid));
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(tup))
		return NIL;				/* PostgreSQL reports it */
	index = (Form_pg_index) GETSTRUCT(tup);
	if (index->indrelid == t->relid)
		for (int i = 0; i < index->indnkeyatts; i++)
			if (index->indkey.values[i] > 0)
				names = lappend(names, makeString(get_attname(t->relid, index->indkey.values[i], false)));
	ReleaseSysCache(tup);
	return names;
}

/*
 * ADD PRIMARY KEY (with USING INDEX too, the form the safe recipe for a key
 * ends with) makes its columns NOT NULL: a nullable column is read in full
 * under ACCESS EXCLUSIVE, unless a validated CHECK proves it, as for SET
 * NOT NULL.  One hazard for the key, with one CHECK over its columns.
 */
static void
primary_key(const ConvStatementInfo *s, const ConvSafetyTable *t, Constraint *con,
			List **violations)
{
	List	   *nullable = NIL;
	AttrNumber	first = InvalidAttrNumber;
	StringInfoData cond;
	ListCell   *lc;
	char	   *check;
	char	   *key;

	foreach(lc, primary_key_columns(t, con))
	{
		AttrNumber	attnum;

		if (!needs_null_scan(t->relid, strVal(lfirst(lc)), &attnum))
			continue;
		if (nullable == NIL)
			first = attnum;
		nullable = lappend(nullable, lfirst(lc));
	}
	if (nullable == NIL)
		return;
	initStringInfo(&cond);
	foreach(lc, nullable)
		appendStringInfo(&cond, "%s%s IS NOT NULL", foreach_current_index(lc) > 0 ? " AND " : "",
						 quote_identifier(strVal(lfirst(lc))));
	check = ChooseConstraintName(t->relname, strVal(linitial(nullable)), "not_null",
								 get_rel_namespace(t->relid), NIL);
	key = con->indexname != NULL ?
		psprintf("%sPRIMARY KEY USING INDEX %s",
				 con->conname ? psprintf("CONSTRAINT %s ", quote_identifier(con->conname)) : "",
				 quote_identifier(con->indexname)) :
		psprintf("%sPRIMARY KEY %s",
				 con->conname ? psprintf("CONSTRAINT %s ", quote_identifier(con->conname)) : "",
				 name_list_sql(con->keys));
	conv_add_hazard(violations, CONV_RULE_NOT_NULL_SCAN, t, first, "primary key",
					psprintf("ADD PRIMARY KEY makes %s NOT NULL, which scans table \"%s\" while every query on it waits",
							 columns_text(nullable), t->display_name),
					psprintf("a key's columns are NOT NULL, and no validated CHECK constraint proves that %s %s no nulls, so PostgreSQL reads all of \"%s\" (%s) under an ACCESS EXCLUSIVE lock.",
							 columns_text(nullable), list_length(nullable) == 1 ? "has" : "have",
							 t->display_name, conv_safety_size_text(t)),
					psprintf("%s\nALTER TABLE %s ADD CONSTRAINT %s CHECK (%s) NOT VALID;\n%s\n"
							 "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n"
							 "ALTER TABLE %s ADD %s;\n"
							 "ALTER TABLE %s DROP CONSTRAINT %s;",
							 conv_lock_timeout_sql(s), t->sql_name, quote_identifier(check), cond.data,
							 conv_separate_transaction_note(s),
							 t->sql_name, quote_identifier(check),
							 t->sql_name, key, t->sql_name, quote_identifier(check)));
}

void
conv_rule_not_null_scan(const ConvStatementInfo *s, List **violations)
{
	ConvSafetyTable t;
	AlterTableStmt *stmt = conv_large_table_altered(s, &t);
	ListCell   *lc;

	if (stmt == NULL)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_SetNotNull && cmd->name != NULL)
			set_not_null(s, &t, cmd->name, violations);
		else if (cmd->subtype == AT_AddConstraint && IsA(cmd->def, Constraint) &&
				 ((Constraint *) cmd->def)->contype == CONSTR_PRIMARY)
			primary_key(s, &t, (Constraint *) cmd->def, violations);
	}
}
