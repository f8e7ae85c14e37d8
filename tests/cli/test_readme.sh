#!/bin/sh
# README.md as a new user reads it: the "Writing a scenario" example is a
# valid scenario (6 bwd_d2d values x 5 seeds), the quickstart has the runs the
# README counts, and every subcommand it lists answers --help with exit 0.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

awk '/^```csv$/ { on = 1; next } /^```$/ { on = 0 } on' README.md >"$d/example.csv"
[ "$(wc -l <"$d/example.csv")" -eq 2 ] || fail "README has no two-line csv example: $(cat "$d/example.csv")"
"$X" run --check "$d/example.csv" >"$d/out" 2>&1 || fail "README example: $(cat "$d/out")"
grep -q ": ok, 30 runs$" "$d/out" || fail "README example: $(cat "$d/out")"

grep -q '^8 settings × 3 seeds = 24 runs' README.md || fail "README no longer counts the quickstart runs"
"$X" run --check scenarios/examples/quickstart.csv | grep -q ": ok, 24 runs$" \
  || fail "quickstart.csv no longer has the 24 runs README.md counts"

for c in run report size device spice; do
  "$X" $c --help >"$d/h" 2>&1 || fail "xbarsim $c --help exited $?"
  grep -q "^usage: xbarsim $c" "$d/h" || fail "xbarsim $c --help: $(head -2 "$d/h")"
done
echo "ok test_readme.sh"
