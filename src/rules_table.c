/*-------------------------------------------------------------------------
 *
 * rules_table.c
 *		Table-shape rules: require_primary_key and require_timestamps.
 *
 * Both judge the table as the catalog has it, whatever syntax built it.  A
 * partition has its columns and primary key from its parent, so it is
 * judged through the parent.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_partitioned_table.h"
#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* The seed's timestamp columns.  Configurable names come with issue 3. */
static const char *const created_at_name = "created_at";
static const char *const updated_at_name = "updated_at";

/* Columns a junction table may have besides its foreign-key columns. */
static bool
is_timestamp_name(const char *attname)
{
	return strcmp(attname, created_at_name) == 0 ||
		strcmp(attname, updated_at_name) == 0 ||
		strcmp(attname, "deleted_at") == 0;
}

/*
 * The columns a primary key of this table should have, for the fix SQL: the
 * foreign-key columns of a table that looks like a junction table (two or
 * more key columns and nothing but timestamps besides), else "id", which
 * *add_id says must first be added when the table has none.  A partitioned
 * table's key must also include the partition key's columns.
 */
static int
suggested_pk_columns(ConvTable *table, AttrNumber *cols, bool *add_id)
{
	int			n = 0;
	bool		junction = true;
	int			nfkcols = 0;

	*add_id = false;
	for (AttrNumber att = 1; att <= table->natts; att++)
	{
		HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(table->relid),
										  Int16GetDatum(att));
		Form_pg_attribute attr;

		if (!HeapTupleIsValid(tup))
			continue;
		attr = (Form_pg_attribute) GETSTRUCT(tup);
		if (!attr->attisdropped)
		{
			if (conv_attnum_in_foreign_key(table, att))
			{
				if (nfkcols < INDEX_MAX_KEYS)
					cols[nfkcols] = att;
				nfkcols++;
			}
			else if (!is_timestamp_name(NameStr(attr->attname)))
				junction = false;
		}
		ReleaseSysCache(tup);
	}

	if (junction && nfkcols >= 2 && nfkcols <= INDEX_MAX_KEYS)
		n = nfkcols;
	else
	{
		AttrNumber	id = get_attnum(table->relid, "id");

		if (id == InvalidAttrNumber)
			*add_id = true;
		else
			cols[n++] = id;
	}

	if (table->relkind == RELKIND_PARTITIONED_TABLE)
	{
		HeapTuple	tup = SearchSysCache1(PARTRELID, ObjectIdGetDatum(table->relid));

		if (HeapTupleIsValid(tup))
		{
			Form_pg_partitioned_table part = (Form_pg_partitioned_table) GETSTRUCT(tup);

			for (int i = 0; i < part->partnatts && n < INDEX_MAX_KEYS - 1; i++)
			{
				AttrNumber	att = part->partattrs.values[i];
				bool		have = (att == 0);	/* expressions cannot be in a key */

				for (int j = 0; j < n && !have; j++)
					have = (cols[j] == att);
				if (!have)
					cols[n++] = att;
			}
			ReleaseSysCache(tup);
		}
	}
	return n;
}

/* Rule require_primary_key: every table has a primary key. */
void
conv_rule_require_primary_key(ConvTable *table, List **violations)
{
	AttrNumber	cols[INDEX_MAX_KEYS];
	int			ncols;
	bool		add_id;
	char	   *fix;

	if (table->ispartition || table->pk_nkeys > 0)
		return;

	ncols = suggested_pk_columns(table, cols, &add_id);
	if (add_id)
		fix = psprintf("ALTER TABLE %s ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid(), "
					   "ADD PRIMARY KEY (id%s%s);",
					   table->sql_name, ncols > 0 ? ", " : "",
					   ncols > 0 ? conv_column_list_sql(table->relid, ncols, cols) : "");
	else
		fix = psprintf("ALTER TABLE %s ADD PRIMARY KEY (%s);", table->sql_name,
					   conv_column_list_sql(table->relid, ncols, cols));

	conv_add_violation(violations, "require_primary_key", table,
					   table->display_name,
					   psprintf("table \"%s\" has no primary key", table->display_name),
					   "without a primary key, rows cannot be updated or deleted reliably "
					   "and logical replication cannot replicate their updates and deletes.",
					   fix);
}

/* The default expression of a column, or NULL. */
static Node *
column_default(Oid relid, AttrNumber attnum)
{
	Relation	rel;
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tup;
	Node	   *result = NULL;

	rel = table_open(AttrDefaultRelationId, AccessShareLock);
	ScanKeyInit(&keys[0], Anum_pg_attrdef_adrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&keys[1], Anum_pg_attrdef_adnum, BTEqualStrategyNumber,
				F_INT2EQ, Int16GetDatum(attnum));
	scan = systable_beginscan(rel, AttrDefaultIndexId, true, NULL, 2, keys);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_attrdef_adbin,
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			result = stringToNode(TextDatumGetCString(d));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Is this default "the current time": now(), CURRENT_TIMESTAMP and its
 * synonyms transaction_timestamp(), statement_timestamp(), clock_timestamp(),
 * possibly under an implicit cast?
 */
static bool
is_current_time(Node *expr)
{
	while (expr != NULL)
	{
		if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else if (IsA(expr, FuncExpr) &&
				 ((FuncExpr *) expr)->funcformat == COERCE_IMPLICIT_CAST &&
				 list_length(((FuncExpr *) expr)->args) >= 1)
			expr = linitial(((FuncExpr *) expr)->args);
		else
			break;
	}
	if (expr == NULL)
		return false;
	if (IsA(expr, FuncExpr))
	{
		Oid			funcid = ((FuncExpr *) expr)->funcid;

		return funcid == F_NOW || funcid == F_TRANSACTION_TIMESTAMP ||
			funcid == F_STATEMENT_TIMESTAMP || funcid == F_CLOCK_TIMESTAMP;
	}
	if (IsA(expr, SQLValueFunction))
	{
		SQLValueFunctionOp op = ((SQLValueFunction *) expr)->op;

		return op == SVFOP_CURRENT_TIMESTAMP || op == SVFOP_CURRENT_TIMESTAMP_N;
	}
	return false;
}

static void
check_timestamp_column(ConvTable *table, const char *colname, bool junction,
					   List **violations)
{
	HeapTuple	tup;
	Form_pg_attribute attr;
	const char *why;
	char	   *qcol = (char *) quote_identifier(colname);
	char	   *object = psprintf("%s.%s", table->display_name, colname);

	why = junction ?
		"a junction table records when each of its rows was created, as timestamptz with DEFAULT now()." :
		"every table records when each row was created and last updated, as timestamptz with DEFAULT now().";

	tup = SearchSysCacheAttName(table->relid, colname);
	if (!HeapTupleIsValid(tup))
	{
		conv_add_violation(violations, "require_timestamps", table, object,
						   psprintf("table \"%s\" has no column \"%s\"",
									table->display_name, colname),
						   why,
						   psprintf("ALTER TABLE %s ADD COLUMN %s timestamptz NOT NULL DEFAULT now();",
									table->sql_name, qcol));
		return;
	}
	attr = (Form_pg_attribute) GETSTRUCT(tup);

	if (attr->atttypid != TIMESTAMPTZOID)
	{
		/*
		 * The old default cannot always be coerced to the new type, so the
		 * fix drops it first and ends with the default the rule wants.
		 */
		char	   *typname = format_type_with_typemod(attr->atttypid, attr->atttypmod);
		char	   *using = attr->atttypid == TIMESTAMPOID ? "" :
			psprintf(" USING %s::timestamptz", qcol);

		conv_add_violation(violations, "require_timestamps", table, object,
						   psprintf("column \"%s\" of table \"%s\" has type %s, not timestamptz",
									colname, table->display_name, typname),
						   why,
						   psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT, "
									"ALTER COLUMN %s TYPE timestamptz%s, "
									"ALTER COLUMN %s SET DEFAULT now();",
									table->sql_name, qcol, qcol, using, qcol));
	}

	if (attr->attgenerated != '\0' || !attr->atthasdef ||
		!is_current_time(column_default(table->relid, attr->attnum)))
		conv_add_violation(violations, "require_timestamps", table, object,
						   psprintf("column \"%s\" of table \"%s\" does not default to now()",
									colname, table->display_name),
						   why,
						   attr->attgenerated != '\0' ?
						   psprintf("ALTER TABLE %s ALTER COLUMN %s DROP EXPRESSION, ALTER COLUMN %s SET DEFAULT now();",
									table->sql_name, qcol, qcol) :
						   psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT now();",
									table->sql_name, qcol));
	ReleaseSysCache(tup);
}

/*
 * Rule require_timestamps: created_at and updated_at, timestamptz with
 * DEFAULT now(); a junction table needs only created_at.
 */
void
conv_rule_require_timestamps(ConvTable *table, List **violations)
{
	bool		junction;

	if (table->ispartition)
		return;
	junction = conv_table_is_junction(table);
	check_timestamp_column(table, created_at_name, junction, violations);
	if (!junction)
		check_timestamp_column(table, updated_at_name, junction, violations);
}
