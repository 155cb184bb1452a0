# pg_conventions on a Citus cluster: a coordinator and two workers, each with
# shared_preload_libraries = 'citus,pg_conventions', next to a plain server
# with the library alone.  Shows that a distributed, a reference and a local
# table are each judged once, on the coordinator, with the plain server's
# messages; that DDL Citus propagates to the workers is silent there; that
# enforce rejects a bad distributed table once and lets a conforming one
# and an old one through; that the reports list no shard and read the
# shards' index counters; that the advisor says it gives no advice for a
# distributed table; and that the query-pattern detection works on the
# coordinator.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CitusCluster;

my $conf = "pg_conventions.mode = warn\npg_conventions.capture_sample_rate = 1\n";
my @nodes = citus_cluster('guard', ['pg_conventions'], $conf, qw(coordinator worker1 worker2));
my ($coord, $w1, $w2) = @nodes;
my $plain = plain_node('plain', ['pg_conventions'], $conf);

$coord->safe_psql('postgres', 'CREATE EXTENSION pg_conventions');
$plain->safe_psql('postgres', 'CREATE EXTENSION pg_conventions');
is( $w1->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_extension WHERE extname = 'pg_conventions'"),
	'1',
	'CREATE EXTENSION pg_conventions reaches the workers');

# Where each node's log is now, and the guard's messages written since.
my %offset;
sub mark_logs { %offset = log_offsets(@nodes); }
sub guard_messages { my ($node) = @_; return guard_messages_since($node, $offset{ $node->name }); }

# ---- one verdict per logical table, the plain server's messages ----

my $plain_log = -s $plain->logfile;
my ($ret, $out, $err) = $plain->psql('postgres', "BEGIN; $TABLES COMMIT;");
my @plain_messages = messages_of($err);
is(scalar @plain_messages, 3, 'the plain server: three violations');
is(scalar(() = slurp_file($plain->logfile, $plain_log) =~ /WARNING:  .*\n[^\n]*DETAIL:  Rule /g),
	3, 'and its log has them, as the workers\' logs would');

mark_logs();
($ret, $out, $err) = $coord->psql('postgres', "BEGIN; $TABLES $DISTRIBUTE COMMIT;");
is($ret, 0, 'warn: the migration with create_distributed_table passes');
is_deeply([ messages_of($err) ],
	\@plain_messages,
	'the client gets the plain server\'s messages, each once');
is_deeply([ guard_messages($coord) ],
	\@plain_messages, 'the coordinator judged each logical table once');
is_deeply([ guard_messages($w1) ], [], 'worker 1 judged nothing');
is_deeply([ guard_messages($w2) ], [], 'worker 2 judged nothing');
unlike($err, qr/posts_\d+|users_\d+/, 'no shard is named');
is( $coord->safe_psql(
		'postgres', "SELECT count(*) > 0 FROM pg_dist_shard WHERE logicalrelid = 'posts'::regclass"),
	't',
	'posts is distributed');

# The same tables distributed in a later transaction: nothing new to say.
($ret, $out, $err) = $coord->psql('postgres', q{
CREATE SCHEMA later;
CREATE TABLE later.events (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), payload jsonb);});
like($err, qr/table "later\.events" has no column "created_at"/, 'a local table is judged');
mark_logs();
($ret, $out, $err) = $coord->psql('postgres', q{SELECT create_distributed_table('later.events', 'id');});
is($ret, 0, 'distributing it later succeeds');
is_deeply([ messages_of($err) ], [], 'and is not judged again');
is_deeply([ guard_messages($_) ], [], $_->name . ': silent') for @nodes;

# Statement by statement, as a migration tool without transactions runs
# them: the user's CREATE TABLE statements are judged, Citus's rebuilding
# of posts is not.
($ret, $out, $err) = $plain->psql('postgres', $SEED_TABLES);
@plain_messages = messages_of($err);
is(scalar @plain_messages, 2, 'autocommit, plain server: two violations');
mark_logs();
($ret, $out, $err) = $coord->psql('postgres', $SEED_TABLES . $SEED_DISTRIBUTE);
is($ret, 0, 'autocommit: users a reference table, posts distributed');
is_deeply([ messages_of($err) ], \@plain_messages,
	'autocommit: the plain server\'s messages, Citus\'s conversions silent');
is_deeply([ guard_messages($_) ], [], $_->name . ': nothing judged in autocommit')
  for ($w1, $w2);
is( $coord->safe_psql(
		'postgres',
		"SELECT partmethod FROM pg_dist_partition WHERE logicalrelid = 'seed.posts'::regclass"),
	'h',
	'seed.posts is distributed');

# ---- DDL propagated to the workers ----

# The same DDL on the plain server and on the coordinator: the same messages.
sub same_as_plain
{
	my ($sql, $what) = @_;
	my ($pret, $pout, $perr) = $plain->psql('postgres', $sql);
	my ($cret, $cout, $cerr) = $coord->psql('postgres', $sql);
	is($cret, $pret, "$what: the same outcome");
	is_deeply([ messages_of($cerr) ], [ messages_of($perr) ], "$what: the same messages");
	return messages_of($cerr);
}

$coord->safe_psql('postgres', 'DROP SCHEMA seed CASCADE');
mark_logs();
same_as_plain('CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);',
	'CREATE INDEX CONCURRENTLY on a distributed table');
my @later = same_as_plain(
	q{ALTER TABLE posts ADD COLUMN body text;
CREATE INDEX idx_posts_title ON posts (title);
CREATE INDEX idx_posts_created_at ON posts (created_at);
CREATE INDEX posts_body ON posts (body);},
	'later DDL on a distributed table');
ok((grep { /index "posts_body" on table "public\.posts" is not named/ } @later),
	'later DDL: the new index judged');
is_deeply([ guard_messages($w1) ], [], 'propagated DDL is silent on worker 1');
is_deeply([ guard_messages($w2) ], [], 'propagated DDL is silent on worker 2');
# the rule's fix, run as it is: Citus renames the index on every shard
($ret, $out, $err) = $coord->psql('postgres', 'ALTER INDEX public.posts_body RENAME TO idx_posts_body;');
is($ret, 0, 'the index_naming fix runs on a distributed table');
is( $w1->safe_psql(
		'postgres',
		$SHOW_SHARDS . q{SELECT count(*) > 0 FROM pg_class WHERE relname ~ '^idx_posts_body_[0-9]+$'
		AND NOT EXISTS (SELECT FROM pg_class WHERE relname ~ '^posts_body_[0-9]+$')}),
	't',
	'and the shards\' indexes are renamed');
$coord->safe_psql('postgres', 'DROP INDEX idx_posts_body');

# ---- Citus's own convention: the distribution column in the key ----

($ret, $out, $err) = $coord->psql('postgres', q{
BEGIN;
CREATE TABLE comments (id uuid NOT NULL DEFAULT gen_random_uuid(),
  post_id uuid NOT NULL, body text,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, post_id));
SELECT create_distributed_table('comments', 'post_id');
COMMIT;});
is($ret, 0, 'a table keyed by (id, distribution column)');
is_deeply([ messages_of($err) ], [],
	'its two-column key is Citus\'s convention, not a composite key');
($ret, $out, $err) = $plain->psql('postgres', q{
CREATE TABLE comments (id uuid NOT NULL DEFAULT gen_random_uuid(),
  post_id uuid NOT NULL, body text,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, post_id));});
like($err, qr/primary key of table "public\.comments" has 2 columns/,
	'on a plain server it is one');

# ---- enforce ----

mark_logs();
($ret, $out, $err) = $coord->psql('postgres', $BAD_DISTRIBUTED);
my @errors = $err =~ /ERROR:  (.*)/g;
is(scalar @errors, 1, 'enforce: a bad distributed table is rejected once');
like($errors[0] // '', qr/^table "public\.audit_log" has no column "created_at"/,
	'with the plain server\'s message');
like($err, qr/The transaction has 1 more violation/, 'counting the other one');
is($coord->safe_psql('postgres', "SELECT to_regclass('audit_log') IS NULL"),
	't', 'the table is gone');
for my $node ($w1, $w2)
{
	is( $node->safe_psql(
			'postgres',
			"$SHOW_SHARDS SELECT count(*) FROM pg_class WHERE relname LIKE 'audit_log%'"),
		'0',
		$node->name . ': no shard or shell is left');
	is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'),
		'0', $node->name . ': no prepared transaction is left');
	is_deeply([ guard_messages($node) ], [], $node->name . ': judged nothing');
}

($ret, $out, $err) = $coord->psql('postgres', q{
SET pg_conventions.mode = enforce;
BEGIN;
CREATE TABLE audit_log (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), action text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
SELECT create_distributed_table('audit_log', 'id');
COMMIT;});
is($ret, 0, 'enforce: a conforming distributed table is accepted');
is_deeply([ messages_of($err) ], [], 'without a word');

# a table with old violations, distributed under enforce: nothing new
($ret, $out, $err) = $coord->psql('postgres', q{
SET pg_conventions.mode = enforce;
SELECT create_distributed_table('tags', 'name');});
is($ret, 0, 'enforce: distributing a table with old violations succeeds');
unlike($err, qr/ERROR/, 'its old debt is not a new violation');

# ---- the reports ----

is( $coord->safe_psql(
		'postgres', q{SELECT count(*) FROM conventions.violations()
		WHERE table_name::text ~ '_[0-9]+$' OR object ~ '_[0-9]+($|\.)'}),
	'0',
	'violations() lists no shard');
is( $coord->safe_psql(
		'postgres', q{SELECT string_agg(DISTINCT table_name::text, ',' ORDER BY table_name::text)
		FROM conventions.violations()}),
	'later.events,posts,tags',
	'violations() judges the logical tables');
is($w1->safe_psql('postgres', 'SELECT count(*) FROM conventions.violations()'),
	'0', 'on a worker, violations() has nothing of Citus\'s tables');

$coord->safe_psql('postgres', q{
SET pg_conventions.mode = off;
CREATE TABLE post_likes (post_id uuid NOT NULL, user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (post_id, user_id));
SELECT create_distributed_table('post_likes', 'post_id', colocate_with => 'posts');
ALTER TABLE post_likes ADD CONSTRAINT post_likes_post_id_fkey FOREIGN KEY (post_id) REFERENCES posts (id);
CREATE INDEX idx_post_likes_user_id ON post_likes (user_id);
CREATE INDEX idx_post_likes_post_id ON post_likes (post_id);});
is( $coord->safe_psql(
		'postgres',
		q{SELECT string_agg(table_name::text || ' ' || constraint_name, ',' ORDER BY 1)
		FROM conventions.missing_fk_indexes()}),
	'',
	'missing_fk_indexes(): every key covered, no shard key listed');
$coord->safe_psql('postgres', 'DROP INDEX idx_posts_user_id');
is( $coord->safe_psql(
		'postgres',
		q{SELECT string_agg(table_name::text || ' ' || constraint_name || ' ' || fix_sql, ',')
		FROM conventions.missing_fk_indexes()}),
	'posts posts_user_id_fkey CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_posts_user_id ON public.posts (user_id);',
	'missing_fk_indexes(): the distributed key once, not once per shard');
$coord->safe_psql('postgres',
	'CREATE INDEX CONCURRENTLY idx_posts_user_id ON public.posts (user_id)');
is( $coord->safe_psql(
		'postgres',
		q{SELECT string_agg(index::text || ' by ' || redundant_to::text, ',')
		FROM conventions.redundant_indexes()}),
	'idx_post_likes_post_id by post_likes_pkey',
	'redundant_indexes(): the logical index, no shard index');

# unused_indexes() reads the shards' counters
$coord->safe_psql('postgres', q{
INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 20) g;
INSERT INTO posts (user_id, title)
  SELECT (SELECT id FROM users ORDER BY email LIMIT 1), 'post ' || g FROM generate_series(1, 20000) g;
ANALYZE posts;});
is( $coord->safe_psql(
		'postgres',
		q{SELECT string_agg(index::text, ',' ORDER BY index::text) FROM conventions.unused_indexes()
		WHERE table_name = 'posts'::regclass}),
	'idx_posts_created_at,idx_posts_title',
	'unused_indexes(): the distributed table\'s indexes no shard scanned');
like( $coord->safe_psql(
		'postgres',
		q{SELECT note FROM conventions.unused_indexes() WHERE index = 'idx_posts_title'::regclass}),
	qr/no scan on any of its 32 shard placements/,
	'counted over the shards');
$coord->safe_psql('postgres', q{SELECT count(*) FROM posts WHERE title = 'post 42'})
  for 1 .. 3;
ok( $coord->poll_query_until(
		'postgres',
		q{SELECT string_agg(index::text, ',' ORDER BY index::text) FROM conventions.unused_indexes()
		WHERE table_name = 'posts'::regclass},
		'idx_posts_created_at'),
	'an index the shards scanned is not unused, though the coordinator never scanned it');

# its fix, run as it is: DROP INDEX CONCURRENTLY, propagated to the shards
my $drop = $coord->safe_psql('postgres',
	q{SELECT fix_sql FROM conventions.unused_indexes() WHERE index = 'idx_posts_created_at'::regclass});
like($drop, qr/^DROP INDEX CONCURRENTLY/, 'unused_indexes(): the fix drops it concurrently');
($ret, $out, $err) = $coord->psql('postgres', $drop);
is($ret, 0, 'the fix runs on a distributed table');
is($w1->safe_psql('postgres', $SHOW_SHARDS . q{SELECT count(*) FROM pg_class WHERE relname LIKE 'idx_posts_created_at%'}),
	'0', 'and the shards\' indexes are gone');

# ---- the advisor ----

($ret, $out, $err) = $coord->psql('postgres', q{
SELECT count(*) FROM conventions.suggest_indexes('SELECT id FROM posts WHERE body = $1 ORDER BY created_at');});
is($out, '0', 'suggest_indexes(): no advice for a distributed table');
like($err,
	qr/NOTICE:  conventions\.suggest_indexes\(\) gives no advice for distributed table "public\.posts"/,
	'and it says so');

# ---- query patterns on the coordinator ----

$coord->safe_psql('postgres', 'SELECT conventions.workload_reset()');
$_->safe_psql('postgres', 'SELECT conventions.workload_reset()') for ($w1, $w2);
my $loop = "SELECT id FROM users ORDER BY email LIMIT 8;\n";
$loop .= "SELECT title FROM posts WHERE user_id = '$_';\n"
  for split /\n/,
  $coord->safe_psql('postgres', 'SELECT id FROM users ORDER BY email LIMIT 8');
$coord->safe_psql('postgres', $loop);
is( $coord->safe_psql(
		'postgres',
		q{SELECT pattern || ' ' || table_name::text || ' ' || executions
		FROM conventions.query_patterns()}),
	'n_plus_one posts 8',
	'query_patterns(): the N+1 loop over a distributed table, on the coordinator');
is($w1->safe_psql('postgres', 'SELECT count(*) FROM conventions.query_patterns()'),
	'0', 'the workers do not count Citus\'s shard queries as the application\'s');

$_->stop for (@nodes, $plain);
done_testing();
