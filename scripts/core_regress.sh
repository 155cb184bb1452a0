#!/usr/bin/env bash
# Runs PostgreSQL's own core regression suite (src/test/regress, the parallel
# schedule: 217 tests) three times against the installed PostgreSQL 15 server:
#   plain     a server without pg_conventions
#   guarded   the same with shared_preload_libraries = 'pg_conventions' and
#             pg_conventions.mode = warn (the default)
#   enforced  the same with pg_conventions.mode = enforce
# and checks that the guard in warn changes nothing but adds its own
# messages, and that under enforce (which rejects DDL the suite expects to
# succeed, so its output differs by design) nothing crashes and no internal
# error (SQLSTATE XX000) is raised that the plain run did not raise.
#
# Pass/fail (exit 0 / exit 1; other codes: the script could not run):
#   FAIL on any backend crash in either run: "terminated by signal" or PANIC
#        in a server log, or "server closed the connection unexpectedly" (or
#        "terminating connection because of crash") in a test's output;
#   FAIL on any difference between the two runs' outputs, test by test, once
#        the guard's own messages (WARNING / DETAIL:  Rule <id>: / HINT and
#        the HINT's further lines) are removed from the guarded run's output
#        by scripts/core_regress_normalize.pl, which takes their exact text
#        from the guarded server's log (see there);
#   FAIL if a test left no output, if the guard reported nothing at all (it
#        was not active, the comparison would prove nothing), or if the plain
#        run has guard messages.
# The plain run is the reference, not the suite's expected/ files: the
# installed server may differ from them (minor-version fixes, locale) and
# does so in both runs alike.  How the plain run compares with expected/ is
# printed for information only.
#
# Where the suite comes from: Debian's source package postgresql-15 of the
# installed version (apt-get source through a deb-src twin of the machine's
# own Debian entries, which exists only while it downloads), unpacked with its
# Debian patches once into /var/cache/pg_conventions/core-regress
# (CORE_REGRESS_CACHE to change; only the test files are kept, 16 MB).  If the
# mirrors do not have that version's source (security updates often are not
# mirrored as source), the newest older postgresql-15 source is used, and with
# it that version's own psql (from its postgresql-client-15 .deb): psql 15.20
# skips in-line data after a failed COPY FROM STDIN up to the next "\.", and
# an older suite's scripts have failing COPYs with no data, so a newer psql
# would swallow the rest of those scripts.  The server under test is always
# the installed one.  The C modules the suite loads (regress.so from
# regress.c, refint.so and autoinc.so from contrib/spi) are built with PGXS
# against the installed server headers and given to pg_regress as --dlpath.
#
# The servers: pg_regress --temp-instance (its own initdb and postmaster, unix
# socket in a private directory, no TCP), run as the postgres user, C locale,
# UTF8, fsync off, ports 56431 (plain), 56432 (guarded) and 56433 (enforced;
# CORE_REGRESS_PORT moves them; pg_regress takes the next free port if one is busy), one run
# after the other.  If the script is interrupted it ends its own pg_regress
# by pid and stops its own servers through their pid files.
#
# Time, measured on the 2-core machine (suite cached): 93 s for the three
# runs (about 30 s each); about twice that while another PostgreSQL test
# suite runs on the machine.  The first run adds about 15 s (download,
# unpacking).  Running them at once gains nothing on 2 cores.
#
# Output: output/core_regress/: summary.txt, real.diffs (plain vs guarded,
# guard messages removed), guard-messages.txt (per test), guarded-normalized/,
# and of each run results/, regression.diffs (vs expected/), log/postmaster.log.
#
# Usage: bash scripts/core_regress.sh      (as root, no standard input needed)
#   CORE_REGRESS_PRELOAD=pg_conventions,/path/crash.so   to check the script's
#   crash detection with a library of one's own (default: pg_conventions)
# Needs: postgresql-15, postgresql-server-dev-15, postgresql-client-15,
# dpkg-dev, gcc, make, libc6-dev, libkrb5-dev, perl; missing ones are installed.
#
# No test of the suite is skipped.
set -euo pipefail
umask 022
cd "$(dirname "$0")/.."
ROOT=$PWD

PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BIN/pg_config
CACHE=${CORE_REGRESS_CACHE:-/var/cache/pg_conventions/core-regress}
OUT=$ROOT/output/core_regress
PORT=${CORE_REGRESS_PORT:-56431}
DIFF_LINES=${CORE_REGRESS_DIFF_LINES:-60}   # diff lines printed per test
# shared_preload_libraries of the guarded run; only to test this script itself,
# e.g. 'pg_conventions,/path/to/a/library/that/crashes.so'
PRELOAD=${CORE_REGRESS_PRELOAD:-pg_conventions}
APT_SRC_FILE=/etc/apt/sources.list.d/pgconv-core-regress-src
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

if [ "$(id -u)" -ne 0 ]; then
  echo "core_regress.sh: run as root (it runs the servers as the postgres user)" >&2
  exit 2
fi
t_start=$(date +%s)

# --- packages ----------------------------------------------------------------
need=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-client-$PG_MAJOR
      dpkg-dev gcc make libc6-dev libkrb5-dev perl)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi
PG_REGRESS=$(dirname "$(dirname "$($PG_CONFIG --pgxs)")")/test/regress/pg_regress
SERVER_VERSION=$(dpkg-query -W -f='${Version}' postgresql-$PG_MAJOR)

# --- clean-up ----------------------------------------------------------------
WORK=$(mktemp -d /tmp/pgconv-core-regress.XXXXXX)
chmod 755 "$WORK"   # apt (as _apt) and the servers (as postgres) work in it
apt_entry_added=
remove_apt_entry() {
  if [ -n "$apt_entry_added" ]; then
    rm -f "$APT_SRC_FILE.sources" "$APT_SRC_FILE.list"
    apt_entry_added=
    apt-get update -qq >/dev/null 2>&1 || true
  fi
}
regress_pid=
cleanup() {
  local d
  # interrupted during a run: end our pg_regress (by its pid), then its server
  if [ -n "$regress_pid" ]; then
    kill -TERM "$regress_pid" 2>/dev/null || true
    wait "$regress_pid" 2>/dev/null || true
  fi
  # a server of ours still running (the script was interrupted): stop it
  for d in "$WORK"/*/tmp_check/data; do
    if [ -f "$d/postmaster.pid" ]; then
      runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$d" stop -m immediate -w >/dev/null 2>&1 || true
    fi
  done
  remove_apt_entry
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the suite: Debian's source of the installed server ----------------------
# The deb-src twins of the machine's own Debian entries (same URIs, suites,
# keys), in whichever format they are written.
add_apt_entry() {
  local f codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  : >"$APT_SRC_FILE.sources"
  : >"$APT_SRC_FILE.list"
  apt_entry_added=1
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && [ "$f" != "$APT_SRC_FILE.sources" ] || continue
    # deb822 stanzas of type deb for a suite of this release, as Types: deb-src
    awk -v RS= -v ORS='\n\n' -v codename="$codename" '
      /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ && $0 ~ ("(^|\n)Suites:([^\n]*[ \t])?" codename) &&
      !/(^|\n)Enabled:[ \t]*no/ {
        n = split($0, l, "\n"); s = ""
        for (i = 1; i <= n; i++) {
          if (l[i] ~ /^Types:/) l[i] = "Types: deb-src"
          s = s l[i] "\n"
        }
        printf "%s\n", s
      }' "$f" >>"$APT_SRC_FILE.sources"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && [ "$f" != "$APT_SRC_FILE.list" ] || continue
    sed -n -E "s/^[[:space:]]*deb[[:space:]]+(.*[[:space:]]$codename.*)\$/deb-src \\1/p" "$f" >>"$APT_SRC_FILE.list"
  done
  [ -s "$APT_SRC_FILE.sources" ] || rm -f "$APT_SRC_FILE.sources"
  [ -s "$APT_SRC_FILE.list" ] || rm -f "$APT_SRC_FILE.list"
  apt-get update -qq || echo "   (apt-get update reported errors; trying anyway)"
}

fetch_suite() {
  local dest=$1 dl=$WORK/download v src_version= others
  mkdir -p "$dl"
  chown _apt:root "$dl" 2>/dev/null || true   # apt downloads as _apt
  echo "== fetching the core regression suite (Debian source of postgresql-$PG_MAJOR $SERVER_VERSION)"
  add_apt_entry
  # the installed version first; then the other versions the mirrors list,
  # older ones newest first, then newer ones oldest first
  others=$(apt-cache showsrc "postgresql-$PG_MAJOR" 2>/dev/null | sed -n 's/^Version: //p' |
           perl -MDpkg::Version -e '
             my $s = shift; chomp(my @v = <STDIN>); my %u = map { $_ => 1 } @v; @v = keys %u;
             print "$_\n" for (sort { version_compare($b, $a) } grep { version_compare($_, $s) < 0 } @v),
                              (sort { version_compare($a, $b) } grep { version_compare($_, $s) > 0 } @v);
           ' "$SERVER_VERSION")
  : >"$WORK/apt-source.log"
  for v in "$SERVER_VERSION" $others; do
    rm -f "$dl"/*
    if [ "$v" = "$SERVER_VERSION" ]; then
      (cd "$dl" && apt-get source -qq --download-only "postgresql-$PG_MAJOR=$v") >>"$WORK/apt-source.log" 2>&1 || continue
    else
      # an other version's suite runs with that version's psql (see the header)
      (cd "$dl" && apt-get source -qq --download-only "postgresql-$PG_MAJOR=$v" &&
                   apt-get download -qq "postgresql-client-$PG_MAJOR=$v") >>"$WORK/apt-source.log" 2>&1 || continue
      echo "   the mirrors have no source of $SERVER_VERSION: using the suite of $v, with its own psql"
    fi
    src_version=$v
    break
  done
  if [ -z "$src_version" ]; then
    grep -E '^(E|W):' "$WORK/apt-source.log" | sort -u >&2 || true
    echo "core_regress.sh: could not download a source package postgresql-$PG_MAJOR from this machine's Debian mirrors" >&2
    exit 2
  fi
  remove_apt_entry
  dpkg-source -x "$dl"/postgresql-"$PG_MAJOR"_*.dsc "$WORK/src" >"$WORK/dpkg-source.log" 2>&1 ||
    { cat "$WORK/dpkg-source.log" >&2; exit 2; }
  # keep only what the run needs
  local new=$dest.new.$$ rt=$WORK/src/src/test/regress
  rm -rf "$new"
  mkdir -p "$new/regress" "$new/modules" "$new/bin"
  cp -r "$rt/sql" "$rt/expected" "$rt/data" "$rt/parallel_schedule" "$rt/resultmap" "$new/regress/"
  cp "$rt/regress.c" "$WORK/src/contrib/spi/refint.c" "$WORK/src/contrib/spi/autoinc.c" "$new/modules/"
  if [ "$src_version" != "$SERVER_VERSION" ]; then
    dpkg-deb -x "$dl"/postgresql-client-"$PG_MAJOR"_*.deb "$WORK/client"
    cp "$WORK/client/usr/lib/postgresql/$PG_MAJOR/bin/psql" "$new/bin/psql"
  fi
  echo "$src_version" >"$new/SOURCE_VERSION"
  rm -rf "$WORK/src" "$WORK/client" "$dl"
  chmod -R a+rX "$new"
  rm -rf "$dest"
  mv "$new" "$dest"
}

SUITE=$CACHE/postgresql-$PG_MAJOR-$SERVER_VERSION
if [ ! -f "$SUITE/SOURCE_VERSION" ]; then
  mkdir -p "$CACHE"
  fetch_suite "$SUITE"
fi
SUITE_VERSION=$(cat "$SUITE/SOURCE_VERSION")
echo "== server $SERVER_VERSION, suite $SUITE_VERSION (cached in $SUITE)"

# --- the test modules and the bin directory pg_regress uses ------------------
mkdir -p "$WORK/lib" "$WORK/bin"
cp "$SUITE"/modules/*.c "$WORK/lib/"
cat >"$WORK/lib/Makefile" <<EOF
# regress.so (src/test/regress/regress.c), refint.so and autoinc.so
# (contrib/spi, built as src/test/regress builds them: -DREFINT_VERBOSE)
MODULES = regress refint autoinc
PG_CPPFLAGS = -DREFINT_VERBOSE
PG_CONFIG = $PG_CONFIG
PGXS := \$(shell \$(PG_CONFIG) --pgxs)
include \$(PGXS)
EOF
echo "== building regress.so, refint.so, autoinc.so (PGXS)"
make -s -C "$WORK/lib" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 2; }
for b in initdb pg_ctl postgres psql; do
  ln -s "$PG_BIN/$b" "$WORK/bin/$b"
done
if [ -x "$SUITE/bin/psql" ]; then
  ln -sf "$SUITE/bin/psql" "$WORK/bin/psql"
fi

# the plain and enforced servers log each message's SQLSTATE, to compare
# their internal errors (XX000); the guarded log keeps pg_regress's prefix,
# which the normalizer reads
printf "fsync = off\nlog_line_prefix = '%%m %%b[%%p] %%q%%a %%e '\n" >"$WORK/plain.conf"
printf "fsync = off\nshared_preload_libraries = '%s'\npg_conventions.mode = warn\n" "$PRELOAD" >"$WORK/guarded.conf"
printf "fsync = off\nlog_line_prefix = '%%m %%b[%%p] %%q%%a %%e '\nshared_preload_libraries = '%s'\npg_conventions.mode = enforce\n" \
  "$PRELOAD" >"$WORK/enforced.conf"
chown -R postgres: "$WORK"

# --- the two runs ------------------------------------------------------------
run_suite() {   # name port
  local name=$1 port=$2 t0 rc=0
  mkdir -p "$WORK/$name"
  chown postgres: "$WORK/$name"
  echo "== run '$name' (port $port) ..."
  t0=$(date +%s)
  # in the background, so that a signal to this script is handled at once
  (cd "$WORK" && exec runuser -u postgres -- "$PG_REGRESS" \
      --bindir="$WORK/bin" --inputdir="$SUITE/regress" --outputdir="$WORK/$name" \
      --dlpath="$WORK/lib" --schedule="$SUITE/regress/parallel_schedule" \
      --max-concurrent-tests=20 --temp-instance="$WORK/$name/tmp_check" \
      --temp-config="$WORK/$name.conf" --port="$port" --no-locale --encoding=UTF8 \
      </dev/null >"$WORK/$name/pg_regress.log" 2>&1) &
  regress_pid=$!
  wait "$regress_pid" || rc=$?
  regress_pid=
  echo "   done in $(( $(date +%s) - t0 )) s (pg_regress exit $rc; its comparison with expected/ is informational)"
}
run_suite plain "$PORT"
run_suite guarded "$((PORT + 1))"
# the third run, under enforce, rejects DDL the suite expects to succeed, so
# its output differs by design: only crashes and internal errors count there
run_suite enforced "$((PORT + 2))"

# --- compare -----------------------------------------------------------------
# a run that did not get through (no server, say) ends without pg_regress's
# "N of M tests failed" / "All M tests passed"
broken=()
for name in plain guarded enforced; do
  mkdir -p "$WORK/$name/results" "$WORK/$name/log"
  touch "$WORK/$name/log/postmaster.log"
  if ! grep -qE 'tests (passed|failed)' "$WORK/$name/pg_regress.log"; then
    broken+=("$name")
    echo "!! run '$name' did not complete; the end of its pg_regress output and server log:"
    tail -n 8 "$WORK/$name/pg_regress.log" | sed 's/^/   /'
    tail -n 8 "$WORK/$name/log/postmaster.log" | sed 's/^/   /'
  fi
done
mkdir -p "$WORK/guarded-normalized"
perl "$ROOT/scripts/core_regress_normalize.pl" "$WORK/guarded/log/postmaster.log" \
  "$WORK/guarded/results" "$WORK/guarded-normalized" >"$WORK/guard-messages.txt"

tests=$(sed -n 's/^test: *//p' "$SUITE/regress/parallel_schedule" | tr -s ' \t' '\n\n' | sed '/^$/d')
n_tests=$(printf '%s\n' "$tests" | wc -l)
guard_only=() real=() identical=0 total_msgs=0
: >"$WORK/real.diffs"
for t in $tests; do
  p=$WORK/plain/results/$t.out
  g=$WORK/guarded-normalized/$t.out
  n=$(awk -v f="$t.out" '$1 == f { print $2 }' "$WORK/guard-messages.txt")
  n=${n:-0}
  total_msgs=$((total_msgs + n))
  if [ ! -f "$p" ] || [ ! -f "$g" ]; then
    real+=("$t")
    echo "=== $t: no output in the $([ -f "$p" ] && echo guarded || echo plain) run" >>"$WORK/real.diffs"
  elif ! cmp -s "$p" "$g"; then
    real+=("$t")
    diff -U3 --label "plain/$t.out" --label "guarded-normalized/$t.out" "$p" "$g" >>"$WORK/real.diffs" || true
  elif [ "$n" -gt 0 ]; then
    guard_only+=("$t($n)")
  else
    identical=$((identical + 1))
  fi
done

# crashes: the server logs, and what the tests saw
crash_report() {   # name
  local name=$1 log=$WORK/$1/log/postmaster.log line pid test what
  [ -f "$log" ] || { echo "$name: no server log"; return; }
  { grep -E 'terminated by signal|PANIC:' "$log" || true; } | while IFS= read -r line; do
    pid=$(sed -n -E 's/.*server process \(PID ([0-9]+)\).*/\1/p' <<<"$line")
    test=
    [ -n "$pid" ] && test=$(grep -m1 -oE "\[$pid\] pg_regress/[^ ]+" "$log" | sed 's/.*pg_regress\///') || true
    what=$(grep -A1 -F -- "$line" "$log" | sed -n 's/.*DETAIL:  Failed process was running: //p' | head -1)
    echo "$name: ${line#* * * } ${test:+[test $test]} ${what:+-- running: $what}"
  done
  grep -lE 'server closed the connection unexpectedly|terminating connection because of crash' \
       "$WORK/$name"/results/*.out 2>/dev/null | sed -E "s#.*/([^/]+)\.out#$name: connection lost in test \1#" || true
}
crashes=$( { crash_report plain; crash_report guarded; crash_report enforced; } )

# internal errors (SQLSTATE XX000: "cache lookup failed", "unrecognized
# node type" ...) that the enforced server raised and the plain one did not
internal_errors() {   # name
  sed -n -E 's/.* XX000 (ERROR|FATAL|PANIC): +//p' "$WORK/$1/log/postmaster.log" | sort -u
}
internal=$(comm -13 <(internal_errors plain) <(internal_errors enforced))

# keep the evidence: output/core_regress
rm -rf "$OUT"
mkdir -p "$OUT"
for name in plain guarded enforced; do
  mkdir -p "$OUT/$name"
  for f in results log regression.out regression.diffs pg_regress.log; do
    if [ -e "$WORK/$name/$f" ]; then cp -r "$WORK/$name/$f" "$OUT/$name/"; fi
  done
done
cp -r "$WORK/guarded-normalized" "$WORK/real.diffs" "$WORK/guard-messages.txt" "$WORK/build.log" "$OUT/"

# --- summary -----------------------------------------------------------------
# the plain run must have no guard message at all (else the guard was loaded there)
plain_msgs=$(cat "$WORK"/plain/results/*.out 2>/dev/null | grep -cE '^DETAIL:  (Rule [a-z][a-z0-9_]*: |Old debt, not repeated here: )' || true)

fail=0
if [ -n "$crashes" ] || [ -n "$internal" ] || [ "$total_msgs" -eq 0 ] || [ "$plain_msgs" -ne 0 ] || [ ${#real[@]} -gt 0 ] ||
   [ ${#broken[@]} -gt 0 ]; then
  fail=1
fi
{
  echo
  echo "===== core regression suite with and without pg_conventions ====="
  echo "server $SERVER_VERSION, suite $SUITE_VERSION, $(( $(date +%s) - t_start )) s in all"
  echo "tests run: $n_tests in each run"
  echo "plain run vs upstream expected/ (reference only): $(grep -cE '\.\.\. FAILED' "$WORK/plain/pg_regress.log" || true) differ:" \
       "$(grep -E '\.\.\. FAILED' "$WORK/plain/pg_regress.log" | awk '{print $(($1 == "test") ? 2 : 1)}' | tr '\n' ' ' || true)"
  echo "identical output: $identical tests"
  echo "guard messages only: ${#guard_only[@]} tests, $total_msgs messages in all (removed before comparing)"
  if [ ${#guard_only[@]} -gt 0 ]; then
    printf '%s\n' "${guard_only[@]}" | tr '\n' ' ' | fold -s -w 100 | sed 's/^/   /'
    echo
  fi
  echo
  if [ -n "$crashes" ]; then
    echo "CRASHES:"
    printf '%s\n' "$crashes" | sed 's/^/   /'
  else
    echo "crashes: none"
  fi
  if [ -n "$internal" ]; then
    echo "INTERNAL ERRORS under enforce that the plain run did not raise:"
    printf '%s\n' "$internal" | sed 's/^/   /'
  else
    echo "internal errors (XX000) under enforce beyond the plain run's: none"
  fi
  if [ "$total_msgs" -eq 0 ]; then
    echo "FAILED: the guard reported nothing in the guarded run: was it loaded?"
  fi
  if [ ${#broken[@]} -gt 0 ]; then
    echo "FAILED: run(s) that did not complete: ${broken[*]} (see their pg_regress.log)"
  fi
  if [ "$plain_msgs" -ne 0 ]; then
    echo "FAILED: the plain run has $plain_msgs guard messages: was pg_conventions loaded there?"
  fi
  if [ ${#real[@]} -gt 0 ]; then
    if [ ${#broken[@]} -gt 0 ]; then
      echo "REAL DIFFERENCES: ${#real[@]} tests (a run did not complete)"
    else
      echo "REAL DIFFERENCES (plain vs guarded, guard messages removed): ${#real[@]} tests: ${real[*]}"
    fi
    if [ -n "$crashes" ]; then
      echo "   (tests running at or after a crash fail for that reason alone)"
    fi
  else
    echo "real differences: none"
  fi
} | tee "$OUT/summary.txt"

if [ ${#real[@]} -gt 0 ] && [ ${#broken[@]} -eq 0 ]; then
  echo
  echo "----- the differences (at most $DIFF_LINES lines per test; all in $OUT/real.diffs) -----"
  awk -v max="$DIFF_LINES" '
    /^(--- plain\/|=== )/ { n = 0 }
    { n++; if (n <= max) print; else if (n == max + 1) print "   [... cut; see real.diffs]" }
  ' "$WORK/real.diffs"
fi
echo
echo "logs and results: $OUT"
if [ "$fail" -ne 0 ]; then
  echo "core_regress: FAILED"
  exit 1
fi
echo "core_regress: passed"
