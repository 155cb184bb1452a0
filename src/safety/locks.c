/*-------------------------------------------------------------------------
 *
 * locks.c
 *		Migration-safety rules about how long others wait for a lock:
 *		lock_timeout and backfill_under_lock.
 *
 * A statement that needs a lock blocking writes (SHARE or stronger) waits
 * behind every transaction holding a conflicting lock, and every query
 * that comes after it waits behind the statement: with lock_timeout = 0 a
 * single long query stalls the table's traffic for as long as it runs.
 * Once the lock is held, it is held to COMMIT, so DML over many rows in
 * the same transaction (the backfill after ADD COLUMN) keeps everyone
 * waiting for the whole backfill.
 *
 * An existing table counts whatever its size, unless it has no storage at
 * all: a table that never held a row has nobody queueing for it.
 *
 * The lock each statement takes is PostgreSQL's: AlterTableGetLockLevel()
 * for ALTER TABLE, and the documented level of the others.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "commands/tablecmds.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "parser/scansup.h"
#include "storage/proc.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

typedef struct LockRequest
{
	Oid			relid;
	LOCKMODE	mode;
	char	   *why;			/* why a table the statement does not name is locked */
} LockRequest;

/*
 * Add a request, keeping the strongest mode per table (and the reason that
 * goes with it); why is NULL for a table the statement names.
 */
static void
request_for(List **requests, Oid relid, LOCKMODE mode, char *why)
{
	ListCell   *lc;
	LockRequest *r;

	if (!OidIsValid(relid) || mode < ShareLock)
		return;
	foreach(lc, *requests)
	{
		r = lfirst(lc);
		if (r->relid == relid)
		{
			if (mode > r->mode || (mode == r->mode && why == NULL))
				r->why = why;
			r->mode = Max(r->mode, mode);
			return;
		}
	}
	r = palloc(sizeof(LockRequest));
	r->relid = relid;
	r->mode = mode;
	r->why = why;
	*requests = lappend(*requests, r);
}

static void
request(List **requests, Oid relid, LOCKMODE mode)
{
	request_for(requests, relid, mode, NULL);
}

static char *
display(Oid relid)
{
	return conv_relation_display_name(relid);
}

/*
 * Dropping a foreign key drops its triggers on the table it references,
 * and RemoveTriggerById() takes ACCESS EXCLUSIVE there: the parent every
 * child row points to, often the busiest table of all.
 */
static void
request_fk_drop(List **requests, const ConvForeignKeyLink *fk, const char *verb)
{
	request_for(requests, fk->confrelid, AccessExclusiveLock,
				psprintf("%s drops the triggers of foreign key \"%s\" of \"%s\" on it",
						 verb, fk->conname, display(fk->conrelid)));
}

static Oid
lookup(RangeVar *rv)
{
	return rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
}

/* A foreign key locks the table it references SHARE ROW EXCLUSIVE. */
static void
request_referenced(List **requests, List *constraints)
{
	ListCell   *lc;

	foreach(lc, constraints)
	{
		Constraint *con = lfirst(lc);

		if (IsA(con, Constraint) && con->contype == CONSTR_FOREIGN)
			request_for(requests, lookup(con->pktable), ShareRowExclusiveLock,
						pstrdup("the foreign key the statement adds references it, and PostgreSQL adds its triggers there"));
	}
}

/*
 * ALTER TABLE ... DROP CONSTRAINT or DROP COLUMN: a foreign key of the
 * table it drops (the constraint itself, or one over the column), and with
 * CASCADE the foreign keys of other tables that go with a key it drops.
 */
static void
request_dropped_keys(List **requests, Oid relid, AlterTableCmd *cmd)
{
	ListCell   *lc;
	Oid			conoid = InvalidOid;
	AttrNumber	attnum = InvalidAttrNumber;
	Oid			key_index;

	if (cmd->name == NULL)
		return;
	if (cmd->subtype == AT_DropConstraint)
		conoid = get_relation_constraint_oid(relid, cmd->name, true);
	else
		attnum = get_attnum(relid, cmd->name);
	if (!OidIsValid(conoid) && attnum == InvalidAttrNumber)
		return;
	foreach(lc, conv_foreign_key_links(relid, false))
	{
		ConvForeignKeyLink *fk = lfirst(lc);
		bool		dropped = fk->conoid == conoid;

		for (int i = 0; i < fk->nkeys && !dropped; i++)
			dropped = attnum != InvalidAttrNumber && fk->conkey[i] == attnum;
		if (dropped)
			request_fk_drop(requests, fk, cmd->subtype == AT_DropConstraint ?
							"dropping the constraint" : "dropping the column");
	}
	if (cmd->behavior != DROP_CASCADE || !OidIsValid(conoid))
		return;
	key_index = get_constraint_index(conoid);
	foreach(lc, conv_foreign_key_links(relid, true))
	{
		ConvForeignKeyLink *fk = lfirst(lc);

		if (fk->conindid == key_index)
			request_for(requests, fk->conrelid, AccessExclusiveLock,
						psprintf("its foreign key \"%s\" references the key, and CASCADE drops it",
								 fk->conname));
	}
}

static void
alter_table_locks(AlterTableStmt *stmt, List **requests)
{
	ListCell   *lc;
	Oid			relid;

	if (stmt->objtype != OBJECT_TABLE)
		return;
	relid = lookup(stmt->relation);
	request(requests, relid, AlterTableGetLockLevel(stmt->cmds));
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_AddConstraint && cmd->def != NULL)
			request_referenced(requests, list_make1(cmd->def));
		else if (cmd->subtype == AT_AddColumn && IsA(cmd->def, ColumnDef))
			request_referenced(requests, ((ColumnDef *) cmd->def)->constraints);
		else if ((cmd->subtype == AT_DropConstraint || cmd->subtype == AT_DropColumn) &&
				 OidIsValid(relid))
			request_dropped_keys(requests, relid, cmd);
		else if ((cmd->subtype == AT_AttachPartition || cmd->subtype == AT_DetachPartition) &&
				 IsA(cmd->def, PartitionCmd) && !CONV_DETACH_CONCURRENT((PartitionCmd *) cmd->def))
		{
			/* the partition, and the default partition, whose constraint changes */
			request(requests, lookup(((PartitionCmd *) cmd->def)->name), AccessExclusiveLock);
			request_for(requests, get_default_partition_oid(relid),
						AccessExclusiveLock,
						pstrdup("it is the DEFAULT partition, whose partition constraint changes with the partitions beside it"));
		}
	}
}

/*
 * DROP TABLE: the tables it references (their foreign keys' triggers go),
 * and with CASCADE the tables whose foreign keys reference it.
 */
static void
request_dropped_table(List **requests, Oid relid, DropBehavior behavior)
{
	ListCell   *lc;

	foreach(lc, conv_foreign_key_links(relid, false))
		request_fk_drop(requests, lfirst(lc), "dropping the table");
	if (behavior != DROP_CASCADE)
		return;
	foreach(lc, conv_foreign_key_links(relid, true))
	{
		ConvForeignKeyLink *fk = lfirst(lc);

		request_for(requests, fk->conrelid, AccessExclusiveLock,
					psprintf("its foreign key \"%s\" references \"%s\", and CASCADE drops it",
							 fk->conname, display(relid)));
	}
}

static void
drop_locks(DropStmt *stmt, List **requests)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_TABLE &&
		!(stmt->removeType == OBJECT_INDEX && !stmt->concurrent))
		return;
	foreach(lc, stmt->objects)
	{
		Oid			relid = lookup(makeRangeVarFromNameList((List *) lfirst(lc)));

		if (OidIsValid(relid) && stmt->removeType == OBJECT_INDEX)
			relid = (get_rel_relkind(relid) == RELKIND_INDEX ||
					 get_rel_relkind(relid) == RELKIND_PARTITIONED_INDEX) ?
				IndexGetRelation(relid, true) : InvalidOid;
		request(requests, relid, AccessExclusiveLock);
		if (OidIsValid(relid) && stmt->removeType == OBJECT_TABLE)
			request_dropped_table(requests, relid, stmt->behavior);
	}
}

/* The tables a utility statement locks, and how strongly. */
static List *
statement_locks(Node *stmt)
{
	List	   *requests = NIL;
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			alter_table_locks((AlterTableStmt *) stmt, &requests);
			break;
		case T_IndexStmt:
			if (!((IndexStmt *) stmt)->concurrent)
				request(&requests, lookup(((IndexStmt *) stmt)->relation), ShareLock);
			break;
		case T_DropStmt:
			drop_locks((DropStmt *) stmt, &requests);
			break;
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->renameType == OBJECT_TABLE ||
				((RenameStmt *) stmt)->renameType == OBJECT_COLUMN)
				request(&requests, lookup(((RenameStmt *) stmt)->relation), AccessExclusiveLock);
			break;
		case T_CreateStmt:
			foreach(lc, ((CreateStmt *) stmt)->tableElts)
			{
				if (IsA(lfirst(lc), ColumnDef))
					request_referenced(&requests, ((ColumnDef *) lfirst(lc))->constraints);
			}
			request_referenced(&requests, ((CreateStmt *) stmt)->constraints);
			break;
		case T_CreateTrigStmt:
			request(&requests, lookup(((CreateTrigStmt *) stmt)->relation), ShareRowExclusiveLock);
			break;
		case T_TruncateStmt:
			{
				TruncateStmt *t = (TruncateStmt *) stmt;
				List	   *named = NIL;

				foreach(lc, t->relations)
					named = lappend_oid(named, lookup(lfirst(lc)));
				foreach(lc, named)
					request(&requests, lfirst_oid(lc), AccessExclusiveLock);
				if (t->behavior != DROP_CASCADE)
					break;
				foreach(lc, conv_truncate_cascade(named))
				{
					ConvForeignKeyLink *fk = lfirst(lc);

					request_for(&requests, fk->conrelid, AccessExclusiveLock,
								psprintf("its foreign key \"%s\" references \"%s\", so TRUNCATE ... CASCADE truncates it too",
										 fk->conname, display(fk->confrelid)));
				}
				break;
			}
		case CONV_T_CLUSTER:
			request(&requests, lookup(CONV_CLUSTER_RELATION(stmt)), AccessExclusiveLock);
			break;
		case T_VacuumStmt:
			if (conv_option_true(((VacuumStmt *) stmt)->options, "full"))
				foreach(lc, ((VacuumStmt *) stmt)->rels)
					request(&requests, lookup(((VacuumRelation *) lfirst(lc))->relation),
							AccessExclusiveLock);
			break;
		case T_ReindexStmt:
			{
				ReindexStmt *r = (ReindexStmt *) stmt;
				Oid			relid = lookup(r->relation);

				if (CONV_REINDEX_CONCURRENT(r) || !OidIsValid(relid))
					break;
				if (r->kind == REINDEX_OBJECT_INDEX)
					relid = IndexGetRelation(relid, true);
				if (r->kind == REINDEX_OBJECT_INDEX || r->kind == REINDEX_OBJECT_TABLE)
					request(&requests, relid, ShareLock);
				break;
			}
		case T_AlterObjectSchemaStmt:
			if (((AlterObjectSchemaStmt *) stmt)->objectType == OBJECT_TABLE)
				request(&requests, lookup(((AlterObjectSchemaStmt *) stmt)->relation),
						AccessExclusiveLock);
			break;
		default:
			break;
	}
	return requests;
}

void
conv_rule_lock_timeout(const ConvStatementInfo *s, List **violations)
{
	ListCell   *lc;
	const char *command;

	if (LockTimeout > 0 || IsA(s->stmt, PlannedStmt))
		return;
	command = GetCommandTagName(CreateCommandTag(s->stmt));
	foreach(lc, statement_locks(s->stmt))
	{
		LockRequest *r = lfirst(lc);
		ConvSafetyTable t;
		ConvViolation *v;

		/*
		 * A table with no storage at all has never held a row: nobody uses
		 * it yet (sync() of new models creates one after another).
		 */
		if (conv_lock_held(r->relid, r->mode) || !conv_safety_table(r->relid, &t) ||
			(t.measured && t.bytes == 0))
			continue;
		v = conv_add_hazard(violations, CONV_RULE_LOCK_TIMEOUT, &t, 0, "lock",
							psprintf("%s waits for %s on table \"%s\" with no lock_timeout",
									 command, conv_lock_phrase(r->mode), t.display_name),
							psprintf("%slock_timeout is 0, so while any transaction holds a conflicting lock on \"%s\" (a long query, a transaction left idle) the statement waits for it, and %s on \"%s\" queues behind the statement.",
									 r->why ? psprintf("the statement locks \"%s\" because %s. ", t.display_name, r->why) : "",
									 t.display_name, conv_lock_blocks(r->mode), t.display_name),
							psprintf("%s  -- before the statement; if it times out, run the migration again later",
									 conv_lock_timeout_sql(s)));
		if (conv_profile == CONV_PROFILE_SEQUELIZE)
			v->advice = pstrdup("In a Sequelize migration, first: await queryInterface.sequelize.query(\"SET lock_timeout = '5s'\", { transaction });");
	}
}

/* ---- backfill_under_lock ---- */

/* The strongest lock at least SHARE this transaction holds on the table. */
static LOCKMODE
write_blocking_lock_held(Oid relid)
{
	for (LOCKMODE m = AccessExclusiveLock; m >= ShareLock; m--)
		if (conv_lock_held(relid, m))
			return m;
	return NoLock;
}

/*
 * The statement in batches, from its text: UPDATE/DELETE ... WHERE cond
 * becomes the same with WHERE key = ANY (ARRAY(SELECT key ... WHERE cond
 * LIMIT 10000)).  NULL when the text is not that simple (no WHERE, FROM,
 * USING or RETURNING, an alias).
 */
static char *
batched_sql(const ConvStatementInfo *s, const ConvSafetyTable *t, CmdType op)
{
	PlannedStmt *plan = (PlannedStmt *) s->stmt;
	char	   *text;
	int			where;
	char	   *head;
	const char *cond;

	if (s->source == NULL || (op != CMD_UPDATE && op != CMD_DELETE) ||
		plan->stmt_location + plan->stmt_len > (int) strlen(s->source))
		return NULL;
	text = plan->stmt_location >= 0 ?
		pnstrdup(s->source + plan->stmt_location,
				 plan->stmt_len > 0 ? plan->stmt_len : strlen(s->source + plan->stmt_location)) :
		pstrdup(s->source);
	where = conv_keyword_offset(text, 0, "where", true);
	if (where < 0 || conv_keyword_offset(text, 0, "returning", true) >= 0 ||
		conv_keyword_offset(text, 0, op == CMD_UPDATE ? "from" : "using", true) >= 0 ||
		conv_keyword_offset(text, 0, "with", true) >= 0 ||
		rt_fetch(linitial_int(CONV_RESULT_RELATIONS(plan)), plan->rtable)->alias != NULL)
		return NULL;
	head = pnstrdup(text, where);
	for (int n = strlen(head); n > 0 && scanner_isspace(head[n - 1]); n--)
		head[n - 1] = '\0';
	cond = text + where + strlen("where");
	while (*cond == ' ' || *cond == '\n' || *cond == '\t')
		cond++;
	if (op == CMD_UPDATE)
	{
		int			set = conv_keyword_offset(head, 0, "set", true);

		if (set < 0)
			return NULL;
		return conv_batched_update_sql(t->relid, t->sql_name,
									   head + set + strlen("set "), psprintf("(%s)", cond));
	}
	return psprintf("-- repeat, each time in its own transaction, until it deletes 0 rows:\n%s",
					conv_batched_delete_sql(t->relid, t->sql_name, psprintf("(%s)", cond)));
}

/* Does the plan read all of the relation (a sequential scan of it)? */
static bool
scans_all_of(Plan *plan, List *rtable, Oid relid)
{
	ListCell   *lc;
	List	   *children = NIL;

	if (plan == NULL)
		return false;
	if (IsA(plan, SeqScan) && rt_fetch(((Scan *) plan)->scanrelid, rtable)->relid == relid)
		return true;
	if (IsA(plan, Append))
		children = ((Append *) plan)->appendplans;
	else if (IsA(plan, MergeAppend))
		children = ((MergeAppend *) plan)->mergeplans;
	else if (IsA(plan, SubqueryScan))
		children = list_make1(((SubqueryScan *) plan)->subplan);
	foreach(lc, children)
		if (scans_all_of(lfirst(lc), rtable, relid))
			return true;
	return scans_all_of(plan->lefttree, rtable, relid) ||
		scans_all_of(plan->righttree, rtable, relid);
}

void
conv_rule_backfill_under_lock(const ConvStatementInfo *s, List **violations)
{
	PlannedStmt *plan = (PlannedStmt *) s->stmt;
	Plan	   *top;
	double		rows;
	ListCell   *lc;

	if (!IsA(s->stmt, PlannedStmt))
		return;
	top = plan->planTree;
	if (IsA(top, ModifyTable) && outerPlan(top) != NULL)
		top = outerPlan(top);
	rows = top->plan_rows;
	foreach(lc, CONV_RESULT_RELATIONS(plan))
	{
		Oid			relid = rt_fetch(lfirst_int(lc), plan->rtable)->relid;
		LOCKMODE	held = write_blocking_lock_held(relid);
		ConvSafetyTable t;
		bool		scans;
		char	   *batched;
		ConvViolation *v;
		const char *op = plan->commandType == CMD_UPDATE ? "UPDATE" :
			plan->commandType == CMD_DELETE ? "DELETE" :
			plan->commandType == CMD_INSERT ? "INSERT" : "MERGE";

		/* a partitioned target is judged through its partitions, each its own result relation */
		if (held == NoLock || get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE ||
			!conv_safety_table(relid, &t) || !conv_safety_is_large(&t))
			continue;
		/* reads the whole table, or writes at least a large table's worth */
		scans = scans_all_of(plan->planTree, plan->rtable, relid);
		if (!scans && (t.rows <= 0 ||
					   rows * (t.bytes / t.rows) < (double) conv_large_table_kb * 1024))
			continue;
		batched = batched_sql(s, &t, plan->commandType);
		v = conv_add_hazard(violations, CONV_RULE_BACKFILL_UNDER_LOCK, &t, 0, op,
						scans ?
						psprintf("%s reads all of table \"%s\" under the %s lock this transaction holds on it",
								 op, t.display_name, conv_lock_mode_name(held)) :
						psprintf("%s of about %.0f rows of table \"%s\" runs under the %s lock this transaction holds on it",
								 op, rows, t.display_name, conv_lock_mode_name(held)),
						psprintf("an earlier statement of the transaction took the lock, and it is held until COMMIT: %s on \"%s\" (%s) waits for the whole %s.",
								 conv_lock_blocks(held), t.display_name, conv_safety_size_text(&t),
								 plan->commandType == CMD_INSERT ? "load" : "backfill"),
						psprintf("-- commit the schema change on its own, so that its lock goes at once:\nCOMMIT;\n%s",
								 batched ? batched :
								 psprintf("-- then run the %s in batches of about 10000 rows, each its own transaction", op)));
		if (conv_profile == CONV_PROFILE_SEQUELIZE)
			v->advice = pstrdup("In Sequelize: put the backfill in a migration of its own, after the one that changes the schema, and run it in batches (queryInterface.bulkUpdate() with a where on a range of keys, or queryInterface.sequelize.query() of the UPDATE above), each batch its own transaction.");
	}
}
