/* pg_conventions--0.2.sql: the SQL face of pg_conventions */

\echo Use "CREATE EXTENSION pg_conventions" to load this file. \quit

-- Everyone may read the reports; what they may change is granted below.
GRANT USAGE ON SCHEMA conventions TO PUBLIC;

-- The event-trigger path, for servers where the library cannot be preloaded.
-- It records what each DDL statement touched; the checks run at commit, as
-- with the preloaded guard.  A superuser creates the triggers (README):
--   CREATE EVENT TRIGGER pg_conventions_guard ON ddl_command_end
--     EXECUTE FUNCTION conventions.guard_event_trigger();
--   CREATE EVENT TRIGGER pg_conventions_guard_drop ON ddl_command_start
--     WHEN TAG IN ('DROP INDEX') EXECUTE FUNCTION conventions.guard_event_trigger();
CREATE FUNCTION conventions.guard_event_trigger()
RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'conventions_guard_event_trigger';

COMMENT ON FUNCTION conventions.guard_event_trigger() IS
'event-trigger function of the pg_conventions guard (ddl_command_end, and ddl_command_start for DROP INDEX)';

-- The audit: the guard's rules over every table of the database, exempted
-- violations included and marked.
CREATE FUNCTION conventions.violations(
    OUT rule text,
    OUT severity text,
    OUT table_name regclass,
    OUT object text,
    OUT message text,
    OUT detail text,
    OUT fix_sql text,
    OUT exempted boolean,
    OUT exemption_reason text)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'conventions_violations';

COMMENT ON FUNCTION conventions.violations() IS
'one row per violation of the schema conventions in this database, with the SQL that fixes it';

-- The rules, and what the guard does about each one under the current settings.
CREATE FUNCTION conventions.rules(
    OUT rule text,
    OUT description text,
    OUT severity text,
    OUT timing text,
    OUT sqlstate text)
RETURNS SETOF record
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'conventions_rules';

COMMENT ON FUNCTION conventions.rules() IS
'every rule of pg_conventions: what it checks, its severity now (off, warning, error), when it is judged, its SQLSTATE';

-- Per-object exemptions, kept by pg_dump, readable by everyone.  Writing
-- needs privileges nobody has until a superuser grants them
--   GRANT INSERT, UPDATE, DELETE ON conventions.exemptions TO team_lead;
-- and row-level security then lets a role exempt only tables it owns (or
-- whose owning role it belongs to).  Superusers bypass it.
CREATE TABLE conventions.exemptions (
    table_name regclass NOT NULL,
    rule text NOT NULL,
    reason text NOT NULL CHECK (btrim(reason) <> ''),
    exempted_by name NOT NULL DEFAULT current_user,
    exempted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, rule)
);
SELECT pg_catalog.pg_extension_config_dump('conventions.exemptions', '');
REVOKE ALL ON conventions.exemptions FROM PUBLIC;
GRANT SELECT ON conventions.exemptions TO PUBLIC;
ALTER TABLE conventions.exemptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY exemptions_read ON conventions.exemptions FOR SELECT USING (true);
CREATE POLICY exemptions_owner ON conventions.exemptions FOR ALL
    USING (pg_catalog.pg_has_role(current_user,
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = table_name), 'USAGE'))
    WITH CHECK (pg_catalog.pg_has_role(current_user,
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = table_name), 'USAGE'));

COMMENT ON TABLE conventions.exemptions IS
'tables exempted from a rule (or from all, rule = ''*''), with the mandatory reason';

-- Exempt a table from a rule, or from every rule with '*'.
CREATE FUNCTION conventions.exempt(table_name regclass, rule text, reason text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF exempt.table_name IS NULL OR exempt.rule IS NULL THEN
        RAISE EXCEPTION 'table_name and rule must not be null';
    END IF;
    IF exempt.reason IS NULL OR btrim(exempt.reason) = '' THEN
        RAISE EXCEPTION 'an exemption needs a reason'
            USING HINT = 'Say why the table may break the rule: SELECT conventions.exempt(''t'', ''rule'', ''why'');';
    END IF;
    IF exempt.rule <> '*' AND NOT EXISTS (SELECT 1 FROM conventions.rules() r WHERE r.rule = exempt.rule) THEN
        RAISE EXCEPTION 'rule "%" does not exist', exempt.rule
            USING HINT = 'conventions.rules() lists the rules; ''*'' means all of them.';
    END IF;
    INSERT INTO conventions.exemptions AS e (table_name, rule, reason)
    VALUES (exempt.table_name, exempt.rule, exempt.reason)
    ON CONFLICT ON CONSTRAINT exemptions_pkey DO UPDATE
        SET reason = excluded.reason, exempted_by = current_user, exempted_at = now();
END
$$;

CREATE FUNCTION conventions.unexempt(table_name regclass, rule text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM conventions.exemptions e
     WHERE e.table_name = unexempt.table_name AND e.rule = unexempt.rule;
    RETURN FOUND;
END
$$;

COMMENT ON FUNCTION conventions.exempt(regclass, text, text) IS
'exempt a table you own from a rule (or ''*''), with a reason (needs INSERT and UPDATE on conventions.exemptions)';
COMMENT ON FUNCTION conventions.unexempt(regclass, text) IS
'remove an exemption of a table you own (needs DELETE on conventions.exemptions)';
