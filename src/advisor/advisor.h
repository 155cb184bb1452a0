/*-------------------------------------------------------------------------
 *
 * advisor.h
 *		The index advisor's parts, in the order a call goes through them:
 *
 *	advisor.c		suggest_indexes(): the query or the workload, parsed
 *					and analysed into items
 *	discover.c		a first planning of each item records what it asks of
 *					each table (set_rel_pathlist_hook)
 *	candidates.c	indexes that could answer it: btree (composite, partial,
 *					covering) and GIN
 *	hypothetical.c	a candidate as the planner sees it, with its size and
 *					write cost (get_relation_info_hook), and the workload's
 *					cost with a set of them
 *	robust.c		a plan's cost as the advisor judges it: a LIMIT that
 *					stops early over filtered rows, and a nested loop over
 *					a join estimated too low, at their worst case
 *	search.c		the choice: per-query configurations, benefit per byte
 *					net of the write cost, the budget, the rows
 *
 *-------------------------------------------------------------------------
 */
#ifndef CONV_ADVISOR_H
#define CONV_ADVISOR_H

#include "pg_conventions.h"

#include "nodes/execnodes.h"
#include "nodes/params.h"
#include "nodes/pathnodes.h"

/* kinds of use a column gets */
#define USE_EQ		0x01		/* col = constant, col IN (...), col = ANY(array) */
#define USE_RANGE	0x02		/* col < constant, ... */
#define USE_JOIN	0x04		/* col = other table's column */
#define USE_GIN		0x08		/* col @> constant, col ? key, col && array */

#define MAX_KEY_COLUMNS 4
#define MAX_INCLUDE_COLUMNS 4
#define MAX_INDEX_COLUMNS (MAX_KEY_COLUMNS + MAX_INCLUDE_COLUMNS)
#define MAX_CANDIDATES 400

/* A column of a table and what the query does with it. */
typedef struct AdvColumn
{
	AttrNumber	attnum;
	int			uses;
	double		ndistinct;		/* from the statistics; more is more selective */
	Oid			gin_opfamily;	/* USE_GIN: the default GIN family that has the operator */
} AdvColumn;

/* A condition on a constant that a partial index could carry. */
typedef struct AdvPredicate
{
	Expr	   *clause;			/* Vars numbered 1 */
	AttrNumber	attnum;			/* the column it constrains */
	double		selectivity;
} AdvPredicate;

/* A restriction of the table and the columns it reads. */
typedef struct AdvClause
{
	Expr	   *clause;			/* Vars numbered 1 */
	Bitmapset  *attnos;			/* offset by FirstLowInvalidHeapAttributeNumber */
} AdvClause;

/* What one table of one statement needs, merged over its occurrences. */
typedef struct AdvTable
{
	Oid			relid;
	double		tuples;
	List	   *columns;		/* AdvColumn * */
	List	   *predicates;		/* AdvPredicate * */
	List	   *clauses;		/* AdvClause *: its restrictions */
	Bitmapset  *output;			/* columns read above the scan (offset as attnos) */
	bool		coverable;		/* no whole-row or system column read */
	int			norder;			/* ORDER BY columns this table alone sorts */
	AttrNumber	order[MAX_KEY_COLUMNS];
	bool		order_desc[MAX_KEY_COLUMNS];
	List	   *existing;		/* IndexOptInfo * of its real indexes */
	Index		existing_varno; /* their Vars' number */
} AdvTable;

/* A hypothetical index. */
typedef struct Candidate
{
	Oid			relid;
	Oid			fakeoid;
	Oid			amoid;			/* BTREE_AM_OID or GIN_AM_OID */
	const char *kind;			/* single, composite, partial, covering, gin */
	int			nkeys;
	int			ncols;			/* keys, then INCLUDE columns */
	AttrNumber	cols[MAX_INDEX_COLUMNS];
	bool		desc[MAX_KEY_COLUMNS];
	Oid			opfamily;		/* GIN: its operator family */
	/* resolved once (adv_size_candidates), read at every planning */
	Oid			types[MAX_INDEX_COLUMNS];
	int32		typmods[MAX_INDEX_COLUMNS];
	Oid			collations[MAX_INDEX_COLUMNS];
	Oid			families[MAX_KEY_COLUMNS];	/* operator family of each key */
	Oid			intypes[MAX_KEY_COLUMNS];	/* its operator class's input type */
	List	   *predicate;		/* implicit AND, Vars numbered 1; NIL if none */
	double		selectivity;	/* of the predicate */
	double		tuples;			/* the table's rows, as the planner saw them */
	double		size;			/* estimated bytes */
	double		most;			/* the most bytes it may take: what a budget counts */
	int			tree_height;	/* estimated; -1 when not a btree */
	double		write_cost;		/* of keeping it up to date, in the workload's units */
	bool		used;			/* in the last plan */
	Cost		alone;			/* workload cost with this index alone */
	bool		required;		/* chosen for a foreign key: kept whatever the plans */
} Candidate;

/*
 * A foreign key that rule foreign_key_index requires an index for: every
 * answer has one (its own, or a candidate that leads with its columns).
 */
typedef struct AdvRequired
{
	Oid			relid;
	const char *conname;
	Candidate  *plain;			/* the key's columns alone */
	List	   *covering;		/* Candidate *: those that cover it, plain too */
	Candidate  *chosen;			/* the one chosen for it, or NULL */
} AdvRequired;

/*
 * One statement of the workload as the advisor plans it: its analysed
 * queries, the parameter values it is planned with (NULL: a generic plan)
 * and how many executions it stands for.
 */
typedef struct WorkItem
{
	int			stmt;			/* statement number; value sets share it */
	const char *sql;
	List	   *queries;		/* Query *, analysed and rewritten */
	ParamListInfo params;
	double		weight;
	List	   *tables;			/* AdvTable * it reads, from discovery */
	List	   *relids;			/* their OIDs */
	Oid			write_relid;	/* an UPDATE: its table, the columns it sets and */
	Bitmapset  *write_cols;		/* (attnos) the rows it is estimated to write */
	double		write_rows;
	double		actual_rows;	/* per execution, as the capture measured; -1: not known */
	double		actual_ms;		/* executor time per execution, as the capture measured; -1 */
	bool		misestimated;	/* its time, for its estimate, is far from the workload's */
	Cost		base;			/* cost without hypothetical indexes */
	Cost		base_loops;		/* the risk of its nested loops then (robust.c) */
	Cost		current;		/* with the indexes chosen so far */
	Cost		trial;			/* at the last planning */
} WorkItem;

/* Rows the workload inserts into a table (INSERT and COPY statements). */
typedef struct AdvInsert
{
	Oid			relid;
	double		rows;
} AdvInsert;

/* discover.c */
extern void adv_discover_init(void);
extern void adv_discover_item(WorkItem *w);
extern void adv_discover_reset(void);

/* candidates.c */
extern List *adv_make_candidates(List *items);
extern List *adv_required_indexes(List *items, List **cands);
extern Oid	adv_btree_opclass(Oid relid, AttrNumber attnum, Oid *type, int32 *typmod, Oid *coll);

/* hypothetical.c */
extern void adv_hypothetical_init(void);
extern void adv_size_candidates(List *cands, List *items, List *inserts);
extern double adv_existing_index_pages(Oid relid, const IndexOptInfo *info, double tuples,
									   int *height);
extern double adv_workload_cost(List *items, List *candidates, List *focus);
extern int64 adv_plans;

/* robust.c */
extern Cost adv_judged_cost(WorkItem *w, PlannedStmt *ps, Cost *loops);
extern Cost adv_loops_beyond_base(WorkItem *w, Cost loops);
extern void adv_mark_misestimates(List *items);

/* search.c */
extern void adv_advise(ReturnSetInfo *rsinfo, List *items, List *texts, List *inserts,
					   int budget, int64 max_size, bool by_bytes);

#endif							/* CONV_ADVISOR_H */
