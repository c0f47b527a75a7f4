#!/usr/bin/env bash
# The main job on one machine: installs what is missing, builds, starts a
# collector and a gate on loopback, pushes the sample artifacts in
# examples/ (test results, coverage, benchmarks, a security scan): three
# passing runs of main form a baseline, a branch whose benchmark is 30%
# slower fails against it, a branch with failing tests, low coverage and
# high findings fails; prints the verdicts, the comparison the gate made,
# the run list and the audit trail of one run, and stops the daemons again.
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
# A hyperfine result: one command, "render", 10 samples around MEAN seconds.
bench() { # file mean
  awk -v m="$2" 'BEGIN {
    split("-0.02 0.01 0 0.015 -0.01 0.02 -0.015 0.005 -0.005 0", d, " ")
    printf "{\"results\": [{\"command\": \"render\", \"mean\": %.6f, ", m
    printf "\"stddev\": %.6f, \"median\": %.6f, \"user\": 0.001, ", m * 0.013, m
    printf "\"system\": 0.001, \"min\": %.6f, \"max\": %.6f, \"times\": [", m * 0.98, m * 1.02
    for (i = 1; i <= 10; i++) printf "%s%.6f", (i > 1 ? ", " : ""), m * (1 + d[i])
    printf "]}]}\n" }' > "$1"
}
push() { # run-id branch file...: prints the verdict; returns the exit status
  run=$1 branch=$2
  shift 2
  echo "== push to $branch: $*"
  "$bin/agent/sluice-agent" push --project demo --branch "$branch" \
    --commit "$run" --run-id "$run" --wait=10 "$@"
}
rc=()
for i in 1 2 3; do
  bench "$work/render-$i.json" 0.010
  r=0
  push "demo-main-$i" main examples/junit/passing.xml \
    examples/coverage/lcov.info "$work/render-$i.json" || r=$?
  rc+=("$r")
  echo
done
bench "$work/render-slow.json" 0.013
r=0
push demo-slow feature/slow examples/junit/passing.xml \
  examples/coverage/lcov.info "$work/render-slow.json" || r=$?
rc+=("$r")
echo
r=0
push demo-fail feature/broken examples/junit/failing.xml \
  examples/coverage/cobertura.xml examples/sarif/flawfinder.sarif || r=$?
rc+=("$r")
echo
echo "== sluice baseline check demo-slow"
"$bin/cli/sluice" baseline check demo-slow
echo
echo "== sluice runs"
"$bin/cli/sluice" runs
echo
echo "== sluice events demo-fail"
"$bin/cli/sluice" events demo-fail

if [ "${rc[*]}" != "0 0 0 1 1" ]; then
  echo "demo: expected exit statuses 0 0 0 1 1 (three passing runs of main," \
       "a benchmark regression, a failing run), got ${rc[*]}" >&2
  exit 1
fi
echo
echo "demo: ok (main passes 3 times; the 30% slower branch and the broken one fail)"
