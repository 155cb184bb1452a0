/*-------------------------------------------------------------------------
 *
 * collector.c
 *		The set of catalog objects this transaction touched, and the state
 *		their tables were in before it.
 *
 * Entries are catalog object addresses (class, object), recorded by the
 * object-access hook or the event trigger, each tagged with the
 * subtransaction that first recorded it.  ROLLBACK TO SAVEPOINT forgets what
 * the rolled-back subtransaction recorded; RELEASE hands its entries to the
 * parent.  At pre-commit the addresses are resolved to the tables the rules
 * judge.  Dropped objects are resolved when they are dropped, while their
 * catalog rows still say which table they belonged to.
 *
 * The set lives in TopTransactionContext, so it cannot outlive its
 * transaction even if a callback were missed.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "nodes/parsenodes.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

typedef struct TouchedKey
{
	Oid			classId;
	Oid			objectId;
} TouchedKey;

typedef struct TouchedEntry
{
	TouchedKey	key;
	SubTransactionId subid;		/* subtransaction that owns the entry */
	bool		by_citus;		/* only ever recorded while Citus converted a
								 * table (citus/citus.c) */
} TouchedEntry;

static HTAB *touched = NULL;

/* Set while the statements Citus runs to convert a table are recorded. */
bool		conv_recording_for_citus = false;
static HTAB *before = NULL;		/* relid -> BeforeEntry, see below */

/* A hash table that lives as long as the transaction. */
static HTAB *
transaction_hash(const char *name, Size keysize, Size entrysize, long nelem)
{
	HASHCTL		ctl;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = TopTransactionContext;
	return hash_create(name, nelem, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static void
record_address(Oid classId, Oid objectId)
{
	TouchedKey	key;
	TouchedEntry *entry;
	bool		found;

	if (touched == NULL)
		touched = transaction_hash("pg_conventions touched objects",
								   sizeof(TouchedKey), sizeof(TouchedEntry), 64);

	memset(&key, 0, sizeof(key));
	key.classId = classId;
	key.objectId = objectId;
	entry = (TouchedEntry *) hash_search(touched, &key, HASH_ENTER, &found);

	/*
	 * An existing entry belongs to this subtransaction or an enclosing one,
	 * so it lives at least as long as a new one would: keep it.
	 */
	if (!found)
	{
		entry->subid = GetCurrentSubTransactionId();
		entry->by_citus = conv_recording_for_citus;
	}
	else if (!conv_recording_for_citus)
		entry->by_citus = false;
}

/* Record an object that now exists (created or altered). */
void
conv_record_object(Oid classId, Oid objectId)
{
	if (classId == RelationRelationId ||
		classId == ConstraintRelationId ||
		classId == AttrDefaultRelationId)
		record_address(classId, objectId);
}

/* The column a default belongs to, from its pg_attrdef row. */
static Oid
attrdef_relid(Oid attrdefoid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			result = InvalidOid;

	rel = table_open(AttrDefaultRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_attrdef_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(attrdefoid));
	scan = systable_beginscan(rel, AttrDefaultOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		result = ((Form_pg_attrdef) GETSTRUCT(tup))->adrelid;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

static Oid
constraint_relid(Oid conoid)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	Oid			result = InvalidOid;

	if (HeapTupleIsValid(tup))
	{
		result = ((Form_pg_constraint) GETSTRUCT(tup))->conrelid;
		ReleaseSysCache(tup);
	}
	return result;
}

/*
 * Record what dropping an object does to its table: dropping an index, a
 * constraint, a column or a default changes the table that keeps existing.
 * Dropping a whole table leaves nothing to judge.
 */
void
conv_record_dropped_object(Oid classId, Oid objectId, int subId)
{
	Oid			relid = InvalidOid;

	if (classId == RelationRelationId)
	{
		if (subId != 0)
			relid = objectId;	/* a column */
		else
		{
			char		relkind = get_rel_relkind(objectId);

			if (relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX)
				relid = IndexGetRelation(objectId, true);
		}
	}
	else if (classId == ConstraintRelationId)
		relid = constraint_relid(objectId);
	else if (classId == AttrDefaultRelationId)
		relid = attrdef_relid(objectId);

	if (OidIsValid(relid))
		record_address(RelationRelationId, relid);
}

/* Record a table to judge (a statement that commits internally has ended). */
void
conv_record_table(Oid relid)
{
	if (OidIsValid(relid))
		record_address(RelationRelationId, relid);
}

/*
 * After a statement that commits internally returns, in its last
 * transaction, where its result becomes visible: record its tables, to be
 * judged at that transaction's commit.  CREATE INDEX CONCURRENTLY: its
 * table (a rejection there leaves the index invalid, as any failed CREATE
 * INDEX CONCURRENTLY does).  DETACH PARTITION CONCURRENTLY: the
 * partitioned table and the partition, now a table of its own.
 */
void
conv_record_after_concurrent(Node *parsetree)
{
	if (IsA(parsetree, IndexStmt) && ((IndexStmt *) parsetree)->concurrent)
		conv_record_table(RangeVarGetRelid(((IndexStmt *) parsetree)->relation,
										   NoLock, true));
	else if (IsA(parsetree, AlterTableStmt) &&
			 conv_is_detach_concurrently(parsetree))
	{
		ListCell   *lc;

		conv_record_table(RangeVarGetRelid(((AlterTableStmt *) parsetree)->relation,
										   NoLock, true));
		foreach(lc, conv_statement_unchanged_tables(parsetree))
			conv_record_table(lfirst_oid(lc));
	}
}

bool
conv_have_touched(void)
{
	return touched != NULL && hash_get_num_entries(touched) > 0;
}

void
conv_forget_all(void)
{
	/* The memory goes with TopTransactionContext. */
	touched = NULL;
	before = NULL;
	conv_recording_for_citus = false;
}

/* ---- the before-state ---- */

/*
 * What a table's violations were about before this transaction first
 * changed it, so that enforce rejects only what the transaction introduced
 * (engine.c).  Kept for the whole transaction: ROLLBACK TO SAVEPOINT puts
 * the table back as it was, which is still the state remembered here.
 */
typedef struct BeforeKey
{
	int			rule_index;
	ConvAbout	about;
	char	   *subject;		/* a foreign key's columns and referenced
								 * table (conv_violation_subject), or NULL */
} BeforeKey;

/* Is the violation about a foreign key, known by what it is about? */
static bool
about_foreign_key(const ConvViolation *v)
{
	return v->about.classid == ConstraintRelationId &&
		(v->rule_index == CONV_RULE_FOREIGN_KEY_INDEX ||
		 v->rule_index == CONV_RULE_FOREIGN_KEY_TYPE);
}

typedef struct BeforeEntry
{
	Oid			relid;			/* hash key */
	int			nkeys;
	BeforeKey  *keys;
} BeforeEntry;

bool
conv_before_known(Oid relid)
{
	return before != NULL && hash_search(before, &relid, HASH_FIND, NULL) != NULL;
}

/* Remember the table's violations now (the first call for a table wins). */
void
conv_before_store(Oid relid, List *violations)
{
	MemoryContext old;
	BeforeEntry *entry;
	bool		found;
	int			i = 0;
	ListCell   *lc;

	if (before == NULL)
		before = transaction_hash("pg_conventions before-state",
								  sizeof(Oid), sizeof(BeforeEntry), 16);
	entry = hash_search(before, &relid, HASH_ENTER, &found);
	if (found)
		return;
	old = MemoryContextSwitchTo(TopTransactionContext);
	entry->nkeys = list_length(violations);
	entry->keys = palloc(Max(entry->nkeys, 1) * sizeof(BeforeKey));
	foreach(lc, violations)
	{
		ConvViolation *v = lfirst(lc);

		entry->keys[i].rule_index = v->rule_index;
		entry->keys[i].about = v->about;
		entry->keys[i].about.aspect = pstrdup(v->about.aspect);
		entry->keys[i].subject = about_foreign_key(v) ? conv_violation_subject(v) : NULL;
		i++;
	}
	MemoryContextSwitchTo(old);
}

/*
 * Did the table have this violation before the transaction changed it?
 * (No, when its state before is not known: a table the transaction made.)
 * A foreign key is the key it was when the transaction dropped it and
 * added it back, the only way to change its ON DELETE action: it is
 * matched by its columns and referenced table, not by its OID.
 */
bool
conv_before_had(const ConvViolation *v)
{
	BeforeEntry *entry = before ? hash_search(before, &v->relid, HASH_FIND, NULL) : NULL;
	char	   *subject = NULL;

	if (entry == NULL)
		return false;
	for (int i = 0; i < entry->nkeys; i++)
	{
		BeforeKey  *key = &entry->keys[i];

		if (key->rule_index != v->rule_index)
			continue;
		if (conv_about_equal(&key->about, &v->about))
			return true;
		if (key->subject != NULL && about_foreign_key(v))
		{
			if (subject == NULL)
				subject = conv_violation_subject(v);
			if (strcmp(subject, key->subject) == 0)
				return true;
		}
	}
	return false;
}

void
conv_subxact_commit(SubTransactionId mySubid, SubTransactionId parentSubid)
{
	HASH_SEQ_STATUS status;
	TouchedEntry *entry;

	if (touched == NULL)
		return;
	hash_seq_init(&status, touched);
	while ((entry = (TouchedEntry *) hash_seq_search(&status)) != NULL)
	{
		if (entry->subid == mySubid)
			entry->subid = parentSubid;
	}
}

void
conv_subxact_abort(SubTransactionId mySubid)
{
	HASH_SEQ_STATUS status;
	TouchedEntry *entry;

	if (touched == NULL)
		return;
	hash_seq_init(&status, touched);
	while ((entry = (TouchedEntry *) hash_seq_search(&status)) != NULL)
	{
		/* deleting the entry just returned is allowed during a scan */
		if (entry->subid == mySubid)
			hash_search(touched, &entry->key, HASH_REMOVE, NULL);
	}
}

static int
oid_cmp_asc(const void *a, const void *b)
{
	Oid			x = *(const Oid *) a;
	Oid			y = *(const Oid *) b;

	return (x > y) - (x < y);
}

/*
 * Resolve the set to the tables to judge, in scope, without duplicates, in
 * OID order (creation order, which makes messages come out in the order the
 * migration wrote them).  A partition brings its partition root along: the
 * root's foreign keys are covered only if every leaf is.
 */
List *
conv_touched_tables(void)
{
	HASH_SEQ_STATUS status;
	TouchedEntry *entry;
	Oid		   *oids;
	int			n = 0;
	int			cap;
	List	   *result = NIL;
	bool		citus_replaced = false;

	if (touched == NULL)
		return NIL;

	/*
	 * What Citus made while converting a table is judged only when it stands
	 * in for a table this transaction's own DDL made or changed, which Citus
	 * then replaced (renamed into a shard, or dropped): the one logical
	 * table.  Distributing a table changes nothing the conventions judge.
	 */
	if (conv_citus_present())
	{
		hash_seq_init(&status, touched);
		while ((entry = (TouchedEntry *) hash_seq_search(&status)) != NULL)
		{
			if (!entry->by_citus && entry->key.classId == RelationRelationId &&
				(get_rel_relkind(entry->key.objectId) == '\0' ||
				 OidIsValid(conv_citus_shard_of(entry->key.objectId))))
				citus_replaced = true;
		}
	}

	cap = 2 * hash_get_num_entries(touched) + 1;
	oids = palloc(cap * sizeof(Oid));
	hash_seq_init(&status, touched);
	while ((entry = (TouchedEntry *) hash_seq_search(&status)) != NULL)
	{
		Oid			relid = InvalidOid;

		if (entry->by_citus && !citus_replaced)
			continue;
		if (entry->key.classId == RelationRelationId)
			relid = conv_table_of_relation(entry->key.objectId);
		else if (entry->key.classId == ConstraintRelationId)
			relid = constraint_relid(entry->key.objectId);
		else if (entry->key.classId == AttrDefaultRelationId)
			relid = attrdef_relid(entry->key.objectId);

		if (!OidIsValid(relid))
			continue;
		oids[n++] = relid;
		if (get_rel_relispartition(relid))
		{
			/* none while a DETACH ... CONCURRENTLY of it is pending */
			List	   *ancestors = get_partition_ancestors(relid);

			if (ancestors != NIL)
				oids[n++] = llast_oid(ancestors);
		}
	}

	/* a table touched through ten objects is looked at once */
	qsort(oids, n, sizeof(Oid), oid_cmp_asc);
	for (int i = 0; i < n; i++)
	{
		if ((i == 0 || oids[i] != oids[i - 1]) && conv_table_in_scope(oids[i]))
			result = lappend_oid(result, oids[i]);
	}
	pfree(oids);
	return result;
}
