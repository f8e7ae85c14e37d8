#!/bin/sh
# xbarsim report on regression results (scenarios/examples/teacher.csv, loss
# mse): test_acc is empty in every row (docs/results.md), so without --value
# the table shows test_nse, and the learning-curve figure is fig_test_nse in
# place of fig_test_acc. An explicit --value is kept as given.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$X" run scenarios/examples/teacher.csv --set epochs=2 --set seeds=1-2 -o "$d/r" 2>"$d/log" \
  || fail "run: $(cat "$d/log")"
"$X" report "$d/r" 2>"$d/err0" || fail "report: $(cat "$d/err0")"
grep -q '^| run | .* | n | test_nse | 95 % CI |$' "$d/r/report.md" || fail "default table is not test_nse: $(head -8 "$d/r/report.md")"
grep -q '^| fa_ideal | .* | 2 | [0-9]' "$d/r/report.md" || fail "fa_ideal row has no n = 2 value"
grep -q '^Final test_nse, mean' "$d/r/report.md" || fail "caption"
[ -s "$d/r/fig_test_nse.png" ] || fail "no fig_test_nse.png"
[ -e "$d/r/fig_test_acc.png" ] && fail "fig_test_acc drawn for results without accuracy"
grep -q '!\[fig_test_nse\](fig_test_nse.svg)' "$d/r/report.md" || fail "report.md does not link fig_test_nse"
# the figure's data: epochs 0..2, mean and std of the 4 scenarios; an untrained
# linear net has NSE near 1 and every curve falls (test_run_teacher.sh)
awk -F, 'NR == 1 { if (NF != 9 || $2 != "bp_ideal") bad = 1; next }
         { e[NR] = $0; n++ }
         END { split(e[2], a, ","); split(e[NR], b, ",");
               for (i = 2; i <= 8; i += 2) if (!(a[i] > 0.5 && b[i] < a[i])) bad = 1;
               exit bad || n != 3 }' "$d/r/fig_test_nse.csv" \
  || fail "fig_test_nse.csv: $(cat "$d/r/fig_test_nse.csv")"

# asked for explicitly, the accuracy table stays (empty cells, n = 0)
"$X" report "$d/r" --value test_acc --no-figures 2>"$d/err" || fail "report --value test_acc"
grep -q '^| run | .* | n | test_acc | 95 % CI |$' "$d/r/report.md" || fail "--value test_acc was overridden"
# a caption readers can paste: the transpose as a character, not gnuplot markup
grep -q '^set title "angle between backward matrix and Wᵀ per layer' "$d/r/fig_angle.gp" \
  || fail "fig_angle title: $(grep title "$d/r/fig_angle.gp")"
# the closing message lists every file set it wrote, comma and space between
grep -qx "xbarsim report: wrote $d/r/report.md, table.tex, table.csv, fig_test_nse, fig_angle" "$d/err0" \
  || fail "closing message: $(cat "$d/err0")"
echo "ok test_report_regression.sh"
