/*-------------------------------------------------------------------------
 *
 * rules_index.c
 *		Index rules: redundant_index and low_cardinality_index.
 *
 * Both read the indexes as the coverage test does (tableinfo.c) and never
 * propose dropping an index that backs a constraint, or one that an index
 * PostgreSQL attached to a partitioned index depends on.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_statistic.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/*
 * Do the first n key columns of x and y index the same thing the same way:
 * same column or equal expression, same operator class, collation and
 * ordering (DESC, NULLS FIRST)?
 */
static bool
same_leading_columns(const ConvIndex *x, const ConvIndex *y, int n)
{
	int			xe = 0;
	int			ye = 0;

	for (int i = 0; i < n; i++)
	{
		if (x->keys[i] != y->keys[i] ||
			x->opclasses[i] != y->opclasses[i] ||
			x->collations[i] != y->collations[i] ||
			x->options[i] != y->options[i])
			return false;
		if (x->keys[i] == 0 &&
			!equal(list_nth(x->expressions, xe++), list_nth(y->expressions, ye++)))
			return false;
	}
	return true;
}

/* Is each INCLUDE column of x somewhere in y (key or INCLUDE)? */
static bool
includes_covered(const ConvIndex *x, const ConvIndex *y)
{
	for (int i = x->nkeyatts; i < x->natts; i++)
	{
		bool		found = false;

		for (int j = 0; j < y->natts && !found; j++)
			found = (x->keys[i] != 0 && x->keys[i] == y->keys[j]);
		if (!found)
			return false;
	}
	return true;
}

static bool
exact_duplicate(const ConvIndex *x, const ConvIndex *y)
{
	return x->relam == y->relam && x->nkeyatts == y->nkeyatts &&
		x->natts == y->natts && x->isunique == y->isunique &&
		same_leading_columns(x, y, x->nkeyatts) &&
		includes_covered(x, y) && includes_covered(y, x) &&
		equal(x->predicate, y->predicate);
}

/*
 * Does y make x redundant: every query x serves, y serves as well?  A btree
 * whose key columns are a leading part of another btree's, with the same
 * predicate and its INCLUDE columns there too; for other access methods,
 * only an exact duplicate.  A unique index is redundant only beside a unique
 * index on exactly the same key, since uniqueness of a longer key is weaker.
 */
static bool
makes_redundant(const ConvIndex *y, const ConvIndex *x)
{
	if (!y->usable || x->relam != y->relam || !equal(x->predicate, y->predicate))
		return false;
	if (x->relam != BTREE_AM_OID)
		return exact_duplicate(x, y);
	if (x->isunique && !(y->isunique && y->nkeyatts == x->nkeyatts))
		return false;
	return x->nkeyatts <= y->nkeyatts &&
		same_leading_columns(x, y, x->nkeyatts) && includes_covered(x, y);
}

/*
 * May a report or rule propose dropping this index?  Not one that backs a
 * constraint, and not one PostgreSQL attached to a partitioned index.
 */
bool
conv_index_may_drop(const ConvIndex *index)
{
	return index->usable && !OidIsValid(index->constraint) && !index->isprimary &&
		!index->ispartition;
}

char *
conv_drop_index_sql(ConvTable *table, const ConvIndex *index)
{
	/* plain inside the transaction that made it, and on a partitioned table */
	bool		concurrently = table->relkind != RELKIND_PARTITIONED_TABLE &&
		!conv_created_in_current_xact(index->indexrelid);

	return psprintf("DROP INDEX %s%s.%s;", concurrently ? "CONCURRENTLY " : "",
					quote_identifier(table->nspname), quote_identifier(index->name));
}

/*
 * Every index of the table that another index makes redundant, with the
 * index that does.  Of two droppable exact duplicates, only the newer one.
 */
List *
conv_find_redundant_indexes(ConvTable *table)
{
	List	   *indexes = conv_table_indexes(table);
	List	   *result = NIL;
	ListCell   *lx;

	foreach(lx, indexes)
	{
		ConvIndex  *x = lfirst(lx);
		ListCell   *ly;

		if (!conv_index_may_drop(x))
			continue;
		foreach(ly, indexes)
		{
			ConvIndex  *y = lfirst(ly);
			ConvRedundancy *r;

			if (y == x || !makes_redundant(y, x))
				continue;
			if (exact_duplicate(x, y) && conv_index_may_drop(y) && y->indexrelid > x->indexrelid)
				continue;
			r = palloc(sizeof(ConvRedundancy));
			r->index = x;
			r->by = y;
			r->exact = exact_duplicate(x, y);
			result = lappend(result, r);
			break;
		}
	}
	return result;
}

/* Rule redundant_index: no index is a duplicate or a leading part of another. */
void
conv_rule_redundant_index(ConvTable *table, List **violations)
{
	ListCell   *lc;

	foreach(lc, conv_find_redundant_indexes(table))
	{
		ConvRedundancy *r = lfirst(lc);

		conv_add_violation(violations, CONV_RULE_REDUNDANT_INDEX, table,
						   conv_about(RelationRelationId, r->index->indexrelid, 0, ""),
						   psprintf("%s.%s", table->nspname, r->index->name),
						   psprintf("index \"%s\" on table \"%s\" is redundant",
									r->index->name, table->display_name),
						   psprintf("%s \"%s\" %s, so it serves every query this one "
									"serves, and each index slows every write.",
									r->by->isprimary ? "the primary key's index" :
									OidIsValid(r->by->constraint) ? "the constraint index" : "index",
									r->by->name,
									r->exact ? "indexes the same columns the same way" :
									"starts with the same columns, indexed the same way"),
						   conv_drop_index_sql(table, r->index));
	}
}

/* Does some foreign key of the table need this index for its coverage? */
bool
conv_index_covers_a_foreign_key(ConvTable *table, const ConvIndex *index)
{
	ListCell   *lc;

	foreach(lc, table->foreign_keys)
	{
		if (conv_index_covers_fk(index, (ConvForeignKey *) lfirst(lc)))
			return true;
	}
	return false;
}

/*
 * Single-column, non-unique, non-partial btree indexes on columns with very
 * few distinct values (the seed's "when NOT to add indexes"), read from the
 * planner's statistics, so only analyzed tables are judged.  An index a
 * foreign key needs is left alone.
 */
List *
conv_find_low_cardinality_indexes(ConvTable *table)
{
	List	   *result = NIL;
	ListCell   *lc;
	double		reltuples;
	double		relpages;
	HeapTuple	ctup = SearchSysCache1(RELOID, ObjectIdGetDatum(table->relid));

	if (!HeapTupleIsValid(ctup))
		return NIL;
	reltuples = ((Form_pg_class) GETSTRUCT(ctup))->reltuples;
	relpages = ((Form_pg_class) GETSTRUCT(ctup))->relpages;
	ReleaseSysCache(ctup);
	conv_class_figures(table->relid, &relpages, &reltuples);	/* production's, on a twin */
	if (reltuples <= 0)
		return NIL;

	foreach(lc, conv_table_indexes(table))
	{
		ConvIndex  *index = lfirst(lc);
		HeapTuple	stup;
		double		ndistinct;
		AttStatsSlot sslot;
		ConvLowCardinality *low;

		if (!conv_index_may_drop(index) || index->relam != BTREE_AM_OID || index->isunique ||
			index->natts != 1 || index->keys[0] == 0 || index->predicate != NIL ||
			conv_index_covers_a_foreign_key(table, index))
			continue;

		stup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(table->relid),
							   Int16GetDatum(index->keys[0]),
							   BoolGetDatum(table->relkind == RELKIND_PARTITIONED_TABLE));
		if (!HeapTupleIsValid(stup))
			continue;
		ndistinct = ((Form_pg_statistic) GETSTRUCT(stup))->stadistinct;
		if (ndistinct < 0)
			ndistinct = -ndistinct * reltuples;
		if (ndistinct <= 0 || ndistinct > conv_low_cardinality_max)
		{
			ReleaseSysCache(stup);
			continue;
		}

		low = palloc0(sizeof(ConvLowCardinality));
		low->index = index;
		low->column = get_attname(table->relid, index->keys[0], false);
		low->ndistinct = ndistinct;
		if (get_attstatsslot(&sslot, stup, STATISTIC_KIND_MCV, InvalidOid,
							 ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS))
		{
			/* a partial index pays off only when the other values are rare */
			if (sslot.nvalues > 0 && sslot.nnumbers > 0 && sslot.numbers[0] >= 0.7)
			{
				Oid			typoutput;
				bool		varlena;

				getTypeOutputInfo(sslot.valuetype, &typoutput, &varlena);
				low->dominant = OidOutputFunctionCall(typoutput, sslot.values[0]);
				low->dominant_fraction = sslot.numbers[0];
			}
			free_attstatsslot(&sslot);
		}
		ReleaseSysCache(stup);
		result = lappend(result, low);
	}
	return result;
}

/* The partial index for the rare values of a low-cardinality column. */
char *
conv_partial_index_sql(ConvTable *table, const ConvLowCardinality *low)
{
	const char *parts[2] = {low->column, "partial"};

	if (low->dominant == NULL)
		return NULL;
	return psprintf("CREATE INDEX CONCURRENTLY %s ON %s (%s) WHERE %s <> %s;",
					quote_identifier(conv_choose_index_name(table->nspid, table->relname,
															2, parts, InvalidOid,
															NULL, NULL)),
					table->sql_name, quote_identifier(low->column),
					quote_identifier(low->column), quote_literal_cstr(low->dominant));
}

/*
 * Rule low_cardinality_index.  When one value dominates, the hint also
 * gives the partial index that serves the queries for the rare values.
 */
void
conv_rule_low_cardinality_index(ConvTable *table, List **violations)
{
	ListCell   *lc;

	foreach(lc, conv_find_low_cardinality_indexes(table))
	{
		ConvLowCardinality *low = lfirst(lc);
		ConvViolation *v;

		v = conv_add_violation(violations, CONV_RULE_LOW_CARDINALITY_INDEX, table,
							   conv_about(RelationRelationId, low->index->indexrelid, 0, ""),
							   psprintf("%s.%s", table->nspname, low->index->name),
							   psprintf("index \"%s\" on table \"%s\" is on column \"%s\", which has only %.0f distinct values",
										low->index->name, table->display_name, low->column,
										low->ndistinct),
							   low->dominant != NULL ?
							   psprintf("a btree index on a column with so few values rarely beats a sequential scan, and every write pays for it; "
										"%s is %.0f%% of the rows, so only the other values are worth an index.",
										quote_literal_cstr(low->dominant), low->dominant_fraction * 100) :
							   "a btree index on a column with so few values rarely beats a sequential scan, and every write pays for it.",
							   conv_drop_index_sql(table, low->index));
		if (low->dominant != NULL)
			v->advice = psprintf("For the rare values, a partial index: %s",
								 conv_partial_index_sql(table, low));
	}
}
