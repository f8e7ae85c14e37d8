#!/bin/sh
# End-to-end test of `xbarsim device`: list, show, pulse, iv, fit, errors.
# Run from the repository root with XBARSIM = the built binary; exit 0 = pass.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/xb_device_cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$X" device --help >"$T/help" || fail "--help exited $?"
grep -q "pulse NAME" "$T/help" || fail "--help does not describe pulse"

"$X" device list >"$T/list" || fail "list exited $?"
grep -q "^  agsi .*Jo et al. 2010" "$T/list" || fail "list lacks agsi with its source"
grep -q "^  vteam_demo .*demo values" "$T/list" || fail "list lacks the vteam demo caveat"

"$X" device show agsi >"$T/show" || fail "show exited $?"
grep -q "^nl_ltp *2.4 " "$T/show" || fail "show agsi: nl_ltp 2.4 (device-models.md 5.1) missing"
grep -q "pulses across the range 97" "$T/show" || fail "show agsi: 97 pulses missing"

# --set overrides a parameter, and names the parameter when it is wrong
"$X" device show vteam_demo --set t_pulse=2e-9 | grep -q "^t_pulse *2e-09 " || fail "--set t_pulse not shown"
"$X" device show vteam_demo --set t_puls=2e-9 2>"$T/err" && fail "--set of an unknown parameter succeeded"
grep -q "no parameter 't_puls'" "$T/err" || fail "--set error does not name the parameter"

# pulse: 97 LTP + 100 LTD steps (device-models.md 5.1), each curve with its
# starting point, plus the header
"$X" device pulse agsi -o "$T/p" >/dev/null || fail "pulse agsi exited $?"
n=$(wc -l <"$T/p/pulse_agsi.csv")
[ "$n" -eq 200 ] || fail "pulse_agsi.csv has $n lines, expected 200"
awk -F, 'NR == 2 { exit !($1 == "ltp" && $2 == 0 && $3 == 3.0769e-09) }' "$T/p/pulse_agsi.csv" || fail "first point is not Gmin"
# 97 LTP pulses from Gmin reach exactly Gmax (device-models.md 8, check 1)
awk -F, 'NR == 99 { exit !($1 == "ltp" && $2 == 97 && $3 == 3.8462e-08) }' "$T/p/pulse_agsi.csv" || fail "97 LTP pulses do not reach Gmax"
# and its 100 LTD pulses from Gmax reach exactly Gmin
awk -F, 'NR == 200 { exit !($1 == "ltd" && $2 == 100 && $3 == 3.0769e-09) }' "$T/p/pulse_agsi.csv" || fail "100 LTD pulses do not reach Gmin"
if command -v gnuplot >/dev/null 2>&1; then
  [ -s "$T/p/pulse_agsi.svg" ] && [ -s "$T/p/pulse_agsi.png" ] && [ -s "$T/p/pulse_agsi.gp" ] \
    || fail "pulse figure missing"
fi

# state-equation model in ode mode, CSV only
"$X" device pulse hp_strukov --mode ode -n 5 --no-figure -o "$T/o" >/dev/null || fail "pulse --mode ode exited $?"
[ "$(wc -l <"$T/o/pulse_hp_strukov.csv")" -eq 13 ] || fail "ode pulse CSV length"

# iv: pinched loop, current zero where the voltage is zero (t = T/2 sample)
"$X" device iv hp_joglekar --freq 1,10 --samples 200 --no-figure -o "$T/iv" >/dev/null || fail "iv exited $?"
awk -F, 'NR > 1 && $1 == 1 && $2 == 0.5 { if ($4 > 1e-15 || $4 < -1e-15) bad = 1; found = 1 }
         END { exit !(found && !bad) }' "$T/iv/iv_hp_joglekar.csv" || fail "iv loop is not pinched at v = 0"

# fit round trip: noise-free pulses of a preset, fitted back
"$X" device pulse epiram -o "$T/f" --no-figure >/dev/null || fail "pulse epiram"
"$X" device fit "$T/f/pulse_epiram.csv" --model neurosim -o "$T/f/fit.csv" >"$T/fit" || fail "fit exited $?"
grep -q "rms error" "$T/fit" || fail "fit does not report its error"
awk '/^  nl_ltp/ { d = $2 - 0.5; if (d < 0) d = -d; ok = d < 1e-4 } END { exit !ok }' "$T/fit" \
  || fail "fit did not recover nl_ltp 0.5 of EpiRAM: $(grep nl_ltp "$T/fit")"
"$X" device show "$T/f/fit.csv" >/dev/null || fail "the fitted device file is not usable as NAME"
# pulse writes each direction's own pulses (Ag:a-Si: 97 LTP, 100 LTD levels,
# device-models.md 5.1), so pulse -> fit recovers the preset. The data are
# noise-free curves of the model being fitted, and the fit reports an rms error
# of 0 S: the tolerance is therefore the precision both print, 8 significant
# digits (`show` prints %.8g). Before, LTD had 97 pulses: p_ltd 97, nl_ltd -4.78.
"$X" device pulse agsi -o "$T/a" --no-figure >/dev/null || fail "pulse agsi"
[ "$(grep -c '^ltp,' "$T/a/pulse_agsi.csv")" -eq 98 ] && [ "$(grep -c '^ltd,' "$T/a/pulse_agsi.csv")" -eq 101 ] \
  || fail "pulse agsi: LTP/LTD points $(grep -c '^ltp,' "$T/a/pulse_agsi.csv")/$(grep -c '^ltd,' "$T/a/pulse_agsi.csv"), want 98/101"
"$X" device fit "$T/a/pulse_agsi.csv" --model neurosim -o "$T/a/fit.csv" --no-figure >"$T/afit" || fail "fit agsi"
grep -q "rms error 0 S (0 of the data's range)" "$T/afit" || fail "fit of noise-free agsi curves: $(head -1 "$T/afit")"
"$X" device show agsi >"$T/ashow" || fail "show agsi"
for p in p_ltp p_ltd nl_ltp nl_ltd; do
  want=$(awk -v p="$p" '$1 == p { printf "%.8g", $2 }' "$T/ashow")
  got=$(awk -v p="$p" '$1 == p { printf "%.8g", $2 }' "$T/afit")
  [ -n "$want" ] && [ "$got" = "$want" ] || fail "pulse -> fit of agsi: $p $got, preset $want"
done
# -n still sets both directions
"$X" device pulse agsi -n 10 -o "$T/a10" --no-figure >/dev/null || fail "pulse -n 10"
[ "$(grep -c '^ltp,' "$T/a10/pulse_agsi.csv")" -eq 11 ] && [ "$(grep -c '^ltd,' "$T/a10/pulse_agsi.csv")" -eq 11 ] \
  || fail "pulse -n 10 is not 10 pulses each way"
# the fitted LTP and LTD curves are separate series: one line through both would
# join the last LTP point (pulse N, Gmax) to the first LTD one (pulse 0, Gmax)
[ "$(grep -c "fit_curve.csv' every ::1 using 2:(strcol(1) eq 'lt[pd]'" "$T/f/fit_curve.gp")" -eq 2 ] \
  || fail "fitted curve is not split into LTP and LTD series: $(cat "$T/f/fit_curve.gp")"
"$X" device fit "$T/f/pulse_epiram.csv" --model softbounds -o "$T/f/sb.csv" --no-figure >"$T/fit2" \
  || fail "fit --model softbounds exited $?"
grep -q "^fit of model soft_bounds" "$T/fit2" || fail "softbounds is not soft_bounds"

# show's reported nonidealities are named as the scenario columns that take them,
# so they can be pasted into a scenario file
line=$("$X" device show taox_hfox | grep '^reported nonidealities (scenario defaults): ') \
  || fail "show: no reported-nonidealities line"
cols=$(echo "$line" | sed 's/^[^:]*: //' | awk -F', ' '{ for (i = 1; i <= NF; i++) { split($i, kv, " "); printf "%s%s", (i > 1 ? "," : ""), kv[1] } }')
vals=$(echo "$line" | sed 's/^[^:]*: //' | awk -F', ' '{ for (i = 1; i <= NF; i++) { split($i, kv, " "); printf "%s%s", (i > 1 ? "," : ""), kv[2] } }')
[ "$cols" = "c2c,d2d" ] && [ "$vals" = "0.037,0" ] || fail "show: '$line'"
printf 'scenario,device,%s\nx,taox_hfox,%s\n' "$cols" "$vals" >"$T/sug.csv"
"$X" run --check "$T/sug.csv" >"$T/out" 2>&1 || fail "show's suggestion is not a valid scenario: $(cat "$T/out")"
"$X" device --help | grep -q 'device show NAME \[--set P=V ...\]' || fail "--help: show takes --set"

# errors: clear message and nonzero status
"$X" device show nosuchdevice 2>"$T/err" && fail "show of an unknown name succeeded"
grep -q "nosuchdevice" "$T/err" || fail "unknown-name message does not name it"
"$X" device fit "$T/f/pulse_epiram.csv" 2>"$T/err"; [ $? -eq 2 ] || fail "fit without --model should exit 2"
"$X" device iv agsi -o "$T/x" 2>"$T/err" && fail "iv of a pulse-level model succeeded"
grep -q "state equation" "$T/err" || fail "iv error does not explain"
printf 'pulse,conductance\n0,1e-6\n1,oops\n' >"$T/bad.csv"
"$X" device fit "$T/bad.csv" --model soft_bounds 2>"$T/err" && fail "fit of bad data succeeded"
grep -q "bad.csv:3:3: column 'conductance': value 'oops'" "$T/err" || fail "bad data message: $(cat "$T/err")"
echo "ok test_device.sh"
