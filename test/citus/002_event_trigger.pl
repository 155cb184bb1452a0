# pg_conventions on a Citus cluster where it cannot be preloaded: Citus alone
# in shared_preload_libraries, and the guard's event triggers on the
# coordinator after CREATE EXTENSION (the path for managed databases).  The
# same verdicts as with the library preloaded: each table judged once with a
# plain server's messages, Citus's conversions and shards silent, enforce
# rejecting a bad distributed table once.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use CitusCluster;

my ($coord, $worker) = citus_cluster('et', [], '', qw(coordinator worker));
my $plain = plain_node('et_plain', [], '');
$plain->safe_psql('postgres', $TRIGGERS);
$coord->safe_psql('postgres', $TRIGGERS);

sub worker_messages
{
	my ($offset) = @_;
	my $log = slurp_file($worker->logfile, $offset);
	return scalar(() = $log =~ /DETAIL:  Rule /g);
}

my ($ret, $out, $err) = $plain->psql('postgres', "BEGIN; $TABLES COMMIT;");
my @plain_messages = messages_of($err);
is(scalar @plain_messages, 3, 'event triggers, plain server: three violations');

my $offset = -s $worker->logfile;
($ret, $out, $err) = $coord->psql('postgres', "BEGIN; $TABLES $DISTRIBUTE COMMIT;");
is($ret, 0, 'event triggers: the migration with create_distributed_table passes');
is_deeply([ messages_of($err) ], \@plain_messages,
	'event triggers: the plain server\'s messages, each once');
is(worker_messages($offset), 0, 'the worker judged nothing');

# statement by statement, with Citus renaming posts into a shard
($ret, $out, $err) = $plain->psql('postgres', $SEED_TABLES);
@plain_messages = messages_of($err);
($ret, $out, $err) = $coord->psql('postgres', $SEED_TABLES . $SEED_DISTRIBUTE);
is($ret, 0, 'event triggers, autocommit: distributed');
is_deeply([ messages_of($err) ], \@plain_messages,
	'event triggers, autocommit: Citus\'s conversions silent');

# enforce: once, at COMMIT
$offset = -s $worker->logfile;
($ret, $out, $err) = $coord->psql('postgres', $BAD_DISTRIBUTED);
my @errors = $err =~ /ERROR:  (.*)/g;
is(scalar @errors, 1, 'event triggers, enforce: a bad distributed table is rejected once');
like($errors[0] // '', qr/^table "public\.audit_log" has no column "created_at"/,
	'with the plain server\'s message');
is($worker->safe_psql('postgres',
		"$SHOW_SHARDS SELECT count(*) FROM pg_class WHERE relname LIKE 'audit_log%'"),
	'0', 'no shard is left on the worker');
is(worker_messages($offset), 0, 'the worker judged nothing');

# an old table distributed under enforce
($ret, $out, $err) = $coord->psql('postgres', q{
SET pg_conventions.mode = enforce;
SELECT create_distributed_table('tags', 'name');});
is($ret, 0, 'event triggers, enforce: a table with old violations is distributed');

$_->stop for ($coord, $worker, $plain);
done_testing();
