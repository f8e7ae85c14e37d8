#!/bin/sh
# The regression tasks in the runner: scenarios/examples/teacher.csv (linear
# teacher, Lillicrap et al. 2016; bp vs feedback alignment, ideal vs nonideal
# backward arrays) at a reduced size learns: every run's test NSE falls below
# a fifth of its epoch-0 value (an untrained linear network has NSE near 1),
# accuracy cells are empty (not defined for regression), and
# `xbarsim report DIR --value test_nse` tabulates it. The 1-1-1 chain runs
# too; a regression dataset without loss mse, and mse on images, are refused
# before any work.
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

f=scenarios/examples/teacher.csv
"$XBARSIM" run "$f" --check | grep -q "ok, 12 runs"
"$XBARSIM" run "$f" --set epochs=3 --set seeds=1-2 -o "$tmp/out" 2>"$tmp/log" || { cat "$tmp/log"; exit 1; }
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
         { k = $col["run"] "/" $col["seed"];
           if ($col["test_acc"] != "" || $col["train_acc"] != "") { print k ": accuracy on a regression task"; bad = 1 }
           if ($col["epoch"] == 0) first[k] = $col["test_nse"] + 0;
           if ($col["epoch"] == 3) last[k] = $col["test_nse"] + 0 }
         END { for (k in first) { n++;
                 printf "%s test_nse %.4f -> %.4f\n", k, first[k], last[k];
                 if (!(first[k] > 0.5 && last[k] < 0.2 * first[k])) bad = 1 }
               if (n != 8) { print "expected 8 runs, got " n; bad = 1 }
               exit bad }' "$tmp/out/results.csv"

"$XBARSIM" report "$tmp/out" --value test_nse 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
grep -q 'test_nse' "$tmp/out/report.md"
grep -q '^| fa_nonideal ' "$tmp/out/report.md"

# the 1-1-1 chain (Baldi et al.): a linear chain learns slope 0.75
cat >"$tmp/c.csv" <<'CSV'
scenario,dataset,hidden,activation,loss,rule,lr,epochs,batch,bias,seeds
chain,chain,1,linear,mse,rbp,0.05,5,10,off,1
CSV
"$XBARSIM" run "$tmp/c.csv" -o "$tmp/c" 2>/dev/null
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
         $col["epoch"] == 0 { a = $col["train_nse"] } $col["epoch"] == 5 { b = $col["train_nse"] }
         END { printf "chain train_nse %s -> %s\n", a, b; exit !(b < 0.1 * a && b < 0.05) }' "$tmp/c/results.csv"

printf 'scenario,dataset\nq,teacher\n' >"$tmp/bad.csv"
if "$XBARSIM" run "$tmp/bad.csv" --check 2>"$tmp/err"; then echo "teacher without mse passed"; exit 1; fi
grep -q "bad.csv:2:3: run 'q': a regression dataset (teacher, chain) needs loss 'mse'" "$tmp/err"
printf 'scenario,loss\nq,mse\n' >"$tmp/bad2.csv"
if "$XBARSIM" run "$tmp/bad2.csv" --check 2>"$tmp/err"; then echo "mse on images passed"; exit 1; fi
grep -q "bad2.csv:2:3: run 'q': loss 'mse' needs a regression dataset" "$tmp/err"
echo "test_run_teacher: ok"
