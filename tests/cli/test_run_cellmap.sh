#!/bin/sh
# Per-cell maps end to end (docs/scenarios.md "Per-cell maps"): on the
# backward arrays of feedback alignment, a map with stuck-low Gmax cells
# changes the results, a uniform map equal to the device's own Gmax (the
# ideal model's 5 uS, devices/ideal.c) gives results identical to no map;
# map paths are relative to the scenario file; a bad map fails --check with
# its file:line:column; manifest.json records the maps' hashes.
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/study" "$tmp/elsewhere"
printf 'gmax\n5e-6\n' >"$tmp/study/uniform.csv"
printf 'gmax\n5e-6,2e-7,5e-6\n2e-7,5e-6,5e-6\n' >"$tmp/study/stuck.csv"
cat >"$tmp/study/s.csv" <<'CSV'
scenario,rule,channel,bwd_cellmap,hidden,pool,epochs,batch,lr,train_n,test_n,seeds
nomap,rbp,twin,,16,4,1,32,0.5,400,200,1
stuck,rbp,twin,stuck.csv,16,4,1,32,0.5,400,200,1
uniform,rbp,twin,uniform.csv,16,4,1,32,0.5,400,200,1
CSV
# run from another folder: the map paths are the scenario file's
cd "$tmp/elsewhere"
"$XBARSIM" run ../study/s.csv -o "$tmp/out" 2>/dev/null
# metrics (epoch .. the column before seconds) of one run, one line per epoch
metrics() {
  awk -F, -v run="$1" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "epoch") a = i;
                                   if ($i == "seconds") b = i; if ($i == "run") r = i }; next }
       $r == run { s = ""; for (i = a; i < b; i++) s = s $i ","; print s }' "$tmp/out/results.csv"
}
metrics nomap >"$tmp/nomap"
metrics stuck >"$tmp/stuck"
metrics uniform >"$tmp/uniform"
[ "$(wc -l <"$tmp/nomap")" -eq 2 ]
cmp "$tmp/nomap" "$tmp/uniform"
if cmp -s "$tmp/nomap" "$tmp/stuck"; then
  echo "stuck-low backward cells changed nothing"; exit 1
fi
grep -q '"cellmap_hash_fnv1a64": {"../study/stuck.csv": "[0-9a-f]\{16\}", "../study/uniform.csv": "[0-9a-f]\{16\}"}' \
  "$tmp/out/manifest.json"

# a ragged map: --check names the map's line and column, nothing runs
printf 'gmax\n5e-6,5e-6\n5e-6\n' >"$tmp/study/ragged.csv"
printf 'scenario,rule,channel,bwd_cellmap\nr,rbp,twin,ragged.csv\n' >"$tmp/study/bad.csv"
if "$XBARSIM" run ../study/bad.csv --check 2>"$tmp/err"; then
  echo "a ragged map passed --check"; exit 1
fi
grep -q "^../study/bad.csv:2:1: run 'r': ../study/ragged.csv:3:1: value '5e-6': ragged map: this row has 1 values, the first row of values 2$" "$tmp/err"
echo "ok"
