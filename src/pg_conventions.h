/*-------------------------------------------------------------------------
 *
 * pg_conventions.h
 *		Declarations shared by the files of pg_conventions.
 *
 * The pieces, by face (one concern per file):
 *	pg_conventions.c		module init, the mode, the ProcessUtility, object-access
 *							and executor hooks, the transaction callbacks
 *	config.c				every other setting
 *	format.c				quoting, names and fix-SQL helpers
 *	sqltext.c				SQL text through the core scanner: tokens, statements
 *							normalized as pg_stat_statements shows them
 *	guard/					the guard: statement -> collector -> engine -> ereport
 *	  statement.c			what a statement means to the guard (the classifier
 *							both entry points share), the tables it is about to
 *							change, locked
 *	  collector.c			the per-transaction set of touched objects, and what
 *							their tables looked like before the transaction
 *	  event_trigger.c		the event-trigger entry point
 *	  engine.c				the rule registry, the before/after comparison, and
 *							the guard's sink (ereport)
 *	  exemptions.c			per-object exemptions (conventions.exemptions)
 *	rules/					table-shape rules over the catalog
 *	  tableinfo.c			what the rules read from the catalog about one table
 *	  violation.c			one violation: what it says and what it is about
 *	  rules_table.c			keys, timestamps, soft deletes
 *	  rules_naming.c		snake_case names, index names
 *	  rules_fk.c			foreign-key rules and the one FK-coverage test
 *	  rules_index.c			redundant and low-cardinality indexes
 *	safety/					migration-safety rules, judged before a statement runs
 *	  safety.c				their entry points (utility, DML, a rewrite's new heap),
 *							the sink, conventions.safety_assured()
 *	  facts.c				what they know of a table (size, locks held), the
 *							statement's text, recipes
 *	  index_builds.c		concurrent_index, constraint_index
 *	  constraints.c			constraint_validation, not_null_scan
 *	  rewrites.c			table_rewrite
 *	  locks.c				lock_timeout, backfill_under_lock
 *	  breaking.c			rename_or_drop
 *	reports/				SQL-callable audits and index reports
 *	  query_patterns.c		conventions.query_patterns(): the detector's findings
 *							with their evidence and fixes
 *	advisor/				suggest_indexes() (advisor.h gives the order of a call)
 *	  advisor.c				the entry points: one query, or the workload
 *	  discover.c			what each statement asks of each table
 *	  candidates.c			btree (composite, partial, covering) and GIN candidates
 *	  hypothetical.c		a candidate as the planner sees it; size, write cost
 *	  search.c				configurations, benefit per byte, the budget, rows
 *	citus/					scale-out on Citus
 *	  citus.c				what Citus's metadata says of a relation (shard,
 *							distributed or reference table) and of this node;
 *							a Citus table's size, read from its shards
 *	workload/				what the server executes: one capture, two readers
 *	  workload.c			the capture (executor hooks, shared memory, client
 *							periods sampled whole), for the advisor
 *	  patterns.c			the query-pattern detector: each client's stream of
 *							executions, N+1 runs, deep OFFSET, counts for pages
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CONVENTIONS_H
#define PG_CONVENTIONS_H

#include "compat.h"

#include "access/attnum.h"
#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/relcache.h"
#include "nodes/plannodes.h"
#include "nodes/primnodes.h"
#include "nodes/parsenodes.h"
#include "storage/lockdefs.h"

/* ---- configuration (pg_conventions.c) ---- */

typedef enum ConvMode
{
	CONV_MODE_OFF,
	CONV_MODE_WARN,
	CONV_MODE_ENFORCE
}			ConvMode;

extern int	conv_mode;

/* ---- other settings (config.c) ---- */

typedef enum ConvProfile
{
	CONV_PROFILE_SQL,
	CONV_PROFILE_SEQUELIZE
}			ConvProfile;

typedef enum ConvPkPolicy
{
	CONV_PK_UUID,
	CONV_PK_IDENTITY,
	CONV_PK_ANY
}			ConvPkPolicy;

extern int	conv_profile;
extern int	conv_pk_policy;
extern char *conv_created_at_column;
extern char *conv_updated_at_column;
extern char *conv_soft_delete_column;
extern int	conv_low_cardinality_max;

/*
 * The rules, in the order they are checked and reported:
 * X(ENUM, id, SQLSTATE digits, description, check function).  The position
 * is the rule's bit in the rule masks.  SQLSTATEs are in the
 * implementation-defined class "PC" and documented in the README.
 */
#define CONV_RULE_LIST(X) \
	X(SNAKE_CASE_NAMES, snake_case_names, '0', '0', '4', \
	  "tables, columns, indexes, constraints and schemas are named ^[a-z][a-z0-9_]*$", \
	  conv_rule_snake_case_names) \
	X(REQUIRE_PRIMARY_KEY, require_primary_key, '0', '0', '1', \
	  "every table has a primary key", conv_rule_require_primary_key) \
	X(PRIMARY_KEY_TYPE, primary_key_type, '0', '0', '5', \
	  "the primary key is one uuid column with DEFAULT gen_random_uuid() (per pg_conventions.primary_key_type); junction tables may use their foreign-key columns", \
	  conv_rule_primary_key_type) \
	X(REQUIRE_TIMESTAMPS, require_timestamps, '0', '0', '2', \
	  "created_at and updated_at are timestamptz DEFAULT now(); junction tables need only created_at", \
	  conv_rule_require_timestamps) \
	X(TIMESTAMPTZ_ONLY, timestamptz_only, '0', '0', '6', \
	  "no column is timestamp without time zone", conv_rule_timestamptz_only) \
	X(SOFT_DELETE_COLUMN, soft_delete_column, '0', '0', '7', \
	  "the soft-delete column, where present, is a nullable timestamptz without default", \
	  conv_rule_soft_delete_column) \
	X(FOREIGN_KEY_TYPE, foreign_key_type, '0', '0', '8', \
	  "foreign-key columns have exactly the referenced columns' types", \
	  conv_rule_foreign_key_type) \
	X(FOREIGN_KEY_INDEX, foreign_key_index, '0', '0', '3', \
	  "every foreign key has a covering index", conv_rule_foreign_key_index) \
	X(INDEX_NAMING, index_naming, '0', '0', '9', \
	  "indexes that back no constraint are named idx_<table>_<columns>", \
	  conv_rule_index_naming) \
	X(REDUNDANT_INDEX, redundant_index, '0', '1', '0', \
	  "no index duplicates another or is a leading part of another (same method, operator classes, collations, order, predicate)", \
	  conv_rule_redundant_index) \
	X(LOW_CARDINALITY_INDEX, low_cardinality_index, '0', '1', '1', \
	  "no single-column btree on a column with very few distinct values (pg_stats)", \
	  conv_rule_low_cardinality_index)

/*
 * The migration-safety rules (safety/), same shape: judged before a
 * statement runs, from its parse tree (or plan) and what the server knows
 * of the tables it is about to lock.  They follow the table rules in the
 * masks and in conventions.rules().
 */
#define CONV_STATEMENT_RULE_LIST(X) \
	X(CONCURRENT_INDEX, concurrent_index, '0', '1', '2', \
	  "on a large existing table, indexes are built, dropped and rebuilt CONCURRENTLY (on a partitioned table, one partition at a time), partitions are detached CONCURRENTLY, and a large materialized view is refreshed CONCURRENTLY", \
	  conv_rule_concurrent_index) \
	X(CONSTRAINT_INDEX, constraint_index, '0', '1', '3', \
	  "on a large existing table, UNIQUE and PRIMARY KEY constraints are added USING INDEX, after CREATE UNIQUE INDEX CONCURRENTLY, and an exclusion constraint (which has no online form) is added only in a quiet window", \
	  conv_rule_constraint_index) \
	X(CONSTRAINT_VALIDATION, constraint_validation, '0', '1', '4', \
	  "on a large existing table, foreign keys and CHECK constraints (of the table, or of a domain it uses) are added NOT VALID and validated in a later transaction, and a partition is attached after a validated CHECK constraint proves its bound", \
	  conv_rule_constraint_validation) \
	X(NOT_NULL_SCAN, not_null_scan, '0', '1', '5', \
	  "SET NOT NULL on a large existing table is proven by a validated CHECK (col IS NOT NULL) first", \
	  conv_rule_not_null_scan) \
	X(TABLE_REWRITE, table_rewrite, '0', '1', '6', \
	  "no statement rewrites a large existing table (type changes that rewrite, volatile defaults, stored generated columns, SET LOGGED/UNLOGGED, SET TABLESPACE, VACUUM FULL, CLUSTER)", \
	  conv_rule_table_rewrite) \
	X(BACKFILL_UNDER_LOCK, backfill_under_lock, '0', '1', '7', \
	  "no large INSERT, UPDATE or DELETE runs on a table while the transaction holds a lock on it that blocks writes", \
	  conv_rule_backfill_under_lock) \
	X(RENAME_OR_DROP, rename_or_drop, '0', '1', '8', \
	  "columns and tables that hold data are not renamed, dropped or truncated while application code may use them", \
	  conv_rule_rename_or_drop) \
	X(LOCK_TIMEOUT, lock_timeout, '0', '1', '9', \
	  "a lock that blocks writes on an existing table is requested with lock_timeout set", \
	  conv_rule_lock_timeout) \
	X(WILL_FAIL, will_fail, '0', '2', '0', \
	  "no statement is started that the table's rows or statistics show will fail at the end of its scan (duplicates under a new unique key, NULLs under NOT NULL, rows a CHECK or foreign key rejects, values a type change cannot cast)", \
	  conv_rule_will_fail)

#define CONV_RULE_ENUM(name, id, s1, s2, s3, description, check) CONV_RULE_##name,
typedef enum ConvRuleId
{
	CONV_RULE_LIST(CONV_RULE_ENUM)
	CONV_STATEMENT_RULE_LIST(CONV_RULE_ENUM)
	CONV_NUM_RULES
}			ConvRuleId;

#define CONV_RULE_COUNT(name, id, s1, s2, s3, description, check) +1
#define CONV_NUM_TABLE_RULES (0 CONV_RULE_LIST(CONV_RULE_COUNT))

extern void conv_define_settings(void);
extern int	conv_rule_index(const char *id);
extern const char *conv_rule_name(int rule_index);
extern bool conv_rule_disabled(int rule_index);
extern bool conv_rule_warning_only(int rule_index);
extern bool conv_schema_in_scope(const char *nspname);
extern bool conv_table_name_ignored(const char *relname);

extern bool conv_guard_active(void);

/* advisor.c */
extern void conv_advisor_init(void);

/* workload.c: one captured statement, copied out of shared memory */
#define CONV_PARAM_SETS 4
#define CONV_TEXT_BYTES 4096	/* longer statements are not kept */

typedef struct ConvStatement
{
	Oid			userid;
	Oid			dbid;
	uint64		queryid;		/* 0 when not computed */
	char	   *query;
	char	   *search_path;	/* it ran under */
	int64		calls;			/* sampled executions */
	int64		unbound;		/* of them, with no parameter values kept */
	int64		failed;			/* of them, ended by an error or a cancel */
	double		total_ms;		/* their executor time (to the error for those) */
	int64		rows;			/* rows of those that ended */
	int			nparams;
	Oid		   *paramtypes;		/* nparams; InvalidOid when not known */
	int			nsets;			/* most frequent parameter value sets */
	char	  **set_values[CONV_PARAM_SETS];	/* nparams each; NULL: null */
	int64		set_calls[CONV_PARAM_SETS];
} ConvStatement;

extern double conv_capture_sample_rate;
extern void conv_workload_init(void);
extern void conv_workload_nest(int delta);
extern bool conv_workload_runs_client_query(Node *utility);
extern bool conv_workload_available(void);
extern List *conv_workload_statements(Oid dbid);
extern void conv_workload_require(void);
extern int64 conv_workload_too_long(void);
extern bool conv_workload_may_see(Oid userid);

/*
 * One sampled execution as the query-pattern detector sees it
 * (workload.c -> patterns.c): who ran it, its shape, and what it did.
 */
typedef struct ConvExecution
{
	uint64		client;			/* the client: database, login role, address, application */
	Oid			dbid;
	Oid			userid;			/* the role it ran as */
	const char *application;	/* application_name */
	const char *address;		/* client address, or "[local]" */
	int			pid;			/* the connection */
	uint64		shape;			/* statement with constants and parameters left out */
	const char *text;			/* that shape, normalized; NULL when unknown */
	uint64		values;			/* its constants and parameter values */
	Oid			relid;			/* the first user table it reads */
	int64		rows;			/* rows returned or changed */
	double		time_ms;		/* executor time */
	TimestampTz end;			/* when it ended */
	bool		limited;		/* a LIMIT or OFFSET on top */
	int64		offset;			/* rows that OFFSET skipped */
	int64		limit;			/* rows LIMIT allows; -1: none */
	bool		counts;			/* a plain count() of a table */
} ConvExecution;

/* A finding of the detector, copied out of shared memory (patterns.c). */
typedef enum ConvPattern
{
	CONV_PATTERN_N_PLUS_ONE,
	CONV_PATTERN_DEEP_OFFSET,
	CONV_PATTERN_COUNT_FOR_PAGINATION
}			ConvPattern;

typedef struct ConvFinding
{
	ConvPattern pattern;
	Oid			dbid;
	Oid			userid;
	char	   *application;
	char	   *address;
	char	   *query;			/* normalized */
	Oid			relid;
	int64		occurrences;	/* runs (n_plus_one), pairs (count_for_pagination), executions */
	int64		executions;
	int64		rows;
	double		time_ms;
	int64		longest;		/* n_plus_one: the longest run */
	int64		distinct_values;	/* n_plus_one: distinct value sets of that run (capped) */
	int			connections;	/* n_plus_one: connections that run came over */
	Oid			source_relid;	/* n_plus_one: what the statement before the run read */
	int64		source_rows;	/* n_plus_one: and returned */
	int64		max_offset;		/* deep_offset, count_for_pagination: largest OFFSET seen */
	int64		limit;			/* deep_offset, count_for_pagination: its LIMIT; -1: none */
	TimestampTz last_seen;
} ConvFinding;

extern int	conv_n_plus_one_threshold;
extern int	conv_deep_offset_rows;
extern void conv_patterns_init(void);
extern Size conv_patterns_shmem_size(void);
struct LWLock;
extern void conv_patterns_shmem_startup(struct LWLock *lock);
extern void conv_patterns_record(const ConvExecution *e);
extern List *conv_patterns_findings(Oid dbid, bool (*may_see) (Oid userid));
extern void conv_patterns_reset(void);

/* ---- SQL text (sqltext.c) ---- */

#define CONV_TOK_CONST		'c'
#define CONV_TOK_PARAM		'p'
#define CONV_TOK_KEYWORD	'k'
#define CONV_TOK_IDENT		'i'
#define CONV_TOK_OTHER		'o'

typedef struct ConvToken
{
	int			tok;			/* the scanner's token code */
	int			start;			/* byte extent in the text: [start, end) */
	int			end;
	int			depth;			/* parentheses around it */
	char		kind;			/* CONV_TOK_* */
	const char *keyword;		/* a keyword: as the scanner spells it */
	int			param;			/* a parameter: its number */
} ConvToken;

extern ConvToken *conv_sql_tokens(const char *sql, int *ntokens);
extern bool conv_token_is(const ConvToken *t, const char *keyword);
extern char *conv_normalize_query(const char *sql);
extern bool conv_shape_key(const char *sql, int len, uint64 *key, uint64 *constants);
extern char *conv_name_index_in_statement(const char *sql, bool named, const char *name);
extern char *conv_statement_at(const char *source, int location, int length);

/* ---- the findings log (findings/findings.c) ---- */

extern void conv_findings_init(void);
extern void conv_findings_note_statement(const char *source, int location, int length);
extern void conv_findings_add(const char *verdict, const char *rule, const char *object,
							  const char *message, const char *detail, const char *hint,
							  const char *statement);

/* ---- one step in a subtransaction (subtransaction.c) ---- */

extern ErrorData *conv_subtransaction(void (*fn) (void *), void *arg, bool keep);
extern bool conv_try_subtransaction(void (*fn) (void *), void *arg, char **message);

/* ---- the production twin (twin/) ---- */

/* Where a table's size and rows come from (pg_conventions.table_size_source). */
typedef enum ConvSizeSource
{
	CONV_SIZE_FILE,				/* the file, as PostgreSQL itself sees it */
	CONV_SIZE_STATISTICS,		/* the twin's snapshot, else pg_class */
	CONV_SIZE_LARGER			/* whichever is larger */
}			ConvSizeSource;

extern int	conv_table_size_source;

/* Where figures came from: what a message says of them. */
typedef enum ConvFiguresOrigin
{
	CONV_FIGURES_FILE,			/* measured from the file */
	CONV_FIGURES_PG_CLASS,		/* pg_class's statistics */
	CONV_FIGURES_SNAPSHOT,		/* the twin's snapshot of production's statistics */
	CONV_FIGURES_SHARDS,		/* a Citus table's shards, on their nodes */
	CONV_FIGURES_SOME_SHARDS	/* the shards on the nodes that answered in time */
}			ConvFiguresOrigin;

/* A relation's pages, rows and all-visible pages by its statistics. */
typedef struct ConvRelFigures
{
	double		pages;
	double		tuples;			/* < 0: never vacuumed or analyzed */
	double		allvisible;
	ConvFiguresOrigin origin;
} ConvRelFigures;

/* twin/snapshot.c */
extern bool conv_statistics_figures(Oid relid, ConvRelFigures *f);
extern bool conv_twin_figures(Oid relid, double pages, ConvRelFigures *f);
extern void conv_class_figures(Oid relid, double *pages, double *tuples);
extern void conv_twin_init(void);
/* twin/planner.c */
extern void conv_twin_planner_init(void);

/* ---- touched objects (collector.c) ---- */

/* What a statement means to the guard. */
typedef enum ConvStatementKind
{
	CONV_STMT_IGNORE,			/* does not shape a table (GRANT, VACUUM, ...) */
	CONV_STMT_COLLECT,			/* record what it creates, alters or drops */
	CONV_STMT_SUSPEND			/* commits internally (CONCURRENTLY): see collector.c */
}			ConvStatementKind;

/* ---- what a statement means (statement.c) ---- */

extern ConvStatementKind conv_classify_statement(Node *parsetree);
extern bool conv_is_detach_concurrently(Node *parsetree);
extern List *conv_statement_tables(Node *parsetree);
extern List *conv_statement_unchanged_tables(Node *parsetree);
extern Oid	conv_lock_table_of_dropped_index(Oid indexoid, bool concurrent);
extern void conv_record_object(Oid classId, Oid objectId);
extern void conv_record_dropped_object(Oid classId, Oid objectId, int subId);
extern void conv_record_after_concurrent(Node *parsetree);
extern void conv_record_table(Oid relid);
extern bool conv_have_touched(void);
extern List *conv_touched_tables(void);
extern bool conv_recording_for_citus;
extern void conv_forget_all(void);
extern void conv_subxact_commit(SubTransactionId mySubid, SubTransactionId parentSubid);
extern void conv_subxact_abort(SubTransactionId mySubid);

/*
 * What a violation is about, so that it is recognised before and after a
 * statement whatever is renamed: a catalog object (class, OID, column
 * number) and, where one rule can find several things wrong with one
 * object, which of them (a constant string).
 */
typedef struct ConvAbout
{
	Oid			classid;
	Oid			objid;
	int32		subid;
	const char *aspect;			/* never NULL; "" when the rule has one */
}			ConvAbout;

typedef struct ConvViolation ConvViolation;

/* the violations each table had before the transaction first changed it */
extern bool conv_before_known(Oid relid);
extern void conv_before_store(Oid relid, List *violations);
extern bool conv_before_had(const ConvViolation *v);

/* ---- one table as the rules see it (tableinfo.c) ---- */

typedef struct ConvForeignKey
{
	Oid			conoid;
	Oid			conrelid;		/* referencing table */
	char	   *conname;
	Oid			confrelid;		/* referenced table */
	int			nkeys;
	/* arrays of nkeys (conv_fk_alloc): catalogs hold tens of thousands */
	AttrNumber *conkey;			/* referencing columns, FK order */
	AttrNumber *confkey;		/* referenced columns */
	Oid		   *pfeqop;			/* PK = FK operators */
	Oid		   *coltypes;		/* of the referencing columns */
	int32	   *coltypmods;
	Oid		   *colcollations;
	bool		colinfo_loaded; /* coltypes..colcollations filled in */
	bool		inherited;		/* a partition's clone of its parent's key */
} ConvForeignKey;

typedef struct ConvIndex
{
	Oid			indexrelid;
	char	   *name;
	Oid			relam;
	bool		usable;			/* indisvalid && indislive */
	bool		isprimary;
	bool		isunique;
	bool		ispartition;	/* attached to an index of the parent table */
	Oid			constraint;		/* the constraint it backs (set by
								 * conv_table_indexes), or InvalidOid */
	int			natts;			/* all columns, INCLUDE columns too */
	int			nkeyatts;		/* key columns, INCLUDE columns excluded */
	/* arrays sized to the index (conv_index_from_tuple) */
	AttrNumber *keys;			/* natts: all columns; 0 = expression */
	Oid		   *collations;		/* nkeyatts each from here */
	Oid		   *opclasses;
	Oid		   *opfamilies;
	int16	   *options;		/* DESC, NULLS FIRST */
	List	   *expressions;	/* one per 0 in keys, in order */
	List	   *predicate;		/* implicit-AND list, NIL when none */
} ConvIndex;

typedef struct ConvColumn
{
	AttrNumber	attnum;
	char	   *name;
	Oid			typid;
	int32		typmod;
	bool		notnull;
	bool		hasdef;
	char		identity;
	char		generated;
} ConvColumn;

typedef struct ConvTable
{
	Oid			relid;
	Oid			nspid;
	char		relkind;
	bool		ispartition;
	int			natts;
	char	   *nspname;
	char	   *relname;
	char	   *display_name;	/* schema.table, unquoted, for messages */
	char	   *sql_name;		/* schema.table, quoted, for fix SQL */
	int			pk_nkeys;		/* 0 = no primary key */
	char	   *pk_conname;
	AttrNumber	pk_keys[INDEX_MAX_KEYS];
	List	   *columns;		/* ConvColumn *, by attnum, no dropped ones */
	List	   *foreign_keys;	/* ConvForeignKey *, by name; a partition's
								 * clones of its parent's keys are marked
								 * inherited: judged on the parent, but they
								 * still need their indexes */
	List	   *constraints;	/* ConvConstraint *, every constraint, by name */
	List	   *indexes;		/* ConvIndex *, loaded on first use */
	bool		indexes_loaded;
	Oid			ignore_index;	/* judge the table as if this index were gone */
	char		citus_method;	/* a Citus table's distribution method ('h'
								 * hash, 'n' reference), '\0' otherwise */
	AttrNumber	citus_distcol;	/* its distribution column, 0: none */
} ConvTable;

typedef struct ConvConstraint
{
	Oid			conoid;
	char	   *conname;
	char		contype;
	Oid			conindid;		/* the index a key, unique or exclusion constraint uses */
} ConvConstraint;

extern ConvTable *conv_table_load(Oid relid);
extern bool conv_table_in_scope(Oid relid);
extern bool conv_relation_in_scope(Oid relid, bool matviews);
extern Oid	conv_table_of_relation(Oid relid);
extern ConvColumn *conv_table_column(ConvTable *table, const char *name);
extern ConvColumn *conv_table_column_at(ConvTable *table, AttrNumber attnum);
extern Node *conv_column_default(Oid relid, AttrNumber attnum);
extern List *conv_table_indexes(ConvTable *table);
extern List *conv_load_indexes(Oid relid, Oid ignore_index);
extern ConvIndex *conv_index_from_tuple(HeapTuple tup, TupleDesc desc);

typedef struct ConvNamedTable
{
	Oid			relid;
	char	   *nspname;
	char	   *relname;
} ConvNamedTable;

extern ConvNamedTable *conv_tables_in_scope(int *count);
extern bool conv_table_is_junction(ConvTable *table);
extern bool conv_attnum_in_foreign_key(ConvTable *table, AttrNumber attnum);
extern bool conv_created_in_current_xact(Oid relid);
extern bool conv_namespace_has_older_table(Oid nspid);
extern Size conv_fk_size(int nkeys);
extern ConvForeignKey *conv_fk_alloc(int nkeys);
extern ConvForeignKey *conv_fk_init(void *mem, int nkeys);
extern void conv_fk_load_colinfo(ConvForeignKey *fk);

/* ---- Citus (citus/citus.c) ---- */

extern bool conv_citus_present(void);
extern Oid	conv_citus_shard_of(Oid relid);
extern bool conv_citus_table(Oid relid, char *method, AttrNumber *distcol);
extern bool conv_citus_is_coordinator(void);
extern bool conv_citus_not_judged_here(Oid relid);
extern bool conv_citus_converting(void);
extern int	conv_citus_index_scans(Oid relid, const Oid *indexes, int n, int64 *scans);

/* ---- the rule engine (engine.c) ---- */

typedef struct ConvRule ConvRule;

struct ConvViolation
{
	int			rule_index;
	const ConvRule *rule;		/* set by the engine */
	Oid			relid;
	ConvAbout	about;
	bool		debt;			/* the table had it before the transaction */
	char	   *object;			/* what is wrong, e.g. "posts_user_id_fkey on public.posts" */
	char	   *message;
	char	   *detail;			/* why it matters (without the "Rule x:" prefix) */
	char	   *fix_sql;
	char	   *advice;			/* for the HINT only, after the fix (profiles) */
	char	   *exemption;		/* reason, when an exemption covers it */
};

typedef void (*ConvRuleCheck) (ConvTable *table, List **violations);

/*
 * A statement about to run, as a migration-safety rule sees it: a utility
 * statement's parse tree, or the plan of an INSERT, UPDATE, DELETE or
 * MERGE; and the text its parse tree's locations point into.
 */
typedef struct ConvStatementInfo
{
	Node	   *stmt;			/* parse tree, or a PlannedStmt */
	const char *source;			/* NULL when not known */
	int			location;		/* of the statement in source, -1 unknown */
	int			length;			/* of the statement, 0: the rest of source */
	bool		in_transaction_block;
} ConvStatementInfo;

typedef void (*ConvStatementCheck) (const ConvStatementInfo *stmt, List **violations);

/* migration tools' bookkeeping tables: pg_conventions.ignored_tables' default */
#define CONV_TOOL_TABLES \
	"\"SequelizeMeta\", \"SequelizeData\", schema_migrations, ar_internal_metadata, " \
	"django_migrations, flyway_schema_history, databasechangelog, databasechangeloglock, " \
	"knex_migrations, knex_migrations_lock, _prisma_migrations, alembic_version, " \
	"goose_db_version, pgmigrations, \"__EFMigrationsHistory\""

/* The SQLSTATE of a table's old debt said in one line (engine.c). */
#define CONV_SQLSTATE_OLD_DEBT MAKE_SQLSTATE('P', 'C', '0', '0', '0')

struct ConvRule
{
	const char *id;
	const char *description;
	int			sqlstate;
	ConvRuleCheck check;		/* table rules */
	ConvStatementCheck check_statement; /* statement rules */
	int			index;			/* position in the registry */
};

extern int	conv_num_rules(void);
extern const ConvRule *conv_rule_at(int index);
extern const char *conv_rule_severity(const ConvRule *rule);

extern List *conv_check_table(Oid relid, Oid ignore_index);
extern List *conv_remember_before(Node *parsetree);
extern void conv_remember_unchanged(Node *parsetree);
extern void conv_remember_before_index(Oid relid, Oid new_index);
extern void conv_precheck_concurrent(Node *parsetree, const char *sql);
extern List *conv_check_tables(List *relids, Oid ignore_index);
extern List *conv_required_fk_indexes(Oid relid);
extern void conv_report_violations(List *violations, const char *statement);
extern const char *conv_severity_name(const ConvViolation *v);
extern void conv_run_deferred_checks(void);

/* ---- one violation (violation.c) ---- */

extern ConvAbout conv_about(Oid classid, Oid objid, int32 subid, const char *aspect);
extern ConvAbout conv_about_table(const ConvTable *table);
extern ConvAbout conv_about_column(const ConvTable *table, AttrNumber attnum,
								   const char *aspect);
extern ConvViolation *conv_add_violation(List **violations, int rule_index,
										 ConvTable *table, ConvAbout about,
										 const char *object, const char *message,
										 const char *detail, const char *fix_sql);
extern ConvViolation *conv_add_violation_on(List **violations, int rule_index,
											Oid relid, ConvAbout about,
											const char *object, const char *message,
											const char *detail, const char *fix_sql);
extern bool conv_about_equal(const ConvAbout *a, const ConvAbout *b);
extern char *conv_violation_subject(const ConvViolation *v);

/* ---- the recorded old debt (baseline.c) ---- */

typedef struct ConvBaselineRow
{
	Oid			relid;
	char	   *rule;
	char	   *subject;
	Datum		recorded_at;
} ConvBaselineRow;

extern List *conv_load_baseline(void);
extern const ConvBaselineRow *conv_baseline_find(List *baseline, const ConvViolation *v,
												 const char *subject);

/* ---- rules (rules_table.c, rules_fk.c) ---- */

extern void conv_rule_require_primary_key(ConvTable *table, List **violations);
extern void conv_rule_require_timestamps(ConvTable *table, List **violations);
extern void conv_rule_foreign_key_index(ConvTable *table, List **violations);
extern void conv_rule_primary_key_type(ConvTable *table, List **violations);
extern void conv_rule_timestamptz_only(ConvTable *table, List **violations);
extern void conv_rule_soft_delete_column(ConvTable *table, List **violations);
extern void conv_rule_snake_case_names(ConvTable *table, List **violations);
extern void conv_rule_index_naming(ConvTable *table, List **violations);
extern char *conv_check_index_name(ConvTable *table, const ConvIndex *index, List **violations);
/* statement.c: the index a CREATE INDEX is about to build */
extern ConvIndex *conv_statement_index(IndexStmt *stmt, Oid relid, bool *named);
extern void conv_rule_foreign_key_type(ConvTable *table, List **violations);
extern void conv_rule_redundant_index(ConvTable *table, List **violations);
extern void conv_rule_low_cardinality_index(ConvTable *table, List **violations);

/* ---- migration safety (safety/) ---- */

extern int	conv_large_table_kb;

/* What the safety rules know of one existing table. */
typedef struct ConvSafetyTable
{
	Oid			relid;
	char	   *nspname;
	char	   *relname;
	char	   *display_name;	/* schema.table, unquoted */
	char	   *sql_name;		/* quoted */
	int64		bytes;			/* heap, every partition */
	double		rows;			/* the planner's estimate */
	bool		measured;		/* bytes is known: the file, or statistics by choice */
	bool		counted;		/* rows is more than a guess (vacuumed or analyzed) */
	ConvFiguresOrigin origin;	/* where bytes and rows came from */
	char		relkind;		/* r, p, or m (conv_safety_matview only) */
} ConvSafetyTable;

/* a constraint an ALTER TABLE adds; column set for ADD COLUMN's */
typedef struct ConvAddedConstraint
{
	Constraint *con;
	ColumnDef  *column;
} ConvAddedConstraint;

/* a foreign key between two tables (facts.c conv_foreign_key_links) */
typedef struct ConvForeignKeyLink
{
	Oid			conoid;
	char	   *conname;
	Oid			conrelid;		/* the referencing table */
	Oid			confrelid;		/* the referenced table */
	Oid			conindid;		/* the referenced side's unique index */
	int			nkeys;
	int16		conkey[INDEX_MAX_KEYS]; /* the referencing columns */
} ConvForeignKeyLink;

/* facts.c */
extern void conv_safety_facts_begin(void);
extern List *conv_foreign_key_links(Oid relid, bool referencing);
extern List *conv_truncate_cascade(List *relids);
extern AlterTableStmt *conv_large_table_altered(const ConvStatementInfo *s, ConvSafetyTable *t);
extern List *conv_added_constraints(AlterTableStmt *stmt);
extern bool conv_safety_table(Oid relid, ConvSafetyTable *out);
extern bool conv_safety_table_named(RangeVar *rv, ConvSafetyTable *out);
extern bool conv_safety_matview(Oid relid, ConvSafetyTable *out);
extern bool conv_safety_is_large(const ConvSafetyTable *t);
extern char *conv_safety_size_text(const ConvSafetyTable *t);
extern const char *conv_lock_mode_name(LOCKMODE mode);
extern const char *conv_lock_blocks(LOCKMODE mode);
extern char *conv_lock_phrase(LOCKMODE mode);
extern char *conv_exclusive_wait_text(const char *action, const ConvSafetyTable *t);
extern bool conv_lock_held(Oid relid, LOCKMODE mode);
extern List *conv_validated_checks(Oid relid);
extern NullTest *conv_is_not_null(AttrNumber attnum, Oid typid, int32 typmod, Oid collid);
extern bool conv_constraints_imply(Oid relid, List *clauses);
extern char *conv_statement_text(const char *source, int location);
extern int	conv_keyword_offset(const char *stmt, int from, const char *keyword,
								bool top_level);
extern char *conv_batched_update_sql(Oid relid, const char *sql_name, const char *set_sql,
									 const char *pending_sql);
extern char *conv_batched_delete_sql(Oid relid, const char *sql_name, const char *pending_sql);
extern char *conv_insert_after_keyword(const char *stmt, int from, const char *after,
									   const char *words);
extern char *conv_clause_text(const char *source, int location);
extern bool conv_source_names(const char *source, int location, const char *name);
extern bool conv_option_true(List *options, const char *name);
extern Oid	conv_table_being_rewritten(Oid new_heap);
extern const char *conv_serial_type(TypeName *type);
extern char *conv_type_name_sql(TypeName *type_name);
extern char *conv_thousands(double value);

/*
 * evidence.c: what a table's rows (all of them, or a bounded sample) and
 * its column statistics show, read before a statement runs.
 */
extern int	conv_evidence_sample_rows;
extern int	conv_evidence_timeout_ms;

/* where rows are read from: all of the table, or a TABLESAMPLE SYSTEM sample */
typedef struct ConvRowScope
{
	bool		exact;			/* every row */
	double		percent;		/* of its pages, when sampled */
	char	   *from_sql;		/* FROM clause item, with the alias */
} ConvRowScope;

/* one column's statistics: pg_stats, or on a twin the snapshot's */
typedef struct ConvColumnStats
{
	bool		snapshot;		/* the twin's snapshot of production */
	double		null_frac;
	double		reltuples;		/* the table's rows when they were taken */
	double		n_mod;			/* rows changed since ANALYZE; < 0: unknown */
	char	   *taken;			/* when: the last ANALYZE, the snapshot */
	int			nmcv;
	char	  **mcv;			/* most common values, as text */
	double	   *freqs;
} ConvColumnStats;

/* a value a type change cannot cast, found in a row or in the statistics */
typedef struct ConvCastFailure
{
	char	   *error;			/* PostgreSQL's message */
	int			nkeys;			/* columns the value comes from */
	AttrNumber *keys;
	char	  **values;			/* their text in the row that failed */
} ConvCastFailure;

extern bool conv_evidence_scope(const ConvSafetyTable *t, bool only, const char *alias,
								ConvRowScope *out);
extern char *conv_evidence_scope_text(const ConvSafetyTable *t, const ConvRowScope *scope,
									  double rows_read);
extern bool conv_evidence_query(const char *sql, Oid relid, Oid other_relid, int limit,
								List **rows);
extern bool conv_column_stats(const ConvSafetyTable *t, AttrNumber attnum,
							  ConvColumnStats *out);
extern bool conv_stats_trusted(const ConvColumnStats *cs, double frac, double rows_needed);
extern char *conv_stats_source_text(const ConvColumnStats *cs);
extern char *conv_percent_text(double frac);
extern ConvCastFailure *conv_cast_failure(const ConvSafetyTable *t, Node *using_expr,
										  AttrNumber attnum, Oid typid, int32 typmod,
										  const char *rows_sql, const ConvColumnStats *cs,
										  double *read);

/* citus/citus.c: a Citus table's size, from its shards */
extern bool conv_citus_shard_sizes(List **relids, ConvSafetyTable *t, ConvFiguresOrigin *origin);

/* safety.c: the entry points and the sink */
extern void conv_check_statement_safety(Node *parsetree, const char *source,
										int location, int length);
extern void conv_check_dml_safety(PlannedStmt *plan, const char *source);
extern void conv_safety_note_utility(Node *parsetree, ConvStatementKind kind);
extern void conv_safety_forget(void);
/* hazard.c: how a rule says it (the rules call it; safety.c calls the rules) */
extern ConvViolation *conv_add_hazard(List **violations, int rule_index,
									  const ConvSafetyTable *t, AttrNumber attnum,
									  const char *aspect, const char *message,
									  const char *detail, const char *fix_sql);
extern char *conv_lock_timeout_sql(const ConvStatementInfo *stmt);
extern char *conv_separate_transaction_note(const ConvStatementInfo *stmt);
extern const char *conv_outside_block_note(const ConvStatementInfo *stmt);
extern char *conv_quiet_window_sql(const ConvStatementInfo *stmt, const char *reason,
								   const char *statement);

/* the rules, one function each */
extern void conv_rule_concurrent_index(const ConvStatementInfo *stmt, List **violations);
extern void conv_rule_constraint_index(const ConvStatementInfo *stmt, List **violations);
extern void conv_rule_constraint_validation(const ConvStatementInfo *stmt, List **violations);
/* partitions.c: ATTACH and DETACH PARTITION, CREATE INDEX on a partitioned table */
extern void conv_attach_partition_hazards(const ConvStatementInfo *s, AlterTableStmt *stmt,
										  List **violations);
extern void conv_detach_partition_hazards(const ConvStatementInfo *s, AlterTableStmt *stmt,
										  List **violations);
extern char *conv_index_name_addition(List *elems);
extern char *conv_partitioned_index_recipe(const ConvStatementInfo *s, IndexStmt *stmt,
										   Oid relid, const char *text);
extern void conv_rule_not_null_scan(const ConvStatementInfo *stmt, List **violations);
extern void conv_rule_table_rewrite(const ConvStatementInfo *stmt, List **violations);
extern void conv_rule_backfill_under_lock(const ConvStatementInfo *stmt, List **violations);
extern void conv_rule_rename_or_drop(const ConvStatementInfo *stmt, List **violations);
extern void conv_rule_lock_timeout(const ConvStatementInfo *stmt, List **violations);
extern void conv_rule_will_fail(const ConvStatementInfo *stmt, List **violations);
extern void conv_rule_table_rewrite_seen(Oid relid, List **violations);
extern void conv_safety_rewrites_forget(void);
extern void conv_safety_rewrite_starting(Oid relid);

/* ---- exemptions (exemptions.c) ---- */

extern List *conv_load_exemptions(void);
extern void conv_apply_exemptions(List *violations, List *exemptions);
/* the indexes of a relation, for the coverage test; NIL when it has none */
typedef List *(*ConvIndexLookup) (Oid relid, void *arg);

extern bool conv_fk_is_covered(ConvTable *table, ConvForeignKey *fk);
extern bool conv_fk_covered(Oid relid, char relkind, ConvForeignKey *fk,
							ConvIndexLookup lookup, void *arg);
extern bool conv_index_covers_fk(const ConvIndex *index, ConvForeignKey *fk);
extern char *conv_fk_index_name(Oid nspid, const char *relname, Oid relid,
								const ConvForeignKey *fk, Oid going_away,
								bool (*suggested) (Oid nspid, const char *name, void *arg),
								void *arg);
extern bool conv_fk_for_partition(const ConvForeignKey *fk, Oid parent, Oid leaf,
								  ConvForeignKey *out);
extern char *conv_fk_index_sql(Oid relid, const char *sql_name, const char *index_name,
							   const ConvForeignKey *fk, bool concurrently,
							   bool if_not_exists);

/* what rules_index.c finds, for its rules and for the reports */
typedef struct ConvRedundancy
{
	ConvIndex  *index;			/* the index to drop */
	ConvIndex  *by;				/* the index that serves its queries */
	bool		exact;			/* a duplicate, not a leading part */
} ConvRedundancy;

typedef struct ConvLowCardinality
{
	ConvIndex  *index;
	char	   *column;
	double		ndistinct;
	char	   *dominant;		/* the value of >= 70% of the rows, or NULL */
	double		dominant_fraction;
} ConvLowCardinality;

extern List *conv_find_redundant_indexes(ConvTable *table);
extern List *conv_find_low_cardinality_indexes(ConvTable *table);
extern bool conv_index_may_drop(const ConvIndex *index);
extern bool conv_index_covers_a_foreign_key(ConvTable *table, const ConvIndex *index);
extern char *conv_drop_index_sql(ConvTable *table, const ConvIndex *index);
extern char *conv_partial_index_sql(ConvTable *table, const ConvLowCardinality *low);


/* ---- formatting (format.c) ---- */

extern char *conv_qualified_sql_name(const char *nspname, const char *relname);
extern char *conv_relation_sql_name(Oid relid);
extern char *conv_relation_display_name(Oid relid);
extern char *conv_column_list_sql(Oid relid, int natts, const AttrNumber *attnums);
extern char *conv_js_string(const char *s);
extern char *conv_js_key(const char *s);
extern char *conv_js_column_list(Oid relid, int natts, const AttrNumber *attnums);
extern char *conv_index_column_name(const ConvIndex *index, Oid relid, int i);
extern bool conv_is_snake_case(const char *name);
extern char *conv_to_snake_case(const char *name);
extern char *conv_to_camel_case(const char *snake, bool pascal);
extern char *conv_model_name(const char *table);
extern char *conv_free_relation_name(ConvTable *table, const char *name);
extern char *conv_choose_index_name(Oid nspid, const char *relname,
									int natts, const char *const *colnames,
									Oid going_away,
									bool (*suggested) (Oid nspid, const char *name, void *arg),
									void *arg);

#endif							/* PG_CONVENTIONS_H */
