#!/bin/sh
# Ctrl-C (SIGINT) stops a run after the epoch in progress: exit status 130,
# results.csv assembled from every durable epoch, a hint to --resume; the
# resumed results equal an uninterrupted run (seconds aside).
set -eu
: "${XBARSIM:?path of the xbarsim binary}"
tmp=$(mktemp -d)
pid=""
workers=""
# shellcheck disable=SC2086
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; [ -n "$workers" ] && kill -9 $workers 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/s.csv" <<'CSV'
scenario,rule,hidden,epochs,batch,lr,train_n,test_n,seeds
stop,rbp,32,5,16,0.1,2000,500,1-4
CSV
no_seconds() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") s = i }
           { $s = ""; print }' OFS=, "$1"
}
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/full" --jobs 1 2>/dev/null

"$XBARSIM" run "$tmp/s.csv" -o "$tmp/cut" --jobs 2 2>"$tmp/err" &
pid=$!
i=0
while :; do
  rows=$(cat "$tmp"/cut/parts/*.csv 2>/dev/null | grep -vc '^scenario,' || true)
  [ "$rows" -ge 3 ] && break
  i=$((i + 1)); [ "$i" -lt 600 ] || { echo "run did not progress"; exit 1; }
  sleep 0.05
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" -eq 130 ] || { echo "exit status $rc, expected 130"; cat "$tmp/err"; exit 1; }
grep -q -- "--resume" "$tmp/err"
# results.csv holds exactly the durable epochs, and fewer than all of them
durable=$(cat "$tmp"/cut/parts/*.csv | grep -vc '^scenario,')
[ "$(($(wc -l <"$tmp/cut/results.csv") - 1))" -eq "$durable" ]
[ "$durable" -lt 24 ]

"$XBARSIM" run "$tmp/s.csv" -o "$tmp/cut" --resume 2>/dev/null
no_seconds "$tmp/full/results.csv" >"$tmp/a"
no_seconds "$tmp/cut/results.csv" >"$tmp/b"
cmp "$tmp/a" "$tmp/b"

# a second Ctrl-C quits at once; the parent still reaps its workers before it
# exits (they hold the folder's lock with it), so a --resume started the moment
# it has exited finds the folder free. It used to report "another xbarsim run
# is writing" until the workers had finished their minibatch; here the workers
# are stopped (SIGSTOP) so they cannot finish on their own and the test does
# not depend on timing.
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/quit" --jobs 2 2>"$tmp/err" &
pid=$!
i=0
while :; do
  rows=$(cat "$tmp"/quit/parts/*.csv 2>/dev/null | grep -vc '^scenario,' || true)
  [ "$rows" -ge 1 ] && break
  i=$((i + 1)); [ "$i" -lt 600 ] || { echo "run did not progress"; exit 1; }
  sleep 0.02
done
workers=$(ps -o pid= --ppid "$pid")
[ -n "$workers" ] || { echo "no worker processes of $pid"; exit 1; }
# shellcheck disable=SC2086
kill -STOP $workers
kill -INT "$pid"
sleep 0.2
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" -eq 130 ] || { echo "quit at once: exit status $rc, expected 130"; cat "$tmp/err"; exit 1; }
for w in $workers; do
  if kill -0 "$w" 2>/dev/null; then echo "worker $w outlived its parent"; exit 1; fi
done
workers=""
rc=0
"$XBARSIM" run "$tmp/s.csv" -o "$tmp/quit" --resume 2>"$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || { echo "resume right after the quit: exit status $rc"; cat "$tmp/err"; exit 1; }
no_seconds "$tmp/quit/results.csv" >"$tmp/b"
cmp "$tmp/a" "$tmp/b"
echo "ok"
