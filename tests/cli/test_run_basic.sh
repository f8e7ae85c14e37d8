#!/bin/sh
# xbarsim run end to end on a small Fashion-MNIST subset: --help, --check on a
# good and a bad file, --dry-run, then a real run that must learn (test
# accuracy well above the 10 % of chance) and write results.csv + manifest.json.
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$XBARSIM" run --help | grep -q -- "--resume"

cat >"$tmp/s.csv" <<'CSV'
scenario,rule,hidden,epochs,batch,lr,train_n,test_n,seeds
basic,bp;rbp,32,3,32,0.1,3000,1000,1
CSV
"$XBARSIM" run "$tmp/s.csv" --check | grep -q "ok, 2 runs"

printf 'scenario,lr,rule\nq,abc,bp\nr,0.1,rpb\n' >"$tmp/bad.csv"
if "$XBARSIM" run "$tmp/bad.csv" --check 2>"$tmp/err"; then
  echo "a bad file passed --check"; exit 1
fi
grep -q "^$tmp/bad.csv:2:3: column 'lr': value 'abc': expected a number in \[0, 100\]$" "$tmp/err"
grep -q "^$tmp/bad.csv:3:7: column 'rule': value 'rpb': .*(did you mean 'rbp'?)$" "$tmp/err"
grep -q "2 errors; nothing was run" "$tmp/err"
# no work was done for a bad file
"$XBARSIM" run "$tmp/bad.csv" -o "$tmp/badout" 2>/dev/null && exit 1
[ ! -e "$tmp/badout" ]

"$XBARSIM" run "$tmp/s.csv" --dry-run | grep -q "^2 runs"

"$XBARSIM" run "$tmp/s.csv" -o "$tmp/out"
[ -s "$tmp/out/manifest.json" ]
grep -q '"scenario_hash_fnv1a64"' "$tmp/out/manifest.json"
# header + 2 runs x (epochs 0..3)
[ "$(wc -l <"$tmp/out/results.csv")" -eq 9 ]
# final test accuracy of each run, by column name
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
         $col["epoch"] == 3 { n++; acc = $col["test_acc"] + 0;
           printf "%s test_acc %.3f\n", $col["run"], acc;
           if (acc < 0.5) bad = 1 }
         END { exit (n == 2 && !bad) ? 0 : 1 }' "$tmp/out/results.csv"
echo "ok"
