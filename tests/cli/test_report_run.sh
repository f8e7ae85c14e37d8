#!/bin/sh
# End-to-end: a real (tiny) `xbarsim run` with a sweep, then `xbarsim report` on
# its results: one table row per sweep point, the swept setting as a column,
# the sweep figure, valid images. Catches any drift between the runner's
# results format (docs/results.md) and the report.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$d/s.csv" <<'CSV'
scenario,seeds,dataset,pool,train_n,test_n,hidden,epochs,rule,d2d
sweep,1-2,fashion-mnist,4,300,100,8,2,rbp,0;0.2
CSV
"$X" run "$d/s.csv" -o "$d/out" >"$d/log" 2>&1 || { cat "$d/log"; fail "run"; }
"$X" report "$d/out" 2>"$d/err" || { cat "$d/err"; fail "report"; }
md="$d/out/report.md"
grep -q '^| run | d2d | n | test_acc | 95 % CI |$' "$md" || fail "header: $(sed -n 5p "$md")"
grep -q '^| sweep/d2d=0 | 0 | 2 | ' "$md" || fail "row d2d=0"
grep -q '^| sweep/d2d=0.2 | 0.2 | 2 | ' "$md" || fail "row d2d=0.2"
grep -q 'Common settings: scenario = sweep' "$md" || fail "caption"
grep -q '## Energy and latency' "$md" || fail "energy section"
for f in fig_test_acc fig_angle fig_sweep; do
  [ "$(head -c 4 "$d/out/$f.png" | tail -c 3)" = "PNG" ] || fail "$f.png"
  grep -q '</svg>' "$d/out/$f.svg" || fail "$f.svg"
done
head -1 "$d/out/fig_sweep.csv" | grep -q '^d2d,' || fail "sweep figure x is d2d"
echo ok
