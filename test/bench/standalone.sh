# A cluster for the callgrind benchmarks (query_patterns_instructions.sh,
# bulk_migration_instructions.sh), sourced by both after BIN is set:
# $work is a fresh directory (removed on exit) with a cluster in $work/data,
# owned by postgres when run as root (as_owner runs a command as its owner).
#   standalone_setup        SQL on stdin, run by a server under a postmaster
#                           (on a Unix socket in $work), which then stops:
#                           objects made so get OIDs from FirstNormalObjectId
#                           on, where a stand-alone backend's would look
#                           like catalogs
#   standalone_instructions OPTIONS FILE   the instructions a stand-alone
#                           backend (postgres --single) spends on FILE's
#                           statements, one a line, under callgrind
work=$(mktemp -d)
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$work"
  as_owner=(runuser -u postgres --)
fi
standalone_started=0
standalone_cleanup() {
  if [ "$standalone_started" = 1 ]; then
    "${as_owner[@]}" "$BIN/pg_ctl" -D "$work/data" stop -m fast >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap standalone_cleanup EXIT
"${as_owner[@]}" "$BIN/initdb" -D "$work/data" -A trust >/dev/null

standalone_setup() {
  standalone_started=1
  "${as_owner[@]}" "$BIN/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
    -o "-k $work -c listen_addresses= -p 5499" start >/dev/null
  "${as_owner[@]}" psql -X -q -h "$work" -p 5499 -d postgres -v ON_ERROR_STOP=1
  "${as_owner[@]}" "$BIN/pg_ctl" -D "$work/data" stop -m fast >/dev/null
  standalone_started=0
}

standalone_instructions() {
  local options=$1 file=$2
  # shellcheck disable=SC2086
  "${as_owner[@]}" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$BIN/postgres" --single -D "$work/data" $options postgres \
    <"$file" >"$work/run.log" 2>&1
  if grep -q 'ERROR:' "$work/run.log"; then
    grep -m 3 'ERROR:' "$work/run.log" >&2
    echo "the statements failed with options: $options" >&2
    exit 1
  fi
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/run.log"
}
