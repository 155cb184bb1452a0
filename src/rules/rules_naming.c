/*-------------------------------------------------------------------------
 *
 * rules_naming.c
 *		Naming rules: snake_case_names and index_naming.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/* What a Sequelize user changes in the model; NULL for plain SQL. */
static const char *
sequelize_advice(const char *kind, const char *snake)
{
	if (conv_profile != CONV_PROFILE_SEQUELIZE)
		return NULL;
	if (strcmp(kind, "table") == 0)
		return psprintf("In Sequelize, set tableName: '%s' in the model's options.", snake);
	if (strcmp(kind, "schema") == 0)
		return NULL;
	return "In Sequelize, set underscored: true in the model's options "
		"(or define: { underscored: true } in the Sequelize constructor for every model).";
}

/*
 * What a suggested name must not collide with: the names of its kind that
 * exist, and those already suggested in this pass (a table's columns, say,
 * renamed by one migration).  Constraints share their suggestions with the
 * relations', as renaming a key renames its index.
 */
typedef enum NameSpace
{
	NAMES_SCHEMAS,
	NAMES_RELATIONS,			/* of the table's schema: tables and indexes */
	NAMES_COLUMNS,				/* of the table */
	NAMES_CONSTRAINTS			/* of the table, and the relations of its
								 * schema, which a key's index renamed with
								 * it must not meet */
} NameSpace;

static bool
name_exists(ConvTable *table, NameSpace space, const char *name, List *suggested)
{
	ListCell   *lc;

	foreach(lc, suggested)
		if (strcmp((const char *) lfirst(lc), name) == 0)
			return true;
	switch (space)
	{
		case NAMES_SCHEMAS:
			return OidIsValid(get_namespace_oid(name, true));
		case NAMES_RELATIONS:
			return OidIsValid(get_relname_relid(name, table->nspid));
		case NAMES_COLUMNS:
			return conv_table_column(table, name) != NULL;
		case NAMES_CONSTRAINTS:
			foreach(lc, table->constraints)
				if (strcmp(((ConvConstraint *) lfirst(lc))->conname, name) == 0)
					return true;
			return OidIsValid(get_relname_relid(name, table->nspid));
	}
	return false;
}

/* The snake_case name, with _2, _3 … when that one is taken. */
static char *
free_snake_name(ConvTable *table, NameSpace space, const char *name, List *suggested)
{
	char	   *base = conv_to_snake_case(name);
	char	   *candidate = base;

	for (int n = 2; name_exists(table, space, candidate, suggested); n++)
	{
		char		suffix[16];
		int			keep;

		snprintf(suffix, sizeof(suffix), "_%d", n);
		keep = Min((int) strlen(base), NAMEDATALEN - 1 - (int) strlen(suffix));
		candidate = psprintf("%.*s%s", keep, base, suffix); /* ASCII: any cut is safe */
	}
	return candidate;
}

/*
 * A snake_case name for a relation in the table's schema that no relation
 * there has: what the table's rename, or a key named after it, can take.
 */
char *
conv_free_relation_name(ConvTable *table, const char *name)
{
	return free_snake_name(table, NAMES_RELATIONS, name, NIL);
}

static void
not_snake(List **violations, ConvTable *table, ConvAbout about, const char *kind,
		  const char *name, const char *object, const char *message, const char *fix_format,
		  const char *fix_arg, NameSpace space, List **suggested)
{
	char	   *snake = free_snake_name(table, space, name, *suggested);
	ConvViolation *v;

	*suggested = lappend(*suggested, snake);
	v = conv_add_violation(violations, CONV_RULE_SNAKE_CASE_NAMES, table, about,
						   object, message,
						   "names are lower-case snake_case (^[a-z][a-z0-9_]*$), so no SQL ever has "
						   "to quote them and every client maps them the same way.",
						   psprintf(fix_format, fix_arg, quote_identifier(name),
									quote_identifier(snake)));
	v->advice = (char *) sequelize_advice(kind, snake);
}

/*
 * Rule snake_case_names: the table's schema, the table, its columns, its
 * constraints and its indexes are named ^[a-z][a-z0-9_]*$.
 */
void
conv_rule_snake_case_names(ConvTable *table, List **violations)
{
	ListCell   *lc;
	List	   *schemas = NIL;
	List	   *relations = NIL;
	List	   *columns = NIL;

	if (!conv_is_snake_case(table->nspname))
		not_snake(violations, table,
				  conv_about(NamespaceRelationId, table->nspid, 0, ""), "schema", table->nspname,
				  psprintf("schema %s", table->nspname),
				  psprintf("schema \"%s\" is not named in snake_case", table->nspname),
				  "ALTER SCHEMA %s%s RENAME TO %s;", "", NAMES_SCHEMAS, &schemas);

	if (!table->ispartition && !conv_is_snake_case(table->relname))
		not_snake(violations, table, conv_about_table(table), "table", table->relname, table->display_name,
				  psprintf("table \"%s\" is not named in snake_case", table->display_name),
				  "ALTER TABLE %s.%s RENAME TO %s;", quote_identifier(table->nspname),
				  NAMES_RELATIONS, &relations);

	if (!table->ispartition)
	{
		foreach(lc, table->columns)
		{
			ConvColumn *col = lfirst(lc);

			if (!conv_is_snake_case(col->name))
				not_snake(violations, table,
						  conv_about_column(table, col->attnum, ""), "column", col->name,
						  psprintf("%s.%s", table->display_name, col->name),
						  psprintf("column \"%s\" of table \"%s\" is not named in snake_case",
								   col->name, table->display_name),
						  "ALTER TABLE %s RENAME COLUMN %s TO %s;", table->sql_name,
						  NAMES_COLUMNS, &columns);
		}
	}

	foreach(lc, table->constraints)
	{
		ConvConstraint *con = lfirst(lc);

		/* PostgreSQL 18 names a table's NOT NULL constraints itself */
		if (con->contype == CONV_CONSTRAINT_NOTNULL)
			continue;
		if (!conv_is_snake_case(con->conname))
			not_snake(violations, table,
					  conv_about(ConstraintRelationId, con->conoid, 0, ""), "constraint", con->conname,
					  psprintf("%s on %s", con->conname, table->display_name),
					  psprintf("constraint \"%s\" on table \"%s\" is not named in snake_case",
							   con->conname, table->display_name),
					  "ALTER TABLE %s RENAME CONSTRAINT %s TO %s;", table->sql_name,
					  NAMES_CONSTRAINTS, &relations);
	}

	foreach(lc, conv_table_indexes(table))
	{
		ConvIndex  *index = lfirst(lc);

		/* a constraint's index has the constraint's name: reported above */
		if (OidIsValid(index->constraint) || conv_is_snake_case(index->name))
			continue;
		not_snake(violations, table,
				  conv_about(RelationRelationId, index->indexrelid, 0, ""), "index", index->name,
				  psprintf("%s.%s", table->nspname, index->name),
				  psprintf("index \"%s\" on table \"%s\" is not named in snake_case",
						   index->name, table->display_name),
				  "ALTER INDEX %s.%s RENAME TO %s;", quote_identifier(table->nspname),
				  NAMES_RELATIONS, &relations);
	}
}

/*
 * The name Sequelize gives an index it creates (addIndex, a model's
 * indexes) unless told one: <table>_<field>_<field>..., which PostgreSQL
 * truncates to NAMEDATALEN - 1 bytes.  Sequelize underscores the whole (a
 * camelCase field becomes snake_case); a snake_case schema's names are
 * already so.
 */
static bool
sequelize_index_name(const ConvIndex *index, const char *relname, const char *const *colnames)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, relname);
	for (int i = 0; i < index->nkeyatts; i++)
	{
		if (index->keys[i] == 0)
			return false;		/* an expression: Sequelize makes none */
		appendStringInfo(&buf, "_%s", colnames[i]);
	}
	if (buf.len > NAMEDATALEN - 1)
		buf.len = pg_mbcliplen(buf.data, buf.len, NAMEDATALEN - 1);
	return strlen(index->name) == (size_t) buf.len &&
		strncmp(index->name, buf.data, buf.len) == 0;
}

/*
 * One index's name against index_naming: the rule's single test, asked of
 * every index of a table (conv_rule_index_naming) and of the index a CREATE
 * INDEX CONCURRENTLY is about to build (conv_precheck_concurrent), so that
 * enforce rejects a wrong name before the build, not after it.  Returns
 * the conventional name when the index has another, NULL when it passes.
 */
char *
conv_check_index_name(ConvTable *table, const ConvIndex *index, List **violations)
{
	const char *colnames[INDEX_MAX_KEYS];
	bool		sequelize = conv_profile == CONV_PROFILE_SEQUELIZE;
	char	   *conventional;
	ConvViolation *v;

	if (OidIsValid(index->constraint) || index->ispartition ||
		strncmp(index->name, "idx_", 4) == 0)
		return NULL;
	for (int i = 0; i < index->nkeyatts; i++)
		colnames[i] = conv_index_column_name(index, table->relid, i);
	if (sequelize && sequelize_index_name(index, table->relname, colnames))
		return NULL;
	conventional = conv_choose_index_name(table->nspid, table->relname,
										  index->nkeyatts, colnames, InvalidOid,
										  NULL, NULL);
	v = conv_add_violation(violations, CONV_RULE_INDEX_NAMING, table,
					   conv_about(RelationRelationId, index->indexrelid, 0, ""),
					   psprintf("%s.%s", table->nspname, index->name),
					   psprintf(sequelize ?
								"index \"%s\" on table \"%s\" is not named idx_<table>_<columns> or <table>_<columns>" :
								"index \"%s\" on table \"%s\" is not named idx_<table>_<columns>",
								index->name, table->display_name),
					   "index names say which table and columns they cover, so plans, "
					   "migrations and reports read without looking them up.",
					   psprintf("ALTER INDEX %s.%s RENAME TO %s;",
								quote_identifier(table->nspname),
								quote_identifier(index->name),
								quote_identifier(conventional)));
	if (sequelize)
		v->advice = psprintf("In Sequelize, name it: queryInterface.addIndex('%s', [...], { name: '%s' }), "
							 "or { name: '%s', fields: [...] } in the model's indexes.",
							 table->relname, conventional, conventional);
	return conventional;
}

/*
 * Rule index_naming: an index that backs no constraint is named
 * idx_<table>_<columns> (the idx_ prefix at least); under the sequelize
 * profile, Sequelize's own <table>_<columns> too.  Indexes PostgreSQL
 * attaches to a partitioned index get their names from PostgreSQL.
 */
void
conv_rule_index_naming(ConvTable *table, List **violations)
{
	ListCell   *lc;

	foreach(lc, conv_table_indexes(table))
		conv_check_index_name(table, lfirst(lc), violations);
}
