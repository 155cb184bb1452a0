/*-------------------------------------------------------------------------
 *
 * hazard.c
 *		How a migration-safety rule says what it found: the hazard (a
 *		violation about a table, or one of its columns), and the pieces of
 *		SQL every recipe shares (the lock_timeout first, "in a later
 *		transaction", a statement that has no online form).
 *
 * The rules (index_builds.c, constraints.c, rewrites.c, ...) call these;
 * safety.c calls the rules.  Nothing here calls back, so the rules and
 * their entry points form no circle.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/pg_class.h"
#include "utils/builtins.h"

/* A hazard on one table, about a column (attnum) or the table (0). */
ConvViolation *
conv_add_hazard(List **violations, int rule_index, const ConvSafetyTable *t,
				AttrNumber attnum, const char *aspect, const char *message,
				const char *detail, const char *fix_sql)
{
	return conv_add_violation_on(violations, rule_index, t->relid,
								 conv_about(RelationRelationId, t->relid, attnum, aspect),
								 t->display_name, message, detail, fix_sql);
}

/*
 * The SET that bounds the wait for a lock, for the start of a recipe: SET
 * LOCAL inside a transaction block, which ends with it.
 */
char *
conv_lock_timeout_sql(const ConvStatementInfo *stmt)
{
	return stmt->in_transaction_block ? "SET LOCAL lock_timeout = '5s';" :
		"SET lock_timeout = '5s';";
}

/*
 * The recipe of a statement that has no online form: run it when the table
 * is quiet, with a bound on the wait for its lock, in a transaction that
 * calls conventions.safety_assured() (which lets it through, logged).
 * statement ends with its semicolon.
 */
char *
conv_quiet_window_sql(const ConvStatementInfo *stmt, const char *reason,
					  const char *statement)
{
	if (stmt->in_transaction_block)
		return psprintf("%s\nSELECT conventions.safety_assured(%s);\n%s",
						conv_lock_timeout_sql(stmt), quote_literal_cstr(reason), statement);
	return psprintf("BEGIN;\n%s\nSELECT conventions.safety_assured(%s);\n%s\nCOMMIT;",
					"SET LOCAL lock_timeout = '5s';", quote_literal_cstr(reason), statement);
}

/* The line before a CONCURRENTLY statement of a recipe, inside a transaction block. */
const char *
conv_outside_block_note(const ConvStatementInfo *stmt)
{
	return stmt->in_transaction_block ?
		"-- outside a transaction block (CONCURRENTLY cannot run in one):\n" : "";
}

/* How to say "in a later transaction" in a recipe's SQL. */
char *
conv_separate_transaction_note(const ConvStatementInfo *stmt)
{
	return stmt->in_transaction_block ? "COMMIT;\n-- then, in a new transaction:" :
		"-- then, as its own statement:";
}
