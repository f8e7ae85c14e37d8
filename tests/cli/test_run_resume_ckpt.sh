#!/bin/sh
# Checkpointed resume: a run killed with SIGKILL mid-epoch and resumed
# continues from its checkpoint (the resumed process logs which epoch it
# continued after, and trains only the missing ones) and gives a results.csv
# identical to an uninterrupted run (seconds aside) with no duplicated row.
# A truncated checkpoint or one of other settings is rejected with a message
# and the run is retrained from epoch 0, with the same results.
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
# hardware arrays with every stream that advances: c2c write noise, read
# noise, stochastic-rounded and stochastic coincidence updates, momentum,
# biases, a backward array (rbp), SAL (positions in the spike stream), a
# device with a state and drift
cat >"$tmp/s.csv" <<'CSV'
scenario,rule,update,device,c2c,read_noise,momentum,sal_steps,hidden,epochs,batch,lr,train_n,test_n,seeds
ck,rbp,pulses,soft_bounds,0.01,0.01,0.5,2,24,5,16,0.05,3000,300,1
cks,rbp,stochastic,soft_bounds,0.01,0.01,0,0,24,5,16,0.05,3000,300,1
ck2,bp,pulses,ideal,0,0,0,0,24,5,16,0.05,3000,300,2
CSV
no_seconds() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i }
           { $s = ""; print }' OFS=, "$1"
}
rows_of() { grep -vc '^scenario,' "$1" || true; }
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/full" --jobs 1
no_seconds "$tmp/full/results.csv" >"$tmp/a"
# a complete run leaves no checkpoint behind
[ -z "$(ls "$tmp"/full/parts/*.ckpt 2>/dev/null)" ]

"$XBARSIM" run "$tmp/s.csv" -o "$tmp/cut" --jobs 1 2>/dev/null &
pid=$!
# the first run (pulses) complete and run 2 with 2 durable epochs: the
# process is then inside an epoch of run 2
i=0
while :; do
  rows=$(cat "$tmp"/cut/parts/*.csv 2>/dev/null | grep -vc '^scenario,' || true)
  [ "$rows" -ge 8 ] && break
  i=$((i + 1)); [ "$i" -lt 1200 ] || { echo "run did not progress"; exit 1; }
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=""
total=$(cat "$tmp"/cut/parts/*.csv | grep -vc '^scenario,')
[ "$total" -lt 18 ] || { echo "the run finished before the kill"; exit 1; }
# every unfinished run with two or more durable rows has a checkpoint of its
# last one (or of the one before, if the kill fell between the two writes);
# one with a single row may not have written its first yet
expect=""
for f in "$tmp"/cut/parts/*.csv; do
  n=$(rows_of "$f")
  [ "$n" -eq 6 ] && continue
  ck=${f%.csv}.ckpt
  if [ "$n" -ge 2 ]; then
    [ -s "$ck" ] || { echo "no checkpoint for $f"; exit 1; }
  fi
  [ -s "$ck" ] && expect="$expect $n"
done
[ -n "$expect" ]
cp -r "$tmp/cut" "$tmp/cut2"
cp -r "$tmp/cut" "$tmp/cut3"

"$XBARSIM" run "$tmp/s.csv" -o "$tmp/cut" --resume --jobs 1 2>"$tmp/log"
cat "$tmp/log" >&2
no_seconds "$tmp/cut/results.csv" >"$tmp/b"
cmp "$tmp/a" "$tmp/b"
[ "$(cut -d, -f1-4 "$tmp/cut/results.csv" | sort | uniq -d | wc -l)" -eq 0 ]
[ "$(wc -l <"$tmp/cut/results.csv")" -eq $((1 + 3 * 6)) ]
# the resumed process continued each unfinished run after its last durable
# epoch (n rows = epochs 0..n-1) and retrained nothing from epoch 0
for n in $expect; do
  e=$((n - 1))
  grep -q "resumed from checkpoint after epoch $e\$" "$tmp/log" ||
    grep -q "resumed from checkpoint after epoch $((e - 1))\$" "$tmp/log" ||
    { echo "no resume after epoch $e logged"; exit 1; }
done
! grep -q "retraining" "$tmp/log"
[ -z "$(ls "$tmp"/cut/parts/*.ckpt 2>/dev/null)" ]

# a truncated checkpoint: rejected by name, run retrained from epoch 0
for ck in "$tmp"/cut2/parts/*.ckpt; do
  head -c 100 "$ck" >"$ck.t" && mv "$ck.t" "$ck"
done
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/cut2" --resume --jobs 1 2>"$tmp/log2"
grep -q "checkpoint truncated.*retraining run" "$tmp/log2"
! grep -q "resumed from checkpoint" "$tmp/log2"
no_seconds "$tmp/cut2/results.csv" >"$tmp/c"
cmp "$tmp/a" "$tmp/c"

# a checkpoint whose settings hash (bytes 16..23 of the header) is not the
# run's: rejected by name, retrained from epoch 0
for ck in "$tmp"/cut3/parts/*.ckpt; do
  printf 'XXXXXXXX' | dd of="$ck" bs=1 seek=16 conv=notrunc 2>/dev/null
done
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/cut3" --resume --jobs 1 2>"$tmp/log3"
grep -q "checkpoint of other settings than run.*retraining run" "$tmp/log3"
! grep -q "resumed from checkpoint" "$tmp/log3"
no_seconds "$tmp/cut3/results.csv" >"$tmp/d"
cmp "$tmp/a" "$tmp/d"

# --no-checkpoint writes none
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/none" --jobs 1 --no-checkpoint --set epochs=1 2>/dev/null
[ -z "$(ls "$tmp"/none/parts/*.ckpt 2>/dev/null)" ]
echo "ok"
