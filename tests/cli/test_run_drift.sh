#!/bin/sh
# Inference after drift (docs/xbar.md "Drift"): a network trained on the PCM
# preset (aihwkit's statistical model, device-models.md §5.3) and evaluated at
# t_inference = 1 day loses test accuracy against t_inference = 0, and
# pcm_stat = compensated (global drift compensation) recovers part of it.
# Measured (seeds 1-3, final epoch, 500 test samples), mean test_acc:
#   t = 0: 0.487 (0.498, 0.410, 0.554) for both settings (nothing drifts at 0)
#   t = 1 day, on:          0.341 (0.390, 0.324, 0.308)
#   t = 1 day, compensated: 0.388 (0.388, 0.400, 0.376)
# The test asserts that ordering: on < compensated < t = 0, and that t = 0
# does not depend on the compensation. Also: `device show` prints the preset's
# PCM setting.
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$XBARSIM" device show pcm_nandakumar | grep -q '^pcm_stat on '
"$XBARSIM" device show agsi | grep -q '^pcm_stat off '

cat >"$tmp/s.csv" <<'CSV'
scenario,seeds,dataset,pool,train_n,test_n,hidden,epochs,lr,rule,device,pcm_stat,t_inference
pcm,1-3,fashion-mnist,4,2000,500,16,2,0.5,bp,pcm_nandakumar,on;compensated,0;86400
CSV
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/out" >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
         $col["epoch"] == 2 { s[$col["run"]] += $col["test_acc"]; n[$col["run"]]++ }
         END {
           t0 = s["pcm/t_inference=0/pcm_stat=on"] / 3
           t0c = s["pcm/t_inference=0/pcm_stat=compensated"] / 3
           on = s["pcm/t_inference=86400/pcm_stat=on"] / 3
           cp = s["pcm/t_inference=86400/pcm_stat=compensated"] / 3
           printf "test_acc t=0 %.3f (compensated %.3f), 1 day on %.3f, compensated %.3f\n", t0, t0c, on, cp
           ok = n["pcm/t_inference=86400/pcm_stat=on"] == 3 && t0 == t0c && on < cp && cp < t0
           exit ok ? 0 : 1
         }' "$tmp/out/results.csv"
echo ok
