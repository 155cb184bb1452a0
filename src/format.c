/*-------------------------------------------------------------------------
 *
 * format.c
 *		Quoting, names and the pieces of fix SQL every rule shares.
 *
 * Messages name objects unquoted inside double quotes, as PostgreSQL's own
 * messages do; fix SQL quotes every identifier that needs it and qualifies
 * every table with its schema, so it can be run as printed.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_conventions.h"

#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

char *
conv_qualified_sql_name(const char *nspname, const char *relname)
{
	return quote_qualified_identifier(nspname, relname);
}

/* "a, b" for the given columns, quoted as needed. */
char *
conv_column_list_sql(Oid relid, int natts, const AttrNumber *attnums)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < natts; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf,
							   quote_identifier(get_attname(relid, attnums[i], false)));
	}
	return buf.data;
}

/* A JavaScript string literal, single-quoted, for a Sequelize user's hint. */
char *
conv_js_string(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '\'');
	for (const char *p = s; *p; p++)
	{
		if (*p == '\'' || *p == '\\')
			appendStringInfoChar(&buf, '\\');
		appendStringInfoChar(&buf, *p);
	}
	appendStringInfoChar(&buf, '\'');
	return buf.data;
}

/* A JavaScript object key: the name bare when it is an identifier, else a string. */
char *
conv_js_key(const char *s)
{
	bool		bare = s[0] != '\0' && !isdigit((unsigned char) s[0]);

	for (const char *p = s; *p && bare; p++)
		bare = isalnum((unsigned char) *p) || *p == '_' || *p == '$';
	return bare ? pstrdup(s) : conv_js_string(s);
}

/* "'a', 'b'": the given columns as JavaScript strings. */
char *
conv_js_column_list(Oid relid, int natts, const AttrNumber *attnums)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < natts; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 conv_js_string(get_attname(relid, attnums[i], false)));
	return buf.data;
}

/* Clip a name to at most maxbytes without splitting a character. */
static int
clip_length(const char *name, int maxbytes)
{
	int			len = strlen(name);

	if (len <= maxbytes)
		return len;
	return pg_mbcliplen(name, len, maxbytes);
}

/* Append s to the string of len bytes in buf, as much as fits. */
static void
append_clipped(char *buf, int size, int *len, const char *s)
{
	int			n = Min((int) strlen(s), size - 1 - *len);

	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

/*
 * The conventional index name idx_<table>_<col>[_<col>...], made to fit in
 * NAMEDATALEN - 1 bytes and not to collide with a relation that already
 * exists in the schema.  A name that is too long keeps its beginning and
 * ends in a hash of the whole, so two long names that differ only at the end
 * still differ; a name already taken gets a number.  The relation named by
 * going_away (an index the statement being judged drops) does not count as
 * taking its name.  A report passes suggested(), which answers for the
 * relations that exist as well as for the names it has already suggested.
 */
char *
conv_choose_index_name(Oid nspid, const char *relname, int natts,
					   const char *const *colnames, Oid going_away,
					   bool (*suggested) (Oid nspid, const char *name, void *arg),
					   void *arg)
{
	char		buf[NAMEDATALEN * (INDEX_MAX_KEYS + 2)];
	int			len;
	char	   *base;
	char	   *candidate;

	/* a stack buffer: reports call this once per row of their output */
	len = 0;
	append_clipped(buf, sizeof(buf), &len, "idx_");
	append_clipped(buf, sizeof(buf), &len, relname);
	for (int i = 0; i < natts; i++)
	{
		append_clipped(buf, sizeof(buf), &len, "_");
		append_clipped(buf, sizeof(buf), &len, colnames[i]);
	}
	base = NULL;

	if (len > NAMEDATALEN - 1)
	{
		uint32		hash = hash_bytes((const unsigned char *) buf, len);
		int			keep = clip_length(buf, NAMEDATALEN - 1 - 9);

		base = psprintf("%.*s_%08x", keep, buf, hash);
	}
	else
		base = pstrdup(buf);

	candidate = base;
	for (int n = 1;; n++)
	{
		Oid			taken;
		char		suffix[16];
		int			keep;

		/* with suggested(), it knows the relations that exist too */
		if (suggested != NULL)
		{
			if (!suggested(nspid, candidate, arg))
				break;
		}
		else
		{
			taken = get_relname_relid(candidate, nspid);
			if (!OidIsValid(taken) || taken == going_away)
				break;
		}
		snprintf(suffix, sizeof(suffix), "%d", n);
		keep = clip_length(base, NAMEDATALEN - 1 - (int) strlen(suffix));
		candidate = psprintf("%.*s%s", keep, base, suffix);
	}
	return candidate;
}

/* ^[a-z][a-z0-9_]*$ */
bool
conv_is_snake_case(const char *name)
{
	if (!(name[0] >= 'a' && name[0] <= 'z'))
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

/*
 * The ASCII spelling of the Latin letters U+00C0 to U+017F (Latin-1
 * Supplement and Latin Extended-A), capitals capitalized; NULL for the two
 * signs among them (multiplication and division).  A capital spelled with
 * two letters is written as a word ("Ae"), so that it starts one.
 */
static const char *const latin_letters[] = {
	/* U+00C0 */ "A", "A", "A", "A", "A", "A", "Ae", "C", "E", "E", "E", "E", "I", "I", "I", "I",
	/* U+00D0 */ "D", "N", "O", "O", "O", "O", "O", NULL, "O", "U", "U", "U", "U", "Y", "Th", "ss",
	/* U+00E0 */ "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	/* U+00F0 */ "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y",
	/* U+0100 */ "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
	/* U+0110 */ "D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
	/* U+0120 */ "G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",
	/* U+0130 */ "I", "i", "Ij", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",
	/* U+0140 */ "l", "L", "l", "N", "n", "N", "n", "N", "n", "n", "N", "n", "O", "o", "O", "o",
	/* U+0150 */ "O", "o", "Oe", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
	/* U+0160 */ "S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",
	/* U+0170 */ "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s",
};

/*
 * A name with its Latin letters spelled in ASCII (in a UTF-8 or a LATIN1
 * database, whose bytes are their code points), and every other character
 * outside ASCII a space (so a word boundary): what snake_case can keep of
 * it.  "ÜberCol" -> "UberCol".
 */
static char *
ascii_spelling(const char *name)
{
	StringInfoData buf;
	int			encoding = GetDatabaseEncoding();
	bool		utf8 = encoding == PG_UTF8;

	const unsigned char *p = (const unsigned char *) name;
	const unsigned char *end = p + strlen(name);

	initStringInfo(&buf);
	while (p < end)
	{
		int			n = 1;
		const char *ascii = NULL;

		if (*p < 0x80)
		{
			appendStringInfoChar(&buf, (char) *p++);
			continue;
		}
		if (utf8 && pg_utf_mblen(p) <= end - p && pg_utf8_islegal(p, pg_utf_mblen(p)))
		{
			pg_wchar	c = utf8_to_unicode(p);

			n = pg_utf_mblen(p);
			if (c >= 0xC0 && c < 0xC0 + lengthof(latin_letters))
				ascii = latin_letters[c - 0xC0];
		}
		else if (encoding == PG_LATIN1 && *p >= 0xC0)
			ascii = latin_letters[*p - 0xC0];
		appendStringInfoString(&buf, ascii ? ascii : " ");
		p += n;
	}
	return buf.data;
}

/*
 * The snake_case spelling of a name: Latin letters outside ASCII spelled
 * in ASCII, word boundaries of camelCase and PascalCase become underscores,
 * everything else that is not a lower-case letter or digit becomes one,
 * runs of them collapse, and the result starts with a letter.  "userId" ->
 * "user_id", "HTTPServer" -> "http_server", "with space" -> "with_space",
 * "ÜberCol" -> "uber_col", "2fa" -> "x_2fa", and "x" when nothing is left.
 */
char *
conv_to_snake_case(const char *original)
{
	StringInfoData buf;
	char	   *name = ascii_spelling(original);
	int			len = strlen(name);
	char	   *result;

	initStringInfo(&buf);
	for (int i = 0; i < len; i++)
	{
		char		c = name[i];
		bool		upper = (c >= 'A' && c <= 'Z');
		bool		lower = (c >= 'a' && c <= 'z');
		bool		digit = (c >= '0' && c <= '9');

		if (upper)
		{
			bool		prev_lower_or_digit = i > 0 &&
				((name[i - 1] >= 'a' && name[i - 1] <= 'z') ||
				 (name[i - 1] >= '0' && name[i - 1] <= '9'));
			bool		acronym_end = i > 0 && name[i - 1] >= 'A' && name[i - 1] <= 'Z' &&
				i + 1 < len && name[i + 1] >= 'a' && name[i + 1] <= 'z';

			if (prev_lower_or_digit || acronym_end)
				appendStringInfoChar(&buf, '_');
			appendStringInfoChar(&buf, c - 'A' + 'a');
		}
		else if (lower || digit)
			appendStringInfoChar(&buf, c);
		else if (buf.len > 0 && buf.data[buf.len - 1] != '_')
			appendStringInfoChar(&buf, '_');
	}
	while (buf.len > 0 && buf.data[buf.len - 1] == '_')
		buf.data[--buf.len] = '\0';
	result = buf.data;
	if (result[0] == '\0')
		result = pstrdup("x");	/* nothing could be kept */
	else if (!(result[0] >= 'a' && result[0] <= 'z'))
		result = psprintf("x_%s", result);
	if (strlen(result) > NAMEDATALEN - 1)
		result[NAMEDATALEN - 1] = '\0';	/* ASCII only by now */
	return result;
}

/* The name an index column goes by in a conventional index name. */
char *
conv_index_column_name(const ConvIndex *index, Oid relid, int i)
{
	if (index->keys[i] == 0)
		return "expr";
	return get_attname(relid, index->keys[i], false);
}

/* A relation's schema-qualified, quoted name, for fix SQL. */
char *
conv_relation_sql_name(Oid relid)
{
	return conv_qualified_sql_name(get_namespace_name(get_rel_namespace(relid)),
								   get_rel_name(relid));
}

/* "schema.table" for messages; the OID when the relation has gone. */
char *
conv_relation_display_name(Oid relid)
{
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));
	char	   *relname = get_rel_name(relid);

	if (nspname == NULL || relname == NULL)
		return psprintf("%u", relid);
	return psprintf("%s.%s", nspname, relname);
}

/*
 * The camelCase spelling of a snake_case name ("user_id" -> "userId"), as
 * Sequelize's underscored: true maps attributes to columns; PascalCase with
 * `pascal`.
 */
char *
conv_to_camel_case(const char *snake, bool pascal)
{
	StringInfoData buf;
	bool		upper = pascal;

	initStringInfo(&buf);
	for (const char *p = snake; *p; p++)
	{
		if (*p == '_')
		{
			upper = buf.len > 0 || pascal;
			continue;
		}
		appendStringInfoChar(&buf, upper && *p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		upper = false;
	}
	return buf.data;
}

/*
 * The Sequelize model a table is most likely the table of: singular
 * PascalCase ("posts" -> "Post", "post_tags" -> "PostTag", "categories" ->
 * "Category").
 */
char *
conv_model_name(const char *table)
{
	char	   *name = pstrdup(table);
	int			len = strlen(name);

	if (len > 3 && strcmp(name + len - 3, "ies") == 0)
		strcpy(name + len - 3, "y");
	else if (len > 4 && (strcmp(name + len - 4, "sses") == 0 ||
						 strcmp(name + len - 4, "shes") == 0 ||
						 strcmp(name + len - 4, "ches") == 0 ||
						 strcmp(name + len - 3, "xes") == 0))
		name[len - 2] = '\0';
	else if (len > 1 && name[len - 1] == 's' && name[len - 2] != 's')
		name[len - 1] = '\0';
	return conv_to_camel_case(name, true);
}
