/*-------------------------------------------------------------------------
 *
 * candidates.c
 *		The indexes that could answer what each statement asks of a table.
 *
 * Per statement and table, the key shapes are: each column alone; the
 * equality columns (most distinct first) followed by the ORDER BY or else
 * the first range column; the equality columns followed by a join column
 * (the filtered side of a junction table: post_tags (tag_id, post_id)); a
 * join column followed by the equality columns (the inner side of a nested
 * loop).  Each shape comes plain, as a partial index on each selective
 * condition on a constant and on all of them (the columns a predicate fixes
 * leave the key), and covering: with the other columns the statement reads
 * as INCLUDE columns, so that the index answers alone.  A containment
 * condition (jsonb @> and ?, array && and @>) gives a GIN index.
 *
 * Nothing here plans: search.c asks the planner which candidates help.
 *
 *-------------------------------------------------------------------------
 */
#include "advisor.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_class.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/* INCLUDE columns wider than this, together, are not worth their bytes */
#define MAX_INCLUDE_WIDTH 64

/* A column's type, typmod, collation and its type's default btree operator class. */
Oid
adv_btree_opclass(Oid relid, AttrNumber attnum, Oid *type, int32 *typmod, Oid *coll)
{
	get_atttypetypmodcoll(relid, attnum, type, typmod, coll);
	return GetDefaultOpClass(*type, BTREE_AM_OID);
}

static int
ndistinct_desc_cmp(const ListCell *a, const ListCell *b)
{
	const AdvColumn *x = lfirst(a);
	const AdvColumn *y = lfirst(b);

	if (x->ndistinct != y->ndistinct)
		return x->ndistinct > y->ndistinct ? -1 : 1;
	return x->attnum - y->attnum;
}

static bool
has_column(const AttrNumber *cols, int n, AttrNumber attnum)
{
	for (int i = 0; i < n; i++)
		if (cols[i] == attnum)
			return true;
	return false;
}

/*
 * Does a real index already give this: the same method and leading keys,
 * the same predicate?  Its INCLUDE columns do not count: a covering twin of
 * an index the schema has would only replace it, unless that index is a
 * primary key or unique constraint, which stays.
 */
static bool
already_indexed(AdvTable *t, Candidate *c)
{
	ListCell   *lc;

	foreach(lc, t->existing)
	{
		IndexOptInfo *idx = lfirst(lc);
		List	   *pred;
		bool		same_dir = true;
		bool		reversed = true;
		int			i;

		if (idx->relam != c->amoid || idx->nkeycolumns < c->nkeys)
			continue;
		for (i = 0; i < c->nkeys; i++)
		{
			if (idx->indexkeys[i] != c->cols[i] ||
				(c->amoid == GIN_AM_OID && idx->opfamily[i] != c->opfamily))
				break;
			if (c->amoid != BTREE_AM_OID)
				continue;
			if (idx->reverse_sort[i] != c->desc[i])
				same_dir = false;
			else
				reversed = false;
		}
		if (i < c->nkeys || !(same_dir || reversed))
			continue;
		if (idx->unique && c->ncols > c->nkeys && c->nkeys == idx->nkeycolumns)
			continue;			/* a key stays; its covering twin is another index */
		if (idx->indpred == NIL)
			return true;
		pred = copyObject(idx->indpred);
		ChangeVarNodes((Node *) pred, t->existing_varno, 1, 0);
		if (equal(pred, c->predicate))
			return true;
	}
	return false;
}

static bool
same_candidate(Candidate *a, Candidate *b)
{
	return a->relid == b->relid && a->amoid == b->amoid && a->nkeys == b->nkeys &&
		a->ncols == b->ncols && a->opfamily == b->opfamily &&
		memcmp(a->cols, b->cols, a->ncols * sizeof(AttrNumber)) == 0 &&
		memcmp(a->desc, b->desc, a->nkeys * sizeof(bool)) == 0 &&
		equal(a->predicate, b->predicate);
}

/* Keep c unless it cannot be built, is known already, or exists for real. */
static void
offer(List **cands, AdvTable *t, Candidate *c)
{
	ListCell   *lc;

	if (c->nkeys < 1 || list_length(*cands) >= MAX_CANDIDATES)
		return;
	for (int i = 0; i < c->ncols; i++)
	{
		Oid			type;
		int32		typmod;
		Oid			coll;

		if (has_column(c->cols, i, c->cols[i]))
			return;
		if (c->amoid == BTREE_AM_OID && i < c->nkeys &&
			!OidIsValid(adv_btree_opclass(c->relid, c->cols[i], &type, &typmod, &coll)))
			return;
	}
	foreach(lc, *cands)
		if (same_candidate(lfirst(lc), c))
			return;
	if (already_indexed(t, c))
		return;
	*cands = lappend(*cands, c);
}

static Candidate *
new_candidate(AdvTable *t, const char *kind, int nkeys, const AttrNumber *cols,
			  const bool *desc)
{
	Candidate  *c = palloc0(sizeof(Candidate));

	c->relid = t->relid;
	c->tuples = t->tuples;
	c->amoid = BTREE_AM_OID;
	c->kind = kind;
	c->nkeys = c->ncols = Min(nkeys, MAX_KEY_COLUMNS);
	memcpy(c->cols, cols, c->nkeys * sizeof(AttrNumber));
	if (desc)
		memcpy(c->desc, desc, c->nkeys * sizeof(bool));
	c->selectivity = 1.0;
	return c;
}

/*
 * The columns the statement reads from the table that c does not hold: its
 * output, and the columns of every restriction c's predicate does not imply.
 * NULL with *ok false when no index can hold them.
 */
static Bitmapset *
missing_columns(AdvTable *t, Candidate *c, bool *ok)
{
	Bitmapset  *need = bms_copy(t->output);
	ListCell   *lc;
	int			member = -1;
	Bitmapset  *missing = NULL;

	*ok = t->coverable;
	foreach(lc, t->clauses)
	{
		AdvClause  *cl = lfirst(lc);

		if (!list_member(c->predicate, cl->clause))
			need = bms_add_members(need, cl->attnos);
	}
	while ((member = bms_next_member(need, member)) >= 0)
	{
		AttrNumber	attnum = member + FirstLowInvalidHeapAttributeNumber;

		if (attnum <= 0)
			*ok = false;
		else if (!has_column(c->cols, c->ncols, attnum))
			missing = bms_add_member(missing, attnum);
	}
	return missing;
}

/*
 * c with the columns it lacks as INCLUDE columns, when they are few and
 * narrow: an index-only scan then answers the statement.
 */
static void
offer_covering(List **cands, AdvTable *t, Candidate *c)
{
	bool		ok;
	Bitmapset  *missing = missing_columns(t, c, &ok);
	Candidate  *cov;
	int			attnum = -1;
	int			width = 0;

	if (!ok || bms_is_empty(missing) || bms_num_members(missing) > MAX_INCLUDE_COLUMNS ||
		c->amoid != BTREE_AM_OID)
		return;
	cov = palloc(sizeof(Candidate));
	memcpy(cov, c, sizeof(Candidate));
	cov->kind = "covering";
	while ((attnum = bms_next_member(missing, attnum)) >= 0)
	{
		int32		w = get_attavgwidth(c->relid, attnum);

		width += w > 0 ? w : 32;
		cov->cols[cov->ncols++] = attnum;
	}
	if (width <= MAX_INCLUDE_WIDTH)
		offer(cands, t, cov);
}

/* c, and c covering what the statement reads */
static void
offer_both(List **cands, AdvTable *t, Candidate *c)
{
	offer(cands, t, c);
	offer_covering(cands, t, c);
}

/*
 * Is the condition the seed's soft delete, `deleted_at IS NULL` (the column
 * pg_conventions.soft_delete_column names)?  Nearly every row passes it, yet
 * a partial index on it is the seed's shape: the live rows only, and no
 * filter left for the plan to apply.
 */
static bool
soft_delete_filter(AdvTable *t, AdvPredicate *p)
{
	NullTest   *nt = (NullTest *) p->clause;
	char	   *name;

	if (!IsA(nt, NullTest) || nt->nulltesttype != IS_NULL || !IsA(nt->arg, Var) ||
		conv_soft_delete_column == NULL || conv_soft_delete_column[0] == '\0')
		return false;
	name = get_attname(t->relid, p->attnum, true);
	return name != NULL && strcmp(name, conv_soft_delete_column) == 0;
}

/*
 * One key shape, plain and as partial indexes: on each selective condition
 * on a constant, and on all of this statement's conditions together.  A
 * column a predicate fixes leaves the key; if none is left, the most
 * selective predicate's column is the key (an index-only count).
 */
static void
offer_shape(List **cands, AdvTable *t, int n, const AttrNumber *cols, const bool *desc)
{
	const char *kind = n > 1 ? "composite" : "single";
	ListCell   *lc;
	List	   *all = NIL;
	double		all_sel = 1.0;
	AdvPredicate *most = NULL;

	if (n > 0)
		offer_both(cands, t, new_candidate(t, kind, n, cols, desc));
	foreach(lc, t->predicates)
	{
		AdvPredicate *p = lfirst(lc);

		all = lappend(all, p->clause);
		all_sel *= p->selectivity;
		if (most == NULL || p->selectivity < most->selectivity)
			most = p;
	}
	for (int variant = 0; variant <= list_length(t->predicates); variant++)
	{
		AttrNumber	keys[MAX_KEY_COLUMNS];
		bool		keydesc[MAX_KEY_COLUMNS];
		List	   *pred;
		double		sel;
		int			k = 0;
		Candidate  *c;

		bool		soft_delete = false;

		if (variant < list_length(t->predicates))
		{
			AdvPredicate *p = list_nth(t->predicates, variant);

			pred = list_make1(p->clause);
			sel = p->selectivity;
			soft_delete = soft_delete_filter(t, p);
		}
		else
		{
			if (list_length(t->predicates) < 2)
				break;
			pred = all;
			sel = all_sel;
		}
		if (sel > 0.5 && !soft_delete)
			continue;
		for (int i = 0; i < n; i++)
		{
			bool		fixed = false;

			foreach(lc, t->predicates)
			{
				AdvPredicate *p = lfirst(lc);

				if (p->attnum == cols[i] && list_member(pred, p->clause))
					fixed = true;
			}
			if (!fixed)
			{
				keydesc[k] = desc ? desc[i] : false;
				keys[k++] = cols[i];
			}
		}
		if (k == 0)
		{
			keydesc[k] = false;
			keys[k++] = pred == all ? most->attnum : ((AdvPredicate *) list_nth(t->predicates, variant))->attnum;
		}
		c = new_candidate(t, "partial", k, keys, keydesc);
		c->predicate = pred;
		c->selectivity = sel;
		offer_both(cands, t, c);
	}
}

/* Append a column to a key under construction, unless it is there. */
static int
push_key(AttrNumber *cols, bool *desc, int n, AttrNumber attnum, bool descending)
{
	if (n >= MAX_KEY_COLUMNS || has_column(cols, n, attnum))
		return n;
	cols[n] = attnum;
	desc[n] = descending;
	return n + 1;
}

/* Every key shape of one table of one statement. */
static void
table_candidates(List **cands, AdvTable *t)
{
	List	   *eqcols = NIL;
	AttrNumber	range = InvalidAttrNumber;
	ListCell   *lc;
	AttrNumber	cols[MAX_KEY_COLUMNS];
	bool		desc[MAX_KEY_COLUMNS];
	int			neq = 0;
	int			n;

	foreach(lc, t->columns)
	{
		AdvColumn  *c = lfirst(lc);

		if (c->uses & (USE_EQ | USE_RANGE | USE_JOIN))
			offer_shape(cands, t, 1, &c->attnum, NULL);
		if (c->uses & USE_EQ)
			eqcols = lappend(eqcols, c);
		else if ((c->uses & USE_RANGE) && range == InvalidAttrNumber)
			range = c->attnum;
		if (c->uses & USE_GIN)
		{
			Candidate  *g = new_candidate(t, "gin", 1, &c->attnum, NULL);

			g->amoid = GIN_AM_OID;
			g->opfamily = c->gin_opfamily;
			offer(cands, t, g);
		}
	}
	list_sort(eqcols, ndistinct_desc_cmp);
	foreach(lc, eqcols)
		neq = push_key(cols, desc, neq, ((AdvColumn *) lfirst(lc))->attnum, false);

	/* equality columns, then the ORDER BY or the first range column */
	if (neq > 1)
		offer_shape(cands, t, neq, cols, desc);
	if (t->norder > 0)
	{
		n = neq;
		for (int i = 0; i < t->norder; i++)
			n = push_key(cols, desc, n, t->order[i], t->order_desc[i]);
		offer_shape(cands, t, n, cols, desc);
		offer_shape(cands, t, t->norder, t->order, t->order_desc);
	}
	if (range != InvalidAttrNumber)
		offer_shape(cands, t, push_key(cols, desc, neq, range, false), cols, desc);

	/* the join columns: after the equality columns, and leading them */
	foreach(lc, t->columns)
	{
		AdvColumn  *c = lfirst(lc);
		AttrNumber	lead[MAX_KEY_COLUMNS];
		bool		leaddesc[MAX_KEY_COLUMNS];
		int			nlead;

		if (!(c->uses & USE_JOIN))
			continue;
		if (neq > 0)
			offer_shape(cands, t, push_key(cols, desc, neq, c->attnum, false), cols, desc);
		nlead = push_key(lead, leaddesc, 0, c->attnum, false);
		for (int i = 0; i < neq; i++)
			nlead = push_key(lead, leaddesc, nlead, cols[i], false);
		if (nlead > 1)
			offer_shape(cands, t, nlead, lead, leaddesc);
	}
}

/* Do c's leading keys hold the foreign key's columns, in any order, on all rows? */
static bool
covers_key(Candidate *c, const ConvForeignKey *fk)
{
	if (c->amoid != BTREE_AM_OID || c->predicate != NIL || c->nkeys < fk->nkeys)
		return false;
	for (int i = 0; i < fk->nkeys; i++)
		if (!has_column(fk->conkey, fk->nkeys, c->cols[i]))
			return false;
	return true;
}

/*
 * The foreign keys of t that rule foreign_key_index requires an index for
 * (those referencing confrelid only, when it is valid), each with its own
 * index among the candidates (added, or one already there, named for the
 * key) and the candidates that would serve it as well.
 */
static void
add_required(List **result, List **cands, AdvTable *t, Oid confrelid)
{
	ListCell   *fc;

	foreach(fc, conv_required_fk_indexes(t->relid))
	{
		ConvForeignKey *fk = lfirst(fc);
		AdvRequired *r;
		Candidate  *plain;
		ListCell   *cc;

		if (fk->nkeys > MAX_KEY_COLUMNS ||
			(OidIsValid(confrelid) && fk->confrelid != confrelid))
			continue;
		plain = new_candidate(t, "foreign key", fk->nkeys, fk->conkey, NULL);
		r = palloc0(sizeof(AdvRequired));
		r->relid = t->relid;
		r->conname = fk->conname;
		foreach(cc, *cands)
			if (same_candidate(lfirst(cc), plain))
				plain = lfirst(cc);
		if (!list_member_ptr(*cands, plain))
			*cands = lappend(*cands, plain);
		plain->kind = "foreign key";
		r->plain = plain;
		foreach(cc, *cands)
			if (((Candidate *) lfirst(cc))->relid == t->relid && covers_key(lfirst(cc), fk))
				r->covering = lappend(r->covering, lfirst(cc));
		*result = lappend(*result, r);
	}
}

/* A table whose foreign key references one the workload writes. */
typedef struct Referencing
{
	AdvTable	table;
	Oid			confrelid;		/* the table written */
} Referencing;

/*
 * The tables whose foreign keys reference the table an UPDATE or DELETE
 * of the workload writes: each row it changes is looked up in them, by the
 * key's index or by a scan, in checks the plan does not show (Referencing *).
 */
static List *
referencing_tables(List *items, List *seen)
{
	List	   *tables = NIL;
	ListCell   *lc;

	foreach(lc, items)
	{
		ListCell   *qc;

		foreach(qc, ((WorkItem *) lfirst(lc))->queries)
		{
			Query	   *q = lfirst(qc);
			Oid			target;
			ListCell   *kc;

			if ((q->commandType != CMD_UPDATE && q->commandType != CMD_DELETE) ||
				q->resultRelation <= 0)
				continue;
			target = rt_fetch(q->resultRelation, q->rtable)->relid;
			foreach(kc, conv_foreign_key_links(target, true))
			{
				ConvForeignKeyLink *link = lfirst(kc);
				Referencing *r;
				HeapTuple	tup;
				double		pages;
				double		tuples;

				char		method;
				AttrNumber	distcol;

				/* a Citus table gets no advice (discover.c says why) */
				if (list_member_oid(seen, link->conrelid) ||
					(conv_citus_present() && conv_citus_table(link->conrelid, &method, &distcol)))
					continue;
				seen = lappend_oid(seen, link->conrelid);
				tup = SearchSysCache1(RELOID, ObjectIdGetDatum(link->conrelid));
				if (!HeapTupleIsValid(tup))
					continue;
				pages = ((Form_pg_class) GETSTRUCT(tup))->relpages;
				tuples = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
				ReleaseSysCache(tup);
				conv_class_figures(link->conrelid, &pages, &tuples);	/* production's, on a twin */
				r = palloc0(sizeof(Referencing));
				r->table.relid = link->conrelid;
				r->table.tuples = Max(tuples, 1.0);
				r->confrelid = target;
				tables = lappend(tables, r);
			}
		}
	}
	return tables;
}

/*
 * The foreign keys that rule foreign_key_index requires an index for, of
 * the tables the workload reads and of those referencing a table it
 * updates or deletes from (AdvRequired *).
 */
List *
adv_required_indexes(List *items, List **cands)
{
	List	   *result = NIL;
	List	   *seen = NIL;
	ListCell   *lc;

	foreach(lc, items)
	{
		ListCell   *tc;

		foreach(tc, ((WorkItem *) lfirst(lc))->tables)
		{
			AdvTable   *t = lfirst(tc);

			if (list_member_oid(seen, t->relid))
				continue;
			seen = lappend_oid(seen, t->relid);
			add_required(&result, cands, t, InvalidOid);
		}
	}
	foreach(lc, referencing_tables(items, seen))
	{
		Referencing *r = lfirst(lc);

		add_required(&result, cands, &r->table, r->confrelid);
	}
	return result;
}

/* The candidates of a workload: every shape of every table of every statement. */
List *
adv_make_candidates(List *items)
{
	List	   *cands = NIL;
	ListCell   *lc;

	foreach(lc, items)
	{
		ListCell   *tc;

		foreach(tc, ((WorkItem *) lfirst(lc))->tables)
			table_candidates(&cands, lfirst(tc));
	}
	return cands;
}
