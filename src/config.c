/*-------------------------------------------------------------------------
 *
 * config.c
 *		The settings of pg_conventions, other than the mode.
 *
 * Every one is PGC_SUSET: settable in postgresql.conf, with ALTER SYSTEM,
 * ALTER DATABASE/ROLE ... SET, and SET [LOCAL] by a superuser or a role
 * granted SET on it (PostgreSQL 15 GRANT SET ON PARAMETER).  Lists are
 * parsed and validated once, in the check hook, so the rules read them for
 * free.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include <limits.h>

#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/varlena.h"

int			conv_profile = CONV_PROFILE_SQL;
int			conv_pk_policy = CONV_PK_UUID;
char	   *conv_created_at_column = NULL;
char	   *conv_updated_at_column = NULL;
char	   *conv_soft_delete_column = NULL;
int			conv_low_cardinality_max = 5;
int			conv_large_table_kb = 10 * 1024;
int			conv_table_size_source = CONV_SIZE_FILE;

static char *disabled_rules_string = NULL;
static char *warning_rules_string = NULL;
static char *schemas_string = NULL;
static char *ignored_tables_string = NULL;

/*
 * Parsed forms, owned by the GUC machinery through "extra", which it frees
 * itself: allocated with CONV_GUC_MALLOC (guc_malloc since 16, malloc
 * before), never palloc.
 */
static uint32 *disabled_mask = NULL;
static uint32 *warning_mask = NULL;

typedef struct NameList
{
	int			n;
	char		names[FLEXIBLE_ARRAY_MEMBER][NAMEDATALEN];
} NameList;

static NameList *schemas = NULL;
static NameList *ignored_tables = NULL;

/* The rule ids, by position (the rule masks' bits). */
#define CONV_RULE_NAME(name, id, s1, s2, s3, description, check) #id,
static const char *const rule_names[CONV_NUM_RULES] = {
	CONV_RULE_LIST(CONV_RULE_NAME)
	CONV_STATEMENT_RULE_LIST(CONV_RULE_NAME)
};

int
conv_rule_index(const char *id)
{
	for (int i = 0; i < CONV_NUM_RULES; i++)
		if (strcmp(rule_names[i], id) == 0)
			return i;
	return -1;
}

const char *
conv_rule_name(int rule_index)
{
	Assert(rule_index >= 0 && rule_index < CONV_NUM_RULES);
	return rule_names[rule_index];
}

static const struct config_enum_entry profile_options[] = {
	{"sql", CONV_PROFILE_SQL, false},
	{"sequelize", CONV_PROFILE_SEQUELIZE, false},
	{NULL, 0, false}
};

static const struct config_enum_entry size_source_options[] = {
	{"file", CONV_SIZE_FILE, false},
	{"statistics", CONV_SIZE_STATISTICS, false},
	{"larger", CONV_SIZE_LARGER, false},
	{NULL, 0, false}
};

static const struct config_enum_entry pk_policy_options[] = {
	{"uuid", CONV_PK_UUID, false},
	{"identity", CONV_PK_IDENTITY, false},
	{"any", CONV_PK_ANY, false},
	{NULL, 0, false}
};

/*
 * A comma-separated list of rule ids, "migration_safety" for the
 * statement rules, or "*" for all of them.
 */
static bool
check_rule_list(char **newval, void **extra, GucSource source)
{
	char	   *copy = pstrdup(*newval);
	List	   *names;
	ListCell   *lc;
	uint32		mask = 0;

	if (!SplitIdentifierString(copy, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		return false;
	}
	foreach(lc, names)
	{
		const char *name = lfirst(lc);
		int			i;

		if (strcmp(name, "*") == 0)
		{
			mask = ~(uint32) 0;
			continue;
		}
		if (strcmp(name, "migration_safety") == 0)
		{
			/* the statement rules, as a family */
			for (int r = CONV_NUM_TABLE_RULES; r < CONV_NUM_RULES; r++)
				mask |= (uint32) 1 << r;
			continue;
		}
		i = conv_rule_index(name);
		if (i < 0)
		{
			GUC_check_errdetail("\"%s\" is not a rule of pg_conventions.", name);
			GUC_check_errhint("conventions.rules() lists the rules.");
			return false;
		}
		mask |= (uint32) 1 << i;
	}
	*extra = CONV_GUC_MALLOC(sizeof(uint32));
	if (*extra == NULL)
		return false;
	*(uint32 *) *extra = mask;
	return true;
}

static void
assign_disabled_rules(const char *newval, void *extra)
{
	disabled_mask = (uint32 *) extra;
}

static void
assign_warning_rules(const char *newval, void *extra)
{
	warning_mask = (uint32 *) extra;
}

/* A list of names, as identifiers: unquoted ones are folded to lower case. */
static bool
check_name_list(char **newval, void **extra, GucSource source)
{
	char	   *copy = pstrdup(*newval);
	List	   *names;
	ListCell   *lc;
	NameList   *parsed;
	int			i = 0;

	if (!SplitIdentifierString(copy, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		return false;
	}
	parsed = CONV_GUC_MALLOC(offsetof(NameList, names) +
						Max(list_length(names), 1) * NAMEDATALEN);
	if (parsed == NULL)
		return false;
	parsed->n = list_length(names);
	foreach(lc, names)
		strlcpy(parsed->names[i++], lfirst(lc), NAMEDATALEN);
	*extra = parsed;
	return true;
}

static void
assign_schemas(const char *newval, void *extra)
{
	schemas = (NameList *) extra;
}

static void
assign_ignored_tables(const char *newval, void *extra)
{
	ignored_tables = (NameList *) extra;
}

/* A column name setting must be a valid, non-empty identifier. */
static bool
check_column_name(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
	{
		GUC_check_errdetail("The column name must not be empty.");
		return false;
	}
	if (strlen(*newval) >= NAMEDATALEN)
	{
		GUC_check_errdetail("The column name must be shorter than %d bytes.", NAMEDATALEN);
		return false;
	}
	return true;
}

bool
conv_rule_disabled(int rule_index)
{
	return disabled_mask != NULL && (*disabled_mask & ((uint32) 1 << rule_index)) != 0;
}

bool
conv_rule_warning_only(int rule_index)
{
	return warning_mask != NULL && (*warning_mask & ((uint32) 1 << rule_index)) != 0;
}

/*
 * Is the table one of pg_conventions.ignored_tables, a migration tool's
 * own bookkeeping (sequelize-cli's "SequelizeMeta", say), in any schema?
 */
bool
conv_table_name_ignored(const char *relname)
{
	if (ignored_tables == NULL)
		return false;
	for (int i = 0; i < ignored_tables->n; i++)
		if (strcmp(ignored_tables->names[i], relname) == 0)
			return true;
	return false;
}

/* Is the schema in scope?  An empty list means every non-system schema. */
bool
conv_schema_in_scope(const char *nspname)
{
	if (schemas == NULL || schemas->n == 0)
		return true;
	for (int i = 0; i < schemas->n; i++)
		if (strcmp(schemas->names[i], nspname) == 0)
			return true;
	return false;
}

void
conv_define_settings(void)
{
	DefineCustomEnumVariable("pg_conventions.profile",
							 "Which client's legitimate schema choices the rules accept.",
							 "sql: the conventions as written.  sequelize: also accept what "
							 "Sequelize does by design (client-generated uuid keys without a "
							 "database default, timestamps set by the client without a default), "
							 "and say in hints what to change in the model.",
							 &conv_profile, CONV_PROFILE_SQL, profile_options,
							 PGC_SUSET, 0, NULL, NULL, NULL);

	DefineCustomStringVariable("pg_conventions.disabled_rules",
							   "Rules that are not checked at all.",
							   "A comma-separated list of rule ids (conventions.rules() lists them), migration_safety for the migration-safety rules, or * for all.",
							   &disabled_rules_string, "",
							   PGC_SUSET, GUC_LIST_INPUT,
							   check_rule_list, assign_disabled_rules, NULL);

	DefineCustomStringVariable("pg_conventions.warning_rules",
							   "Rules that only warn, even when the mode is enforce.",
							   "A comma-separated list of rule ids, migration_safety for the migration-safety rules, or * for all.",
							   &warning_rules_string, "",
							   PGC_SUSET, GUC_LIST_INPUT,
							   check_rule_list, assign_warning_rules, NULL);

	DefineCustomEnumVariable("pg_conventions.primary_key_type",
							 "What a primary key must be.",
							 "uuid: one uuid column with DEFAULT gen_random_uuid(); identity: one "
							 "integer identity column; any: whatever the table has.  Junction "
							 "tables may always use a composite key of their foreign-key columns.",
							 &conv_pk_policy, CONV_PK_UUID, pk_policy_options,
							 PGC_SUSET, 0, NULL, NULL, NULL);

	DefineCustomStringVariable("pg_conventions.created_at_column",
							   "Name of the column that records when a row was created.",
							   NULL, &conv_created_at_column, "created_at",
							   PGC_SUSET, 0, check_column_name, NULL, NULL);

	DefineCustomStringVariable("pg_conventions.updated_at_column",
							   "Name of the column that records when a row was last updated.",
							   NULL, &conv_updated_at_column, "updated_at",
							   PGC_SUSET, 0, check_column_name, NULL, NULL);

	DefineCustomStringVariable("pg_conventions.soft_delete_column",
							   "Name of the soft-delete column.",
							   "Where a table has it, it must be a nullable timestamptz without a default.",
							   &conv_soft_delete_column, "deleted_at",
							   PGC_SUSET, 0, check_column_name, NULL, NULL);

	DefineCustomStringVariable("pg_conventions.schemas",
							   "Schemas whose tables the conventions apply to.",
							   "A comma-separated list; empty means every schema but the system ones.",
							   &schemas_string, "",
							   PGC_SUSET, GUC_LIST_INPUT,
							   check_name_list, assign_schemas, NULL);

	DefineCustomStringVariable("pg_conventions.ignored_tables",
							   "Tables never judged, in any schema: migration tools' own bookkeeping.",
							   "A comma-separated list of table names, quoted where they are not lower case. "
							   "The default lists the tables of sequelize-cli, Rails, Django, Flyway, "
							   "Liquibase, Knex, Prisma, Alembic, goose, node-pg-migrate and Entity Framework.",
							   &ignored_tables_string, CONV_TOOL_TABLES,
							   PGC_SUSET, GUC_LIST_INPUT,
							   check_name_list, assign_ignored_tables, NULL);

	DefineCustomIntVariable("pg_conventions.large_table_size",
							"Size from which an existing table is large to the migration-safety rules.",
							"Statements that lock, scan or rewrite a table at least this large "
							"(its heap, every partition) are judged before they run.",
							&conv_large_table_kb, 10 * 1024, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_conventions.evidence_sample_rows",
							"Rows the will_fail rule reads of a table before a statement that may fail on them.",
							"All of a table with at most this many rows, else a TABLESAMPLE SYSTEM sample "
							"of about this many.  0 reads no rows: only pg_stats is evidence then.",
							&conv_evidence_sample_rows, 10000, 0, INT_MAX,
							PGC_SUSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_conventions.evidence_timeout",
							"Longest the will_fail rule reads a table's rows or statistics before a statement.",
							"When the reading takes longer it is cancelled, and the rule says nothing.  "
							"0: no limit.",
							&conv_evidence_timeout_ms, 200, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);

	DefineCustomEnumVariable("pg_conventions.table_size_source",
							 "Where a table's size and rows come from: its file, or its statistics (a production twin).",
							 "file: the table's file, as PostgreSQL plans from it.  statistics: the "
							 "statistics snapshot conventions.twin_import() took of production, else "
							 "pg_class's relpages and reltuples; the migration-safety rules, the reports "
							 "and the planner then see production's sizes on a server with no rows.  "
							 "larger: whichever of the two is larger.",
							 &conv_table_size_source, CONV_SIZE_FILE, size_source_options,
							 PGC_SUSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("pg_conventions.low_cardinality_max_distinct",
							"Most distinct values a column may have for a single-column index on it to count as low-cardinality.",
							"Read from pg_stats, so only analyzed tables are judged.",
							&conv_low_cardinality_max, 5, 1, 1000,
							PGC_SUSET, 0, NULL, NULL, NULL);
}
