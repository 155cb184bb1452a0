/* pg_conventions--0.10--0.11.sql: the baseline knows a foreign key by its columns and referenced table */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.11'" to load this file. \quit

-- Up to 0.10 a foreign key's baseline rows (rules foreign_key_index and
-- foreign_key_type) named it by its constraint name: "constraint
-- posts_user_id_fkey[ column x][ (aspect)]".  From 0.11 they say which key
-- it is, whatever its name: "foreign key (user_id) references public.users",
-- so that the guard, which now holds the baseline's debt as old, still knows
-- a key that a migration dropped and added back (the only way to change its
-- ON DELETE action) or renamed.  Rows of keys that no longer exist stay as
-- they were; baseline_prune() removes them.
UPDATE conventions.baseline b
   SET subject = k.words || substr(b.subject, length('constraint ' || k.conname) + 1)
  FROM (SELECT c.conrelid, c.conname,
               'foreign key (' ||
               (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord)
                  FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_catalog.pg_attribute a
                    ON a.attrelid = c.conrelid AND a.attnum = k.attnum) ||
               ') references ' || n.nspname || '.' || r.relname AS words
          FROM pg_catalog.pg_constraint c
          JOIN pg_catalog.pg_class r ON r.oid = c.confrelid
          JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
         WHERE c.contype = 'f') AS k
 WHERE b.rule IN ('foreign_key_index', 'foreign_key_type')
   AND k.conrelid = b.table_name::pg_catalog.oid
   AND (b.subject = 'constraint ' || k.conname
        OR left(b.subject, length('constraint ' || k.conname) + 1) IN
           ('constraint ' || k.conname || ' ', 'constraint ' || k.conname || '('));

-- The findings log: every verdict the guard gave, in shared memory, for
-- any client to read back (Sequelize, and most ORMs, drop WARNINGs).  Read
-- as pg_stat_statements is: everyone sees every row, and the texts of
-- other roles' findings need the privileges of pg_read_all_stats.
CREATE FUNCTION conventions.findings(
    OUT "time" timestamptz,
    OUT database text,
    OUT role text,
    OUT application_name text,
    OUT pid integer,
    OUT rule text,
    OUT object text,
    OUT verdict text,
    OUT message text,
    OUT detail text,
    OUT hint text,
    OUT statement text)
RETURNS SETOF record
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_findings';

COMMENT ON FUNCTION conventions.findings() IS
'the findings log: every verdict the guard gave (error, warning, assured, debt), most recent first; needs pg_conventions in shared_preload_libraries';

CREATE FUNCTION conventions.findings_reset()
RETURNS void
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_findings_reset';

COMMENT ON FUNCTION conventions.findings_reset() IS
'forgets every finding of the findings log';

REVOKE ALL ON FUNCTION conventions.findings_reset() FROM PUBLIC;

-- Text for XML 1.0: markup characters escaped, the control characters XML
-- cannot carry dropped.
CREATE FUNCTION conventions.xml_text(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
       pg_catalog.replace(pg_catalog.regexp_replace(value, '[\x01-\x08\x0B\x0C\x0E-\x1F]', '', 'g'),
       '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&apos;')
$$;

COMMENT ON FUNCTION conventions.xml_text(text) IS
'the text escaped for XML (the CI reports)';

-- What a CI job reports: the findings of this database since a moment (the
-- job's start), and the audit of its schema now.  One row per test case.
CREATE FUNCTION conventions.ci_cases(
    since timestamptz DEFAULT NULL,
    OUT suite text,
    OUT rule text,
    OUT name text,
    OUT outcome text,
    OUT verdict text,
    OUT message text,
    OUT body text,
    OUT fix_sql text)
RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL RESTRICTED
AS $$
SELECT 'migrations', f.rule,
       coalesce(f.object, '') || CASE WHEN f.object IS NULL THEN '' ELSE ': ' END ||
       coalesce(f.message, '(a finding of role ' || f.role || ')'),
       CASE WHEN f.verdict IN ('error', 'warning') THEN 'failure' ELSE 'skipped' END,
       f.verdict, f.message,
       concat_ws(E'\n',
                 'DETAIL:  ' || f.detail,
                 'HINT:  ' || f.hint,
                 'STATEMENT:  ' || f.statement,
                 'AT:  ' || pg_catalog.to_char(f."time" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"') ||
                 ' by role ' || f.role ||
                 coalesce(' (' || nullif(f.application_name, '') || ')', '')),
       f.hint
  FROM (SELECT * FROM conventions.findings() ORDER BY "time") f
 WHERE f.database = pg_catalog.current_database()
   AND (since IS NULL OR f."time" >= since)
UNION ALL
SELECT 'schema', v.rule, v.object || ': ' || v.message,
       CASE WHEN v.exempted OR v.baselined_at IS NOT NULL THEN 'skipped' ELSE 'failure' END,
       CASE WHEN v.exempted THEN 'exempted: ' || v.exemption_reason
            WHEN v.baselined_at IS NOT NULL THEN 'old debt, in the baseline since ' || v.baselined_at
            ELSE v.severity END,
       v.message,
       concat_ws(E'\n', 'DETAIL:  ' || v.detail, 'HINT:  ' || v.fix_sql),
       v.fix_sql
  FROM conventions.violations() v
UNION ALL
SELECT 'schema', r.rule, 'rule ' || r.rule || ': no new violations', 'passed', NULL, NULL, NULL, NULL
  FROM conventions.rules() r
 WHERE r.timing <> 'statement'
   AND NOT EXISTS (SELECT 1 FROM conventions.violations() v
                    WHERE v.rule = r.rule AND NOT v.exempted AND v.baselined_at IS NULL)
$$;

COMMENT ON FUNCTION conventions.ci_cases(timestamptz) IS
'the CI reports'' test cases: findings of this database since a moment (suite migrations) and the schema''s violations now (suite schema)';

-- JUnit XML, which CI systems show without plugins.
CREATE FUNCTION conventions.ci_junit(since timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED
AS $$
WITH c AS (SELECT * FROM conventions.ci_cases(since)),
suites AS (
    SELECT s.suite,
           count(c.suite) AS tests,
           count(*) FILTER (WHERE c.outcome = 'failure') AS failures,
           count(*) FILTER (WHERE c.outcome = 'skipped') AS skipped,
           coalesce(string_agg(
               '    <testcase classname="pg_conventions.' || s.suite || '.' ||
               conventions.xml_text(coalesce(c.rule, 'summary')) ||
               '" name="' || conventions.xml_text(c.name) || '"' ||
               CASE c.outcome
                 WHEN 'passed' THEN '/>'
                 WHEN 'skipped' THEN E'>\n      <skipped message="' ||
                      conventions.xml_text(c.verdict) || E'"/>\n    </testcase>'
                 ELSE E'>\n      <failure type="' || conventions.xml_text(c.verdict) ||
                      '" message="' || conventions.xml_text(coalesce(c.message, c.name)) || '">' ||
                      conventions.xml_text(coalesce(c.body, '')) || E'</failure>\n    </testcase>'
               END, E'\n'), '') AS cases
      FROM (VALUES ('migrations', 1), ('schema', 2)) AS s(suite, ord)
      LEFT JOIN c ON c.suite = s.suite
     GROUP BY s.suite, s.ord
     ORDER BY s.ord)
SELECT E'<?xml version="1.0" encoding="UTF-8"?>\n' ||
       '<testsuites name="pg_conventions" tests="' || sum(tests) || '" failures="' ||
       sum(failures) || '" skipped="' || sum(skipped) || E'">\n' ||
       string_agg('  <testsuite name="pg_conventions.' || suite || '" tests="' || tests ||
                  '" failures="' || failures || '" errors="0" skipped="' || skipped ||
                  '" timestamp="' ||
                  pg_catalog.to_char(pg_catalog.now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '"' ||
                  CASE WHEN tests = 0 THEN '/>' ELSE E'>\n' || cases || E'\n  </testsuite>' END,
                  E'\n') ||
       E'\n</testsuites>\n'
  FROM suites
$$;

COMMENT ON FUNCTION conventions.ci_junit(timestamptz) IS
'a JUnit XML report for CI: the findings of this database since a moment, and the schema''s violations';

-- A Markdown summary for a pull request's comment; "How to fix" holds the
-- fixes of the schema as it is now, and the HINTs of rejected statements.
CREATE FUNCTION conventions.ci_markdown(since timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED
AS $$
WITH c AS (SELECT row_number() OVER () AS n, * FROM conventions.ci_cases(since)
            WHERE outcome <> 'passed'),
cell AS (SELECT c.*, pg_catalog.replace(pg_catalog.replace(coalesce(c.name, ''), '|', '\|'),
                                        E'\n', ' ') AS cname
           FROM c)
SELECT E'### pg_conventions\n\n' ||
       CASE WHEN count(*) FILTER (WHERE outcome = 'failure') = 0
            THEN E'No new findings.\n'
            ELSE count(*) FILTER (WHERE outcome = 'failure' AND suite = 'migrations') ||
                 CASE WHEN count(*) FILTER (WHERE outcome = 'failure' AND suite = 'migrations') = 1
                      THEN ' finding' ELSE ' findings' END || ' in the migrations, ' ||
                 count(*) FILTER (WHERE outcome = 'failure' AND suite = 'schema') ||
                 CASE WHEN count(*) FILTER (WHERE outcome = 'failure' AND suite = 'schema') = 1
                      THEN ' new violation' ELSE ' new violations' END ||
                 E' in the schema.\n' END ||
       CASE WHEN count(*) = 0 THEN '' ELSE
       E'\n| | where | rule | what |\n|---|---|---|---|\n' ||
       string_agg('| ' || CASE WHEN outcome = 'failure' AND verdict = 'error' THEN ':x:'
                              WHEN outcome = 'failure' THEN ':warning:'
                              ELSE ':white_check_mark:' END ||
                  ' ' || coalesce(verdict, '') || ' | ' || suite || ' | `' || coalesce(rule, '') ||
                  '` | ' || cname || ' |', E'\n' ORDER BY n) || E'\n' ||
       coalesce(E'\n<details><summary>How to fix</summary>\n\n```sql\n' ||
                string_agg(DISTINCT fix_sql, E'\n')
                  FILTER (WHERE outcome = 'failure' AND (suite = 'schema' OR verdict = 'error')) ||
                E'\n```\n</details>\n', '') END
  FROM cell
$$;

COMMENT ON FUNCTION conventions.ci_markdown(timestamptz) IS
'a Markdown summary for a pull request: the findings of this database since a moment, and the schema''s new violations';
