#!/bin/sh
# --jobs 1 and --jobs 2 give identical results.csv (the seconds column, wall
# time, is the one value that is not a function of the settings and seed).
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/s.csv" <<'CSV'
scenario,rule,device,hidden,epochs,batch,lr,train_n,test_n,seeds,c2c
jobs,bp;rbp,ideal;agsi,16,2,32,0.1,600,300,1-2,
CSV
no_seconds() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i }
           { $s = ""; print }' OFS=, "$1"
}
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/j1" --jobs 1
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/j2" --jobs 2
no_seconds "$tmp/j1/results.csv" >"$tmp/a"
no_seconds "$tmp/j2/results.csv" >"$tmp/b"
[ "$(wc -l <"$tmp/a")" -eq $((1 + 8 * 3)) ]
cmp "$tmp/a" "$tmp/b"
echo "ok"
