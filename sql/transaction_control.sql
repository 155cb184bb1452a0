-- Statements that commit internally, cannot run in a transaction block, or
-- control transactions themselves: the server stays up, and each gets the
-- verdict of the transaction where its result becomes visible.  On both
-- paths (this file runs in both suites, with one expected output).
CREATE SCHEMA tc;
SET search_path = tc;
SET pg_conventions.mode = warn;

-- DETACH PARTITION ... CONCURRENTLY (this once crashed the server): judged
-- in its last transaction, the partitioned table and the detached one
CREATE TABLE range_parted2 (a int) PARTITION BY RANGE (a);
CREATE TABLE part_rp PARTITION OF range_parted2 FOR VALUES FROM (0) TO (100);
ALTER TABLE range_parted2 DETACH PARTITION part_rp CONCURRENTLY;
SELECT 'alive' AS server;
SET pg_conventions.mode = enforce;
-- under enforce it introduces nothing: the old debt is warned about
CREATE TABLE part_rp2 PARTITION OF range_parted2 FOR VALUES FROM (100) TO (200);
SET pg_conventions.mode = off;
CREATE TABLE part_rp3 PARTITION OF range_parted2 FOR VALUES FROM (200) TO (300);
SET pg_conventions.mode = enforce;
ALTER TABLE range_parted2 DETACH PARTITION part_rp3 CONCURRENTLY;
SELECT relname, relispartition FROM pg_class WHERE relname LIKE 'part_rp%' ORDER BY 1;
-- a conforming partitioned table: silent
CREATE TABLE events (id uuid NOT NULL DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz DEFAULT now(),
  PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
CREATE TABLE events_2026 PARTITION OF events
  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE events DETACH PARTITION events_2026 CONCURRENTLY;
ALTER TABLE events ATTACH PARTITION events_2026
  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');

-- CREATE INDEX CONCURRENTLY: judged where the index becomes valid
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
BEGIN;
CREATE TABLE posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid REFERENCES users, title text,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE INDEX idx_posts_user_id ON posts (user_id);
COMMIT;
CREATE INDEX CONCURRENTLY idx_posts_title ON posts (title);
-- its name is settled by the statement: rejected before the build, so no
-- INVALID index is left behind (its other verdicts come after the build)
CREATE INDEX CONCURRENTLY posts_title_bad ON posts (title);
SELECT indexrelid::regclass, indisvalid FROM pg_index
 WHERE indrelid = 'posts'::regclass ORDER BY 1::text;
-- DROP INDEX CONCURRENTLY: judged before it runs, on the table without it
DROP INDEX CONCURRENTLY idx_posts_user_id;
DROP INDEX CONCURRENTLY idx_posts_title;
-- REINDEX ... CONCURRENTLY, REFRESH MATERIALIZED VIEW CONCURRENTLY, VACUUM,
-- CLUSTER: nothing they do shapes a table; silent
REINDEX INDEX CONCURRENTLY idx_posts_user_id;
REINDEX TABLE CONCURRENTLY posts;
CREATE MATERIALIZED VIEW post_counts AS
  SELECT user_id, count(*) AS n FROM posts GROUP BY user_id;
CREATE UNIQUE INDEX idx_post_counts_user_id ON post_counts (user_id);
REFRESH MATERIALIZED VIEW CONCURRENTLY post_counts;
VACUUM posts;
VACUUM FULL posts;
VACUUM (ANALYZE) posts;
CLUSTER posts USING posts_pkey;
CLUSTER posts;
CLUSTER;
-- the same in warn: reported, never refused
SET pg_conventions.mode = warn;
CREATE INDEX CONCURRENTLY posts_title_warned ON posts (title);
DROP INDEX CONCURRENTLY posts_title_warned;
DROP INDEX CONCURRENTLY idx_posts_user_id;
REINDEX TABLE CONCURRENTLY posts;
VACUUM FULL posts;
CLUSTER posts;
SET pg_conventions.mode = enforce;
-- CREATE and DROP DATABASE, ALTER SYSTEM: nothing to judge
CREATE DATABASE conv_tc_db;
DROP DATABASE conv_tc_db;
ALTER SYSTEM SET pg_conventions.low_cardinality_max_distinct = 5;
ALTER SYSTEM RESET pg_conventions.low_cardinality_max_distinct;

-- CALL and DO with COMMIT and ROLLBACK inside: each transaction judged at
-- its own commit
CREATE PROCEDURE make_tables(really boolean) LANGUAGE plpgsql AS $$
BEGIN
  CREATE TABLE tc.proc_good (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
  COMMIT;
  CREATE TABLE tc.proc_bad (a int);
  IF really THEN
    COMMIT;
  ELSE
    ROLLBACK;
  END IF;
  CREATE TABLE tc.proc_after (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
END
$$;
CALL make_tables(false);
SELECT to_regclass('tc.proc_good') IS NOT NULL AS good, to_regclass('tc.proc_bad') IS NOT NULL AS bad,
       to_regclass('tc.proc_after') IS NOT NULL AS after;
DROP TABLE proc_good, proc_after;
CALL make_tables(true);
SELECT to_regclass('tc.proc_good') IS NOT NULL AS good, to_regclass('tc.proc_bad') IS NOT NULL AS bad,
       to_regclass('tc.proc_after') IS NOT NULL AS after;
DROP TABLE proc_good;
SET pg_conventions.mode = warn;
CALL make_tables(true);
SET pg_conventions.mode = enforce;
DROP TABLE proc_good, proc_bad, proc_after;
DO $$
BEGIN
  CREATE TABLE tc.do_bad (a int);
  ROLLBACK;
  CREATE TABLE tc.do_bad2 (a int);
  COMMIT;
END
$$;
SELECT to_regclass('tc.do_bad') IS NOT NULL AS bad, to_regclass('tc.do_bad2') IS NOT NULL AS bad2;

-- PREPARE TRANSACTION is judged like COMMIT
BEGIN;
CREATE TABLE prepared_bad (a int);
PREPARE TRANSACTION 'tc_bad';
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'tc_bad';
BEGIN;
CREATE TABLE prepared_good (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
PREPARE TRANSACTION 'tc_good';
COMMIT PREPARED 'tc_good';
SET pg_conventions.mode = warn;
BEGIN;
CREATE TABLE prepared_warned (a int);
PREPARE TRANSACTION 'tc_warned';
ROLLBACK PREPARED 'tc_warned';
SET pg_conventions.mode = enforce;

-- a cursor WITH HOLD is materialized at commit, before the verdict
BEGIN;
CREATE TABLE held (a int);
DECLARE c CURSOR WITH HOLD FOR SELECT * FROM posts;
COMMIT;
FETCH c;
CREATE FUNCTION make_held() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  CREATE TABLE tc.held_by_cursor (a int);
  RETURN 1;
END
$$;
BEGIN;
DECLARE c2 CURSOR WITH HOLD FOR SELECT make_held();
COMMIT;
SELECT to_regclass('tc.held_by_cursor') IS NOT NULL AS held;

-- errors in PL/pgSQL exception blocks after DDL: the rolled-back part is
-- forgotten, the rest judged
DO $$
BEGIN
  BEGIN
    CREATE TABLE tc.caught (a int);
    RAISE EXCEPTION 'undo it';
  EXCEPTION WHEN raise_exception THEN
    RAISE NOTICE 'caught: %', SQLERRM;
  END;
  BEGIN
    ALTER TABLE tc.no_such_table ADD COLUMN b int;
  EXCEPTION WHEN undefined_table THEN
    RAISE NOTICE 'caught: %', SQLERRM;
  END;
  CREATE TABLE tc.kept (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
END
$$;
SELECT to_regclass('tc.caught') IS NOT NULL AS caught, to_regclass('tc.kept') IS NOT NULL AS kept;
DO $$
BEGIN
  BEGIN
    CREATE TABLE tc.caught2 (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
    RAISE EXCEPTION 'undo it';
  EXCEPTION WHEN raise_exception THEN
    NULL;
  END;
  CREATE TABLE tc.uncaught (a int);
END
$$;
SELECT to_regclass('tc.uncaught') IS NOT NULL AS uncaught;

-- a read-only transaction refuses DDL with PostgreSQL's own error
BEGIN READ ONLY;
CREATE INDEX idx_posts_title ON posts (title);
ROLLBACK;
BEGIN READ ONLY;
ALTER TABLE posts ADD COLUMN note text;
ROLLBACK;

SELECT 'alive' AS server;
SET pg_conventions.mode = off;
DROP SCHEMA tc CASCADE;
RESET pg_conventions.mode;
RESET search_path;
