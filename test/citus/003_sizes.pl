# The size-based safety rules on a Citus cluster: the coordinator's shell of
# a distributed or reference table is empty, so the guard reads the table's
# size from its shards (one placement each, a reference table one copy),
# this node's measured here and the workers' asked on them, within a bound.
# Shows CREATE INDEX without CONCURRENTLY flagged on a large distributed
# and a large reference table, once, on the coordinator (warn and enforce),
# its recipe passing, a small table and CONCURRENTLY silent, table_rewrite
# and not_null_scan reached the same way; a shard locked on a worker not
# waited for; a worker stopped, frozen, unable to take a connection, or
# taking it and never answering, leaving the statement judged from what
# answered (or from the coordinator's shell) without a hang, and the user's
# statement_timeout still theirs; and the same verdicts through the event
# triggers.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use CitusCluster;

# lock_timeout set: the lock_timeout rule has nothing to say
my $conf = "pg_conventions.mode = warn\npg_conventions.large_table_size = '1MB'\nautovacuum = off\n"
  . "lock_timeout = '5s'\n";
my @nodes = citus_cluster('sizes', ['pg_conventions'], $conf, qw(coordinator worker1 worker2));
my ($coord, $w1, $w2) = @nodes;
$coord->safe_psql('postgres', 'CREATE EXTENSION pg_conventions');

# conforming tables: only the size rules have something to say
sub table_sql
{
	my ($name) = @_;
	return "CREATE TABLE $name (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), kind text NOT NULL,
  payload text, created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now());\n";
}
my $setup = "SET pg_conventions.mode = off;\n"
  . table_sql('events')
  . "SELECT create_distributed_table('events', 'id', shard_count => 4);
INSERT INTO events (kind, payload) SELECT 'k' || g % 10, repeat('x', 60) FROM generate_series(1, 40000) g;\n"
  . table_sql('notes')
  . "SELECT create_distributed_table('notes', 'id', shard_count => 4);
INSERT INTO notes (kind, payload) SELECT 'k', 'p' FROM generate_series(1, 10) g;\n"
  . table_sql('countries')
  . "SELECT create_reference_table('countries');
INSERT INTO countries (kind, payload) SELECT 'k', repeat('c', 60) || g FROM generate_series(1, 20000) g;\n";
$coord->safe_psql('postgres', $setup);

# the distributed table's heap, summed over its shards where they are
my $events_size = $coord->safe_psql('postgres',
	q{SELECT pg_size_pretty(sum(result::bigint)) FROM run_command_on_shards('events',
	  'SELECT pg_relation_size(''%s'')')});
my %offset;
sub mark_logs { %offset = log_offsets(@nodes); }
sub guard_messages { my ($node) = @_; return guard_messages_since($node, $offset{ $node->name }); }

sub details { my ($err) = @_; return $err =~ /DETAIL:  (Rule .*)/g; }

my $build = "CREATE INDEX idx_events_kind ON events (kind);";
my $blocks = 'CREATE INDEX without CONCURRENTLY blocks writes to table "public.events" while the index builds';

# ---- CREATE INDEX on a large distributed table ----

mark_logs();
my ($ret, $out, $err) = $coord->psql('postgres', "SET pg_conventions.mode = enforce; $build");
isnt($ret, 0, 'enforce: CREATE INDEX on a large distributed table is rejected');
is_deeply([ $err =~ /ERROR:  (.*)/g ], [$blocks], 'once, with the plain server\'s message');
is_deeply(
	[ details($err) ],
	[ "Rule concurrent_index: the build holds a SHARE lock on \"public.events\" ($events_size, by its shards) until it ends: every INSERT, UPDATE and DELETE waits." ],
	'its size is its shards\', never analyzed: no row count');
is_deeply([ guard_messages($_) ], [], $_->name . ': judged nothing') for ($w1, $w2);
is( $w1->safe_psql('postgres',
		$SHOW_SHARDS . q{SELECT count(*) FROM pg_class WHERE relname LIKE 'idx_events_kind%'}),
	'0',
	'no shard has the index');

$coord->safe_psql('postgres', 'ANALYZE events; ANALYZE countries;');
($ret, $out, $err) = $coord->psql('postgres', "SET pg_conventions.mode = enforce; $build");
is_deeply(
	[ details($err) ],
	[ "Rule concurrent_index: the build holds a SHARE lock on \"public.events\" ($events_size, about 40,000 rows, by its shards) until it ends: every INSERT, UPDATE and DELETE waits." ],
	'analyzed: the rows of its shards\' statistics');
like($err, qr/HINT:  CREATE INDEX CONCURRENTLY idx_events_kind ON events \(kind\);/,
	'the recipe: the same index, concurrently');
my ($recipe) = $err =~ /HINT:  (.*)/;

mark_logs();
($ret, $out, $err) = $coord->psql('postgres', $build);
is($ret, 0, 'warn: the index is built');
is_deeply([ $err =~ /WARNING:  (.*)/g ], [$blocks], 'warn: one warning');
is_deeply([ guard_messages($coord) ], [$blocks], 'the coordinator judged it once');
is_deeply([ guard_messages($_) ], [], $_->name . ': the propagated DDL is silent') for ($w1, $w2);
$coord->safe_psql('postgres', 'DROP INDEX idx_events_kind');

($ret, $out, $err) = $coord->psql('postgres', "SET pg_conventions.mode = enforce; $recipe");
is($ret, 0, 'the recipe runs on the distributed table');
is($err, '', 'CREATE INDEX CONCURRENTLY: nothing to say');
is( $w1->safe_psql('postgres',
		$SHOW_SHARDS . q{SELECT count(*) > 0 FROM pg_class WHERE relname LIKE 'idx_events_kind%'}),
	't',
	'and the shards have the index');
$coord->safe_psql('postgres', 'DROP INDEX idx_events_kind');

($ret, $out, $err) = $coord->psql('postgres',
	'SET pg_conventions.mode = enforce; CREATE INDEX idx_notes_kind ON notes (kind);');
is($ret, 0, 'a small distributed table: CREATE INDEX passes');
is($err, '', 'without a word');

# ---- a reference table: one copy ----

my ($copy, $copies) = split /\|/, $coord->safe_psql('postgres',
	q{SELECT pg_size_pretty(citus_relation_size('countries') / count(*)), count(*)
	  FROM pg_dist_placement JOIN pg_dist_shard USING (shardid) WHERE logicalrelid = 'countries'::regclass});
is($copies, 3, 'the reference table has a copy on each node');
($ret, $out, $err) = $coord->psql('postgres',
	'SET pg_conventions.mode = enforce; CREATE INDEX idx_countries_kind ON countries (kind);');
is_deeply(
	[ details($err) ],
	[ "Rule concurrent_index: the build holds a SHARE lock on \"public.countries\" ($copy, about 20,000 rows, by its shards) until it ends: every INSERT, UPDATE and DELETE waits." ],
	'a large reference table: the size of one copy');

# ---- other size rules, reached the same way ----

($ret, $out, $err) = $coord->psql('postgres',
	'SET pg_conventions.mode = enforce; ALTER TABLE events ADD COLUMN token uuid DEFAULT gen_random_uuid();');
like($err, qr/DETAIL:  Rule table_rewrite: PostgreSQL writes a new copy of "public\.events" \(\Q$events_size\E, about 40,000 rows, by its shards\)/,
	'table_rewrite: ADD COLUMN with a volatile default');
($ret, $out, $err) = $coord->psql('postgres',
	'SET pg_conventions.mode = enforce; ALTER TABLE events ALTER COLUMN payload SET NOT NULL;');
like($err, qr/DETAIL:  Rule not_null_scan: .* reads all of "public\.events" \(\Q$events_size\E, about 40,000 rows, by its shards\)/,
	'not_null_scan: SET NOT NULL');
($ret, $out, $err) = $coord->psql('postgres',
	'SET pg_conventions.mode = enforce; ALTER TABLE notes ALTER COLUMN payload SET NOT NULL;');
is($ret, 0, 'SET NOT NULL on the small one passes');
is($err, '', 'without a word');

# ---- a shard locked on a worker is not waited for ----

my $shard = $w1->safe_psql('postgres',
	$SHOW_SHARDS . q{SELECT relname FROM pg_class WHERE relname ~ '^events_[0-9]+$' ORDER BY 1 LIMIT 1});
my $locker = $w1->background_psql('postgres');
$locker->query_safe($SHOW_SHARDS . "SET citus.enable_manual_changes_to_shards = on;\n"
	  . "BEGIN; LOCK TABLE public.$shard IN ACCESS EXCLUSIVE MODE;");
my $start = time;
($ret, $out, $err) = $coord->psql('postgres', "SET pg_conventions.mode = enforce; $build",
	timeout => 60);
my $elapsed = time - $start;
like($err, qr/DETAIL:  Rule concurrent_index: .*by its shards/,
	'a shard locked on a worker: its statistics stand in');
cmp_ok($elapsed, '<', 20, 'without waiting for its lock');
$locker->query_safe('ROLLBACK');
$locker->quit;

# ---- a worker that does not answer ----

$w2->stop('fast');
$start = time;
($ret, $out, $err) = $coord->psql('postgres', "SET pg_conventions.mode = enforce; $build",
	timeout => 60);
$elapsed = time - $start;
is_deeply([ $err =~ /ERROR:  (.*)/g ], [$blocks],
	'a worker stopped: the shards on the other one are large enough');
like($err, qr/DETAIL:  Rule concurrent_index: .*by the shards that answered in time\)/,
	'and the size says it is theirs');
cmp_ok($elapsed, '<', 20, 'judged without a hang');

$w1->stop('fast');
$start = time;
($ret, $out, $err) = $coord->psql('postgres', "SET pg_conventions.mode = enforce; $build",
	timeout => 60);
$elapsed = time - $start;
unlike($err, qr/DETAIL:  Rule/,
	'no worker answers: judged from the coordinator\'s shell, which is small');
isnt($ret, 0, 'and Citus itself cannot reach the workers');
cmp_ok($elapsed, '<', 20, 'no hang');
$_->start for ($w1, $w2);

# a worker that accepts connections and never answers (its postmaster
# stopped): Citus's connection timeout, set for the reading, gives up
kill 'STOP', $w2->{_pid};
$start = time;
($ret, $out, $err) = $coord->psql('postgres', "SET pg_conventions.mode = enforce; $build",
	timeout => 60);
$elapsed = time - $start;
kill 'CONT', $w2->{_pid};
like($err, qr/DETAIL:  Rule concurrent_index: .*by the shards that answered in time\)/,
	'a worker that never answers: judged from the other one');
cmp_ok($elapsed, '<', 20, 'within the bound');

# a worker whose catalog another transaction holds locked: a new
# connection to it waits, and Citus's connection timeout, set for the
# reading, gives up; its warning goes to the log, not to the client
my $catalog_locker = $w2->background_psql('postgres');
$catalog_locker->query_safe('BEGIN; LOCK TABLE pg_catalog.pg_class IN ACCESS EXCLUSIVE MODE;');
my $coord_log = -s $coord->logfile;
$start = time;
($ret, $out, $err) = $coord->psql('postgres', "SET pg_conventions.mode = enforce; $build",
	timeout => 60);
$elapsed = time - $start;
is_deeply([ $err =~ /(?:ERROR|WARNING):  (.*)/g ], [$blocks],
	'a worker that cannot take a connection: judged from the other one, no other message');
like($err, qr/by the shards that answered in time\)/, 'and the size says so');
cmp_ok($elapsed, '<', 20, 'within the bound');
like(slurp_file($coord->logfile, $coord_log), qr/WARNING:  could not establish connection after 1000 ms/,
	'Citus\'s warning is in the log');
# the user's statement_timeout, passing while the guard reads, is theirs
($ret, $out, $err) = $coord->psql('postgres',
	"SET statement_timeout = '300ms'; SET pg_conventions.mode = enforce; $build",
	timeout => 60);
like($err, qr/ERROR:  canceling statement due to statement timeout\nCONTEXT:  reading the size of table "public\.events" from its shards/,
	'the user\'s statement_timeout during the reading cancels the statement');
$catalog_locker->query_safe('ROLLBACK');
$catalog_locker->quit;

# a worker that takes the connection and never answers the query (another
# transaction holds the view it reads locked): the guard stops waiting for
# the background worker that asks, and judges from the coordinator's shell;
# the statement then goes on to Citus, on connections of its own
my $view_locker = $w2->background_psql('postgres');
$view_locker->query_safe('BEGIN; LOCK TABLE pg_catalog.pg_locks IN ACCESS EXCLUSIVE MODE;');
$start = time;
($ret, $out, $err) = $coord->psql('postgres', "SET client_min_messages = debug1; $build",
	timeout => 60);
$elapsed = time - $start;
like($err, qr/DEBUG:  no size of the shards of "public\.events" from 127\.0\.0\.1:\d+: no answer within 2000 ms/,
	'a worker that never answers the query: the guard stops waiting');
unlike($err, qr/DETAIL:  Rule/, 'and judges from the coordinator\'s shell');
is($ret, 0, 'the statement goes on, and Citus builds the index');
cmp_ok($elapsed, '<', 20, 'no hang');
$view_locker->query_safe('ROLLBACK');
$view_locker->quit;
$coord->safe_psql('postgres', 'DROP INDEX idx_events_kind');

($ret, $out, $err) = $coord->psql('postgres', $recipe);
is($ret, 0, 'both workers back: the recipe runs');
($ret, $out, $err) = $coord->psql('postgres', "SET pg_conventions.mode = enforce; $build");
like($err, qr/DETAIL:  Rule concurrent_index: .*by its shards\)/,
	'and every shard is measured again');

$_->stop for @nodes;

# ---- the event triggers (no preload) ----

my ($ecoord, $eworker) = citus_cluster('sizes_et', [],
	"pg_conventions.large_table_size = '1MB'\nautovacuum = off\nlock_timeout = '5s'\n",
	qw(coordinator worker));
$ecoord->safe_psql('postgres', $TRIGGERS);
$ecoord->safe_psql('postgres', $setup . 'ANALYZE events;');
$events_size = $ecoord->safe_psql('postgres',
	q{SELECT pg_size_pretty(sum(result::bigint)) FROM run_command_on_shards('events',
	  'SELECT pg_relation_size(''%s'')')});
my $woffset = -s $eworker->logfile;
($ret, $out, $err) = $ecoord->psql('postgres', $build);
is_deeply([ $err =~ /WARNING:  (.*)/g ], [$blocks],
	'event triggers: CREATE INDEX on a large distributed table, once');
is_deeply(
	[ details($err) ],
	[ "Rule concurrent_index: the build holds a SHARE lock on \"public.events\" ($events_size, about 40,000 rows, by its shards) until it ends: every INSERT, UPDATE and DELETE waits." ],
	'event triggers: its size from its shards');
is(scalar(() = slurp_file($eworker->logfile, $woffset) =~ /DETAIL:  Rule /g),
	0, 'event triggers: the worker judged nothing');
$ecoord->safe_psql('postgres', 'DROP INDEX idx_events_kind');
($ret, $out, $err) = $ecoord->psql('postgres', 'CREATE INDEX idx_notes_kind ON notes (kind);');
is($err, '', 'event triggers: a small distributed table, nothing');
($ret, $out, $err) = $ecoord->psql('postgres', $recipe);
is($ret, 0, 'event triggers: the recipe runs');
is($err, '', 'event triggers: CONCURRENTLY, nothing');

$_->stop for ($ecoord, $eworker);
done_testing();
