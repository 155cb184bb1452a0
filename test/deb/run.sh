#!/usr/bin/env bash
# The Debian package, built and used as a user would:
#   1. dpkg-buildpackage -us -uc -b in a clean copy of the tree (the files
#      git tracks, and untracked ones it does not ignore): builds
#      postgresql-<major>-pg-conventions for every major in debian/pgversions
#      whose server headers are installed (pg_buildext);
#   2. installs the .deb (dpkg -i) and runs demo/demo.sql in a throwaway
#      cluster with the packaged library preloaded: it must warn, reject under
#      enforce, and report, as the demo does;
#   3. runs the package's own autopkgtest, debian/tests/installcheck (both
#      pg_regress suites through pg_buildext installcheck) against it;
#   4. removes the package, and puts back the extension that scripts/setup.sh
#      installed with make install (the same files), for the tests after it.
# As root (or with sudo).  Needs build-essential (dpkg-checkbuilddeps asks for
# it), debhelper, postgresql-server-dev-all, dpkg-dev and fakeroot, which it
# installs when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
missing=()
for p in build-essential debhelper postgresql-server-dev-all dpkg-dev fakeroot; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends \
    "${missing[@]}" </dev/null >/dev/null
fi

# one version everywhere: the extension, the package, PGXN's META.json
ext_version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" pg_conventions.control)
deb_version=$(dpkg-parsechangelog -S Version)
meta_version=$(python3 -c 'import json; print(json.load(open("META.json"))["version"])')
if [ "$deb_version" != "$ext_version" ] || [ "${meta_version%.0}" != "$ext_version" ]; then
  echo "deb: versions disagree: control $ext_version, debian/changelog $deb_version, META.json $meta_version"
  exit 1
fi

work=$(mktemp -d)
cleanup() {
  if dpkg-query -W -f='${Status}' postgresql-15-pg-conventions 2>/dev/null | grep -q 'install ok'; then
    $SUDO dpkg -r postgresql-15-pg-conventions >/dev/null || true
  fi
  # the extension the test command built stays installed for what follows
  $SUDO make -s install PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/pg-conventions"
git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C "$work/pg-conventions"
chmod -R a+rX "$work"

echo "== dpkg-buildpackage -us -uc -b"
(cd "$work/pg-conventions" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; echo "deb: FAILED (build)"; exit 1; }
debs=("$work"/postgresql-*-pg-conventions_*.deb)
ls -1 "${debs[@]}" | sed 's|.*/|   built |'

echo "== dpkg -i, then the demo against the packaged library"
$SUDO dpkg -i "${debs[@]}" >/dev/null
dpkg -L postgresql-15-pg-conventions | grep -E 'pg_conventions\.(so|control)$' | sed 's/^/   /'
fail=0
# the commands ship in the package, beside the server's binaries
# (the list first: grep -q ending the pipe early would be dpkg's SIGPIPE under pipefail)
shipped=$(dpkg -L postgresql-15-pg-conventions)
for cmd in pg_conventions_ci pg_conventions_twin; do
  if grep -qx "/usr/lib/postgresql/15/bin/$cmd" <<<"$shipped" &&
     "/usr/lib/postgresql/15/bin/$cmd" --help >"$work/$cmd.help" 2>&1; then
    echo "   /usr/lib/postgresql/15/bin/$cmd"
  else
    echo "deb: the package does not ship a working $cmd:"; grep /bin/ <<<"$shipped"; cat "$work/$cmd.help"; fail=1
  fi
done
out=$(cd "$work/pg-conventions" && pg_virtualenv -v 15 -o shared_preload_libraries=pg_conventions \
        psql -X -v ON_ERROR_STOP=0 -f demo/demo.sql 2>&1)
for want in 'WARNING:  table "public.audit_log" has no primary key' \
            'ERROR:  ' 'fix_sql'; do
  if ! grep -qF -- "$want" <<<"$out"; then
    echo "deb: the demo did not show: $want"; fail=1
  fi
done
if grep -qE 'could not (access|load) file|terminated by signal' <<<"$out"; then
  echo "deb: the demo could not use the packaged library"; fail=1
fi
echo "   demo: $(grep -c 'WARNING:  ' <<<"$out") warnings, $(grep -c 'ERROR:  ' <<<"$out") errors"

echo "== debian/tests/installcheck (pg_buildext installcheck)"
if (cd "$work/pg-conventions" && sh debian/tests/installcheck) >"$work/installcheck.log" 2>&1; then
  grep -E 'tests passed|tests failed' "$work/installcheck.log" | sed 's/^/   /'
else
  cat "$work/installcheck.log"; fail=1
fi
[ "$fail" = 0 ] || { echo "deb: FAILED"; exit 1; }
echo "deb: passed"
