#!/usr/bin/env bash
# Build and test pg_conventions on a PostgreSQL major that the host does not
# have, in a Debian chroot made with mmdebstrap from Debian's own archive:
#   17  Debian trixie (stable)      18  Debian sid (unstable)
#   19  Debian sid, with PostgreSQL's packages from experimental (19~rc1)
#   14, 16  Debian bookworm, with PostgreSQL built from its release source
#       (../shared/vendor/postgresql, or downloaded and checked: see
#       scripts/vendored.sh) when the chroot is made, and installed where
#       Debian's packages put a major (/usr/lib/postgresql/MAJOR, its own
#       prefix), so that postgresql-common's pg_virtualenv and pg_config
#       serve it exactly as they serve 17, 18 and 19
#
# Usage (as root):
#   bash scripts/chroot.sh [--head] [--rebuild] MAJOR [COMMAND...]
#
#   MAJOR      14, 16, 17, 18 or 19
#   COMMAND    a shell command run by bash inside the chroot, in the copy of
#              the repository at /build/pg_conventions.  Without one: build
#              warning-free (COPT=-Werror), install, and run the two pg_regress
#              suites (guard, eventtrigger) and the TAP tests as scripts/test.sh
#              does on the host, each suite in its own pg_virtualenv cluster;
#              prints per-suite counts.
#   --head     copy the committed tree (git archive HEAD), not the work tree
#   --rebuild  throw away the cached chroot and make it anew
#
# What it does:
#   1. installs mmdebstrap on the host if it is missing;
#   2. makes the chroot once and caches it in
#      $PGC_CHROOT_CACHE/chroot-<suite>-<major> (default /var/cache/pg_conventions),
#      for 14 and 16 with the server built in it (configure as Debian does where
#      it matters to extensions: no cassert, OpenSSL, ICU, GSSAPI, LZ4, and the
#      TAP modules; about 6 minutes at nice 10 on 2 cores);
#      a chroot counts as made only once the marker file .pg_conventions-complete
#      is in it (it is built in a .partial directory and renamed at the end);
#   3. copies the repository (git ls-files: tracked and untracked-not-ignored
#      files, so no output/, .git, objects) into /build/pg_conventions;
#   4. runs COMMAND in private mount, PID and network namespaces (unshare) with
#      /proc, /dev, /dev/pts and a fresh /dev/shm mounted in the chroot.  The
#      network namespace has only its own loopback, so the clusters that
#      pg_virtualenv starts never meet the host's ports, and nothing inside can
#      reach the network (no apt-get there: add packages with --rebuild and
#      PGC_CHROOT_EXTRA="pkg1,pkg2").  Without `ip` (iproute2) to bring that
#      loopback up, or with PGC_CHROOT_HOST_NET=1, there is no network
#      namespace: the command shares the host's network, and so reaches a
#      server the host runs (host=127.0.0.1 port=...; test/twin does).  A
#      command run so must not start servers on TCP ports the host may use:
#      pg_virtualenv there would take 5432 and up, as the host's clusters do;
#      a server on a Unix socket in a private directory (listen_addresses = '')
#      meets nothing.  Everything is unmounted on exit, error or interrupt, and
#      whatever the command left running is stopped;
#   5. copies the chroot's output/ (pg_regress results and diffs, logs) to
#      $PGC_CHROOT_OUTPUT (default output/chroot-<major>), with the whole console
#      output in run.log there.
#
# Environment:
#   PGC_MIRROR         Debian mirror (default: the one the host's APT sources use)
#   PGC_CHROOT_CACHE   where the chroots are kept (default /var/cache/pg_conventions)
#   PGC_CHROOT_OUTPUT  where the logs go (default <repo>/output/chroot-<major>)
#   PGC_CHROOT_EXTRA   more packages for the chroot, comma-separated (on creation)
#   PGC_CHROOT_HOST_NET  1: no network namespace, the host's network (step 4)
set -euo pipefail

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
MARKER=.pg_conventions-complete
BUILD_DIR=/build/pg_conventions

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

# --- the part that runs inside the namespaces (the script calls itself) ---
# $1 chroot directory, $2 command.  With a PID namespace this shell is PID 1
# there: when it exits the kernel ends every process left in the namespace,
# and the mount namespace (with all its mounts) goes with the last of them.
inner() {
  local dir=$1 cmd=$2 child
  mounted=()   # global: the EXIT trap runs after this function has returned
  # processes of this PID namespace but this shell (/proc is the namespace's own)
  others() {
    local p n=0 st
    for p in /proc/[0-9]*; do
      p=${p#/proc/}
      [ "$p" = 1 ] || [ "$p" = "$BASHPID" ] && continue
      read -r st 2>/dev/null < "/proc/$p/stat" || continue
      st=${st##*) }; [ "${st%% *}" = Z ] && continue
      n=$((n + 1))
    done
    echo "$n"
  }
  inner_cleanup() {
    local rc=$? i
    trap - EXIT INT TERM HUP
    # stop what the command left behind: only processes of this PID namespace
    # (kill -1 from its PID 1 reaches nothing outside it), TERM, then KILL
    if [ "$$" -eq 1 ] && [ "$(others)" -gt 0 ]; then
      echo "chroot.sh: stopping the processes left in the chroot" >&2
      kill -TERM -1 2>/dev/null || true
      for i in $(seq 20); do [ "$(others)" -eq 0 ] && break; sleep 0.5; done
      kill -KILL -1 2>/dev/null || true
      sleep 0.2
    fi
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
      umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" ||
        echo "chroot.sh: could not unmount ${mounted[i]}" >&2
    done
    exit "$rc"
  }
  trap inner_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  mnt() { local target=$1; shift; mount "$@" "$target"; mounted+=("$target"); }

  # in a fresh network namespace the loopback is down
  if [ "${PGC_NETNS:-0}" = 1 ]; then ip link set lo up; fi
  mnt "$dir/proc" -t proc proc
  mnt "$dir/dev" --bind /dev
  mnt "$dir/dev/pts" --bind /dev/pts
  mnt "$dir/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev tmpfs
  # in the background, so that a signal's trap runs at once
  chroot "$dir" /usr/bin/env -i PATH="$CHROOT_PATH" HOME=/root LANG=C.UTF-8 \
    TERM=dumb PG_MAJOR="$PG_MAJOR" \
    /bin/bash -c "cd $BUILD_DIR && $cmd" </dev/null &
  child=$!
  wait "$child"
}

if [ "${1:-}" = __inner ]; then
  shift
  PG_MAJOR=$3
  inner "$1" "$2"
  exit
fi

# --- the host side ---
head=0
rebuild=0
while [ $# -gt 0 ]; do
  case $1 in
    --head) head=1; shift ;;
    --rebuild) rebuild=1; shift ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) echo "chroot.sh: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
PG_MAJOR=$1; shift
# the release sources of the majors no Debian suite carries
SOURCE=
case $PG_MAJOR in
  14) SUITE=bookworm; SOURCE=postgresql-14.13
      SOURCE_SHA256=5911f9685a82f0cf62612a94eb345f1d3f3028b82f92634b8227b00f7de8cef1 ;;
  16) SUITE=bookworm; SOURCE=postgresql-16.2
      SOURCE_SHA256=ee576abdf1781828a53584a3a12db57a08c2fe68c94221385e27499e7cf22d5c ;;
  17) SUITE=trixie ;;
  18) SUITE=sid ;;
  19) SUITE=experimental ;;
  *) echo "chroot.sh: major must be 14, 16, 17, 18 or 19, not '$PG_MAJOR'" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "chroot.sh: run it as root (chroot, mount)" >&2; exit 2; }

REPO=$(cd "$(dirname "$0")/.." && pwd)
SELF=$REPO/scripts/chroot.sh
CACHE=${PGC_CHROOT_CACHE:-/var/cache/pg_conventions}
DIR=$CACHE/chroot-$SUITE-$PG_MAJOR
OUT=${PGC_CHROOT_OUTPUT:-$REPO/output/chroot-$PG_MAJOR}
mkdir -p "$CACHE" "$OUT"

# The whole console output also goes to $OUT/run.log.
# tee ignores the signals, so it is there to the end of the cleanup.
exec > >(trap '' INT TERM HUP; exec tee "$OUT/run.log") 2>&1

# The main Debian archive that the host's APT sources name for its own release
# (this machine may reach Debian only through that host), in deb822 .sources
# or one-line .list files.
host_mirror() {
  local codename f
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v cn="$codename" 'BEGIN { RS = ""; FS = "\n" }
      { uris = ""; suites = ""; types = ""; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^[ \t]*#/ || !match($i, /^[A-Za-z-]+:/)) continue
          key = tolower(substr($i, 1, RLENGTH - 1)); val = substr($i, RLENGTH + 1)
          if (key == "uris") uris = val; else if (key == "suites") suites = val
          else if (key == "types") types = val; else if (key == "enabled") enabled = val
        }
        n = split(suites, s, /[ \t]+/); hit = 0
        for (j = 1; j <= n; j++) if (s[j] == cn) hit = 1
        if (hit && types ~ /(^|[ \t])deb([ \t]|$)/ && enabled !~ /no/) {
          n = split(uris, u, /[ \t]+/)
          for (j = 1; j <= n; j++) if (u[j] != "") { print u[j]; exit }
        }
      }' "$f"
  done
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
    awk -v cn="$codename" '$1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
      if ($(i + 1) == cn) print $i }'
}
MIRROR=${PGC_MIRROR:-$(host_mirror | head -n 1 || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# nothing of ours may stay mounted: unmount whatever is left under $1
unmount_under() {
  local t
  { findmnt -rn -o TARGET | grep -E "^$1(/|$)" || true; } | sort -r | while read -r t; do
    umount "$t" 2>/dev/null || umount -l "$t" || echo "chroot.sh: could not unmount $t" >&2
  done
}

# 5. the logs: the chroot's output/, also after an error or an interrupt
copy_logs() {
  [ "$ran" = 1 ] && [ -d "$DIR$BUILD_DIR/output" ] || return 0
  find "$OUT" -mindepth 1 -maxdepth 1 ! -name run.log -exec rm -rf {} +
  cp -a "$DIR$BUILD_DIR/output/." "$OUT/"
  echo "== logs in $OUT"
}

ran=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  copy_logs || true
  unmount_under "$DIR"
  unmount_under "$DIR.partial"
  if [ -n "$(findmnt -rn -o TARGET | grep -E "^$DIR(\.partial)?(/|$)")" ]; then
    echo "chroot.sh: still mounted under $DIR:" >&2
    findmnt -rn -o TARGET | grep -E "^$DIR(\.partial)?(/|$)" >&2
    rc=1
  fi
  exit "$rc"
}
# Long steps run in the background (bg_run) so that a signal's trap runs at
# once; the trap passes SIGTERM on to the step (for an `unshare --fork`, to
# the child that it forked: PID 1 of the namespaces) and waits for it.
bg_pid=
bg_run() {
  local rc=0
  "$@" &
  bg_pid=$!
  wait "$bg_pid" || rc=$?
  bg_pid=
  return "$rc"
}
on_signal() {
  local code=$1 c
  if [ -n "$bg_pid" ]; then
    for c in $(cat /proc/"$bg_pid"/task/*/children 2>/dev/null); do kill -TERM "$c" 2>/dev/null || true; done
    kill -TERM "$bg_pid" 2>/dev/null || true
    wait "$bg_pid" 2>/dev/null || true
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# one run per chroot at a time
exec 9>"$DIR.lock"
if ! flock -n 9; then
  echo "== another run is using $DIR, waiting for it"
  flock 9
fi
unmount_under "$DIR"   # left by a run that was killed outright

# 1. mmdebstrap
if ! command -v mmdebstrap >/dev/null 2>&1; then
  echo "== installing mmdebstrap"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -qq mmdebstrap </dev/null
fi

# Run $2 by bash in the chroot $1, from $BUILD_DIR, in private mount, PID and
# (where `ip` can bring its loopback up, unless PGC_CHROOT_HOST_NET=1) network
# namespaces; without namespaces, in the host's (the traps still unmount).
# Returns its status.
run_inside() {
  local dir=$1 cmd=$2
  local ns=(unshare --mount --propagation private --pid --fork --mount-proc --kill-child)
  export PGC_NETNS=0
  # a network namespace needs `ip` (iproute2) to bring its loopback up
  if [ "${PGC_CHROOT_HOST_NET:-0}" = 1 ]; then
    echo "== PGC_CHROOT_HOST_NET=1: the command shares the host's network (no network namespace)"
  elif command -v ip >/dev/null 2>&1 && "${ns[@]}" --net -- ip link set lo up 2>/dev/null; then
    ns+=(--net); PGC_NETNS=1
  fi
  mkdir -p "$dir$BUILD_DIR"
  if "${ns[@]}" -- true 2>/dev/null; then
    bg_run "${ns[@]}" -- bash "$SELF" __inner "$dir" "$cmd" "$PG_MAJOR"
  else
    echo "== (unshare unavailable: running without private namespaces)"
    bg_run bash "$SELF" __inner "$dir" "$cmd" "$PG_MAJOR"
  fi
}

# 2. the chroot, once
if [ -n "$SOURCE" ]; then
  # a bookworm with what PostgreSQL's build needs (bison and flex: the release
  # snapshots carry no generated parser), and postgresql-common for
  # pg_virtualenv; the server itself is built below
  PACKAGES=make,gcc,libc6-dev,perl,bison,flex,pkg-config,libssl-dev,libicu-dev
  PACKAGES+=,libkrb5-dev,liblz4-dev,libzstd-dev,libreadline-dev,zlib1g-dev
  PACKAGES+=,libipc-run-perl,postgresql-common,postgresql-client-common,locales
else
  PACKAGES=postgresql-$PG_MAJOR,postgresql-server-dev-$PG_MAJOR,postgresql-client-$PG_MAJOR
  PACKAGES+=,postgresql-contrib,libipc-run-perl,make,gcc,libc6-dev,perl,libkrb5-dev
fi
PACKAGES+=,ca-certificates,postgresql-common${PGC_CHROOT_EXTRA:+,$PGC_CHROOT_EXTRA}
# The setup hook stops postgresql-common from making a "main" cluster.
HOOK='mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo "create_main_cluster = false" > "$1/etc/postgresql-common/createcluster.d/pg_conventions.conf"'
SOURCES=("$MIRROR")
DIST=$SUITE
if [ "$SUITE" = experimental ]; then
  # sid, with PostgreSQL's packages (and what only experimental has of their
  # dependencies' versions) taken from experimental
  DIST=sid
  SOURCES=("deb $MIRROR sid main" "deb $MIRROR experimental main")
  HOOK+=' && mkdir -p "$1/etc/apt/preferences.d" && printf "Package: postgresql* libpq*\nPin: release a=experimental\nPin-Priority: 990\n" > "$1/etc/apt/preferences.d/pg_conventions-experimental"'
fi
if [ "$rebuild" = 1 ] && [ -e "$DIR" ]; then
  echo "== --rebuild: removing $DIR"
  rm -rf --one-file-system "$DIR"
fi
if [ ! -f "$DIR/$MARKER" ]; then
  [ -e "$DIR" ] && { echo "== $DIR is incomplete, making it anew"; rm -rf --one-file-system "$DIR"; }
  rm -rf --one-file-system "$DIR.partial"
  tarball=
  if [ -n "$SOURCE" ]; then
    . "$REPO/scripts/vendored.sh"
    tarball=$(vendored_source postgresql "$SOURCE.tar.gz" \
      "https://ftp.postgresql.org/pub/source/v${SOURCE#postgresql-}/$SOURCE.tar.gz" \
      "$SOURCE_SHA256" "url:https://ftp.postgresql.org/pub/source/v${SOURCE#postgresql-}/$SOURCE.tar.gz.sha256") || exit 1
  fi
  echo "== creating the $SUITE chroot for PostgreSQL $PG_MAJOR in $DIR (mirror $MIRROR)"
  start=$SECONDS
  # own mount namespace: whatever mmdebstrap mounts goes when it ends.
  # Documentation and man pages are left out (copyright files kept).
  bg_run unshare --mount --propagation private -- \
  mmdebstrap --mode=root --variant=minbase --components=main \
    --include="$PACKAGES" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --aptopt='Acquire::Languages "none"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --setup-hook="$HOOK" \
    "$DIST" "$DIR.partial" "${SOURCES[@]}"
  echo "== chroot made in $((SECONDS - start)) s"
  if [ -n "$SOURCE" ]; then
    # PostgreSQL from its release source, installed as Debian installs a
    # major: binaries and libraries under /usr/lib/postgresql/MAJOR, shared
    # files under /usr/share/postgresql/MAJOR (where pg_createcluster and
    # initdb look); --enable-tap-tests installs PostgreSQL::Test::Cluster
    # with PGXS.  No cassert, as Debian; no LLVM (JIT changes nothing here).
    # Of contrib, only what the tests load: pg_stat_statements.
    build_start=$SECONDS
    mkdir -p "$DIR.partial/usr/src"
    tar xzf "$tarball" -C "$DIR.partial/usr/src"
    conf="--prefix=/usr/lib/postgresql/$PG_MAJOR --datadir=/usr/share/postgresql/$PG_MAJOR"
    conf+=" --enable-tap-tests --with-openssl --with-icu --with-gssapi --with-lz4"
    [ "$PG_MAJOR" -ge 16 ] && conf+=" --with-zstd"
    echo "== building $SOURCE in the chroot (./configure $conf; log in the chroot's /usr/src/build.log)"
    if ! run_inside "$DIR.partial" "cd /usr/src/$SOURCE && { ./configure $conf && nice -n 10 make -j\$(nproc) && make install && nice -n 10 make -C contrib/pg_stat_statements install; } >/usr/src/build.log 2>&1"; then
      tail -40 "$DIR.partial/usr/src/build.log"
      echo "chroot.sh: building $SOURCE failed" >&2
      exit 1
    fi
    rm -rf --one-file-system "$DIR.partial/usr/src/$SOURCE"
    echo "== $SOURCE built and installed in $((SECONDS - build_start)) s"
  fi
  {
    echo "suite=$SUITE major=$PG_MAJOR mirror=$MIRROR"
    echo "packages=$PACKAGES"
    [ -n "$SOURCE" ] && echo "source=$SOURCE sha256=$(sha256sum "$tarball" | awk '{ print $1 }')"
    echo "created=$(date -u +%FT%TZ) seconds=$((SECONDS - start))"
  } > "$DIR.partial/$MARKER"
  mv "$DIR.partial" "$DIR"
  echo "== chroot created in $((SECONDS - start)) s"
else
  echo "== using the cached chroot $DIR ($(sed -n 's/^created=//p' "$DIR/$MARKER"))"
fi
if [ -n "$SOURCE" ]; then
  echo "== in the chroot: $("$DIR/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" --version), built from $SOURCE"
else
  echo "== in the chroot: $(chroot "$DIR" dpkg-query -W -f='${Package} ${Version}\n' "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" | tr '\n' ' ')"
fi

# 3. the repository, afresh
rm -rf --one-file-system "$DIR$BUILD_DIR"
mkdir -p "$DIR$BUILD_DIR"
if [ "$head" = 1 ]; then
  echo "== copying the committed tree ($(git -C "$REPO" rev-parse --short HEAD))"
  git -C "$REPO" archive --format=tar HEAD | tar -C "$DIR$BUILD_DIR" -xf -
elif git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "== copying the work tree (HEAD $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- || echo ', with uncommitted changes'))"
  (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
     while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
     tar --null -T - -cf -) | tar -C "$DIR$BUILD_DIR" -xf -
else
  echo "== copying the tree (no git)"
  tar -C "$REPO" --exclude=./.git --exclude=./output --exclude='*.o' \
    --exclude='*.so' --exclude='*.bc' -cf - . | tar -C "$DIR$BUILD_DIR" -xf -
fi

# 4. the command
if [ $# -gt 0 ]; then
  CMD="$*"
  LABEL=$CMD
else
  LABEL="the default (build with -Werror, install, pg_regress suites guard and eventtrigger)"
  # The default: scripts/test.sh's build and pg_regress part, for this major.
  CMD=$(cat <<'EOF'
set -uo pipefail
PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
mkdir -p output
# PGXS from Debian builds LLVM bitcode (.bc) with clang-NN; without that clang
# (postgresql-server-dev-NN depends on it, so it should be there) skip it.
llvm=
clang=$(sed -n 's/^CLANG *= *//p' "$(dirname "$($PG_CONFIG --pgxs)")/../Makefile.global")
if [ -n "$clang" ] && ! command -v "$clang" >/dev/null 2>&1; then
  echo "== $clang missing: building without bitcode (with_llvm=no)"; llvm=with_llvm=no
fi
echo "== building (PostgreSQL $PG_MAJOR, COPT=-Werror; full log output/build.log)"
make -k PG_CONFIG=$PG_CONFIG COPT=-Werror $llvm >output/build.log 2>&1
build=$?
grep -E ': (fatal error|error|warning|note): |^make.*Error' output/build.log || true
if [ $build -ne 0 ]; then
  echo "== build FAILED"
  echo "pg_conventions (PostgreSQL $PG_MAJOR): build failed"
  exit 2
fi
echo "== build ok, installing"
make -s install PG_CONFIG=$PG_CONFIG $llvm >/dev/null &&
  make -s -C test/ext install PG_CONFIG=$PG_CONFIG >/dev/null || exit 2
status=0; total_p=0; total_f=0; summary=
run_regress() {
  local suite=$1; shift
  echo "== pg_regress suite '$suite'"
  local log=output/$suite.log ok=1
  if ! pg_virtualenv -v $PG_MAJOR "$@" \
       make -s installcheck SUITE="$suite" PG_CONFIG=$PG_CONFIG >"$log" 2>&1; then
    status=1; ok=0
    [ -f "output/$suite/regression.diffs" ] && cat "output/$suite/regression.diffs"
  fi
  cat "$log"
  read -r p f < <(count_regress "$log")
  # a suite that failed before (or without) a failing test fails once
  [ "$ok" = 0 ] && [ "$f" = 0 ] && f=1
  total_p=$((total_p + p)); total_f=$((total_f + f))
  summary+="suite $suite: $p passed, $f failed"$'\n'
}
run_regress guard -o shared_preload_libraries=pg_conventions,pg_stat_statements \
  -o max_prepared_transactions=2
run_regress eventtrigger -o max_prepared_transactions=2
# the TAP tests, as scripts/test.sh runs them on the host (as postgres)
echo "== TAP tests"
tapdir=$(mktemp -d)
cp -r test/tap "$tapdir/"
mkdir "$tapdir/squawk" && cp -r test/squawk/schema.sql test/squawk/corpus "$tapdir/squawk/"
chown -R postgres "$tapdir"
pgxs=$(dirname "$($PG_CONFIG --pgxs)")/..
if (cd "$tapdir" && runuser -u postgres -- env PATH="/usr/lib/postgresql/$PG_MAJOR/bin:/usr/bin:/bin" \
      PG_REGRESS="$pgxs/test/regress/pg_regress" PERL5LIB="$pgxs/test/perl" TESTDIR="$tapdir" \
      prove --timer -v "$tapdir"/tap/*.pl) >output/tap.log 2>&1; then tap_ok=1; else tap_ok=0; status=1; fi
cat output/tap.log
p=$(grep -cE '^ok [0-9]+' output/tap.log || true)
f=$(grep -cE '^not ok [0-9]+' output/tap.log || true)
[ "$tap_ok" = 0 ] && [ "$f" = 0 ] && f=1
total_p=$((total_p + p)); total_f=$((total_f + f))
summary+="TAP: $p passed, $f failed"$'\n'
rm -rf "$tapdir"
echo
printf '%s' "$summary"
echo "pg_conventions (PostgreSQL $PG_MAJOR): $total_p passed, $total_f failed"
exit $status
EOF
)
  # count_regress (scripts/count_regress.sh) from the host: the copied tree
  # (e.g. an older HEAD) need not have it
  . "$REPO/scripts/count_regress.sh"
  CMD="$(declare -f count_regress)"$'\n'"$CMD"
fi
# whatever the command, first the cluster a killed run left in the chroot
# (its pid namespace ended with it: nothing there is running)
. "$REPO/scripts/leftover_cluster.sh"
CMD="$(declare -f drop_leftover_regress)"$'\n'"drop_leftover_regress $PG_MAJOR"$'\n'"$CMD"

echo "== running in the chroot: $LABEL"
start=$SECONDS
rc=0
ran=1
run_inside "$DIR" "$CMD" || rc=$?
echo "== command exited $rc after $((SECONDS - start)) s"

exit "$rc"   # the EXIT trap copies the logs (step 5)
