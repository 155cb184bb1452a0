# shellcheck shell=bash
# drop_leftover_regress MAJOR: removes the cluster MAJOR/regress that a killed
# pg_virtualenv left behind (its configuration in /etc/postgresql, its data
# in /var/lib/postgresql), so that the next pg_virtualenv, which refuses with
# "cluster configuration already exists", can run.  As root, pg_virtualenv
# always names its cluster MAJOR/regress.  A cluster whose server is still
# running belongs to a pg_virtualenv that is still running: it is left alone
# (and the next pg_virtualenv says so).  Source this file; it defines only
# that function.
drop_leftover_regress() {
  local major=$1
  local conf=/etc/postgresql/$major/regress data=/var/lib/postgresql/$major/regress pid
  [ -e "$conf" ] || [ -e "$data" ] || return 0
  if [ -f "$data/postmaster.pid" ]; then
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      echo "== the cluster $major/regress is running (pid $pid): another pg_virtualenv is using it"
      return 0
    fi
  fi
  echo "== removing the cluster $major/regress that a killed run left behind"
  pg_dropcluster "$major" regress >/dev/null 2>&1 || true
  rm -rf "$conf" "$data"
}
