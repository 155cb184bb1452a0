# What the Citus TAP tests share: a node with Citus (and the library, when
# preloaded), a cluster of a coordinator and workers, the guard's messages in
# psql's output, and the seed-style migrations they run on a plain server
# and on the coordinator.
package CitusCluster;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils ();

our @EXPORT = qw(citus_cluster plain_node messages_of log_offsets guard_messages_since $TRIGGERS $TABLES $DISTRIBUTE $SEED_TABLES $SEED_DISTRIBUTE
  $BAD_DISTRIBUTED $SHOW_SHARDS);

my $common = "listen_addresses = '127.0.0.1'\n"
  . "max_prepared_transactions = 100\n"
  . "log_min_messages = warning\n";

# A coordinator and workers, Citus first in shared_preload_libraries,
# $libs after it; the workers added to the coordinator.  Returns the nodes,
# the coordinator first.
sub citus_cluster
{
	my ($prefix, $libs, $conf, @names) = @_;
	my @nodes;
	for my $name (@names)
	{
		my $node = PostgreSQL::Test::Cluster->new("${prefix}_$name");
		$node->init;
		$node->append_conf('postgresql.conf',
			"shared_preload_libraries = '" . join(',', 'citus', @$libs) . "'\n"
			  . "citus.enable_statistics_collection = off\n"
			  . $common . $conf);
		$node->start;
		$node->safe_psql('postgres', 'CREATE EXTENSION citus');
		push @nodes, $node;
	}
	my $coord = $nodes[0];
	$coord->safe_psql('postgres',
		"SELECT citus_set_coordinator_host('127.0.0.1', " . $coord->port . ")");
	$coord->safe_psql('postgres',
		"SELECT citus_add_node('127.0.0.1', " . $_->port . ")")
	  for @nodes[ 1 .. $#nodes ];
	return @nodes;
}

# A server without Citus, for the messages a plain server gives.
sub plain_node
{
	my ($name, $libs, $conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf',
		(@$libs ? "shared_preload_libraries = '" . join(',', @$libs) . "'\n" : '')
		  . $common . $conf);
	$node->start;
	return $node;
}

# The guard's messages in psql's output, sorted.
sub messages_of
{
	my ($stderr) = @_;
	return sort($stderr =~ /(?:WARNING|ERROR):  (.*)\n\s*DETAIL:  Rule /g);
}

# Where each node's log ends now, by node name.
sub log_offsets
{
	return map { ($_->name => -s $_->logfile) } @_;
}

# The guard's messages in a node's log since that offset, sorted.
sub guard_messages_since
{
	my ($node, $offset) = @_;
	my $log = PostgreSQL::Test::Utils::slurp_file($node->logfile, $offset // 0);
	my @m = $log =~ /(?:WARNING|ERROR):  (.*)\n[^\n]*DETAIL:  Rule /g;
	return sort @m;
}

# The guard's event triggers, for a server where the library is not preloaded.
our $TRIGGERS = q{
CREATE EXTENSION pg_conventions;
CREATE EVENT TRIGGER pg_conventions_guard ON ddl_command_end
  EXECUTE FUNCTION conventions.guard_event_trigger();
CREATE EVENT TRIGGER pg_conventions_guard_start ON ddl_command_start
  EXECUTE FUNCTION conventions.guard_event_trigger();
};

# The seed's migration: users a reference table, posts distributed by its
# key, tags a local table; each has something to say.
our $TABLES = q{
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id), title text NOT NULL,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE tags (name text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
};
our $DISTRIBUTE = q{
SELECT create_reference_table('users');
SELECT create_distributed_table('posts', 'id');
};

# The same statement by statement, in a schema of its own: users becomes a
# reference table while a local table references it, so Citus renames posts
# into a shard under a new shell, then rebuilds it to distribute it.
our $SEED_TABLES = q{
CREATE SCHEMA seed;
CREATE TABLE seed.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE seed.posts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES seed.users (id), title text NOT NULL,
  created_at timestamp NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
};
our $SEED_DISTRIBUTE = q{
SELECT create_reference_table('seed.users');
SELECT create_distributed_table('seed.posts', 'id');
};

# A distributed table with two violations, made and distributed in one
# transaction under enforce.
our $BAD_DISTRIBUTED = q{
SET pg_conventions.mode = enforce;
BEGIN;
CREATE TABLE audit_log (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), action text);
SELECT create_distributed_table('audit_log', 'id');
COMMIT;};

# Citus hides shards from a client's queries of pg_class: shown for a check.
our $SHOW_SHARDS = "SET citus.show_shards_for_app_name_prefixes = '*';\n";

1;
