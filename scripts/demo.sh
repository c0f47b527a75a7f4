#!/usr/bin/env bash
# The main job on one machine: installs what is missing, builds, starts a
# collector and a gate on loopback, pushes the sample artifacts in
# examples/ (test results, coverage, benchmarks, a security scan) as one
# passing and one failing run, prints both verdicts and
# the run list, and stops the daemons again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
bin=${BUILD_DIR:-build}

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Waits for a daemon's ready file (written once every socket is bound).
wait_ready() {
  for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "demo: $1 did not appear" >&2; return 1
}

"$bin/collector/sluice-collector" --data "$work/data" \
  --listen 'tcp://127.0.0.1:*' --publish 'tcp://127.0.0.1:*' \
  --ready-file "$work/collector.ready" 2>"$work/collector.log" &
pids+=($!)
wait_ready "$work/collector.ready"
listen=$(sed -n 's/^listen=//p' "$work/collector.ready")
publish=$(sed -n 's/^publish=//p' "$work/collector.ready")

"$bin/gate/sluice-gate" --collector "$listen" --subscribe "$publish" \
  --state "$work/gate" --ready-file "$work/gate.ready" 2>"$work/gate.log" &
pids+=($!)
wait_ready "$work/gate.ready"
echo "collector on $listen (events on $publish), gate following it"
echo

export SLUICE_COLLECTOR=$listen SLUICE_SPOOL=$work/spool
push() { # run-id file...: prints the verdict; returns the agent's exit status
  run=$1
  shift
  echo "== push $*"
  "$bin/agent/sluice-agent" push --project demo --branch main \
    --run-id "$run" --wait=10 "$@"
}
pass_rc=0
push demo-pass examples/junit/passing.xml examples/coverage/lcov.info \
  examples/bench/hyperfine.json || pass_rc=$?
echo
fail_rc=0
push demo-fail examples/junit/failing.xml examples/coverage/cobertura.xml \
  examples/sarif/flawfinder.sarif || fail_rc=$?
echo
echo "== sluice runs"
"$bin/cli/sluice" runs
echo
echo "== sluice run demo-fail"
"$bin/cli/sluice" run demo-fail

if [ "$pass_rc" -ne 0 ] || [ "$fail_rc" -ne 1 ]; then
  echo "demo: expected exit 0 for the passing run and 1 for the failing one," \
       "got $pass_rc and $fail_rc" >&2
  exit 1
fi
echo
echo "demo: ok (passing run exit 0, failing run exit 1)"
