#!/bin/sh
# Running into a folder that already holds results replaces them (run --help
# says so), and says so on stderr; --resume keeps them and says nothing; a
# fresh folder says nothing.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
f=scenarios/examples/teacher.csv
a="--set epochs=1 --set seeds=1 -o $d/r"

"$X" run --help | grep -q "it, results already in DIR are replaced" || fail "--help does not say"
"$X" run $f $a 2>"$d/err1" || fail "first run: $(cat "$d/err1")"
grep -q replacing "$d/err1" && fail "fresh folder: $(cat "$d/err1")"
"$X" run $f $a --resume 2>"$d/err2" || fail "resume: $(cat "$d/err2")"
grep -q replacing "$d/err2" && fail "--resume: $(cat "$d/err2")"
grep -q "(complete, kept)" "$d/err2" || fail "--resume kept nothing: $(cat "$d/err2")"
"$X" run $f $a 2>"$d/err3" || fail "rerun: $(cat "$d/err3")"
grep -qx "xbarsim run: replacing the results in $d/r (--resume keeps them)" "$d/err3" \
  || fail "rerun without --resume: $(cat "$d/err3")"
grep -q "(complete, kept)" "$d/err3" && fail "rerun kept runs"
[ "$(wc -l <"$d/r/results.csv")" -eq 9 ] || fail "results.csv after the rerun: 4 runs x 2 epochs + header"
echo "ok test_run_replace.sh"
