/*-------------------------------------------------------------------------
 *
 * sqltext.c
 *		SQL text through the core scanner: tokens, and statements normalized
 *		as pg_stat_statements shows them.
 *
 * The query-pattern detector groups executions by statement shape and
 * shows that shape with its constants replaced by $n parameters; its fixes
 * (the keyset query, the batched lookup) are rewrites of that text at
 * top-level clause boundaries.  Both work on tokens of PostgreSQL's own
 * scanner, so that quotes, comments and dollar quoting never fool them.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include <ctype.h>

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
#include "utils/builtins.h"

/* What kind of token starts at `p`: a constant, a $n parameter, or other. */
static char
token_kind(const char *p, bool keyword)
{
	if (keyword)
		return CONV_TOK_KEYWORD;
	if (isdigit((unsigned char) p[0]) || (p[0] == '.' && isdigit((unsigned char) p[1])))
		return CONV_TOK_CONST;
	if (p[0] == '\'')
		return CONV_TOK_CONST;
	/* E'..', B'..', X'..', N'..', U&'..' */
	if (strchr("eEbBxXnN", p[0]) && p[1] == '\'')
		return CONV_TOK_CONST;
	if ((p[0] == 'u' || p[0] == 'U') && p[1] == '&' && p[2] == '\'')
		return CONV_TOK_CONST;
	if (p[0] == '$' && isdigit((unsigned char) p[1]))
		return CONV_TOK_PARAM;
	if (p[0] == '$')			/* $$..$$, $tag$..$tag$ */
		return CONV_TOK_CONST;
	if (p[0] == '"' || isalpha((unsigned char) p[0]) || p[0] == '_' || IS_HIGHBIT_SET(p[0]))
		return CONV_TOK_IDENT;
	return CONV_TOK_OTHER;
}

/*
 * The tokens of `sql`, each with its extent and the depth of parentheses
 * it is at.  A token's extent ends where the next one starts, less the
 * white space between them.  The scanner may raise an ERROR on text it
 * cannot read.
 */
ConvToken *
conv_sql_tokens(const char *sql, int *ntokens)
{
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	int			n = 0;
	int			cap = 32;
	int			depth = 0;
	int			len = strlen(sql);
	ConvToken  *toks = palloc(cap * sizeof(ConvToken));

	scanner = scanner_init(sql, &extra, &ScanKeywords, ScanKeywordTokens);
	for (;;)
	{
		int			tok = core_yylex(&yylval, &yylloc, scanner);
		ConvToken  *t;
		int			kwnum;

		if (tok == 0)
			break;
		if (n == cap)
		{
			cap *= 2;
			toks = repalloc(toks, cap * sizeof(ConvToken));
		}
		t = &toks[n++];
		t->tok = tok;
		t->start = yylloc;
		t->end = len;
		if (tok == ')')
			depth--;
		t->depth = depth;
		if (tok == '(')
			depth++;
		kwnum = -1;
		if (isalpha((unsigned char) sql[yylloc]) || sql[yylloc] == '_')
		{
			/* a keyword: the scanner returns its own token code for it */
			char	   *word = downcase_truncate_identifier(sql + yylloc,
															strspn(sql + yylloc, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789$"),
															false);

			kwnum = ScanKeywordLookup(word, &ScanKeywords);
			if (kwnum >= 0 && tok != ScanKeywordTokens[kwnum])
				kwnum = -1;
			pfree(word);
		}
		t->keyword = kwnum >= 0 ? GetScanKeyword(kwnum, &ScanKeywords) : NULL;
		t->kind = token_kind(sql + yylloc, kwnum >= 0);
		t->param = t->kind == CONV_TOK_PARAM ? atoi(sql + yylloc + 1) : 0;
		if (n > 1)
		{
			int			end = yylloc;

			while (end > toks[n - 2].start && scanner_isspace(sql[end - 1]))
				end--;
			toks[n - 2].end = end;
		}
	}
	scanner_finish(scanner);
	if (n > 0)
	{
		int			end = len;

		while (end > toks[n - 1].start && scanner_isspace(sql[end - 1]))
			end--;
		toks[n - 1].end = end;
	}
	*ntokens = n;
	return toks;
}

/* Is the token this keyword? */
bool
conv_token_is(const ConvToken *t, const char *keyword)
{
	return t->keyword != NULL && strcmp(t->keyword, keyword) == 0;
}

/* Can the token end an operand (so that a '-' after it is a binary minus)? */
static bool
ends_operand(const ConvToken *t)
{
	if (t->kind == CONV_TOK_CONST || t->kind == CONV_TOK_PARAM || t->kind == CONV_TOK_IDENT)
		return true;
	if (t->tok == ')' || t->tok == ']')
		return true;
	/* NULL, TRUE, CURRENT_DATE and such end an operand too */
	return t->kind == CONV_TOK_KEYWORD &&
		!conv_token_is(t, "select") && !conv_token_is(t, "where") &&
		!conv_token_is(t, "and") && !conv_token_is(t, "or") && !conv_token_is(t, "not") &&
		!conv_token_is(t, "limit") && !conv_token_is(t, "offset") &&
		!conv_token_is(t, "then") && !conv_token_is(t, "else") && !conv_token_is(t, "when") &&
		!conv_token_is(t, "in") && !conv_token_is(t, "between") && !conv_token_is(t, "by") &&
		!conv_token_is(t, "values") && !conv_token_is(t, "set") && !conv_token_is(t, "return");
}

/*
 * `sql` with each constant replaced by a parameter $n, numbered after the
 * statement's own parameters, as pg_stat_statements shows statements: a
 * minus sign in front of a number is part of it.  NULL when the scanner
 * cannot read the text (settings changed since it was parsed); never an
 * ERROR, for this runs at the end of a user's statement.
 */
char *
conv_normalize_query(const char *sql)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ConvToken  *toks = NULL;
	int			n = 0;
	int			next = 0;
	int			copied = 0;
	StringInfoData buf;

	/*
	 * The scanner holds no resource but memory: an error from it is caught
	 * here without a subtransaction, as the scanner leaves nothing to
	 * release.
	 */
	PG_TRY();
	{
		toks = conv_sql_tokens(sql, &n);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		toks = NULL;
	}
	PG_END_TRY();
	if (toks == NULL)
		return NULL;

	for (int i = 0; i < n; i++)
		next = Max(next, toks[i].param);
	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
	{
		int			start = toks[i].start;

		if (toks[i].tok == '-' && i + 1 < n && toks[i + 1].kind == CONV_TOK_CONST &&
			isdigit((unsigned char) sql[toks[i + 1].start]) &&
			(i == 0 || !ends_operand(&toks[i - 1])))
			i++;				/* -5: one constant */
		else if (toks[i].kind != CONV_TOK_CONST)
			continue;
		appendBinaryStringInfo(&buf, sql + copied, start - copied);
		appendStringInfo(&buf, "$%d", ++next);
		copied = toks[i].end;
	}
	appendStringInfoString(&buf, sql + copied);
	pfree(toks);
	return buf.data;
}

/* Can the byte be part of an identifier (so that a digit after it is too)? */
static inline bool
ident_byte(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || IS_HIGHBIT_SET(c);
}

/*
 * The key of a statement's shape, without the scanner: the hash of `sql`
 * with its numbers and the insides of its quoted strings cut out, and in
 * *constants the hash of what was cut.  Two texts with one key differ
 * only in constants, so they normalize to one text: the key lets the
 * capture normalize each shape once, not each statement.  The cut is
 * cautious: a number is a run of digits that no identifier byte precedes,
 * a string is '...' with '' inside; comments and quoted identifiers are
 * kept whole; and a text with what this pass does not read for sure (a
 * backslash in a string, dollar quoting, an unclosed quote or comment)
 * gets false, for the caller to key it by its whole text.
 */
bool
conv_shape_key(const char *sql, int len, uint64 *key, uint64 *constants)
{
	char		skel[CONV_TEXT_BYTES];
	char		cut[CONV_TEXT_BYTES];
	int			ns = 0;
	int			nc = 0;
	int			i = 0;

	if (len >= CONV_TEXT_BYTES)
		return false;
	while (i < len)
	{
		unsigned char c = sql[i];

		if (isdigit(c) && (i == 0 || !ident_byte(sql[i - 1])))
		{
			skel[ns++] = '\x01';
			while (i < len && isdigit((unsigned char) sql[i]))
				cut[nc++] = sql[i++];
			cut[nc++] = '\x01';
		}
		else if (c == '\'')
		{
			skel[ns++] = '\x02';
			for (i++;; i++)
			{
				if (i >= len || sql[i] == '\\')
					return false;
				if (sql[i] == '\'' && !(i + 1 < len && sql[i + 1] == '\''))
					break;
				if (sql[i] == '\'')
					cut[nc++] = sql[i++];
				cut[nc++] = sql[i];
			}
			i++;
			cut[nc++] = '\x02';
		}
		else if (c == '$' && (i == 0 || !ident_byte(sql[i - 1])) &&
				 !(i + 1 < len && isdigit((unsigned char) sql[i + 1])))
			return false;		/* dollar quoting */
		else if (c == '"' || (c == '-' && i + 1 < len && sql[i + 1] == '-') ||
				 (c == '/' && i + 1 < len && sql[i + 1] == '*'))
		{
			/* kept whole: a quoted identifier, a comment */
			int			end;

			if (c == '"')
			{
				for (end = i + 1; end < len; end++)
					if (sql[end] == '"' && !(end + 1 < len && sql[end + 1] == '"'))
						break;
					else if (sql[end] == '"')
						end++;
				if (end >= len)
					return false;
				end++;
			}
			else if (c == '-')
			{
				for (end = i; end < len && sql[end] != '\n' && sql[end] != '\r'; end++)
					;
			}
			else
			{
				int			depth = 0;

				for (end = i; end < len; end++)
				{
					if (sql[end] == '/' && end + 1 < len && sql[end + 1] == '*')
						depth++, end++;
					else if (sql[end] == '*' && end + 1 < len && sql[end + 1] == '/')
					{
						end++;
						if (--depth == 0)
							break;
					}
				}
				if (end >= len)
					return false;
				end++;
			}
			memcpy(skel + ns, sql + i, end - i);
			ns += end - i;
			i = end;
		}
		else
			skel[ns++] = sql[i++];
	}
	*key = hash_bytes_extended((const unsigned char *) skel, ns, 4);
	*constants = hash_bytes_extended((const unsigned char *) cut, nc, 0);
	return true;
}

/*
 * The text of a CREATE INDEX statement with its index named `name`: the
 * name after INDEX [CONCURRENTLY] [IF NOT EXISTS] replaced, or put there
 * when the statement names none.  The first CREATE ... INDEX of `sql` is
 * taken (CREATE INDEX CONCURRENTLY runs only alone in its query string).
 * NULL when the text is not such a statement.
 */
char *
conv_name_index_in_statement(const char *sql, bool named, const char *name)
{
	int			n;
	ConvToken  *t = conv_sql_tokens(sql, &n);
	int			i = 0;
	int			start = -1;
	int			at;
	int			end;
	StringInfoData out;

	while (i < n && !conv_token_is(&t[i], "create"))
		i++;
	start = i < n ? t[i].start : -1;
	while (i < n && !conv_token_is(&t[i], "index") && t[i].tok != ';')
		i++;
	if (start < 0 || i >= n || !conv_token_is(&t[i], "index"))
		return NULL;
	if (i + 1 < n && conv_token_is(&t[i + 1], "concurrently"))
		i++;
	if (i + 3 < n && conv_token_is(&t[i + 1], "if") && conv_token_is(&t[i + 2], "not") &&
		conv_token_is(&t[i + 3], "exists"))
		i += 3;
	if (named && (i + 1 >= n || conv_token_is(&t[i + 1], "on")))
		return NULL;
	if (!named && (i + 1 >= n || !conv_token_is(&t[i + 1], "on")))
		return NULL;
	/* the statement ends at its ';' or with the text */
	end = t[n - 1].end;
	for (int j = i; j < n; j++)
		if (t[j].tok == ';' && t[j].depth == 0)
		{
			end = j > 0 ? t[j - 1].end : t[j].start;
			break;
		}
	initStringInfo(&out);
	at = named ? t[i + 1].start : t[i].end;
	appendBinaryStringInfo(&out, sql + start, at - start);
	appendStringInfo(&out, named ? "%s" : " %s", quote_identifier(name));
	at = named ? t[i + 1].end : t[i].end;
	appendBinaryStringInfo(&out, sql + at, end - at);
	appendStringInfoChar(&out, ';');
	return out.data;
}

/*
 * One statement of a query string: from location (-1: the start) for
 * length bytes (0: the rest), without the white space around it, as
 * PlannedStmt's stmt_location and stmt_len say.
 */
char *
conv_statement_at(const char *source, int location, int length)
{
	const char *start = source + Max(location, 0);
	int			len = strlen(start);

	if (length > 0 && length < len)
		len = length;
	while (len > 0 && isspace((unsigned char) *start))
		start++, len--;
	while (len > 0 && (isspace((unsigned char) start[len - 1]) || start[len - 1] == ';'))
		len--;
	return pnstrdup(start, len);
}
