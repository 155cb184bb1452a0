/*-------------------------------------------------------------------------
 *
 * facts.c
 *		What the migration-safety rules know about a table (or a
 *		materialized view) at the moment a statement is about to run:
 *		whether it existed before the transaction, how large it is, which
 *		locks the transaction holds on it, what its validated constraints
 *		prove; and the statement's own text, for fix SQL that repeats it.
 *
 * Nothing here waits for a lock.  The rules run before the statement takes
 * its own lock (under enforce a hazard is rejected before anyone queues
 * behind it), so the size is measured under an AccessShareLock taken only
 * when it is free at once and released right after; when it is not (some
 * other transaction holds an exclusive lock), pg_class's estimates stand
 * in.  Taking and dropping that lock never upgrades a lock the statement
 * later takes, so it cannot add a deadlock.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_type.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/smgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/*
 * Production's figures of a relation on a twin (table_size_source =
 * statistics or larger, snapshot.c), added to *t; false to measure the file.
 * With larger they stand only when above the file's nblocks.
 */
static bool
add_statistics_size(Oid relid, BlockNumber nblocks, ConvSafetyTable *t)
{
	ConvRelFigures f;

	if (!conv_twin_figures(relid, nblocks, &f))
		return false;
	t->bytes += (int64) f.pages * BLCKSZ;
	t->rows += f.tuples;
	t->origin = f.origin;
	return true;
}

/*
 * One relation with storage: its main fork measured when its lock is free
 * (from the file, not the relcache: opening the relation would rebuild its
 * relcache entry, triggers and all, which a migration that keeps adding
 * foreign keys to one table invalidates every time), else pg_class's
 * figures.  Rows come from pg_class's density, or are a guess (counted
 * false) for a table never vacuumed or analyzed.  On a twin, production's
 * figures instead (add_statistics_size).
 */
static void
add_relation_size(Oid relid, ConvSafetyTable *t)
{
	bool		locked = ConditionalLockRelationOid(relid, AccessShareLock);
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Form_pg_class cls;
	BlockNumber nblocks;
	bool		from_file = false;

	if (!HeapTupleIsValid(tup))
	{
		if (locked)
			UnlockRelationOid(relid, AccessShareLock);
		return;
	}
	cls = (Form_pg_class) GETSTRUCT(tup);
	if (!RELKIND_HAS_STORAGE(cls->relkind))
		nblocks = 0;
	else if (locked && OidIsValid(cls->relfilenode) &&
			 cls->relpersistence != RELPERSISTENCE_TEMP)
	{
		SMgrRelation srel = CONV_SMGROPEN(OidIsValid(cls->reltablespace) ?
										  cls->reltablespace : MyDatabaseTableSpace,
										  MyDatabaseId, cls->relfilenode);

		nblocks = smgrexists(srel, MAIN_FORKNUM) ? smgrnblocks(srel, MAIN_FORKNUM) : 0;
		from_file = true;
	}
	else
		nblocks = cls->relpages;
	if (!add_statistics_size(relid, nblocks, t))
	{
		if (!from_file)
		{
			t->measured = false;
			t->origin = CONV_FIGURES_PG_CLASS;
		}
		t->bytes += (int64) nblocks * BLCKSZ;
		if (cls->reltuples < 0 || (cls->relpages == 0 && nblocks > 0))
		{
			t->counted = false; /* a guess: a hundred bytes a row */
			t->rows += (double) nblocks * BLCKSZ / 100;
		}
		else if (cls->relpages > 0)
			t->rows += cls->reltuples / cls->relpages * nblocks;
		else
			t->rows += cls->reltuples;
	}
	ReleaseSysCache(tup);
	if (locked)
		UnlockRelationOid(relid, AccessShareLock);
}

/*
 * The facts found for the statement being judged: each rule asks about the
 * same tables, and a table is measured once.  Kept in the memory context of
 * the judgement (conv_safety_facts_begin), gone with it.
 */
typedef struct CachedFacts
{
	bool		judged;			/* what safety_relation() returned */
	ConvSafetyTable facts;
} CachedFacts;

static List *cached = NIL;

void
conv_safety_facts_begin(void)
{
	cached = NIL;
}

static bool table_facts(Oid relid, ConvSafetyTable *out);
static bool safety_relation(Oid relid, ConvSafetyTable *out);

/*
 * The facts about one table, or false when the safety rules have nothing to
 * say about it: not a table in scope, or created in this transaction (no
 * one else can see it, so no one waits for it).  A materialized view is
 * not a table here: only the rules about REFRESH ask for one
 * (conv_safety_matview).
 */
bool
conv_safety_table(Oid relid, ConvSafetyTable *out)
{
	return safety_relation(relid, out) && out->relkind != RELKIND_MATVIEW;
}

/* The facts about a materialized view, judged like a table; false as above. */
bool
conv_safety_matview(Oid relid, ConvSafetyTable *out)
{
	return safety_relation(relid, out) && out->relkind == RELKIND_MATVIEW;
}

static bool
safety_relation(Oid relid, ConvSafetyTable *out)
{
	ListCell   *lc;
	CachedFacts *c;

	foreach(lc, cached)
	{
		c = lfirst(lc);
		if (c->facts.relid == relid)
		{
			*out = c->facts;
			return c->judged;
		}
	}
	c = palloc(sizeof(CachedFacts));
	c->judged = table_facts(relid, &c->facts);
	c->facts.relid = relid;
	cached = lappend(cached, c);
	*out = c->facts;
	return c->judged;
}

static bool
table_facts(Oid relid, ConvSafetyTable *out)
{
	char		relkind;
	List	   *rels = NIL;
	ListCell   *lc;
	bool		citus;
	ConvFiguresOrigin origin;

	memset(out, 0, sizeof(*out));
	if (!OidIsValid(relid) || !conv_relation_in_scope(relid, true) ||
		conv_created_in_current_xact(relid))
		return false;
	out->relid = relid;
	out->nspname = get_namespace_name(get_rel_namespace(relid));
	out->relname = get_rel_name(relid);
	if (out->nspname == NULL || out->relname == NULL)
		return false;
	out->display_name = psprintf("%s.%s", out->nspname, out->relname);
	out->sql_name = conv_qualified_sql_name(out->nspname, out->relname);
	out->measured = true;
	out->counted = true;
	out->origin = CONV_FIGURES_FILE;
	relkind = get_rel_relkind(relid);
	out->relkind = relkind;
	if (relkind == RELKIND_PARTITIONED_TABLE)
	{
		foreach(lc, find_all_inheritors(relid, NoLock, NULL))
			if (lfirst_oid(lc) != relid)
				rels = lappend_oid(rels, lfirst_oid(lc));
	}
	else
		rels = list_make1_oid(relid);
	/* a Citus table: its shards, those of this node measured here */
	citus = conv_citus_shard_sizes(&rels, out, &origin);
	foreach(lc, rels)
		add_relation_size(lfirst_oid(lc), out);
	if (citus)
		out->origin = origin;
	return true;
}

/* Facts about a table, looked up by name without a lock; false as above. */
bool
conv_safety_table_named(RangeVar *rv, ConvSafetyTable *out)
{
	Oid			relid;

	if (rv == NULL)
		return false;
	/* not the table of an index: ALTER TABLE accepts an index's name too */
	relid = RangeVarGetRelid(rv, NoLock, true);
	return conv_safety_table(relid, out);
}

/*
 * The statement, when it is an ALTER TABLE of a large existing table (the
 * facts in *t), or NULL: where most of the rules start.
 */
AlterTableStmt *
conv_large_table_altered(const ConvStatementInfo *s, ConvSafetyTable *t)
{
	AlterTableStmt *stmt = (AlterTableStmt *) s->stmt;

	if (!IsA(s->stmt, AlterTableStmt) || !conv_safety_table_named(stmt->relation, t) ||
		!conv_safety_is_large(t))
		return NULL;
	return stmt;
}

/*
 * The constraints an ALTER TABLE adds, in either form: ADD CONSTRAINT, and
 * the constraints of ADD COLUMN (with their column).
 */
List *
conv_added_constraints(AlterTableStmt *stmt)
{
	List	   *result = NIL;
	ListCell   *lc;
	ListCell   *lk;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		ConvAddedConstraint *added;

		if (cmd->subtype == AT_AddConstraint && IsA(cmd->def, Constraint))
		{
			added = palloc(sizeof(ConvAddedConstraint));
			added->con = (Constraint *) cmd->def;
			added->column = NULL;
			result = lappend(result, added);
		}
		else if (cmd->subtype == AT_AddColumn && IsA(cmd->def, ColumnDef))
		{
			foreach(lk, ((ColumnDef *) cmd->def)->constraints)
			{
				added = palloc(sizeof(ConvAddedConstraint));
				added->con = lfirst(lk);
				added->column = (ColumnDef *) cmd->def;
				result = lappend(result, added);
			}
		}
	}
	return result;
}

/* Is it above pg_conventions.large_table_size? */
bool
conv_safety_is_large(const ConvSafetyTable *t)
{
	return t->bytes >= (int64) conv_large_table_kb * 1024;
}

/* "1,000,000" */
char *
conv_thousands(double value)
{
	char		digits[64];
	StringInfoData out;
	int			len;

	snprintf(digits, sizeof(digits), "%.0f", Max(value, 0));
	len = strlen(digits);
	initStringInfo(&out);
	for (int i = 0; i < len; i++)
	{
		if (i > 0 && (len - i) % 3 == 0)
			appendStringInfoChar(&out, ',');
		appendStringInfoChar(&out, digits[i]);
	}
	return out.data;
}

/*
 * "35 MB, about 1,000,000 rows"; the size alone for a table never vacuumed
 * or analyzed, whose row count would be a guess.  On a twin the figures
 * say where they came from: "35 MB, about 1,000,000 rows, by the
 * statistics snapshot".  A Citus table's, read from its shards on their
 * nodes, say so too: "by its shards" (or, when some node did not answer in
 * time, "by the shards that answered in time": the figures are then at
 * least the table's).
 */
char *
conv_safety_size_text(const ConvSafetyTable *t)
{
	char	   *size = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
																		 Int64GetDatum(t->bytes))));
	const char *source = "";
	char	   *rows;
	const char *unit;

	if (t->origin == CONV_FIGURES_SHARDS || t->origin == CONV_FIGURES_SOME_SHARDS)
		source = t->origin == CONV_FIGURES_SHARDS ? ", by its shards" :
			", by the shards that answered in time";
	else if (conv_table_size_source != CONV_SIZE_FILE)
		source = t->origin == CONV_FIGURES_SNAPSHOT ? ", by the statistics snapshot" :
			t->origin == CONV_FIGURES_PG_CLASS ? ", by pg_class's statistics" : ", by its file";
	if (!t->counted)
		return psprintf("%s%s", size, source);
	rows = conv_thousands(t->rows);
	unit = strcmp(rows, "1") == 0 ? "row" : "rows";
	if (t->origin == CONV_FIGURES_PG_CLASS && conv_table_size_source == CONV_SIZE_FILE)
		return psprintf("%s, by its last statistics %s %s", size, rows, unit);
	return psprintf("%s, about %s %s%s", size, rows, unit, source);
}

/* A lock mode as LOCK TABLE spells it. */
const char *
conv_lock_mode_name(LOCKMODE mode)
{
	static const char *const names[] = {
		"no", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE",
		"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"
	};

	Assert(mode >= 0 && mode <= AccessExclusiveLock);
	return names[mode];
}

/* "an ACCESS EXCLUSIVE lock", "a SHARE lock" */
char *
conv_lock_phrase(LOCKMODE mode)
{
	const char *name = conv_lock_mode_name(mode);

	return psprintf("%s %s lock", name[0] == 'A' || name[0] == 'E' ? "an" : "a", name);
}

/* What a lock of this mode makes others wait for. */
const char *
conv_lock_blocks(LOCKMODE mode)
{
	if (mode >= AccessExclusiveLock)
		return "every query, reads included,";
	if (mode >= ShareLock)
		return "every INSERT, UPDATE and DELETE";
	return "other schema changes";
}

/*
 * "dropping \"x\" takes an ACCESS EXCLUSIVE lock on \"t\" (size): ...": what
 * a brief statement that needs the strongest lock does to everyone else.
 */
char *
conv_exclusive_wait_text(const char *action, const ConvSafetyTable *t)
{
	return psprintf("%s takes an ACCESS EXCLUSIVE lock on \"%s\" (%s): it waits for every running query on the table, and %s waits behind it.",
					action, t->display_name, conv_safety_size_text(t),
					conv_lock_blocks(AccessExclusiveLock));
}

/* Does this transaction hold a lock on the relation at least this strong? */
bool
conv_lock_held(Oid relid, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	for (LOCKMODE m = mode; m <= AccessExclusiveLock; m++)
	{
		/* ShareRowExclusive and stronger also conflict with SHARE UPDATE EXCLUSIVE */
		if (CONV_LOCK_HELD_BY_ME(&tag, m))
			return true;
	}
	return false;
}

/* ---- what a table's constraints prove ---- */

/*
 * The validated CHECK constraints of a relation, const-simplified and
 * canonicalized as PostgreSQL prepares them for a proof
 * (ConstraintImpliedByRelConstraint), in implicit-AND form; from the
 * catalog rather than the relcache, since we hold no lock on the table.
 */
List *
conv_validated_checks(Oid relid)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *clauses = NIL;

	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, ConstraintRelidTypidNameIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		bool		isnull;
		Datum		bin;
		Node	   *expr;

		if (con->contype != CONSTRAINT_CHECK || !con->convalidated)
			continue;
		bin = heap_getattr(tup, Anum_pg_constraint_conbin, RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		expr = eval_const_expressions(NULL, stringToNode(TextDatumGetCString(bin)));
		expr = (Node *) canonicalize_qual((Expr *) expr, true);
		clauses = list_concat(clauses, make_ands_implicit((Expr *) expr));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return clauses;
}

/* column IS NOT NULL, of relation 1 (a Var of varno 1) */
NullTest *
conv_is_not_null(AttrNumber attnum, Oid typid, int32 typmod, Oid collid)
{
	NullTest   *test = makeNode(NullTest);

	test->arg = (Expr *) makeVar(1, attnum, typid, typmod, collid, 0);
	test->nulltesttype = IS_NOT_NULL;
	test->argisrow = false;
	test->location = -1;
	return test;
}

/*
 * Do the relation's NOT NULL columns and validated CHECK constraints imply
 * these clauses (implicit AND, Vars of relation 1)?  PostgreSQL's test
 * before it scans a table it attaches as a partition
 * (PartConstraintImpliedByRelConstraint): weak implication.
 */
bool
conv_constraints_imply(Oid relid, List *clauses)
{
	List	   *known = NIL;
	HeapTuple	tup;

	for (AttrNumber attnum = 1;
		 HeapTupleIsValid(tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid),
												Int16GetDatum(attnum)));
		 attnum++)
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(tup);

		if (att->attnotnull && !att->attisdropped)
			known = lappend(known, conv_is_not_null(attnum, att->atttypid, att->atttypmod,
											   att->attcollation));
		ReleaseSysCache(tup);
	}
	known = list_concat(known, conv_validated_checks(relid));
	return known != NIL && predicate_implied_by(clauses, known, true);
}

/* ---- recipes ---- */

/* The key to batch a backfill by: the one primary-key column, or ctid. */
static char *
batch_key_sql(Oid relid)
{
	ConvTable  *table = conv_table_load(relid);

	if (table != NULL && table->pk_nkeys == 1)
		return (char *) quote_identifier(get_attname(relid, table->pk_keys[0], false));
	return "ctid";
}

/* UPDATE in batches of 10,000 rows, each its own transaction. */
char *
conv_batched_update_sql(Oid relid, const char *sql_name, const char *set_sql,
						const char *pending_sql)
{
	char	   *key = batch_key_sql(relid);

	return psprintf("-- repeat, each time in its own transaction, until it updates 0 rows:\n"
					"UPDATE %s SET %s WHERE %s = ANY (ARRAY(SELECT %s FROM %s WHERE %s LIMIT 10000));",
					sql_name, set_sql, key, key, sql_name, pending_sql);
}

/* DELETE in batches of 10,000 rows. */
char *
conv_batched_delete_sql(Oid relid, const char *sql_name, const char *pending_sql)
{
	char	   *key = batch_key_sql(relid);

	return psprintf("DELETE FROM %s WHERE %s = ANY (ARRAY(SELECT %s FROM %s WHERE %s LIMIT 10000));",
					sql_name, key, key, sql_name, pending_sql);
}

/* The integer type behind a serial type name, or NULL. */
const char *
conv_serial_type(TypeName *type)
{
	const char *name;

	if (type == NULL || list_length(type->names) != 1)
		return NULL;
	name = strVal(linitial(type->names));
	if (strcmp(name, "serial") == 0 || strcmp(name, "serial4") == 0)
		return "integer";
	if (strcmp(name, "bigserial") == 0 || strcmp(name, "serial8") == 0)
		return "bigint";
	if (strcmp(name, "smallserial") == 0 || strcmp(name, "serial2") == 0)
		return "smallint";
	return NULL;
}

/* A column's type as format_type() spells it (a serial as its integer). */
char *
conv_type_name_sql(TypeName *type_name)
{
	int32		typmod;
	Type		typ;
	char	   *result;

	if (type_name == NULL)
		return pstrdup("<its type>");
	if (conv_serial_type(type_name) != NULL)
		return pstrdup(conv_serial_type(type_name));
	typ = LookupTypeName(NULL, type_name, &typmod, true);
	if (typ == NULL)
		return TypeNameToString(type_name);
	result = format_type_with_typemod(typeTypeId(typ), typmod);
	ReleaseSysCache(typ);
	return result;
}

/* ---- the statement's text ---- */

/*
 * The text of the statement around byte offset `location` of `source`: from
 * just after the previous top-level semicolon to the next one (the
 * scanner's tokens, so quotes and comments do not fool it).  NULL when the
 * offset is not inside the source.
 */
char *
conv_statement_text(const char *source, int location)
{
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	int			start = 0;
	int			end = -1;
	int			len;

	if (source == NULL || location < 0 || location >= (int) strlen(source))
		return NULL;
	scanner = scanner_init(source, &extra, &ScanKeywords, ScanKeywordTokens);
	for (;;)
	{
		int			tok = core_yylex(&yylval, &yylloc, scanner);

		if (tok == 0)
			break;
		if (tok == ';')
		{
			if (yylloc < location)
				start = yylloc + 1;
			else
			{
				end = yylloc;
				break;
			}
		}
	}
	scanner_finish(scanner);
	if (end < 0)
		end = strlen(source);
	while (start < end && scanner_isspace(source[start]))
		start++;
	len = end - start;
	while (len > 0 && scanner_isspace(source[start + len - 1]))
		len--;
	return pnstrdup(source + start, len);
}

/* Is this token the keyword (not an identifier spelled like it)? */
static bool
is_keyword(int tok, const char *keyword)
{
	int			kwnum = ScanKeywordLookup(keyword, &ScanKeywords);

	return kwnum >= 0 && tok == ScanKeywordTokens[kwnum];
}

/*
 * The byte offset of the first occurrence of the keyword (lower case, as
 * the scanner spells it) at or past byte `from` of `stmt`, outside
 * parentheses if top_level, or -1.
 */
int
conv_keyword_offset(const char *stmt, int from, const char *keyword, bool top_level)
{
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	int			result = -1;
	int			depth = 0;

	scanner = scanner_init(stmt, &extra, &ScanKeywords, ScanKeywordTokens);
	for (;;)
	{
		int			tok = core_yylex(&yylval, &yylloc, scanner);

		if (tok == 0)
			break;
		if (tok == '(')
			depth++;
		else if (tok == ')')
			depth--;
		else if (yylloc >= from && (depth == 0 || !top_level) && is_keyword(tok, keyword))
		{
			result = yylloc;
			break;
		}
	}
	scanner_finish(scanner);
	return result;
}

/* The statement with `words` inserted after that keyword, or NULL. */
char *
conv_insert_after_keyword(const char *stmt, int from, const char *after,
						  const char *words)
{
	int			at = conv_keyword_offset(stmt, from, after, false);

	if (at < 0)
		return NULL;
	at += strlen(after);
	return psprintf("%.*s %s%s", at, stmt, words, stmt + at);
}

/*
 * The extent, in `source`, of the clause that starts at `location` (a
 * constraint of ALTER TABLE, say): up to the next comma or semicolon
 * outside parentheses.
 */
char *
conv_clause_text(const char *source, int location)
{
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	int			depth = 0;
	int			end = -1;

	if (source == NULL || location < 0 || location >= (int) strlen(source))
		return NULL;
	scanner = scanner_init(source + location, &extra, &ScanKeywords, ScanKeywordTokens);
	for (;;)
	{
		int			tok = core_yylex(&yylval, &yylloc, scanner);

		if (tok == 0)
			break;
		if (tok == '(')
			depth++;
		else if (tok == ')' && --depth < 0)
		{
			end = yylloc;
			break;
		}
		else if ((tok == ',' || tok == ';') && depth == 0)
		{
			end = yylloc;
			break;
		}
	}
	scanner_finish(scanner);
	if (end < 0)
		end = strlen(source + location);
	while (end > 0 && scanner_isspace(source[location + end - 1]))
		end--;
	return pnstrdup(source + location, end);
}

/*
 * Does the text at `location` of `source` name `name` (as an identifier,
 * quoted or not)?  The event trigger's parse tree points into the text of
 * the statement that ran it, and debug_query_string is that text only for
 * a top-level statement: this tells the two apart.
 */
bool
conv_source_names(const char *source, int location, const char *name)
{
	size_t		len = strlen(name);

	if (source == NULL || location < 0 || location >= (int) strlen(source))
		return false;
	source += location;
	if (*source == '"')
		return strncmp(source + 1, name, len) == 0 && source[len + 1] == '"';
	return pg_strncasecmp(source, name, len) == 0 &&
		!(IS_HIGHBIT_SET(source[len]) || isalnum((unsigned char) source[len]) ||
		  source[len] == '_' || source[len] == '$');
}

/* A foreign key's referencing columns, from its pg_constraint row. */
static void
read_conkey(HeapTuple tup, TupleDesc desc, ConvForeignKeyLink *link)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, Anum_pg_constraint_conkey, desc, &isnull);
	ArrayType  *arr;

	link->nkeys = 0;
	if (isnull)
		return;
	arr = DatumGetArrayTypeP(d);
	link->nkeys = Min(ARR_DIMS(arr)[0], INDEX_MAX_KEYS);
	memcpy(link->conkey, ARR_DATA_PTR(arr), link->nkeys * sizeof(int16));
}

/*
 * The foreign keys between relid and other tables: those it has
 * (referencing = false: their confrelid is the table it references), or
 * those other tables have on it (true).  A table's reference to itself is
 * left out.  The referencing side is found by a scan of pg_constraint, as
 * PostgreSQL's own heap_truncate_find_FKs() does: only DROP and TRUNCATE
 * ask.
 */
List *
conv_foreign_key_links(Oid relid, bool referencing)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *links = NIL;

	ScanKeyInit(&key, referencing ? Anum_pg_constraint_confrelid : Anum_pg_constraint_conrelid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, referencing ? InvalidOid : ConstraintRelidTypidNameIndexId,
							  !referencing, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		ConvForeignKeyLink *link;

		if (con->contype != CONSTRAINT_FOREIGN || con->conrelid == con->confrelid)
			continue;
		link = palloc(sizeof(ConvForeignKeyLink));
		link->conoid = con->oid;
		link->conname = pstrdup(NameStr(con->conname));
		link->conrelid = con->conrelid;
		link->confrelid = con->confrelid;
		link->conindid = con->conindid;
		read_conkey(tup, RelationGetDescr(rel), link);
		links = lappend(links, link);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return links;
}

/*
 * The foreign keys by which TRUNCATE ... CASCADE of the tables relids
 * reaches others, as ExecuteTruncate() follows them: each link's conrelid
 * is truncated too, because it references its confrelid.  Each table once.
 */
List *
conv_truncate_cascade(List *relids)
{
	List	   *seen = list_copy(relids);
	List	   *links = NIL;

	for (int i = 0; i < list_length(seen); i++)
	{
		ListCell   *lc;

		foreach(lc, conv_foreign_key_links(list_nth_oid(seen, i), true))
		{
			ConvForeignKeyLink *fk = lfirst(lc);

			if (list_member_oid(seen, fk->conrelid))
				continue;
			seen = lappend_oid(seen, fk->conrelid);
			links = lappend(links, fk);
		}
	}
	return links;
}

/* Is the option (a DefElem of VACUUM, REINDEX...) in the list, and true? */
bool
conv_option_true(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst(lc);

		if (strcmp(opt->defname, name) == 0)
			return defGetBoolean(opt);
	}
	return false;
}

/*
 * The table whose rewrite has just created this relation, or InvalidOid:
 * make_new_heap() names the new heap "pg_temp_<OID of the table>".  The new
 * pg_class row is not visible to a catalog snapshot before the next command
 * counter increment, so it is read with SnapshotSelf (as sepgsql does).
 */
Oid
conv_table_being_rewritten(Oid new_heap)
{
	Relation	rel = table_open(RelationRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	unsigned int relid = InvalidOid;
	char		rest;

	ScanKeyInit(&key, Anum_pg_class_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(new_heap));
	scan = systable_beginscan(rel, ClassOidIndexId, true, SnapshotSelf, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup) &&
		sscanf(NameStr(((Form_pg_class) GETSTRUCT(tup))->relname), "pg_temp_%u%c",
			   &relid, &rest) != 1)
		relid = InvalidOid;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return (Oid) relid;
}
