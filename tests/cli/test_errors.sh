#!/bin/sh
# Error messages as a new user meets them: a missing file, a typo in a column,
# a bad value, a malformed sweep. Each names file:line:column, the value and
# what is allowed, once, without the internal status class in front.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
case $X in /*) ;; */*) X=$(pwd)/$X ;; esac # the test changes directory
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$X" run "$d/nothere.csv" 2>"$d/err" && fail "missing scenario file accepted"
grep -qx "xbarsim: $d/nothere.csv: cannot open: .*" "$d/err" || fail "missing file: $(cat "$d/err")"
"$X" report "$d/noresults" 2>"$d/err" && fail "missing results folder accepted"
grep -qx "xbarsim: report: $d/noresults/results.csv: cannot open: .*" "$d/err" || fail "report: $(cat "$d/err")"
grep -q "file or parse error" "$d/err" && fail "status class in the message: $(cat "$d/err")"
"$X" device show nosuch 2>"$d/err" && fail "unknown device accepted"
grep -qx "xbarsim: nosuch: no device preset 'nosuch' (see \`xbarsim device list\`)" "$d/err" \
  || fail "unknown device: $(cat "$d/err")"

printf 'scenario,rule,chanel,epochs\nx,rbp,twin,5\n' >"$d/typo.csv"
"$X" run --check "$d/typo.csv" 2>"$d/err" && fail "misspelled column accepted"
grep -q "typo.csv:1:15: column 'chanel': unknown column (did you mean 'channel'?)" "$d/err" \
  || fail "typo: $(cat "$d/err")"
printf 'scenario,rule,epochs,bwd_d2d,seeds\nx,rbpp,1.5,0:0.1,3-1\n' >"$d/bad.csv"
"$X" run --check "$d/bad.csv" 2>"$d/err" && fail "bad values accepted"
grep -q "bad.csv:2:3: column 'rule': value 'rbpp': expected one of bp, rbp," "$d/err" || fail "rule: $(cat "$d/err")"
grep -q "bad.csv:2:8: column 'epochs': value '1.5': expected an integer in \[1, 10000\]" "$d/err" \
  || fail "epochs: $(cat "$d/err")"
grep -q "bad.csv:2:12: column 'bwd_d2d': value '0:0.1': a range is start:step:stop" "$d/err" \
  || fail "range: $(cat "$d/err")"
grep -q "bad.csv:2:18: column 'seeds': value '3-1'" "$d/err" || fail "seeds: $(cat "$d/err")"
grep -q "bad.csv: 4 errors; nothing was run" "$d/err" || fail "summary: $(cat "$d/err")"
# file paths in a scenario (device file, pulse_data, dataset_path, cellmap)
# are relative to the scenario file's folder (docs/scenarios.md), so a study
# folder runs from any working directory; errors name the scenario's line and
# column and the resolved path
mkdir -p "$d/study/dev" "$d/study/data" "$d/elsewhere"
"$X" device pulse agsi -o "$d/study/dev" --no-figure >/dev/null || fail "device pulse"
"$X" device fit "$d/study/dev/pulse_agsi.csv" --model neurosim -o "$d/study/dev/fit.csv" --no-figure \
  >/dev/null || fail "device fit"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  ln -s /usr/share/datasets/fashion-mnist/$f.gz "$d/study/data/$f.gz"
done
cat >"$d/study/s.csv" <<'CSV'
scenario,device,pulse_data,dataset,dataset_path,pool,hidden,epochs,train_n,test_n,seeds
fitted,dev/fit.csv,,mnist-idx,data,4,0,1,200,100,1
curves,,dev/pulse_agsi.csv,mnist-idx,data,4,0,1,200,100,1
CSV
(cd "$d/elsewhere" && "$X" run ../study/s.csv -o out >/dev/null 2>"$d/err") \
  || fail "study folder run from another working directory: $(cat "$d/err")"
[ "$(wc -l <"$d/elsewhere/out/results.csv")" -eq 5 ] || fail "results.csv: $(cat "$d/elsewhere/out/results.csv")"
grep -q '"dataset_path": "../study/data"' "$d/elsewhere/out/manifest.json" \
  || fail "the manifest records the resolved dataset path: $(grep dataset_path "$d/elsewhere/out/manifest.json" | head -1)"
(cd "$d/study" && "$X" run --check s.csv >/dev/null) || fail "the study folder as the working directory"
"$X" run --check "$d/study/s.csv" --set device=pulse_agsi.csv 2>"$d/err" && fail "a device file beside the scenario, not in dev/"
grep -q "column 'device': value 'pulse_agsi.csv': no such file '$d/study/pulse_agsi.csv' (paths are relative to the scenario file's folder)" "$d/err" \
  || fail "--set device path: $(cat "$d/err")"
printf 'scenario,pulse_data,dataset_path\nx,pulse_agsi.csv,dev\ny,dev/pulse_agsi.csv,nodata\n' >"$d/study/bad.csv"
(cd "$d/study/dev" && "$X" run --check ../bad.csv) 2>"$d/err" && fail "paths resolved against the working directory"
grep -q "^../bad.csv:2:3: column 'pulse_data': value 'pulse_agsi.csv': no such file '../pulse_agsi.csv' (paths are relative to the scenario file's folder)$" "$d/err" \
  || fail "pulse_data path: $(cat "$d/err")"
grep -q "^../bad.csv:3:22: column 'dataset_path': value 'nodata': no such folder '../nodata' (paths are relative to the scenario file's folder)$" "$d/err" \
  || fail "dataset_path: $(cat "$d/err")"
grep -q '^| `device` | .*relative to the scenario file.s folder' docs/scenarios.md || fail "docs: device path"
# a combination only the hardware network refuses is found by --check, at
# the cell of the setting it names first (rule), before any run, not by
# the run that meets it (learning/rules.c)
printf 'scenario,rule,channel,hardware,update,epochs\nx,sign,twin,1,stochastic,1\n' >"$d/hw.csv"
"$X" run --check "$d/hw.csv" 2>"$d/err" && fail "sign rule with stochastic backward updates accepted"
grep -q "hw.csv:2:3: run 'x': rule 'sign' rewrites B to sign(W) (.) |R|, which is not an outer product" \
  "$d/err" || fail "hardware-only check: $(cat "$d/err")"
echo "ok test_errors.sh"
