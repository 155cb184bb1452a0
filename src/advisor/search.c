/*-------------------------------------------------------------------------
 *
 * search.c
 *		The advisor's choice among the candidates, and its rows.
 *
 * A unit of choice is a candidate that lowers the workload's estimated
 * cost alone, or a statement's configuration: the candidates its plan uses
 * when every candidate of its tables exists, which may help only together
 * (two sides of a join, the two arms of an OR).  A greedy pass adds, each
 * round, the unit with the largest net benefit per byte: the cost it saves
 * given those already chosen, less the cost of keeping its indexes up to
 * date under the table's writes.  With max_indexes and no max_size the
 * count is the scarce thing, and the net benefit alone ranks.  A unit is
 * kept only when its net benefit is at least 1 % of the cost left.  The
 * pass says why it stopped.
 *
 *-------------------------------------------------------------------------
 */
#include "advisor.h"

#include <math.h>

#include "access/htup_details.h"
#include "commands/defrem.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#define MIN_GAIN 0.01			/* of the cost left, for a unit to be kept */

/* One thing the greedy pass may add: one candidate or a configuration. */
typedef struct Unit
{
	List	   *members;		/* Candidate * */
	double		alone;			/* workload cost with it alone */
	bool		configuration;
	/* its last evaluation, valid until an index on a table it reads with is chosen */
	bool		evaluated;
	double		saved;			/* cost it saves given those chosen */
	bool		usable;			/* the plans use all its new members */
	double		score;			/* its last score, a bound on the next; HUGE_VAL: none yet */
	double		net;			/* and the cost it saved net of its writes (-HUGE_VAL: unusable) */
	int			pos;			/* its place among the units: the last tie-break */
} Unit;

/* Why the pass stopped. */
typedef enum StopReason
{
	STOP_NOTHING,				/* no unit at all */
	STOP_EXHAUSTED,				/* every unit chosen */
	STOP_GAIN,					/* none left gains enough */
	STOP_COUNT,					/* max_indexes reached */
	STOP_SIZE					/* the units left do not fit max_size */
} StopReason;

static char *candidate_sql(Candidate *c, List **names);
static bool all_used(List *cands);

/* OIDs no relation has, counted down from the first normal OID. */
static void
assign_fake_oids(List *cands)
{
	Oid			next = FirstNormalObjectId - 1;
	ListCell   *lc;

	foreach(lc, cands)
	{
		while (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(next)))
			next--;
		((Candidate *) lfirst(lc))->fakeoid = next--;
	}
}

static Unit *
new_unit(List *members, double alone, bool configuration)
{
	Unit	   *u = palloc0(sizeof(Unit));

	u->members = members;
	u->alone = alone;
	u->configuration = configuration;
	u->score = u->net = HUGE_VAL;
	return u;
}

/*
 * A unit just planned alone (adv_workload_cost() with its members, which
 * marked those the plans use), with nothing chosen: that is its first
 * evaluation too.
 */
static Unit *
evaluated_unit(List *members, double alone, double base, bool configuration)
{
	Unit	   *u = new_unit(members, alone, configuration);

	u->evaluated = true;
	u->usable = all_used(members);
	u->saved = base - alone;
	return u;
}

static bool
same_members(List *a, List *b)
{
	ListCell   *lc;

	if (list_length(a) != list_length(b))
		return false;
	foreach(lc, a)
		if (!list_member_ptr(b, lfirst(lc)))
			return false;
	return true;
}

/* Candidates on any of these tables. */
static List *
candidates_on(List *cands, List *relids)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, cands)
		if (list_member_oid(relids, ((Candidate *) lfirst(lc))->relid))
			result = lappend(result, lfirst(lc));
	return result;
}

static List *
used_of(List *cands)
{
	List	   *used = NIL;
	ListCell   *lc;

	foreach(lc, cands)
		if (((Candidate *) lfirst(lc))->used)
			used = lappend(used, lfirst(lc));
	return used;
}

static bool
all_used(List *cands)
{
	ListCell   *lc;

	foreach(lc, cands)
		if (!((Candidate *) lfirst(lc))->used)
			return false;
	return true;
}

/*
 * The planner picks among indexes of equal cost as it meets them; a
 * configuration is worth the fewest bytes that plan as cheaply.  Each member
 * is swapped for a smaller candidate of its table with the same leading
 * column when the statement's cost stays within 0.1 %.
 */
static List *
smallest_configuration(WorkItem *w, List *mine, List *used)
{
	List	   *items = list_make1(w);
	double		cost = adv_workload_cost(items, used, NIL);
	ListCell   *uc;

	foreach(uc, used)
	{
		Candidate  *m = lfirst(uc);
		ListCell   *lc;

		foreach(lc, mine)
		{
			Candidate  *o = lfirst(lc);
			double		trial;

			if (o->relid != m->relid || o->cols[0] != m->cols[0] || o->size >= m->size ||
				list_member_ptr(used, o))
				continue;
			lfirst(uc) = o;
			trial = adv_workload_cost(items, used, NIL);
			if (trial <= cost * 1.001 && all_used(used))
				m = o;
			else
				lfirst(uc) = m;
		}
	}
	return used;
}

/*
 * The units: each candidate the plans use alone and that lowers the cost,
 * then each statement's configuration of two or more.
 */
static List *
make_units(List *items, List *cands, double base)
{
	List	   *units = NIL;
	ListCell   *lc;

	foreach(lc, cands)
	{
		Candidate  *c = lfirst(lc);

		c->alone = adv_workload_cost(items, list_make1(c), list_make1_oid(c->relid));
		ereport(DEBUG1,
				(errmsg_internal("suggest_indexes() candidate %s: cost %.2f alone (%.2f without), %s, %.0f bytes, write cost %.2f",
								 candidate_sql(c, NULL), c->alone, base, c->used ? "used" : "not used",
								 c->size, c->write_cost)));
		if (c->used && c->alone < base)
			units = lappend(units, evaluated_unit(list_make1(c), c->alone, base, false));
	}
	foreach(lc, items)
	{
		WorkItem   *w = lfirst(lc);
		List	   *mine = candidates_on(cands, w->relids);
		List	   *used;
		ListCell   *uc;
		bool		known = false;

		if (list_length(mine) < 2)
			continue;
		(void) adv_workload_cost(list_make1(w), mine, NIL);
		used = used_of(mine);
		if (list_length(used) < 2)
			continue;
		used = smallest_configuration(w, mine, used);
		foreach(uc, units)
			if (same_members(((Unit *) lfirst(uc))->members, used))
				known = true;
		if (!known)
			units = lappend(units, evaluated_unit(used, adv_workload_cost(items, used, w->relids),
												  base, true));
	}
	foreach(lc, units)
		((Unit *) lfirst(lc))->pos = foreach_current_index(lc);
	return units;
}

/* Members of u not chosen yet, and their bytes, write cost and tables. */
static List *
new_members(Unit *u, List *chosen, double *size, double *write_cost, List **relids)
{
	List	   *result = NIL;
	ListCell   *lc;

	*size = *write_cost = 0;
	*relids = NIL;
	foreach(lc, u->members)
	{
		Candidate  *c = lfirst(lc);

		if (list_member_ptr(chosen, c))
			continue;
		result = lappend(result, c);
		*size += c->size;
		*write_cost += c->write_cost;
		*relids = list_append_unique_oid(*relids, c->relid);
	}
	return result;
}


/* The most bytes these candidates may take (Candidate.most): what a budget counts. */
static double
most_of(List *cands)
{
	double		most = 0;
	ListCell   *lc;

	foreach(lc, cands)
		most += ((Candidate *) lfirst(lc))->most;
	return most;
}

static int
include_columns(List *cands)
{
	int			n = 0;
	ListCell   *lc;

	foreach(lc, cands)
		n += ((Candidate *) lfirst(lc))->ncols - ((Candidate *) lfirst(lc))->nkeys;
	return n;
}

/* State of the greedy pass. */
typedef struct Search
{
	List	   *items;
	List	   *units;
	List	   *chosen;			/* Candidate * */
	double		base;			/* workload cost without them */
	double		current;		/* workload cost with them */
	double		size;			/* the most bytes they may take (Candidate.most) */
	int			budget;			/* max_indexes */
	int64		max_size;		/* -1: none */
	bool		by_bytes;		/* rank by benefit per byte */
	StopReason	reason;
	/* STOP_SIZE, STOP_COUNT: the unit the budget left out, its new members and their bytes */
	Unit	   *left_out;
	List	   *left_out_members;
	double		left_out_size;
	double		left_out_write;
	List	   *left_out_relids;
	List	   *required;		/* AdvRequired *: the foreign keys' indexes */
} Search;

/*
 * The unit's evaluation given those chosen: the cost it saves, and whether
 * the plans use all its new members.
 */
static void
evaluate(Search *s, Unit *u, List *add, List *relids)
{
	double		cost;

	if (u->evaluated)
		return;
	cost = adv_workload_cost(s->items, list_concat(list_copy(s->chosen), add), relids);
	u->usable = all_used(add);
	u->saved = s->current - cost;
	u->evaluated = true;
}

/* Its score, or -1 when it is not worth choosing (gains: it saves some). */
static double
score_of(Search *s, Unit *u, double size, double write_cost, bool *gains)
{
	double		net = u->saved - write_cost;

	if (!u->usable)
		return -1;
	if (net < MIN_GAIN * s->current)
	{
		*gains |= u->saved > 0;
		return -1;
	}
	return s->by_bytes ? net / Max(size, 1.0) : net;
}

/*
 * Does a beat b: a better score, or on a tie fewer INCLUDE columns (its keys
 * serve more), or on a tie of both the earlier unit (whatever the order they
 * are met in)?
 */
static bool
better(Unit *a, double a_score, List *a_add, Unit *b, double b_score)
{
	int			a_inc,
				b_inc;

	if (b == NULL || a_score > b_score)
		return true;
	if (a_score < b_score)
		return false;
	a_inc = include_columns(a_add);
	b_inc = include_columns(b->members);
	return a_inc < b_inc || (a_inc == b_inc && a->pos < b->pos);
}

/* Evaluate u and keep it in *best when it beats it. */
static void
consider(Search *s, Unit *u, List *add, List *relids, double size, double write_cost,
		 Unit **best, double *best_score, bool *gains)
{
	double		score;

	evaluate(s, u, add, relids);
	score = score_of(s, u, size, write_cost, gains);
	u->score = score;
	u->net = u->usable ? u->saved - write_cost : -HUGE_VAL;
	if (score >= 0 && better(u, score, add, *best, *best_score))
	{
		*best = u;
		*best_score = score;
	}
}

/* The same, with what u adds given those chosen. */
static void
consider_unit(Search *s, Unit *u, Unit **best, double *best_score, bool *gains)
{
	double		size;
	double		write_cost;
	List	   *relids;
	List	   *add = new_members(u, s->chosen, &size, &write_cost, &relids);

	consider(s, u, add, relids, size, write_cost, best, best_score, gains);
}

/*
 * The budget stopped the pass only if a unit it left out would have been
 * chosen: evaluated now (units over the budget are not planned while others
 * fit), the best of those worth choosing, or NULL.
 */
static Unit *
best_left_out(Search *s, List *over, bool *gains)
{
	Unit	   *best = NULL;
	double		best_score = 0;
	ListCell   *lc;

	foreach(lc, over)
	{
		CHECK_FOR_INTERRUPTS();
		consider_unit(s, lfirst(lc), &best, &best_score, gains);
	}
	return best;
}

/*
 * Does a candidate of add repeat the keys of one chosen for a foreign key on
 * its table (the same columns in the same order and directions, whatever its
 * predicate or INCLUDE columns)?  Such a pair is one index too many, and the
 * foreign key's stays: a partial or covering twin of it is not suggested.
 * (Twins of other chosen indexes are settled by prune(): the one that
 * serves less goes.)
 */
static bool
repeats_keys(List *add, List *chosen)
{
	ListCell   *lc;

	foreach(lc, add)
	{
		Candidate  *a = lfirst(lc);
		ListCell   *cc;

		foreach(cc, chosen)
		{
			Candidate  *c = lfirst(cc);

			if (c->required && c->relid == a->relid && c->amoid == a->amoid && c->nkeys == a->nkeys &&
				memcmp(c->cols, a->cols, a->nkeys * sizeof(AttrNumber)) == 0 &&
				memcmp(c->desc, a->desc, a->nkeys * sizeof(bool)) == 0)
				return true;
		}
	}
	return false;
}

/* The higher last score first; on a tie, the earlier unit. */
static int
last_score_cmp(const ListCell *a, const ListCell *b)
{
	Unit	   *x = lfirst(a);
	Unit	   *y = lfirst(b);

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->pos - y->pos;
}

/*
 * One round: the best unit to add, or NULL with the reason.
 *
 * Lazily, as in Minoux's accelerated greedy: a unit's score only falls as
 * indexes are chosen (what one saves, another has often saved already), so
 * its last score bounds its next.  The units are met by last score, and one
 * whose evaluation no longer holds is planned again only while that bound
 * can beat the best found this round; until one is found, only while what
 * it last saved can still reach the gain a unit needs.  When none is found,
 * those left unplanned that saved something are planned until one still
 * does: the reason the pass stops (no other saves 1 %, or every one worth
 * its cost chosen) is the one a full round would give.
 */
static Unit *
best_unit(Search *s)
{
	Unit	   *best = NULL;
	double		best_score = 0;
	bool		gains = false;
	List	   *over = NIL;
	List	   *order = list_copy(s->units);
	List	   *unsure = NIL;
	ListCell   *lc;

	s->left_out = NULL;
	list_sort(order, last_score_cmp);
	foreach(lc, order)
	{
		Unit	   *u = lfirst(lc);
		double		size;
		double		write_cost;
		List	   *relids;
		List	   *add = new_members(u, s->chosen, &size, &write_cost, &relids);

		CHECK_FOR_INTERRUPTS();
		if (add == NIL || repeats_keys(add, s->chosen))
			continue;
		if (list_length(s->chosen) + list_length(add) > s->budget ||
			(s->max_size >= 0 && s->size + most_of(add) > (double) s->max_size))
		{
			over = lappend(over, u);
			continue;
		}
		if (!u->evaluated && (best != NULL ? u->score < best_score :
							  u->net < MIN_GAIN * s->current))
		{
			if (u->net > -HUGE_VAL && u->saved > 0)
				unsure = lappend(unsure, u);
			continue;
		}
		consider(s, u, add, relids, size, write_cost, &best, &best_score, &gains);
	}
	list_free(order);

	/*
	 * Whether one still saves anything, if less than the gain: only planning
	 * tells, and only the reason the pass stops needs it.
	 */
	foreach(lc, unsure)
	{
		if (best != NULL || gains)
			break;
		consider_unit(s, lfirst(lc), &best, &best_score, &gains);
	}
	if (best == NULL)
	{
		s->left_out = best_left_out(s, over, &gains);
		if (s->left_out != NULL)
		{
			List	   *add = new_members(s->left_out, s->chosen, &s->left_out_size,
										  &s->left_out_write, &s->left_out_relids);
			s->left_out_size = most_of(add);

			s->left_out_members = add;
			s->reason = list_length(s->chosen) + list_length(add) > s->budget ?
				STOP_COUNT : STOP_SIZE;
		}
		else if (s->chosen == NIL && !gains)
			s->reason = STOP_NOTHING;
		else
			s->reason = gains ? STOP_GAIN : STOP_EXHAUSTED;
	}
	return best;
}

static bool
reads_any(WorkItem *w, List *relids)
{
	ListCell   *lc;

	foreach(lc, relids)
		if (list_member_oid(w->relids, lfirst_oid(lc)))
			return true;
	return false;
}

/*
 * A unit's evaluation holds while no statement it is planned with reads a
 * table whose chosen indexes changed (OIDs): the other statements' plans, and
 * so what it saves, are the same.  Its last score stays a bound while none of
 * its members was chosen or dropped (flipped).
 */
static void
invalidate(Search *s, List *changed, List *flipped)
{
	ListCell   *uc;

	foreach(uc, s->units)
	{
		Unit	   *u = lfirst(uc);
		ListCell   *ic;

		/* members chosen or dropped: what it adds changed, its last score bounds nothing */
		foreach(ic, u->members)
			if (list_member_ptr(flipped, lfirst(ic)))
				u->score = HUGE_VAL;

		foreach(ic, s->items)
		{
			WorkItem   *w = lfirst(ic);
			ListCell   *mc;
			bool		reads_unit = false;

			if (!u->evaluated)
				break;
			foreach(mc, u->members)
				reads_unit |= list_member_oid(w->relids, ((Candidate *) lfirst(mc))->relid);
			if (reads_unit && reads_any(w, changed))
				u->evaluated = false;
		}
	}
}

/* DEBUG1: where the call's time goes, phase by phase (plans made so far, seconds) */
static void
say_phase(const char *phase, int n, TimestampTz start)
{
	long		secs;
	int			usecs;

	TimestampDifference(start, GetCurrentTimestamp(), &secs, &usecs);
	ereport(DEBUG1,
			(errmsg_internal("suggest_indexes() %s %d: " INT64_FORMAT " plans so far, %.1f s",
							 phase, n, adv_plans, secs + usecs / 1e6)));
}

/* Choose: the greedy pass over the units. */
static void
choose(Search *s, TimestampTz start)
{
	ListCell   *lc;
	Unit	   *u;
	int			round = 0;

	while ((u = best_unit(s)) != NULL)
	{
		double		size;
		double		write_cost;
		List	   *changed;
		List	   *flipped = new_members(u, s->chosen, &size, &write_cost, &changed);
		bool		pruned = false;

		s->chosen = list_concat(s->chosen, flipped);

		/* one the plans no longer use makes no suggestion */
		s->current = adv_workload_cost(s->items, s->chosen, NIL);
		foreach(lc, s->chosen)
			if (!((Candidate *) lfirst(lc))->used && !((Candidate *) lfirst(lc))->required)
			{
				changed = list_append_unique_oid(changed, ((Candidate *) lfirst(lc))->relid);
				flipped = lappend(flipped, lfirst(lc));
				s->chosen = foreach_delete_current(s->chosen, lc);
				pruned = true;
			}
		invalidate(s, changed, flipped);
		if (pruned)
			s->current = adv_workload_cost(s->items, s->chosen, NIL);
		s->size = most_of(s->chosen);
		foreach(lc, s->items)
			((WorkItem *) lfirst(lc))->current = ((WorkItem *) lfirst(lc))->trial;
		say_phase("round", ++round, start);
	}
}

/* Does c fit the budget beside those chosen? */
static bool
fits(Search *s, Candidate *c)
{
	return list_length(s->chosen) < s->budget &&
		(s->max_size < 0 || s->size + c->most <= (double) s->max_size);
}

/*
 * Every answer starts with an index for each foreign key rule
 * foreign_key_index requires one for: of the candidates that cover the key,
 * the one that saves the workload most net of its writes (with the key's
 * own index when none saves), if the budget has room for it, else the key's
 * own if that fits; the keys whose indexes save most first.  Kept whatever
 * the plans use.
 */
static Cost
best_alone(AdvRequired *r)
{
	Cost		best = r->plain->alone + r->plain->write_cost;
	ListCell   *lc;

	foreach(lc, r->covering)
		best = Min(best, ((Candidate *) lfirst(lc))->alone + ((Candidate *) lfirst(lc))->write_cost);
	return best;
}

/* The key whose index saves the workload most first: it gets the budget first. */
static int
required_cmp(const ListCell *a, const ListCell *b)
{
	Cost		x = best_alone(lfirst(a));
	Cost		y = best_alone(lfirst(b));

	return x < y ? -1 : x > y;
}

static void
choose_required(Search *s)
{
	List	   *changed = NIL;
	ListCell   *lc;

	list_sort(s->required, required_cmp);

	foreach(lc, s->required)
	{
		AdvRequired *r = lfirst(lc);
		Candidate  *best = r->plain;
		ListCell   *cc;

		foreach(cc, r->covering)
		{
			Candidate  *c = lfirst(cc);

			if (list_member_ptr(s->chosen, c))
			{
				best = c;		/* another key's choice serves this one */
				break;
			}
			/* on a tie, fewer INCLUDE columns: (tag_id, post_id), the seed's junction key */
			if (c->alone + c->write_cost < s->base * (1.0 - MIN_GAIN) &&
				(c->alone + c->write_cost < best->alone + best->write_cost ||
				 (c->alone + c->write_cost == best->alone + best->write_cost &&
				  c->ncols - c->nkeys < best->ncols - best->nkeys)))
				best = c;
		}
		if (!list_member_ptr(s->chosen, best) && !fits(s, best))
			best = r->plain;
		if (!list_member_ptr(s->chosen, best))
		{
			if (!fits(s, best))
				continue;
			s->chosen = lappend(s->chosen, best);
			s->size += best->most;
		}
		best->required = true;
		r->chosen = best;
	}
	if (s->chosen == NIL)
		return;
	s->current = adv_workload_cost(s->items, s->chosen, NIL);
	foreach(lc, s->items)
		((WorkItem *) lfirst(lc))->current = ((WorkItem *) lfirst(lc))->trial;
	/* the units were evaluated with nothing chosen */
	foreach(lc, s->chosen)
		changed = list_append_unique_oid(changed, ((Candidate *) lfirst(lc))->relid);
	invalidate(s, changed, s->chosen);
}

/* Does a statement of the workload read both tables? */
static bool
read_together(Search *s, Oid a, Oid b)
{
	ListCell   *lc;

	foreach(lc, s->items)
	{
		WorkItem   *w = lfirst(lc);

		if (list_member_oid(w->relids, a) && list_member_oid(w->relids, b))
			return true;
	}
	return false;
}

/* A chosen index prune() may drop, and what dropping it would cost. */
typedef struct PruneEntry
{
	Candidate  *c;
	double		loss;			/* net of its writes; -HUGE_VAL: not known yet */
	bool		valid;			/* still true: no statement that reads its table changed */
	int			pos;			/* its place among those chosen: on a tie, the earlier goes */
} PruneEntry;

/* The lower last loss first: the likelier to go. */
static int
last_loss_cmp(const ListCell *a, const ListCell *b)
{
	PruneEntry *x = lfirst(a);
	PruneEntry *y = lfirst(b);

	if (x->loss != y->loss)
		return x->loss < y->loss ? -1 : 1;
	return x->pos - y->pos;
}

/*
 * An index chosen early may be worth little once later ones exist (a partial
 * index for one statement, then an index that serves it and others).  Drop,
 * one at a time, the chosen index whose absence costs least, while that is
 * under the gain a unit needs to be chosen.  What an absence costs is the
 * change of the statements that read its table, so it holds until one of
 * them reads the table of an index dropped; and, as with the units' scores,
 * lazily: an index only matters more as others go, so its last loss bounds
 * its next from below, and it is planned again only while that bound can be
 * the least and under the gain.
 */
static void
prune(Search *s)
{
	List	   *entries = NIL;
	ListCell   *lc;

	foreach(lc, s->chosen)
		if (!((Candidate *) lfirst(lc))->required)
		{
			PruneEntry *e = palloc0(sizeof(PruneEntry));

			e->c = lfirst(lc);
			e->loss = -HUGE_VAL;
			e->pos = foreach_current_index(lc);
			entries = lappend(entries, e);
		}
	while (list_length(s->chosen) > 1)
	{
		PruneEntry *weakest = NULL;

		list_sort(entries, last_loss_cmp);
		foreach(lc, entries)
		{
			PruneEntry *e = lfirst(lc);

			if (!e->valid && (e->loss >= MIN_GAIN * s->current ||
							  (weakest != NULL && e->loss >= weakest->loss)))
				continue;
			if (!e->valid)
			{
				List	   *others = list_delete_ptr(list_copy(s->chosen), e->c);

				e->loss = adv_workload_cost(s->items, others, list_make1_oid(e->c->relid)) -
					s->current - e->c->write_cost;
				e->valid = true;
				list_free(others);
			}
			if (weakest == NULL || e->loss < weakest->loss ||
				(e->loss == weakest->loss && e->pos < weakest->pos))
				weakest = e;
		}
		if (weakest == NULL || weakest->loss >= MIN_GAIN * s->current)
			break;
		s->chosen = list_delete_ptr(s->chosen, weakest->c);
		entries = list_delete_ptr(entries, weakest);
		s->current = adv_workload_cost(s->items, s->chosen, NIL);
		s->size -= weakest->c->most;
		foreach(lc, s->items)
			((WorkItem *) lfirst(lc))->current = ((WorkItem *) lfirst(lc))->trial;
		foreach(lc, entries)
		{
			PruneEntry *e = lfirst(lc);

			if (read_together(s, e->c->relid, weakest->c->relid))
				e->valid = false;
		}
	}
}

/* ---- the rows ---- */

static char *
predicate_sql(Candidate *c)
{
	List	   *ctx = deparse_context_for(get_rel_name(c->relid), c->relid);
	Expr	   *pred = list_length(c->predicate) == 1 ? linitial(c->predicate) :
		make_andclause(c->predicate);

	return deparse_expression((Node *) pred, ctx, false, false);
}

/*
 * Is this index name taken: by a relation, or by one of this call's
 * suggestions (names: char *, one schema's, of those already made)?
 */
static bool
name_taken(Oid nspid, const char *name, void *arg)
{
	List	   *names = arg ? *(List **) arg : NIL;
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(lfirst(lc), psprintf("%u.%s", nspid, name)) == 0)
			return true;
	return OidIsValid(get_relname_relid(name, nspid));
}

/*
 * The CREATE INDEX of a candidate.  Its name is added to names when given:
 * two suggestions of one call never share a name (IF NOT EXISTS would skip
 * the second).
 */
static char *
candidate_sql(Candidate *c, List **names)
{
	Oid			nspid = get_rel_namespace(c->relid);
	const char *colnames[MAX_INDEX_COLUMNS];
	char	   *name;
	StringInfoData buf;

	for (int i = 0; i < c->ncols; i++)
		colnames[i] = get_attname(c->relid, c->cols[i], false);
	name = conv_choose_index_name(nspid, get_rel_name(c->relid), c->nkeys, colnames,
								  InvalidOid, name_taken, names);
	if (names)
		*names = lappend(*names, psprintf("%u.%s", nspid, name));
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON %s %s(",
					 quote_identifier(name),
					 conv_qualified_sql_name(get_namespace_name(nspid), get_rel_name(c->relid)),
					 c->amoid == GIN_AM_OID ? "USING gin " : "");
	for (int i = 0; i < c->nkeys; i++)
		appendStringInfo(&buf, "%s%s%s", i > 0 ? ", " : "", quote_identifier(colnames[i]),
						 c->desc[i] ? " DESC" : "");
	appendStringInfoChar(&buf, ')');
	for (int i = c->nkeys; i < c->ncols; i++)
		appendStringInfo(&buf, "%s%s", i == c->nkeys ? " INCLUDE (" : ", ",
						 quote_identifier(colnames[i]));
	if (c->ncols > c->nkeys)
		appendStringInfoChar(&buf, ')');
	if (c->predicate != NIL)
		appendStringInfo(&buf, " WHERE %s", predicate_sql(c));
	appendStringInfoChar(&buf, ';');
	return buf.data;
}

static Datum
column_array(Candidate *c, int from, int to)
{
	Datum	   *cols = palloc(Max(to - from, 1) * sizeof(Datum));

	for (int i = from; i < to; i++)
		cols[i - from] = CStringGetTextDatum(psprintf("%s%s",
													  quote_identifier(get_attname(c->relid, c->cols[i], false)),
													  i < c->nkeys && c->desc[i] ? " DESC" : ""));
	return PointerGetDatum(construct_array(cols, to - from, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * One row per chosen index, with the workload's cost once it and those
 * above it exist and the statements it makes cheaper.  A result type of
 * an older version of the extension has fewer columns; it gets its own.
 */
static void
put_rows(ReturnSetInfo *rsinfo, Search *s, List *texts, double base)
{
	List	   *so_far = NIL;
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, s->items)
		((WorkItem *) lfirst(lc))->current = ((WorkItem *) lfirst(lc))->base;
	foreach(lc, s->chosen)
	{
		Candidate  *c = lfirst(lc);
		Datum		values[13];
		bool		nulls[13] = {false};
		Bitmapset  *helped = NULL;
		Datum	   *helped_texts;
		int			nhelped = 0;
		int			member = -1;
		double		after;
		ListCell   *ic;

		so_far = lappend(so_far, c);
		after = adv_workload_cost(s->items, so_far, NIL);
		foreach(ic, s->items)
		{
			WorkItem   *w = lfirst(ic);

			if (w->trial < w->current)
				helped = bms_add_member(helped, w->stmt);
			w->current = w->trial;
		}
		helped_texts = palloc(Max(bms_num_members(helped), 1) * sizeof(Datum));
		while ((member = bms_next_member(helped, member)) >= 0)
			helped_texts[nhelped++] = CStringGetTextDatum(list_nth(texts, member));

		values[0] = ObjectIdGetDatum(c->relid);
		values[1] = CStringGetTextDatum(c->kind);
		values[2] = column_array(c, 0, c->nkeys);
		if (c->predicate != NIL)
			values[3] = CStringGetTextDatum(predicate_sql(c));
		else
			nulls[3] = true;
		values[4] = CStringGetTextDatum(candidate_sql(c, &names));
		values[5] = Int32GetDatum(nhelped);
		values[6] = PointerGetDatum(construct_array(helped_texts, nhelped, TEXTOID, -1,
													false, TYPALIGN_INT));
		values[7] = Float8GetDatum(rint(base * 100) / 100);
		values[8] = Float8GetDatum(rint(after * 100) / 100);
		values[9] = Int64GetDatum((int64) c->size);
		values[10] = CStringGetTextDatum(get_am_name(c->amoid));
		if (c->ncols > c->nkeys)
			values[11] = column_array(c, c->nkeys, c->ncols);
		else
			nulls[11] = true;
		values[12] = Float8GetDatum(rint(c->write_cost * 100) / 100);
		if (rsinfo->setDesc->natts > 13)
			elog(ERROR, "unexpected result type of suggest_indexes()");
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* The CREATE INDEX of each candidate, one after the other. */
static char *
members_sql(List *members)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, members)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? " " : "", candidate_sql(lfirst(lc), NULL));
	return buf.data;
}

/* What the budget left out: the next choice, and how many indexes it is. */
static char *
next_choice(Search *s)
{
	int			n = list_length(s->left_out_members);

	if (n == 1)
		return psprintf("The next choice (at most %.0f bytes) would have been: %s",
						s->left_out_size, members_sql(s->left_out_members));
	return psprintf("The next choice, %d indexes a statement uses together (at most %.0f bytes), would have been: %s",
					n, s->left_out_size, members_sql(s->left_out_members));
}

/* The budget's use, for a DETAIL: the bytes of max_size the chosen take. */
static char *
bytes_used(Search *s)
{
	if (s->max_size < 0)
		return "";
	return psprintf(" The chosen indexes take at most %.0f of max_size's " INT64_FORMAT " bytes.",
					s->size, s->max_size);
}

/* Say which statements' estimates the advisor does not trust. */
static void
say_misestimates(List *items)
{
	StringInfoData buf;
	List	   *said = NIL;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, items)
	{
		WorkItem   *w = lfirst(lc);

		if (!w->misestimated || list_member_int(said, w->stmt))
			continue;
		said = lappend_int(said, w->stmt);
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? "; " : "", w->sql);
	}
	if (said != NIL)
		ereport(NOTICE,
				(errmsg_plural("suggest_indexes() does not trust the estimate of %d statement",
							   "suggest_indexes() does not trust the estimates of %d statements",
							   list_length(said), list_length(said)),
				 errdetail("The capture measured more than ten times the workload's median time per unit of estimated cost: %s",
						   buf.data),
				 errhint("A LIMIT in them is judged as reading all the rows it may read, not as stopping early.")));
}

/* Say which indexes the foreign keys required, and which did not fit. */
static void
say_required(Search *s)
{
	StringInfoData chosen;
	StringInfoData left;
	int			n = 0;
	int			nleft = 0;
	ListCell   *lc;

	initStringInfo(&chosen);
	initStringInfo(&left);
	foreach(lc, s->required)
	{
		AdvRequired *r = lfirst(lc);
		StringInfo	buf = r->chosen ? &chosen : &left;

		appendStringInfo(buf, "%s\"%s\" on %s: %s", buf->len > 0 ? " " : "", r->conname,
						 conv_relation_display_name(r->relid),
						 candidate_sql(r->chosen ? r->chosen : r->plain, NULL));
		if (r->chosen)
			n++;
		else
			nleft++;
	}
	if (n > 0)
		ereport(NOTICE,
				(errmsg_plural("suggest_indexes() chose first an index for %d foreign key without one (rule foreign_key_index)",
							   "suggest_indexes() chose first an index for %d foreign keys without one (rule foreign_key_index)",
							   n, n),
				 errdetail("%s", chosen.data)));
	if (nleft > 0)
		ereport(NOTICE,
				(errmsg_plural("the budget leaves %d foreign key without the index rule foreign_key_index requires",
							   "the budget leaves %d foreign keys without the index rule foreign_key_index requires",
							   nleft, nleft),
				 errdetail("%s", left.data),
				 errhint("Count them in max_indexes and max_size: the guard asks for them whatever the workload.")));
}

/* Say why the pass stopped where it did. */
static void
say_why(Search *s)
{
	int			n = list_length(s->chosen);
	int			gain = (int) (MIN_GAIN * 100);

	switch (s->reason)
	{
		case STOP_NOTHING:
			ereport(NOTICE,
					(s->chosen != NIL ?
					 errmsg("suggest_indexes() found no other index worth its cost") :
					 errmsg("suggest_indexes() found no index worth its cost"),
					 errdetail("No candidate index lowers the estimated cost by %d %% beyond the cost of its writes.",
							   gain)));
			break;
		case STOP_EXHAUSTED:
			ereport(NOTICE,
					(errmsg_plural("suggest_indexes() chose %d index, every one worth its cost",
								   "suggest_indexes() chose %d indexes, every one worth its cost",
								   n, n),
					 s->max_size >= 0 ? errdetail("%s", bytes_used(s) + 1) : 0));
			break;
		case STOP_GAIN:
			ereport(NOTICE,
					(errmsg_plural("suggest_indexes() stopped after %d index: no other saves %d %% of the estimated cost",
								   "suggest_indexes() stopped after %d indexes: no other saves %d %% of the estimated cost",
								   n, n, gain),
					 errdetail("An index is chosen when the cost it saves, less the cost of its writes, is at least %d %% of the cost left.%s",
							   gain, bytes_used(s))));
			break;
		case STOP_COUNT:
			ereport(NOTICE,
					(errmsg("suggest_indexes() stopped at max_indexes (%d)", s->budget),
					 errdetail("%s", next_choice(s)),
					 errhint("Pass a larger max_indexes, or NULL to choose by benefit per byte.")));
			break;
		case STOP_SIZE:
			ereport(NOTICE,
					(errmsg_plural("suggest_indexes() stopped after %d index at max_size (" INT64_FORMAT " bytes)",
								   "suggest_indexes() stopped after %d indexes at max_size (" INT64_FORMAT " bytes)",
								   n, n, s->max_size),
					 errdetail("%s%s", next_choice(s), bytes_used(s)),
					 errhint("Pass a larger max_size for more indexes.")));
			break;
	}
}

/*
 * Choose indexes for the workload under the budget (a number of indexes,
 * and bytes when max_size is not negative) and return one row each.
 */
void
adv_advise(ReturnSetInfo *rsinfo, List *items, List *texts, List *inserts, int budget,
		   int64 max_size, bool by_bytes)
{
	Search		s = {0};
	List	   *cands;
	double		base = 0;
	ListCell   *lc;
	TimestampTz start = GetCurrentTimestamp();

	adv_plans = 0;

	/* a statement whose measured time belies its estimate: its base again, untrusted */
	adv_mark_misestimates(items);
	foreach(lc, items)
	{
		WorkItem   *w = lfirst(lc);

		if (w->misestimated)
		{
			(void) adv_workload_cost(list_make1(w), NIL, NIL);
			w->base = w->current = w->trial;
		}
		base += w->weight * w->base;
	}
	say_misestimates(items);
	cands = adv_make_candidates(items);
	s.required = adv_required_indexes(items, &cands);
	assign_fake_oids(cands);
	adv_size_candidates(cands, items, inserts);

	s.items = items;
	say_phase("candidates", list_length(cands), start);
	s.units = make_units(items, cands, base);
	say_phase("units", list_length(s.units), start);
	s.base = s.current = base;
	s.budget = budget;
	s.max_size = max_size;
	s.by_bytes = by_bytes;
	choose_required(&s);
	choose(&s, start);
	say_phase("chosen", list_length(s.chosen), start);
	prune(&s);
	say_phase("pruned to", list_length(s.chosen), start);
	put_rows(rsinfo, &s, texts, base);
	say_phase("rows", list_length(s.chosen), start);
	say_required(&s);
	say_why(&s);
}
