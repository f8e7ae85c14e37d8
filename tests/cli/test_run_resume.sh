#!/bin/sh
# A run killed with SIGKILL in the middle of an epoch, then --resume, gives a
# results.csv identical to an uninterrupted run (seconds aside), with no
# duplicated row; runs that were complete are not redone.
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/s.csv" <<'CSV'
scenario,rule,hidden,epochs,batch,lr,train_n,test_n,seeds
resume,bp;rbp,32,4,16,0.1,2000,500,1-2
CSV
no_seconds() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i }
           { $s = ""; print }' OFS=, "$1"
}
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/full"

"$XBARSIM" run "$tmp/s.csv" -o "$tmp/cut" --jobs 1 2>/dev/null &
pid=$!
# wait until the first run is complete (5 rows + header) and a second run
# has a durable epoch: the process is then inside an epoch of run 2
i=0
while :; do
  rows=$(cat "$tmp"/cut/parts/*.csv 2>/dev/null | grep -vc '^scenario,' || true)
  [ "$rows" -ge 7 ] && break
  i=$((i + 1)); [ "$i" -lt 600 ] || { echo "run did not progress"; exit 1; }
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=""
# fewer durable rows than the whole scenario has proves the kill landed
# while runs were still going
rows=$(cat "$tmp"/cut/parts/*.csv | grep -vc '^scenario,')
[ "$rows" -lt 20 ] || { echo "the run finished before the kill"; exit 1; }
# results.csv is kept current while runs go on: the first, complete run is in it
[ "$(grep -c '^resume,' "$tmp/cut/results.csv")" -ge 5 ]
# the complete part file must survive the resume untouched (not redone)
first=""
for f in "$tmp"/cut/parts/*.csv; do
  [ "$(wc -l <"$f")" -eq 6 ] && first=$f && break
done
[ -n "$first" ]
cp "$first" "$tmp/first.before"

"$XBARSIM" run "$tmp/s.csv" -o "$tmp/cut" --resume
cmp "$first" "$tmp/first.before"
no_seconds "$tmp/full/results.csv" >"$tmp/a"
no_seconds "$tmp/cut/results.csv" >"$tmp/b"
cmp "$tmp/a" "$tmp/b"
dups=$(cut -d, -f1-4 "$tmp/cut/results.csv" | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ]
[ "$(wc -l <"$tmp/cut/results.csv")" -eq $((1 + 4 * 5)) ]
echo "ok"
