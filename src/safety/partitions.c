/*-------------------------------------------------------------------------
 *
 * partitions.c
 *		Migration-safety hazards of partitioning: ATTACH PARTITION that
 *		scans (constraint_validation), DETACH PARTITION without
 *		CONCURRENTLY (concurrent_index), and the recipe that builds an index
 *		on a partitioned table one partition at a time.
 *
 * ATTACH PARTITION locks the partitioned table SHARE UPDATE EXCLUSIVE and
 * the table it attaches ACCESS EXCLUSIVE, then reads all of that table to
 * prove its rows fit the bound, unless its NOT NULL columns and validated
 * CHECK constraints already imply the partition constraint
 * (PartConstraintImpliedByRelConstraint); a DEFAULT partition is locked
 * ACCESS EXCLUSIVE and read the same way, to prove none of its rows belongs
 * to the new partition.  We make the same proof, with the same functions,
 * from the partition constraint PostgreSQL derives from the bound; and the
 * recipe adds exactly that constraint as a CHECK (NOT VALID, then
 * VALIDATE, which lets writes go on).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_node.h"
#include "parser/parse_utilcmd.h"
#include "parser/scanner.h"
#include "partitioning/partbounds.h"
#include "storage/lmgr.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

/* ---- ATTACH PARTITION ---- */

/*
 * A relation opened under an AccessShareLock taken only when it is free at
 * once (as facts.c measures a table), or NULL.  attach_close() closes it
 * and gives the lock back: the statement then takes its own.
 */
static Relation
attach_open(Oid relid)
{
	if (!OidIsValid(relid) || !ConditionalLockRelationOid(relid, AccessShareLock))
		return NULL;
	return relation_open(relid, NoLock);
}

static void
attach_close(Relation rel)
{
	Oid			relid;

	if (rel == NULL)
		return;
	relid = RelationGetRelid(rel);
	relation_close(rel, NoLock);
	UnlockRelationOid(relid, AccessShareLock);
}

/*
 * Would PostgreSQL read this relation to prove the constraint (one
 * expression, in from's attribute numbers)?  Its own constraints first; a
 * partitioned table is proven partition by partition
 * (QueuePartitionConstraintValidation).
 */
static bool
scan_needed(Relation from, Oid relid, List *constraint)
{
	Relation	rel = attach_open(relid);
	List	   *mapped;
	bool		needed = false;

	if (rel == NULL)
		return false;			/* locked by someone: say nothing */
	mapped = map_partition_varattnos(constraint, 1, rel, from);
	if (conv_constraints_imply(relid, mapped))
		needed = false;
	else if (rel->rd_rel->relkind == RELKIND_RELATION)
		needed = true;
	else if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		List	   *children = find_inheritance_children(relid, NoLock);
		ListCell   *lc;

		foreach(lc, children)
			if (!needed)
				needed = scan_needed(rel, lfirst_oid(lc), mapped);
	}
	attach_close(rel);
	return needed;
}

/*
 * The partitioned table's OID that satisfies_hash_partition() takes, as
 * 'schema.table'::regclass::oid: the same constant once simplified, and SQL
 * that still holds after a dump and restore.
 */
static Node *
hash_parent_by_name(Node *node, void *context)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == F_SATISFIES_HASH_PARTITION &&
		((FuncExpr *) node)->args != NIL && IsA(linitial(((FuncExpr *) node)->args), Const))
	{
		FuncExpr   *f = (FuncExpr *) copyObject(node);
		Const	   *oid = linitial(f->args);

		oid->consttype = REGCLASSOID;
		linitial(f->args) = makeRelabelType((Expr *) oid, OIDOID, -1, InvalidOid,
											COERCE_EXPLICIT_CAST);
		return (Node *) f;
	}
	return expression_tree_mutator(node, hash_parent_by_name, context);
}

/*
 * An expression or bound as SQL that means the same in any session, as
 * pg_dump writes it: names qualified (search_path is pg_catalog alone
 * meanwhile), dates in ISO.
 */
static char *
deparse_anywhere(Node *node, List *context)
{
	int			nestlevel = NewGUCNestLevel();
	char	   *sql;

	(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("datestyle", "ISO", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	sql = deparse_expression(node, context, false, false);
	AtEOXact_GUC(true, nestlevel);
	return sql;
}

/* The expression, as SQL in the words of this relation. */
static char *
constraint_sql(Relation rel, List *constraint)
{
	constraint = (List *) hash_parent_by_name((Node *) constraint, NULL);
	return deparse_anywhere((Node *) make_ands_explicit(constraint),
							deparse_context_for(RelationGetRelationName(rel),
												RelationGetRelid(rel)));
}

/* ADD CHECK (...) NOT VALID; VALIDATE; the ATTACH; DROP the CHECK. */
static char *
proof_recipe(const ConvStatementInfo *s, const ConvSafetyTable *t, const char *check,
			 const char *attach_sql)
{
	char	   *name = ChooseConstraintName(t->relname, NULL, "partition_check",
											get_rel_namespace(t->relid), NIL);
	const char *qname = quote_identifier(name);

	return psprintf("%s\nALTER TABLE %s ADD CONSTRAINT %s CHECK (%s) NOT VALID;\n%s\n"
					"ALTER TABLE %s VALIDATE CONSTRAINT %s;\n"
					"%s\n%s\nALTER TABLE %s DROP CONSTRAINT %s;",
					conv_lock_timeout_sql(s), t->sql_name, qname, check,
					conv_separate_transaction_note(s), t->sql_name, qname,
					conv_lock_timeout_sql(s), attach_sql, t->sql_name, qname);
}

/* One ATTACH PARTITION hazard: the relation t is read to prove check holds. */
static void
attach_hazard(const ConvStatementInfo *s, const ConvSafetyTable *t, char *message,
			  char *detail, const char *check, const char *attach_sql, List **violations)
{
	ConvViolation *v = conv_add_hazard(violations, CONV_RULE_CONSTRAINT_VALIDATION, t, 0,
									   "attach partition", message, detail,
									   proof_recipe(s, t, check, attach_sql));

	if (conv_profile == CONV_PROFILE_SEQUELIZE)
		v->advice = pstrdup("In Sequelize: run each statement with queryInterface.sequelize.query(), "
							"the ADD CONSTRAINT in one migration and the rest in the next.");
}

/* The table being attached is read to prove the bound. */
static void
attached_table_hazard(const ConvStatementInfo *s, Relation parent, Relation attached,
					  List *constraint, const char *attach_sql, List **violations)
{
	ConvSafetyTable t;
	List	   *mapped;

	if (!conv_safety_table(RelationGetRelid(attached), &t) || !conv_safety_is_large(&t) ||
		!scan_needed(parent, RelationGetRelid(attached), constraint))
		return;
	mapped = map_partition_varattnos(constraint, 1, attached, parent);
	attach_hazard(s, &t,
				  psprintf("ATTACH PARTITION scans table \"%s\" while every query on it waits",
						   t.display_name),
				  psprintf("no validated CHECK constraint of \"%s\" implies its partition bound, so PostgreSQL reads all of \"%s\" (%s) under an ACCESS EXCLUSIVE lock to prove its rows fit, while \"%s\" is locked SHARE UPDATE EXCLUSIVE.",
						   t.display_name, t.display_name, conv_safety_size_text(&t),
						   conv_relation_display_name(RelationGetRelid(parent))),
				  constraint_sql(attached, mapped), attach_sql, violations);
}

/* The DEFAULT partition is read to prove none of its rows belongs to the new one. */
static void
default_partition_hazard(const ConvStatementInfo *s, Relation parent, List *bound_quals,
						 const char *attach_sql, List **violations)
{
	Oid			default_oid = get_default_partition_oid(RelationGetRelid(parent));
	ConvSafetyTable t;
	Relation	def;
	List	   *proposed;

	if (!OidIsValid(default_oid) || bound_quals == NIL ||
		!conv_safety_table(default_oid, &t) || !conv_safety_is_large(&t))
		return;
	proposed = get_proposed_default_constraint(bound_quals);
	if (!scan_needed(parent, default_oid, proposed) || (def = attach_open(default_oid)) == NULL)
		return;
	proposed = map_partition_varattnos(proposed, 1, def, parent);
	attach_hazard(s, &t,
				  psprintf("ATTACH PARTITION scans default partition \"%s\" while every query on it waits",
						   t.display_name),
				  psprintf("no validated CHECK constraint of \"%s\" rules out the rows of the new partition, so PostgreSQL reads all of \"%s\" (%s) under an ACCESS EXCLUSIVE lock to prove it holds none.",
						   t.display_name, t.display_name, conv_safety_size_text(&t)),
				  constraint_sql(def, proposed), attach_sql, violations);
	attach_close(def);
}

/*
 * Has the table the parent's columns, of the same types, and no other?
 * Else PostgreSQL refuses to attach it (and we could not map the bound).
 */
static bool
same_columns(Relation parent, Relation attached)
{
	TupleDesc	pdesc = RelationGetDescr(parent);
	TupleDesc	adesc = RelationGetDescr(attached);
	int			pcount = 0;
	int			acount = 0;

	for (int i = 0; i < pdesc->natts; i++)
		pcount += TupleDescAttr(pdesc, i)->attisdropped ? 0 : 1;
	for (int i = 0; i < adesc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(adesc, i);
		bool		found = false;

		if (a->attisdropped)
			continue;
		acount++;
		for (int j = 0; j < pdesc->natts && !found; j++)
		{
			Form_pg_attribute p = TupleDescAttr(pdesc, j);

			found = !p->attisdropped && strcmp(NameStr(p->attname), NameStr(a->attname)) == 0 &&
				p->atttypid == a->atttypid && p->atttypmod == a->atttypmod &&
				p->attcollation == a->attcollation;
		}
		if (!found)
			return false;
	}
	return acount == pcount;
}

/* source: the statement's text, when the parse tree's locations point into it */
static void
attach_partition(const ConvStatementInfo *s, const char *source, Relation parent,
				 PartitionCmd *cmd, List **violations)
{
	Relation	attached = attach_open(RangeVarGetRelid(cmd->name, NoLock, true));
	ParseState *pstate;
	PartitionBoundSpec *bound;
	List	   *bound_quals;
	List	   *constraint;
	char	   *attach_sql;

	if (attached == NULL)
		return;
	if ((attached->rd_rel->relkind != RELKIND_RELATION &&
		 attached->rd_rel->relkind != RELKIND_PARTITIONED_TABLE) ||
		attached->rd_rel->relispartition || !same_columns(parent, attached))
	{
		attach_close(attached);		/* PostgreSQL refuses it: its error, not ours */
		return;
	}
	/* the bound as PostgreSQL reads it (its own errors, if it is wrong) */
	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = source;
	bound = transformPartitionBound(pstate, parent, copyObject(cmd->bound));
	attach_sql = psprintf("ALTER TABLE %s ATTACH PARTITION %s %s;",
						  conv_relation_sql_name(RelationGetRelid(parent)),
						  conv_relation_sql_name(RelationGetRelid(attached)),
						  deparse_anywhere((Node *) bound, NIL));
	bound_quals = CONV_QUAL_FROM_PARTBOUND(attached, parent, bound);
	constraint = list_concat(list_copy(bound_quals), RelationGetPartitionQual(parent));
	if (constraint != NIL)
	{
		constraint = (List *) eval_const_expressions(NULL, (Node *) constraint);
		attached_table_hazard(s, parent, attached, constraint, attach_sql, violations);
	}
	if (!bound->is_default)
		default_partition_hazard(s, parent, bound_quals, attach_sql, violations);
	attach_close(attached);
}

/* constraint_validation: ATTACH PARTITION of a large table, or beside a large default. */
void
conv_attach_partition_hazards(const ConvStatementInfo *s, AlterTableStmt *stmt,
							  List **violations)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		Relation	parent;

		if (cmd->subtype != AT_AttachPartition || !IsA(cmd->def, PartitionCmd))
			continue;
		parent = attach_open(RangeVarGetRelid(stmt->relation, NoLock, true));
		if (parent == NULL)
			continue;
		if (parent->rd_rel->relkind == RELKIND_PARTITIONED_TABLE &&
			conv_table_in_scope(RelationGetRelid(parent)))
			attach_partition(s, conv_source_names(s->source, stmt->relation->location,
												  stmt->relation->schemaname ?
												  stmt->relation->schemaname :
												  stmt->relation->relname) ? s->source : NULL,
							 parent, (PartitionCmd *) cmd->def, violations);
		attach_close(parent);
	}
}

/* ---- DETACH PARTITION ---- */

/* concurrent_index: DETACH PARTITION without CONCURRENTLY from a large partitioned table. */
void
conv_detach_partition_hazards(const ConvStatementInfo *s, AlterTableStmt *stmt,
							  List **violations)
{
	ConvSafetyTable t;
	ListCell   *lc;

	if (!conv_safety_table_named(stmt->relation, &t) || !conv_safety_is_large(&t) ||
		t.relkind != RELKIND_PARTITIONED_TABLE)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		PartitionCmd *pc = (PartitionCmd *) cmd->def;
		Oid			partition;
		Oid			default_oid;
		char	   *part_sql;
		char	   *fix;
		ConvViolation *v;

		if (cmd->subtype != AT_DetachPartition || !IsA(pc, PartitionCmd) ||
			CONV_DETACH_CONCURRENT(pc) ||
			!OidIsValid(partition = RangeVarGetRelid(pc->name, NoLock, true)) ||
			!list_member_oid(find_inheritance_children(t.relid, NoLock), partition))
			continue;			/* not its partition: PostgreSQL says so */
		part_sql = conv_relation_sql_name(partition);
		default_oid = get_default_partition_oid(t.relid);
		if (OidIsValid(default_oid))
			fix = psprintf("-- DETACH ... CONCURRENTLY is not allowed while \"%s\" has a default partition (\"%s\"):\n"
						   "-- run it when the table is quiet, with a bound on the wait for its lock\n%s",
						   t.display_name, conv_relation_display_name(default_oid),
						   conv_quiet_window_sql(s, psprintf("partition %s detached in a quiet window",
															 conv_relation_display_name(partition)),
												 psprintf("ALTER TABLE %s DETACH PARTITION %s;",
														  t.sql_name, part_sql)));
		else
			fix = psprintf("%sALTER TABLE %s DETACH PARTITION %s CONCURRENTLY;",
						   conv_outside_block_note(s),
						   t.sql_name, part_sql);
		v = conv_add_hazard(violations, CONV_RULE_CONCURRENT_INDEX, &t, 0, "detach partition",
							psprintf("DETACH PARTITION without CONCURRENTLY locks partitioned table \"%s\" against every query",
									 t.display_name),
							conv_exclusive_wait_text(psprintf("detaching \"%s\"", get_rel_name(partition)), &t),
							fix);
		if (conv_profile == CONV_PROFILE_SEQUELIZE)
			v->advice = OidIsValid(default_oid) ?
				pstrdup("In Sequelize: run these statements with queryInterface.sequelize.query(), in the migration's transaction.") :
				psprintf("In a Sequelize migration that runs outside a transaction: await queryInterface.sequelize.query('ALTER TABLE %s DETACH PARTITION %s CONCURRENTLY');",
						 t.sql_name, part_sql);
	}
}

/* ---- CREATE INDEX on a partitioned table, one partition at a time ---- */

/*
 * The part of a CREATE INDEX statement after its table's name: "USING
 * btree (a, b) WHERE ...", or NULL.
 */
static char *
index_tail(const char *text)
{
	int			on = conv_keyword_offset(text, 0, "on", true);
	int			only = ScanKeywordTokens[ScanKeywordLookup("only", &ScanKeywords)];
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	int			tail = -1;
	bool		want_name = true;
	int			tok;

	if (on < 0)
		return NULL;
	scanner = scanner_init(text + on, &extra, &ScanKeywords, ScanKeywordTokens);
	(void) core_yylex(&yylval, &yylloc, scanner);	/* ON */
	while ((tok = core_yylex(&yylval, &yylloc, scanner)) != 0)
	{
		if (want_name)
			want_name = tok == only;	/* ONLY, or a part of the name */
		else if (tok == '.')
			want_name = true;
		else
		{
			tail = on + yylloc;
			break;
		}
	}
	scanner_finish(scanner);
	return tail < 0 ? NULL : pstrdup(text + tail);
}

/* "user_id_created_at" of an index's columns (IndexElem), as PostgreSQL names it. */
char *
conv_index_name_addition(List *elems)
{
	StringInfoData out;
	ListCell   *lc;

	initStringInfo(&out);
	foreach(lc, elems)
	{
		IndexElem  *e = lfirst(lc);

		if (out.len > 0)
			appendStringInfoChar(&out, '_');
		appendStringInfoString(&out, e->name ? e->name : "expr");
	}
	return out.data;
}

/* An index name for this relation, not in the catalog nor taken earlier in the recipe. */
static char *
recipe_index_name(Oid relid, const char *addition, bool unique, List **taken)
{
	char	   *name = NULL;
	bool		free = false;

	for (int i = 0; !free; i++)
	{
		ListCell   *lc;

		name = ChooseRelationName(get_rel_name(relid),
								  i == 0 ? addition : psprintf("%s%d", addition, i),
								  unique ? "key" : "idx", get_rel_namespace(relid), false);
		free = true;
		foreach(lc, *taken)
			free = free && strcmp(lfirst(lc), name) != 0;
	}
	*taken = lappend(*taken, name);
	return name;
}

/* The index of each partition of relid, attached to the index parent_index. */
static void
partition_indexes(StringInfo out, IndexStmt *stmt, Oid relid, const char *parent_index,
				  const char *tail, const char *addition, List **taken)
{
	ListCell   *lc;

	foreach(lc, find_inheritance_children(relid, NoLock))
	{
		Oid			child = lfirst_oid(lc);
		char		relkind = get_rel_relkind(child);
		char	   *name;
		char	   *index_sql;

		if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
			continue;			/* a foreign table: PostgreSQL skips it too */
		name = recipe_index_name(child, addition, stmt->unique, taken);
		index_sql = quote_qualified_identifier(get_namespace_name(get_rel_namespace(child)), name);
		if (relkind == RELKIND_PARTITIONED_TABLE)
		{
			appendStringInfo(out, "CREATE %sINDEX %s ON ONLY %s %s;\n",
							 stmt->unique ? "UNIQUE " : "", quote_identifier(name),
							 conv_relation_sql_name(child), tail);
			partition_indexes(out, stmt, child, index_sql, tail, addition, taken);
		}
		else
			appendStringInfo(out, "CREATE %sINDEX CONCURRENTLY %s ON %s %s;\n",
							 stmt->unique ? "UNIQUE " : "", quote_identifier(name),
							 conv_relation_sql_name(child), tail);
		appendStringInfo(out, "ALTER INDEX %s ATTACH PARTITION %s;\n", parent_index, index_sql);
	}
}

/*
 * CONCURRENTLY builds no index on a partitioned table: the recipe makes the
 * parent's index alone (ON ONLY, invalid), builds each partition's
 * CONCURRENTLY and attaches it; the parent's becomes valid with the last.
 * NULL without the statement's text.
 */
char *
conv_partitioned_index_recipe(const ConvStatementInfo *s, IndexStmt *stmt, Oid relid,
							  const char *text)
{
	char	   *tail = text ? index_tail(text) : NULL;
	char	   *addition = conv_index_name_addition(stmt->indexParams);
	List	   *taken = NIL;
	char	   *name;
	StringInfoData out;

	if (tail == NULL)
		return NULL;
	name = stmt->idxname ? stmt->idxname :
		recipe_index_name(relid, addition, stmt->unique, &taken);
	taken = lappend(taken, name);
	initStringInfo(&out);
	appendStringInfo(&out, "CREATE %sINDEX %s ON ONLY %s %s;\n%s\n",
					 stmt->unique ? "UNIQUE " : "", quote_identifier(name),
					 conv_relation_sql_name(relid), tail,
					 s->in_transaction_block ?
					 "-- then, each outside a transaction block (CONCURRENTLY cannot run in one):" :
					 "-- then, each as its own statement:");
	partition_indexes(&out, stmt, relid,
					  quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name),
					  tail, addition, &taken);
	out.data[--out.len] = '\0'; /* the last newline */
	return out.data;
}
