#!/bin/sh
# Error messages as a new user meets them: a missing file, a typo in a column,
# a bad value, a malformed sweep. Each names file:line:column, the value and
# what is allowed, once, without the internal status class in front.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
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
# file paths in a scenario: device files and pulse_data are relative to the
# working directory (docs/scenarios.md), and the message says so
mkdir "$d/study"
"$X" device pulse agsi -o "$d/study" --no-figure >/dev/null || fail "device pulse"
printf 'scenario,pulse_data\nx,pulse_agsi.csv\n' >"$d/study/s.csv"
"$X" run --check "$d/study/s.csv" 2>"$d/err" && fail "pulse_data found beside the scenario, not in the working directory"
grep -q "s.csv:2:3: column 'pulse_data': value 'pulse_agsi.csv': no such file (paths are relative to the working directory)" "$d/err" \
  || fail "pulse_data path: $(cat "$d/err")"
(cd "$d/study" && "$X" run --check s.csv >/dev/null) || fail "pulse_data relative to the working directory"
grep -q '^| `device` | .*relative to the working directory' docs/scenarios.md || fail "docs: device path"
echo "ok test_errors.sh"
