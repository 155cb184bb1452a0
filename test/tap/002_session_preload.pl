# The guard through ALTER ROLE ... SET session_preload_libraries, and the ways
# a non-superuser might try to turn it off.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('session');
$node->init;
# enforce comes from the server's configuration, as an operator would set it
$node->append_conf('postgresql.conf', "pg_conventions.mode = enforce\n");
$node->start;

$node->safe_psql('postgres', q{
CREATE ROLE app LOGIN;
CREATE ROLE other LOGIN;
GRANT CREATE ON SCHEMA public TO app, other;
ALTER ROLE app SET session_preload_libraries = 'pg_conventions';
});

my ($ret, $out, $err) = $node->psql('postgres', 'CREATE TABLE app_t (a int);',
	extra_params => [ '-U', 'app' ]);
isnt($ret, 0, 'the role with session_preload_libraries is guarded');
like($err, qr/ERROR:  table "public\.app_t" has no primary key/, 'with the message');

($ret, $out, $err) = $node->psql('postgres', 'CREATE TABLE other_t (a int);',
	extra_params => [ '-U', 'other' ]);
is($ret, 0, 'a role without it is not');
is($err, '', 'and is told nothing');

($ret, $out, $err) = $node->psql('postgres', 'SET pg_conventions.mode = off;',
	extra_params => [ '-U', 'app' ]);
like($err, qr/permission denied to set parameter "pg_conventions\.mode"/,
	'SET by a non-superuser is refused');

($ret, $out, $err) = $node->psql('postgres', 'ALTER ROLE app SET pg_conventions.mode = off;',
	extra_params => [ '-U', 'app' ]);
like($err, qr/permission denied to set parameter "pg_conventions\.mode"/,
	'ALTER ROLE SET by the role itself is refused');

{
	# At connection time the setting is still a placeholder.  Accepting a
	# non-superuser's value there would drop the configured enforce, so the
	# connection is refused, as it is with shared_preload_libraries.
	local $ENV{PGOPTIONS} = '-c pg_conventions.mode=off';
	($ret, $out, $err) = $node->psql('postgres', 'CREATE TABLE app_t2 (a int);',
		extra_params => [ '-U', 'app' ]);
	isnt($ret, 0, 'a connection option from a non-superuser: connection refused');
	like($err, qr/FATAL:  permission denied to set parameter "pg_conventions\.mode"/,
		'with the reason');
	local $ENV{PGOPTIONS} = '--pg_conventions.mode=warn';
	($ret, $out, $err) = $node->psql('postgres', 'SELECT 1', extra_params => [ '-U', 'app' ]);
	like($err, qr/FATAL:  permission denied to set parameter "pg_conventions\.mode"/,
		'the --name=value form too');
	local $ENV{PGOPTIONS} = '-c application_name=pg_conventions.mode';
	($ret, $out, $err) = $node->psql('postgres', 'SHOW pg_conventions.mode',
		extra_params => [ '-U', 'app' ]);
	is($out, 'enforce', 'other options are left alone, and the configured mode holds');
	local $ENV{PGOPTIONS} = '-c pg_conventions.mode=warn';
	($ret, $out, $err) = $node->psql('postgres', 'SHOW pg_conventions.mode');
	is($out, 'warn', 'a superuser may set it as a connection option');
}

# A superuser may turn it off, for the session only.
($ret, $out, $err) = $node->psql('postgres',
	"SET pg_conventions.mode = off; CREATE TABLE su_t (a int);");
is($ret, 0, 'a superuser may set the mode to off');

$node->stop;
done_testing();
