/*-------------------------------------------------------------------------
 *
 * will_fail.c
 *		Migration-safety rule will_fail: a statement that the table's rows
 *		or statistics show will fail, said before PostgreSQL starts the scan
 *		at whose end it would fail.
 *
 * A unique index or UNIQUE / PRIMARY KEY constraint over duplicate values,
 * SET NOT NULL or PRIMARY KEY over NULLs, a CHECK constraint or foreign key
 * that rows violate (added validating, or VALIDATE CONSTRAINT), a type
 * change whose cast fails on a value: PostgreSQL reads the whole table, or
 * builds the whole index (CONCURRENTLY: and leaves it INVALID), before it
 * finds out.  The rule says so only with evidence (evidence.c): rows found
 * by reading all of a table that has at most evidence_sample_rows rows, or
 * a sample of a larger one; else statistics that still stand (pg_stats,
 * with fewer rows changed since ANALYZE than they speak of; on a twin,
 * production's snapshot: NULLs, most common values).  Nothing found is no
 * verdict, and a table of this transaction is not judged.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_type.h"
#include "parser/scansup.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/* The statement being judged, and the table it is about. */
typedef struct Judged
{
	const ConvStatementInfo *s;
	ConvSafetyTable t;
	const char *what;			/* "CREATE UNIQUE INDEX", "SET NOT NULL", ... */
	bool		only;			/* the table's own rows, not its children's */
	List	  **violations;
} Judged;

/* What reading the rows showed: how many were read (-1: none could be), all of them? */
typedef struct Seen
{
	double		read;
	bool		exact;
} Seen;

/*
 * May the statistics speak after the rows were read?  Not when every row
 * was read (they are older), nor when the sample should have met, at
 * least three times, what they say a fraction frac of the rows hold: it
 * did not, so they no longer stand (a backfill, a dedupe since ANALYZE).
 */
static bool
stats_may_speak(const Seen *seen, double frac)
{
	if (seen->read < 0)
		return true;
	return !seen->exact && frac * seen->read < 3;
}

/*
 * The statistics' most common values that say something: seen at least
 * rows_needed times, still there (conv_stats_trusted), not contradicted by
 * the rows read.  False when none is left.
 */
static bool
keep_standing_values(ConvColumnStats *cs, double rows_needed, const Seen *seen)
{
	int			n = 0;

	for (int i = 0; i < cs->nmcv; i++)
		if (conv_stats_trusted(cs, cs->freqs[i], rows_needed) &&
			stats_may_speak(seen, cs->freqs[i]))
		{
			cs->mcv[n] = cs->mcv[i];
			cs->freqs[n++] = cs->freqs[i];
		}
	cs->nmcv = n;
	return n > 0;
}

static void
hazard(Judged *j, AttrNumber attnum, const char *aspect, const char *why,
	   const char *detail, const char *hint)
{
	conv_add_hazard(j->violations, CONV_RULE_WILL_FAIL, &j->t, attnum, aspect,
					psprintf("%s on table \"%s\" will fail: %s", j->what, j->t.display_name, why),
					detail, hint);
}

static bool
column_not_null(Oid relid, AttrNumber attnum)
{
	HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	bool		result;

	if (!HeapTupleIsValid(tup))
		return true;			/* nothing to judge */
	result = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
	ReleaseSysCache(tup);
	return result;
}

/* The count in the first column of a query's one row, -1 when it did not run. */
static double
count_of(List *rows, int column)
{
	char	  **row;

	if (rows == NIL)
		return -1;
	row = linitial(rows);
	return row[column] ? strtod(row[column], NULL) : -1;
}

/* "'x'", or "(1, 'x')" for several columns */
static char *
values_text(char **values, int n)
{
	StringInfoData out;

	initStringInfo(&out);
	for (int i = 0; i < n; i++)
		appendStringInfo(&out, "%s%s", i > 0 ? ", " : "",
						 values[i] ? quote_literal_cstr(values[i]) : "NULL");
	return n == 1 ? out.data : psprintf("(%s)", out.data);
}

/*
 * The rows (all of the table, or its sample, aliased alias) for which the
 * condition holds: "<where read> found <N> <what>.", or NULL; *seen says
 * what was read.  other_relid: a second table the condition reads.
 */
static char *
rows_found(Judged *j, const char *alias, const char *condition, Oid other_relid,
		   const char *what, Seen *seen)
{
	ConvRowScope scope;
	List	   *rows = NIL;
	double		found;

	seen->read = -1;
	seen->exact = false;
	if (!conv_evidence_scope(&j->t, j->only, alias, &scope))
		return NULL;
	(void) conv_evidence_query(psprintf("SELECT count(*) FILTER (WHERE %s), count(*) FROM %s",
										condition, scope.from_sql),
							   j->t.relid, other_relid, 0, &rows);
	found = count_of(rows, 0);
	seen->read = count_of(rows, 1);
	seen->exact = scope.exact;
	if (found <= 0)
		return NULL;
	return psprintf("%s found %s %s.", conv_evidence_scope_text(&j->t, &scope, seen->read),
					conv_thousands(found), what);
}

/* ---- NULLs under NOT NULL ---- */

static void
nulls_found(Judged *j, AttrNumber attnum)
{
	char	   *column = get_attname(j->t.relid, attnum, false);
	const char *qcolumn = quote_identifier(column);
	ConvColumnStats cs;
	char	   *detail;
	Seen		seen;

	if (column_not_null(j->t.relid, attnum))
		return;
	detail = rows_found(j, "t", psprintf("%s IS NULL", qcolumn), InvalidOid,
						psprintf("with NULL in column \"%s\"", column), &seen);
	if (detail == NULL && conv_column_stats(&j->t, attnum, &cs) &&
		conv_stats_trusted(&cs, cs.null_frac, 1) && stats_may_speak(&seen, cs.null_frac))
		detail = psprintf("%s says %s of its rows are NULL in column \"%s\" (about %s of %s).",
						  conv_stats_source_text(&cs), conv_percent_text(cs.null_frac), column,
						  conv_thousands(Max(1, cs.null_frac * cs.reltuples)),
						  conv_thousands(cs.reltuples));
	if (detail == NULL)
		return;
	hazard(j, attnum, "null", psprintf("column \"%s\" has NULL values", column), detail,
		   psprintf("-- the rows with NULL in \"%s\"; fill them in or delete them first:\nSELECT * FROM %s WHERE %s IS NULL;",
					column, j->t.sql_name, qcolumn));
}

/* ---- duplicates under a unique key ---- */

/* "column "a"", "columns "a", "b"" */
static char *
columns_text(List *names)
{
	StringInfoData out;
	ListCell   *lc;

	initStringInfo(&out);
	appendStringInfoString(&out, list_length(names) == 1 ? "column " : "columns ");
	foreach(lc, names)
		appendStringInfo(&out, "%s\"%s\"", foreach_current_index(lc) > 0 ? ", " : "",
						 (char *) lfirst(lc));
	return out.data;
}

/* "a, b", and "a IS NOT NULL AND b IS NOT NULL" */
static void
key_sql(List *names, char **list, char **not_null)
{
	StringInfoData l;
	StringInfoData n;
	ListCell   *lc;

	initStringInfo(&l);
	initStringInfo(&n);
	foreach(lc, names)
	{
		const char *q = quote_identifier(lfirst(lc));

		appendStringInfo(&l, "%s%s", foreach_current_index(lc) > 0 ? ", " : "", q);
		appendStringInfo(&n, "%s%s IS NOT NULL", foreach_current_index(lc) > 0 ? " AND " : "", q);
	}
	*list = l.data;
	*not_null = n.data;
}

/* The most frequent duplicate in the rows, as "value in N rows", or NULL. */
static char *
duplicate_in_rows(Judged *j, List *names, const char *cols, const char *filter, Seen *seen)
{
	ConvRowScope scope;
	List	   *rows;
	char	  **row;
	int			n = list_length(names);

	seen->read = -1;
	seen->exact = false;
	if (!conv_evidence_scope(&j->t, j->only, "t", &scope) ||
		!conv_evidence_query(psprintf("SELECT %s, n, total FROM (SELECT %s, count(*) AS n, sum(count(*)) OVER () AS total "
									  "FROM %s GROUP BY %s) g%s%s ORDER BY n DESC, %s LIMIT 1",
									  cols, cols, scope.from_sql, cols,
									  filter ? " WHERE " : "", filter ? filter : "", cols),
							 j->t.relid, InvalidOid, 0, &rows))
		return NULL;
	seen->exact = scope.exact;
	seen->read = 0;
	if (rows == NIL)
		return NULL;
	row = linitial(rows);
	seen->read = strtod(row[n + 1], NULL);
	if (strtod(row[n], NULL) < 2)
		return NULL;
	return psprintf("%s found value %s in %s rows.",
					conv_evidence_scope_text(&j->t, &scope, seen->read),
					values_text(row, n), conv_thousands(strtod(row[n], NULL)));
}

/* A most common value of the one column, seen at least twice and still there. */
static char *
duplicate_in_stats(Judged *j, AttrNumber attnum, const Seen *seen)
{
	ConvColumnStats cs;

	if (!conv_column_stats(&j->t, attnum, &cs) || !keep_standing_values(&cs, 2, seen))
		return NULL;
	return psprintf("%s says value %s appears in about %s of its rows (about %s).",
					conv_stats_source_text(&cs), quote_literal_cstr(cs.mcv[0]),
					conv_percent_text(cs.freqs[0]), conv_thousands(cs.freqs[0] * cs.reltuples));
}

/*
 * A unique key over columns (String names) about to be built: duplicates
 * found in its rows, else in the statistics of its one column.  NULLs are
 * distinct unless nulls_not_distinct.
 */
static void
duplicates_found(Judged *j, List *names, bool nulls_not_distinct)
{
	char	   *cols;
	char	   *not_null;
	char	   *detail;
	Seen		seen;
	AttrNumber	attnum = list_length(names) == 1 ?
		get_attnum(j->t.relid, linitial(names)) : InvalidAttrNumber;
	ListCell   *lc;

	foreach(lc, names)
		if (get_attnum(j->t.relid, lfirst(lc)) == InvalidAttrNumber)
			return;				/* a column the statement adds */
	key_sql(names, &cols, &not_null);
	detail = duplicate_in_rows(j, names, cols, nulls_not_distinct ? NULL : not_null, &seen);
	if (detail == NULL && attnum != InvalidAttrNumber)
		detail = duplicate_in_stats(j, attnum, &seen);
	if (detail == NULL)
		return;
	hazard(j, attnum, "unique",
		   psprintf("%s %s duplicate values", columns_text(names),
					list_length(names) == 1 ? "has" : "have"),
		   detail,
		   psprintf("-- the duplicates; remove or change them first:\n"
					"SELECT %s, count(*) FROM %s%s%s GROUP BY %s HAVING count(*) > 1 ORDER BY count(*) DESC;",
					cols, j->t.sql_name, nulls_not_distinct ? "" : " WHERE ",
					nulls_not_distinct ? "" : not_null, cols));
}

/* ---- rows a CHECK constraint rejects ---- */

/* The one column a raw expression names (a ColumnRef of one field each), else NULL. */
static bool
one_column_walker(Node *node, char **name)
{
	if (node == NULL)
		return false;
	if (IsA(node, ColumnRef))
	{
		ColumnRef  *ref = (ColumnRef *) node;
		char	   *field;

		if (list_length(ref->fields) != 1 || !IsA(linitial(ref->fields), String))
			return true;		/* qualified, or a star: not judged */
		field = strVal(linitial(ref->fields));
		if (*name != NULL && strcmp(*name, field) != 0)
			return true;
		*name = field;
		return false;
	}
	return raw_expression_tree_walker(node, one_column_walker, name);
}

/* A most common value of the column for which the CHECK is false, or NULL. */
static char *
check_false_in_stats(Judged *j, AttrNumber attnum, const char *expr_sql, const Seen *seen)
{
	ConvColumnStats cs;
	StringInfoData values;
	List	   *rows;
	char	   *type;
	const char *column;
	Oid			typid;
	int32		typmod;
	Oid			collid;

	if (attnum == InvalidAttrNumber || !conv_column_stats(&j->t, attnum, &cs) ||
		!keep_standing_values(&cs, 1, seen))
		return NULL;
	initStringInfo(&values);
	for (int i = 0; i < cs.nmcv; i++)
		appendStringInfo(&values, "%s(%s, %d)", i > 0 ? ", " : "",
						 quote_literal_cstr(cs.mcv[i]), i);
	get_atttypetypmodcoll(j->t.relid, attnum, &typid, &typmod, &collid);
	type = format_type_with_typemod(typid, typmod);
	column = quote_identifier(get_attname(j->t.relid, attnum, false));
	if (!conv_evidence_query(psprintf("SELECT i FROM (SELECT v::%s AS %s, i FROM (VALUES %s) AS m(v, i)) AS t WHERE NOT (%s) ORDER BY i LIMIT 1",
									  type, column, values.data, expr_sql),
							 InvalidOid, InvalidOid, 0, &rows) || rows == NIL)
		return NULL;
	{
		int			i = atoi(((char **) linitial(rows))[0]);

		return psprintf("%s says value %s appears in about %s of its rows (about %s), and CHECK (%s) is false for it.",
						conv_stats_source_text(&cs), quote_literal_cstr(cs.mcv[i]),
						conv_percent_text(cs.freqs[i]),
						conv_thousands(Max(1, cs.freqs[i] * cs.reltuples)), expr_sql);
	}
}

/*
 * A CHECK (expr_sql) about to be validated: rows for which it is false,
 * else (an expression of one column, attnum) a most common value.
 */
static void
check_violated(Judged *j, const char *expr_sql, AttrNumber attnum, const char *aspect)
{
	Seen		seen;
	char	   *detail = rows_found(j, "t", psprintf("NOT (%s)", expr_sql), InvalidOid,
									psprintf("for which CHECK (%s) is false", expr_sql), &seen);

	if (detail == NULL)
		detail = check_false_in_stats(j, attnum, expr_sql, &seen);
	if (detail == NULL)
		return;
	hazard(j, attnum, aspect, "rows violate the CHECK constraint", detail,
		   psprintf("-- the rows that violate it; fix them or delete them first:\nSELECT * FROM %s WHERE NOT (%s);",
					j->t.sql_name, expr_sql));
}

/* The expression of ADD CONSTRAINT ... CHECK (expr), from the statement's text. */
static char *
added_check_sql(const ConvStatementInfo *s, Constraint *con)
{
	char	   *clause;
	int			at;
	const char *open;

	if (s->source == NULL ||
		!(conv_source_names(s->source, con->location, "constraint") ||
		  conv_source_names(s->source, con->location, "check")))
		return NULL;
	clause = conv_clause_text(s->source, con->location);
	at = conv_keyword_offset(clause, 0, "check", false);
	if (at < 0)
		return NULL;
	open = clause + at + strlen("check");
	while (scanner_isspace(*open))
		open++;
	if (*open != '(')
		return NULL;
	return conv_clause_text(open, 1);
}

/* ---- rows without a match in the referenced table ---- */

/* Column names (String) of attnums (an int2[] of pg_constraint) */
static List *
attnum_names(Oid relid, Datum array)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	int16	   *nums = (int16 *) ARR_DATA_PTR(arr);
	List	   *names = NIL;

	for (int i = 0; i < ARR_DIMS(arr)[0]; i++)
		names = lappend(names, get_attname(relid, nums[i], false));
	return names;
}

/* The referenced table's primary key columns, or NIL. */
static List *
primary_key_names(Oid relid)
{
	ConvTable  *table = conv_table_load(relid);
	List	   *names = NIL;

	for (int i = 0; table != NULL && i < table->pk_nkeys; i++)
		names = lappend(names, get_attname(relid, table->pk_keys[i], false));
	return names;
}

static bool
row_security(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	bool		result;

	if (!HeapTupleIsValid(tup))
		return true;
	result = ((Form_pg_class) GETSTRUCT(tup))->relrowsecurity;
	ReleaseSysCache(tup);
	return result;
}

/* "c.a IS NOT NULL AND NOT EXISTS (SELECT FROM ref AS p WHERE p.x = c.a)" */
static char *
orphan_sql(List *names, Oid refrelid, List *refnames)
{
	StringInfoData out;
	StringInfoData match;
	ListCell   *lc;
	ListCell   *lr;

	initStringInfo(&out);
	initStringInfo(&match);
	forboth(lc, names, lr, refnames)
	{
		const char *c = quote_identifier(lfirst(lc));

		appendStringInfo(&out, "c.%s IS NOT NULL AND ", c);
		appendStringInfo(&match, "%sp.%s = c.%s", match.len > 0 ? " AND " : "",
						 quote_identifier(lfirst(lr)), c);
	}
	appendStringInfo(&out, "NOT EXISTS (SELECT FROM %s AS p WHERE %s)",
					 conv_relation_sql_name(refrelid), match.data);
	return out.data;
}

/*
 * A foreign key about to be validated: rows whose key is not in the
 * referenced table.  Rows only: statistics cannot say a value is missing.
 * Not judged when the referenced table has row security (the query would
 * not see every row; PostgreSQL's check does).
 */
static void
orphans_found(Judged *j, List *names, Oid refrelid, List *refnames, const char *aspect)
{
	char	   *cond;
	char	   *detail;
	Seen		seen;
	char	   *column_list;
	char	   *not_null;

	if (refnames == NIL)
		refnames = primary_key_names(refrelid);
	if (!OidIsValid(refrelid) || list_length(refnames) != list_length(names) ||
		names == NIL || row_security(refrelid))
		return;
	cond = orphan_sql(names, refrelid, refnames);
	/* a plain inheritance parent's foreign key is its own; a partitioned table's, its partitions' */
	j->only = get_rel_relkind(j->t.relid) != RELKIND_PARTITIONED_TABLE;
	detail = rows_found(j, "c", cond, refrelid,
						psprintf("without a matching row in \"%s\"", conv_relation_display_name(refrelid)),
						&seen);
	if (detail == NULL)
		return;
	key_sql(names, &column_list, &not_null);
	hazard(j, 0, aspect,
		   psprintf("rows have no matching row in \"%s\"", conv_relation_display_name(refrelid)),
		   detail,
		   psprintf("-- the rows without a match; delete them, fix them or set %s to NULL first:\nSELECT c.* FROM %s AS c WHERE %s;",
					column_list, j->t.sql_name, cond));
}

/* ---- values a type change cannot cast ---- */

/* "code = 'abc'", "a = '1' AND b IS NULL" */
static char *
failure_condition_sql(Oid relid, const ConvCastFailure *f)
{
	StringInfoData out;

	initStringInfo(&out);
	for (int i = 0; i < f->nkeys; i++)
	{
		const char *c = quote_identifier(get_attname(relid, f->keys[i], false));

		appendStringInfoString(&out, i > 0 ? " AND " : "");
		if (f->values[i] == NULL)
			appendStringInfo(&out, "%s IS NULL", c);
		else
			appendStringInfo(&out, "%s = %s", c, quote_literal_cstr(f->values[i]));
	}
	return out.data;
}

static void
cast_fails(Judged *j, AlterTableCmd *cmd)
{
	ColumnDef  *def = (ColumnDef *) cmd->def;
	AttrNumber	attnum = get_attnum(j->t.relid, cmd->name);
	ConvRowScope scope = {false, 0, NULL};
	ConvColumnStats cs;
	ConvCastFailure *f = NULL;
	char	   *detail = NULL;
	Seen		seen = {-1, false};
	double		stats_read;
	int32		typmod;
	Type		typ;
	Oid			typid;

	if (attnum <= 0 || def == NULL || !IsA(def, ColumnDef) ||
		conv_serial_type(def->typeName) != NULL ||
		(typ = LookupTypeName(NULL, def->typeName, &typmod, true)) == NULL)
		return;
	typid = typeTypeId(typ);
	ReleaseSysCache(typ);
	if (conv_evidence_scope(&j->t, j->only, "t", &scope))
	{
		seen.exact = scope.exact;
		f = conv_cast_failure(&j->t, def->raw_default, attnum, typid, typmod, scope.from_sql,
							  NULL, &seen.read);
	}
	if (f != NULL)
		detail = psprintf("%s found %s, which fails: %s.",
						  conv_evidence_scope_text(&j->t, &scope, -1),
						  f->nkeys == 1 ? psprintf("value %s", values_text(f->values, 1)) :
						  psprintf("a row with %s", failure_condition_sql(j->t.relid, f)),
						  f->error);
	else if (conv_column_stats(&j->t, attnum, &cs) &&
			 keep_standing_values(&cs, 1, &seen) &&
			 (f = conv_cast_failure(&j->t, def->raw_default, attnum, typid, typmod, NULL,
									&cs, &stats_read)) != NULL)
		detail = psprintf("%s says value %s is among its most common values; it fails: %s.",
						  conv_stats_source_text(&cs), values_text(f->values, 1), f->error);
	if (detail == NULL)
		return;
	hazard(j, attnum, "type",
		   psprintf("column \"%s\" has values that cannot be cast to %s", cmd->name,
					format_type_with_typemod(typid, typmod)),
		   detail,
		   psprintf("-- the rows with the value it fails on; change them, or convert them in the USING expression, first:\nSELECT * FROM %s WHERE %s;",
					j->t.sql_name, failure_condition_sql(j->t.relid, f)));
}

/* ---- the statements ---- */

/* CREATE UNIQUE INDEX [CONCURRENTLY] on plain columns, no predicate. */
static void
unique_index(Judged *j, IndexStmt *stmt)
{
	List	   *names = NIL;
	ListCell   *lc;

	if (!stmt->unique || stmt->whereClause != NULL ||
		!conv_safety_table_named(stmt->relation, &j->t))
		return;
	/* an index is its table's own, or its partitions' too (not with ON ONLY: built later) */
	j->only = get_rel_relkind(j->t.relid) != RELKIND_PARTITIONED_TABLE;
	if (!j->only && !stmt->relation->inh)
		return;
	foreach(lc, stmt->indexParams)
	{
		IndexElem  *elem = lfirst(lc);

		/* an expression, or an operator class or collation of its own: its equality */
		if (elem->name == NULL || elem->opclass != NIL || elem->collation != NIL)
			return;
		names = lappend(names, elem->name);
	}
	j->what = stmt->concurrent ? "CREATE UNIQUE INDEX CONCURRENTLY" : "CREATE UNIQUE INDEX";
	duplicates_found(j, names, CONV_NULLS_NOT_DISTINCT(stmt));
}

/* String list to char * list */
static List *
string_names(List *strings)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, strings)
		names = lappend(names, strVal(lfirst(lc)));
	return names;
}

/* ADD CONSTRAINT: a key, a CHECK, a foreign key or (18) a NOT NULL that validates. */
static void
added_constraint(Judged *j, Constraint *con)
{
	char	   *named = con->conname ? psprintf("ADD CONSTRAINT \"%s\"", con->conname) : NULL;
	ListCell   *lc;

	switch (con->contype)
	{
		case CONSTR_PRIMARY:
		case CONSTR_UNIQUE:
			if (con->indexname != NULL || con->keys == NIL)
				return;			/* USING INDEX: the index exists */
			if (con->contype == CONSTR_PRIMARY && primary_key_names(j->t.relid) != NIL)
				return;			/* a second one: refused before any scan */
			j->what = con->contype == CONSTR_PRIMARY ? "ADD PRIMARY KEY" : "ADD UNIQUE";
			/* its index: the table's own, or its partitions' too */
			j->only = get_rel_relkind(j->t.relid) != RELKIND_PARTITIONED_TABLE;
			if (con->contype == CONSTR_PRIMARY)
				foreach(lc, con->keys)
				{
					AttrNumber	attnum = get_attnum(j->t.relid, strVal(lfirst(lc)));

					if (attnum > 0)
						nulls_found(j, attnum);
				}
			if (!con->deferrable)
				duplicates_found(j, string_names(con->keys), CONV_NULLS_NOT_DISTINCT(con));
			break;
		case CONSTR_CHECK:
			{
				char	   *expr = con->skip_validation ? NULL : added_check_sql(j->s, con);
				char	   *column = NULL;

				if (expr == NULL)
					return;
				j->what = named ? named : "ADD CHECK";
				check_violated(j, expr,
							   one_column_walker(con->raw_expr, &column) || column == NULL ?
							   InvalidAttrNumber : get_attnum(j->t.relid, column),
							   con->conname ? con->conname : "check");
				break;
			}
		case CONSTR_FOREIGN:
			if (con->skip_validation)
				return;
			j->what = named ? named : "ADD FOREIGN KEY";
			orphans_found(j, string_names(con->fk_attrs),
						  RangeVarGetRelid(con->pktable, NoLock, true),
						  string_names(con->pk_attrs), con->conname ? con->conname : "foreign key");
			break;
		case CONSTR_NOTNULL:
			if (con->skip_validation || list_length(con->keys) != 1)
				return;
			j->what = named ? named : "ADD NOT NULL";
			if (get_attnum(j->t.relid, strVal(linitial(con->keys))) > 0)
				nulls_found(j, get_attnum(j->t.relid, strVal(linitial(con->keys))));
			break;
		default:
			break;
	}
}

/* "a > 0" of pg_get_expr()'s "(a > 0)": the CHECK ( ) of the messages adds them back */
static char *
without_outer_parentheses(char *expr)
{
	int			len = strlen(expr);
	int			depth = 0;

	if (len < 2 || expr[0] != '(' || expr[len - 1] != ')')
		return expr;
	for (int i = 0; i < len - 1; i++)
	{
		if (expr[i] == '\'')
			return expr;		/* a literal: leave it whole */
		depth += expr[i] == '(' ? 1 : expr[i] == ')' ? -1 : 0;
		if (depth == 0)
			return expr;		/* "(a) AND (b)" */
	}
	return pnstrdup(expr + 1, len - 2);
}

/* VALIDATE CONSTRAINT of a CHECK: its expression, and its one column if it has one. */
static void
validated_check(Judged *j, HeapTuple tup, const char *name)
{
	bool		isnull;
	Datum		bin = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conbin, &isnull);
	Bitmapset  *attnos = NULL;
	char	   *expr;

	if (isnull)
		return;
	expr = without_outer_parentheses(TextDatumGetCString(DirectFunctionCall2(pg_get_expr, bin,
																			 ObjectIdGetDatum(j->t.relid))));
	pull_varattnos(stringToNode(TextDatumGetCString(bin)), 1, &attnos);
	check_violated(j, expr,
				   bms_num_members(attnos) == 1 ?
				   bms_singleton_member(attnos) + FirstLowInvalidHeapAttributeNumber :
				   InvalidAttrNumber, name);
}

/* VALIDATE CONSTRAINT of a CHECK, a foreign key or (18) a NOT NULL not yet valid. */
static void
validated_constraint(Judged *j, const char *name)
{
	Oid			conoid = get_relation_constraint_oid(j->t.relid, name, true);
	HeapTuple	tup;
	Form_pg_constraint con;
	bool		isnull;

	if (!OidIsValid(conoid) ||
		!HeapTupleIsValid(tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid))))
		return;
	con = (Form_pg_constraint) GETSTRUCT(tup);
	j->what = psprintf("VALIDATE CONSTRAINT \"%s\"", name);
	if (con->convalidated)
		;						/* nothing to validate */
	else if (con->contype == CONSTRAINT_CHECK)
		validated_check(j, tup, name);
	else if (con->contype == CONSTRAINT_FOREIGN)
	{
		Datum		keys = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conkey, &isnull);
		Datum		refkeys = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_confkey, &isnull);

		orphans_found(j, attnum_names(j->t.relid, keys), con->confrelid,
					  attnum_names(con->confrelid, refkeys), name);
	}
	else if (con->contype == CONV_CONSTRAINT_NOTNULL)
	{
		ArrayType  *keys = DatumGetArrayTypeP(SysCacheGetAttr(CONSTROID, tup,
															  Anum_pg_constraint_conkey, &isnull));

		nulls_found(j, ((int16 *) ARR_DATA_PTR(keys))[0]);
	}
	ReleaseSysCache(tup);
}

static void
altered_table(Judged *j, AlterTableStmt *stmt)
{
	ListCell   *lc;

	if (!conv_safety_table_named(stmt->relation, &j->t))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		j->only = !stmt->relation->inh;
		switch (cmd->subtype)
		{
			case AT_AddConstraint:
				if (IsA(cmd->def, Constraint))
					added_constraint(j, (Constraint *) cmd->def);
				break;
			case AT_SetNotNull:
				j->what = "SET NOT NULL";
				if (get_attnum(j->t.relid, cmd->name) > 0)
					nulls_found(j, get_attnum(j->t.relid, cmd->name));
				break;
			case AT_ValidateConstraint:
				validated_constraint(j, cmd->name);
				break;
			case AT_AlterColumnType:
				j->what = "ALTER COLUMN TYPE";
				cast_fails(j, cmd);
				break;
			default:
				break;
		}
	}
}

/*
 * will_fail: before CREATE UNIQUE INDEX and before ALTER TABLE's ADD
 * CONSTRAINT, SET NOT NULL, VALIDATE CONSTRAINT and ALTER COLUMN TYPE,
 * on any existing table: what its rows or statistics show.
 */
void
conv_rule_will_fail(const ConvStatementInfo *s, List **violations)
{
	Judged		j;

	memset(&j, 0, sizeof(j));
	j.s = s;
	j.violations = violations;
	if (IsA(s->stmt, IndexStmt))
		unique_index(&j, (IndexStmt *) s->stmt);
	else if (IsA(s->stmt, AlterTableStmt) &&
			 ((AlterTableStmt *) s->stmt)->objtype == OBJECT_TABLE)
		altered_table(&j, (AlterTableStmt *) s->stmt);
}
