-- pg_conventions.mode: off | warn | enforce, superuser-only, default warn.
SELECT name, left(setting, 32) AS setting, enumvals, context, vartype, short_desc
  FROM pg_settings WHERE name LIKE 'pg_conventions.%';
SET pg_conventions.mode = 'strict';
SET pg_conventions.mode = enforce;
SHOW pg_conventions.mode;
RESET pg_conventions.mode;
SHOW pg_conventions.mode;
-- the prefix is reserved: no typos slip through as placeholders
-- (PostgreSQL 14 cannot reserve a prefix: there it stays a placeholder,
-- expected/mode_1.out)
SET pg_conventions.mod = off;
