/*-------------------------------------------------------------------------
 *
 * evidence.c
 *		What a table's rows and its column statistics show, read before a
 *		statement runs: for the will_fail rule, which says a statement will
 *		fail only when it has seen why.
 *
 * Rows are read by a query (SPI) in a subtransaction that is always rolled
 * back, so the locks it took and the settings it changed are gone when it
 * ends: all of a table whose rows are at most
 * pg_conventions.evidence_sample_rows, else a TABLESAMPLE SYSTEM sample of
 * about that many rows (REPEATABLE, the same pages each time).  The table
 * is locked only when its ACCESS SHARE lock is free at once, and the
 * query is cancelled after pg_conventions.evidence_timeout: when the
 * evidence cannot be read at once, nothing is said.  A cancel that is not
 * ours (the user's, statement_timeout) goes on as the error it is.
 *
 * Statistics are pg_stats, trusted only when pg_stat_all_tables says fewer
 * rows have changed since the last ANALYZE than the rows they are about
 * (with this backend's changes not yet counted there, pg_stat_xact_*: a
 * backfill earlier in the migration);
 * on a production twin (table_size_source = statistics) the snapshot of
 * production's pg_stats (conventions.twin_columns), there being no rows.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "storage/lmgr.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/timeout.h"

int			conv_evidence_sample_rows = 10000;
int			conv_evidence_timeout_ms = 200;

static TimeoutId evidence_timeout = MAX_TIMEOUTS;
static volatile sig_atomic_t evidence_timed_out = false;

/* Our timeout: a cancel, told apart from others by evidence_timed_out. */
static void
evidence_timeout_handler(void)
{
	evidence_timed_out = true;
	QueryCancelPending = true;
	InterruptPending = true;
	SetLatch(MyLatch);
}

typedef struct Bounded
{
	void		(*fn) (void *);
	void	   *arg;
} Bounded;

/* Inside the subtransaction, undone with it: silent, and timed. */
static void
bounded_read(void *arg)
{
	Bounded    *b = arg;

	/* what the read says (a NOTICE of a function it calls) is not the client's */
	(void) set_config_option("client_min_messages", "error", PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	if (conv_evidence_timeout_ms > 0)
		enable_timeout_after(evidence_timeout, conv_evidence_timeout_ms);
	b->fn(b->arg);
	disable_timeout(evidence_timeout, false);
}

/*
 * Run fn(arg) in a subtransaction rolled back whatever happens, for at most
 * evidence_timeout.  NULL when it ran to its end; else its error (copied
 * into the caller's memory context).  Someone else's cancel is raised
 * again, after the rollback.
 */
static ErrorData *
run_bounded(void (*fn) (void *), void *arg)
{
	Bounded		b = {fn, arg};
	ErrorData  *edata;

	if (evidence_timeout == MAX_TIMEOUTS)
		evidence_timeout = RegisterTimeout(USER_TIMEOUT, evidence_timeout_handler);
	evidence_timed_out = false;
	edata = conv_subtransaction(bounded_read, &b, false);
	disable_timeout(evidence_timeout, false);
	if (edata == NULL && evidence_timed_out)
		QueryCancelPending = false; /* ours, too late to matter */
	if (edata != NULL && edata->sqlerrcode == ERRCODE_QUERY_CANCELED && !evidence_timed_out)
		ReThrowError(edata);
	return edata;
}

/* ACCESS SHARE on the relation only if it is free now; an ERROR otherwise. */
static void
lock_at_once(Oid relid)
{
	if (OidIsValid(relid) && !ConditionalLockRelationOid(relid, AccessShareLock))
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("relation %u is locked", relid)));
}

/*
 * Where the rows come from: all of them when the table has at most
 * evidence_sample_rows, else a sample of about that many; only the table's
 * own, not its inheritance children's, if only.  False when no row can be
 * read: a twin has none, evidence_sample_rows = 0 reads none.
 */
bool
conv_evidence_scope(const ConvSafetyTable *t, bool only, const char *alias, ConvRowScope *out)
{
	const char *name = only ? psprintf("ONLY %s", t->sql_name) : t->sql_name;

	if (conv_evidence_sample_rows <= 0 || t->origin == CONV_FIGURES_SNAPSHOT)
		return false;
	/* rows are a guess for a table never vacuumed or analyzed: good enough here */
	out->exact = t->rows <= conv_evidence_sample_rows;
	out->percent = 100;
	if (out->exact)
		out->from_sql = psprintf("%s AS %s", name, alias);
	else
	{
		out->percent = 100.0 * conv_evidence_sample_rows / t->rows;
		out->from_sql = psprintf("%s AS %s TABLESAMPLE SYSTEM (%.4g) REPEATABLE (0)",
								 name, alias, out->percent);
	}
	return true;
}

/*
 * "reading all 12 rows of "app.users"", "a sample of 1,000 rows (TABLESAMPLE
 * SYSTEM, 1 % of its pages)"; rows_read < 0: not counted.
 */
char *
conv_evidence_scope_text(const ConvSafetyTable *t, const ConvRowScope *scope,
						 double rows_read)
{
	if (rows_read < 0)
		return scope->exact ? psprintf("reading all of \"%s\"", t->display_name) :
			psprintf("a sample (TABLESAMPLE SYSTEM, %.2g %% of its pages)", scope->percent);
	if (scope->exact)
		return psprintf("reading all %s %s of \"%s\"", conv_thousands(rows_read),
						rows_read == 1 ? "row" : "rows", t->display_name);
	return psprintf("a sample of %s %s (TABLESAMPLE SYSTEM, %.2g %% of its pages)",
					conv_thousands(rows_read), rows_read == 1 ? "row" : "rows",
					scope->percent);
}

typedef struct QueryProbe
{
	const char *sql;
	Oid			relid;
	Oid			other_relid;
	int			limit;
	MemoryContext cxt;
	List	   *rows;			/* char ** each, NULL for a null */
} QueryProbe;

/*
 * A function whose effects would outlive the rolled-back read and happen
 * twice (once here, once in PostgreSQL's own scan): a volatile one of the
 * user's or an extension's (a CHECK or USING expression that calls it,
 * against PostgreSQL's advice), or a built-in one that acts outside the
 * transaction.  Built-in volatile functions that only read (the statistics
 * counters this file asks) are fine.
 */
static bool
has_effects_checker(Oid funcid, void *context)
{
	char	   *name;

	if (func_volatile(funcid) != PROVOLATILE_VOLATILE)
		return false;
	if (funcid >= FirstNormalObjectId)
		return true;
	name = get_func_name(funcid);
	return name != NULL && (strcmp(name, "nextval") == 0 || strcmp(name, "setval") == 0 ||
							strcmp(name, "pg_notify") == 0);
}

static bool
has_effects_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, has_effects_checker, context))
		return true;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, has_effects_walker, context, 0);
	return expression_tree_walker(node, has_effects_walker, context);
}

/* Such a query is not run: an ERROR, so no verdict. */
static void
refuse_effects(SPIPlanPtr plan)
{
	ListCell   *lc;

	foreach(lc, SPI_plan_get_plan_sources(plan))
	{
		CachedPlanSource *source = lfirst(lc);

		if (has_effects_walker((Node *) source->query_list, NULL))
			elog(ERROR, "the expression calls a function whose effects would happen twice");
	}
}

static void
query_probe(void *arg)
{
	QueryProbe *p = arg;
	SPIPlanPtr	plan;

	lock_at_once(p->relid);
	lock_at_once(p->other_relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(p->sql, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "evidence query failed: %s", p->sql);
	refuse_effects(plan);
	if (SPI_execute_plan(plan, NULL, NULL, false, p->limit) != SPI_OK_SELECT)
		elog(ERROR, "evidence query failed: %s", p->sql);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	  **row = MemoryContextAlloc(p->cxt, sizeof(char *) * desc->natts);
		MemoryContext old;

		for (int c = 0; c < desc->natts; c++)
		{
			char	   *value = SPI_getvalue(SPI_tuptable->vals[i], desc, c + 1);

			row[c] = value ? MemoryContextStrdup(p->cxt, value) : NULL;
		}
		old = MemoryContextSwitchTo(p->cxt);
		p->rows = lappend(p->rows, row);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
}

/*
 * The rows of a query (at most limit, 0: all) into *rows, their values as
 * text; false when it could not run at once or in time.  relid and
 * other_relid (or InvalidOid) are the tables it reads, locked only if they
 * are free.
 */
bool
conv_evidence_query(const char *sql, Oid relid, Oid other_relid, int limit, List **rows)
{
	QueryProbe	p = {sql, relid, other_relid, limit, CurrentMemoryContext, NIL};
	ErrorData  *edata = run_bounded(query_probe, &p);

	*rows = p.rows;
	return edata == NULL;
}

/* ---- column statistics ---- */

/* The statistics query: pg_stats with its age, or the twin's snapshot. */
static char *
stats_sql(const ConvSafetyTable *t, AttrNumber attnum, bool snapshot)
{
	char	   *column = quote_literal_cstr(get_attname(t->relid, attnum, false));
	const char *inherited = get_rel_relkind(t->relid) == RELKIND_PARTITIONED_TABLE ? "true" : "false";

	if (snapshot)
		return psprintf("SELECT c.null_frac, v.val, v.freq, "
						"to_char(s.taken_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'), NULL, NULL "
						"FROM conventions.twin_columns c CROSS JOIN conventions.twin_source s "
						"LEFT JOIN LATERAL unnest(c.most_common_vals::text[], c.most_common_freqs) AS v(val, freq) ON true "
						"WHERE c.schema_name = %s AND c.table_name = %s AND c.column_name = %s AND c.inherited = %s",
						quote_literal_cstr(t->nspname), quote_literal_cstr(t->relname), column, inherited);
	return psprintf("SELECT s.null_frac, v.val, v.freq, "
					"to_char(greatest(a.last_analyze, a.last_autoanalyze) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"'), "
					"a.n_mod_since_analyze + x.n_tup_ins + x.n_tup_upd + x.n_tup_del, c.reltuples "
					"FROM pg_catalog.pg_stats s JOIN pg_catalog.pg_stat_all_tables a ON a.relid = %u "
					"JOIN pg_catalog.pg_stat_xact_all_tables x ON x.relid = a.relid "
					"JOIN pg_catalog.pg_class c ON c.oid = %u "
					"LEFT JOIN LATERAL unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS v(val, freq) ON true "
					"WHERE s.schemaname = %s AND s.tablename = %s AND s.attname = %s AND s.inherited = %s",
					t->relid, t->relid, quote_literal_cstr(t->nspname),
					quote_literal_cstr(t->relname), column, inherited);
}

/*
 * One column's statistics: on a twin the snapshot's (its rows production's,
 * as the table's facts have them), else pg_stats.  False when there are
 * none, or pg_stats has no date (the statistics' age is unknown).
 */
bool
conv_column_stats(const ConvSafetyTable *t, AttrNumber attnum, ConvColumnStats *out)
{
	bool		snapshot = t->origin == CONV_FIGURES_SNAPSHOT;
	List	   *rows;
	char	  **first;
	ListCell   *lc;

	memset(out, 0, sizeof(*out));
	/* a partitioned table's own counters do not count its partitions' changes */
	if (!snapshot && get_rel_relkind(t->relid) == RELKIND_PARTITIONED_TABLE)
		return false;
	if (!conv_evidence_query(stats_sql(t, attnum, snapshot), InvalidOid, InvalidOid, 0, &rows) ||
		rows == NIL)
		return false;
	first = linitial(rows);
	if (first[0] == NULL || first[3] == NULL || (!snapshot && (first[4] == NULL || first[5] == NULL)))
		return false;
	out->snapshot = snapshot;
	out->null_frac = strtod(first[0], NULL);
	out->taken = first[3];
	out->n_mod = snapshot ? -1 : strtod(first[4], NULL);
	out->reltuples = snapshot ? t->rows : strtod(first[5], NULL);
	out->mcv = palloc(sizeof(char *) * list_length(rows));
	out->freqs = palloc(sizeof(double) * list_length(rows));
	foreach(lc, rows)
	{
		char	  **row = lfirst(lc);

		if (row[1] == NULL || row[2] == NULL)
			continue;
		out->mcv[out->nmcv] = row[1];
		out->freqs[out->nmcv++] = strtod(row[2], NULL);
	}
	return true;
}

/*
 * Do the statistics still show at least rows_needed rows with a value of
 * this frequency?  The rows they imply, less every row changed since, must
 * be that many; a snapshot of production is taken as it stands.
 */
bool
conv_stats_trusted(const ConvColumnStats *cs, double frac, double rows_needed)
{
	double		implied = frac * cs->reltuples;

	if (frac <= 0 || cs->reltuples <= 0)
		return false;
	if (cs->snapshot)
		return implied >= rows_needed;
	return cs->n_mod >= 0 && implied - cs->n_mod >= rows_needed;
}

/* "pg_stats (ANALYZE of ..., 3 rows changed since)" */
char *
conv_stats_source_text(const ConvColumnStats *cs)
{
	if (cs->snapshot)
		return psprintf("production's statistics snapshot (taken %s; a twin has no rows to read)",
						cs->taken);
	return psprintf("pg_stats (ANALYZE of %s; %s %s changed since)", cs->taken,
					conv_thousands(cs->n_mod), cs->n_mod == 1 ? "row" : "rows");
}

/* "3.1 %", "0.02 %" */
char *
conv_percent_text(double frac)
{
	return psprintf("%.2g %%", frac * 100);
}

/* ---- a type change's cast, value by value ---- */

typedef struct CastProbe
{
	const ConvSafetyTable *t;
	Node	   *using_expr;		/* raw USING expression, or NULL */
	AttrNumber	attnum;
	Oid			typid;
	int32		typmod;
	const char *rows_sql;		/* FROM item, or NULL: the column's MCVs */
	const char *mcv_array;		/* text[] literal of the MCVs */
	MemoryContext cxt;
	int			nkeys;			/* columns the expression reads */
	AttrNumber *keys;
	HeapTuple	failed;			/* the row being cast when it failed */
	TupleDesc	failed_desc;
	double		read;			/* rows the query returned */
} CastProbe;

/* Vars of the table to Vars of the query's columns (keys, in order). */
static Node *
vars_to_keys(Node *node, CastProbe *p)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) copyObject(node);

		for (int i = 0; i < p->nkeys; i++)
			if (p->keys[i] == var->varattno)
				var->varattno = i + 1;
		return (Node *) var;
	}
	return expression_tree_mutator(node, vars_to_keys, p);
}

/*
 * The value the statement writes: its USING expression (or the column),
 * coerced to the new type as ALTER COLUMN TYPE coerces it (assignment).
 * NULL when there is no such coercion: PostgreSQL fails at once then.
 */
static Expr *
cast_expression(CastProbe *p, Relation rel)
{
	ParseState *pstate = make_parsestate(NULL);
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), p->attnum - 1);
	Node	   *expr;

	if (p->using_expr != NULL)
	{
		ParseNamespaceItem *item = addRangeTableEntryForRelation(pstate, rel, AccessShareLock,
																 NULL, false, true);

		addNSItemToQuery(pstate, item, false, true, true);
		expr = transformExpr(pstate, copyObject(p->using_expr), EXPR_KIND_ALTER_COL_TRANSFORM);
	}
	else
		expr = (Node *) makeVar(1, p->attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
	expr = coerce_to_target_type(pstate, expr, exprType(expr), p->typid, p->typmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
		return NULL;
	assign_expr_collations(pstate, expr);
	if (has_effects_walker(expr, NULL))
		return NULL;			/* its effects would happen twice */
	return expression_planner((Expr *) expr);
}

/* The columns the expression reads; false when it reads a system column. */
static bool
cast_keys(CastProbe *p, Expr *expr)
{
	Bitmapset  *attnos = NULL;
	int			x = -1;

	pull_varattnos((Node *) expr, 1, &attnos);
	p->keys = palloc(sizeof(AttrNumber) * (bms_num_members(attnos) + 1));
	while ((x = bms_next_member(attnos, x)) >= 0)
	{
		AttrNumber	attno = x + FirstLowInvalidHeapAttributeNumber;

		if (attno <= 0)
			return false;
		p->keys[p->nkeys++] = attno;
	}
	return true;
}

/* The query of the values to cast: the table's rows, or the MCVs. */
static char *
cast_rows_sql(CastProbe *p)
{
	StringInfoData sql;

	initStringInfo(&sql);
	if (p->rows_sql == NULL)
	{
		Oid			typid;
		int32		typmod;
		Oid			collid;

		if (p->nkeys != 1 || p->keys[0] != p->attnum)
			return NULL;
		get_atttypetypmodcoll(p->t->relid, p->attnum, &typid, &typmod, &collid);
		appendStringInfo(&sql, "SELECT v::%s FROM unnest(%s::text[]) AS v",
						 format_type_with_typemod(typid, typmod),
						 quote_literal_cstr(p->mcv_array));
		return sql.data;
	}
	appendStringInfoString(&sql, "SELECT ");
	for (int i = 0; i < p->nkeys; i++)
		appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(get_attname(p->t->relid, p->keys[i], false)));
	if (p->nkeys == 0)
		appendStringInfoString(&sql, "NULL");
	appendStringInfo(&sql, " FROM %s", p->rows_sql);
	return sql.data;
}

/* Evaluates the cast on each row; the row it fails on is kept. */
static void
cast_probe(void *arg)
{
	CastProbe  *p = arg;
	Relation	rel;
	Expr	   *expr;
	char	   *sql;
	ExprState  *state;
	ExprContext *econtext;
	TupleTableSlot *slot;
	volatile uint64 i = 0;

	lock_at_once(p->t->relid);
	rel = table_open(p->t->relid, NoLock);
	expr = cast_expression(p, rel);
	table_close(rel, NoLock);
	/* no cast (PostgreSQL fails at once), or one that cannot fail */
	if (expr == NULL ||
		(p->using_expr == NULL &&
		 (IsA(expr, Var) || (IsA(expr, RelabelType) && IsA(((RelabelType *) expr)->arg, Var)))))
		return;
	if (!cast_keys(p, expr) || (sql = cast_rows_sql(p)) == NULL)
		return;
	expr = (Expr *) vars_to_keys((Node *) expr, p);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "evidence query failed: %s", sql);
	p->read = SPI_processed;
	state = ExecInitExpr(expr, NULL);
	econtext = CreateStandaloneExprContext();
	slot = MakeSingleTupleTableSlot(SPI_tuptable->tupdesc, &TTSOpsHeapTuple);
	PG_TRY();
	{
		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;

			ExecStoreHeapTuple(SPI_tuptable->vals[i], slot, false);
			econtext->ecxt_scantuple = slot;
			(void) ExecEvalExprSwitchContext(state, econtext, &isnull);
			ResetExprContext(econtext);
		}
	}
	PG_CATCH();
	{
		MemoryContext old = MemoryContextSwitchTo(p->cxt);

		p->failed = heap_copytuple(SPI_tuptable->vals[i]);
		p->failed_desc = CreateTupleDescCopy(SPI_tuptable->tupdesc);
		MemoryContextSwitchTo(old);
		PG_RE_THROW();
	}
	PG_END_TRY();
	SPI_finish();
}

/*
 * The first value ALTER COLUMN ... TYPE cannot cast: in the rows of
 * rows_sql (a FROM item), or when it is NULL in the most common values of
 * *cs.  NULL when every value casts (*read: how many were cast), or the
 * check could not run (*read < 0); only a data error is a failure (a value
 * out of range, of the wrong form, too long, rejected by a domain).
 */
ConvCastFailure *
conv_cast_failure(const ConvSafetyTable *t, Node *using_expr, AttrNumber attnum,
				  Oid typid, int32 typmod, const char *rows_sql,
				  const ConvColumnStats *cs, double *read)
{
	CastProbe	p;
	ErrorData  *edata;
	ConvCastFailure *f;

	*read = -1;
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.using_expr = using_expr;
	p.attnum = attnum;
	p.typid = typid;
	p.typmod = typmod;
	p.rows_sql = rows_sql;
	p.cxt = CurrentMemoryContext;
	if (rows_sql == NULL)
	{
		ArrayBuildState *values = NULL;
		Oid			out;
		bool		varlena;

		if (cs->nmcv == 0)
			return NULL;
		for (int i = 0; i < cs->nmcv; i++)
			values = accumArrayResult(values, CStringGetTextDatum(cs->mcv[i]), false,
									  TEXTOID, CurrentMemoryContext);
		getTypeOutputInfo(TEXTARRAYOID, &out, &varlena);
		p.mcv_array = OidOutputFunctionCall(out, makeArrayResult(values, CurrentMemoryContext));
	}
	edata = run_bounded(cast_probe, &p);
	if (edata == NULL)
		*read = p.read;
	if (edata == NULL || p.failed == NULL ||
		(ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION &&
		 ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION))
		return NULL;
	f = palloc0(sizeof(ConvCastFailure));
	f->error = edata->message;
	f->nkeys = p.nkeys;
	f->keys = p.keys;
	f->values = palloc(sizeof(char *) * (p.nkeys + 1));
	for (int i = 0; i < p.nkeys; i++)
	{
		bool		isnull;
		Datum		d = heap_getattr(p.failed, i + 1, p.failed_desc, &isnull);
		Oid			out;
		bool		varlena;

		getTypeOutputInfo(TupleDescAttr(p.failed_desc, i)->atttypid, &out, &varlena);
		f->values[i] = isnull ? NULL : OidOutputFunctionCall(out, d);
	}
	return f;
}
