# With pg_conventions.mode = off, the guard changes nothing: the same DDL
# script gives output identical to a server without the extension, with the
# library preloaded, and with the event triggers installed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $script = <<'SQL';
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text,
  created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now());
CREATE TABLE posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users,
  created_at timestamp, title text);
CREATE TABLE nopk (a int);
CREATE TABLE nopk (a int);
BEGIN;
CREATE TABLE comments (post_id uuid REFERENCES posts, body text);
SAVEPOINT s;
ALTER TABLE comments ADD COLUMN x int;
ROLLBACK TO SAVEPOINT s;
CREATE INDEX ON comments (post_id);
COMMIT;
CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);
DROP INDEX CONCURRENTLY idx_posts_user_id;
CREATE INDEX idx_posts_user_id ON posts (user_id);
DROP INDEX idx_posts_user_id;
DO $$ BEGIN CREATE TABLE from_do (b int); END $$;
ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey;
ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE;
CREATE TABLE parted (id int, region text) PARTITION BY LIST (region);
CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu');
SELECT 1/0;
SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY 1;
DROP TABLE comments, posts, users, nopk, from_do, parted;
SQL

# The README's event-trigger installation.
my $install_event_triggers = q{
CREATE EXTENSION pg_conventions;
CREATE EVENT TRIGGER pg_conventions_guard ON ddl_command_end
  EXECUTE FUNCTION conventions.guard_event_trigger();
CREATE EVENT TRIGGER pg_conventions_guard_start ON ddl_command_start
  EXECUTE FUNCTION conventions.guard_event_trigger();
};

sub run_script
{
	my ($node) = @_;
	my ($out, $err) = ('', '');
	$node->psql('postgres', $script,
		stdout => \$out, stderr => \$err,
		on_error_stop => 0, extra_params => [ '-a' ]);
	return "$out\n---- stderr ----\n$err";
}

my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
my $expected = run_script($plain);
like($expected, qr/division by zero/, 'the script ran on the plain server');

my $guarded = PostgreSQL::Test::Cluster->new('guarded');
$guarded->init;
$guarded->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_conventions'\npg_conventions.mode = off\n");
$guarded->start;
is(run_script($guarded), $expected, 'preloaded, mode = off: identical output');

$guarded->safe_psql('postgres', $install_event_triggers);
is(run_script($guarded), $expected, 'preloaded with the event triggers, mode = off: identical output');

# event triggers only, no preload
my $et = PostgreSQL::Test::Cluster->new('et');
$et->init;
$et->append_conf('postgresql.conf', "pg_conventions.mode = off\n");
$et->start;
$et->safe_psql('postgres', $install_event_triggers);
is(run_script($et), $expected, 'event triggers only, mode = off: identical output');

# and the same script is not silent when the guard is on (the test can fail)
$et->safe_psql('postgres', 'ALTER SYSTEM SET pg_conventions.mode = warn; SELECT pg_reload_conf();');
isnt(run_script($et), $expected, 'with mode = warn the output differs');

$_->stop for ($plain, $guarded, $et);
done_testing();
