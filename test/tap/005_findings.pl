# The findings log (conventions.findings()): what the guard said in every
# session and role, kept where any client reads it back; bounded by
# pg_conventions.findings_max, the oldest dropped first; emptied by a
# restart, and by a crash, without taking the server down; and what the
# event-trigger path keeps without the library preloaded: nothing.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('findings');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_conventions'\npg_conventions.findings_max = 10\n"
	  . "restart_after_crash = on\n");
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION pg_conventions;
CREATE ROLE app LOGIN;
CREATE ROLE migrator LOGIN;
GRANT CREATE ON SCHEMA public TO app, migrator;
GRANT USAGE ON SCHEMA conventions TO app, migrator;
CREATE DATABASE other;
ALTER ROLE migrator SET pg_conventions.mode = enforce;
});

# Two roles, two sessions, two databases; clients that drop every WARNING.
my ($ret, $out, $err) = $node->psql('postgres',
	"SET client_min_messages = error; SET application_name = 'sequelize-cli'; CREATE TABLE app_t (a int);",
	extra_params => [ '-U', 'app' ]);
is($ret, 0, 'warn: the statement passes');
is($err, '', 'and the client heard nothing');
$node->psql('postgres', 'CREATE TABLE mig_t (id uuid PRIMARY KEY DEFAULT gen_random_uuid());',
	extra_params => [ '-U', 'migrator' ]);
$node->psql('other', 'CREATE TABLE other_t (a int);');

my $rows = $node->safe_psql('postgres', q{
SELECT database, role, coalesce(application_name, '-'), rule, verdict
  FROM conventions.findings() ORDER BY "time", rule});
is( $rows, join("\n",
		'postgres|app|sequelize-cli|require_primary_key|warning',
		'postgres|app|sequelize-cli|require_timestamps|warning',
		'postgres|app|sequelize-cli|require_timestamps|warning',
		'postgres|migrator|005_findings.pl|require_timestamps|error',
		'postgres|migrator|005_findings.pl|require_timestamps|error',
		'other|postgres|005_findings.pl|require_primary_key|warning',
		'other|postgres|005_findings.pl|require_timestamps|warning',
		'other|postgres|005_findings.pl|require_timestamps|warning'),
	'every session\'s verdicts, of every role and database, an ERROR\'s too');

# A role sees the texts of its own findings only.
$rows = $node->safe_psql('postgres', q{
SELECT role, message IS NOT NULL, statement FROM conventions.findings()
 WHERE rule = 'require_primary_key' ORDER BY database DESC},
	extra_params => [ '-U', 'app' ]);
is( $rows, join("\n",
		'app|t|CREATE TABLE app_t (a int)',
		'postgres|f|<insufficient privilege>'),
	'another role\'s statement is hidden, its own is shown');
($ret, $out, $err) = $node->psql('postgres', 'SELECT conventions.findings_reset()',
	extra_params => [ '-U', 'app' ]);
like($err, qr/permission denied for function findings_reset/, 'reset is the superuser\'s');

# The bound: ten kept, the newest.
$node->safe_psql('postgres', q{
SET client_min_messages = error;
SELECT conventions.findings_reset();
DO $$ BEGIN
  FOR i IN 1..25 LOOP EXECUTE format('CREATE TABLE "Bound%s" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now())', i); END LOOP;
END $$;
CREATE TABLE "Last" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM conventions.findings()'), '10',
	'findings_max = 10 keeps ten');
is($node->safe_psql('postgres', q{SELECT object LIKE '%public.Last' FROM conventions.findings() LIMIT 1}),
	't', 'the most recent first');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM conventions.findings() WHERE object IN ('public.Bound1', 'Bound1_pkey on public.Bound1')}),
	'0', 'the oldest were dropped');

# Concurrent writers: the log stays consistent.
my @writers;
for my $i (1 .. 4)
{
	my $sql = join('', map { "CREATE TABLE \"C${i}_$_\" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());\n" } 1 .. 30);
	push @writers, IPC::Run::start(
		[ 'psql', '-X', '-q', '-d', $node->connstr('postgres'), '-c', 'SET client_min_messages = error', '-c', $sql ],
		'>' => \my $o, '2>' => \my $e);
}
$_->finish for @writers;
is( $node->safe_psql('postgres',
		q{SELECT count(*), count(DISTINCT "time"::text || pid || object) FROM conventions.findings()}),
	'10|10', 'four writers at once: ten whole findings');

# A restart empties the log (shared memory); the server is up.
$node->restart;
is($node->safe_psql('postgres', 'SELECT count(*) FROM conventions.findings()'), '0',
	'after a restart the log is empty');
$node->psql('postgres', 'CREATE TABLE after_restart (a int);');
is($node->safe_psql('postgres', q{SELECT object FROM conventions.findings() WHERE rule = 'require_primary_key'}),
	'public.after_restart', 'and it keeps what comes next');

# A backend crash: the postmaster restarts every connection, the log with it.
my ($stdin, $stdout, $stderr) = ('', '', '');
my $timer = IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default);
my $h = IPC::Run::start(
	[ 'psql', '-X', '-A', '-t', '-d', $node->connstr('postgres') ],
	'<' => \$stdin, '>' => \$stdout, '2>' => \$stderr, $timer);
$stdin .= "CREATE TABLE before_crash (a int);\nSELECT pg_backend_pid();\n";
$h->pump until $stdout =~ /^\d+$/m || $timer->is_expired;
my ($victim) = $stdout =~ /^(\d+)$/m;
ok($victim, 'a session that gave findings is connected');
kill 'KILL', $victim;
$stdin .= "\\q\n";
eval { $h->finish; };
$node->poll_query_until('postgres', 'SELECT 1', '1') or die 'the server did not come back';
is($node->safe_psql('postgres', 'SELECT count(*) >= 0 FROM conventions.findings()'), 't',
	'after a backend crash the log is readable again');

$node->stop;

# The event-trigger path, without the library preloaded: verdicts reach the
# client and the server log, and findings() says why it has none.
my $et = PostgreSQL::Test::Cluster->new('event_trigger');
$et->init;
$et->start;
$et->safe_psql('postgres', q{
CREATE EXTENSION pg_conventions;
CREATE EVENT TRIGGER pg_conventions_guard ON ddl_command_end
  EXECUTE FUNCTION conventions.guard_event_trigger();
CREATE EVENT TRIGGER pg_conventions_guard_start ON ddl_command_start
  EXECUTE FUNCTION conventions.guard_event_trigger();
});
($ret, $out, $err) = $et->psql('postgres', 'CREATE TABLE et_t (a int);');
like($err, qr/WARNING:  table "public\.et_t" has no primary key/,
	'event trigger: the verdict reaches the client');
($ret, $out, $err) = $et->psql('postgres', 'SELECT * FROM conventions.findings()');
like($err, qr/ERROR:  the findings log is not available/, 'event trigger: findings() says it has no log');
like($err, qr/DETAIL:  pg_conventions is not in shared_preload_libraries/, 'and why');
like($err, qr/HINT:  Add pg_conventions to shared_preload_libraries/, 'and what to do');
($ret, $out, $err) = $et->psql('postgres', 'SELECT conventions.ci_junit()');
like($err, qr/the findings log is not available/, 'the CI report needs the log too');
$et->stop;

done_testing();
