#!/bin/sh
# End-to-end: xbarsim spice export writes a netlist ngspice runs, and check
# finds the nodal solvers within 1e-6 of ngspice on every column current
# (issue 5); bad options fail with a clear message.
set -u
X=${XBARSIM:?set XBARSIM to the xbarsim binary}
case $X in /*) ;; *) X=$(pwd)/$X ;; esac
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$X" spice --help | grep -q -- '--r-wire R' || fail "--help does not list --r-wire"
"$X" spice check --help | grep -q -- '--seed N' || fail "check --help does not list --seed"

# export: one element per cell, wire and line end; same seed, same netlist
"$X" spice export --rows 3 --cols 4 --r-wire 1.5 --seed 7 -o "$d/a.cir" 2>/dev/null || fail "export"
[ "$(grep -c '^RX' "$d/a.cir")" -eq 12 ] || fail "expected 12 cells"
[ "$(grep -c '^RWR' "$d/a.cir")" -eq 9 ] || fail "expected 3 x 3 row wire segments"
[ "$(grep -c '^VUC' "$d/a.cir")" -eq 4 ] || fail "expected 4 column sense sources"
tail -n 1 "$d/a.cir" | grep -q '^\.end' || fail "netlist does not end with .end"
"$X" spice export --rows 3 --cols 4 --r-wire 1.5 --seed 7 > "$d/b.cir" || fail "export stdout"
cmp -s "$d/a.cir" "$d/b.cir" || fail "export is not reproducible"
"$X" spice export --rows 3 --cols 4 --r-wire 1.5 --seed 8 > "$d/c.cir" || fail "export seed 8"
cmp -s "$d/a.cir" "$d/c.cir" && fail "seed does not change the array"

# the exported netlist runs in the ngspice program too (batch mode)
if command -v ngspice >/dev/null 2>&1; then
  ngspice -b "$d/a.cir" > "$d/ng.log" 2>&1 || fail "ngspice -b rejects the netlist"
fi

# export --write: the tran netlist of one write pulse, every cell a behavioural
# memristor of --device (TEAM, Yakopcic, Biolek-window and Stanford-PKU presets
# too, and a device file: linear_drift with the Prodromakis window), which
# ngspice runs
printf 'model,window,p,j\nlinear_drift,3,7,1\n' > "$d/prodromakis.csv"
for dev in team_technion yakopcic_oblea vteam linear_drift biolek_knowm prodromakis \
    stanford_pku_v1; do
  arg=$dev
  [ "$dev" = prodromakis ] && arg="$d/prodromakis.csv"
  "$X" spice export --write 1,2 --rows 3 --cols 4 --r-wire 1 --scheme v3 --device "$arg" \
    -o "$d/w_$dev.cir" 2>/dev/null || fail "export --write --device $dev"
  [ "$(grep -c '^XM' "$d/w_$dev.cir")" -eq 12 ] || fail "$dev: expected 12 memristor cells"
  [ "$(grep -c '^\.subckt xbmemr' "$d/w_$dev.cir")" -eq 1 ] || fail "$dev: no subcircuit"
  [ "$(grep -c '^VU.* PULSE(' "$d/w_$dev.cir")" -eq 7 ] || fail "$dev: expected 7 PULSE ends"
  grep -q '^\.tran .* uic$' "$d/w_$dev.cir" || fail "$dev: no .tran ... uic"
  if command -v ngspice >/dev/null 2>&1; then
    (cd "$d" && ngspice -b -r "w_$dev.raw" "w_$dev.cir" > "w_$dev.log" 2>&1) \
      || fail "ngspice -b rejects the $dev write netlist"
    grep -qi 'error' "$d/w_$dev.log" && fail "ngspice reports an error on the $dev write netlist"
    grep -q 'No. of Data Rows' "$d/w_$dev.log" || fail "ngspice ran no transient for $dev"
  fi
done
grep -q 'crossbar of TEAM memristors' "$d/w_team_technion.cir" || fail "TEAM title"
grep -q 'crossbar of linear-drift (Biolek window) memristors' "$d/w_biolek_knowm.cir" \
  || fail "Biolek title"
grep -q 'pow(abs(max(min(v(xs),1),0)-1),14)' "$d/w_biolek_knowm.cir" \
  || fail "Biolek window 1 - (x - 1)^(2p) with p = 7 (device-models.md 1.2, 1.3)"
grep -q 'crossbar of Stanford-PKU memristors' "$d/w_stanford_pku_v1.cir" || fail "Stanford-PKU title"
grep -q 'pow((1.6999999999999999e-09-max(min(v(xs),1),0)\*1.5e-09)/1e-9,3)' "$d/w_stanford_pku_v1.cir" \
  || fail "Stanford-PKU gamma0 - beta (g/1 nm)^3, gap 0.2-1.7 nm (device-models.md 4.1, 4.2)"
grep -q '0.75,7)' "$d/w_prodromakis.cir" \
  || fail "Prodromakis window j (1 - ((x - 0.5)^2 + 0.75)^p), p = 7 (device-models.md 1.2)"
grep -q 'sinh(0.050000000000000003\*v(te,be))' "$d/w_yakopcic_oblea.cir" \
  || fail "Yakopcic I = a x sinh(b V) with b = 0.05 (device-models.md 3.2)"
"$X" spice export --write 0,0 --rows 2 --cols 2 --device ideal 2> "$d/err" \
  && fail "--device ideal accepted"
grep -q "device 'ideal' (model ideal) has no write pulse" "$d/err" || fail "message for ideal"
"$X" spice export --device team 2> "$d/err" && fail "--device without --write accepted"
grep -q "applies only to export --write" "$d/err" || fail "message for --device alone"

# check: every column listed, both solvers within 1e-6, exit 0
"$X" spice check --rows 12 --cols 9 --r-wire 2.385 --r-source 10 --seed 3 > "$d/chk.csv" \
  || fail "check failed"
[ "$(grep -c '^[0-9]' "$d/chk.csv")" -eq 9 ] || fail "check must print 9 columns"
awk -F, '/^[0-9]/ { if ($5 > 1e-6 || $6 > 1e-6) bad = 1 } END { exit bad }' "$d/chk.csv" \
  || fail "a column differs from ngspice by more than 1e-6"
grep -q 'largest relative difference to ngspice' "$d/chk.csv" || fail "summary line"
"$X" spice check --rows 6 --cols 10 --transpose --cell 1t1r --r-sense 50 > "$d/t.csv" \
  || fail "transposed 1T1R check"
[ "$(grep -c '^[0-9]' "$d/t.csv")" -eq 6 ] || fail "transposed check must print 6 rows"

# nonlinear cells: Newton in nodal against ngspice B sources
"$X" spice check --rows 8 --cols 6 --iv sinh --iv-beta 4 --v-max 0.5 > "$d/nl.csv" \
  || fail "sinh-cell check"
grep -q 'sinh cells' "$d/nl.csv" || fail "summary names the cell I-V"
# nodal_fast does not run on nonlinear cells: its CSV cells are empty, not nan
grep -qi 'nan' "$d/nl.csv" && fail "nan in the sinh-cell output: $(cat "$d/nl.csv")"
grep -q '^0,[^,]*,[^,]*,,[^,]*,$' "$d/nl.csv" || fail "empty nodal_fast cells: $(head -3 "$d/nl.csv")"
grep -q 'nodal_fast n/a$' "$d/nl.csv" || fail "summary: $(grep '^#' "$d/nl.csv")"
grep -q 'nodal_fast n/a' "$d/nl.csv" || fail "nodal_fast must be skipped for nonlinear cells"
"$X" spice check --iv tanh 2> "$d/err" && fail "--iv tanh accepted"
grep -q "'tanh' is not linear, sinh or cubic" "$d/err" || fail "message for --iv tanh"

# a write: the cell voltages of nodal and of the fast writer against ngspice
"$X" spice check --write 3,4 --rows 12 --cols 10 --r-wire 5 --r-source 20 > "$d/w.txt" \
  || fail "check --write"
grep -q '^selected cell: 1\.1' "$d/w.txt" || fail "selected cell near 1.2 V minus the wire drop"
awk '/largest \|difference\|/ { if ($6 + 0 > 1e-9 || $9 + 0 > 1e-9) bad = 1 } END { exit bad }' \
  "$d/w.txt" || fail "write voltages differ from ngspice"
"$X" spice check --write 2,-1 --scheme float --rows 6 --cols 5 --r-source 20 > /dev/null \
  || fail "floating whole-row write"
"$X" spice check --write 2 2> "$d/err" && fail "--write 2 accepted"
grep -q "'2' is not ROW,COL" "$d/err" || fail "message for --write 2"
"$X" spice check --write 9,0 --rows 4 --cols 4 2> "$d/err" && fail "--write 9,0 accepted"
grep -q 'selected row 9' "$d/err" || fail "message for a row outside the array"

# a scenario's circuit settings: r_wire, r_source, cell, r_access, tile size
cat > "$d/scn.csv" <<'CSV'
scenario,hardware,rule,device,hidden,epochs,r_wire,r_source,cell,r_access,tile_rows,tile_cols,seeds
wired,on,bp,ideal,20,1,2.385;5,10,1t1r,1000,12,9,1
CSV
"$X" spice export --scenario "$d/scn.csv" > "$d/s.cir" 2>/dev/null || fail "export --scenario"
[ "$(grep -c '^RX' "$d/s.cir")" -eq 108 ] || fail "scenario tile 12 x 9 expected"
[ "$(grep -c '^RA' "$d/s.cir")" -eq 108 ] || fail "scenario 1T1R access resistors expected"
grep -q '^RTR0 ur0 a0_0 12.385' "$d/s.cir" || fail "r_wire + r_source of run 0"
"$X" spice export --scenario "$d/scn.csv" --run 1 --r-source 3 > "$d/s1.cir" 2>/dev/null \
  || fail "export --run 1"
grep -q '^RTR0 ur0 a0_0 8$' "$d/s1.cir" || fail "run 1 r_wire 5 + overriding --r-source 3"
"$X" spice check --scenario "$d/scn.csv" --run 1 > /dev/null 2>&1 || fail "check --scenario"
"$X" spice export --scenario "$d/scn.csv" --run 2 2> "$d/err" && fail "--run 2 accepted"
grep -q 'has 2 runs' "$d/err" || fail "message for --run 2"

# errors name the option and the value
"$X" spice check --rows abc 2> "$d/err" && fail "--rows abc accepted"
grep -q "'abc' is not an integer" "$d/err" || fail "message for --rows abc"
"$X" spice export --r-wire -3 2> "$d/err" && fail "negative wire accepted"
grep -q 'r_wire_row (-3 ohm)' "$d/err" || fail "message for --r-wire -3"
"$X" spice frobnicate 2> "$d/err" && fail "unknown subcommand accepted"
grep -q "unknown subcommand 'frobnicate'" "$d/err" || fail "message for unknown subcommand"
exit 0
