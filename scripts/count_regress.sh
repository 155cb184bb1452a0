# shellcheck shell=bash
# count_regress LOGFILE: prints "PASSED FAILED", the number of pg_regress
# tests that passed and failed in LOGFILE (pg_regress's own output, e.g. of
# `make installcheck`).  Source this file; it defines only that function.
#
# pg_regress prints its results in two formats:
#   PostgreSQL 15 and earlier
#     test NAME                  ... ok           75 ms
#     test NAME                  ... FAILED       75 ms
#     test NAME                  ... FAILED (test process exited with exit code 2)
#     test NAME                  ... failed (ignored)
#     parallel group (3 tests):  a b c      (then one line per member:)
#          NAME                  ... ok           12 ms
#   PostgreSQL 16 and later (TAP; '-' a serial test, '+' a parallel member)
#     ok 1         - NAME                            75 ms
#     not ok 2     - NAME                            75 ms
#     # parallel group (3 tests):  a b c
#     ok 3         + NAME                            12 ms
# Anything but "ok" is a failure ("failed (ignored)" too).  A "Bail out!" line
# (pg_regress gave up, e.g. the server did not start) counts as one more
# failure, so a run that stopped before its first test never reads 0 failed.
count_regress() {
  awk '
    /^ok [0-9]+ +[-+] /                  { passed++; next }
    /^not ok [0-9]+ +[-+] /              { failed++; next }
    /^(test +|     +)[^ ]+ +\.\.\. /     {
      status = substr($0, index($0, " ... ") + 5)
      sub(/^ +/, "", status)
      if (status ~ /^ok( |$)/) passed++; else failed++
      next
    }
    /^(# )?Bail out!/                    { bailed = 1 }
    END { print passed + 0, failed + bailed }
  ' "$1"
}
