#!/bin/sh
# scenarios/examples/channels.csv compares learning channels with a network of
# two hidden layers, so its direct-feedback (srbp) row is not rbp in disguise:
# with one hidden layer srbp and rbp are the same bit for bit (docs/learning.md),
# with two they differ. srbp needs distinct arrays, so it has its own row.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
f=scenarios/examples/channels.csv

"$X" run --check "$f" | grep -q ": ok, 16 runs$" || fail "run count: $("$X" run --check "$f" 2>&1)"
small="--set epochs=1 --set train_n=300 --set test_n=100 --set seeds=1 --set hidden=12x8"
"$X" run "$f" $small -o "$d/r" 2>"$d/log" || fail "run: $(cat "$d/log")"
loss() { awk -F, -v run="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                             $c["run"] == run && $c["epoch"] == 1 { print $c["test_loss"] }' "$d/r/results.csv"; }
a=$(loss direct); b=$(loss separate/rule=rbp/channel=distinct)
[ -n "$a" ] && [ -n "$b" ] || fail "missing runs: $(cut -d, -f1-4 "$d/r/results.csv")"
[ "$a" != "$b" ] || fail "srbp equals rbp (test_loss $a): one hidden layer?"
# the same comparison with one hidden layer: identical, which is why the example has two
"$X" run "$f" $small --set hidden=12 -o "$d/one" 2>"$d/log" || fail "run one layer: $(cat "$d/log")"
a1=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
              $c["run"] == "direct" && $c["epoch"] == 1 { print $c["test_loss"] }' "$d/one/results.csv")
b1=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
              $c["run"] == "separate/rule=rbp/channel=distinct" && $c["epoch"] == 1 { print $c["test_loss"] }' "$d/one/results.csv")
[ -n "$a1" ] && [ "$a1" = "$b1" ] || fail "one hidden layer: srbp $a1, rbp $b1"
echo "ok test_example_channels.sh"
