-- The advisor judges a plan by what it costs at worst where the planner's
-- estimate rests on a LIMIT stopping early over rows a join or a filter
-- discards.  The seed's junction query: the newest posts of one tag.
SET pg_conventions.mode = off;
CREATE SCHEMA robust;
SET search_path = robust, public;
CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL,
                    created_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE TABLE post_tags (post_id bigint NOT NULL REFERENCES posts (id), tag_id int NOT NULL,
                        PRIMARY KEY (post_id, tag_id));
-- 20,000 posts, newest last, 5 % soft-deleted; ten tags of 2,000 posts
-- each, but a tag's posts are those of one stretch of time: tag 1 the
-- oldest tenth.  By its statistics a tag is spread evenly (10 % of posts).
INSERT INTO posts SELECT i, 'post ' || i, timestamptz '2026-01-01' + i * interval '1 minute',
                         CASE WHEN i % 20 = 0 THEN timestamptz '2026-06-01' END
  FROM generate_series(1, 20000) i;
INSERT INTO post_tags SELECT i, 1 + (i - 1) / 2000 FROM generate_series(1, 20000) i;
VACUUM ANALYZE posts, post_tags;
\set q 'SELECT p.* FROM posts p JOIN post_tags pt ON pt.post_id = p.id WHERE pt.tag_id = $1 AND p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT 20'

-- the trap is real: with an index on the sort alone, the planner walks the
-- posts newest first and probes each one's tags, expecting to stop after
-- about 200 of them
CREATE INDEX posts_by_date ON posts (created_at DESC);
ANALYZE posts;
PREPARE newest(int) AS SELECT p.* FROM posts p JOIN post_tags pt ON pt.post_id = p.id
  WHERE pt.tag_id = $1 AND p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT 20;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE newest(1);
-- for tag 1 it reads every post before the oldest tenth
CREATE FUNCTION buffers(plan json) RETURNS bigint LANGUAGE sql AS
  $$SELECT ((plan -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint +
            (plan -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint)$$;
CREATE TABLE measured (index_set text, buffers bigint, rows bigint);
DO $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, FORMAT JSON) EXECUTE newest(1)' INTO plan;
  INSERT INTO measured VALUES ('the sort alone', buffers(plan), (plan -> 0 -> 'Plan' ->> 'Actual Rows')::numeric::bigint);
END $$;
DROP INDEX posts_by_date;
ANALYZE posts;

-- the advisor does not take the sort's index: at worst, where the tag's
-- posts are old, the walk reads all of them; it takes the junction side
SELECT table_name, kind, index_columns, include_columns, predicate
  FROM conventions.suggest_indexes(:'q') ORDER BY table_name::text, index_columns;
SELECT fix_sql FROM conventions.suggest_indexes(:'q') \gexec
VACUUM ANALYZE posts, post_tags;
DEALLOCATE newest;
PREPARE newest(int) AS SELECT p.* FROM posts p JOIN post_tags pt ON pt.post_id = p.id
  WHERE pt.tag_id = $1 AND p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT 20;
EXPLAIN (COSTS OFF) EXECUTE newest(1);
DO $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, FORMAT JSON) EXECUTE newest(1)' INTO plan;
  INSERT INTO measured VALUES ('the advisor''s', buffers(plan), (plan -> 0 -> 'Plan' ->> 'Actual Rows')::numeric::bigint);
END $$;
-- executed: the same 20 rows, and the advisor's plan reads a tenth of the
-- pages or fewer (buffers are counted, not timed: no margin can flake)
SELECT index_set, rows FROM measured ORDER BY index_set;
SELECT (SELECT buffers FROM measured WHERE index_set = 'the advisor''s') * 10 <
       (SELECT buffers FROM measured WHERE index_set = 'the sort alone') AS tenth_of_the_pages;
RESET plan_cache_mode;
DEALLOCATE newest;

-- Every answer has an index for each foreign key rule foreign_key_index
-- requires one for: of the tables the statement reads, and of those whose
-- keys reference a table it deletes from or updates.  Deleting a post looks
-- its comments up (a check the plan does not show): without the key's
-- index, a scan of every comment per post deleted.
CREATE TABLE comments (id bigint PRIMARY KEY, post_id bigint NOT NULL REFERENCES posts (id),
                       body text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO comments SELECT i, 1 + i % 10000, 'comment ' || i, timestamptz '2026-03-01' + i * interval '1 minute'
  FROM generate_series(1, 40000) i;
VACUUM ANALYZE comments;
\set VERBOSITY default
SELECT table_name, kind, index_columns FROM conventions.suggest_indexes('DELETE FROM posts WHERE id = $1');
-- executed: the check scans comments without it, looks it up with it
-- (the scans of comments the DELETE made, counted in this backend)
CREATE FUNCTION delete_post(post bigint) RETURNS TABLE (seq_scan bigint, idx_scan bigint)
LANGUAGE plpgsql AS $$
DECLARE
  seq0 bigint;
  idx0 bigint;
BEGIN
  DELETE FROM post_tags WHERE post_id = post;
  SELECT s.seq_scan, s.idx_scan INTO seq0, idx0 FROM pg_stat_xact_user_tables s
   WHERE s.relid = 'robust.comments'::regclass;
  DELETE FROM posts WHERE id = post;
  RETURN QUERY SELECT s.seq_scan - seq0, s.idx_scan - idx0 FROM pg_stat_xact_user_tables s
                WHERE s.relid = 'robust.comments'::regclass;
END $$;
BEGIN;
SELECT * FROM delete_post(20000);
ROLLBACK;
SELECT fix_sql FROM conventions.suggest_indexes('DELETE FROM posts WHERE id = $1') \gexec
BEGIN;
SELECT * FROM delete_post(20000);
ROLLBACK;
-- a statement that reads the comments of a post, newest first: its best
-- index serves the key too, and is chosen for it
DROP INDEX idx_comments_post_id;
SELECT table_name, kind, index_columns
  FROM conventions.suggest_indexes('SELECT id, body FROM comments WHERE post_id = $1 ORDER BY created_at DESC LIMIT 10');
-- an exemption of the table from the rule: not required
SELECT conventions.exempt('comments', 'foreign_key_index', 'the comments are never deleted');
SELECT table_name, kind, index_columns FROM conventions.suggest_indexes('DELETE FROM posts WHERE id = $1');
\set VERBOSITY terse
-- A nested loop over a join the estimate multiplies down.  Sales and their
-- returns meet on three keys the planner takes as independent (ticket,
-- item, customer): it expects one row where every return meets its sale.
CREATE TABLE sales (ticket int NOT NULL, item int NOT NULL, customer int NOT NULL,
                    amount numeric NOT NULL);
CREATE TABLE returns (ticket int NOT NULL, item int NOT NULL, customer int NOT NULL,
                      loss numeric NOT NULL);
CREATE TABLE orders (customer int NOT NULL, day int NOT NULL, amount numeric NOT NULL);
-- 100,000 sales, two items a ticket, 2,000 customers; 10,000 returned;
-- 100,000 orders, 50 a customer
INSERT INTO sales SELECT i / 2, i % 1000, (i / 2) % 2000, i % 97 FROM generate_series(0, 99999) i;
INSERT INTO returns SELECT ticket, item, customer, amount FROM sales
  WHERE ticket % 5 = 0 AND item % 2 = 0;
INSERT INTO orders SELECT i % 2000, i % 365, i % 89 FROM generate_series(0, 99999) i;
VACUUM ANALYZE sales, returns, orders;
\set q 'SELECT count(*), sum(o.amount) FROM sales s JOIN returns r ON s.ticket = r.ticket AND s.item = r.item AND s.customer = r.customer JOIN orders o ON o.customer = r.customer'
-- the trap is real: with an index on orders (customer) the planner probes
-- it once per row it expects, a plan it estimates cheaper than hash joins
CREATE TABLE loops_measured (index_set text, nested_loop bool, cost float8, buffers bigint,
                             rows bigint);
CREATE FUNCTION measure_loops(index_set text, query text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || query INTO plan;
  INSERT INTO loops_measured VALUES (index_set, plan::text LIKE '%"Nested Loop"%',
    (plan -> 0 -> 'Plan' ->> 'Total Cost')::float8,
    buffers(plan), (plan -> 0 -> 'Plan' -> 'Plans' -> 0 ->> 'Actual Rows')::numeric::bigint);
END $$;
CREATE INDEX orders_by_customer ON orders (customer);
ANALYZE orders;
SELECT measure_loops('orders by customer', :'q');
DROP INDEX orders_by_customer;
ANALYZE orders;
SELECT measure_loops('none', :'q');
-- executed: the same 500,000 rows joined; the index's plan is estimated
-- cheaper and reads a hundred times the pages or more (every return probes
-- its customer's 50 orders)
SELECT index_set, nested_loop, rows FROM loops_measured ORDER BY index_set;
SELECT (SELECT cost FROM loops_measured WHERE index_set = 'orders by customer') <
       (SELECT cost FROM loops_measured WHERE index_set = 'none') AS estimated_cheaper,
       (SELECT buffers FROM loops_measured WHERE index_set = 'orders by customer') >
       100 * (SELECT buffers FROM loops_measured WHERE index_set = 'none') AS hundred_times_the_pages;
-- the advisor judges the nested loop at the bound of its outer side (rows
-- that meet three conditions meet the most selective one: every return)
-- and takes no index on orders; where the loop's outer side is a table's
-- own rows, its estimate stands and orders (customer) is taken
SET client_min_messages = warning;
SELECT count(*) FILTER (WHERE table_name = 'orders'::regclass) AS orders_indexes
  FROM conventions.suggest_indexes(:'q');
SELECT index_columns
  FROM conventions.suggest_indexes('SELECT sum(o.amount) FROM returns r JOIN orders o ON o.customer = r.customer WHERE r.ticket = $1')
 WHERE table_name = 'orders'::regclass;
RESET client_min_messages;
DROP SCHEMA robust CASCADE;
