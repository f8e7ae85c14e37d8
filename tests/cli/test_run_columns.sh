#!/bin/sh
# Columns that reach the modules: rule drtp (learning), refresh_frac and
# dac_range (xbar), write_mode (devices, state-equation models). Each is
# checked to change what it must change and nothing it must not:
#  - drtp learns (test loss falls by > 10 % in 3 epochs; chance is 10 %
#    accuracy) and is a different rule than srbp on the same seed;
#  - write_mode = ode integrates VTEAM pulses instead of the pulse table: the
#    same run, different (and finite) losses;
#  - refresh_frac on a potentiate-only pair changes the run;
#  - dac_range = 1 never clips (pixels and sigmoid outputs lie in [0, 1], the
#    output error of softmax in [-1, 1]) and without DAC bits scales by a
#    constant, so it equals per-vector ranging to rounding; 0.01 clips and
#    changes the run.
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/s.csv" <<'CSV'
scenario,hidden,pool,train_n,test_n,epochs,batch,seeds,rule,lr,device,write_mode,pair,refresh_frac,dac_range
drtp,32,4,1000,500,3,16,1,drtp,0.5,ideal,table,headroom,0,0
srbp,32,4,1000,500,3,16,1,srbp,0.5,ideal,table,headroom,0,0
table,8,7,300,200,2,32,1,bp,0.1,vteam,table,headroom,0,0
ode,8,7,300,200,2,32,1,bp,0.1,vteam,ode,headroom,0,0
pot,8,7,300,200,2,32,1,bp,0.1,agsi,table,potentiate,0,0
refresh,8,7,300,200,2,32,1,bp,0.1,agsi,table,potentiate,0.5,0
dac0,8,7,300,200,2,32,1,bp,0.1,ideal,table,headroom,0,0
dac1,8,7,300,200,2,32,1,bp,0.1,ideal,table,headroom,0,1
dacclip,8,7,300,200,2,32,1,bp,0.1,ideal,table,headroom,0,0.01
CSV
"$XBARSIM" run "$tmp/s.csv" --check | grep -q "ok, 9 runs"
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/out" 2>/dev/null

awk -F, '
  function rel(a, b) { d = a - b; if (d < 0) d = -d; return d / (b < 0 ? -b : b) }
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  { s = $col["scenario"]; e = $col["epoch"] + 0;
    if (e == 0) first[s] = $col["test_loss"] + 0;
    if (e > last[s] || !(s in last)) { last[s] = e; loss[s] = $col["test_loss"] + 0;
                                       acc[s] = $col["test_acc"] + 0; wm[s] = $col["write_mode"] } }
  function check(ok, what) { printf "%s: %s\n", ok ? "ok" : "FAIL", what; if (!ok) bad = 1 }
  END {
    printf "drtp test_loss %.4f -> %.4f, test_acc %.3f; srbp %.4f\n", first["drtp"], loss["drtp"], acc["drtp"], loss["srbp"];
    check(loss["drtp"] < 0.9 * first["drtp"] && acc["drtp"] > 0.15, "drtp learns");
    check(loss["drtp"] != loss["srbp"], "drtp is not srbp");
    printf "vteam table %.12g ode %.12g\n", loss["table"], loss["ode"];
    check(wm["ode"] == "ode" && loss["ode"] == loss["ode"] && loss["ode"] != loss["table"], "write_mode ode reaches the devices");
    printf "potentiate %.12g, refresh 0.5 %.12g\n", loss["pot"], loss["refresh"];
    check(loss["refresh"] != loss["pot"], "refresh_frac reaches the arrays");
    printf "dac_range 0 %.12g, 1 %.12g, 0.01 %.12g\n", loss["dac0"], loss["dac1"], loss["dacclip"];
    check(rel(loss["dac1"], loss["dac0"]) < 1e-9, "dac_range 1 equals per-vector ranging");
    check(rel(loss["dacclip"], loss["dac0"]) > 1e-6, "dac_range 0.01 clips");
    exit bad }' "$tmp/out/results.csv"
echo "test_run_columns: ok"
