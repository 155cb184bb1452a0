#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, builds and installs the extension, then runs, each against its own
# throwaway PostgreSQL 15 cluster (pg_virtualenv, loopback only):
#   1. pg_regress, suite "guard": the library in shared_preload_libraries
#   2. pg_regress, suite "eventtrigger": no preload, event triggers only
#   3. PostgreSQL's own regression suite, plain and with the guard preloaded
#      and enforce (scripts/core_regress.sh; about 95 s)
#   4. isolation specs of concurrent DDL (test/isolation) and a bounded
#      pgbench stress with DDL (test/stress), both under enforce
#   5. the TAP tests in test/tap (PostgreSQL::Test::Cluster)
#   6. the Sequelize end-to-end test in test/sequelize (node, npm packages
#      from package-lock.json), against a cluster with the guard preloaded,
#      and the tests of the Node client (clients/node) through the real
#      sequelize-cli
#   7. the migration corpus judged by squawk and by the guard (test/squawk)
#   8. the Debian package (test/deb/run.sh): dpkg-buildpackage, dpkg -i, the
#      demo and the package's autopkgtest against it; and the checked download
#      of the release sources a clone without ../shared needs (test/vendored)
#   9. Citus (test/citus, scripts/citus.sh): a coordinator and two workers
#      with the guard; Citus is built from its vendored source in the
#      background while 1-8 run (cached for the next run)
#  10. PostgreSQL 14, 16, 17, 18 and 19, each in a Debian chroot
#      (scripts/chroot.sh: 17 from trixie, 18 from sid, 19 from experimental;
#      14 and 16 built from their release sources in a bookworm): the build
#      with -Werror, both pg_regress suites and the TAP tests; the chroots are
#      made (or found in the cache) in the background while 1-9 run, in two
#      lanes: the archive's majors (network-bound) and the source builds
#      (CPU-bound, at nice 10)
#  11. a production twin across majors (test/twin/cross_major.sh): a
#      PostgreSQL 15 "production" of its own (initdb, pg_ctl; 127.0.0.1), its
#      twin made in the 18 chroot by pg_conventions_twin with pg_dump 18
#      (when PG_MAJORS has 18)
# Usage: bash scripts/test.sh          (as root, or as a user with sudo)
#        PG_MAJORS=15 bash scripts/test.sh    (only this machine's 15)
#        PG_MAJORS="15 14" bash scripts/test.sh   (a subset of 14 15 16 17 18 19)
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's nodejs and npm for the Sequelize test, unless a node is here already
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  EXTRA_PACKAGES="nodejs npm"
fi
# what Citus's build needs (scripts/citus.sh), installed now: the build
# itself runs in the background, where apt would meet the other installs
EXTRA_PACKAGES="${EXTRA_PACKAGES:-} patch libcurl4-openssl-dev liblz4-dev libzstd-dev libssl-dev libkrb5-dev libreadline-dev zlib1g-dev libxslt1-dev"
# libxml2's xmllint, the parser that validates pg_conventions_ci's JUnit XML
EXTRA_PACKAGES+=" libxml2-utils"
# The majors to test: 15 on this machine, the others in chroots (made with
# mmdebstrap, installed now for the same reason).
# PG_MAJORS=15 runs this machine's alone, for quick local work.
PG_MAJORS=${PG_MAJORS:-14 15 16 17 18 19}
for major in $PG_MAJORS; do
  case $major in
    14|15|16|17|18|19) ;;
    *) echo "test.sh: PG_MAJORS: $major is not a tested major (14 to 19)" >&2; exit 2 ;;
  esac
done
[ "$PG_MAJORS" != 15 ] && EXTRA_PACKAGES+=" mmdebstrap"
CONV_SETUP_DEFINE_ONLY=1 . scripts/setup.sh
. scripts/count_regress.sh
. scripts/leftover_cluster.sh
conv_install_packages
drop_leftover_regress "$PG_MAJOR"
# `make clean` empties output/: before the background lanes write there
make -s clean PG_CONFIG="$PG_CONFIG" >/dev/null
CONV_CLEANED=1
mkdir -p output
tapdir=
citus_pid=
archive_pid=
source_pid=
# a background lane, and the chroot.sh it runs (whose traps unmount)
stop_lane() {
  local pid=$1 children
  [ -n "$pid" ] || return 0
  children=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null || true
  [ -n "$children" ] && kill -TERM $children 2>/dev/null || true
}
cleanup() {
  [ -n "$citus_pid" ] && kill "$citus_pid" 2>/dev/null || true
  stop_lane "$archive_pid"
  stop_lane "$source_pid"
  $SUDO make -s -C test/ext uninstall PG_CONFIG="$PG_CONFIG" >/dev/null 2>&1 || true
  [ -n "$tapdir" ] && rm -rf "$tapdir"
}
trap cleanup EXIT

# The other majors' chroots (scripts/chroot.sh caches them), made in the
# background from the start (before the build here), in two lanes: the
# majors from Debian's archive (mmdebstrap mostly waits on the network) and
# the majors built from source (mostly the CPU, at nice 10 so that the tests
# here come first)
archive_majors=()
source_majors=()
for major in $PG_MAJORS; do
  case $major in
    "$PG_MAJOR") ;;
    14|16) source_majors+=("$major") ;;
    *) archive_majors+=("$major") ;;
  esac
done
# each major's chroot, when ready, leaves output/prepared-MAJOR: its tests
# start then, while the lane goes on with the next
rm -f output/prepared-*
prepare_lane() {
  local major
  for major in "$@"; do
    echo "== preparing PostgreSQL $major"
    bash scripts/chroot.sh "$major" true || echo "== preparing PostgreSQL $major FAILED"
    touch "output/prepared-$major"
  done
}
if [ ${#archive_majors[@]} -gt 0 ]; then
  prepare_lane "${archive_majors[@]}" >output/chroot-prepare-archive.log 2>&1 &
  archive_pid=$!
fi
if [ ${#source_majors[@]} -gt 0 ]; then
  prepare_lane "${source_majors[@]}" >output/chroot-prepare-source.log 2>&1 &
  source_pid=$!
fi

conv_build_install

passed=0
failed=0
status=0
summary=

# A test-only extension (test/ext) for the "DDL from extension scripts" test,
# installed for this run and removed afterwards.
$SUDO make -s -C test/ext install PG_CONFIG="$PG_CONFIG" >/dev/null

# Citus, for the scale-out test near the end: built (or, from the cache,
# installed) while the other tests run
mkdir -p output
bash scripts/citus.sh build >output/citus-build.log 2>&1 &
citus_pid=$!
# A script that is one test: passes or fails as a whole, its log shown.
run_one() {
  local name=$1 script=$2
  if bash "$script" >"output/$name.log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); status=1
  fi
  cat "output/$name.log"
}

run_regress() {
  local suite=$1; shift
  echo "== pg_regress suite '$suite'"
  local log=output/$suite.log ok=1
  mkdir -p output
  if pg_virtualenv -v $PG_MAJOR "$@" \
       make -s installcheck SUITE="$suite" PG_CONFIG="$PG_CONFIG" >"$log" 2>&1; then
    :
  else
    status=1; ok=0
    [ -f "output/$suite/regression.diffs" ] && cat "output/$suite/regression.diffs"
  fi
  cat "$log"
  local counts
  counts=$(count_regress "$log")
  # a suite that failed before (or without) a failing test fails once
  [ "$ok" = 0 ] && [ "${counts#* }" = 0 ] && counts="${counts% *} 1"
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
}

# prepared transactions for the PREPARE TRANSACTION tests
run_regress guard -o shared_preload_libraries=pg_conventions,pg_stat_statements \
  -o max_prepared_transactions=2
run_regress eventtrigger -o max_prepared_transactions=2

# PostgreSQL's own regression suite, once on a plain server and once with
# the guard preloaded in warn: any crash, or any difference but the guard's
# own messages, fails (scripts/core_regress.sh says how it decides).
echo "== PostgreSQL's own regression suite, plain and with the guard preloaded"
run_one core_regress scripts/core_regress.sh

# Concurrent DDL: isolation specs, then a bounded pgbench stress (8 clients,
# 20 s), both with the guard preloaded in enforce; any internal error
# (XX000) or crash fails.
echo "== isolation specs (concurrent DDL, enforce)"
run_one isolation test/isolation/run.sh
echo "== concurrent DDL stress (pgbench)"
run_one stress test/stress/ddl_pgbench.sh

# TAP: PostgreSQL refuses to run as root, so as root the tests run as the
# postgres user from a private copy of test/tap (and of the migration corpus,
# which 006_twin.pl finds beside it, as in the repository).
echo "== TAP tests"
tapdir=$(mktemp -d)
cp -r test/tap "$tapdir/"
mkdir "$tapdir/squawk" && cp -r test/squawk/schema.sql test/squawk/corpus "$tapdir/squawk/"
tap_env=(PATH="$PG_BIN:/usr/bin:/bin" PG_REGRESS="$(dirname "$($PG_CONFIG --pgxs)")/../test/regress/pg_regress"
         PERL5LIB="$(dirname "$($PG_CONFIG --pgxs)")/../test/perl" TESTDIR="$tapdir")
prove_cmd=(prove --timer -v "$tapdir"/tap/*.pl)
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres "$tapdir"
  tap_run=(runuser -u postgres -- env "${tap_env[@]}" "${prove_cmd[@]}")
else
  tap_run=(env "${tap_env[@]}" "${prove_cmd[@]}")
fi
tap_ok=1
if (cd "$tapdir" && "${tap_run[@]}") >"$tapdir/prove.log" 2>&1; then :; else status=1; tap_ok=0; fi
cat "$tapdir/prove.log"
passed=$((passed + $(grep -cE '^ok [0-9]+' "$tapdir/prove.log" || true)))
tap_failed=$(grep -cE '^not ok [0-9]+' "$tapdir/prove.log" || true)
# a script that dies or bails out fails without a "not ok" line
[ "$tap_ok" = 0 ] && [ "$tap_failed" = 0 ] && tap_failed=1
failed=$((failed + tap_failed))

# A node --test suite against a server with the guard preloaded: its
# "# pass N" / "# fail N" summary counts.
run_node_suite() {
  local name=$1 script=$2 log=output/$1.log ok pass fail
  if pg_virtualenv -v $PG_MAJOR -o shared_preload_libraries=pg_conventions \
       bash "$script" >"$log" 2>&1; then ok=1; else ok=0; status=1; fi
  cat "$log"
  pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -1)
  fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -1)
  [ "$ok" = 0 ] && [ "${fail:-0}" = 0 ] && fail=1
  passed=$((passed + ${pass:-0}))
  failed=$((failed + ${fail:-0}))
}
echo "== Sequelize end-to-end test"
TWIN_BIN=$PG_BIN/pg_conventions_twin run_node_suite sequelize test/sequelize/run.sh
# The Node package that shows the guard's diagnostics where Sequelize and
# node-postgres users look (clients/node), through the real sequelize-cli
echo "== the Node client (clients/node): node-postgres, Sequelize, sequelize-cli"
run_node_suite node_client clients/node/test/run.sh
# The CI command (pg_conventions_ci) around a migration: exit status, JUnit
# XML validated by a real parser, the Markdown summary
echo "== the CI reports (pg_conventions_ci)"
CI_BIN=$PG_BIN/pg_conventions_ci run_node_suite ci_reports test/ci/run.sh
# The README's CI recipe for a production twin, run as written: the twin made
# by pg_conventions_twin, sequelize-cli's migration judged with production's sizes
echo "== the production twin's CI recipe (README), with sequelize-cli"
BIN=$PG_BIN run_node_suite twin_recipe test/twin/recipe.sh

# The migration corpus, judged by squawk (squawk-cli from npm) and by the
# guard against a real server; fails when the guard's verdict is wrong.
echo "== migration corpus: pg_conventions and squawk"
run_one squawk_corpus test/squawk/run_in_cluster.sh

# The release sources' fallback (scripts/vendored.sh): a clone without
# ../shared downloads Citus and PostgreSQL 14 and 16 and checks their SHA-256.
echo "== vendored sources: the checked download of a clone without ../shared"
vlog=output/vendored.log
if bash test/vendored/run.sh >"$vlog" 2>&1; then v_ok=1; else v_ok=0; status=1; fi
cat "$vlog"
v_fail=$(grep -cE '^not ok [0-9]+' "$vlog" || true)
[ "$v_ok" = 0 ] && [ "$v_fail" = 0 ] && v_fail=1
passed=$((passed + $(grep -cE '^ok [0-9]+' "$vlog" || true)))
failed=$((failed + v_fail))

# The Debian package: built with dpkg-buildpackage, installed, the demo and
# its autopkgtest (pg_buildext installcheck) run against it, removed again.
echo "== the Debian package"
run_one deb test/deb/run.sh

# Citus: a coordinator and two workers with the guard preloaded, next to
# a plain server (test/citus)
echo "== Citus"
citus_ok=1
rm -f output/citus.log
if wait "$citus_pid"; then :; else citus_ok=0; fi
citus_pid=
cat output/citus-build.log
if [ "$citus_ok" = 1 ] && bash scripts/citus.sh test >output/citus.log 2>&1; then :; else citus_ok=0; status=1; fi
[ -f output/citus.log ] && cat output/citus.log
citus_passed=$(grep -cE '^ok [0-9]+' output/citus.log 2>/dev/null || true)
passed=$((passed + ${citus_passed:-0}))
citus_failed=$(grep -cE '^not ok [0-9]+' output/citus.log 2>/dev/null || true)
citus_failed=${citus_failed:-0}
[ "$citus_ok" = 0 ] && [ "$citus_failed" = 0 ] && citus_failed=1
failed=$((failed + citus_failed))

summary="PostgreSQL $PG_MAJOR (this machine, everything above): $passed passed, $failed failed"$'\n'

# The other majors, each in its own cached chroot (scripts/chroot.sh): built
# warning-free, both pg_regress suites and the TAP tests; the archive's
# majors first, while the source builds may still be running.
test_major() {
  local major=$1 chroot_log=output/chroot-$1.log counts
  echo "== PostgreSQL $major (chroot)"
  if bash scripts/chroot.sh "$major" >"$chroot_log" 2>&1; then :; else status=1; fi
  cat "$chroot_log"
  counts=$(sed -n "s/^pg_conventions (PostgreSQL $major): \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p" "$chroot_log")
  [ -z "$counts" ] && counts="0 1"    # it did not get as far as the tests
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
  summary+="PostgreSQL $major: ${counts% *} passed, ${counts#* } failed"$'\n'
}
# the majors in the order their chroots become ready (the archive's first),
# each as soon as its lane has made it
pending=("${archive_majors[@]}" "${source_majors[@]}")
while [ ${#pending[@]} -gt 0 ]; do
  next=
  for major in "${pending[@]}"; do
    [ -f "output/prepared-$major" ] && { next=$major; break; }
  done
  if [ -z "$next" ]; then
    # a lane that ended without making its chroot: test it anyway (it fails)
    lanes_alive=0
    for pid in $archive_pid $source_pid; do kill -0 "$pid" 2>/dev/null && lanes_alive=1; done
    if [ "$lanes_alive" = 0 ]; then next=${pending[0]}; else sleep 2; continue; fi
  fi
  rest=()
  for major in "${pending[@]}"; do [ "$major" != "$next" ] && rest+=("$major"); done
  pending=("${rest[@]}")
  test_major "$next"
done
for lane in archive source; do
  [ -f "output/chroot-prepare-$lane.log" ] || continue
  grep -E '^== (preparing|creating|chroot created|.*built and installed|.*: (the vendored|downloaded|no vendored))' \
    "output/chroot-prepare-$lane.log" || true
done
wait || true
archive_pid=
source_pid=

# A production twin across majors (test/twin/cross_major.sh): a PostgreSQL 15
# "production" started here by initdb and pg_ctl (no pg_virtualenv), its twin
# made in the 18 chroot by pg_conventions_twin with pg_dump 18; with 18's chroot
twin_summary=
if [[ " $(echo $PG_MAJORS) " == *" 18 "* ]]; then
  echo "== the production twin across majors: PostgreSQL 15 production, 18 twin"
  if bash test/twin/cross_major.sh >output/twin_cross_major.log 2>&1; then :; else status=1; fi
  cat output/twin_cross_major.log
  counts=$(sed -n 's/^production twin, 15 to 18: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' output/twin_cross_major.log)
  [ -z "$counts" ] && counts="0 1"    # it did not get as far as its count
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
  twin_summary="Production twin, PostgreSQL 15 to 18: ${counts% *} passed, ${counts#* } failed"
fi

echo
# one line per major, in order, then the twin across majors, then the total
printf '%s' "$summary" | sort -t ' ' -k2,2n
[ -n "$twin_summary" ] && echo "$twin_summary"
echo "pg_conventions: $passed passed, $failed failed"
exit $status
