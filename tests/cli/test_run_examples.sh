#!/bin/sh
# Every example scenario validates, and runs end to end at a reduced size
# (--set shrinks epochs, data and network; the grid of runs is unchanged).
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in scenarios/examples/*.csv; do
  name=$(basename "$f" .csv)
  "$XBARSIM" run "$f" --check
  small="--set epochs=1 --set train_n=200 --set test_n=100 --set seeds=1 --set hidden=8"
  n=$("$XBARSIM" run "$f" $small --dry-run | sed -n 's/^\([0-9]*\) runs;.*/\1/p')
  [ "$n" -gt 0 ]
  "$XBARSIM" run "$f" $small -o "$tmp/$name" 2>"$tmp/$name.log" || { cat "$tmp/$name.log"; exit 1; }
  rows=$(($(wc -l <"$tmp/$name/results.csv") - 1))
  [ "$rows" -eq $((n * 2)) ] || { echo "$name: $rows rows for $n runs"; exit 1; }
  echo "$name: $n runs ok"
done
