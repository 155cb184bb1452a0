/*-------------------------------------------------------------------------
 *
 * rules_fk.c
 *		Foreign-key rules, and the one test of foreign-key coverage.
 *
 * Coverage, exactly (DESIGN.md): an FK on columns C (n of them) is covered
 * by an index of the referencing table that is valid and live; btree, or
 * hash when n = 1; has the n columns of C, in any order, as its first n key
 * columns (INCLUDE and expression columns do not count); uses each column's
 * collation; and has no predicate or one implied by "C IS NOT NULL".  We
 * also require each index column's operator family to contain the key's
 * PK = FK equality operator, since that is the operator the RI triggers'
 * queries use: an index the queries cannot use covers nothing.
 *
 * A partitioned table is covered by an index on it, or when every leaf
 * partition is covered.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/*
 * Does this one index cover this foreign key of its table?  The column
 * information is read only when needed: an index column without a
 * collation indexes a type that has none, so its column has none either.
 */
bool
conv_index_covers_fk(const ConvIndex *index, ConvForeignKey *fk)
{
	int			n = fk->nkeys;
	bool		matched[INDEX_MAX_KEYS] = {false};

	if (!index->usable)
		return false;
	if (!(index->relam == BTREE_AM_OID ||
		  (index->relam == HASH_AM_OID && n == 1)))
		return false;
	if (index->nkeyatts < n)
		return false;

	/* the first n key columns are the FK's columns, in any order */
	for (int i = 0; i < n; i++)
	{
		int			k;

		if (index->keys[i] == 0)
			return false;		/* an expression */
		for (k = 0; k < n; k++)
			if (fk->conkey[k] == index->keys[i] && !matched[k])
				break;
		if (k == n)
			return false;
		matched[k] = true;

		if (OidIsValid(index->collations[i]))
		{
			conv_fk_load_colinfo(fk);
			if (index->collations[i] != fk->colcollations[k])
				return false;
		}
		if (!op_in_opfamily(fk->pfeqop[k], index->opfamilies[i]))
			return false;
	}

	if (index->predicate != NIL)
	{
		List	   *notnull = NIL;

		conv_fk_load_colinfo(fk);
		for (int k = 0; k < n; k++)
		{
			NullTest   *nt = makeNode(NullTest);

			nt->arg = (Expr *) makeVar(1, fk->conkey[k], fk->coltypes[k],
									   fk->coltypmods[k],
									   fk->colcollations[k], 0);
			nt->nulltesttype = IS_NOT_NULL;
			nt->argisrow = false;
			nt->location = -1;
			notnull = lappend(notnull, nt);
		}
		if (!predicate_implied_by(index->predicate, notnull, false))
			return false;
	}
	return true;
}

static bool
any_index_covers(List *indexes, ConvForeignKey *fk)
{
	ListCell   *lc;

	foreach(lc, indexes)
	{
		if (conv_index_covers_fk((ConvIndex *) lfirst(lc), fk))
			return true;
	}
	return false;
}

/*
 * The same key as seen on a partition, whose column numbers may differ from
 * the parent's (dropped columns, ATTACH of a table built separately).
 */
bool
conv_fk_for_partition(const ConvForeignKey *fk, Oid parent, Oid leaf,
					  ConvForeignKey *out)
{
	ConvForeignKey *copy = conv_fk_alloc(fk->nkeys);

	*out = *copy;
	out->conoid = fk->conoid;
	out->conname = fk->conname;
	out->confrelid = fk->confrelid;
	out->inherited = fk->inherited;
	out->conrelid = leaf;
	memcpy(out->confkey, fk->confkey, fk->nkeys * sizeof(AttrNumber));
	memcpy(out->pfeqop, fk->pfeqop, fk->nkeys * sizeof(Oid));
	for (int k = 0; k < fk->nkeys; k++)
	{
		char	   *attname = get_attname(parent, fk->conkey[k], true);

		if (attname == NULL)
			return false;
		out->conkey[k] = get_attnum(leaf, attname);
		if (out->conkey[k] == InvalidAttrNumber)
			return false;
	}
	return true;
}

/*
 * Is the foreign key covered, by the definition at the top of this file?
 * The guard and every report come here; they differ only in how they find a
 * relation's indexes (the lookup).
 */
bool
conv_fk_covered(Oid relid, char relkind, ConvForeignKey *fk,
				ConvIndexLookup lookup, void *arg)
{
	List	   *leaves;
	ListCell   *lc;
	int			nleaves = 0;

	if (any_index_covers(lookup(relid, arg), fk))
		return true;
	if (relkind != RELKIND_PARTITIONED_TABLE)
		return false;

	/*
	 * Every leaf covered on its own.  With no leaf at all there is nothing
	 * to cover yet, but the first partition would arrive uncovered: we ask
	 * for the index on the parent, which every future partition inherits.
	 */
	leaves = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, leaves)
	{
		Oid			leaf = lfirst_oid(lc);
		ConvForeignKey mapped;

		if (get_rel_relkind(leaf) != RELKIND_RELATION)
			continue;			/* the parent itself, sub-parents, foreign tables */
		nleaves++;
		if (!conv_fk_for_partition(fk, relid, leaf, &mapped) ||
			!any_index_covers(lookup(leaf, arg), &mapped))
			return false;
	}
	return nleaves > 0;
}

/* The guard's lookup: the table's own loaded indexes, a leaf's from the catalog. */
static List *
table_index_lookup(Oid relid, void *arg)
{
	ConvTable  *table = (ConvTable *) arg;

	if (relid == table->relid)
		return conv_table_indexes(table);
	return conv_load_indexes(relid, table->ignore_index);
}

bool
conv_fk_is_covered(ConvTable *table, ConvForeignKey *fk)
{
	return conv_fk_covered(table->relid, table->relkind, fk, table_index_lookup, table);
}

/* The conventional name for the index that covers a key. */
char *
conv_fk_index_name(Oid nspid, const char *relname, Oid relid,
				   const ConvForeignKey *fk, Oid going_away,
				   bool (*suggested) (Oid nspid, const char *name, void *arg),
				   void *arg)
{
	const char *colnames[INDEX_MAX_KEYS];

	for (int k = 0; k < fk->nkeys; k++)
		colnames[k] = get_attname(relid, fk->conkey[k], false);
	return conv_choose_index_name(nspid, relname, fk->nkeys, colnames, going_away,
								  suggested, arg);
}

/*
 * The index that fixes an uncovered key: columns in the key's order, btree,
 * no predicate, so it passes conv_index_covers_fk.
 */
char *
conv_fk_index_sql(Oid relid, const char *sql_name, const char *index_name,
				  const ConvForeignKey *fk, bool concurrently, bool if_not_exists)
{
	return psprintf("CREATE INDEX %s%s%s ON %s (%s);",
					concurrently ? "CONCURRENTLY " : "",
					if_not_exists ? "IF NOT EXISTS " : "",
					quote_identifier(index_name), sql_name,
					conv_column_list_sql(relid, fk->nkeys, fk->conkey));
}


/* Rule foreign_key_index: every foreign key has a covering index. */
void
conv_rule_foreign_key_index(ConvTable *table, List **violations)
{
	ListCell   *lc;

	foreach(lc, table->foreign_keys)
	{
		ConvForeignKey *fk = lfirst(lc);

		ConvViolation *v;
		char	   *index_name;

		if (fk->inherited || conv_fk_is_covered(table, fk))
			continue;
		index_name = conv_fk_index_name(table->nspid, table->relname, table->relid, fk,
										table->ignore_index, NULL, NULL);
		v = conv_add_violation(violations, CONV_RULE_FOREIGN_KEY_INDEX, table,
						   conv_about(ConstraintRelationId, fk->conoid, 0, ""),
						   psprintf("%s on %s", fk->conname, table->display_name),
						   psprintf("foreign key \"%s\" on table \"%s\" has no covering index",
									fk->conname, table->display_name),
						   psprintf("deleting or updating a row of \"%s\" scans \"%s\".",
									conv_relation_display_name(fk->confrelid),
									table->display_name),
						   conv_fk_index_sql(table->relid, table->sql_name, index_name, fk,
					/*
					 * CONCURRENTLY for a table others can see; plain for one
					 * created in this transaction, where CONCURRENTLY cannot
					 * run and the table is empty anyway, and for a partitioned
					 * table, where PostgreSQL refuses CONCURRENTLY.
					 */
											 table->relkind != RELKIND_PARTITIONED_TABLE &&
											 !conv_created_in_current_xact(table->relid),
											 false));
		if (conv_profile == CONV_PROFILE_SEQUELIZE)
			v->advice = psprintf("In Sequelize, add it in the migration, in the transaction that adds the key: "
								 "await queryInterface.addIndex(%s, [%s], { name: %s, transaction });",
								 strcmp(table->nspname, "public") == 0 ? conv_js_string(table->relname) :
								 psprintf("{ tableName: %s, schema: %s }", conv_js_string(table->relname),
										  conv_js_string(table->nspname)),
								 conv_js_column_list(table->relid, fk->nkeys, fk->conkey),
								 conv_js_string(index_name));
	}
}

/*
 * Rule foreign_key_type: each referencing column has exactly the type (and
 * type modifier) of the column it references; a mismatch costs a cast on
 * every check and lets values in that the other side cannot hold.
 */
void
conv_rule_foreign_key_type(ConvTable *table, List **violations)
{
	ListCell   *lc;

	foreach(lc, table->foreign_keys)
	{
		ConvForeignKey *fk = lfirst(lc);

		if (fk->inherited)
			continue;			/* judged on the parent */
		for (int k = 0; k < fk->nkeys; k++)
		{
			Oid			reftype;
			int32		reftypmod;
			Oid			refcoll;
			char	   *colname;
			char	   *reftypname;

			get_atttypetypmodcoll(fk->confrelid, fk->confkey[k], &reftype, &reftypmod, &refcoll);
			if (reftype == fk->coltypes[k] && reftypmod == fk->coltypmods[k])
				continue;
			colname = get_attname(table->relid, fk->conkey[k], false);
			reftypname = format_type_with_typemod(reftype, reftypmod);
			conv_add_violation(violations, CONV_RULE_FOREIGN_KEY_TYPE, table,
							   conv_about(ConstraintRelationId, fk->conoid, fk->conkey[k], ""),
							   psprintf("%s.%s", table->display_name, colname),
							   psprintf("column \"%s\" of table \"%s\" has type %s, but the column it references, \"%s.%s\", has type %s",
										colname, table->display_name,
										format_type_with_typemod(fk->coltypes[k], fk->coltypmods[k]),
										conv_relation_display_name(fk->confrelid),
										get_attname(fk->confrelid, fk->confkey[k], false),
										reftypname),
							   psprintf("foreign key \"%s\" compares values of two types: every check casts, and the referencing column can hold values the referenced one cannot.",
										fk->conname),
							   psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s;",
										table->sql_name, quote_identifier(colname), reftypname));
		}
	}
}
