#!/usr/bin/env bash
# Citus for the scale-out tests (test/citus), on this machine's PostgreSQL 15.
#   bash scripts/citus.sh build   make sure citus.so is installed: built from
#                                 the vendored source when it is missing
#   bash scripts/citus.sh test    the TAP tests in test/citus (a coordinator,
#                                 two workers and a plain server)
# Citus is not in Debian's archive: its source is the tarball in
# ../shared/vendor/citus next to this repository (or $VENDOR_DIR/citus); a
# clone without it downloads the same release from GitHub ($CITUS_URL) and
# checks its SHA-256 (scripts/vendored.sh).  The build, about 3 minutes on 2 cores, is kept in
# /var/cache/pg_conventions/citus-<version>-pg<server version>, where the
# next run finds it and only installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
CONV_SETUP_DEFINE_ONLY=1 . scripts/setup.sh

CITUS_VERSION=13.2.2
CITUS_URL=${CITUS_URL:-https://github.com/citusdata/citus/archive/refs/tags/v$CITUS_VERSION.tar.gz}
CITUS_SHA256=dd2453caec20a830e5e63f1def5c5a98cb6f57ae510407cdcd800916fcdab430
. scripts/vendored.sh
server_version=$("$PG_CONFIG" --version | awk '{ print $2 }')
cache=/var/cache/pg_conventions/citus-$CITUS_VERSION-pg$server_version

# Is this Citus's library installed for this server?
installed() {
  local so
  so="$("$PG_CONFIG" --pkglibdir)/citus.so"
  [ -f "$so" ] && grep -aq "Citus $CITUS_VERSION" "$so"
}

build() {
  if installed; then
    echo "== Citus $CITUS_VERSION is installed"
    return 0
  fi
  # built in place (Citus's makefiles keep the build's absolute paths); the
  # marker says the build finished
  if [ ! -f "$cache/.built" ]; then
    local tarball source_dir
    tarball=$(vendored_source citus "citus-$CITUS_VERSION.tar.gz" "$CITUS_URL" "$CITUS_SHA256") || exit 1
    source_dir=$(dirname "$tarball")
    EXTRA_PACKAGES="patch libcurl4-openssl-dev liblz4-dev libzstd-dev libssl-dev libkrb5-dev libreadline-dev zlib1g-dev libxslt1-dev" \
      conv_install_packages
    echo "== building Citus $CITUS_VERSION for PostgreSQL $server_version in $cache (about 3 minutes)"
    $SUDO rm -rf "$cache"
    $SUDO mkdir -p "$cache"
    $SUDO tar xzf "$tarball" -C "$cache" --strip-components=1
    # PostgreSQL 15.20 declares have_createdb_privilege(), which Citus 13.2.2
    # also defines: the vendored patch (or, with a downloaded source, the same
    # one-line change) makes Citus rename its own copy
    if grep -q 'have_createdb_privilege' "$("$PG_CONFIG" --includedir-server)/commands/dbcommands.h"; then
      if [ -f "$source_dir/pg15.20-compat.patch" ]; then
        (cd "$cache" && $SUDO patch -s -p1 <"$source_dir/pg15.20-compat.patch")
      else
        awk '{ lines[NR] = $0 } END { for (i = 1; i <= NR; i++) {
            if (lines[i] == "static inline bool" && lines[i + 1] == "have_createdb_privilege(void)")
              print "#define have_createdb_privilege citus_have_createdb_privilege"
            print lines[i] } }' "$cache/src/include/pg_version_compat.h" |
          $SUDO tee "$cache/pg_version_compat.h.new" >/dev/null
        $SUDO mv "$cache/pg_version_compat.h.new" "$cache/src/include/pg_version_compat.h"
      fi
    fi
    (cd "$cache" && $SUDO env PG_CONFIG="$PG_CONFIG" ./configure >configure.log 2>&1 &&
      $SUDO nice -n 10 make -s -j"$(nproc)" >make.log 2>&1) || {
      tail -30 "$cache/configure.log" "$cache/make.log" 2>/dev/null
      echo "the Citus build failed" >&2
      exit 1
    }
    $SUDO touch "$cache/.built"
  fi
  echo "== installing Citus $CITUS_VERSION from $cache"
  $SUDO make -s -C "$cache" install >/dev/null 2>&1 || {
    $SUDO make -C "$cache" install 2>&1 | tail -20
    echo "installing Citus failed" >&2
    exit 1
  }
}

run_tests() {
  local dir status=0
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' RETURN
  cp -r test/citus "$dir/"
  local env_vars=(PATH="$PG_BIN:/usr/bin:/bin" PG_REGRESS="$(dirname "$("$PG_CONFIG" --pgxs)")/../test/regress/pg_regress"
                  PERL5LIB="$dir/citus/lib:$(dirname "$("$PG_CONFIG" --pgxs)")/../test/perl" TESTDIR="$dir")
  local prove_cmd=(prove --timer -v "$dir"/citus/*.pl)
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres "$dir"
    (cd "$dir" && runuser -u postgres -- env "${env_vars[@]}" "${prove_cmd[@]}") || status=1
  else
    (cd "$dir" && env "${env_vars[@]}" "${prove_cmd[@]}") || status=1
  fi
  return $status
}

case ${1:-} in
  build) build ;;
  test) run_tests ;;
  *) echo "usage: bash scripts/citus.sh build|test" >&2; exit 2 ;;
esac
