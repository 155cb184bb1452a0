#!/usr/bin/env bash
# Shared by the README's two commands (scripts/demo.sh, scripts/test.sh):
# installs the Debian packages that are missing, then builds and installs the
# extension.  Source it; it defines PG_CONFIG, PG_BIN and SUDO for the caller
# (and conv_install_packages, which installs EXTRA_PACKAGES too).
# Works as root or as a user with sudo, with no standard input.
set -euo pipefail

PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BIN/pg_config
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi

# Packages: the server, headers for PGXS (and the GSSAPI headers that
# libpq-be.h includes), the client, IPC::Run for the TAP
# tests, a compiler, and the extra packages a caller asks for in EXTRA_PACKAGES.
conv_install_packages() {
  local pkgs=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR
              postgresql-client-$PG_MAJOR postgresql-contrib libipc-run-perl
              libkrb5-dev make gcc libc6-dev perl ${EXTRA_PACKAGES:-})
  local missing=() p
  for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -qq \
      --no-install-recommends "${missing[@]}" </dev/null
  fi
}

# Build warning-free (-Werror) and install into the PostgreSQL 15 tree.
# CONV_CLEANED=1: the caller ran `make clean` already (it empties output/).
conv_build_install() {
  echo "== building and installing pg_conventions"
  [ "${CONV_CLEANED:-0}" = 1 ] || make -s clean PG_CONFIG="$PG_CONFIG" >/dev/null
  make -s PG_CONFIG="$PG_CONFIG" COPT=-Werror
  $SUDO make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
}

# CONV_SETUP_DEFINE_ONLY=1: the definitions alone (scripts/citus.sh)
if [ "${CONV_SETUP_DEFINE_ONLY:-0}" != 1 ]; then
  conv_install_packages
  conv_build_install
fi
