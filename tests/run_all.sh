#!/bin/sh
# Runs every CMocka suite and every end-to-end CLI test, prints each failure in
# full, and ends with one line "N passed, N failed" counted over test cases.
# usage: run_all.sh BUILD CLI "SUITES" "CLI_TESTS"
build=$1; cli=$2; suites=$3; clitests=$4
# an absolute binary path, so that CLI tests may change directory
case $cli in ""|/*) ;; *) cli="$(pwd)/$cli" ;; esac
logdir="$build/test-logs"
mkdir -p "$logdir"
passed=0; failed=0; failed_names=""
for t in $suites; do
  name=$(echo "$t" | sed "s|^$build/tests/||")
  log="$logdir/$(echo "$name" | tr / _).log"
  start=$(date +%s)
  "$t" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
  f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
  p=${p:-0}; f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed before its summary
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    echo "FAIL  $name (${secs}s)"; cat "$log"; failed_names="$failed_names $name"
  else
    echo "ok    $name: $p passed (${secs}s)"
  fi
done
for t in $clitests; do
  name=$(basename "$t" .sh)
  log="$logdir/cli_$name.log"
  start=$(date +%s)
  XBARSIM="$cli" sh "$t" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); echo "ok    cli/$name (${secs}s)"
  else
    failed=$((failed + 1)); echo "FAIL  cli/$name (${secs}s)"; cat "$log"; failed_names="$failed_names cli/$name"
  fi
done
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
