/*-------------------------------------------------------------------------
 *
 * violation.c
 *		One violation of a rule: what it says, and what it is about.
 *
 * The words (message, DETAIL, fix SQL) are for people and change with
 * every rename.  What a violation is about is a catalog identity that does
 * not: the relation, column, index, constraint or schema, by OID and column
 * number, and which of the things a rule checks of it is wrong.  That is
 * how the guard tells a violation a transaction introduced from one the
 * table already had before it (engine.c, collector.c).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_namespace.h"
#include "utils/array.h"
#include "utils/syscache.h"
#include "utils/lsyscache.h"

ConvAbout
conv_about(Oid classid, Oid objid, int32 subid, const char *aspect)
{
	ConvAbout	about;

	about.classid = classid;
	about.objid = objid;
	about.subid = subid;
	about.aspect = aspect ? aspect : "";
	return about;
}

/* The table itself. */
ConvAbout
conv_about_table(const ConvTable *table)
{
	return conv_about(RelationRelationId, table->relid, 0, "");
}

/*
 * One column of the table; attnum 0 stands for a column the rule wants and
 * the table lacks, named by the aspect.
 */
ConvAbout
conv_about_column(const ConvTable *table, AttrNumber attnum, const char *aspect)
{
	return conv_about(RelationRelationId, table->relid, attnum, aspect);
}

bool
conv_about_equal(const ConvAbout *a, const ConvAbout *b)
{
	return a->classid == b->classid && a->objid == b->objid &&
		a->subid == b->subid && strcmp(a->aspect, b->aspect) == 0;
}

ConvViolation *
conv_add_violation(List **violations, int rule_index, ConvTable *table,
				   ConvAbout about, const char *object, const char *message,
				   const char *detail, const char *fix_sql)
{
	return conv_add_violation_on(violations, rule_index, table->relid, about,
								 object, message, detail, fix_sql);
}

/* The same, for a table known by OID only. */
ConvViolation *
conv_add_violation_on(List **violations, int rule_index, Oid relid,
					  ConvAbout about, const char *object, const char *message,
					  const char *detail, const char *fix_sql)
{
	ConvViolation *v = palloc0(sizeof(ConvViolation));

	Assert(rule_index >= 0 && rule_index < CONV_NUM_RULES);
	v->rule_index = rule_index;
	v->rule = conv_rule_at(rule_index);
	v->relid = relid;
	v->about = about;
	v->object = pstrdup(object);
	v->message = pstrdup(message);
	v->detail = pstrdup(detail);
	v->fix_sql = pstrdup(fix_sql);
	*violations = lappend(*violations, v);
	return v;
}

/*
 * A foreign key as its rules know it, whatever its name: "foreign key
 * (user_id) references public.users".  Dropping a key and adding it back
 * (the only way to change its ON DELETE action), under another name or
 * not, leaves the same key.
 */
static char *
foreign_key_words(Oid conoid)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	Form_pg_constraint con;
	StringInfoData buf;
	Datum		keys;
	bool		isnull;
	ArrayType  *arr;
	int16	   *attnums;
	int			n;

	if (!HeapTupleIsValid(tup))
		return NULL;
	con = (Form_pg_constraint) GETSTRUCT(tup);
	keys = SysCacheGetAttr(CONSTROID, tup, Anum_pg_constraint_conkey, &isnull);
	if (isnull || con->contype != CONSTRAINT_FOREIGN)
	{
		ReleaseSysCache(tup);
		return NULL;
	}
	arr = DatumGetArrayTypeP(keys);
	n = ARR_DIMS(arr)[0];
	attnums = (int16 *) ARR_DATA_PTR(arr);
	initStringInfo(&buf);
	appendStringInfoString(&buf, "foreign key (");
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 get_attname(con->conrelid, attnums[i], false));
	appendStringInfo(&buf, ") references %s.%s",
					 get_namespace_name(get_rel_namespace(con->confrelid)),
					 get_rel_name(con->confrelid));
	ReleaseSysCache(tup);
	return buf.data;
}

/*
 * What a violation is about, in words that survive a dump and a restore
 * (where every OID changes) and the table's rename: "column created",
 * "index posts_title", "table (missing created_at)", a foreign key by its
 * columns and referenced table ("foreign key (user_id) references
 * public.users") for the foreign-key rules.  The baseline keys its rows by
 * rule, table and this.
 */
char *
conv_violation_subject(const ConvViolation *v)
{
	const ConvAbout *a = &v->about;
	char	   *thing = NULL;

	if (a->classid == ConstraintRelationId &&
		(v->rule_index == CONV_RULE_FOREIGN_KEY_INDEX ||
		 v->rule_index == CONV_RULE_FOREIGN_KEY_TYPE))
		thing = foreign_key_words(a->objid);
	if (thing != NULL)
	{
		if (a->subid != 0)
			thing = psprintf("%s column %s", thing, get_attname(v->relid, a->subid, true));
	}
	else if (a->classid == NamespaceRelationId)
		thing = psprintf("schema %s", get_namespace_name(a->objid));
	else if (a->classid == ConstraintRelationId)
	{
		thing = psprintf("constraint %s", get_constraint_name(a->objid));
		if (a->subid != 0)
			thing = psprintf("%s column %s", thing, get_attname(v->relid, a->subid, true));
	}
	else if (a->objid != v->relid)
		thing = psprintf("index %s", get_rel_name(a->objid));
	else if (a->subid != 0)
		thing = psprintf("column %s", get_attname(v->relid, a->subid, true));
	else
		thing = "table";
	if (a->aspect[0] != '\0')
		thing = psprintf("%s (%s)", thing, a->aspect);
	return thing;
}
