#!/usr/bin/env bash
# Runs the collector and the gate under valgrind through one pushed run and
# a SIGTERM shutdown; fails on any memory error or definite/indirect leak,
# or on a daemon exit status other than 0.
# usage: daemons.sh COLLECTOR GATE AGENT FILE...
set -euo pipefail
collector=$1 gate=$2 agent=$3
shift 3 # the rest: artifact files of every kind, pushed as one run
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
vg=(valgrind --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=9)

wait_file() {
  for _ in $(seq 1 300); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "valgrind: $1 did not appear" >&2; return 1
}
# Stops a daemon with SIGTERM and requires exit status 0 within 30 s.
stop() {
  kill -TERM "$1"
  for _ in $(seq 1 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  local rc=0; wait "$1" || rc=$?
  if [ "$rc" -ne 0 ]; then echo "valgrind: $2 exited $rc" >&2; cat "$work/$2.err" >&2; return 1; fi
}

"${vg[@]}" "$collector" --data "$work/data" --listen 'tcp://127.0.0.1:*' \
  --publish 'tcp://127.0.0.1:*' --ready-file "$work/c.ready" 2>"$work/collector.err" &
pids+=($!); cpid=$!
wait_file "$work/c.ready"
listen=$(sed -n 's/^listen=//p' "$work/c.ready")
publish=$(sed -n 's/^publish=//p' "$work/c.ready")
"${vg[@]}" "$gate" --collector "$listen" --subscribe "$publish" \
  --state "$work/gate" --ready-file "$work/g.ready" 2>"$work/gate.err" &
pids+=($!); gpid=$!
wait_file "$work/g.ready"

rc=0
"$agent" push --collector "$listen" --spool "$work/spool" --project vg \
  --run-id vg-1 --wait=60 "$@" >/dev/null || rc=$?
[ "$rc" -eq 1 ] || { echo "valgrind: push exited $rc, expected 1 (fail verdict)" >&2; exit 1; }

stop "$gpid" gate
stop "$cpid" collector
echo "valgrind: collector and gate shut down clean, no leaks, no errors"
