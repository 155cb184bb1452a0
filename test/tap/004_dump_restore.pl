# Exemptions live in an extension configuration table: pg_dump keeps them,
# and a restore in one transaction under enforce is judged at its commit,
# with the restored exemptions in force.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_conventions'\npg_conventions.mode = enforce\n");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
CREATE EXTENSION pg_conventions;
SET pg_conventions.mode = off;
CREATE TABLE legacy (a int);
CREATE TABLE "Vendor Table" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
SELECT conventions.exempt('legacy', '*', 'predates the conventions');
SELECT conventions.exempt('"Vendor Table"', 'snake_case_names', 'the vendor''s name');
});
is($node->safe_psql('src', 'SELECT count(*) FROM conventions.violations() WHERE NOT exempted'),
	'0', 'the source database has only exempted violations');

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ], 'pg_dump');

# without the exemptions restored first, a table-by-table restore is refused
$node->safe_psql('postgres', 'CREATE DATABASE dst_plain');
my ($ret, $out, $err) = ('', '', '');
$ret = $node->command_fails([ 'pg_restore', '-d', $node->connstr('dst_plain'), $dump ],
	'a plain restore under enforce fails: each CREATE TABLE is judged at once');

# in one transaction, the state at commit is judged, exemptions included
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '--single-transaction', '-d', $node->connstr('dst'), $dump ],
	'pg_restore --single-transaction under enforce succeeds');
is($node->safe_psql('dst', 'SELECT table_name, rule, reason FROM conventions.exemptions ORDER BY 1, 2'),
	qq{"Vendor Table"|snake_case_names|the vendor's name\nlegacy|*|predates the conventions},
	'the exemptions came back, still naming their tables');
is($node->safe_psql('dst', 'SELECT count(*) FROM conventions.violations() WHERE NOT exempted'),
	'0', 'and still exempt them');
is($node->safe_psql('dst', "SELECT count(*) FROM conventions.violations() WHERE exempted"),
	$node->safe_psql('src', "SELECT count(*) FROM conventions.violations() WHERE exempted"),
	'the same violations are exempted');

$node->stop;
done_testing();
