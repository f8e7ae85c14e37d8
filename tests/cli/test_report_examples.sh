#!/bin/sh
# End-to-end: `make run` (quickstart) and the d2d backward sweep example, shrunk
# with --set to a few hundred samples, then `xbarsim report`: descriptions are
# listed once, not a column; the angle figure has no bp or empty series; the
# sweep figure is drawn for the real sweep only, its curves named by scenario;
# energy headers carry their unit.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
small="--set epochs=1 --set train_n=300 --set test_n=100 --set hidden=8 --set seeds=1-2 --set pool=4"

# shellcheck disable=SC2086 # $small is a list of options
"$X" run scenarios/examples/quickstart.csv -o "$d/qs" $small >"$d/log" 2>&1 || { cat "$d/log"; fail "run quickstart"; }
# a figure left by an earlier report must not survive one that does not draw it
echo stale > "$d/qs/fig_sweep.png"
"$X" report "$d/qs" 2>"$d/err" || { cat "$d/err"; fail "report quickstart"; }
md="$d/qs/report.md"
grep -q '^| run | scenario | .*| rule | device | .*| n | test_acc | 95 % CI |$' "$md" \
  || fail "quickstart header: $(sed -n 5p "$md")"
grep -q 'description' "$md" "$d/qs/table.tex" "$d/qs/table.csv" && fail "description shown as a column"
grep -q '^- \*\*software\*\*: ' "$md" || fail "software description not listed"
grep -q '^- \*\*crossbar\*\*: ' "$md" || fail "crossbar description not listed"
[ "$(grep -c '^- \*\*crossbar\*\*: ' "$md")" -eq 1 ] || fail "crossbar description listed twice"
grep -q '\\textit{crossbar}: ' "$d/qs/table.tex" || fail "LaTeX description list"
grep -q '| energy_read (J) | 95 % CI (J) |$' "$md" || fail "energy_read header without unit"
grep -q '| energy_write (J) | 95 % CI (J) |$' "$md" || fail "energy_write header without unit"
grep -q 'energies in joules (J), latencies in seconds (s)' "$md" || fail "energy section units"
grep -q 'fig_sweep' "$md" && fail "quickstart has a sweep figure (c2c only follows device)"
[ -e "$d/qs/fig_sweep.png" ] && fail "stale fig_sweep.png kept"
h=$(head -1 "$d/qs/fig_angle.csv")
case $h in *rule=bp*|*angle_l1*) fail "fig_angle has a bp or empty series: $h" ;; esac
# one mean and one std series per rbp run of the results, whatever devices the quickstart lists
want=$(awk -F, 'NR > 1 && $2 ~ /rule=rbp/ { print $2 }' "$d/qs/results.csv" | sort -u)
[ -n "$want" ] || fail "quickstart has no rbp run"
for r in $want; do
  case ",$h," in *",$r,$r std,"*) ;; *) fail "fig_angle lacks the series of $r: $h" ;; esac
done
[ "$(echo "$h" | tr ',' '\n' | grep -c std)" -eq "$(echo "$want" | wc -l)" ] \
  || fail "fig_angle series: $h"
grep -q 'set key outside below' "$d/qs/fig_angle.gp" || fail "legend placement"

# shellcheck disable=SC2086
"$X" run scenarios/examples/d2d_backward_sweep.csv -o "$d/sw" $small --set bwd_d2d=0:0.25:0.5 \
  >"$d/log" 2>&1 || { cat "$d/log"; fail "run d2d sweep"; }
"$X" report "$d/sw" 2>"$d/err" || { cat "$d/err"; fail "report d2d sweep"; }
grep -q '!\[fig_sweep\](fig_sweep.svg)' "$d/sw/report.md" || fail "no sweep figure for the d2d sweep"
h=$(head -1 "$d/sw/fig_sweep.csv")
case $h in bwd_d2d,fa_bwd_d2d,fa_bwd_d2d\ std,afa_bwd_d2d,*) ;; *) fail "sweep curves: $h" ;; esac
[ "$(sed -n '$=' "$d/sw/fig_sweep.csv")" -eq 4 ] || fail "sweep figure has not 3 bwd_d2d points"
[ "$(head -c 4 "$d/sw/fig_sweep.png" | tail -c 3)" = "PNG" ] || fail "fig_sweep.png"
echo ok
