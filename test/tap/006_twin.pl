# The production twin (bin/pg_conventions_twin): a server of ours with
# production's schema and statistics and none of its rows judges, reports
# and plans as production does.
#
# Two servers of the same major: "production", with the guard and
# pg_stat_statements preloaded and large tables (a million rows), and the
# "twin", with the guard, whose databases the shipped command makes.
#  1. the migration corpus (test/squawk/corpus): every migration gets the
#     same verdict and rule on the twin as on production;
#  2. the advisor suggests the same indexes for production's workload;
#  3. EXPLAIN gives the same plans, costs within 1 %;
#  4. violations() and missing_fk_indexes() agree;
#  5. --refresh brings production's new statistics, keeping the schema;
#  6. the command's errors.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The corpus: test/squawk beside this directory (scripts/test.sh and
# scripts/chroot.sh copy it next to their copy of test/tap).
my $squawk = abs_path(dirname(__FILE__) . '/../squawk');
-f "$squawk/schema.sql" && -d "$squawk/corpus"
  or die "no migration corpus in $squawk (copy test/squawk's schema.sql and corpus there)";

my $prod = PostgreSQL::Test::Cluster->new('production');
$prod->init;
$prod->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_conventions, pg_stat_statements'\n"
	  . "autovacuum = off\npg_conventions.capture_sample_rate = 0\n");
$prod->start;
my $twin = PostgreSQL::Test::Cluster->new('twin');
$twin->init;
$twin->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_conventions'\nautovacuum = off\n");
$twin->start;

# make install puts the command in the bindir of the pg_config in PATH
my $bindir = '';
IPC::Run::run([ 'pg_config', '--bindir' ], '>', \$bindir) or die 'pg_config --bindir failed';
chomp $bindir;
my $command = "$bindir/pg_conventions_twin";
ok(-x $command, "pg_conventions_twin is installed in $bindir");

# Runs the command; returns its exit status and what it printed.
sub twin_command
{
	my ($out, $err) = ('', '');
	IPC::Run::run([ $command, @_ ], '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# psql -f FILE (or -c SQL) under PGOPTIONS; returns success and the output,
# stdout and stderr together as a terminal shows them.
sub run_psql
{
	my ($node, $db, $options, @args) = @_;
	local $ENV{PGOPTIONS} = $options;
	my $log = '';
	my $ok = IPC::Run::run(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db), @args ],
		'>&', \$log);
	return ($ok, $log);
}

# ---- 1. the migration corpus ----
# Production's database `corpus` is the corpus' schema.sql with its rows;
# the twin's `twin_template` is made from it by the command (the source
# has no pg_conventions extension: the guard is only preloaded there).
# Each migration runs in a fresh copy of either.
$prod->safe_psql('postgres', 'CREATE DATABASE corpus');
my ($ok, $log) = run_psql($prod, 'corpus', '-c pg_conventions.mode=off -c client_min_messages=warning',
	'-f', "$squawk/schema.sql");
ok($ok, 'production: the corpus schema and its rows') or diag($log);
$twin->safe_psql('postgres', 'CREATE DATABASE twin_template');
my ($rc, $out, $err) = twin_command($prod->connstr('corpus'), $twin->connstr('twin_template'));
is($rc, 0, 'the twin of a database without pg_conventions is made') or diag($err);
like($err, qr/workload: the source has no pg_stat_statements/, 'it says there is no workload to bring');
is( $twin->safe_psql('twin_template',
		q{SELECT relation_name || ':' || reltuples FROM conventions.twin_relations
		   WHERE schema_name = 'app' AND relation_name = 'events'}),
	'events:100000', "the snapshot has production's rows of app.events");
is($twin->safe_psql('twin_template', 'SELECT count(*) FROM app.events'), '0', 'and the twin none');
is( $twin->safe_psql('postgres',
		q{SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s
		    JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = 'twin_template'}),
	'pg_conventions.table_size_source=statistics',
	'the twin database reads sizes from the statistics');

my $table_rules = 'snake_case_names,require_primary_key,primary_key_type,require_timestamps,'
  . 'timestamptz_only,soft_delete_column,foreign_key_type,foreign_key_index,index_naming,'
  . 'redundant_index,low_cardinality_index';
my $guard_opts = '-c search_path=app -c pg_conventions.mode=enforce '
  . "-c pg_conventions.large_table_size=1MB -c pg_conventions.disabled_rules=$table_rules";

# safe, hazard (rule), or error (its first ERROR line), as test/squawk/run.sh says
sub verdict
{
	my ($ok, $log) = @_;
	return 'safe' if $ok;
	return "hazard ($1)" if $log =~ /^DETAIL:  Rule ([a-z_]+):/m;
	return 'error (' . ($log =~ /^(.*ERROR.*)$/m ? $1 : 'no ERROR line') . ')';
}

sub judge
{
	my ($node, $template, $options, $file) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE migration TEMPLATE $template");
	my ($ok, $log) = run_psql($node, 'migration', $options, '-f', $file);
	$node->safe_psql('postgres', 'DROP DATABASE migration');
	return (verdict($ok, $log), $log);
}

my (@unexpected, @reworded);
my $snapshot_said = 0;
for my $file (sort glob("$squawk/corpus/*.sql"))
{
	my ($name) = $file =~ m{([^/]+)\.sql$};
	my ($expected) = slurp_file($file) =~ /^-- expected: (\w+)/m;
	my ($on_prod, $prod_log) = judge($prod, 'corpus', $guard_opts, $file);
	my ($on_twin, $twin_log) = judge($twin, 'twin_template',
		"$guard_opts -c pg_conventions.table_size_source=statistics", $file);
	push @unexpected, "$name: $on_prod, expected $expected" if $on_prod !~ /^\Q$expected\E/;
	# a migration that only rows show will fail says so (-- twin: ...): a twin has none
	my ($on_twin_expected, $why) = slurp_file($file) =~ /^-- twin: (\w+) \((.*)\)$/m;
	if (defined $on_twin_expected)
	{
		is($on_twin, $on_twin_expected, "$name: on the twin, $on_twin_expected: $why")
		  or diag("the twin said:\n$twin_log");
		next;
	}
	is($on_twin, $on_prod, "$name: the twin's verdict is production's: $on_prod")
	  or diag("production said:\n$prod_log\nthe twin said:\n$twin_log");
	$snapshot_said++ if $twin_log =~ /by the statistics snapshot/;
	(my $twin_words = $twin_log) =~ s/, by the statistics snapshot//g;
	# will_fail's evidence is the rows on production, the snapshot on the twin
	my $prod_words = $prod_log;
	if ($on_twin eq 'hazard (will_fail)')
	{
		like($twin_log, qr/^DETAIL:  Rule will_fail: production's statistics snapshot \(taken /m,
			"$name: on the twin, will_fail's evidence is production's statistics");
		s/^DETAIL:  Rule will_fail: .*$//m for $twin_words, $prod_words;
	}
	push @reworded, $name if $twin_words ne $prod_words;
}
is(join("\n", @unexpected), '', 'production judges the corpus as test/squawk expects');
ok($snapshot_said > 0, "the twin's DETAILs say the sizes are the statistics snapshot's ($snapshot_said migrations)");
is(join(', ', @reworded), '', "and are production's word for word, sizes and HINTs included");
# The control: the same twin measuring its empty files lets the index build pass.
my ($by_file) = judge($twin, 'twin_template', "$guard_opts -c pg_conventions.table_size_source=file",
	"$squawk/corpus/01_create_index.sql");
is($by_file, 'safe', 'control: with table_size_source = file the twin judges its empty table');

# ---- production's shop: a million orders, a workload ----
$prod->safe_psql('postgres', 'CREATE DATABASE shop');
# The orders numbered $_[0] to $_[1], each customer's spread over the table.
sub orders_from
{
	return "INSERT INTO orders
SELECT g, (g::bigint * 7919) % 100000 + 1, CASE WHEN g % 10 = 0 THEN 'open' ELSE 'paid' END,
       (g % 1000) / 10.0, timestamptz '2024-01-01 00:00:00+00' + g * interval '30 seconds'
  FROM generate_series($_[0], $_[1]) g";
}
$prod->safe_psql('shop', q{
SET pg_conventions.mode = off;
CREATE EXTENSION pg_conventions;
CREATE EXTENSION pg_stat_statements;
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, country text NOT NULL,
                        created_at timestamptz NOT NULL);
INSERT INTO customers
SELECT g, 'c' || g || '@example.com', (ARRAY['de', 'fr', 'us', 'uk', 'jp'])[g % 5 + 1],
       timestamptz '2020-01-01 00:00:00+00' + g * interval '10 minutes'
  FROM generate_series(1, 100000) g;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
                     amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
} . orders_from(1, 1000000) . q{;
ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers;
CREATE INDEX idx_orders_status ON orders (status);
SELECT conventions.exempt('customers', 'require_timestamps', 'the CRM owns it');
VACUUM ANALYZE customers, orders;
});
is($prod->safe_psql('shop', 'SELECT count(*) FROM orders'), '1000000', 'production: a million orders');

# The workload, as an application sends it: constants inline.
my @workload = (
	sub { "SELECT id, amount FROM orders WHERE customer_id = $_[0]" },
	sub {
		my $d = sprintf('2024-%02d-%02d', 1 + $_[0] % 9, 1 + $_[0] % 27);
		"SELECT count(*), sum(amount) FROM orders WHERE created_at >= '$d 00:00+00' AND created_at < '$d 12:00+00'";
	},
	sub {
		"SELECT c.email, o.id, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id "
		  . "WHERE c.email = 'c$_[0]\@example.com'";
	},
	sub { "SELECT id, email FROM customers WHERE country = 'jp' ORDER BY created_at DESC LIMIT 20" },
);
$prod->safe_psql('shop', 'SELECT pg_stat_statements_reset(); SELECT conventions.workload_reset()');
$prod->safe_psql('shop', join('', map { my $i = $_; map { $_->($i * 37 + 5) . ";\n" } @workload } 1 .. 5));

$twin->safe_psql('postgres', 'CREATE DATABASE shop');
($rc, $out, $err) = twin_command($prod->connstr('shop'), $twin->connstr('shop'));
is($rc, 0, 'the twin of the shop is made') or diag($err);
like($err, qr/conventions: 1 exemptions, 0 baseline rows/, "production's exemption came along");
is($twin->safe_psql('shop', 'SELECT count(*) FROM orders'), '0', 'the twin has no orders');
# production's column statistics: pg_dump's on 18 and later, the snapshot's before
my $major = int($twin->safe_psql('postgres', 'SHOW server_version_num') / 10000);
like($err, $major >= 18 ? qr/statistics: \S*pg_dump --statistics-only/ : qr/, [1-9]\d* columns written to pg_statistic/,
	$major >= 18 ? 'the column statistics came by pg_dump --statistics-only'
	: 'the column statistics came by the snapshot, written to pg_statistic');
my $column_stats = q{SELECT tablename, attname, null_frac, avg_width, n_distinct, most_common_vals,
                            most_common_freqs, histogram_bounds, correlation
                       FROM pg_stats WHERE schemaname = 'public' ORDER BY 1, 2};
is($twin->safe_psql('shop', $column_stats), $prod->safe_psql('shop', $column_stats),
	"the twin's pg_stats are production's, column by column");

# ---- 2. the advisor ----
# Production's capture samples nothing here (capture_sample_rate = 0, as the
# default 0.01 mostly does): its advisor reads pg_stat_statements, and the
# twin its copy of it.  Tables only: production's pg_stat_statements also
# has the queries the command ran there after taking the copy, on catalogs.
my $suggestions = q{SELECT table_name, kind, index_columns, predicate FROM conventions.suggest_indexes()
                     WHERE table_name::oid >= 16384 ORDER BY 1, 2, 3, 4};
my $prod_suggestions = $prod->safe_psql('shop', $suggestions);
isnt($prod_suggestions, '', "production: suggest_indexes() has suggestions for its workload");
is($twin->safe_psql('shop', $suggestions), $prod_suggestions,
	"the twin suggests the same indexes for production's workload");
diag("suggestions:\n$prod_suggestions");

# ---- 3. EXPLAIN ----
# The plan's shape (node types, relations, indexes) and its total cost.
sub plan_of
{
	my ($node, $db, $query) = @_;
	my $plan = decode_json($node->safe_psql($db, "EXPLAIN (FORMAT JSON) $query"))->[0]{Plan};
	my @shape;
	my $walk;
	$walk = sub {
		my ($n) = @_;
		push @shape, join(' ', grep { defined } $n->{'Node Type'}, $n->{'Relation Name'}, $n->{'Index Name'});
		$walk->($_) for @{ $n->{Plans} || [] };
	};
	$walk->($plan);
	return (join(' > ', @shape), $plan->{'Total Cost'}, $plan->{'Plan Rows'});
}

my $max_difference = 0;
sub compare_plans
{
	my ($when, @queries) = @_;
	for my $query (@queries)
	{
		my ($prod_shape, $prod_cost) = plan_of($prod, 'shop', $query);
		my ($twin_shape, $twin_cost) = plan_of($twin, 'shop', $query);
		my $difference = abs($twin_cost - $prod_cost) / $prod_cost * 100;
		$max_difference = $difference if $difference > $max_difference;
		is($twin_shape, $prod_shape, "$when: the same plan: $prod_shape");
		ok($difference <= 1, sprintf('%s: cost %.2f on the twin, %.2f on production (%.3f %%)',
				$when, $twin_cost, $prod_cost, $difference));
	}
}
# The workload's queries, and the indexes' plans: a B-tree's descent (its
# height is estimated on the twin), an index-only scan (production's
# all-visible pages), a nested loop over a primary key.  Not a range whose
# constant falls in the first or last bucket of an indexed column's
# histogram (o.id < 50, the newest rows): there production's planner reads
# the index's actual end (get_actual_variable_range), which the twin's empty
# index does not have, so the twin keeps the histogram's sampled end and
# clamps the estimate to a hundredth of a bucket (100 rows of 1,000,000
# where production says 50): a limit of any twin without rows.
my @explained = ((map { $_->(4242) } @workload),
	q{SELECT * FROM orders WHERE status = 'open'},
	q{SELECT * FROM orders WHERE id = 123456},
	q{SELECT * FROM orders WHERE id BETWEEN 400000 AND 400200},
	q{SELECT count(id) FROM orders WHERE id < 300000},
	q{SELECT o.amount, c.email FROM orders o JOIN customers c ON c.id = o.customer_id
	   WHERE o.id BETWEEN 500000 AND 500040},
	q{SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.country = 'de'});
compare_plans('EXPLAIN', @explained);

# ---- 4. the reports ----
my $violations = q{SELECT rule, severity, table_name, object, message, detail, fix_sql, exempted,
                          exemption_reason FROM conventions.violations() ORDER BY 1, 3, 4};
my $prod_violations = $prod->safe_psql('shop', $violations);
like($prod_violations, qr/require_timestamps\|.*\|customers\|.*\|t\|the CRM owns it/,
	"production's violations() has the exempted table");
is($twin->safe_psql('shop', $violations), $prod_violations, 'violations() is the same on the twin');
my $missing = q{SELECT table_name, constraint_name, fk_columns, referenced_table, table_rows, table_size,
                       referenced_updates, referenced_deletes, fix_sql, note
                  FROM conventions.missing_fk_indexes() ORDER BY 1, 2};
my $prod_missing = $prod->safe_psql('shop', $missing);
like($prod_missing, qr/^orders\|orders_customer_id_fkey\|\{customer_id\}\|customers\|1000000\|/,
	"production's missing_fk_indexes() has orders' million rows");
is($twin->safe_psql('shop', $missing), $prod_missing, 'missing_fk_indexes() is the same on the twin');

# ---- 5. --refresh ----
# Production grows by half and is analyzed again; the twin, refreshed,
# follows, keeping its schema and what was made there.
my $orders_oid = $twin->safe_psql('shop', q{SELECT 'orders'::regclass::oid});
$twin->safe_psql('shop', q{SET pg_conventions.mode = off; CREATE TABLE rehearsal (a int)});
# On 18 and later (statistics by pg_dump) the five countries also become
# distinct: their most common values go, which the twin's statistics must
# lose too (pg_restore_attribute_stats() alone keeps what it is not given).
# The update's counters, flushed at once, are reset: not what is compared.
my $distinct_countries = $major < 18 ? '' : q{
UPDATE customers SET country = 'country ' || id;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_reset_single_table_counters('customers'::regclass);};
$prod->safe_psql('shop', q{
SET pg_conventions.mode = off;
SET session_replication_role = replica;  -- the rows' customers exist: no check per row
} . orders_from(1000001, 1500000) . q{;
RESET session_replication_role;
} . $distinct_countries . q{
VACUUM ANALYZE customers, orders;
SELECT id FROM orders WHERE amount > 99.85 ORDER BY id LIMIT 1;
});
($rc, $out, $err) = twin_command('--refresh', $prod->connstr('shop'), $twin->connstr('shop'));
is($rc, 0, '--refresh succeeds') or diag($err);
is( $twin->safe_psql('shop',
		q{SELECT reltuples FROM conventions.twin_relations WHERE relation_name = 'orders'}),
	$prod->safe_psql('shop', q{SELECT reltuples FROM pg_class WHERE relname = 'orders'}),
	"the twin's snapshot has production's new row count");
is($twin->safe_psql('shop', q{SELECT 'orders'::regclass::oid || ',' || to_regclass('rehearsal')}),
	"$orders_oid,rehearsal", 'the schema was kept: the same table, and the twin\'s own');
is( $twin->safe_psql('shop',
		q{SELECT count(*) FROM conventions.twin_statements WHERE query LIKE '%amount > $1%'}),
	'1', "production's new statement is in the twin's workload");
my ($prod_shape, $prod_cost, $prod_rows) = plan_of($prod, 'shop', 'SELECT * FROM orders');
my (undef, undef, $twin_rows) = plan_of($twin, 'shop', 'SELECT * FROM orders');
is($twin_rows, $prod_rows, "the twin's planner counts production's $prod_rows orders");
compare_plans('after --refresh', @explained);
$prod_missing = $prod->safe_psql('shop', $missing);
like($prod_missing, qr/\|customers\|1500000\|/, "production's missing_fk_indexes() counts 1,500,000 orders");
is($twin->safe_psql('shop', $missing), $prod_missing, 'and so does the twin\'s');
is($twin->safe_psql('shop', $column_stats), $prod->safe_psql('shop', $column_stats),
	"after --refresh: the twin's pg_stats are production's new ones");
diag(sprintf('EXPLAIN: the largest difference in cost is %.4f %%', $max_difference));

# ---- 6. errors ----
my $unreachable = 'host=' . $prod->host . ' port=1 dbname=shop';
($rc, $out, $err) = twin_command($unreachable, $twin->connstr('shop'));
is($rc, 1, 'an unreachable source: exit status 1');
like($err, qr/^pg_conventions_twin: error: cannot connect to the source: \S/, 'and it says so, and why');
($rc, $out, $err) = twin_command($prod->connstr('shop'), $unreachable);
like($err, qr/^pg_conventions_twin: error: cannot connect to the target/, 'an unreachable target too');
is($rc, 1, 'exit status 1');
($rc, $out, $err) = twin_command($prod->connstr('shop'), $twin->connstr('shop'));
is($rc, 1, 'a target with tables, without --refresh: exit status 1');
like($err, qr/error: the target database already has tables: pass --refresh/, 'it says to pass --refresh');
$twin->safe_psql('postgres', 'CREATE DATABASE empty');
($rc, $out, $err) = twin_command('--refresh', $prod->connstr('shop'), $twin->connstr('empty'));
is($rc, 1, '--refresh of an empty database: exit status 1');
like($err, qr/error: --refresh: the target has no tables/, 'it says to make the twin first');
($rc, $out, $err) = twin_command('--help');
is($rc, 0, '--help: exit status 0');
like($out, qr/^Usage:\n  pg_conventions_twin \[OPTION\]\.\.\. SOURCE TARGET/m, 'it shows the usage');
($rc, $out, $err) = twin_command('--no-such-option');
is($rc, 1, 'an unknown option: exit status 1');

done_testing();
