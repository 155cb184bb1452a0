/*-------------------------------------------------------------------------
 *
 * statement.c
 *		What a utility statement means to the guard, and which tables it is
 *		about to change.
 *
 * Both entry points (the ProcessUtility hook and the event trigger at
 * ddl_command_start) classify a statement here, so both judge the same
 * statements, and look up and lock here the tables whose state before the
 * statement the engine remembers.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/htup_details.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/*
 * ALTER TABLE subcommands that cannot change anything a rule judges: who
 * owns the table, its storage, its triggers and rules, row security,
 * statistics targets.  A statement made only of these never re-judges the
 * table (a legacy table can still be given a new owner under enforce).
 */
static bool
subcommand_shapes_nothing(AlterTableType subtype)
{
	switch (subtype)
	{
		case AT_ChangeOwner:
		case AT_SetRelOptions:
		case AT_ResetRelOptions:
		case AT_ReplaceRelOptions:
		case AT_SetTableSpace:
#ifdef CONV_HAS_SET_ACCESS_METHOD
		case AT_SetAccessMethod:
#endif
		case AT_SetLogged:
		case AT_SetUnLogged:
		case AT_EnableTrig:
		case AT_EnableAlwaysTrig:
		case AT_EnableReplicaTrig:
		case AT_DisableTrig:
		case AT_EnableTrigAll:
		case AT_DisableTrigAll:
		case AT_EnableTrigUser:
		case AT_DisableTrigUser:
		case AT_EnableRule:
		case AT_EnableAlwaysRule:
		case AT_EnableReplicaRule:
		case AT_DisableRule:
		case AT_EnableRowSecurity:
		case AT_DisableRowSecurity:
		case AT_ForceRowSecurity:
		case AT_NoForceRowSecurity:
		case AT_ReplicaIdentity:
		case AT_ClusterOn:
		case AT_DropCluster:
		case AT_SetStatistics:
		case AT_SetStorage:
		case AT_SetCompression:
		case AT_SetOptions:
		case AT_ResetOptions:
		case AT_SetIdentity:
		case AT_GenericOptions:
		case AT_AlterColumnGenericOptions:
		case AT_ValidateConstraint:
			return true;
		default:
			return false;
	}
}

/* Is this ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY? */
bool
conv_is_detach_concurrently(Node *parsetree)
{
	ListCell   *lc;

	if (!IsA(parsetree, AlterTableStmt))
		return false;
	foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_DetachPartition &&
			((PartitionCmd *) cmd->def)->concurrent)
			return true;
	}
	return false;
}

static ConvStatementKind
classify_alter_table(AlterTableStmt *stmt)
{
	ListCell   *lc;

	if (conv_is_detach_concurrently((Node *) stmt))
		return CONV_STMT_SUSPEND;
	foreach(lc, stmt->cmds)
	{
		if (!subcommand_shapes_nothing(((AlterTableCmd *) lfirst(lc))->subtype))
			return CONV_STMT_COLLECT;
	}
	return CONV_STMT_IGNORE;
}

/*
 * Decide what a utility statement means to the guard.  Shared by the
 * ProcessUtility hook and the event trigger, so both judge the same
 * statements.  Only statements that can change the shape of a table are
 * collected: GRANT, COMMENT, VACUUM, ALTER TABLE ... OWNER TO and the like
 * leave conventions as they were and never re-judge a table.
 */
ConvStatementKind
conv_classify_statement(Node *parsetree)
{
	if (parsetree == NULL)
		return CONV_STMT_IGNORE;

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:

			/*
			 * DETACH PARTITION ... CONCURRENTLY commits internally, like
			 * CREATE INDEX CONCURRENTLY: see conv_record_after_concurrent.
			 */
			return classify_alter_table((AlterTableStmt *) parsetree);

		case T_CreateStmt:
		case T_RenameStmt:
		case T_AlterObjectSchemaStmt:
			return CONV_STMT_COLLECT;

		case T_CreateTableAsStmt:
			/* CREATE TABLE AS and SELECT INTO, not materialized views */
			return ((CreateTableAsStmt *) parsetree)->objtype == OBJECT_TABLE ?
				CONV_STMT_COLLECT : CONV_STMT_IGNORE;

		case T_IndexStmt:

			/*
			 * CREATE INDEX CONCURRENTLY commits internally before its index
			 * is valid: judging the table at those commits would reject the
			 * very fix we suggest.  Nothing is recorded while it runs; its
			 * table is recorded when it returns, so its last transaction,
			 * where the index becomes valid, is judged (see
			 * conv_record_after_concurrent).
			 */
			return ((IndexStmt *) parsetree)->concurrent ?
				CONV_STMT_SUSPEND : CONV_STMT_COLLECT;

		case T_DropStmt:

			/*
			 * DROP INDEX CONCURRENTLY commits internally too; it is judged
			 * before it runs (conv_precheck_concurrent).
			 */
			return ((DropStmt *) parsetree)->concurrent ?
				CONV_STMT_SUSPEND : CONV_STMT_COLLECT;

		default:
			return CONV_STMT_IGNORE;
	}
}

/* ---- the tables a statement is about to change ---- */

/*
 * The tables to remember as they were before a statement changes them
 * (engine.c, conv_remember_before).  Reading a table's catalog rows while
 * another session drops it fails, so each is locked first, with the lock
 * PostgreSQL itself is about to take for the statement, and in the same
 * order: the statement then finds it held.  Only relations the rules judge
 * and the user may alter are locked (a lock must never come before the
 * permission check), and a name that moved to another relation while we
 * waited is left alone, as PostgreSQL's own lookups do.  The result may
 * hold indexes; the caller keeps their tables.
 */

/* May the current user alter this relation (own it, or be in its owner's role)? */
static bool
may_alter(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		return false;
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return has_privs_of_role(GetUserId(), owner);
}

/* Lock a relation the rules judge, by OID; false when it is not one. */
static bool
lock_judged(Oid relid, LOCKMODE lockmode)
{
	Oid			table = conv_table_of_relation(relid);

	if (!OidIsValid(table) || !conv_table_in_scope(table) || !may_alter(relid))
		return false;
	LockRelationOid(relid, lockmode);
	return true;
}

/*
 * The same by name; InvalidOid when it is not one.  While we waited for the
 * lock the name may have come to mean another relation (dropped and made
 * again): then that one is locked instead, as RangeVarGetRelidExtended
 * retries, so that PostgreSQL's own lookup finds the relation it names
 * locked and nobody can drop it between that lookup and its checks.
 */
static Oid
lock_judged_name(const RangeVar *rv, LOCKMODE lockmode)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	for (;;)
	{
		Oid			now;
		bool		locked;

		if (!OidIsValid(relid))
			return InvalidOid;
		locked = lock_judged(relid, lockmode);

		/*
		 * Locking, or reading a row the cache no longer had, read the
		 * invalidations of whatever happened meanwhile: look again.
		 */
		now = RangeVarGetRelid(rv, NoLock, true);
		if (now == relid)
			return locked ? relid : InvalidOid;
		if (locked)
			UnlockRelationOid(relid, lockmode);
		relid = now;
	}
}

/*
 * CREATE INDEX looks its table up with RangeVarCallbackOwnsRelation, which
 * raises "cache lookup failed for relation" (XX000) when the table was
 * dropped between the name lookup and the check: a race of PostgreSQL's own
 * (test/isolation/specs/create_index_vs_drop.spec gives it on a plain
 * server every time).  The same lookup and lock, first, with a check that
 * lets RangeVarGetRelidExtended look the name up again instead: the
 * statement then finds its table locked.
 */
static void
owns_relation_if_exists(const RangeVar *relation, Oid relId, Oid oldRelId, void *arg)
{
	if (OidIsValid(relId) && !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relId)))
		return;
	RangeVarCallbackOwnsRelation(relation, relId, oldRelId, arg);
}

/* The relation, and every partition below it when the statement recurses. */
static void
add_with_inheritors(List **relids, Oid relid, LOCKMODE lockmode, bool recurse)
{
	if (!OidIsValid(relid))
		return;
	if (recurse && get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
		*relids = list_concat(*relids, find_all_inheritors(relid, lockmode, NULL));
	else
		*relids = lappend_oid(*relids, relid);
}

static void
alter_table_targets(AlterTableStmt *stmt, List **relids)
{
	LOCKMODE	lockmode = AlterTableGetLockLevel(stmt->cmds);
	Oid			relid = lock_judged_name(stmt->relation, lockmode);
	bool		partitions_only = true;
	ListCell   *lc;

	if (!OidIsValid(relid))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype != AT_AttachPartition && cmd->subtype != AT_DetachPartition)
			partitions_only = false;
	}
	/* subcommands that recurse lock every partition, as PostgreSQL does */
	add_with_inheritors(relids, relid, lockmode,
						stmt->relation->inh && !partitions_only);

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		/* the table attached becomes a partition, and is judged as one */
		if (cmd->subtype == AT_AttachPartition &&
			get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
			add_with_inheritors(relids,
								lock_judged_name(((PartitionCmd *) cmd->def)->name,
												 AccessExclusiveLock),
								AccessExclusiveLock, false);
	}
}

/*
 * DROP INDEX locks the index's table first, after checking that the user
 * may drop the index.  Returns the table, locked, or InvalidOid when the
 * rules do not judge it or the user may not drop the index (PostgreSQL
 * then says so).
 */
Oid
conv_lock_table_of_dropped_index(Oid indexoid, bool concurrent)
{
	Oid			relid;
	char		relkind = get_rel_relkind(indexoid);

	if (relkind != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX)
		return InvalidOid;
	if (!may_alter(indexoid))
		return InvalidOid;
	relid = IndexGetRelation(indexoid, true);
	if (!OidIsValid(relid) || !conv_table_in_scope(relid))
		return InvalidOid;
	LockRelationOid(relid, concurrent ? ShareUpdateExclusiveLock : AccessExclusiveLock);
	return relid;
}

static void
drop_index_targets(DropStmt *stmt, List **relids)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		Oid			indexoid = RangeVarGetRelid(rv, NoLock, true);

		if (OidIsValid(indexoid))
		{
			Oid			relid = conv_lock_table_of_dropped_index(indexoid, stmt->concurrent);

			if (OidIsValid(relid))
				*relids = lappend_oid(*relids, relid);
		}
	}
}

static void
rename_targets(RenameStmt *stmt, List **relids)
{
	LOCKMODE	lockmode;

	if (stmt->relation == NULL)
		return;
	switch (stmt->renameType)
	{
		case OBJECT_TABLE:
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
			lockmode = AccessExclusiveLock;
			break;
		case OBJECT_INDEX:
			{
				/*
				 * ALTER INDEX ... RENAME takes ShareUpdateExclusiveLock on an
				 * index, and (as PostgreSQL retries once it sees the kind)
				 * AccessExclusiveLock on a table named by ALTER INDEX.
				 */
				char		relkind = get_rel_relkind(RangeVarGetRelid(stmt->relation,
																	   NoLock, true));

				lockmode = (relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX) ?
					ShareUpdateExclusiveLock : AccessExclusiveLock;
				break;
			}
		default:
			return;
	}
	add_with_inheritors(relids, lock_judged_name(stmt->relation, lockmode), lockmode,
						stmt->renameType != OBJECT_INDEX && stmt->relation->inh);
}

List *
conv_statement_tables(Node *parsetree)
{
	List	   *relids = NIL;

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			alter_table_targets((AlterTableStmt *) parsetree, &relids);
			break;
		case T_IndexStmt:
			{
				IndexStmt  *stmt = (IndexStmt *) parsetree;
				LOCKMODE	lockmode = stmt->concurrent ? ShareUpdateExclusiveLock : ShareLock;

				/* PostgreSQL's own lookup, made safe against a concurrent DROP */
				add_with_inheritors(&relids,
									RangeVarGetRelidExtended(stmt->relation, lockmode,
															 RVR_MISSING_OK,
															 owns_relation_if_exists, NULL),
									lockmode, stmt->relation->inh);
				break;
			}
		case T_RenameStmt:
			rename_targets((RenameStmt *) parsetree, &relids);
			break;
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *stmt = (AlterObjectSchemaStmt *) parsetree;

				if (stmt->objectType == OBJECT_TABLE && stmt->relation != NULL)
					add_with_inheritors(&relids,
										lock_judged_name(stmt->relation, AccessExclusiveLock),
										AccessExclusiveLock, false);
				break;
			}
		case T_CreateStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;

				/* a new partition changes what covers its root's keys */
				if (stmt->partbound != NULL && list_length(stmt->inhRelations) == 1)
					add_with_inheritors(&relids,
										lock_judged_name(linitial(stmt->inhRelations),
														 AccessExclusiveLock),
										AccessExclusiveLock, false);
				break;
			}
		case T_DropStmt:
			if (((DropStmt *) parsetree)->removeType == OBJECT_INDEX)
				drop_index_targets((DropStmt *) parsetree, &relids);
			break;
		default:
			break;
	}
	return relids;
}

/*
 * The tables a statement leaves as they were, as far as the rules can
 * tell, although it touches them: a detached partition keeps its columns,
 * indexes and keys, and only becomes a table of its own (its keys, judged
 * on its parent until then, are judged on it now: old debt all the same).
 * Read after the statement, which holds their locks.
 */
List *
conv_statement_unchanged_tables(Node *parsetree)
{
	AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
	List	   *relids = NIL;
	ListCell   *lc;

	if (!IsA(parsetree, AlterTableStmt))
		return NIL;

	/*
	 * Detaching concurrently, the partitioned table loses a partition
	 * between transactions, which can only leave fewer keys to cover; its
	 * state before is lost with the first of them.
	 */
	if (conv_is_detach_concurrently((Node *) stmt))
	{
		Oid			parent = RangeVarGetRelid(stmt->relation, NoLock, true);

		if (OidIsValid(parent))
			relids = lappend_oid(relids, parent);
	}
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_DetachPartition)
		{
			Oid			relid = RangeVarGetRelid(((PartitionCmd *) cmd->def)->name,
												 NoLock, true);

			if (OidIsValid(relid))
				relids = lappend_oid(relids, relid);
		}
	}
	return relids;
}

/*
 * The index a CREATE INDEX statement is about to build, as the rules see an
 * index: its name (PostgreSQL's choice when the statement gives none,
 * <table>_<columns>_idx, made the same way) and its key columns, 0 for an
 * expression.  *named says whether the statement names it.
 */
ConvIndex *
conv_statement_index(IndexStmt *stmt, Oid relid, bool *named)
{
	ConvIndex  *index = palloc0(sizeof(ConvIndex));
	ListCell   *lc;
	int			i = 0;

	index->indexrelid = InvalidOid;
	index->relam = InvalidOid;
	index->nkeyatts = Min(list_length(stmt->indexParams), INDEX_MAX_KEYS);
	index->natts = index->nkeyatts;
	index->keys = palloc0(Max(index->natts, 1) * sizeof(AttrNumber));
	foreach(lc, stmt->indexParams)
	{
		IndexElem  *elem = lfirst(lc);

		if (i >= index->nkeyatts)
			break;
		index->keys[i++] = elem->name ? get_attnum(relid, elem->name) : 0;
		if (index->keys[i - 1] == InvalidAttrNumber)
			index->keys[i - 1] = 0;
	}
	*named = stmt->idxname != NULL;
	if (*named)
		index->name = pstrdup(stmt->idxname);
	else
	{
		/* the column names joined with '_', cut where they pass NAMEDATALEN */
		StringInfoData cols;

		initStringInfo(&cols);
		foreach(lc, list_concat_copy(stmt->indexParams, stmt->indexIncludingParams))
		{
			IndexElem  *elem = lfirst(lc);

			if (cols.len >= NAMEDATALEN)
				break;
			appendStringInfo(&cols, "%s%s", cols.len > 0 ? "_" : "",
							 elem->indexcolname ? elem->indexcolname :
							 elem->name ? elem->name : "expr");
		}
		if (cols.len > NAMEDATALEN)
			cols.len = NAMEDATALEN;
		cols.data[cols.len] = '\0';
		index->name = ChooseRelationName(get_rel_name(relid), cols.data, "idx",
										 get_rel_namespace(relid), false);
	}
	return index;
}
