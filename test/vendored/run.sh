#!/usr/bin/env bash
# scripts/vendored.sh, the way a clone without ../shared meets it: the release
# sources (Citus, PostgreSQL 14 and 16) are downloaded and kept only when their
# SHA-256 is the expected one.  A loopback HTTP server (python3's http.server)
# plays the release site, serving the vendored Citus tarball and a tampered
# copy; nothing leaves the machine.  Prints TAP lines.
set -uo pipefail
cd "$(dirname "$0")/../.."
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3-minimal)
command -v curl >/dev/null 2>&1 || missing+=(curl ca-certificates)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends \
    "${missing[@]}" </dev/null >/dev/null
fi
. scripts/vendored.sh
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
n=0; failed=0
check() {   # check DESCRIPTION COMMAND...: one TAP line
  n=$((n + 1))
  if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}

# the release site: the vendored tarball (or any file, in a clone without
# ../shared: then only its own checksum is known), a tampered copy, and a
# published checksum file
mkdir -p "$work/site" "$work/vendor/citus" "$work/cache"
src=$(PGC_DOWNLOAD_CACHE="$work/cache0" vendored_source citus citus-13.2.2.tar.gz \
        http://127.0.0.1:1/none dd2453caec20a830e5e63f1def5c5a98cb6f57ae510407cdcd800916fcdab430 2>/dev/null) ||
  src=scripts/vendored.sh
cp "$src" "$work/site/release.tar.gz"
sum=$(sha256sum "$work/site/release.tar.gz" | awk '{ print $1 }')
{ cat "$work/site/release.tar.gz"; echo tampered; } >"$work/site/tampered.tar.gz"
echo "$sum  release.tar.gz" >"$work/site/release.tar.gz.sha256"
port=$((20000 + RANDOM % 20000))
(cd "$work/site" && exec python3 -m http.server --bind 127.0.0.1 "$port") >"$work/http.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/release.tar.gz.sha256" 2>/dev/null && break
  sleep 0.1
done
url=http://127.0.0.1:$port
export PGC_VENDOR_SIBLING=0 PGC_DOWNLOAD_CACHE=$work/cache

# 1. no vendored source: downloaded, checked, kept, and said so
out=$(vendored_source citus release.tar.gz "$url/release.tar.gz" "$sum" 2>"$work/err")
check "a release with the expected SHA-256 is downloaded and kept" \
  cmp -s "$out" "$work/site/release.tar.gz"
check "it says where it came from and that its SHA-256 was verified" \
  grep -q "downloaded, SHA-256 $sum verified" "$work/err"
# 2. the next run takes the kept copy without the network
kill "$server"; wait "$server" 2>/dev/null; server=
out2=$(vendored_source citus release.tar.gz "$url/release.tar.gz" "$sum" 2>"$work/err")
check "the next run uses the kept copy (the site is down)" \
  test "$out2" = "$out"
(cd "$work/site" && exec python3 -m http.server --bind 127.0.0.1 "$port") >"$work/http.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -fs -o /dev/null "$url/release.tar.gz.sha256" && break; sleep 0.1; done
# 3. a download whose SHA-256 differs is refused and not kept
if vendored_source citus tampered.tar.gz "$url/tampered.tar.gz" "$sum" >/dev/null 2>"$work/err"; then r=0; else r=1; fi
check "a download with another SHA-256 is refused" test "$r" = 1
check "the refusal names both checksums" grep -q "expected $sum: refusing it" "$work/err"
check "nothing of it is kept" test ! -e "$work/cache/tampered.tar.gz" -a ! -e "$work/cache/tampered.tar.gz.part"
# 4. the checksum read from the project's published .sha256 file
out=$(vendored_source postgresql other.tar.gz "$url/release.tar.gz" "0000" "url:$url/release.tar.gz.sha256" 2>"$work/err")
check "a download is checked against the published checksum file" \
  cmp -s "$out" "$work/site/release.tar.gz"
if vendored_source postgresql tampered2.tar.gz "$url/tampered.tar.gz" "0000" "url:$url/release.tar.gz.sha256" >/dev/null 2>&1; then r=0; else r=1; fi
check "and refused when it does not match it" test "$r" = 1
# 5. a vendored file is used as it is, but only with the expected SHA-256
cp "$work/site/release.tar.gz" "$work/vendor/citus/good.tar.gz"
cp "$work/site/tampered.tar.gz" "$work/vendor/citus/bad.tar.gz"
out=$(VENDOR_DIR=$work/vendor vendored_source citus good.tar.gz "$url/none" "$sum" 2>"$work/err")
check "a vendored source with the expected SHA-256 is used in place" \
  test "$out" = "$work/vendor/citus/good.tar.gz"
if VENDOR_DIR=$work/vendor vendored_source citus bad.tar.gz "$url/none" "$sum" >/dev/null 2>"$work/err"; then r=0; else r=1; fi
check "a vendored source with another SHA-256 is not used" test "$r" = 1
# 6. no source at all: a clear error
if vendored_source citus missing.tar.gz "$url/missing.tar.gz" "$sum" >/dev/null 2>"$work/err"; then r=0; else r=1; fi
check "an unreachable release fails, saying what to do" \
  bash -c "test $r = 1 && grep -q 'put missing.tar.gz in ../shared/vendor/citus or set VENDOR_DIR' '$work/err'"
echo "1..$n"
[ "$failed" = 0 ]
