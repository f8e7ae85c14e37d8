#!/bin/sh
# energy_fwd / latency_fwd of a results row equal a hand computation of the
# cost model (docs/cost-model.md "Formulas", coefficients from
# `xbarsim size --params`) from the counters of the same row. A single-layer
# network (hidden = 0) has one forward array and no transposed reads, so
# reads_fwd and pulses_fwd are that array's counters: 16 inputs (pool 7: 4x4) x
# 10 outputs as differential pairs = 16 x 20 cells used on a 128 x 128 1T1R
# array, 1-bit inputs, 8-bit SAR ADCs shared by 8 columns (the defaults of
# `xbarsim size`).
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/s.csv" <<'CSV'
scenario,hidden,pool,train_n,test_n,epochs,batch,seeds,rule
e,0,7,200,100,2,20,1,bp
CSV
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/out" 2>/dev/null
"$XBARSIM" size --params >"$tmp/params.md"

awk -F'|' -v rows=16 -v cols=20 -v R=128 -v C=128 -v bits=8 -v mux=8 '
  function trim(s) { gsub(/^ +| +$/, "", s); return s }
  function ceil(x) { return x == int(x) ? x : int(x) + 1 }
  function rel(a, b) { d = a - b; if (d < 0) d = -d; return b == 0 ? d : d / (b < 0 ? -b : b) }
  FNR == NR { if (NF > 4) p[trim($2)] = trim($3) + 0; next }
  FNR == 1 { FS = ","; $0 = $0; for (i = 1; i <= NF; i++) col[$i] = i;
             pitch = sqrt(p["cell_f2_1t1r"]) * p["feature"];
             crow = C * pitch * p["wire_cap"]; ccol = R * pitch * p["wire_cap"];
             rrow = C * pitch * p["wire_rho"] / (p["wire_width"] ^ 2 * p["wire_ar"]);
             gw = (p["g_on"] + p["g_off"]) / 2; g = gw / (1 + gw * p["r_access"]);
             a = p["input_activity"]; v = p["v_read"]; eadc = p["sar_fom"] * 2 ^ bits;
             # one forward MVM of one bit-cycle (in_bits = 1)
             eread = a * rows * cols * v * v * g * p["t_read"] + a * rows * crow * v * v
             eread += a * rows * p["dac_energy"] + cols * (p["sh_energy"] + eadc + p["acc_energy"])
             nadc = ceil(C / mux);
             tread = 0.5 * rrow * crow + p["t_read"] + ceil(cols / nadc) * bits * p["sar_t_bit"];
             vw = p["v_write"];
             # writes: the mean device conductance (circuits/cost.c, NeuroSim
             # write-energy terms); 1T1R: no half-selected cells
             epulse = vw * vw * gw * p["t_write"] + vw * vw * ccol;
             next }
  { reads = $col["reads_fwd"]; pulses = $col["pulses_fwd"];
    if ($col["reads_bwd"] != 0) { print "transposed reads on a one-layer net"; bad = 1 }
    e = reads * eread + pulses * epulse;
    # latency: pulse steps are counted per epoch, ceil(increment / cols)
    lat += (reads - lastr) * tread + ceil((pulses - lastp) / cols) * p["t_write"];
    lastr = reads; lastp = pulses;
    printf "epoch %d: reads %d pulses %d energy_fwd %s (hand %.6g) latency_fwd %s (hand %.6g)\n", $col["epoch"], reads, pulses, $col["energy_fwd"], e, $col["latency_fwd"], lat;
    # coefficients are printed with 5 significant digits: 1e-4 relative
    if (rel($col["energy_fwd"], e) > 1e-4 || rel($col["latency_fwd"], lat) > 1e-4) bad = 1;
    if ($col["energy_bwd"] != 0 || $col["latency_bwd"] != 0) { print "backward cost without arrays"; bad = 1 }
    if ($col["epoch"] > 0 && pulses <= 0) { print "no pulses counted"; bad = 1 }
    n++ }
  END { if (n != 3) { print "expected 3 rows, got " n; bad = 1 } exit bad }
' "$tmp/params.md" "$tmp/out/results.csv"

# the cost-model columns follow the arch columns: a 0T1R array of exactly
# the matrix size reads with less energy than a 128 x 128 1T1R one (shorter
# lines, fewer cells), and a software run costs nothing
cat >"$tmp/t.csv" <<'CSV'
scenario,hidden,pool,train_n,test_n,epochs,batch,seeds,cost_cell,cost_array_rows,cost_array_cols,hardware
big,0,7,200,100,1,20,1,1t1r,128,128,on
small,0,7,200,100,1,20,1,0t1r,0,0,on
soft,0,7,200,100,1,20,1,1t1r,128,128,off
CSV
"$XBARSIM" run "$tmp/t.csv" -o "$tmp/out2" 2>/dev/null
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
         $col["epoch"] == 0 { e[$col["scenario"]] = $col["energy_fwd"] + 0 }
         END { printf "epoch-0 energy_fwd: big %g small %g soft %g\n", e["big"], e["small"], e["soft"];
               exit !(e["small"] > 0 && e["small"] < e["big"] && e["soft"] == 0) }' "$tmp/out2/results.csv"
echo "test_run_energy: ok"
