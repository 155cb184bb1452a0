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
