# The guard through shared_preload_libraries: active in every database of the
# cluster, whether or not CREATE EXTENSION ran there, configured per
# database, and still in place after a restart.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('preload');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_conventions'\nrestart_after_crash = on\n"
	  . "max_prepared_transactions = 2\n");
$node->start;

my ($ret, $out, $err) = $node->psql('postgres', 'CREATE TABLE t1 (a int);');
is($ret, 0, 'warn (the default): the statement succeeds');
like($err, qr/WARNING:  table "public\.t1" has no primary key/,
	'warn: reported in a database without CREATE EXTENSION');
like($err, qr/HINT:  ALTER TABLE public\.t1 ADD COLUMN id uuid/, 'warn: with the fix');

$node->safe_psql('postgres', 'CREATE DATABASE strict_db');
$node->safe_psql('postgres', 'ALTER DATABASE strict_db SET pg_conventions.mode = enforce');
($ret, $out, $err) = $node->psql('strict_db', 'CREATE TABLE t2 (a int);');
isnt($ret, 0, 'enforce per database: rejected');
like($err, qr/ERROR:  table "public\.t2" has no primary key/, 'enforce: the message');
is($node->safe_psql('strict_db', "SELECT to_regclass('public.t2') IS NULL"), 't',
	'enforce: the table does not exist');

($ret, $out, $err) = $node->psql('postgres', 'CREATE TABLE t3 (a int);');
is($ret, 0, 'another database keeps its own mode');

# A conforming migration in one transaction passes under enforce.
($ret, $out, $err) = $node->psql('strict_db', q{
BEGIN;
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE INDEX idx_posts_user_id ON posts (user_id);
COMMIT;});
is($ret, 0, 'a conforming migration passes');
is($err, '', 'and says nothing');

# PREPARE TRANSACTION is judged like COMMIT.
($ret, $out, $err) = $node->psql('strict_db',
	"BEGIN; CREATE TABLE prepared_t (a int); PREPARE TRANSACTION 'p1';");
like($err, qr/ERROR:  table "public\.prepared_t" has no primary key/,
	'PREPARE TRANSACTION is judged');
is($node->safe_psql('strict_db', 'SELECT count(*) FROM pg_prepared_xacts'), '0',
	'and nothing was prepared');

$node->restart;
($ret, $out, $err) = $node->psql('strict_db', 'CREATE TABLE t4 (a int);');
isnt($ret, 0, 'after a restart the guard is still there');
like($err, qr/ERROR:  table "public\.t4" has no primary key/, 'after restart: the message');

# A backend that dies in the middle of a migration takes its state with it;
# the server restarts all connections, and the guard is there afterwards.
my ($stdin, $stdout, $stderr) = ('', '', '');
my $timer = IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default);
my $h = IPC::Run::start(
	[ 'psql', '-X', '-A', '-t', '-d', $node->connstr('strict_db') ],
	'<' => \$stdin, '>' => \$stdout, '2>' => \$stderr, $timer);
$stdin .= "BEGIN;\nCREATE TABLE doomed (a int);\nSELECT pg_backend_pid();\n";
$h->pump until $stdout =~ /^\d+$/m || $timer->is_expired;
my ($pid) = $stdout =~ /^(\d+)$/m;
ok($pid, 'a migration is in flight');
kill 'KILL', $pid;
$stdin .= "\\q\n";
eval { $h->finish; };
$node->poll_query_until('strict_db', 'SELECT 1', '1')
  or die 'the server did not come back';
($ret, $out, $err) = $node->psql('strict_db', 'CREATE TABLE t5 (a int);');
like($err, qr/ERROR:  table "public\.t5" has no primary key/,
	'after a backend crash and the server restart, the guard works');
is($node->safe_psql('strict_db', "SELECT to_regclass('public.doomed') IS NULL"), 't',
	'the crashed migration left nothing');

$node->stop;
done_testing();
