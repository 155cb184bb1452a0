/*-------------------------------------------------------------------------
 *
 * advisor.c
 *		The index advisor's entry points: suggest_indexes(query text) and
 *		suggest_indexes() for the captured workload.
 *
 * A statement is parsed, analysed and planned, never executed.  The
 * workload is the capture's statements, each with its most frequent
 * parameter values, and pg_stat_statements' texts, weighted by their
 * executions.  Each becomes one or more items (advisor.h) that the other
 * files of this directory plan: discover.c, candidates.c, hypothetical.c
 * and search.c, in that order.
 *
 *-------------------------------------------------------------------------
 */
#include "advisor.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/namespace.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "rewrite/rewriteHandler.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"

PG_FUNCTION_INFO_V1(conventions_suggest_indexes);
PG_FUNCTION_INFO_V1(conventions_suggest_indexes_workload);
PG_FUNCTION_INFO_V1(conventions_suggest_indexes_within);

#define MAX_STATEMENTS 200		/* most frequent workload statements planned */

void
conv_advisor_init(void)
{
	adv_discover_init();
	adv_hypothetical_init();
}

/* ---- parsing ---- */

typedef struct ParseErrorContext
{
	const char *sql;
} ParseErrorContext;

/* Errors in the query point into it, not into the call. */
static void
query_error_callback(void *arg)
{
	ParseErrorContext *ctx = arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(ctx->sql);
	}
	errcontext("query given to conventions.suggest_indexes()");
}

/*
 * Parse, analyse and rewrite one SELECT, UPDATE or DELETE.  With types
 * given (a captured statement's parameters), they are the parameters'
 * types; otherwise they are inferred from the query.
 */
static List *
analyse_query(const char *sql, Oid *types, int ntypes)
{
	ErrorContextCallback errcb;
	ParseErrorContext ctx = {sql};
	List	   *raw;
	RawStmt    *stmt;
	Query	   *query;
	List	   *rewritten;
	List	   *result = NIL;
	ListCell   *lc;

	errcb.callback = query_error_callback;
	errcb.arg = &ctx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	raw = pg_parse_query(sql);
	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conventions.suggest_indexes() takes exactly one statement, not %d",
						list_length(raw))));
	stmt = linitial_node(RawStmt, raw);
	/* a prepared statement's query: psql's EXECUTE runs one under this text */
	if (IsA(stmt->stmt, PrepareStmt))
		stmt->stmt = ((PrepareStmt *) stmt->stmt)->query;
	if (!IsA(stmt->stmt, SelectStmt) && !IsA(stmt->stmt, UpdateStmt) &&
		!IsA(stmt->stmt, DeleteStmt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("conventions.suggest_indexes() does not take %s statements",
						CreateCommandName(stmt->stmt)),
				 errhint("Pass one SELECT, UPDATE or DELETE statement.")));
	if (types != NULL)
		query = CONV_PARSE_ANALYZE_FIXED(stmt, sql, types, ntypes);
	else
	{
		query = CONV_PARSE_ANALYZE_VAR(stmt, sql, &types, &ntypes);
		for (int i = 0; i < ntypes; i++)
			if (!OidIsValid(types[i]) || types[i] == UNKNOWNOID)
				ereport(ERROR,
						(errcode(ERRCODE_INDETERMINATE_DATATYPE),
						 errmsg("could not determine data type of parameter $%d", i + 1),
						 errhint("Cast the parameter, as in $%d::integer.", i + 1)));
	}
	if (query->commandType == CMD_UTILITY)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("conventions.suggest_indexes() does not take SELECT INTO statements"),
				 errhint("Pass one SELECT, UPDATE or DELETE statement.")));
	rewritten = pg_rewrite_query(query);
	foreach(lc, rewritten)
		if (lfirst_node(Query, lc)->commandType != CMD_UTILITY)
			result = lappend(result, lfirst(lc));
	error_context_stack = errcb.previous;
	return result;
}

/* ---- the workload ---- */

/* Parameter values from their text, as constants the planner may fold. */
static ParamListInfo
bind_params(int n, const Oid *types, char **values)
{
	ParamListInfo params = makeParamList(n);

	params->numParams = n;
	for (int i = 0; i < n; i++)
	{
		ParamExternData *prm = &params->params[i];

		prm->ptype = types[i];
		prm->pflags = PARAM_FLAG_CONST;
		prm->isnull = values[i] == NULL;
		if (!prm->isnull)
		{
			Oid			typinput;
			Oid			typioparam;

			getTypeInputInfo(types[i], &typinput, &typioparam);
			prm->value = OidInputFunctionCall(typinput, values[i], typioparam, -1);
		}
	}
	return params;
}

/*
 * The items of one workload statement: one per kept value set, weighted
 * by its share of the executions, and a generic plan for the rest.  Runs
 * under the search_path the statement ran with.
 */
static List *
statement_items(int stmt, ConvStatement *s, double executions)
{
	List	   *items = NIL;
	int			nestlevel = NewGUCNestLevel();
	bool		types_known = s->nparams > 0 && OidIsValid(s->paramtypes[0]);
	double		sampled = s->unbound;
	List	   *queries;

	if (s->search_path)
		(void) set_config_option("search_path", s->search_path, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	queries = analyse_query(s->query, types_known ? s->paramtypes : NULL,
							types_known ? s->nparams : 0);
	for (int i = 0; i < s->nsets; i++)
		sampled += s->set_calls[i];
	for (int i = 0; i <= s->nsets; i++)
	{
		WorkItem   *w;
		double		calls = i < s->nsets ? s->set_calls[i] : s->unbound;

		if (calls <= 0 && !(i == s->nsets && s->nsets == 0))
			continue;
		w = palloc0(sizeof(WorkItem));
		w->stmt = stmt;
		w->sql = s->query;
		w->queries = queries;
		w->weight = s->nsets == 0 ? executions : executions * calls / sampled;
		/* the rows the capture measured (its executions that ended) */
		w->actual_rows = s->total_ms > 0 && s->calls > s->failed ?
			(double) s->rows / (double) (s->calls - s->failed) : -1;
		w->actual_ms = s->total_ms > 0 && s->calls > 0 ? s->total_ms / (double) s->calls : -1;
		if (i < s->nsets && types_known)
			w->params = bind_params(s->nparams, s->paramtypes, s->set_values[i]);
		adv_discover_item(w);
		items = lappend(items, w);
	}
	AtEOXact_GUC(true, nestlevel);
	return items;
}

/* An INSERT or COPY statement of pg_stat_statements and the rows it wrote. */
typedef struct InsertText
{
	char	   *query;
	double		rows;
	List	   *inserts;		/* AdvInsert *, added to */
} InsertText;

/*
 * The INSERT and COPY texts of the workload's statements (from, as
 * workload_source() says), with their rows: what the workload writes
 * (search.c weighs each index's writes against what it saves).
 */
static List *
workload_inserts(const char *from, MemoryContext outer)
{
	List	   *result = NIL;

	if (SPI_execute(psprintf("SELECT query, rows FROM %s AND rows > 0 "
							 "AND query ~* '^\\s*(insert|copy)\\M'", from),
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the workload's statements");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(outer);
		InsertText *it = palloc0(sizeof(InsertText));

		it->query = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
													  1, &isnull));
		it->rows = (double) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														SPI_tuptable->tupdesc, 2, &isnull));
		result = lappend(result, it);
		MemoryContextSwitchTo(old);
	}
	return result;
}

/* The table an INSERT or COPY FROM writes to, with its rows added to it->inserts. */
static void
insert_target_call(void *arg)
{
	InsertText *it = arg;
	List	   *raw = raw_parser(it->query, RAW_PARSE_DEFAULT);
	RangeVar   *rv = NULL;
	Node	   *stmt;
	Oid			relid;
	ListCell   *lc;
	AdvInsert  *ins;

	if (list_length(raw) != 1)
		return;
	stmt = linitial_node(RawStmt, raw)->stmt;
	if (IsA(stmt, InsertStmt))
		rv = ((InsertStmt *) stmt)->relation;
	else if (IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->is_from)
		rv = ((CopyStmt *) stmt)->relation;
	if (rv == NULL || !OidIsValid(relid = RangeVarGetRelid(rv, NoLock, true)))
		return;
	foreach(lc, it->inserts)
	{
		ins = lfirst(lc);
		if (ins->relid == relid)
		{
			ins->rows += it->rows;
			return;
		}
	}
	ins = palloc(sizeof(AdvInsert));
	ins->relid = relid;
	ins->rows = it->rows;
	it->inserts = lappend(it->inserts, ins);
}

/*
 * Does this database hold a production twin's workload (conventions.
 * twin_statements with rows)?
 */
static bool
twin_workload_present(void)
{
	Oid			nsp = get_namespace_oid("conventions", true);
	bool		present;

	if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("twin_statements", nsp)))
		return false;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT 1 FROM conventions.twin_statements LIMIT 1", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read conventions.twin_statements");
	present = SPI_processed > 0;
	SPI_finish();
	return present;
}

/*
 * Where the statements of the workload are, as a FROM and WHERE clause
 * with columns userid, queryid, query, calls and rows; NULL when there are
 * none.  On a production twin, production's pg_stat_statements brought
 * by pg_conventions_twin (conventions.twin_statements: the twin's own
 * pg_stat_statements only knows the migrations rehearsed there); else this
 * database's in pg_stat_statements, when that extension is here.
 */
static char *
workload_source(bool *pgss)
{
	Oid			extoid;
	char	   *schema;

	*pgss = false;
	if (twin_workload_present())
		return pstrdup("(SELECT 0::pg_catalog.oid AS userid, coalesce(queryid, 0) AS queryid, "
					   "query, calls, rows FROM conventions.twin_statements) s WHERE true");
	extoid = get_extension_oid("pg_stat_statements", true);
	if (!OidIsValid(extoid))
		return NULL;
	if (SPI_execute(psprintf("SELECT extnamespace::regnamespace::text FROM pg_extension "
							 "WHERE oid = %u", extoid), true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not find the schema of pg_stat_statements");
	schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	*pgss = true;
	return psprintf("%s.pg_stat_statements WHERE dbid = %u "
					"AND query <> '<insufficient privilege>'", schema, MyDatabaseId);
}

/*
 * The workload's statement texts (workload_source()), and its INSERT and
 * COPY texts (*insert_texts).
 */
static List *
workload_texts(List **insert_texts)
{
	List	   *result = NIL;
	MemoryContext outer = CurrentMemoryContext;
	char	   *from;
	bool		pgss;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	from = workload_source(&pgss);
	if (from == NULL)
	{
		SPI_finish();
		return NIL;
	}
	if (SPI_execute(psprintf("SELECT userid, queryid, query, calls FROM %s%s "
							 "AND query ~* '^\\s*(select|with|update|delete)\\M' "
							 "ORDER BY calls DESC LIMIT %d", from, pgss ? " AND toplevel" : "",
							 MAX_STATEMENTS),
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the workload's statements");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(outer);
		ConvStatement *s = palloc0(sizeof(ConvStatement));

		s->userid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		s->queryid = (uint64) DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		s->query = TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull));
		s->calls = DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
		result = lappend(result, s);
		MemoryContextSwitchTo(old);
	}
	*insert_texts = workload_inserts(from, outer);
	SPI_finish();
	return result;
}

/*
 * Run fn(arg) in a subtransaction; on error, forget it and say so at
 * DEBUG1.  One statement of the workload that no longer parses (a dropped
 * table) or that this role may not read must not stop the others.
 */
static bool
try_subtransaction(void (*fn) (void *), void *arg, const char *what)
{
	char	   *message;

	if (conv_try_subtransaction(fn, arg, &message))
		return true;
	ereport(DEBUG1,
			(errmsg_internal("suggest_indexes() leaves out %s: %s", what, message)));
	return false;
}

typedef struct StatementCall
{
	int			stmt;
	ConvStatement *s;
	double		executions;
	List	   *items;
} StatementCall;

static void
statement_items_call(void *arg)
{
	StatementCall *c = arg;

	c->items = statement_items(c->stmt, c->s, c->executions);
}

typedef struct PgssCall
{
	List	   *texts;
	List	   *insert_texts;
} PgssCall;

static void
pgss_call(void *arg)
{
	PgssCall   *c = arg;

	c->texts = workload_texts(&c->insert_texts);
}

static int
executions_desc_cmp(const ListCell *a, const ListCell *b)
{
	const StatementCall *x = lfirst(a);
	const StatementCall *y = lfirst(b);

	if (x->executions != y->executions)
		return x->executions > y->executions ? -1 : 1;
	return strcmp(x->s->query, y->s->query);
}

/*
 * The workload: captured statements (their executions scaled by the sample
 * rate, or pg_stat_statements' count of the same query id), and the
 * pg_stat_statements texts the capture does not have, planned generically.
 * On a production twin, production's statements only: what the twin
 * itself ran (migrations, tests) is not production's workload.
 */
static List *
workload_items(List **texts, List **inserts)
{
	List	   *stmts = NIL;
	List	   *pgss = NIL;
	List	   *items = NIL;
	bool		twin = twin_workload_present();
	bool		have_pgss = twin || OidIsValid(get_extension_oid("pg_stat_statements", true));
	bool		captured = !twin && conv_workload_available();
	double		scale = conv_capture_sample_rate > 0 ? 1.0 / conv_capture_sample_rate : 1.0;
	ListCell   *lc;
	int			n = 0;
	int64		too_long;

	if (!captured && !have_pgss)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("there is no workload to suggest indexes for"),
				 errdetail("pg_conventions is not in shared_preload_libraries, and "
						   "pg_stat_statements is not installed in this database."),
				 errhint("Preload pg_conventions (its capture records the executed queries), "
						 "or pass one query: conventions.suggest_indexes('SELECT ...').")));
	too_long = captured ? conv_workload_too_long() : 0;
	if (too_long > 0)
		ereport(NOTICE,
				(errmsg_plural("the capture left out " INT64_FORMAT " execution of a statement longer than pg_conventions.capture_text_size (%s bytes)",
							   "the capture left out " INT64_FORMAT " executions of statements longer than pg_conventions.capture_text_size (%s bytes)",
							   too_long,
							   too_long, GetConfigOption("pg_conventions.capture_text_size", false, false)),
				 errdetail("Counted in every database since the last workload_reset(). %s",
						   have_pgss ? _("pg_stat_statements' texts of them are planned, generically, "
										 "without the values they ran with.") :
						   _("The advice leaves them out.")),
				 errhint("Raise pg_conventions.capture_text_size; it takes effect when the server starts.")));
	if (have_pgss)
	{
		PgssCall	pc = {NIL, NIL};
		InsertText *it = NULL;

		if (try_subtransaction(pgss_call, &pc, "pg_stat_statements"))
			pgss = pc.texts;
		foreach(lc, pc.insert_texts)
		{
			it = lfirst(lc);
			it->inserts = *inserts;
			if (try_subtransaction(insert_target_call, it, "an INSERT statement"))
				*inserts = it->inserts;
		}
	}
	if (captured)
		foreach(lc, conv_workload_statements(MyDatabaseId))
		{
			StatementCall *c = palloc0(sizeof(StatementCall));
			ListCell   *pc;

			c->s = lfirst(lc);
			c->executions = c->s->calls * scale;
			foreach(pc, pgss)
			{
				ConvStatement *p = lfirst(pc);

				if (c->s->queryid != 0 && p->queryid == c->s->queryid &&
					p->userid == c->s->userid)
				{
					c->executions = p->calls;
					pgss = foreach_delete_current(pgss, pc);
				}
			}
			stmts = lappend(stmts, c);
		}
	foreach(lc, pgss)
	{
		StatementCall *c = palloc0(sizeof(StatementCall));

		c->s = lfirst(lc);
		c->executions = c->s->calls;
		stmts = lappend(stmts, c);
	}
	list_sort(stmts, executions_desc_cmp);
	foreach(lc, stmts)
	{
		StatementCall *c = lfirst(lc);

		if (n >= MAX_STATEMENTS)
			break;
		c->stmt = n;
		if (try_subtransaction(statement_items_call, c, "a statement"))
		{
			items = list_concat(items, c->items);
			*texts = lappend(*texts, c->s->query);
			n++;
		}
	}
	return items;
}

/* ---- the functions ---- */

/*
 * max_indexes and max_size, at arguments idx_arg and size_arg.  No
 * max_indexes: as many as pay for themselves, ranked by benefit per byte, as
 * they are with a max_size.
 */
static int
budget_arg(FunctionCallInfo fcinfo, int idx_arg, int size_arg, int64 *max_size, bool *by_bytes)
{
	int			budget = PG_ARGISNULL(idx_arg) ? MAX_CANDIDATES : PG_GETARG_INT32(idx_arg);

	*by_bytes = PG_ARGISNULL(idx_arg) || !PG_ARGISNULL(size_arg);
	if (!PG_ARGISNULL(idx_arg) && (budget < 1 || budget > 32))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_indexes must be between 1 and 32, not %d", budget)));
	*max_size = PG_ARGISNULL(size_arg) ? -1 : PG_GETARG_INT64(size_arg);
	if (!PG_ARGISNULL(size_arg) && *max_size < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_size must not be negative, not " INT64_FORMAT, *max_size)));
	return budget;
}

/* conventions.suggest_indexes(query text, max_indexes int, max_size bigint) */
Datum
conventions_suggest_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	WorkItem   *w;
	int			budget;
	int64		max_size;
	bool		by_bytes;

	/*
	 * An untyped NULL first argument resolves to this form, whatever the
	 * caller meant: suggest_indexes(NULL, 200000000) reads as max_indexes.
	 */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the query must not be null"),
				 errdetail("conventions.suggest_indexes(query, max_indexes, max_size) advises for one query; "
						   "a NULL first argument without a type resolves to it, and its second argument is max_indexes."),
				 errhint("For the workload within a size budget, call conventions.suggest_indexes_within(max_size), "
						 "or name the argument: conventions.suggest_indexes(max_size => ...).")));
	budget = budget_arg(fcinfo, 1, 2, &max_size, &by_bytes);
	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	adv_discover_reset();

	w = palloc0(sizeof(WorkItem));
	w->sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	w->weight = 1;
	w->actual_rows = -1;
	w->actual_ms = -1;
	w->queries = analyse_query(w->sql, NULL, 0);
	adv_discover_item(w);
	adv_advise(rsinfo, list_make1(w), list_make1((char *) w->sql), NIL, budget, max_size,
			   by_bytes);
	return (Datum) 0;
}

/* The workload's advice, in the set-returning function's result. */
static Datum
advise_workload(FunctionCallInfo fcinfo, int budget, int64 max_size, bool by_bytes)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *texts = NIL;
	List	   *inserts = NIL;
	List	   *items;

	CONV_INIT_MATERIALIZED_SRF(fcinfo);
	adv_discover_reset();
	items = workload_items(&texts, &inserts);
	if (items != NIL)
		adv_advise(rsinfo, items, texts, inserts, budget, max_size, by_bytes);
	return (Datum) 0;
}

/* conventions.suggest_indexes(max_indexes int, max_size bigint): the workload */
Datum
conventions_suggest_indexes_workload(PG_FUNCTION_ARGS)
{
	int64		max_size;
	bool		by_bytes;
	int			budget = budget_arg(fcinfo, 0, 1, &max_size, &by_bytes);

	return advise_workload(fcinfo, budget, max_size, by_bytes);
}

/* conventions.suggest_indexes_within(max_size bigint, max_indexes int): the same */
Datum
conventions_suggest_indexes_within(PG_FUNCTION_ARGS)
{
	int64		max_size;
	bool		by_bytes;
	int			budget;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("max_size must not be null"),
				 errhint("Without a size budget, call conventions.suggest_indexes(max_indexes).")));
	budget = budget_arg(fcinfo, 1, 0, &max_size, &by_bytes);
	return advise_workload(fcinfo, budget, max_size, by_bytes);
}
