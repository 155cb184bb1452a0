/* pg_conventions--0.7--0.8.sql: the migration-safety rules */

\echo Use "ALTER EXTENSION pg_conventions UPDATE TO '0.8'" to load this file. \quit

-- The escape hatch of the migration-safety rules (lock, scan, rewrite,
-- backfill, rename and drop hazards), for a reviewed exception: until the
-- transaction ends, hazards go to the server log (with the role and the
-- reason) instead of a WARNING or an ERROR.  Nobody may call it until a
-- superuser grants EXECUTE.
CREATE FUNCTION conventions.safety_assured(reason text)
RETURNS void
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'conventions_safety_assured';

COMMENT ON FUNCTION conventions.safety_assured(text) IS
'lets the rest of this transaction''s migration-safety hazards through, each logged with the caller and the reason';

REVOKE ALL ON FUNCTION conventions.safety_assured(text) FROM PUBLIC;
