-- The database every corpus migration starts from (test/squawk/run.sh):
-- events is large at the run's pg_conventions.large_table_size (1MB), users
-- is small, archive exists but is empty.
DROP SCHEMA IF EXISTS app CASCADE;
CREATE SCHEMA app;
SET search_path = app;
CREATE TABLE users (id bigint PRIMARY KEY, email text);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 1000) g;
CREATE TABLE events (id bigint PRIMARY KEY, user_id bigint, amount numeric(10,2),
                     note varchar(20), kind text, seen_at timestamp);
INSERT INTO events SELECT g, g % 1000 + 1, g % 100, 'n' || g % 10, 'k' || g % 5, NULL
  FROM generate_series(1, 100000) g;
CREATE INDEX idx_events_kind ON events (kind);
CREATE TABLE archive (id bigint PRIMARY KEY, kind text);
VACUUM ANALYZE users, events, archive;
-- locks and keys: user_notes never held a row but references the busy
-- users; legacy_codes has no primary key yet, only a unique index on a
-- nullable column; categories is empty, and category_links (rows without a
-- category) references it
CREATE TABLE user_notes (id bigint PRIMARY KEY,
                         user_id bigint CONSTRAINT user_notes_user_id_fkey REFERENCES users);
CREATE TABLE legacy_codes (code bigint, label text);
INSERT INTO legacy_codes SELECT g, 'l' || g FROM generate_series(1, 100000) g;
CREATE UNIQUE INDEX legacy_codes_code_key ON legacy_codes (code);
CREATE TABLE categories (id bigint PRIMARY KEY);
CREATE TABLE category_links (id bigint PRIMARY KEY,
                             category_id bigint CONSTRAINT category_links_category_id_fkey REFERENCES categories);
INSERT INTO category_links SELECT g, NULL FROM generate_series(1, 100) g;
VACUUM ANALYZE user_notes, legacy_codes, categories, category_links;
-- will_fail
-- Small tables whose rows make some statements fail at the end of their
-- scan: members has duplicate and NULL emails and a code that is
-- no number; charges has a negative amount and orphans
CREATE TABLE members (id bigint PRIMARY KEY, email text, code text, plan varchar(20));
INSERT INTO members
SELECT g, CASE WHEN g % 100 = 0 THEN NULL ELSE 'a' || g % 900 || '@example.com' END,
       CASE WHEN g = 77 THEN 'n/a' ELSE g::text END, 'plan' || g % 3
  FROM generate_series(1, 1000) g;
CREATE TABLE charges (id bigint PRIMARY KEY, account_id bigint, amount numeric(10,2));
INSERT INTO charges SELECT g, CASE WHEN g % 250 = 0 THEN 5000 + g ELSE g % 1000 + 1 END,
       CASE WHEN g = 42 THEN -10 ELSE g % 500 END
  FROM generate_series(1, 2000) g;
VACUUM ANALYZE members, charges;

-- structures
-- (cases 43-62: exclusion constraints, partitions, materialized views, domains)
CREATE TABLE bookings (id bigint PRIMARY KEY, room int, during tstzrange);
INSERT INTO bookings SELECT g, g % 50, tstzrange('2024-01-01'::timestamptz + g * interval '1 hour',
                                                  '2024-01-01'::timestamptz + (g + 1) * interval '1 hour')
  FROM generate_series(1, 30000) g;
CREATE TABLE rooms (id bigint PRIMARY KEY, floor int, during tstzrange);
CREATE TABLE readings (id bigint, taken_on date, value int) PARTITION BY RANGE (taken_on);
CREATE TABLE readings_2024_01 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
INSERT INTO readings SELECT g, '2024-01-01'::date + g % 31, g % 100 FROM generate_series(1, 40000) g;
CREATE TABLE readings_2024_02 (id bigint, taken_on date, value int);
INSERT INTO readings_2024_02 SELECT g, '2024-02-01'::date + g % 29, g % 100 FROM generate_series(1, 40000) g;
CREATE TABLE readings_2024_03 (id bigint, taken_on date, value int);
CREATE TABLE tags (id bigint, region text) PARTITION BY LIST (region);
CREATE TABLE tags_eu PARTITION OF tags FOR VALUES IN ('eu');
CREATE TABLE orders (id bigint, region text) PARTITION BY LIST (region);
CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
CREATE TABLE orders_other PARTITION OF orders DEFAULT;
INSERT INTO orders SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'asia' END FROM generate_series(1, 80000) g;
CREATE TABLE orders_us (id bigint, region text);
-- (the views read no table the other cases alter: a view's columns cannot change type)
CREATE MATERIALIZED VIEW daily_totals AS
  SELECT g AS day, g % 1000 AS total FROM generate_series(1, 60000) g;
CREATE UNIQUE INDEX daily_totals_day ON daily_totals (day);
CREATE MATERIALIZED VIEW daily_notes AS
  SELECT g AS day, 'note ' || g AS note FROM generate_series(1, 60000) g;
CREATE MATERIALIZED VIEW region_counts AS SELECT region, count(*) AS n FROM tags GROUP BY region;
CREATE DOMAIN cents AS bigint;
CREATE TABLE invoices (id bigint PRIMARY KEY, amount cents);
INSERT INTO invoices SELECT g, g % 10000 FROM generate_series(1, 40000) g;
CREATE DOMAIN label AS text;
CREATE TABLE labels (id bigint PRIMARY KEY, name label);
INSERT INTO labels VALUES (1, 'new');
VACUUM ANALYZE bookings, rooms, readings, readings_2024_02, readings_2024_03, tags, orders,
  orders_us, daily_totals, daily_notes, region_counts, invoices, labels;
