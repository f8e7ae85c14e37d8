#!/bin/sh
# End-to-end: xbarsim report on the fixture results file (hand values in
# tests/reports/test_reports_table.c): files written, table content, figures
# valid, errors clear.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
case $X in /*) ;; *) X=$(pwd)/$X ;; esac
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$X" report --help | grep -q -- '--rows COLS' || fail "--help does not list --rows"
cp tests/data/reports/results_small.csv "$d/results.csv"
"$X" report "$d" 2>"$d/err" || { cat "$d/err"; fail "report failed"; }
for f in report.md table.tex table.csv fig_test_acc.png fig_test_acc.svg fig_test_acc.pdf \
         fig_test_acc.csv fig_test_acc.gp fig_angle.svg fig_sweep.png; do
  [ -s "$d/$f" ] || fail "$f not written"
done
grep -q '| bp-ideal | bp | bidirectional | 0 | 3 | 0.830 ± 0.020 | \[0.780, 0.880\] |' "$d/report.md" \
  || fail "report.md lacks the bp-ideal row"
grep -q 'Common settings: device = ideal, lr = 0.1.' "$d/report.md" || fail "caption"
grep -q '!\[fig_test_acc\](fig_test_acc.svg)' "$d/report.md" || fail "figure link"
[ "$(head -c 4 "$d/fig_test_acc.png" | tail -c 3)" = "PNG" ] || fail "not a PNG"
grep -q '<svg' "$d/fig_test_acc.svg" || fail "not an SVG"
# the written script reruns on its own, with a terminal of the user's choice
(cd "$d" && gnuplot -e "set terminal svg; set output 'again.svg'" fig_test_acc.gp) || fail "rerun .gp"
grep -q '</svg>' "$d/again.svg" || fail "rerun output"

# row/column choice and formats on stdout
out=$("$X" report "$d" --no-figures --rows rule --cols channel --format csv 2>/dev/null)
echo "$out" | grep -q '^rbp,twin,test_acc,final,5,0.68' || fail "csv pooled cell: $out"
"$X" report "$d" --no-figures --at epoch=1 --format tex 2>/dev/null | grep -q '\\num{0.710 \\pm 0.010}' \
  || fail "epoch=1 LaTeX"

# energy columns of a run are tabulated too: bp-ideal's final energy_write is
# 3 epochs x (2.1, 2.2, 2.3)e-4 J: mean 6.6e-4, std 3.0e-5 (by hand)
e=$(mktemp -d)
cp tests/data/reports/results_energy.csv "$e/results.csv"
"$X" report "$e" --no-figures 2>/dev/null || fail "report with energy columns"
grep -q '## Energy and latency' "$e/report.md" || fail "no energy section"
grep -q '| bp-ideal | bp | bidirectional | 0 | 3 | (6.60 ± 0.30)e-4 |' "$e/report.md" || fail "energy_write row"
rm -rf "$e"

# errors
"$X" report "$d" --at last 2>"$d/err" && fail "--at last accepted"
grep -q "'last': final, best or epoch=N" "$d/err" || fail "--at message: $(cat "$d/err")"
"$X" report "$d/nosuch" 2>"$d/err" && fail "missing dir accepted"
grep -q 'results.csv: cannot open' "$d/err" || fail "missing file message"
printf 'scenario,run,seed,epoch,test_acc\na,0,1,1,0.5\na,0,1,2,zz\n' > "$d/results.csv"
"$X" report "$d" --no-figures 2>"$d/err" && fail "bad value accepted"
grep -q "results.csv:3:9: column 'test_acc': value 'zz'" "$d/err" || fail "bad value message: $(cat "$d/err")"
cp tests/data/reports/results_small.csv "$d/results.csv"
PATH=/nonexistent "$X" report "$d" 2>"$d/err" && fail "ran without gnuplot"
grep -q 'gnuplot is not installed' "$d/err" || fail "missing gnuplot message: $(cat "$d/err")"
echo ok
