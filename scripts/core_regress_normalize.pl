#!/usr/bin/perl
# Part of scripts/core_regress.sh: removes the guard's own messages from the
# psql output files of the core regression run with pg_conventions preloaded,
# so that what is left can be compared with the run without it.
#
# Usage: core_regress_normalize.pl POSTMASTER_LOG IN_DIR OUT_DIR
#
# A guard message, as psql prints it, is
#     WARNING:  <message>
#     DETAIL:  Rule <rule_id>: <text>    (or, for a table's old debt in one
#                                          line: "Old debt, not repeated here: ...")
#     HINT:  <fix SQL>
#     <advice>                      (only some rules: the HINT's second line)
# A HINT's extra lines cannot be told apart from psql output by their look,
# so the exact text of every guard message is taken from the server's log
# (the log has the same text; a message's extra lines there start with a tab,
# every other line with the log_line_prefix that pg_regress sets,
# '%m %b[%p] %q%a ').  In the results, a WARNING line starts a guard message
# only if the log has a WARNING with that text whose DETAIL is
# "Rule <snake_case_id>: ..." (or the old-debt summary's), and only the lines that are exactly that
# message are removed, in any form psql prints it:
#   default verbosity     WARNING, DETAIL, HINT (+ extra lines)
#   \set SHOW_CONTEXT always   ... + CONTEXT (+ extra lines)
#   \set VERBOSITY verbose     "WARNING:  <SQLSTATE>: ..." ... + LOCATION line
#   \set VERBOSITY terse       the WARNING line alone
# Anything else is left alone, so a guard message that differs from what the
# server logged, or a line the guard changed, still shows up in the diff.
#
# Prints one line per file: "<file> <number of guard messages removed>".
use strict;
use warnings;

my ($log, $in_dir, $out_dir) = @ARGV;
die "usage: $0 POSTMASTER_LOG IN_DIR OUT_DIR\n" unless defined $out_dir;

# --- 1. every guard message in the log ------------------------------------
# %guard: WARNING line as psql prints it -> list of messages (array refs of
# the lines psql would print with SHOW_CONTEXT always).
my %guard;
my $prefix = qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ .*?\[(\d+)\] /;
# A guard message's DETAIL: a rule's, or the one-line summary of a table's
# old debt (SQLSTATE PC000).
my $guard_detail = qr/^DETAIL:  (?:Rule [a-z][a-z0-9_]*: |Old debt, not repeated here: )/;
my $levels = qr/WARNING|DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT|ERROR|LOG|NOTICE|INFO|FATAL|PANIC|DEBUG[1-5]?/;
my @msg;          # message being read: its lines in psql's form
my $msg_pid;

sub finish_message {
    if (@msg >= 2 && $msg[1] =~ $guard_detail) {
        my $key = $msg[0];
        my $text = join("\n", @msg);
        push @{ $guard{$key} }, [@msg]
          unless grep { join("\n", @$_) eq $text } @{ $guard{$key} || [] };
    }
    @msg = ();
    $msg_pid = undef;
}

open(my $lf, '<', $log) or die "cannot read $log: $!\n";
while (my $line = <$lf>) {
    chomp $line;
    if ($line =~ /^\t(.*)$/s) {               # extra line of the previous field
        push @msg, $1 if @msg;
        next;
    }
    if ($line =~ /$prefix.*?\b($levels):  (.*)$/) {
        my ($pid, $level, $text) = ($1, $2, $3);
        if ($level eq 'WARNING') {
            finish_message();
            @msg = ("WARNING:  $text");
            $msg_pid = $pid;
        } elsif (@msg && $pid eq $msg_pid && $level =~ /^(DETAIL|HINT|QUERY|CONTEXT)$/) {
            push @msg, "$level:  $text";
        } else {
            finish_message();
        }
        next;
    }
    finish_message();                          # a line of some other kind
}
finish_message();
close $lf;

# --- 2. remove them from each results file ---------------------------------
# The forms of one logged message that psql may print, longest first.
sub forms {
    my ($m) = @_;
    my @lines = @$m;
    my @f = ([@lines]);
    my ($ctx) = grep { $lines[$_] =~ /^CONTEXT:  / } 0 .. $#lines;
    push @f, [@lines[0 .. $ctx - 1]] if defined $ctx;
    return @f;
}

opendir(my $dh, $in_dir) or die "cannot read $in_dir: $!\n";
my @files = sort grep { /\.out$/ } readdir $dh;
closedir $dh;

for my $file (@files) {
    open(my $fh, '<', "$in_dir/$file") or die "cannot read $in_dir/$file: $!\n";
    my @raw = <$fh>;                           # lines with their endings
    close $fh;
    my @in = map { my $l = $_; chomp $l; $l } @raw;
    my @out;
    my $removed = 0;
    my $i = 0;
    while ($i < @in) {
        my $n = 0;                             # lines of a guard message at $i
        if ($in[$i] =~ /^WARNING:  (?:([0-9A-Z]{5}): )?(.*)$/s && $guard{"WARNING:  $2"}) {
            my $verbose = defined $1;
            for my $m (@{ $guard{"WARNING:  $2"} }) {
                for my $f (forms($m)) {
                    my @f = @$f;
                    next if @f <= $n || $i + @f > @in;
                    my $ok = 1;
                    for my $k (1 .. $#f) {
                        if ($in[$i + $k] ne $f[$k]) { $ok = 0; last; }
                    }
                    $n = @f if $ok;
                }
            }
            # terse: the WARNING line alone, never followed by a guard DETAIL
            # (a guard DETAIL here means the full form did not match: keep it
            # all, so the difference shows)
            if ($n == 0 && !($i + 1 < @in && $in[$i + 1] =~ $guard_detail)) {
                $n = 1;
            }
            $n++ if $n && $verbose && $i + $n < @in && $in[$i + $n] =~ /^LOCATION:  /;
        }
        if ($n) {
            $removed++;
            $i += $n;
        } else {
            push @out, $raw[$i++];
        }
    }
    open(my $oh, '>', "$out_dir/$file") or die "cannot write $out_dir/$file: $!\n";
    print $oh @out;
    close $oh;
    print "$file $removed\n";
}
