#!/usr/bin/env bash
# A release source that the tests build (Citus, PostgreSQL 14 and 16): found in
# the vendored sources next to the clone (../shared/vendor, as CI has it), or,
# in a clone that has none, downloaded from the project's own release address
# and checked against its checksum.  Source it; it defines
#
#   vendored_source SUBDIR FILE URL SHA256 [DOWNLOAD_SHA256]
#
# which prints the path of FILE and says on stderr where it came from:
#   1. $VENDOR_DIR/SUBDIR/FILE, when VENDOR_DIR is set;
#   2. ../shared/vendor/SUBDIR/FILE next to the repository (PGC_VENDOR_SIBLING=0
#      skips it: test/vendored/run.sh tests the download this way);
#   3. $PGC_DOWNLOAD_CACHE/FILE (default /var/cache/pg_conventions/downloads),
#      downloaded from URL (curl,
#      installed when missing) and kept only when its SHA-256 is
#      DOWNLOAD_SHA256 (default SHA256: the vendored file is that release).
#      A DOWNLOAD_SHA256 of the form "url:ADDRESS" reads the checksum from
#      ADDRESS, the project's published .sha256 file (PostgreSQL's release
#      tarballs differ from the vendored snapshots of the same release).
# A vendored file is used only when its SHA-256 is SHA256.
# Returns non-zero, having said why, when neither works.

vendored_source() {
  local subdir=$1 file=$2 url=$3 sum=$4 download_sum=${5:-$4} d path want got
  local repo cache=${PGC_DOWNLOAD_CACHE:-/var/cache/pg_conventions/downloads} sibling=
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  [ "${PGC_VENDOR_SIBLING:-1}" = 0 ] || sibling=$(dirname "$repo")/shared/vendor/$subdir
  local sudo=
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  for d in ${VENDOR_DIR:+"$VENDOR_DIR/$subdir"} ${sibling:+"$sibling"}; do
    path=$d/$file
    [ -f "$path" ] || continue
    got=$(sha256sum "$path" | awk '{ print $1 }')
    if [ "$got" != "$sum" ]; then
      echo "vendored: $path has SHA-256 $got, not $sum: not using it" >&2
      continue
    fi
    echo "== $file: the vendored source $path" >&2
    printf '%s\n' "$path"
    return 0
  done
  path=$cache/$file
  if [ -f "$path.verified" ] && [ -f "$path" ]; then
    echo "== $file: downloaded before from $url, in $path (SHA-256 checked then)" >&2
    printf '%s\n' "$path"
    return 0
  fi
  if ! command -v curl >/dev/null 2>&1; then
    echo "== installing curl to download $file" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends \
      curl ca-certificates </dev/null >&2 || return 1
  fi
  $sudo mkdir -p "$cache"
  echo "== $file: no vendored source (../shared/vendor/$subdir), downloading $url" >&2
  if ! $sudo curl -fsSL --retry 3 -o "$path.part" "$url"; then
    echo "vendored: could not download $url; put $file in ../shared/vendor/$subdir or set VENDOR_DIR" >&2
    $sudo rm -f "$path.part"
    return 1
  fi
  want=$download_sum
  if [ "${download_sum#url:}" != "$download_sum" ]; then
    want=$(curl -fsSL --retry 3 "${download_sum#url:}" | awk '{ print $1; exit }') || want=
    if [ -z "$want" ]; then
      echo "vendored: could not read the checksum at ${download_sum#url:}" >&2
      $sudo rm -f "$path.part"
      return 1
    fi
  fi
  got=$(sha256sum "$path.part" | awk '{ print $1 }')
  if [ "$got" != "$want" ]; then
    echo "vendored: $url has SHA-256 $got, expected $want: refusing it" >&2
    $sudo rm -f "$path.part"
    return 1
  fi
  $sudo mv "$path.part" "$path"
  $sudo touch "$path.verified"
  echo "== $file: downloaded, SHA-256 $got verified, kept in $path" >&2
  printf '%s\n' "$path"
}
