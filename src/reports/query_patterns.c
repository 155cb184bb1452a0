/*-------------------------------------------------------------------------
 *
 * query_patterns.c
 *		conventions.query_patterns(): the detector's findings (patterns.c)
 *		in this database, each with its evidence in one sentence and its fix:
 *		the SQL (the batched lookup, the keyset query and the index that
 *		serves it, the estimate) and a hint phrased for the profile.
 *
 * The fixes are rewrites of the normalized statement at its top-level
 * clauses (sqltext.c tokens), with the columns checked against the
 * catalog.  Where the statement is beyond such a rewrite (set operations,
 * GROUP BY, ORDER BY on expressions, OR in the filter), the fix SQL is
 * NULL and the hint says what to do.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/pg_am.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(conventions_query_patterns);

static const char *const pattern_names[] = {"n_plus_one", "deep_offset", "count_for_pagination"};

/* The normalized statement, as tokens. */
typedef struct Stmt
{
	const char *sql;
	ConvToken  *toks;
	int			n;
} Stmt;

/* A column reference of the finding's table in the statement. */
typedef struct ColRef
{
	char	   *qualifier;		/* "\"Post\"." as written, or "" */
	char	   *expr;			/* the reference as written */
	char	   *column;			/* the column's name */
	AttrNumber	attnum;
	bool		desc;			/* ORDER BY ... DESC */
} ColRef;

static char *
token_text(const Stmt *s, int i)
{
	return pnstrdup(s->sql + s->toks[i].start, s->toks[i].end - s->toks[i].start);
}

/* An identifier token's name: unquoted, or folded to lower case. */
static char *
ident_name(const Stmt *s, int i)
{
	char	   *text = token_text(s, i);

	if (text[0] == '"')
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (char *p = text + 1; *p && !(p[0] == '"' && p[1] != '"'); p++)
		{
			appendStringInfoChar(&buf, *p);
			if (p[0] == '"')
				p++;
		}
		return buf.data;
	}
	return downcase_identifier(text, strlen(text), false, false);
}

static bool
is_name(const ConvToken *t)
{
	return t->kind == CONV_TOK_IDENT || t->kind == CONV_TOK_KEYWORD;
}

/*
 * Is tokens [a, b) a reference to a column of relid: `col` or `alias.col`?
 * Fills *ref.
 */
static bool
column_ref(const Stmt *s, int a, int b, Oid relid, ColRef *ref)
{
	int			last = b - 1;

	/* a keyword may name a column too (name, type): the catalog decides */
	if (!(b - a == 1 && is_name(&s->toks[a])) &&
		!(b - a == 3 && is_name(&s->toks[a]) && s->toks[a + 1].tok == '.' &&
		  is_name(&s->toks[a + 2])))
		return false;
	memset(ref, 0, sizeof(*ref));
	ref->column = ident_name(s, last);
	ref->attnum = get_attnum(relid, ref->column);
	if (ref->attnum <= 0)
		return false;
	ref->qualifier = pnstrdup(s->sql + s->toks[a].start, s->toks[last].start - s->toks[a].start);
	ref->expr = pnstrdup(s->sql + s->toks[a].start, s->toks[last].end - s->toks[a].start);
	return true;
}

/* The index of the first top-level token at or after `from` that is one of the keywords, or n. */
static int
next_clause(const Stmt *s, int from, const char *const *keywords)
{
	for (int i = from; i < s->n; i++)
	{
		if (s->toks[i].depth != 0)
			continue;
		for (const char *const *k = keywords; *k; k++)
			if (conv_token_is(&s->toks[i], *k))
				return i;
	}
	return s->n;
}

static const char *const after_where[] = {"group", "having", "window", "order", "limit", "offset",
"fetch", "for", NULL};
static const char *const after_order[] = {"limit", "offset", "fetch", "for", NULL};
static const char *const set_operations[] = {"union", "intersect", "except", "group", "having",
"window", NULL};

/* The first top-level WHERE of the outer SELECT, or -1. */
static int
where_clause(const Stmt *s)
{
	static const char *const where[] = {"where", NULL};
	int			i = next_clause(s, 0, where);

	return i < s->n ? i : -1;
}

/*
 * The conjuncts of the WHERE clause that keep rows of the table by a
 * column: `col = <value>` into eq, `col IS [NOT] NULL` into nulls (as SQL
 * for an index predicate).  Nothing when the clause has an OR.
 */
static void
where_filters(const Stmt *s, Oid relid, List **eq, List **nulls)
{
	int			w = where_clause(s);
	int			end;

	*eq = *nulls = NIL;
	if (w < 0)
		return;
	end = next_clause(s, w + 1, after_where);
	for (int i = w + 1; i < end; i++)
		if (conv_token_is(&s->toks[i], "or"))
			return;
	for (int i = w + 1; i < end; i++)
	{
		ColRef		ref;
		int			span = (i + 2 < end && s->toks[i + 1].tok == '.') ? 3 : 1;

		if (!column_ref(s, i, i + span, relid, &ref))
			continue;
		i += span - 1;
		if (i + 2 < end + 1 && s->toks[i + 1].tok == '=' &&
			(s->toks[i + 2].kind == CONV_TOK_PARAM || s->toks[i + 2].kind == CONV_TOK_CONST))
			*eq = lappend(*eq, ref.column);
		else if (i + 2 < end && conv_token_is(&s->toks[i + 1], "is") &&
				 conv_token_is(&s->toks[i + 2], "null"))
			*nulls = lappend(*nulls, psprintf("%s IS NULL", quote_identifier(ref.column)));
		else if (i + 3 < end && conv_token_is(&s->toks[i + 1], "is") &&
				 conv_token_is(&s->toks[i + 2], "not") && conv_token_is(&s->toks[i + 3], "null"))
			*nulls = lappend(*nulls, psprintf("%s IS NOT NULL", quote_identifier(ref.column)));
	}
}

/* ---- n_plus_one ---- */

/*
 * The `col = $k` of the statement that the loop varies: the column that is
 * a foreign key to the table the statement before the run read, else the
 * only such comparison.  The token index of $k, or -1.
 */
static int
looped_param(const Stmt *s, Oid relid, Oid source_relid, ColRef *out)
{
	int			found = -1;
	int			nfound = 0;
	ConvTable  *t = conv_table_load(relid);

	for (int i = 0; i + 2 < s->n; i++)
	{
		ColRef		ref;
		int			span = s->toks[i + 1].tok == '.' ? 3 : 1;
		ListCell   *lc;

		if (i + span + 1 >= s->n || !column_ref(s, i, i + span, relid, &ref) ||
			s->toks[i + span].tok != '=' || s->toks[i + span + 1].kind != CONV_TOK_PARAM)
			continue;
		foreach(lc, t ? t->foreign_keys : NIL)
		{
			ConvForeignKey *fk = lfirst(lc);

			if (fk->confrelid == source_relid && fk->nkeys == 1 && fk->conkey[0] == ref.attnum)
			{
				*out = ref;
				return i + span + 1;
			}
		}
		found = i + span + 1;
		*out = ref;
		nfound++;
	}
	return nfound == 1 ? found : -1;
}

static void
n_plus_one_fix(const ConvFinding *f, const Stmt *s, char **evidence, char **fix, char **hint)
{
	ColRef		ref;
	int			p = OidIsValid(f->relid) ? looped_param(s, f->relid, f->source_relid, &ref) : -1;
	char	   *table = OidIsValid(f->relid) ? get_rel_name(f->relid) : NULL;
	char	   *source = OidIsValid(f->source_relid) ? get_rel_name(f->source_relid) : NULL;

	*evidence = psprintf("%lld executions in a row with %s%lld distinct values%s, right after a query on %s that returned %lld rows%s",
						 (long long) f->longest,
						 f->distinct_values >= 64 ? "at least " : "",
						 (long long) f->distinct_values,
						 f->connections > 1 ? psprintf(", over %d connections", f->connections) : "",
						 source ? conv_relation_display_name(f->source_relid) : "a table since dropped",
						 (long long) f->source_rows,
						 f->occurrences > 1 ?
						 psprintf(" (%lld such runs)", (long long) f->occurrences) : "");
	if (p >= 0)
	{
		char	   *param = token_text(s, p);

		*fix = psprintf("-- every %s in one array as %s, one query for the whole loop\n%.*sANY(%s)%s",
						ref.column, param, s->toks[p].start, s->sql, param,
						s->sql + s->toks[p].end);
	}
	if (conv_profile == CONV_PROFILE_SEQUELIZE && table && source)
	{
		char	   *model = conv_model_name(table);

		*hint = psprintf("In Sequelize, load the %s with the %s in one query: %s.findAll({ include: [{ model: %s, as: \"%s\" }] }); or batch the lookups, as a DataLoader does: %s.findAll({ where: { %s: ids } }).",
						 table, source, conv_model_name(source), model,
						 conv_to_camel_case(table, false), model,
						 p >= 0 ? conv_to_camel_case(ref.column, false) : "id");
	}
	else
		*hint = psprintf("Fetch the rows of %s for all the rows of %s at once: join %s into the query on %s, or pass all the values in one array (= ANY($1)).",
						 table ? table : "the table", source ? source : "the first query",
						 table ? table : "the table", source ? source : "it");
}

/* ---- deep_offset ---- */

/*
 * An output column's name in the select list (`"created_at" AS "createdAt"`,
 * as Sequelize writes it, which its ORDER BY then names): the column it is.
 */
static bool
output_column(const Stmt *s, const char *alias, Oid relid, ColRef *ref)
{
	static const char *const from[] = {"from", NULL};
	int			end = next_clause(s, 0, from);
	int			item = 1;

	if (s->n == 0 || !conv_token_is(&s->toks[0], "select"))
		return false;
	for (int i = 1; i <= end; i++)
	{
		int			e = i;

		if (i < end && !(s->toks[i].tok == ',' && s->toks[i].depth == 0))
			continue;
		/* item is [item, i): <column> [AS] <alias> */
		if (e - item >= 2 && s->toks[e - 1].kind != CONV_TOK_OTHER &&
			strcmp(ident_name(s, e - 1), alias) == 0)
		{
			int			c = conv_token_is(&s->toks[e - 2], "as") ? e - 2 : e - 1;

			if (column_ref(s, item, c, relid, ref))
				return true;
		}
		item = i + 1;
	}
	return false;
}

/* The ORDER BY of the statement, as column references of relid; NIL when not all are. */
static List *
order_columns(const Stmt *s, Oid relid, int *order_at, int *order_end)
{
	static const char *const order[] = {"order", NULL};
	int			o = next_clause(s, 0, order);
	int			end;
	int			item;
	List	   *cols = NIL;

	if (o >= s->n - 2 || !conv_token_is(&s->toks[o + 1], "by"))
		return NIL;
	end = next_clause(s, o + 2, after_order);
	*order_at = o;
	*order_end = end;
	item = o + 2;
	for (int i = o + 2; i <= end; i++)
	{
		ColRef	   *ref;
		int			expr_end = i;

		if (i < end && !(s->toks[i].tok == ',' && s->toks[i].depth == 0))
			continue;
		/* item is [item, i): expression, then ASC or DESC */
		ref = palloc(sizeof(ColRef));
		if (expr_end > item && (conv_token_is(&s->toks[expr_end - 1], "asc") ||
								conv_token_is(&s->toks[expr_end - 1], "desc")))
			expr_end--;
		if (!column_ref(s, item, expr_end, relid, ref) &&
			!(expr_end == item + 1 && is_name(&s->toks[item]) &&
			  output_column(s, ident_name(s, item), relid, ref)))
			return NIL;			/* an expression, NULLS FIRST, USING: beyond a rewrite */
		ref->desc = expr_end < i && conv_token_is(&s->toks[expr_end], "desc");
		cols = lappend(cols, ref);
		item = i + 1;
	}
	return cols;
}

/* Does an index that makes rows unique have all its columns among cols? */
static bool
order_is_unique(ConvTable *t, List *cols)
{
	ListCell   *lc;

	foreach(lc, conv_table_indexes(t))
	{
		ConvIndex  *ix = lfirst(lc);
		bool		all = ix->isunique && ix->usable && ix->predicate == NIL;

		for (int k = 0; all && k < ix->nkeyatts; k++)
		{
			ListCell   *c;
			bool		in = false;

			foreach(c, cols)
				in |= ix->keys[k] == ((ColRef *) lfirst(c))->attnum;
			all = in;
		}
		if (all)
			return true;
	}
	return false;
}

/* The keyset condition: (a, b) < ($n, $m), or the OR chain for mixed directions. */
static char *
keyset_condition(List *cols, int first_param)
{
	StringInfoData buf;
	bool		mixed = false;
	ListCell   *lc;
	int			i = 0;

	foreach(lc, cols)
		mixed |= ((ColRef *) lfirst(lc))->desc != ((ColRef *) linitial(cols))->desc;
	initStringInfo(&buf);
	if (!mixed)
	{
		appendStringInfoString(&buf, list_length(cols) > 1 ? "(" : "");
		foreach(lc, cols)
			appendStringInfo(&buf, "%s%s", i++ ? ", " : "", ((ColRef *) lfirst(lc))->expr);
		appendStringInfo(&buf, "%s %s %s", list_length(cols) > 1 ? ")" : "",
						 ((ColRef *) linitial(cols))->desc ? "<" : ">",
						 list_length(cols) > 1 ? "(" : "");
		for (i = 0; i < list_length(cols); i++)
			appendStringInfo(&buf, "%s$%d", i ? ", " : "", first_param + i);
		appendStringInfoString(&buf, list_length(cols) > 1 ? ")" : "");
		return buf.data;
	}
	appendStringInfoChar(&buf, '(');
	for (i = 0; i < list_length(cols); i++)
	{
		appendStringInfoString(&buf, i ? " OR (" : "(");
		for (int j = 0; j < i; j++)
			appendStringInfo(&buf, "%s = $%d AND ", ((ColRef *) list_nth(cols, j))->expr,
							 first_param + j);
		appendStringInfo(&buf, "%s %s $%d)", ((ColRef *) list_nth(cols, i))->expr,
						 ((ColRef *) list_nth(cols, i))->desc ? "<" : ">", first_param + i);
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* The index for the keyset query: the equality columns, then the order; NULL if one serves it. */
static char *
keyset_index(ConvTable *t, List *eq, List *cols, List *nulls)
{
	StringInfoData buf;
	ListCell   *lc;
	int			ncols = list_length(eq) + list_length(cols);
	const char **names = palloc(ncols * sizeof(char *));
	AttrNumber *attnums = palloc(ncols * sizeof(AttrNumber));
	int			i = 0;
	bool		all_desc = true;

	foreach(lc, eq)
	{
		names[i] = lfirst(lc);
		attnums[i++] = get_attnum(t->relid, lfirst(lc));
	}
	foreach(lc, cols)
	{
		names[i] = ((ColRef *) lfirst(lc))->column;
		attnums[i++] = ((ColRef *) lfirst(lc))->attnum;
		all_desc &= ((ColRef *) lfirst(lc))->desc;
	}
	/* an index with these leading columns (equality ones in any order) serves it */
	foreach(lc, conv_table_indexes(t))
	{
		ConvIndex  *ix = lfirst(lc);
		bool		serves = ix->relam == BTREE_AM_OID && ix->usable && ix->nkeyatts >= ncols;

		for (int k = 0; serves && k < ncols; k++)
		{
			if (k < list_length(eq))
			{
				bool		in = false;

				for (int j = 0; j < list_length(eq); j++)
					in |= ix->keys[k] == attnums[j];
				serves = in;
			}
			else
				serves = ix->keys[k] == attnums[k];
		}
		if (serves)
			return NULL;
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE INDEX CONCURRENTLY %s ON %s (",
					 quote_identifier(conv_choose_index_name(t->nspid, t->relname, ncols, names,
															 InvalidOid, NULL, NULL)),
					 t->sql_name);
	for (i = 0; i < ncols; i++)
	{
		/* all descending: the index read backwards serves; mixed: spelled out */
		bool		desc = i >= list_length(eq) && !all_desc &&
			((ColRef *) list_nth(cols, i - list_length(eq)))->desc;

		appendStringInfo(&buf, "%s%s%s", i ? ", " : "", quote_identifier(names[i]),
						 desc ? " DESC" : "");
	}
	appendStringInfoChar(&buf, ')');
	i = 0;
	foreach(lc, nulls)
		appendStringInfo(&buf, "%s%s", i++ ? " AND " : " WHERE ", (char *) lfirst(lc));
	appendStringInfoChar(&buf, ';');
	return buf.data;
}

/* A piece of the statement to replace: [start, end) by text. */
typedef struct Edit
{
	int			start;
	int			end;
	char	   *text;
} Edit;

static int
edit_cmp(const ListCell *a, const ListCell *b)
{
	return ((Edit *) lfirst(a))->start - ((Edit *) lfirst(b))->start;
}

static List *
add_edit(List *edits, int start, int end, char *text)
{
	Edit	   *e = palloc(sizeof(Edit));

	e->start = start;
	e->end = end;
	e->text = text;
	return lappend(edits, e);
}

static char *
apply_edits(const char *sql, List *edits)
{
	StringInfoData buf;
	ListCell   *lc;
	int			copied = 0;

	list_sort(edits, edit_cmp);
	initStringInfo(&buf);
	foreach(lc, edits)
	{
		Edit	   *e = lfirst(lc);

		appendBinaryStringInfo(&buf, sql + copied, e->start - copied);
		appendStringInfoString(&buf, e->text);
		copied = e->end;
	}
	appendStringInfoString(&buf, sql + copied);
	return buf.data;
}

/*
 * The statement paginated by key: the keyset condition added to WHERE, the
 * ORDER BY made unique with the primary key, OFFSET gone.  NULL when the
 * statement is beyond that rewrite.  *keys gets the keyset columns.
 */
static char *
keyset_query(const Stmt *s, ConvTable *t, List **keys, int *first_param)
{
	static const char *const offset[] = {"offset", NULL};
	static const char *const after_offset[] = {"limit", "fetch", "for", NULL};
	List	   *cols;
	List	   *edits = NIL;
	int			order_at,
				order_end,
				w,
				o,
				oend;
	int			maxparam = 0;
	ColRef	   *last;
	StringInfoData items;

	if (next_clause(s, 0, set_operations) < s->n)
		return NULL;
	cols = order_columns(s, t->relid, &order_at, &order_end);
	o = next_clause(s, 0, offset);
	if (cols == NIL || o >= s->n - 1 || o < order_at)
		return NULL;
	oend = next_clause(s, o + 1, after_offset);
	last = llast(cols);
	initStringInfo(&items);
	appendBinaryStringInfo(&items, s->sql + s->toks[order_at + 2].start,
						   s->toks[order_end - 1].end - s->toks[order_at + 2].start);
	if (!order_is_unique(t, cols))
	{
		/* the primary key breaks ties, or a page could skip or repeat rows */
		if (t->pk_nkeys == 0)
			return NULL;
		for (int k = 0; k < t->pk_nkeys; k++)
		{
			ColRef	   *pk = palloc0(sizeof(ColRef));

			pk->column = get_attname(t->relid, t->pk_keys[k], false);
			pk->attnum = t->pk_keys[k];
			pk->qualifier = last->qualifier;
			pk->expr = psprintf("%s%s", last->qualifier, quote_identifier(pk->column));
			pk->desc = last->desc;
			cols = lappend(cols, pk);
			appendStringInfo(&items, ", %s%s", pk->expr, pk->desc ? " DESC" : "");
		}
	}
	for (int i = 0; i < s->n; i++)
		maxparam = Max(maxparam, s->toks[i].param);
	/* the OFFSET's own parameter, when it is the last, is reused */
	*first_param = (oend == o + 2 && s->toks[o + 1].param == maxparam) ? maxparam : maxparam + 1;

	w = where_clause(s);
	if (w >= 0)
	{
		int			wend = next_clause(s, w + 1, after_where);

		edits = add_edit(edits, s->toks[w + 1].start, s->toks[wend - 1].end,
						 psprintf("%s AND (%.*s)", keyset_condition(cols, *first_param),
								  s->toks[wend - 1].end - s->toks[w + 1].start,
								  s->sql + s->toks[w + 1].start));
	}
	else
		edits = add_edit(edits, s->toks[order_at].start, s->toks[order_at].start,
						 psprintf("WHERE %s ", keyset_condition(cols, *first_param)));
	edits = add_edit(edits, s->toks[order_at + 2].start, s->toks[order_end - 1].end, items.data);
	edits = add_edit(edits, s->toks[o - 1].end, s->toks[oend - 1].end, "");
	*keys = cols;
	return apply_edits(s->sql, edits);
}

/* Sequelize's where and order for the keyset. */
static char *
sequelize_keyset(const char *model, List *keys, int64 limit)
{
	StringInfoData where;
	StringInfoData order;
	int			n = list_length(keys);

	initStringInfo(&where);
	initStringInfo(&order);
	for (int i = 0; i < n; i++)
	{
		ColRef	   *k = list_nth(keys, i);
		char	   *attr = conv_to_camel_case(k->column, false);

		appendStringInfo(&order, "%s[\"%s\", \"%s\"]", i ? ", " : "", attr, k->desc ? "DESC" : "ASC");
		appendStringInfoString(&where, n > 1 ? (i ? ", { " : "{ ") : "");
		for (int j = 0; j < i; j++)
		{
			char	   *prev = conv_to_camel_case(((ColRef *) list_nth(keys, j))->column, false);

			appendStringInfo(&where, "%s: last.%s, ", prev, prev);
		}
		appendStringInfo(&where, "%s: { [Op.%s]: last.%s }", attr, k->desc ? "lt" : "gt", attr);
		appendStringInfoString(&where, n > 1 ? " }" : "");
	}
	return psprintf("%s.findAll({ where: %s%s%s, order: [%s], limit: %s })", model,
					n > 1 ? "{ [Op.or]: [" : "{ ", where.data, n > 1 ? "] }" : " }", order.data,
					limit >= 0 ? psprintf("%lld", (long long) limit) : "limit");
}

static void
deep_offset_fix(const ConvFinding *f, const Stmt *s, char **evidence, char **fix, char **hint)
{
	ConvTable  *t = OidIsValid(f->relid) ? conv_table_load(f->relid) : NULL;
	List	   *keys = NIL;
	int			first_param = 0;
	char	   *keyset = t ? keyset_query(s, t, &keys, &first_param) : NULL;

	*evidence = psprintf("OFFSET %lld reads and throws away %lld rows for a page of %s%s",
						 (long long) f->max_offset, (long long) f->max_offset,
						 f->limit >= 0 ? psprintf("%lld", (long long) f->limit) : "all the rest",
						 f->executions > 1 ?
						 psprintf("; %lld executions skipped %d rows or more", (long long) f->executions,
								  conv_deep_offset_rows) : "");
	if (keyset)
	{
		StringInfoData cols;
		StringInfoData params;
		List	   *eq,
				   *nulls;
		char	   *index;
		ListCell   *lc;
		int			i = 0;

		initStringInfo(&cols);
		initStringInfo(&params);
		foreach(lc, keys)
		{
			appendStringInfo(&cols, "%s%s", i ? ", " : "", ((ColRef *) lfirst(lc))->column);
			appendStringInfo(&params, "%s$%d", i ? ", " : "", first_param + i);
			i++;
		}
		where_filters(s, f->relid, &eq, &nulls);
		index = keyset_index(t, eq, keys, nulls);
		*fix = psprintf("-- the next page: pass the %s of the last row of this page as %s\n%s;%s%s",
						cols.data, params.data, keyset, index ? "\n" : "", index ? index : "");
	}
	if (conv_profile == CONV_PROFILE_SEQUELIZE && t && keyset)
		*hint = psprintf("In Sequelize, paginate by key instead of offset: remember the last row of a page (last) and ask for the rows after it: %s.",
						 sequelize_keyset(conv_model_name(t->relname), keys, f->limit));
	else if (keyset)
		*hint = pstrdup("Paginate by key (\"no offset\"): ask for the rows after the last row of the previous page, in the order of the index; the page is then as fast at the end as at the start.");
	else
		*hint = pstrdup("Paginate by key (\"no offset\"): order by a unique set of columns, an index on them, and ask for the rows after the last row of the previous page.");
}

/* ---- count_for_pagination ---- */

static void
count_fix(const ConvFinding *f, const ConvSafetyTable *facts, char **evidence, char **fix,
		  char **hint)
{
	*evidence = psprintf("counts the rows of %s (%s) next to a query for one page of it (LIMIT %s OFFSET %lld)%s",
						 facts->display_name, conv_safety_size_text(facts),
						 f->limit >= 0 ? psprintf("%lld", (long long) f->limit) : "ALL",
						 (long long) f->max_offset,
						 f->occurrences > 1 ?
						 psprintf(", %lld times", (long long) f->occurrences) : "");
	*fix = psprintf("-- the planner's estimate of the table's rows, without reading it\nSELECT reltuples::bigint AS estimated_rows FROM pg_class WHERE oid = %s::regclass;",
					quote_literal_cstr(facts->sql_name));
	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		*hint = psprintf("In Sequelize, findAndCountAll() counts every matching row of %s for every page: use %s.findAll({ limit: limit + 1, ... }) and offer a next page when limit + 1 rows come back, or count once and cache the total.",
						 facts->relname, conv_model_name(facts->relname));
	else
		*hint = pstrdup("Do not count the whole table for every page: ask for one row more than the page holds to know whether a next page exists, or show the estimate.");
}

/* ---- the function ---- */

static int
finding_cmp(const ListCell *a, const ListCell *b)
{
	const ConvFinding *x = lfirst(a);
	const ConvFinding *y = lfirst(b);
	int			c;

	if (x->pattern != y->pattern)
		return x->pattern < y->pattern ? -1 : 1;
	if (x->executions != y->executions)
		return x->executions > y->executions ? -1 : 1;
	if ((c = strcmp(x->query, y->query)) != 0)
		return c;
	return strcmp(x->application, y->application);
}

static void
emit(ReturnSetInfo *rsinfo, ConvFinding *f)
{
	Datum		values[13];
	bool		nulls[13] = {false};
	char	   *evidence = NULL;
	char	   *fix = NULL;
	char	   *hint = NULL;
	ConvSafetyTable facts;
	Stmt		s;
	bool		exists = OidIsValid(f->relid) && get_rel_name(f->relid) != NULL;

	if (!exists)
		f->relid = InvalidOid;
	s.sql = f->query;
	s.toks = conv_sql_tokens(f->query, &s.n);
	switch (f->pattern)
	{
		case CONV_PATTERN_N_PLUS_ONE:
			n_plus_one_fix(f, &s, &evidence, &fix, &hint);
			break;
		case CONV_PATTERN_DEEP_OFFSET:
			deep_offset_fix(f, &s, &evidence, &fix, &hint);
			break;
		case CONV_PATTERN_COUNT_FOR_PAGINATION:
			/* only where the count costs: a large table */
			if (!exists || !conv_safety_table(f->relid, &facts) || !conv_safety_is_large(&facts))
				return;
			count_fix(f, &facts, &evidence, &fix, &hint);
			break;
	}
	values[0] = CStringGetTextDatum(pattern_names[f->pattern]);
	values[1] = CStringGetTextDatum(f->application);
	values[2] = CStringGetTextDatum(f->address);
	values[3] = ObjectIdGetDatum(f->userid);
	values[4] = ObjectIdGetDatum(f->relid);
	nulls[4] = !exists;
	values[5] = CStringGetTextDatum(f->query);
	values[6] = Int64GetDatum(f->occurrences);
	values[7] = Int64GetDatum(f->executions);
	values[8] = Int64GetDatum(f->rows);
	values[9] = Float8GetDatum(f->time_ms);
	values[10] = CStringGetTextDatum(evidence);
	values[11] = fix ? CStringGetTextDatum(fix) : (Datum) 0;
	nulls[11] = fix == NULL;
	values[12] = CStringGetTextDatum(hint);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * conventions.query_patterns(): one row per finding in this database that
 * the current role may see (its own statements, or all with
 * pg_read_all_stats).
 */
Datum
conventions_query_patterns(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *findings;
	ListCell   *lc;

	conv_workload_require();
	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	conv_safety_facts_begin();
	findings = conv_patterns_findings(MyDatabaseId, conv_workload_may_see);
	list_sort(findings, finding_cmp);
	foreach(lc, findings)
		emit(rsinfo, lfirst(lc));
	return (Datum) 0;
}
