#!/bin/sh
# End-to-end: xbarsim size on a small design whose numbers are checked by hand
# in tests/circuits/test_circuits_cost.c (same round coefficients), the
# example designs, and clear errors naming file:line:column.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$X" size --help | grep -q 'cells_per_weight' || fail "--help"
"$X" size --params | grep -q '^| sar_fom | 6.1035e-15 | J |' || fail "--params lists sar_fom"
out=$("$X" size tests/data/reports/design_small.csv --format csv) || fail "size csv"
# W_2 forward read: 2 * (1.32e-14 + 9.6e-18 + 1.5e-13 + 4e-15 + 6.4e-13 + 8e-14) J;
# pulse 2.2e-12 + 6.4e-16 + 1.65e-12 J; update 2 phases x 3 rows x 100 ns;
# B_2 transposed read 1.5124256e-12 J
echo "$out" | grep -q '^small,bidirectional,fwd,2,3,2,1,1,12,6.400000e-13,4.044000e-10,1.774419e-12,2.160000e-08,3.850640e-12,6.000000e-07$' \
  || fail "W_2 row: $out"
echo "$out" | grep -q '^small,bidirectional,bwd,2,3,2,1,1,0,0.000000e+00,4.000000e-12,1.512426e-12,' || fail "B_2 row"
echo "$out" | grep -q '^small,twin,bwd,2,3,2,1,1,12,6.400000e-13,4.044000e-10,1.512426e-12,' || fail "twin B_2 row"
# per physical array: W_1 (3 -> 3, 6 columns) is two tiles of a 4 x 4 array, 4 + 2 columns used
arr=$("$X" size tests/data/reports/design_small.csv --format csv --arrays) || fail "--arrays"
echo "$arr" | grep -q '^small,twin,fwd,1,0,0,3,4,4,4,6.400000e-13,4.044000e-10,' || fail "tile 0,0: $arr"
echo "$arr" | grep -q '^small,twin,fwd,1,0,1,3,2,4,4,6.400000e-13,4.044000e-10,' || fail "tile 0,1"
md=$("$X" size tests/data/reports/design_small.csv) || fail "size md"
echo "$md" | grep -q '| twin | 1620 | 401 (+32.9 %) |' || fail "twin overhead line: $md"
for f in designs/*.csv; do "$X" size "$f" >/dev/null || fail "example $f"; done
# several files at once (as in `xbarsim size designs/*.csv`): one report each, one CSV header
both=$("$X" size tests/data/reports/design_small.csv designs/neurosim_400_100_10.csv --format csv) \
  || fail "two design files"
[ "$(echo "$both" | grep -c '^design,')" -eq 1 ] || fail "CSV of two files has one header: $both"
echo "$both" | grep -q '^small,twin,bwd,2,' || fail "first file's rows missing"
echo "$both" | grep -q '^neurosim-mlp-v3,twin,' || fail "second file's rows missing"
[ "$("$X" size tests/data/reports/design_small.csv designs/neurosim_400_100_10.csv | grep -c '^# xbarsim size: ')" -eq 2 ] \
  || fail "Markdown of two files has a heading per file"
printf 'name,layers\nx,4-0\n' > "$d/bad.csv"
"$X" size designs/neurosim_400_100_10.csv "$d/bad.csv" >"$d/out" 2>"$d/err" && fail "bad second file accepted"
[ -s "$d/out" ] && fail "a failing file still printed a partial report"
grep -q "bad.csv:2:3: column 'layers'" "$d/err" || fail "$(cat "$d/err")"

printf 'name,layers,adc_bits\nx,4-3,nine\n' > "$d/bad.csv"
"$X" size "$d/bad.csv" 2>"$d/err" && fail "bad adc_bits accepted"
grep -q "bad.csv:2:7: column 'adc_bits': value 'nine': an integer in 1..16" "$d/err" || fail "$(cat "$d/err")"
printf 'name,layers,adc_fom\nx,4-3,1\n' > "$d/bad.csv"
"$X" size "$d/bad.csv" 2>"$d/err" && fail "unknown column accepted"
grep -q "bad.csv:1:13: column 'adc_fom': value 'adc_fom': not a design setting" "$d/err" || fail "$(cat "$d/err")"
printf 'name,layers\nx,4-0\n' > "$d/bad.csv"
"$X" size "$d/bad.csv" 2>"$d/err" && fail "zero width accepted"
grep -q "bad.csv:2:3: column 'layers': value '4-0'" "$d/err" || fail "$(cat "$d/err")"
printf 'name,layers,input_activity\nx,4-3,2\n' > "$d/bad.csv"
"$X" size "$d/bad.csv" 2>"$d/err" && fail "activity 2 accepted"
grep -q "column 'input_activity': value '2': cost parameter 'input_activity' = 2: a fraction" "$d/err" || fail "$(cat "$d/err")"
# Anchor (docs/cost-model.md): NeuroSim's 400-100-10 MLP. NeuroSim's backward pass
# is digital, so its figures compare with our forward arrays (row total_fwd).
# peers.md, "MLP+NeuroSim V3.0 default run": total area 6.2923e-9 m^2, read energy
# 3.36e-6 J per epoch of 8000 images. The issue asks for the same order of
# magnitude; we require a factor of 3 either way.
row=$("$X" size designs/neurosim_400_100_10.csv --format csv | grep '^neurosim-mlp-v3,bidirectional,total_fwd,')
[ -n "$row" ] || fail "anchor total_fwd row"
echo "$row" | awk -F, '{
  area = $10 + $11; e_epoch = 8000 * $12
  ra = area / 6.2923e-9; re = e_epoch / 3.36e-6
  printf "anchor: area %.4g m^2 (x%.2f of NeuroSim), read energy %.4g J/epoch (x%.2f)\n", area, ra, e_epoch, re
  if (ra < 1/3 || ra > 3 || re < 1/3 || re > 3) exit 1 }' || fail "anchor out of a factor 3: $row"
echo ok
